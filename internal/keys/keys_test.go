package keys_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"golang.org/x/mod/sumdb/note"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

var (
	officeAdmin = principal.Principal{Kind: principal.Official, Login: "szb.admin", OrgCode: org.DigitalOffice, Roles: []string{principal.RoleAdministrator}}
	deptAdmin   = principal.Principal{Kind: principal.Official, Login: "scj.admin", OrgCode: "fj-market-regulation", Roles: []string{principal.RoleAdministrator}}
	otherAdmin  = principal.Principal{Kind: principal.Official, Login: "gat.admin", OrgCode: "fj-public-security", Roles: []string{principal.RoleAdministrator}}
	deptClerk   = principal.Principal{Kind: principal.Official, Login: "scj.window", OrgCode: "fj-market-regulation", Roles: []string{principal.RoleWindowOfficer}}
	resident    = principal.Principal{Kind: principal.Resident, Login: "r", AccountID: 1}
)

func ctxAs(p principal.Principal) context.Context { return principal.With(context.Background(), p) }

func setup(t *testing.T, db *store.DB, alg keys.DataKeyAlgorithm) (*keys.Service, *keys.MasterKey) {
	t.Helper()
	if _, err := org.Seed(ctxAs(principal.SystemPrincipal), db, org.Directory()); err != nil {
		t.Fatal(err)
	}
	m := keys.NewMasterKey()
	s, err := keys.New(db, m, keys.Options{DataKeyAlgorithm: alg})
	if err != nil {
		t.Fatal(err)
	}
	return s, m
}

// sign signs msg the way each algorithm is used and verifies it with the public key alone.
func signAndVerify(t *testing.T, sg *keys.Signer, msg []byte) {
	t.Helper()
	switch pub := sg.Public().(type) {
	case ed25519.PublicKey:
		sig, err := sg.Sign(nil, msg, crypto.Hash(0))
		if err != nil {
			t.Fatal(err)
		}
		if !ed25519.Verify(pub, msg, sig) {
			t.Fatal("Ed25519 signature does not verify")
		}
	case *ecdsa.PublicKey:
		if sm2.IsSM2PublicKey(pub) {
			sig, err := sg.Sign(nil, msg, sm2.DefaultSM2SignerOpts)
			if err != nil {
				t.Fatal(err)
			}
			if !sm2.VerifyASN1WithSM2(pub, nil, msg, sig) {
				t.Fatal("SM2 signature does not verify")
			}
			return
		}
		d := sha256.Sum256(msg)
		sig, err := sg.Sign(nil, d[:], crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if !ecdsa.VerifyASN1(pub, d[:], sig) {
			t.Fatal("ECDSA signature does not verify")
		}
	default:
		t.Fatalf("unexpected public key %T", pub)
	}
}

func TestCreateSignVerify(t *testing.T) {
	for _, dk := range []keys.DataKeyAlgorithm{keys.SM4GCM, keys.AES256GCM} {
		storetest.Each(t, func(t *testing.T, db *store.DB) {
			s, m := setup(t, db, dk)
			for _, alg := range []keys.Algorithm{keys.SM2, keys.ECDSAP256, keys.Ed25519} {
				t.Run(string(dk)+"/"+string(alg), func(t *testing.T) {
					purpose := "test-" + strings.ToLower(strings.ReplaceAll(string(dk), "-", ""))
					k, err := s.Create(ctxAs(deptAdmin), deptAdmin, "fj-market-regulation", purpose, alg)
					if err != nil {
						t.Fatal(err)
					}
					if k.Algorithm != alg || k.Status != keys.Active || k.Provider != "software" {
						t.Fatalf("key %+v", k)
					}
					sg, err := s.Signer(ctxAs(deptAdmin), k.ID)
					if err != nil {
						t.Fatal(err)
					}
					signAndVerify(t, sg, []byte("福建省市场监督管理局 营业执照 决定书"))
					// A second service over the same data with the same master key opens the key.
					s2, err := keys.New(db, m, keys.Options{})
					if err != nil {
						t.Fatal(err)
					}
					sg2, err := s2.Signer(context.Background(), k.ID)
					if err != nil {
						t.Fatal(err)
					}
					signAndVerify(t, sg2, []byte("another message"))
				})
			}
		})
	}
}

func TestPrivateKeysAreSealed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, m := setup(t, db, keys.SM4GCM)
		k, err := s.Create(ctxAs(officeAdmin), officeAdmin, "fj-market-regulation", "seal", keys.Ed25519)
		if err != nil {
			t.Fatal(err)
		}
		sg, err := s.Signer(context.Background(), k.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The stored reference must not contain the Ed25519 seed in clear: signing the same
		// message with a key rebuilt from any 32-byte window of it must not give the same signature.
		var ref []byte
		if err := db.Get(context.Background(), &ref, `SELECT key_ref FROM signing_keys WHERE id = ?`, k.ID); err != nil {
			t.Fatal(err)
		}
		msg := []byte("m")
		want, _ := sg.Sign(nil, msg, crypto.Hash(0))
		for i := 0; i+ed25519.SeedSize <= len(ref); i++ {
			if bytes.Equal(ed25519.Sign(ed25519.NewKeyFromSeed(ref[i:i+ed25519.SeedSize]), msg), want) {
				t.Fatalf("private key found in clear at offset %d of key_ref", i)
			}
		}
		// Another master key cannot open it, and says why.
		other, err := keys.New(db, keys.NewMasterKey(), keys.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.Signer(context.Background(), k.ID); err == nil || !strings.Contains(err.Error(), "master key") {
			t.Fatalf("wrong master key: %v", err)
		}
		// A key_ref moved to another key's row does not open there.
		k2, err := s.Create(ctxAs(officeAdmin), officeAdmin, "fj-public-security", "seal", keys.Ed25519)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().Exec(db.Rebind(`UPDATE signing_keys SET key_ref = ? WHERE id = ?`), ref, k2.ID); err != nil {
			t.Fatal(err)
		}
		s3, _ := keys.New(db, m, keys.Options{})
		if _, err := s3.Signer(context.Background(), k2.ID); err == nil {
			t.Fatal("a sealed private key opened in another key's row")
		}
	})
}

