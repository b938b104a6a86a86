package audit_test

import (
	"context"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/requestid"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

func TestRecordAndAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := principal.With(requestid.With(context.Background(), "req-1"),
			principal.Principal{Kind: principal.Official, Login: "lin.hui", OrgCode: "fj-szb"})
		err := db.Transact(ctx, func(tx *store.Tx) error {
			return audit.Record(ctx, tx, audit.Change{
				Action: "plan.item.updated", ObjectType: "plan_item", ObjectID: "1",
				Before: map[string]string{"status": "open"}, After: map[string]string{"status": "done"},
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := audit.List(ctx, db, audit.Filter{ObjectType: "plan_item", ObjectID: "1"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("want 1 record, got %d", len(got))
		}
		e := got[0]
		if e.Actor != "official:lin.hui" || e.RequestID != "req-1" || e.Action != "plan.item.updated" {
			t.Errorf("record = %+v", e)
		}
		want, _ := audit.Digest(map[string]string{"status": "done"})
		if e.AfterDigest != want || e.BeforeDigest == "" || e.BeforeDigest == e.AfterDigest {
			t.Errorf("digests before=%q after=%q, want after=%q", e.BeforeDigest, e.AfterDigest, want)
		}
		if !e.At.Equal(db.Clock().Now().UTC().Truncate(1000)) {
			t.Errorf("at = %v, want the transaction's fixed time %v", e.At, db.Clock().Now())
		}

		// The database itself refuses to change or remove audit records.
		for _, stmt := range []string{
			`UPDATE audit_events SET actor = 'someone-else'`,
			`DELETE FROM audit_events`,
		} {
			err := db.Transact(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, stmt)
				return err
			})
			if err == nil {
				t.Errorf("%s: succeeded, want refusal", stmt)
			}
		}
		after, err := audit.List(ctx, db, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != 1 || after[0].Actor != "official:lin.hui" {
			t.Errorf("audit log changed: %+v", after)
		}
	})
}

func TestRecordRollsBackWithChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		err := db.Transact(ctx, func(tx *store.Tx) error {
			if err := audit.Record(ctx, tx, audit.Change{Action: "x.y", ObjectType: "x", ObjectID: "1"}); err != nil {
				return err
			}
			return errs.E(errs.Invalid, "refused")
		})
		if !errs.Is(err, errs.Invalid) {
			t.Fatalf("err = %v", err)
		}
		got, err := audit.List(ctx, db, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 {
			t.Errorf("audit record outlived its rolled-back change: %+v", got)
		}
	})
}
