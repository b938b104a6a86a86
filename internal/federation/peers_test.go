package federation

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Registration checks who asks and what they enter.
func TestRegisterRefuses(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		zj := newFakePeer(t, zhejiang, "浙江省")
		edPub, _, _ := ed25519.GenerateKey(rand.Reader)
		edDER, _ := smx509.MarshalPKIXPublicKey(edPub)
		for _, tc := range []struct {
			name  string
			who   principal.Principal
			edit  func(*PeerInput)
			kind  errs.Kind
			field string
		}{
			{"anonymous", anonymous, nil, errs.Forbidden, ""},
			{"a clerk of the digital office", officeClerk, nil, errs.Forbidden, ""},
			{"a department's administrator", marketAdmin, nil, errs.Forbidden, ""},
			{"a city's code", officeAdmin, func(in *PeerInput) { in.Code = "330100" }, errs.Invalid, "code"},
			{"not a region", officeAdmin, func(in *PeerInput) { in.Code = "ZJ" }, errs.Invalid, "code"},
			{"this node's code", officeAdmin, func(in *PeerInput) { in.Code = fujian }, errs.Invalid, "code"},
			{"no name", officeAdmin, func(in *PeerInput) { in.Name = "  " }, errs.Invalid, "name"},
			{"a control character in the name", officeAdmin, func(in *PeerInput) { in.Name = "浙江\x00省" }, errs.Invalid, "name"},
			{"plain http elsewhere", officeAdmin, func(in *PeerInput) { in.Endpoint = "http://yiwang.zhejiang.example.cn" }, errs.Invalid, "endpoint"},
			{"a query in the endpoint", officeAdmin, func(in *PeerInput) { in.Endpoint += "?x=1" }, errs.Invalid, "endpoint"},
			{"no host", officeAdmin, func(in *PeerInput) { in.Endpoint = "https:///x" }, errs.Invalid, "endpoint"},
			{"key not base64", officeAdmin, func(in *PeerInput) { in.PublicKey = "not a key!" }, errs.Invalid, "public_key"},
			{"key cut short", officeAdmin, func(in *PeerInput) { in.PublicKey = in.PublicKey[:60] + "\n-----END PUBLIC KEY-----" }, errs.Invalid, "public_key"},
			{"a certificate block", officeAdmin, func(in *PeerInput) { in.PublicKey = strings.ReplaceAll(in.PublicKey, "PUBLIC KEY", "CERTIFICATE") }, errs.Invalid, "public_key"},
			{"an Ed25519 key", officeAdmin, func(in *PeerInput) {
				in.PublicKey = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: edDER}))
			}, errs.Invalid, "public_key"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := zj.input(t)
				if tc.edit != nil {
					tc.edit(&in)
				}
				_, err := r.svc.Register(as(tc.who), in)
				wantErr(t, err, tc.kind, "")
				var e *errs.Error
				if tc.field != "" && (!errors.As(err, &e) || e.Field != tc.field) {
					t.Errorf("error %v, want field %s", err, tc.field)
				}
			})
		}
		if peers, err := r.svc.Peers(as(officeAdmin)); err != nil || len(peers) != 0 {
			t.Errorf("peers after refusals = %v, %v", peers, err)
		}
	})
}

