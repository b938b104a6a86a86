package license

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/keys"
)

// reencode replaces the JSON payload of a credential, keeping its signature.
func reencode(t testing.TB, text string, edit func(map[string]any)) string {
	t.Helper()
	dot := strings.LastIndexByte(text, '.')
	body, err := base64.RawURLEncoding.DecodeString(text[len(credential.CredentialPrefix):dot])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, _ := json.Marshal(m)
	return credential.CredentialPrefix + base64.RawURLEncoding.EncodeToString(out) + text[dot:]
}

// otherKey is a key no one trusts, of alg.
func otherKey(t testing.TB, alg credential.Algorithm) crypto.Signer {
	t.Helper()
	if alg == credential.SM2 {
		k, err := sm2.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// verifyFixture is a set of licences in every state, and texts to verify.
type verifyFixture struct {
	valid, suspended, revoked, expired, superseded, current Licence
	validPresentation                                       string
}

func (r *rig) verifyFixture(t *testing.T) verifyFixture {
	t.Helper()
	s := r.svc
	var f verifyFixture
	f.valid = r.issue(t, fzApprover, foodRequest())
	f.suspended = r.issue(t, fzApprover, guideRequest("林小梅", aliceID))
	if _, err := s.Suspend(as(fzApprover), fzApprover, f.suspended.ID, "调查"); err != nil {
		t.Fatal(err)
	}
	f.revoked = r.issue(t, fzApprover, guideRequest("陈大伟", bobID))
	if _, err := s.Revoke(as(fzApprover), fzApprover, f.revoked.ID, "注销"); err != nil {
		t.Fatal(err)
	}
	old := guideRequest("林小梅", aliceID)
	old.ValidFrom, old.ValidUntil = "2025-01-01", "2025-12-31"
	f.expired = r.issue(t, fzApprover, old)
	f.superseded = r.issue(t, xmApprover, foodRequest())
	var err error
	if f.current, err = s.Change(as(xmApprover), xmApprover, f.superseded.ID, ChangeRequest{Reason: "更名", HolderName: "榕城茶楼"}); err != nil {
		t.Fatal(err)
	}
	if f.validPresentation, err = s.Present(as(r.agent), r.agent, f.valid.ID, PresentRequest{Purpose: "办理食品经营许可延续",
		Audience: "福州市鼓楼区市场监督管理局", Fields: []string{ClaimHolderName, "address"}}); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestVerify(t *testing.T) {
	for _, alg := range []keys.Algorithm{keys.SM2, keys.ECDSAP256} {
		t.Run(string(alg), func(t *testing.T) {
			eachRig(t, alg, func(t *testing.T, r *rig) {
				r.publishAll(t)
				testVerify(t, r)
			})
		})
	}
}

func testVerify(t *testing.T, r *rig) {
	s := r.svc
	ctx := context.Background()
	f := r.verifyFixture(t)
	calg := s.credAlg()

	// Signed by this node's real issuer key, naming a licence the node never issued, or one it
	// did with other content.
	sg, err := s.issuerSigner(ctx, fzMarket)
	if err != nil {
		t.Fatal(err)
	}
	fzIssuer := s.issuerName(creditCodeOf(fzMarket))
	unknownID := idcode.LicenceID{TypeCode: foodTypeCode, IssuerCode: creditCodeOf(fzMarket), Serial: "2026999999", Version: "001"}.String()
	unknown, _, err := credential.Issue(sg, credential.Claims{Alg: calg, KeyID: sg.Key().ID, Issuer: fzIssuer, Subject: unknownID,
		IssuedAt: r.clock.Now().Unix(), Public: map[string]string{ClaimTypeCode: foodTypeCode}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	differs, _, err := credential.Issue(sg, credential.Claims{Alg: calg, KeyID: sg.Key().ID, Issuer: fzIssuer, Subject: f.valid.ID,
		IssuedAt: r.clock.Now().Unix(), Public: map[string]string{ClaimTypeCode: foodTypeCode, ClaimValidUntil: "2099-01-01"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Fuzhou's key signing a licence of Xiamen's.
	mismatch, _, err := credential.Issue(sg, credential.Claims{Alg: calg, KeyID: sg.Key().ID, Issuer: fzIssuer, Subject: f.superseded.ID,
		IssuedAt: r.clock.Now().Unix()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The same claims under a key nobody trusts.
	c, _ := credential.ParseCredential(f.valid.Credential)
	stranger, _, err := credential.Issue(otherKey(t, calg), credential.Claims{Alg: calg, KeyID: "key_stranger", Issuer: c.Issuer,
		Subject: c.Subject, IssuedAt: c.IssuedAt, Public: c.Public}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tampered := reencode(t, f.valid.Credential, func(m map[string]any) { m["pub"].(map[string]any)["valid_until"] = "2099-12-31" })
	presentTampered := f.validPresentation[:len(f.validPresentation)-8] + "AAAAAAAA"
	nodeKey, err := s.nodeSigner(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stale, err := credential.Present(nodeKey, credential.Presentation{Alg: calg, KeyID: nodeKey.Key().ID, Presenter: node, ID: "pr_old",
		Credential: f.valid.Credential, Purpose: "查验", IssuedAt: r.clock.Now().Add(-time.Hour).Unix(),
		Expires: r.clock.Now().Add(-time.Minute).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		text   string
		state  State
		reason string
		input  string
		// shown is the licence's identifier shown, "" for none; disclosed the hidden claims shown.
		shown     string
		disclosed []string
	}{
		{"valid credential", f.valid.Credential, StateValid, "license.reason.valid", InputCredential, f.valid.ID, nil},
		{"valid credential with spaces around", "\n " + f.valid.Credential + " \n", StateValid, "license.reason.valid", InputCredential, f.valid.ID, nil},
		{"valid presentation", f.validPresentation, StateValid, "license.reason.valid", InputPresentation, f.valid.ID, []string{"address", "holder_name"}},
		{"valid identifier", f.valid.ID, StateValid, "license.reason.valid", InputIdentifier, f.valid.ID, nil},
		{"suspended credential", f.suspended.Credential, StateSuspended, "license.reason.suspended", InputCredential, f.suspended.ID, nil},
		{"suspended identifier", f.suspended.ID, StateSuspended, "license.reason.suspended", InputIdentifier, f.suspended.ID, nil},
		{"revoked credential", f.revoked.Credential, StateRevoked, "license.reason.revoked", InputCredential, f.revoked.ID, nil},
		{"expired credential", f.expired.Credential, StateExpired, "license.reason.expired", InputCredential, f.expired.ID, nil},
		{"superseded credential", f.superseded.Credential, StateSuperseded, "license.reason.superseded", InputCredential, f.superseded.ID, nil},
		{"current version", f.current.Credential, StateValid, "license.reason.valid", InputCredential, f.current.ID, nil},
		{"tampered credential", tampered, StateForged, "license.reason.forged", InputCredential, "", nil},
		{"tampered presentation", presentTampered, StateForged, "license.reason.forged", InputPresentation, "", nil},
		{"unknown licence under a trusted key", unknown, StateForged, "license.reason.unknown_licence", InputCredential, "", nil},
		{"other content under a trusted key", differs, StateForged, "license.reason.credential_differs", InputCredential, "", nil},
		{"another issuer's licence", mismatch, StateForged, "license.reason.issuer_mismatch", InputCredential, "", nil},
		{"unknown identifier", unknownID, StateForged, "license.reason.unknown_licence", InputIdentifier, "", nil},
		{"untrusted key", stranger, StateNotTrusted, "license.reason.not_trusted", InputCredential, "", nil},
		{"expired presentation", stale, StateExpired, "license.reason.presentation_expired", InputPresentation, "", nil},
		{"junk", "hello", StateMalformed, "license.reason.malformed", "", "", nil},
		{"empty", "", StateMalformed, "license.reason.malformed", "", "", nil},
		{"cut short", f.valid.Credential[:40], StateMalformed, "license.reason.malformed", InputCredential, "", nil},
		{"identifier copied wrongly", f.valid.ID[:len(f.valid.ID)-1] + "0", StateMalformed, "license.reason.malformed_identifier", InputIdentifier, "", nil},
		{"too long", credential.CredentialPrefix + strings.Repeat("A", MaxInput), StateMalformed, "license.reason.malformed", "", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := s.Verify(as(fzWindow), tc.text)
			if err != nil {
				t.Fatal(err)
			}
			if res.State != tc.state || res.Reason != tc.reason || res.Input != tc.input {
				t.Fatalf("verify = %s %s %q, want %s %s %q", res.State, res.Reason, res.Input, tc.state, tc.reason, tc.input)
			}
			if !i18n.Has(res.Reason) {
				t.Errorf("reason %s has no text", res.Reason)
			}
			if tc.shown == "" {
				if res.Licence != nil {
					t.Errorf("shown %+v for %s", res.Licence, tc.state)
				}
				return
			}
			if res.Licence == nil || res.Licence.ID != tc.shown {
				t.Fatalf("shown = %+v, want %s", res.Licence, tc.shown)
			}
			var disclosed []string
			for k := range res.Licence.Disclosed {
				disclosed = append(disclosed, k)
			}
			if diff := cmp.Diff(tc.disclosed, disclosed, cmpSorted); diff != "" {
				t.Errorf("disclosed mismatch (-want +got):\n%s", diff)
			}
			// Nothing of the holder shows but what the holder disclosed.
			js, _ := json.Marshal(res)
			for _, secret := range []string{restaurantCode, aliceID, bobID, "王建国", "林小梅", "陈大伟"} {
				if strings.Contains(string(js), secret) {
					t.Errorf("the result shows %q: %s", secret, js)
				}
			}
			if tc.input == InputIdentifier && (res.Licence.ValidUntil != "" || res.Licence.HolderCodeType != "" || res.Licence.Number != "") {
				t.Errorf("an identifier shows more than type and issuer: %+v", res.Licence)
			}
		})
	}
	// The valid presentation's verification is a use the holder sees; failed ones are not.
	uses, err := s.Uses(as(r.agent), r.agent, f.valid.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(uses) != 1 || uses[0].Kind != "verified" || uses[0].Purpose != "办理食品经营许可延续" || uses[0].ByOrg != fzMarket ||
		!strings.HasPrefix(uses[0].Presentation, "pr_") {
		t.Errorf("uses = %+v", uses)
	}
}

var cmpSorted = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
})

// A peer node's licences verify through Config.Peers; a peer key that claims to sign for this
// node is not trusted.
func TestVerifyPeers(t *testing.T) {
	eachRig(t, keys.SM2, func(t *testing.T, r *rig) {
		peerKey, liar := otherKey(t, credential.SM2), otherKey(t, credential.SM2)
		zjIssuer := idcode.NewCreditCode('1', '1', "330000", "00002233")
		peers := credential.Keys{
			"zj-license": {Public: peerKey.Public(), Owner: "330000/" + zjIssuer},
			"zj-liar":    {Public: liar.Public(), Owner: node},
		}
		s, err := New(r.db, Config{Node: node, Keys: r.keys, Ledger: r.ledger, Directory: directory{r.db}, Peers: peers, Clock: r.clock})
		if err != nil {
			t.Fatal(err)
		}
		zjID := idcode.LicenceID{TypeCode: foodTypeCode, IssuerCode: zjIssuer, Serial: "330001", Version: "001"}.String()
		issue := func(k crypto.Signer, kid, issuer, until string) string {
			text, _, err := credential.Issue(k, credential.Claims{Alg: credential.SM2, KeyID: kid, Issuer: issuer, Subject: zjID,
				IssuedAt: r.clock.Now().Unix(), Public: map[string]string{ClaimValidUntil: until, ClaimTypeName: "食品经营许可证"}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return text
		}
		for _, tc := range []struct {
			name   string
			text   string
			state  State
			reason string
		}{
			{"peer's licence", issue(peerKey, "zj-license", "330000/"+zjIssuer, "2030-01-01"), StateValid, "license.reason.peer"},
			{"peer's expired licence", issue(peerKey, "zj-license", "330000/"+zjIssuer, "2025-01-01"), StateExpired, "license.reason.expired"},
			{"a peer key for this node", issue(liar, "zj-liar", node+"/"+zjIssuer, "2030-01-01"), StateNotTrusted, "license.reason.not_trusted"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := s.Verify(context.Background(), tc.text)
				if err != nil {
					t.Fatal(err)
				}
				if res.State != tc.state || res.Reason != tc.reason {
					t.Errorf("verify = %s %s, want %s %s", res.State, res.Reason, tc.state, tc.reason)
				}
			})
		}
	})
}
