package app_test

import (
	"context"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// The demo publishes its four licence types once and issues the demo enterprise's business and
// food business licences, which verify as valid; the licence service listens for decided cases.
func TestDemoLicences(t *testing.T) {
	storetest.EachWith(t, storetest.Options{Clock: clock.Real{}}, func(t *testing.T, db *store.DB) {
		a := newDemo(t, db)
		if a.DemoResult.LicenceTypes != 4 {
			t.Errorf("%d licence types published, want 4", a.DemoResult.LicenceTypes)
		}
		ctx := context.Background()
		var l struct {
			ID         string `db:"id"`
			Credential string `db:"credential"`
			HolderCode string `db:"holder_code"`
		}
		if err := db.Get(ctx, &l, `SELECT id, credential, holder_code FROM licences WHERE type_code = ?`, demo.LicenceFood); err != nil {
			t.Fatalf("the demo food licence: %v", err)
		}
		if l.HolderCode != demo.DemoEnterprise.CreditCode {
			t.Errorf("held by %s", l.HolderCode)
		}
		for _, text := range []string{l.Credential, l.ID} {
			res, err := a.Licenses.Verify(ctx, text)
			if err != nil || res.State != license.StateValid {
				t.Errorf("Verify(%.20s…) = %s (%s), %v", text, res.State, res.Reason, err)
			}
		}
		var consumers int
		if err := db.Get(ctx, &consumers, `SELECT COUNT(*) FROM event_consumers WHERE name = ?`, license.ConsumerIssue); err != nil || consumers != 1 {
			t.Errorf("the licence consumer is registered %d times (%v)", consumers, err)
		}
		again := newDemo(t, db)
		var n int
		if err := db.Get(ctx, &n, `SELECT COUNT(*) FROM licences`); err != nil || n != 2 || again.DemoResult.LicenceTypes != 0 {
			t.Errorf("seeding again: %d licences, %d types published (%v)", n, again.DemoResult.LicenceTypes, err)
		}
	})
}
