package license

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/ledger"
)

// mod3736 is an independent ISO 7064 MOD 37,36 (hybrid) check over the identifier's body, as the
// domain reference states it: alphabet 0-9A-Z valued 0–35, P = 36; for each character
// S = (P + v) mod 36 with 0 read as 36, P = 2S mod 37; the check c makes (P + c) mod 36 = 1.
func mod3736(body string) byte {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	p := 36
	for _, ch := range body {
		s := (p + strings.IndexRune(alphabet, ch)) % 36
		if s == 0 {
			s = 36
		}
		p = (2 * s) % 37
	}
	for c := 0; c < 36; c++ {
		if (p+c)%36 == 1 {
			return alphabet[c]
		}
	}
	panic("no check character")
}

// independentCheck splits an identifier by dots and checks its last character with mod3736.
func independentCheck(t testing.TB, id string) {
	t.Helper()
	parts := strings.Split(strings.TrimPrefix(id, idcode.LicenceIDPrefix), ".")
	if len(parts) != 5 || len(parts[4]) != 1 {
		t.Fatalf("%s: not five parts after the prefix", id)
	}
	if got, want := parts[4][0], mod3736(parts[0]+parts[1]+parts[2]+parts[3]); got != want {
		t.Fatalf("%s: check character %c, the independent check says %c", id, got, want)
	}
}

func TestReferenceIdentifier(t *testing.T) {
	const real = "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F"
	id, err := idcode.ParseLicenceID(real)
	if err != nil {
		t.Fatal(err)
	}
	if id.String() != real {
		t.Errorf("round trip = %s", id.String())
	}
	independentCheck(t, real)
}

func TestIssue(t *testing.T) {
	for _, alg := range []keys.Algorithm{keys.SM2, keys.ECDSAP256} {
		t.Run(string(alg), func(t *testing.T) {
			eachRig(t, alg, func(t *testing.T, r *rig) {
				r.publishAll(t)
				l := r.issue(t, fzApprover, foodRequest())
				checkIssued(t, r, l, alg)
				// Serials count per issuer and type; identifiers all check.
				l2 := r.issue(t, fzApprover, foodRequest())
				if l2.Serial != "2026000002" {
					t.Errorf("second serial = %s", l2.Serial)
				}
				x := r.issue(t, xmApprover, foodRequest())
				if x.Serial != "2026000001" || x.IssuerCode != creditCodeOf(xmMarket) || x.Jurisdiction != "350200" {
					t.Errorf("Xiamen's licence = %s %s %s", x.Serial, x.IssuerCode, x.Jurisdiction)
				}
				g := r.issue(t, fzApprover, guideRequest("林小梅", aliceID))
				if g.Serial != "2026000001" || g.ValidUntil != "2029-03-01" {
					t.Errorf("guide licence serial %s, valid until %s", g.Serial, g.ValidUntil)
				}
				for _, l := range []Licence{l2, x, g} {
					if _, err := idcode.ParseLicenceID(l.ID); err != nil {
						t.Errorf("%s: %v", l.ID, err)
					}
					independentCheck(t, l.ID)
				}
				// A type without an end issues licences without an end.
				teach := r.issue(t, eduApprover, IssueRequest{TypeCode: teachTypeCode, HolderName: "陈大伟", HolderCode: bobID,
					HolderCodeType: HolderCodeResidentID, Face: map[string]string{"subject": "高中数学"}})
				if teach.ValidUntil != "" {
					t.Errorf("teacher's certificate valid until %q", teach.ValidUntil)
				}
				if c, _ := credential.ParseCredential(teach.Credential); c.Public[ClaimValidUntil] != "" {
					t.Errorf("teacher's certificate claims valid until %q", c.Public[ClaimValidUntil])
				}
			})
		})
	}
}

