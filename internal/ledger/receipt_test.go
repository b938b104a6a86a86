package ledger_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

var (
	official = principal.Principal{Kind: principal.Official, Login: "gxt.officer", OrgCode: "fj-miit", Roles: []string{principal.RoleWindowOfficer}, Via: "session"}
	system   = principal.Principal{Kind: principal.Client, Login: "demo-data-sync", ClientID: "demo-data-sync", OrgCode: "fj-bdc",
		Scopes: []string{principal.ScopeAPIRead, principal.ScopeAPIWrite}, Via: "client"}
	resident = principal.Principal{Kind: principal.Resident, Login: "zhang", RealNameLevel: 2, Via: "session"}
	agent    = principal.Principal{Kind: principal.Agent, Login: "li", ActingFor: "91350100M000100Y43", Via: "session"}
	readOnly = principal.Principal{Kind: principal.Official, Login: "kjt.officer", OrgCode: "fj-kjt", Scopes: []string{principal.ScopeAPIRead}, Via: "token"}
)

const docDigest = "sm3:66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"

func TestNotarise(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		k := newKeys(t, origin)
		l := newLog(t, db, k)
		if _, err := l.Append(ctx(), entry(0), entry(1), entry(2)); err != nil {
			t.Fatal(err)
		}
		r, err := l.Notarise(ctx(), official, strings.ToUpper(docDigest[:4])+docDigest[4:], "闽工信函〔2026〕12号")
		if err != nil {
			t.Fatal(err)
		}
		if r.Entry.Index != 3 || r.Entry.Type != ledger.TypeNotarisation || r.Entry.Org != "fj-miit" || r.Entry.Digest != docDigest ||
			r.Size != 4 || r.LogKey != k.vkey || !r.Entry.Time.Equal(testTime) {
			t.Errorf("receipt %+v", r)
		}
		if err := ledger.VerifyReceipt(r, k.vkey); err != nil {
			t.Errorf("fresh receipt: %v", err)
		}
		// The receipt survives JSON and verifies from the bytes alone.
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ledger.ParseReceipt(data)
		if err != nil {
			t.Fatal(err)
		}
		if err := ledger.VerifyReceipt(back, k.vkey); err != nil {
			t.Errorf("receipt after JSON: %v", err)
		}
		// Audited: who, the digest's prefix, the index.
		evs, err := audit.List(ctx(), db, audit.Filter{ObjectType: "ledger_entry"})
		if err != nil || len(evs) != 1 || evs[0].Action != "ledger.notarised" || evs[0].Actor != "official:gxt.officer" || evs[0].ObjectID != "3" ||
			!strings.Contains(evs[0].Detail, `"digest_prefix":"sm3:66c7f0f462eeedd9"`) || strings.Contains(evs[0].Detail, docDigest) {
			t.Errorf("audit: %+v %v", evs, err)
		}

		// A department system with write scope notarises for its organisation.
		r2, err := l.Notarise(ctx(), system, docDigest, "")
		if err != nil || r2.Entry.Org != "fj-bdc" || r2.Entry.Index != 4 {
			t.Errorf("department system: %+v %v", r2.Entry, err)
		}
		// The first receipt still verifies after the log grew, and so does one made afresh.
		if err := ledger.VerifyReceipt(r, k.vkey); err != nil {
			t.Error(err)
		}
		r3, err := l.Receipt(ctx(), 3)
		if err != nil || r3.Size != 5 || ledger.VerifyReceipt(r3, k.vkey) != nil {
			t.Errorf("later receipt: %+v %v", r3, err)
		}

		for _, tc := range []struct {
			p    principal.Principal
			kind errs.Kind
		}{
			{principal.Principal{Kind: principal.Anonymous}, errs.Unauthenticated},
			{resident, errs.Forbidden},
			{agent, errs.Forbidden},
			{readOnly, errs.Forbidden},
		} {
			if _, err := l.Notarise(ctx(), tc.p, docDigest, ""); !errs.Is(err, tc.kind) {
				t.Errorf("%s notarises: %v, want %s", tc.p.Kind, err, tc.kind)
			}
		}
		for _, tc := range []struct{ digest, subject, field string }{
			{"sha1:abc", "", "digest"},
			{docDigest, "申请人 350102198803150461", "subject"},
			{docDigest, "13859001234", "subject"},
		} {
			if _, err := l.Notarise(ctx(), official, tc.digest, tc.subject); errs.Public(err).Field != tc.field {
				t.Errorf("Notarise(%q, %q) = %v, want a %s error", tc.digest, tc.subject, err, tc.field)
			}
		}
		if n, _ := l.Size(ctx()); n != 5 {
			t.Errorf("refused notarisations changed the log: size %d", n)
		}
	})
}