func TestWhoMayManage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := setup(t, db, keys.SM4GCM)
		tests := []struct {
			name string
			p    principal.Principal
			org  string
			want errs.Kind
		}{
			{"digital office admin for any org", officeAdmin, "fj-public-security", ""},
			{"department admin for own org", deptAdmin, "fj-market-regulation", ""},
			{"department admin for another org", otherAdmin, "fj-market-regulation", errs.Forbidden},
			{"department clerk", deptClerk, "fj-market-regulation", errs.Forbidden},
			{"resident", resident, "fj-market-regulation", errs.Forbidden},
			{"unknown organisation", officeAdmin, "no-such-org", errs.Invalid},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := s.Create(ctxAs(tt.p), tt.p, tt.org, "p"+string(rune('a'+i)), keys.ECDSAP256)
				if errs.KindOf(err) != tt.want {
					t.Fatalf("Create: %v, want kind %q", err, tt.want)
				}
			})
		}
		// Bad input.
		if _, err := s.Create(ctxAs(officeAdmin), officeAdmin, "fj-market-regulation", "Seal!", keys.SM2); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("bad purpose: %v", err)
		}
		if _, err := s.Create(ctxAs(officeAdmin), officeAdmin, "fj-market-regulation", "seal", "RSA"); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("bad algorithm: %v", err)
		}
		// One active key per organisation, purpose and algorithm.
		if _, err := s.Create(ctxAs(officeAdmin), officeAdmin, "fj-market-regulation", "seal", keys.SM2); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Create(ctxAs(officeAdmin), officeAdmin, "fj-market-regulation", "seal", keys.SM2); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("second active key: %v", err)
		}
		// Another organisation's officials cannot see the key; a resident cannot list.
		ks, err := s.List(ctxAs(deptAdmin), deptAdmin, "fj-market-regulation")
		if err != nil || len(ks) == 0 {
			t.Fatalf("List own: %v %d", err, len(ks))
		}
		if _, err := s.Get(ctxAs(otherAdmin), otherAdmin, ks[0].ID); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("Get other org's key: %v", err)
		}
		if _, err := s.List(ctxAs(resident), resident, "fj-market-regulation"); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("List as resident: %v", err)
		}
		if err := s.Retire(ctxAs(otherAdmin), otherAdmin, ks[0].ID); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("Retire other org's key: %v", err)
		}
	})
}

