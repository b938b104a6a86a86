package federation

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"github.com/yiwang-platform/yiwang/internal/credential"
)

const (
	fujian   = "350000"
	zhejiang = "330000"
	fjMarket = "11350000003591514T" // a Fujian department's credit code (valid check character)
	natType  = "11100000000013338W032"
)

func sm2Key(t testing.TB) crypto.Signer {
	k, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func p256Key(t testing.TB) crypto.Signer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func trustedKey(t testing.TB, kid, owner string, k crypto.Signer) TrustedKey {
	tk, err := NewTrustedKey(kid, owner, k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// list is a valid trust list of Fujian with a node key and a department key.
func list(t testing.TB, node, dept crypto.Signer) TrustList {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	return TrustList{Node: fujian, Name: "福建省", Version: 3, IssuedAt: at, NextUpdate: at.Add(24 * time.Hour),
		Endpoint: "https://yiwang.fujian.example.cn", StatusURL: "https://yiwang.fujian.example.cn/api/v1/licenses/status",
		Keys:         []TrustedKey{trustedKey(t, "fj-node", fujian, node), trustedKey(t, "fj-scj-license", fujian+"/"+fjMarket, dept)},
		LicenceTypes: []string{natType}}
}

func TestSignAndOpen(t *testing.T) {
	node, dept := sm2Key(t), p256Key(t)
	good, err := Sign(list(t, node, dept), "fj-node", credential.SM2, node)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(*Signed)) []byte {
		var s Signed
		if err := json.Unmarshal(good, &s); err != nil {
			t.Fatal(err)
		}
		f(&s)
		b, _ := json.Marshal(s)
		return b
	}
	for _, tc := range []struct {
		name      string
		published []byte
		pinned    crypto.PublicKey
		ok        bool
	}{
		{"signed by the approved key", good, node.Public(), true},
		{"another node key pinned", good, sm2Key(t).Public(), false},
		{"a department key pinned", good, dept.Public(), false},
		{"a key added after signing", edit(func(s *Signed) {
			s.Body = []byte(strings.Replace(string(s.Body), `"keys":[`, `"keys":[{"kid":"evil","owner":"350000","alg":"ES256","spki":"AAAA"},`, 1))
		}), node.Public(), false},
		{"version changed", edit(func(s *Signed) { s.Body = []byte(strings.Replace(string(s.Body), `"version":3`, `"version":4`, 1)) }), node.Public(), false},
		{"algorithm renamed", edit(func(s *Signed) { s.Alg = credential.ES256 }), node.Public(), false},
		{"not JSON", []byte("<trust/>"), node.Public(), false},
		{"too large", append([]byte(`{"body":"`), make([]byte, MaxTrustList)...), node.Public(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Open(tc.published, tc.pinned)
			if (err == nil) != tc.ok {
				t.Fatalf("Open: %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && (l.Node != fujian || len(l.Keys) != 2 || l.Version != 3) {
				t.Errorf("opened %+v", l)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	node, dept := sm2Key(t), p256Key(t)
	other := p256Key(t)
	for _, tc := range []struct {
		name string
		edit func(*TrustList)
	}{
		{"not a province", func(l *TrustList) { l.Node = "350100" }},
		{"plain http elsewhere", func(l *TrustList) { l.Endpoint = "http://yiwang.fujian.example.cn" }},
		{"no keys", func(l *TrustList) { l.Keys = nil }},
		{"key of another node", func(l *TrustList) { l.Keys[1].Owner = zhejiang + "/" + fjMarket }},
		{"owner not a credit code", func(l *TrustList) { l.Keys[1].Owner = fujian + "/market" }},
		{"key id twice", func(l *TrustList) { l.Keys[1].KeyID = "fj-node" }},
		{"algorithm not the key's", func(l *TrustList) { l.Keys[0].Alg = credential.ES256 }},
		{"public key garbled", func(l *TrustList) { l.Keys[1].SPKI = "bm90IGEga2V5" }},
		{"bad licence type", func(l *TrustList) { l.LicenceTypes = []string{"11100000000013338W03X"} }},
		{"next update before issue", func(l *TrustList) { l.NextUpdate = l.IssuedAt }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := list(t, node, dept)
			tc.edit(&l)
			if err := l.Validate(); err == nil {
				t.Fatal("accepted")
			}
			if _, err := Sign(l, "fj-node", credential.SM2, node); err == nil {
				t.Error("signed")
			}
		})
	}
	if err := list(t, node, other).Validate(); err != nil {
		t.Errorf("a valid list refused: %v", err)
	}
	loopback := list(t, node, dept)
	loopback.Endpoint = "http://127.0.0.1:18081"
	if err := loopback.Validate(); err != nil {
		t.Errorf("a loopback endpoint (two nodes side by side in tests) refused: %v", err)
	}
}

// A licence credential of one node verifies at another through the first node's trust list.
func TestResolverVerifiesPeerCredentials(t *testing.T) {
	node, dept := sm2Key(t), p256Key(t)
	fj := list(t, node, dept)
	zjNode := sm2Key(t)
	zj := TrustList{Node: zhejiang, Name: "浙江省", Version: 1, IssuedAt: fj.IssuedAt, NextUpdate: fj.NextUpdate,
		Endpoint: "https://yiwang.zhejiang.example.cn", Keys: []TrustedKey{trustedKey(t, "zj-node", zhejiang, zjNode)}}
	keys, err := Resolver(fj, zj)
	if err != nil {
		t.Fatal(err)
	}
	cred, _, err := credential.Issue(dept, credential.Claims{Alg: credential.ES256, KeyID: "fj-scj-license",
		Issuer: fujian + "/" + fjMarket, Subject: "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := credential.Verify(cred, keys); err != nil {
		t.Errorf("a Fujian licence does not verify with Fujian's trust list: %v", err)
	}
	// Zhejiang's node key cannot sign for Fujian's organisations.
	forged, _, _ := credential.Issue(zjNode, credential.Claims{Alg: credential.SM2, KeyID: "zj-node",
		Issuer: fujian + "/" + fjMarket, Subject: "x"}, nil)
	if _, err := credential.Verify(forged, keys); credential.ReasonOf(err) != credential.NotTrusted {
		t.Errorf("Zhejiang's key signing for Fujian: %v, want not trusted", err)
	}
	// A key id named by two lists is trusted for neither.
	zj.Keys = append(zj.Keys, trustedKey(t, "fj-scj-license", zhejiang, p256Key(t)))
	keys, _ = Resolver(fj, zj)
	if _, ok := keys.TrustedKey("fj-scj-license"); ok {
		t.Error("a key id claimed by two nodes is trusted")
	}
}

func FuzzOpen(f *testing.F) {
	node, dept := sm2Key(f), p256Key(f)
	good, err := Sign(list(f, node, dept), "fj-node", credential.SM2, node)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"body":"e30=","alg":"SM2","kid":"x","sig":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := Open(b, node.Public())
		if err == nil && l.Node != fujian {
			t.Fatalf("opened a list of %q under Fujian's key", l.Node)
		}
	})
}