func TestVerifyReceiptRefusesAlterations(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite, storetest.Options{})
	k := newKeys(t, origin)
	l := newLog(t, db, k)
	for i := range 20 {
		if _, err := l.Append(ctx(), entry(i)); err != nil {
			t.Fatal(err)
		}
	}
	good, err := l.Notarise(ctx(), official, docDigest, "闽工信函〔2026〕12号")
	if err != nil {
		t.Fatal(err)
	}
	flip := func(s string) string {
		b, _ := base64.StdEncoding.DecodeString(s)
		b[0] ^= 1
		return base64.StdEncoding.EncodeToString(b)
	}
	other := newKeys(t, origin)
	for _, tc := range []struct {
		name    string
		change  func(r *ledger.Receipt)
		key     string
		message string
	}{
		{"another digest", func(r *ledger.Receipt) { r.Entry.Digest = "sm3:" + strings.Repeat("0", 64) }, "", "ledger.error.receipt_leaf"},
		{"digest in capitals", func(r *ledger.Receipt) { r.Entry.Digest = strings.ToUpper(r.Entry.Digest) }, "", "ledger.error.receipt_leaf"},
		{"another subject", func(r *ledger.Receipt) { r.Entry.Subject = "闽工信函〔2026〕13号" }, "", "ledger.error.receipt_leaf"},
		{"another organisation", func(r *ledger.Receipt) { r.Entry.Org = "fj-drc" }, "", "ledger.error.receipt_leaf"},
		{"another time", func(r *ledger.Receipt) { r.Entry.Time = r.Entry.Time.Add(time.Second) }, "", "ledger.error.receipt_leaf"},
		{"another type", func(r *ledger.Receipt) { r.Entry.Type = ledger.TypeCaseDecision }, "", "ledger.error.receipt_leaf"},
		{"another index", func(r *ledger.Receipt) { r.Entry.Index = 19 }, "", "ledger.error.receipt_leaf"},
		{"index beyond the tree", func(r *ledger.Receipt) { r.Entry.Index = 21 }, "", "ledger.error.receipt_index"},
		{"leaf hash changed", func(r *ledger.Receipt) { r.LeafHash = flip(r.LeafHash) }, "", "ledger.error.receipt_leaf"},
		{"a proof hash changed", func(r *ledger.Receipt) { r.Proof[len(r.Proof)-1] = flip(r.Proof[len(r.Proof)-1]) }, "", "ledger.error.receipt_proof"},
		{"proof shortened", func(r *ledger.Receipt) { r.Proof = r.Proof[1:] }, "", "ledger.error.receipt_proof"},
		{"proof not base64", func(r *ledger.Receipt) { r.Proof[0] = "%%" }, "", "ledger.error.receipt_proof"},
		{"size changed", func(r *ledger.Receipt) { r.Size = 20 }, "", "ledger.error.receipt_size"},
		{"checkpoint text changed", func(r *ledger.Receipt) {
			r.Checkpoint = strings.Replace(r.Checkpoint, "\n21\n", "\n22\n", 1)
		}, "", "ledger.error.receipt_signature"},
		{"checkpoint of another log key", func(r *ledger.Receipt) {}, other.vkey, "ledger.error.receipt_signature"},
		{"not a key", func(r *ledger.Receipt) {}, "yiwang", "ledger.error.bad_key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := good
			r.Proof = append([]string(nil), good.Proof...)
			tc.change(&r)
			key := k.vkey
			if tc.key != "" {
				key = tc.key
			}
			err := ledger.VerifyReceipt(r, key)
			if pe := errs.Public(err); pe.Kind != errs.Invalid || pe.Message != tc.message {
				t.Errorf("got %v, want %s", err, tc.message)
			}
		})
	}
}