// checkIssued checks everything issuing l should have made.
func checkIssued(t *testing.T, r *rig, l Licence, alg keys.Algorithm) {
	t.Helper()
	ctx := context.Background()
	if _, err := idcode.ParseLicenceID(l.ID); err != nil {
		t.Fatal(err)
	}
	independentCheck(t, l.ID)
	issuer := creditCodeOf(fzMarket)
	wantID := idcode.LicenceID{TypeCode: foodTypeCode, IssuerCode: issuer, Serial: "2026000001", Version: "001"}.String()
	if l.ID != wantID || l.Serial != "2026000001" || l.Version != "001" || l.Status != StatusValid ||
		l.IssuedOn != "2026-03-02" || l.ValidFrom != "2026-03-02" || l.ValidUntil != "2031-03-01" || l.Jurisdiction != "350100" {
		t.Errorf("licence = %+v", l)
	}
	// The credential verifies under the node's trust and says what it should.
	c, err := credential.Verify(l.Credential, r.svc.trust)
	if err != nil {
		t.Fatal(err)
	}
	wantAlg := credential.SM2
	if alg == keys.ECDSAP256 {
		wantAlg = credential.ES256
	}
	if c.Alg != wantAlg || c.Issuer != node+"/"+issuer || c.Subject != l.ID || c.KeyID != l.KeyID {
		t.Errorf("claims = %+v", c)
	}
	wantPublic := map[string]string{"type_code": foodTypeCode, "type_name": "食品经营许可证", "number": "JY13501020012345",
		"issuer": "福州市市场监督管理局", "jurisdiction": "350100", "issued_on": "2026-03-02", "valid_from": "2026-03-02",
		"valid_until": "2031-03-01", "holder_code_type": "001"}
	if diff := cmp.Diff(wantPublic, c.Public); diff != "" {
		t.Errorf("public claims mismatch (-want +got):\n%s", diff)
	}
	for _, v := range c.Public {
		if strings.Contains(v, restaurantCode) || strings.Contains(v, "王建国") {
			t.Errorf("a public claim holds the holder's data: %q", v)
		}
	}
	disc, err := r.svc.disclosures(ctx, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	var list []string
	for _, d := range disc {
		list = append(list, d)
	}
	hidden, err := credential.Disclose(c, list)
	if err != nil {
		t.Fatal(err)
	}
	wantHidden := map[string]string{"holder_name": "福州市鼓楼区榕城茶餐厅", "holder_code": restaurantCode, "legal_rep": "王建国",
		"address": "福州市鼓楼区杨桥东路18号1层", "business_scope": "热食类食品制售；冷食类食品制售"}
	if diff := cmp.Diff(wantHidden, hidden); diff != "" {
		t.Errorf("hidden claims mismatch (-want +got):\n%s", diff)
	}
	if len(c.Digests) != len(wantHidden) {
		t.Errorf("%d digests for %d hidden claims", len(c.Digests), len(wantHidden))
	}
	// The disclosures are sealed in the row, not stored in clear.
	var sealed []byte
	if err := r.db.Get(ctx, &sealed, `SELECT disclosures FROM licences WHERE id = ?`, l.ID); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), "王建国") || strings.Contains(string(sealed), disc["legal_rep"]) {
		t.Error("disclosures stored in clear")
	}
	// The ledger has the issue under "<identifier>#<key id>" with the credential's digest.
	es := r.entries(t)
	last := es[len(es)-1]
	if last.Type != ledger.TypeLicenceIssued || last.Subject != l.ID+"#"+l.KeyID || last.Digest != digestText(l.Credential) ||
		last.Org != fzMarket {
		t.Errorf("ledger entry = %+v", last)
	}
	hist, err := r.svc.History(as(fzApprover), fzApprover, l.ID)
	if err != nil || len(hist) != 1 || hist[0].Kind != StepIssued || hist[0].LedgerIndex == nil || *hist[0].LedgerIndex != last.Index {
		t.Errorf("history = %+v, %v", hist, err)
	}
	if got := r.auditActions(t, l.ID); !cmp.Equal(got, []string{"license.issue"}) {
		t.Errorf("audit = %v", got)
	}
	var ev []struct {
		Topic   string `db:"topic"`
		Payload string `db:"payload"`
	}
	if err := r.db.Select(ctx, &ev, `SELECT topic, payload FROM events WHERE topic = 'license.issued'`); err != nil {
		t.Fatal(err)
	}
	if len(ev) != 1 || !strings.Contains(ev[0].Payload, l.ID) || strings.Contains(ev[0].Payload, "王建国") ||
		strings.Contains(ev[0].Payload, "茶餐厅") {
		t.Errorf("events = %+v", ev)
	}
	// The enterprise's owner is told.
	var msgs []struct {
		Account int64  `db:"account_id"`
		Key     string `db:"msg_key"`
		Args    string `db:"args"`
	}
	if err := r.db.Select(ctx, &msgs, `SELECT account_id, msg_key, args FROM notify_messages`); err != nil {
		t.Fatal(err)
	}
	var args []string
	if len(msgs) == 1 {
		_ = json.Unmarshal([]byte(msgs[0].Args), &args)
	}
	if len(msgs) != 1 || msgs[0].Account != r.owner.AccountID || msgs[0].Key != "license.notice.issued" ||
		!cmp.Equal(args, []string{"食品经营许可证", "JY13501020012345"}) {
		t.Errorf("messages = %+v", msgs)
	}
}

