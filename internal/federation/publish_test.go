package federation

import (
	"context"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Publishing makes a new version only when the content changed (or the latest is half way to
// its next update), each signed by the node key, in the ledger and the audit trail.
func TestPublish(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		ctx := as(officeAdmin)
		for _, p := range []principal.Principal{anonymous, officeClerk, marketAdmin} {
			if _, err := r.svc.Publish(as(p)); errs.KindOf(err) != errs.Forbidden {
				t.Errorf("%s publishes: %v", p.Login, err)
			}
		}
		if _, err := r.svc.Current(context.Background()); errs.KindOf(err) != errs.NotFound {
			t.Errorf("current before the first publication: %v", err)
		}
		market := r.licenceKey(t, marketOrg, keys.SM2)
		r.licenceKey(t, noCredit, keys.SM2) // left out: no credit code
		r.types.add(natType)
		var xm *keys.Signer
		for _, step := range []struct {
			name    string
			change  func()
			version int64
			isNew   bool
			keys    int
			types   int
		}{
			{"first", func() {}, 1, true, 2, 1},
			{"nothing changed", func() {}, 1, false, 2, 1},
			{"by the system, nothing changed", func() { ctx = as(system) }, 1, false, 2, 1},
			{"a key added", func() { xm = r.licenceKey(t, xmOrg, keys.ECDSAP256) }, 2, true, 3, 1},
			{"a type published twice", func() { r.types.add("11100000000013338W033"); r.types.add(natType) }, 3, true, 3, 2},
			{"a key rotated: both listed", func() {
				if _, err := r.keys.Rotate(as(system), system, xm.Key().ID, time.Hour); err != nil {
					t.Fatal(err)
				}
			}, 4, true, 4, 2},
			{"a day later, nothing changed", func() { r.clock.Advance(24 * time.Hour) }, 4, false, 4, 2},
			{"the old key retired", func() {
				if err := r.keys.Retire(as(system), system, xm.Key().ID); err != nil {
					t.Fatal(err)
				}
			}, 5, true, 4, 2},
			{"half way to the next update", func() { r.clock.Advance(85 * time.Hour) }, 6, true, 4, 2},
		} {
			t.Run(step.name, func(t *testing.T) {
				step.change()
				pub, err := r.svc.Publish(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if pub.Version != step.version || pub.New != step.isNew {
					t.Fatalf("published version %d new=%v, want %d new=%v", pub.Version, pub.New, step.version, step.isNew)
				}
				cur, err := r.svc.Current(context.Background())
				if err != nil || string(cur) != string(pub.Document) {
					t.Fatalf("current = %.60s, %v; want the published document", cur, err)
				}
				nk, err := r.svc.NodeKey(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				l, err := Open(cur, mustParseSPKI(t, nk.PEM))
				if err != nil {
					t.Fatalf("the published list does not open under the node key: %v", err)
				}
				if l.Version != step.version || len(l.Keys) != step.keys || len(l.LicenceTypes) != step.types {
					t.Errorf("list v%d with %d keys and %d types, want v%d, %d, %d", l.Version, len(l.Keys), len(l.LicenceTypes),
						step.version, step.keys, step.types)
				}
				owners := map[string]TrustedKey{}
				for _, k := range l.Keys {
					owners[k.KeyID] = k
				}
				if k := owners[nk.KeyID]; k.Owner != fujian {
					t.Errorf("node key %s listed as %+v", nk.KeyID, k)
				}
				if k := owners[market.Key().ID]; k.Owner != fujian+"/"+creditCodeOf(fujian, marketOrg) || k.Until != nil {
					t.Errorf("market regulator's key listed as %+v", k)
				}
				if l.Endpoint != "https://yiwang.fujian.example.cn" || l.StatusURL == "" || l.Name != "福建省" ||
					!l.NextUpdate.Equal(l.IssuedAt.Add(7*24*time.Hour)) {
					t.Errorf("list head %+v", l)
				}
				if got := r.trustListEntries(t)[ledgerSubject(fujian, pub.Version)]; got != documentDigest(cur) || got != pub.Digest {
					t.Errorf("ledger digest of version %d = %q, want %q", pub.Version, got, documentDigest(cur))
				}
				if got := r.auditActions(t, "federation_trust_list", ledgerSubject(fujian, pub.Version)[len("trustlist/"):]); len(got) != 1 ||
					got[0] != "federation.trustlist.publish" {
					t.Errorf("audit of version %d = %v", pub.Version, got)
				}
			})
		}
		// The retired key is still listed, with the time it stopped.
		l, err := Open(mustCurrent(t, r), r.nodePublic(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range l.Keys {
			if k.KeyID == xm.Key().ID && (k.Until == nil || k.Owner != fujian+"/"+creditCodeOf(fujian, xmOrg)) {
				t.Errorf("retired key listed as %+v", k)
			}
		}
		vs, err := r.svc.PublishedVersions(context.Background(), 0)
		if err != nil || len(vs) != 6 || vs[0].Version != 6 || vs[5].Version != 1 {
			t.Errorf("published versions = %+v, %v", vs, err)
		}
	})
}

// Two copies of a node publishing at once agree on one version.
func TestPublishConcurrently(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		r.licenceKey(t, marketOrg, keys.SM2)
		if _, err := r.svc.NodeKey(context.Background()); err != nil {
			t.Fatal(err)
		}
		other, err := New(r.db, r.svc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan Published, 2)
		errc := make(chan error, 2)
		for _, s := range []*Service{r.svc, other} {
			go func() {
				p, err := s.Publish(as(system))
				got <- p
				errc <- err
			}()
		}
		a, b := <-got, <-got
		for range 2 {
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		}
		if a.Version != 1 || b.Version != 1 || a.New == b.New {
			t.Errorf("published %d (new %v) and %d (new %v), want version 1 once", a.Version, a.New, b.Version, b.New)
		}
	})
}

// New refuses a configuration that could not publish.
func TestNewRefuses(t *testing.T) {
	r := newRig(t, store.SQLite, fujian, "福建省", "https://yiwang.fujian.example.cn", nil)
	good := r.svc.cfg
	for _, tc := range []struct {
		name string
		edit func(*Config)
	}{
		{"a city, not a province", func(c *Config) { c.Node = "350100" }},
		{"no name", func(c *Config) { c.Name = " " }},
		{"plain http elsewhere", func(c *Config) { c.Endpoint = "http://yiwang.fujian.example.cn" }},
		{"no endpoint", func(c *Config) { c.Endpoint = "" }},
		{"Ed25519 node key", func(c *Config) { c.Algorithm = keys.Ed25519 }},
		{"no directory", func(c *Config) { c.Directory = nil }},
		{"no licence types", func(c *Config) { c.Types = nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.edit(&cfg)
			if _, err := New(r.db, cfg); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func mustParseSPKI(t testing.TB, pemText string) any {
	t.Helper()
	_, pub, err := ParsePublicKey(pemText)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func mustCurrent(t testing.TB, r *rig) []byte {
	t.Helper()
	doc, err := r.svc.Current(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// nodePublic is the node key's public key.
func (r *rig) nodePublic(t testing.TB) any {
	t.Helper()
	nk, err := r.svc.NodeKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pub, err := smx509.ParsePKIXPublicKey(mustDER(t, nk.PEM))
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func mustDER(t testing.TB, pemText string) []byte {
	t.Helper()
	der, _, err := ParsePublicKey(pemText)
	if err != nil {
		t.Fatal(err)
	}
	return der
}