// A peer is pending (not trusted) until approved with its key's fingerprint, trusted once its
// list is imported, and no longer trusted once suspended; every step is recorded and audited.
func TestPeerLifecycle(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		zj := newFakePeer(t, zhejiang, "浙江省")
		trust, err := r.svc.Resolver(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		cred := issue(t, zj.org, zj.orgKID, zj.orgOwner)
		trusted := func() bool {
			t.Helper()
			_, err := credential.Verify(cred, trust)
			if err != nil && credential.ReasonOf(err) != credential.NotTrusted {
				t.Fatalf("verify: %v", err)
			}
			return err == nil
		}
		v1 := zj.sign(t, zj.list(t, 1, r.clock.Now()))

		// Registered with the key in base64 (no PEM armour, wrapped), pending.
		in := zj.input(t)
		der := mustDER(t, in.PublicKey)
		in.PublicKey = base64.StdEncoding.EncodeToString(der)[:40] + "\n" + base64.StdEncoding.EncodeToString(der)[40:]
		in.Endpoint += "/"
		peer, err := r.svc.Register(as(officeAdmin), in)
		if err != nil {
			t.Fatal(err)
		}
		if peer.Status != PeerPending || peer.Fingerprint != zj.fingerprint(t) || peer.Alg != credential.SM2 ||
			peer.Endpoint != zj.endpoint || peer.RegisteredBy != "official:szb.admin" || peer.Trusted() {
			t.Errorf("registered %+v", peer)
		}
		if !strings.Contains(peer.PEM(), "BEGIN PUBLIC KEY") {
			t.Errorf("PEM %q", peer.PEM())
		}
		_, err = r.svc.Register(as(officeAdmin), zj.input(t))
		wantErr(t, err, errs.Conflict, "federation.error.peer_exists")
		again := zj.input(t)
		again.Code = shanghai
		_, err = r.svc.Register(as(officeAdmin), again)
		wantErr(t, err, errs.Conflict, "federation.error.key_pinned")

		_, err = r.svc.Import(as(officeAdmin), zhejiang, v1)
		wantErr(t, err, errs.Conflict, "federation.error.peer_not_approved")
		if trusted() {
			t.Fatal("a pending peer's licence is trusted")
		}

		// Approval needs the right fingerprint, as compared out of band, and an administrator.
		_, err = r.svc.Approve(as(officeAdmin2), zhejiang, strings.Repeat("ab", 32))
		wantErr(t, err, errs.Invalid, "federation.error.fingerprint_mismatch")
		_, err = r.svc.Approve(as(officeClerk), zhejiang, zj.fingerprint(t))
		wantErr(t, err, errs.Forbidden, "")
		_, err = r.svc.Approve(as(officeAdmin2), shanghai, zj.fingerprint(t))
		wantErr(t, err, errs.NotFound, "federation.error.peer_not_found")
		spoken := strings.ToUpper(zj.fingerprint(t))
		spoken = spoken[:2] + ":" + spoken[2:4] + " " + spoken[4:]
		peer, err = r.svc.Approve(as(officeAdmin2), zhejiang, spoken)
		if err != nil {
			t.Fatal(err)
		}
		if peer.Status != PeerApproved || peer.ApprovedBy == nil || *peer.ApprovedBy != "official:szb.admin2" ||
			peer.ApprovedAt == nil || !peer.ApprovedAt.Equal(r.clock.Now()) {
			t.Errorf("approved %+v", peer)
		}
		_, err = r.svc.Approve(as(officeAdmin2), zhejiang, zj.fingerprint(t))
		wantErr(t, err, errs.Conflict, "federation.error.peer_approved")
		if trusted() {
			t.Fatal("an approved peer's licence is trusted before its list is imported")
		}

		imp, err := r.svc.Import(as(officeAdmin), zhejiang, v1)
		if err != nil {
			t.Fatal(err)
		}
		if imp.Version != 1 || imp.Keys != 2 || imp.LicenceTypes != 1 || imp.Unchanged {
			t.Errorf("imported %+v", imp)
		}
		if !trusted() {
			t.Fatal("an imported peer's licence is not trusted")
		}
		// A key of the peer's list cannot sign for another issuer (this node's, or another
		// organisation of the peer's).
		for _, issuer := range []string{fujian + "/" + creditCodeOf(fujian, marketOrg), zhejiang + "/" + creditCodeOf(zhejiang, xmOrg)} {
			if _, err := credential.Verify(issue(t, zj.org, zj.orgKID, issuer), trust); credential.ReasonOf(err) != credential.NotTrusted {
				t.Errorf("the peer's key signing for %s: %v", issuer, err)
			}
		}

		_, err = r.svc.Suspend(as(officeAdmin), zhejiang, " ")
		wantErr(t, err, errs.Invalid, "federation.error.reason")
		peer, err = r.svc.Suspend(as(officeAdmin), zhejiang, "对方节点密钥疑似泄露")
		if err != nil {
			t.Fatal(err)
		}
		if peer.Status != PeerSuspended || peer.SuspendedBy == nil || peer.SuspendReason != "对方节点密钥疑似泄露" {
			t.Errorf("suspended %+v", peer)
		}
		if trusted() {
			t.Fatal("a suspended peer's licence is trusted")
		}
		_, err = r.svc.Suspend(as(officeAdmin), zhejiang, "again")
		wantErr(t, err, errs.Conflict, "federation.error.peer_suspended")
		_, err = r.svc.Import(as(officeAdmin), zhejiang, zj.sign(t, zj.list(t, 2, r.clock.Now())))
		wantErr(t, err, errs.Conflict, "federation.error.peer_not_approved")

		// Approved again, its list (kept) is trusted again.
		if _, err := r.svc.Approve(as(officeAdmin), zhejiang, zj.fingerprint(t)); err != nil {
			t.Fatal(err)
		}
		if !trusted() {
			t.Fatal("a peer approved again is not trusted")
		}

		// Who may read.
		for _, tc := range []struct {
			who principal.Principal
			ok  bool
		}{{officeClerk, true}, {officeAdmin, true}, {system, true}, {marketAdmin, false}, {anonymous, false}} {
			peers, err := r.svc.Peers(as(tc.who))
			_, err1 := r.svc.Peer(as(tc.who), zhejiang)
			vs, err2 := r.svc.Versions(as(tc.who), zhejiang)
			l, err3 := r.svc.PeerList(as(tc.who), zhejiang)
			if tc.ok && (err != nil || err1 != nil || err2 != nil || err3 != nil || len(peers) != 1 || len(vs) != 1 || l.Version != 1) {
				t.Errorf("%s reads: %v %v %v %v", tc.who.Login, err, err1, err2, err3)
			}
			if !tc.ok && (errs.KindOf(err) != errs.Forbidden || errs.KindOf(err1) != errs.Forbidden ||
				errs.KindOf(err2) != errs.Forbidden || errs.KindOf(err3) != errs.Forbidden) {
				t.Errorf("%s reads: %v %v %v %v", tc.who.Login, err, err1, err2, err3)
			}
		}
		want := []string{"federation.peer.register", "federation.peer.approve", "federation.trustlist.import",
			"federation.peer.suspend", "federation.peer.approve"}
		if got := r.auditActions(t, "federation_peer", zhejiang); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("audit of the peer = %v, want %v", got, want)
		}
	})
}