func TestRotateAndRetire(t *testing.T) {
	fake := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	storetest.EachWith(t, storetest.Options{Clock: fake}, func(t *testing.T, db *store.DB) {
		var events []string
		if _, err := org.Seed(ctxAs(principal.SystemPrincipal), db, org.Directory()); err != nil {
			t.Fatal(err)
		}
		s, err := keys.New(db, keys.NewMasterKey(), keys.Options{OnEvent: func(ctx context.Context, tx *store.Tx, e keys.Event) error {
			events = append(events, e.Type+" "+e.KeyID)
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		old, err := s.Create(ctxAs(deptAdmin), deptAdmin, "fj-market-regulation", "signer", keys.SM2)
		if err != nil {
			t.Fatal(err)
		}
		oldSigner, err := s.Signer(context.Background(), old.ID)
		if err != nil {
			t.Fatal(err)
		}
		nk, err := s.Rotate(ctxAs(deptAdmin), deptAdmin, old.ID, 48*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if nk.ID == old.ID || nk.Status != keys.Active {
			t.Fatalf("new key %+v", nk)
		}
		act, err := s.ActiveSigner(context.Background(), "fj-market-regulation", "signer", keys.SM2)
		if err != nil || act.Key().ID != nk.ID {
			t.Fatalf("active after rotation: %v %v", act, err)
		}
		// During the overlap the old key may still sign (through a fresh signer).
		during, err := s.Signer(context.Background(), old.ID)
		if err != nil {
			t.Fatal(err)
		}
		signAndVerify(t, during, []byte("in flight"))
		// A signer opened before the rotation is closed by it.
		if _, err := oldSigner.Sign(nil, []byte("x"), sm2.DefaultSM2SignerOpts); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("stale signer after rotation: %v", err)
		}
		if _, err := s.Rotate(ctxAs(deptAdmin), deptAdmin, old.ID, time.Hour); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("rotating a retiring key: %v", err)
		}
		fake.Advance(49 * time.Hour)
		if _, err := during.Sign(nil, []byte("late"), sm2.DefaultSM2SignerOpts); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("signing after the overlap: %v", err)
		}
		n, err := s.RetireDue(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("RetireDue = %d, %v", n, err)
		}
		got, err := s.Get(ctxAs(deptAdmin), deptAdmin, old.ID)
		if err != nil || got.Status != keys.Retired || got.ReplacedBy == nil || *got.ReplacedBy != nk.ID {
			t.Fatalf("old key after overlap: %+v %v", got, err)
		}
		if _, err := s.Signer(context.Background(), old.ID); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("signer of a retired key: %v", err)
		}
		// A retired key still verifies: its public key is kept.
		if pub, alg, err := s.PublicKey(context.Background(), old.ID); err != nil || alg != keys.SM2 || pub == nil {
			t.Fatalf("PublicKey of retired key: %v %v %v", pub, alg, err)
		}
		want := []string{"key.created " + old.ID, "key.created " + nk.ID, "key.rotated " + old.ID, "key.retired " + old.ID}
		if strings.Join(events, ",") != strings.Join(want, ",") {
			t.Fatalf("events %v, want %v", events, want)
		}
	})
}

func TestUseIsCountedAndAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := setup(t, db, keys.AES256GCM)
		sg, err := s.EnsureSigner(context.Background(), "fj-market-regulation", "licence", keys.ECDSAP256)
		if err != nil {
			t.Fatal(err)
		}
		for range 7 {
			signAndVerify(t, sg, []byte("licence"))
		}
		if err := s.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		signAndVerify(t, sg, []byte("one more"))
		if err := s.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		k, err := s.Get(ctxAs(officeAdmin), officeAdmin, sg.Key().ID)
		if err != nil {
			t.Fatal(err)
		}
		if k.Uses != 8 || k.LastUsedAt == nil {
			t.Fatalf("uses = %d, last used %v", k.Uses, k.LastUsedAt)
		}
		evs, err := audit.List(context.Background(), db, audit.Filter{ObjectID: sg.Key().ID})
		if err != nil {
			t.Fatal(err)
		}
		var uses int
		for _, e := range evs {
			if e.Action == "keys.use" {
				uses++
			}
		}
		if uses != 2 {
			t.Fatalf("%d keys.use audit records, want 2: %+v", uses, evs)
		}
		// Ensure is idempotent.
		again, err := s.Ensure(context.Background(), "fj-market-regulation", "licence", keys.ECDSAP256)
		if err != nil || again.ID != sg.Key().ID {
			t.Fatalf("Ensure again: %v %v", again.ID, err)
		}
	})
}

func TestSealOpenAndRewrap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := setup(t, db, keys.SM4GCM)
		ctx := context.Background()
		secret := []byte("JBSWY3DPEHPK3PXP")
		sealed, err := s.Seal(ctx, "totp", secret, []byte("account:42"))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(sealed, secret) {
			t.Fatal("sealed value contains the secret")
		}
		got, err := s.Open(ctx, "totp", sealed, []byte("account:42"))
		if err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("Open = %q, %v", got, err)
		}
		if _, err := s.Open(ctx, "totp", sealed, []byte("account:43")); err == nil {
			t.Fatal("opened with another row's associated data")
		}
		if _, err := s.Open(ctx, "oidc", sealed, []byte("account:42")); err == nil {
			t.Fatal("opened for another purpose")
		}
		tampered := bytes.Clone(sealed)
		tampered[len(tampered)-1] ^= 1
		if _, err := s.Open(ctx, "totp", tampered, []byte("account:42")); err == nil {
			t.Fatal("opened an altered value")
		}
		for _, junk := range [][]byte{nil, {1}, {2, 3, 4}, {1, 200, 1}} {
			if _, err := s.Open(ctx, "totp", junk, nil); err == nil {
				t.Fatalf("opened junk %v", junk)
			}
		}
		// Data-key rotation: old values still open, new ones use the new key.
		if err := s.RotateDataKey(ctx, "totp"); err != nil {
			t.Fatal(err)
		}
		sealed2, err := s.Seal(ctx, "totp", secret, nil)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(sealed[:20], sealed2[:20]) {
			t.Fatal("rotation did not change the data key")
		}
		if _, err := s.Open(ctx, "totp", sealed, []byte("account:42")); err != nil {
			t.Fatalf("old value after rotation: %v", err)
		}
		sg, err := s.EnsureSigner(ctx, "fj-market-regulation", "seal", keys.SM2)
		if err != nil {
			t.Fatal(err)
		}
		// Master-key change: after Rewrap only the new master key opens anything.
		next := keys.NewMasterKey()
		n, err := s.Rewrap(ctx, next)
		if err != nil || n != 3 {
			t.Fatalf("Rewrap = %d, %v (want 3 data keys: 2 totp, 1 signing-keys)", n, err)
		}
		s2, err := keys.New(db, next, keys.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s2.Open(ctx, "totp", sealed, []byte("account:42")); err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("Open under new master: %q %v", got, err)
		}
		sg2, err := s2.Signer(ctx, sg.Key().ID)
		if err != nil {
			t.Fatal(err)
		}
		signAndVerify(t, sg2, []byte("after rewrap"))
		s3, _ := keys.New(db, keys.NewMasterKey(), keys.Options{})
		if _, err := s3.Open(ctx, "totp", sealed, []byte("account:42")); err == nil {
			t.Fatal("a stranger's master key opened the data")
		}
	})
}