func TestIssueRefusals(t *testing.T) {
	eachRig(t, keys.SM2, func(t *testing.T, r *rig) {
		r.publishAll(t)
		unpublished := foodType()
		unpublished.Code, unpublished.LinkedItems = samrCode+"099", nil
		if _, err := r.svc.SaveType(as(fjAdmin), fjAdmin, unpublished); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name           string
			as             string
			edit           func(*IssueRequest)
			kind           errs.Kind
			field, message string
		}{
			{name: "window officer", as: "window", kind: errs.Forbidden, message: "license.error.issue_forbidden"},
			{name: "another organisation's approver for Fuzhou", as: "xm", edit: func(q *IssueRequest) { q.IssuerOrg = fzMarket },
				kind: errs.Forbidden, message: "license.error.issue_forbidden"},
			{name: "a resident", as: "alice", kind: errs.Forbidden, message: "license.error.issue_forbidden"},
			{name: "unpublished type", edit: func(q *IssueRequest) { q.TypeCode = unpublished.Code },
				kind: errs.Invalid, field: "type_code", message: "license.error.type_not_published"},
			{name: "unknown type", edit: func(q *IssueRequest) { q.TypeCode = "X" },
				kind: errs.Invalid, field: "type_code", message: "license.error.type_not_published"},
			{name: "holder name", edit: func(q *IssueRequest) { q.HolderName = "" },
				kind: errs.Invalid, field: "holder_name", message: "plaintext.error.required"},
			{name: "holder credit code", edit: func(q *IssueRequest) { q.HolderCode = restaurantCode[:17] + "0" },
				kind: errs.Invalid, field: "holder_code"},
			{name: "person for an enterprise type", edit: func(q *IssueRequest) { q.HolderCode, q.HolderCodeType = aliceID, HolderCodeResidentID },
				kind: errs.Invalid, field: "holder_code_type", message: "license.error.holder_not_enterprise"},
			{name: "holder code type", edit: func(q *IssueRequest) { q.HolderCodeType = "999" },
				kind: errs.Invalid, field: "holder_code_type", message: "license.error.holder_code_type"},
			{name: "face field missing", edit: func(q *IssueRequest) { delete(q.Face, "address") },
				kind: errs.Invalid, field: "face.address", message: "license.error.face_required"},
			{name: "face field unknown", edit: func(q *IssueRequest) { q.Face["colour"] = "red" },
				kind: errs.Invalid, field: "face.colour", message: "license.error.face_unknown"},
			{name: "face field too long", edit: func(q *IssueRequest) { q.Face["legal_rep"] = strings.Repeat("王", 201) },
				kind: errs.Invalid, field: "face.legal_rep", message: "license.error.too_long"},
			{name: "face one-line field with a newline", edit: func(q *IssueRequest) { q.Face["address"] = "福州\n鼓楼" },
				kind: errs.Invalid, field: "face.address", message: "license.error.plain_text"},
			{name: "validity shorter than the type's", edit: func(q *IssueRequest) { q.ValidUntil = "2030-03-01" },
				kind: errs.Invalid, field: "valid_until", message: "license.error.validity"},
			{name: "validity date", edit: func(q *IssueRequest) { q.ValidFrom = "2026/03/02" },
				kind: errs.Invalid, field: "valid_from", message: "license.error.date"},
			{name: "jurisdiction", edit: func(q *IssueRequest) { q.Jurisdiction = "999999" }, kind: errs.Invalid, field: "jurisdiction"},
			{name: "number", edit: func(q *IssueRequest) { q.Number = "JY 135" },
				kind: errs.Invalid, field: "number", message: "license.error.number"},
			{name: "linked item", edit: func(q *IssueRequest) { q.LinkedItem = "x" },
				kind: errs.Invalid, field: "linked_item", message: "license.error.linked_item"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := fzApprover
				switch tc.as {
				case "window":
					p = fzWindow
				case "xm":
					p = xmApprover
				case "alice":
					p = r.alice
				}
				req := foodRequest()
				if tc.edit != nil {
					tc.edit(&req)
				}
				_, err := r.svc.Issue(as(p), p, req)
				wantErr(t, err, tc.kind, tc.field, tc.message)
			})
		}
		t.Run("person type", func(t *testing.T) {
			for _, tc := range []struct {
				name           string
				edit           func(*IssueRequest)
				field, message string
			}{
				{"enterprise for a person type", func(q *IssueRequest) { q.HolderCode, q.HolderCodeType = restaurantCode, HolderCodeCreditCode },
					"holder_code_type", "license.error.holder_not_person"},
				{"resident ID", func(q *IssueRequest) { q.HolderCode = aliceID[:17] + "0" }, "holder_code", ""},
				{"date field", func(q *IssueRequest) { q.Face["born_on"] = "1988-02-30" }, "face.born_on", "license.error.date"},
				{"validity too long", func(q *IssueRequest) { q.ValidUntil = "2029-03-02" }, "valid_until", "license.error.validity"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					req := guideRequest("林小梅", aliceID)
					tc.edit(&req)
					_, err := r.svc.Issue(as(fzApprover), fzApprover, req)
					wantErr(t, err, errs.Invalid, tc.field, tc.message)
				})
			}
			req := IssueRequest{TypeCode: teachTypeCode, HolderName: "陈大伟", HolderCode: bobID, HolderCodeType: HolderCodeResidentID,
				Face: map[string]string{"subject": "物理"}, ValidUntil: "2030-01-01"}
			_, err := r.svc.Issue(as(eduApprover), eduApprover, req)
			wantErr(t, err, errs.Invalid, "valid_until", "license.error.no_end")
		})
		// Nothing was issued, no serial was taken.
		var n int
		if err := r.db.Get(context.Background(), &n, `SELECT COUNT(*) FROM licences`); err != nil || n != 0 {
			t.Errorf("%d licences after refusals (%v)", n, err)
		}
	})
}
