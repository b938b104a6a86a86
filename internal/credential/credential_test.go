package credential

import (
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
)

const (
	node     = "350000"
	issuer   = "350000/11350000003591514P" // Fujian market regulation
	licence  = "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F"
	otherOrg = "350000/113500000035914377"
)

// rig holds an issuer key and a node key of one algorithm, and the trust list that names them.
type rig struct {
	alg              Algorithm
	issuerKey, nodeK crypto.Signer
	issuerID, nodeID string
	trust            Keys
}

func newRig(t testing.TB, alg Algorithm) *rig { return newRigNamed(t, alg, "issuer-1", "node-1") }

func newRigNamed(t testing.TB, alg Algorithm, issuerID, nodeID string) *rig {
	t.Helper()
	gen := func() crypto.Signer {
		if alg == SM2 {
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
	r := &rig{alg: alg, issuerKey: gen(), nodeK: gen(), issuerID: issuerID, nodeID: nodeID}
	r.trust = Keys{
		issuerID: {Public: r.issuerKey.Public(), Owner: issuer},
		nodeID:   {Public: r.nodeK.Public(), Owner: node},
	}
	return r
}

func (r *rig) issue(t testing.TB) (string, map[string]string) {
	t.Helper()
	text, disc, err := Issue(r.issuerKey, Claims{Alg: r.alg, KeyID: r.issuerID, Issuer: issuer, Subject: licence,
		IssuedAt: time.Date(2026, 10, 9, 8, 0, 0, 0, time.UTC).Unix(),
		Public:   map[string]string{"type": "食品经营许可证", "valid_until": "2031-10-08"}},
		map[string]string{"holder_name": "福州市鼓楼区榕城茶餐厅", "holder_code": "92350102MA2Y0K3B5X", "address": "福州市鼓楼区杨桥东路18号1层"})
	if err != nil {
		t.Fatal(err)
	}
	return text, disc
}

func (r *rig) present(t testing.TB, cred string, disc []string, iat time.Time, life time.Duration) string {
	t.Helper()
	text, err := Present(r.nodeK, Presentation{Alg: r.alg, KeyID: r.nodeID, Presenter: node, ID: "pr_1", Credential: cred,
		Disclosures: disc, Purpose: "办理食品经营许可延续", IssuedAt: iat.Unix(), Expires: iat.Add(life).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// reencode replaces the JSON payload of a compact text, keeping its signature.
func reencode(t *testing.T, text, prefix string, edit func(map[string]any)) string {
	t.Helper()
	dot := strings.LastIndexByte(text, '.')
	body, err := base64.RawURLEncoding.DecodeString(text[len(prefix):dot])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, _ := json.Marshal(m)
	return prefix + base64.RawURLEncoding.EncodeToString(out) + text[dot:]
}

func TestCredential(t *testing.T) {
	for _, alg := range []Algorithm{SM2, ES256} {
		t.Run(string(alg), func(t *testing.T) {
			r := newRig(t, alg)
			cred, _ := r.issue(t)
			other := newRig(t, alg)
			for _, tc := range []struct {
				name  string
				text  string
				trust Resolver
				want  Reason
			}{
				{"valid", cred, r.trust, ""},
				{"unknown key", cred, Keys{"node-1": r.trust["node-1"]}, NotTrusted},
				{"key trusted for another organisation", cred, Keys{"issuer-1": {Public: r.issuerKey.Public(), Owner: otherOrg}}, NotTrusted},
				{"node key covers its organisations", cred, Keys{"issuer-1": {Public: r.issuerKey.Public(), Owner: node}}, ""},
				{"same key id, another key", cred, other.trust, Forged},
				{"claim changed", reencode(t, cred, CredentialPrefix, func(m map[string]any) {
					m["pub"].(map[string]any)["valid_until"] = "2041-10-08"
				}), r.trust, Forged},
				{"algorithm renamed", reencode(t, cred, CredentialPrefix, func(m map[string]any) {
					if alg == SM2 {
						m["alg"] = "ES256"
					} else {
						m["alg"] = "SM2"
					}
				}), r.trust, Forged},
				{"unknown field", reencode(t, cred, CredentialPrefix, func(m map[string]any) { m["admin"] = true }), r.trust, Malformed},
				{"no signature", strings.TrimSuffix(cred, cred[strings.LastIndexByte(cred, '.'):]), r.trust, Malformed},
				{"not a credential", "https://example.cn/", r.trust, Malformed},
				{"too long", CredentialPrefix + strings.Repeat("A", MaxCredential), r.trust, Malformed},
			} {
				t.Run(tc.name, func(t *testing.T) {
					c, err := Verify(tc.text, tc.trust)
					if got := ReasonOf(err); got != tc.want || (tc.want != "" && err == nil) {
						t.Fatalf("Verify: %v (reason %q), want %q", err, got, tc.want)
					}
					if tc.want == "" && (c.Subject != licence || c.Public["type"] != "食品经营许可证" || len(c.Digests) != 3) {
						t.Errorf("claims %+v", c)
					}
				})
			}
		})
	}
}

func TestPresentation(t *testing.T) {
	now := time.Date(2026, 10, 12, 9, 30, 0, 0, time.UTC)
	for _, alg := range []Algorithm{SM2, ES256} {
		t.Run(string(alg), func(t *testing.T) {
			r := newRig(t, alg)
			cred, disc := r.issue(t)
			name := []string{disc["holder_name"]}
			valid := r.present(t, cred, name, now.Add(-time.Minute), 5*time.Minute)
			forgedDisclosure := Disclosure{Salt: NewSalt(), Name: "holder_name", Value: "别人的餐厅"}.Encode()
			untrustedNode := newRigNamed(t, alg, "foreign-issuer", "foreign-node")
			impostor := newRig(t, alg) // other keys under the trusted key ids
			for _, tc := range []struct {
				name  string
				text  string
				trust Resolver
				at    time.Time
				want  Reason
				shown map[string]string
			}{
				{"name only", valid, r.trust, now, "", map[string]string{"holder_name": "福州市鼓楼区榕城茶餐厅"}},
				{"nothing hidden shown", r.present(t, cred, nil, now, time.Minute), r.trust, now, "", map[string]string{}},
				{"two claims", r.present(t, cred, []string{disc["holder_name"], disc["address"]}, now, time.Minute), r.trust, now,
					"", map[string]string{"holder_name": "福州市鼓楼区榕城茶餐厅", "address": "福州市鼓楼区杨桥东路18号1层"}},
				{"QR pasted with spaces", " " + valid + "\n", r.trust, now, "", map[string]string{"holder_name": "福州市鼓楼区榕城茶餐厅"}},
				{"expired", valid, r.trust, now.Add(5 * time.Minute), Expired, nil},
				{"from the future", r.present(t, cred, name, now.Add(10*time.Minute), time.Minute), r.trust, now, Expired, nil},
				{"forged disclosure", r.present(t, cred, []string{forgedDisclosure}, now, time.Minute), r.trust, now, Forged, nil},
				{"claim disclosed twice", r.present(t, cred, []string{disc["address"], disc["address"]}, now, time.Minute), r.trust, now, Forged, nil},
				{"presented by an untrusted node", untrustedNode.present(t, cred, name, now, time.Minute), r.trust, now, NotTrusted, nil},
				{"credential of an untrusted issuer", r.present(t, func() string { c, _ := untrustedNode.issue(t); return c }(), nil, now, time.Minute),
					r.trust, now, NotTrusted, nil},
				{"signed by another key under the node's key id", impostor.present(t, cred, name, now, time.Minute), r.trust, now, Forged, nil},
				{"truncated", valid[:len(valid)/2], r.trust, now, Malformed, nil},
				{"not ours", "YWP1.AAAA.AAAA", r.trust, now, Malformed, nil},
			} {
				t.Run(tc.name, func(t *testing.T) {
					v, err := VerifyPresentation(tc.text, tc.trust, tc.at)
					if got := ReasonOf(err); got != tc.want || (tc.want != "" && err == nil) {
						t.Fatalf("VerifyPresentation: %v (reason %q), want %q", err, got, tc.want)
					}
					if tc.want != "" {
						return
					}
					if len(v.Disclosed) != len(tc.shown) {
						t.Errorf("disclosed %v, want %v", v.Disclosed, tc.shown)
					}
					for k, want := range tc.shown {
						if v.Disclosed[k] != want {
							t.Errorf("%s = %q, want %q", k, v.Disclosed[k], want)
						}
					}
					if v.Presentation.Purpose != "办理食品经营许可延续" || v.Claims.Subject != licence {
						t.Errorf("verified %+v", v.Presentation)
					}
				})
			}
			// A presentation fits a QR code, and changing any of its signed text breaks it.
			if len(valid) > 2000 {
				t.Errorf("a presentation with one claim is %d bytes", len(valid))
			}
			dot := strings.LastIndexByte(valid, '.')
			tampered := valid[:dot-3] + flip(valid[dot-3]) + valid[dot-2:]
			if _, err := VerifyPresentation(tampered, r.trust, now); err == nil {
				t.Error("a changed presentation verified")
			}
		})
	}
}

func flip(b byte) string {
	if b == 'A' {
		return "B"
	}
	return "A"
}

func TestPresentRefuses(t *testing.T) {
	r := newRig(t, ES256)
	cred, _ := r.issue(t)
	big, _, err := Issue(r.issuerKey, Claims{Alg: ES256, KeyID: "issuer-1", Issuer: issuer, Subject: licence,
		Public: map[string]string{"scan": strings.Join(salts(400), "")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, p := range []Presentation{
		{Alg: ES256, KeyID: "node-1", Presenter: node, ID: "x", Credential: cred, IssuedAt: now.Unix(), Expires: now.Add(time.Minute).Unix()},                                      // no purpose
		{Alg: ES256, KeyID: "node-1", Presenter: node, ID: "x", Credential: cred, Purpose: "p", IssuedAt: now.Unix(), Expires: now.Add(2 * time.Hour).Unix()},                      // too long
		{Alg: ES256, KeyID: "node-1", Presenter: node, ID: "x", Credential: cred, Purpose: "p", IssuedAt: now.Unix(), Expires: now.Unix()},                                         // no lifetime
		{Alg: ES256, KeyID: "node-1", Presenter: node, ID: "x", Credential: big, Purpose: "p", IssuedAt: now.Unix(), Expires: now.Unix() + 60},                                     // too big for a QR code
		{Alg: ES256, KeyID: "node-1", Presenter: node, ID: "x", Credential: cred, Disclosures: salts(MaxClaims + 1), Purpose: "p", IssuedAt: now.Unix(), Expires: now.Unix() + 60}, // too many
	} {
		if _, err := Present(r.nodeK, p); err == nil {
			t.Errorf("Present #%d accepted", i)
		}
	}
}

// salts returns n random strings, which do not compress.
func salts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = NewSalt()
	}
	return out
}

func FuzzVerifyPresentation(f *testing.F) {
	r := newRig(f, ES256)
	cred, disc := r.issue(f)
	now := time.Date(2026, 10, 12, 9, 30, 0, 0, time.UTC)
	f.Add(r.present(f, cred, []string{disc["holder_name"]}, now, time.Minute))
	f.Add(cred)
	f.Add("YWP1..")
	f.Add("YWP1.80.")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := VerifyPresentation(s, r.trust, now)
		if err != nil {
			if ReasonOf(err) == "" {
				t.Fatalf("%q: an error without a reason: %v", s, err)
			}
			return
		}
		// Whatever verifies was signed by the trusted node for a credential of the issuer.
		if v.Presentation.Presenter != node || v.Claims.Issuer != issuer {
			t.Fatalf("%q verified as %+v", s, v)
		}
	})
}

func FuzzVerifyCredential(f *testing.F) {
	r := newRig(f, SM2)
	cred, _ := r.issue(f)
	f.Add(cred)
	f.Add("YWC1.e30.AA")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Verify(s, r.trust)
		if err != nil {
			if ReasonOf(err) == "" {
				t.Fatalf("%q: an error without a reason: %v", s, err)
			}
			return
		}
		if c.Issuer != issuer || c.KeyID != "issuer-1" {
			t.Fatalf("%q verified as %+v", s, c)
		}
	})
}

// BenchmarkVerify compares verifying a presentation (two signatures, decompression, JSON) with
// the raw signature verifications it contains.
func BenchmarkVerify(b *testing.B) {
	now := time.Date(2026, 10, 12, 9, 30, 0, 0, time.UTC)
	for _, alg := range []Algorithm{SM2, ES256} {
		r := newRig(b, alg)
		cred, disc := r.issue(b)
		text := r.present(b, cred, []string{disc["holder_name"]}, now, time.Minute)
		b.Run(string(alg)+"/raw-two-signatures", func(b *testing.B) {
			msg := []byte(text)
			sig, err := sign(r.nodeK, alg, msg)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if !verify(r.nodeK.Public(), alg, msg, sig) || !verify(r.nodeK.Public(), alg, msg, sig) {
					b.Fatal("does not verify")
				}
			}
		})
		b.Run(string(alg)+"/presentation", func(b *testing.B) {
			for b.Loop() {
				if _, err := VerifyPresentation(text, r.trust, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestVouched: a vouched credential's signature is not checked again, but its key must still be
// trusted for its issuer, and the presenter's signature is always checked.
func TestVouched(t *testing.T) {
	now := time.Date(2026, 10, 12, 9, 30, 0, 0, time.UTC)
	for _, alg := range []Algorithm{SM2, ES256} {
		t.Run(string(alg), func(t *testing.T) {
			r := newRig(t, alg)
			cred, _ := r.issue(t)
			// The credential with its signature spoiled: only a voucher holding exactly this text
			// as genuine lets it through.
			dot := strings.LastIndexByte(cred, '.')
			spoiled := cred[:dot+1] + flip(cred[dot+1]) + cred[dot+2:]
			holds := func(text string) Voucher {
				return func(c Claims, got string) bool { return got == text && c.Subject == licence }
			}
			untrusted := Keys{r.nodeID: r.trust[r.nodeID]}
			impostor := newRig(t, alg)
			for _, tc := range []struct {
				name    string
				text    string
				trust   Resolver
				vouched Voucher
				want    Reason
			}{
				{"vouched, signature not checked", r.present(t, spoiled, nil, now, time.Minute), r.trust, holds(spoiled), ""},
				{"not vouched, signature checked", r.present(t, spoiled, nil, now, time.Minute), r.trust, holds(cred), Forged},
				{"no voucher", r.present(t, spoiled, nil, now, time.Minute), r.trust, nil, Forged},
				{"vouched, key no longer trusted", r.present(t, cred, nil, now, time.Minute), untrusted, holds(cred), NotTrusted},
				{"vouched, presenter's signature still checked", impostor.present(t, cred, nil, now, time.Minute), r.trust, holds(cred), Forged},
			} {
				t.Run(tc.name, func(t *testing.T) {
					_, err := VerifyPresentationVouched(tc.text, tc.trust, now, tc.vouched)
					if got := ReasonOf(err); got != tc.want || (tc.want != "" && err == nil) {
						t.Fatalf("VerifyPresentationVouched: %v (reason %q), want %q", err, got, tc.want)
					}
				})
			}
			if _, err := VerifyVouched(spoiled, r.trust, holds(spoiled)); err != nil {
				t.Errorf("VerifyVouched of a vouched credential: %v", err)
			}
			if _, err := VerifyVouched(spoiled, r.trust, nil); ReasonOf(err) != Forged {
				t.Errorf("VerifyVouched without a voucher: %v, want forged", err)
			}
		})
	}
}