func TestNoteSigner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := setup(t, db, keys.SM4GCM)
		ns, err := s.NoteSigner(context.Background(), org.DigitalOffice, "ledger", "yiwang.example/350000/ledger")
		if err != nil {
			t.Fatal(err)
		}
		msg, err := note.Sign(&note.Note{Text: "yiwang.example/350000/ledger\n1\nAAAA\n"}, ns)
		if err != nil {
			t.Fatal(err)
		}
		v, err := note.NewVerifier(ns.VerifierKey())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := note.Open(msg, note.VerifierList(v)); err != nil {
			t.Fatalf("note does not verify: %v", err)
		}
		again, err := s.NoteSigner(context.Background(), org.DigitalOffice, "ledger", "yiwang.example/350000/ledger")
		if err != nil || again.VerifierKey() != ns.VerifierKey() {
			t.Fatalf("NoteSigner is not stable: %v", err)
		}
	})
}

func TestMasterKeyFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "master.key")
	m, created, err := keys.LoadOrCreateMasterKeyFile(path)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", fi.Mode().Perm(), err)
	}
	m2, created, err := keys.LoadOrCreateMasterKeyFile(path)
	if err != nil || created || m2.ID() != m.ID() {
		t.Fatalf("reload: %v %v", created, err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.LoadMasterKeyFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key file: %v", err)
	}
	for _, text := range []string{"", "abc", strings.Repeat("00", 31), strings.Repeat("zz", 32)} {
		if _, err := keys.ParseMasterKey(text); err == nil {
			t.Fatalf("ParseMasterKey(%q) accepted", text)
		}
	}
	if k, err := keys.ParseMasterKey(" " + m.Encode() + "\n"); err != nil || k.ID() != m.ID() {
		t.Fatalf("round trip: %v", err)
	}
	if k, err := keys.ParseMasterKey(strings.Repeat("ab", 32)); err != nil || k == nil {
		t.Fatalf("hex: %v", err)
	}
	dev, err := keys.DevMasterKeyFile("data")
	if err != nil || strings.HasPrefix(dev, dir) || !strings.Contains(dev, "yiwang") {
		t.Fatalf("dev key file %q %v", dev, err)
	}
}

// TestRetirementReachesOtherNodes: a key retired through one node stops signing on another node
// that already had it open, once that node refreshes (every flush interval in Run).
func TestRetirementReachesOtherNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		nodeA, m := setup(t, db, keys.SM4GCM)
		nodeB, err := keys.New(db, m, keys.Options{})
		if err != nil {
			t.Fatal(err)
		}
		k, err := nodeA.Create(ctxAs(deptAdmin), deptAdmin, "fj-market-regulation", "signer", keys.ECDSAP256)
		if err != nil {
			t.Fatal(err)
		}
		open, err := nodeB.Signer(context.Background(), k.ID)
		if err != nil {
			t.Fatal(err)
		}
		signAndVerify(t, open, []byte("before"))
		if err := nodeA.Retire(ctxAs(deptAdmin), deptAdmin, k.ID); err != nil {
			t.Fatal(err)
		}
		if err := nodeB.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		d := sha256.Sum256([]byte("after"))
		if _, err := open.Sign(nil, d[:], crypto.SHA256); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("node B still signs with a key node A retired: %v", err)
		}
		if _, err := nodeB.Signer(context.Background(), k.ID); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("node B opens a retired key: %v", err)
		}
	})
}
