package federation

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// Organisations of the directory whose licence keys the tests make; noCredit has no credit code.
const (
	marketOrg = "fj-market-regulation"
	xmOrg     = "xm-market-regulation"
	noCredit  = "fj-education"
	shanghai  = "310000"
)

func official(login, orgCode string, roles ...string) principal.Principal {
	return principal.Principal{Kind: principal.Official, Login: login, AccountID: int64(1000 + len(login)), OrgCode: orgCode,
		Roles: roles}
}

var (
	officeAdmin  = official("szb.admin", org.DigitalOffice, principal.RoleAdministrator)
	officeAdmin2 = official("szb.admin2", org.DigitalOffice, principal.RoleAdministrator)
	officeClerk  = official("szb.clerk", org.DigitalOffice, principal.RoleReviewer)
	marketAdmin  = official("scj.admin", marketOrg, principal.RoleAdministrator)
	anonymous    = principal.Principal{Kind: principal.Anonymous}
	system       = principal.SystemPrincipal
)

func as(p principal.Principal) context.Context { return principal.With(context.Background(), p) }

// directory derives organisations' credit codes from their codes, in the node's region; one
// organisation has none.
type directory struct{ node string }

func (d directory) CreditCode(_ context.Context, orgCode string) (string, error) {
	if orgCode == noCredit {
		return "", errs.E(errs.NotFound, "no credit code")
	}
	return creditCodeOf(d.node, orgCode), nil
}

func creditCodeOf(node, orgCode string) string {
	h := fnv.New32a()
	h.Write([]byte(orgCode))
	return idcode.NewCreditCode('1', '1', node, fmt.Sprintf("%08d", h.Sum32()%100_000_000))
}

// typeCodes is the published licence types, settable.
type typeCodes struct {
	mu    sync.Mutex
	codes []string
}

func (t *typeCodes) PublishedTypeCodes(context.Context) ([]string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.codes), nil
}

func (t *typeCodes) add(code string) {
	t.mu.Lock()
	t.codes = append(t.codes, code)
	t.mu.Unlock()
}

// httpTransport is the Transport internal/app wires, over net/http: no redirects, a bounded body.
type httpTransport struct{ calls atomic.Int32 }

func (h *httpTransport) Get(ctx context.Context, url string, limit int64) ([]byte, error) {
	h.calls.Add(1)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errs.E(errs.TooLarge, "error.too_large")
	}
	return b, nil
}

// rig is one node: its database, clock, keys, ledger and federation service.
type rig struct {
	node   string
	db     *store.DB
	clock  *clock.Fake
	keys   *keys.Service
	ledger *ledger.Log
	types  *typeCodes
	http   *httpTransport
	svc    *Service
}

// eachRig runs fn on SQLite and PostgreSQL, each with a fresh Fujian node.
func eachRig(t *testing.T, fn func(t *testing.T, r *rig)) {
	t.Helper()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			fn(t, newRig(t, d, fujian, "福建省", "https://yiwang.fujian.example.cn", nil))
		})
	}
}

// newRig makes a node on a fresh database of dialect d; edit may change its Config.
func newRig(t testing.TB, d store.Dialect, node, name, endpoint string, edit func(*Config)) *rig {
	t.Helper()
	c := clock.NewFake(time.Date(2026, 11, 2, 9, 0, 0, 0, clock.China))
	db := storetest.Open(t, d, storetest.Options{Clock: c})
	ctx := as(system)
	if _, err := org.Seed(ctx, db, org.Directory()); err != nil {
		t.Fatal(err)
	}
	r := &rig{node: node, db: db, clock: c, types: &typeCodes{}, http: &httpTransport{}}
	var err error
	if r.keys, err = keys.New(db, keys.NewMasterKey(), keys.Options{Clock: c}); err != nil {
		t.Fatal(err)
	}
	ns, err := r.keys.NoteSigner(ctx, org.DigitalOffice, "ledger", "yiwang.test/ledger/"+node)
	if err != nil {
		t.Fatal(err)
	}
	if r.ledger, err = ledger.New(db, ledger.Config{Origin: "yiwang.test/ledger/" + node, Signer: ns, Clock: c}); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Node: node, Name: name, Endpoint: endpoint, StatusURL: endpoint + "/api/v1/licenses/status",
		Keys: r.keys, Ledger: r.ledger, Directory: directory{node}, Types: r.types, Transport: r.http, Clock: c}
	if edit != nil {
		edit(&cfg)
	}
	if r.svc, err = New(db, cfg); err != nil {
		t.Fatal(err)
	}
	return r
}

// licenceKey returns the signer of organisation orgCode's licence key of alg, creating it.
func (r *rig) licenceKey(t testing.TB, orgCode string, alg keys.Algorithm) *keys.Signer {
	t.Helper()
	sg, err := r.keys.EnsureSigner(as(system), orgCode, PurposeIssuer, alg)
	if err != nil {
		t.Fatal(err)
	}
	return sg
}

// issue signs a licence credential with sg for issuer.
func issue(t testing.TB, sg crypto.Signer, kid, issuer string) string {
	t.Helper()
	alg, err := credential.AlgorithmOf(sg.Public())
	if err != nil {
		t.Fatal(err)
	}
	text, _, err := credential.Issue(sg, credential.Claims{Alg: alg, KeyID: kid, Issuer: issuer,
		Subject: "1.2.156.3005.2." + natType + ".11350000003591514T.000001.001.X", IssuedAt: 1798000000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// auditActions returns the audit actions on object id of type typ, oldest first.
func (r *rig) auditActions(t testing.TB, typ, id string) []string {
	t.Helper()
	var got []string
	if err := r.db.Select(context.Background(), &got, `SELECT action FROM audit_events WHERE object_type = ? AND object_id = ?
		ORDER BY id`, typ, id); err != nil {
		t.Fatal(err)
	}
	return got
}

// trustListEntries returns the subjects of the ledger's trust list entries, and their digests.
func (r *rig) trustListEntries(t testing.TB) map[string]string {
	t.Helper()
	es, err := r.ledger.Entries(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range es {
		if e.Type == ledger.TypeTrustList {
			out[e.Subject] = e.Digest
		}
	}
	return out
}

// wantErr fails unless err is of kind and, if message is set, carries it.
func wantErr(t testing.TB, err error, kind errs.Kind, message string) {
	t.Helper()
	var e *errs.Error
	switch {
	case err == nil:
		t.Fatalf("no error, want %s %s", kind, message)
	case errs.KindOf(err) != kind:
		t.Fatalf("error %v, want kind %s", err, kind)
	case message != "" && (!errors.As(err, &e) || e.Message != message):
		t.Fatalf("error %v, want message %s", err, message)
	}
}

// fakePeer is another province's node in memory: its node key signs its lists, its market
// regulator's key signs licences.
type fakePeer struct {
	code, name, endpoint string
	node                 crypto.Signer
	nodeKID              string
	org                  crypto.Signer
	orgKID, orgOwner     string
}

func newFakePeer(t testing.TB, code, name string) *fakePeer {
	return &fakePeer{code: code, name: name, endpoint: "https://yiwang." + code + ".example.cn",
		node: sm2Key(t), nodeKID: "node-" + code, org: p256Key(t), orgKID: "market-" + code,
		orgOwner: code + "/" + creditCodeOf(code, marketOrg)}
}

// list is the peer's list of version v, issued at.
func (p *fakePeer) list(t testing.TB, v int64, at time.Time) TrustList {
	return TrustList{Node: p.code, Name: p.name, Version: v, IssuedAt: at, NextUpdate: at.Add(7 * 24 * time.Hour),
		Endpoint: p.endpoint, Keys: []TrustedKey{trustedKey(t, p.nodeKID, p.code, p.node), trustedKey(t, p.orgKID, p.orgOwner, p.org)},
		LicenceTypes: []string{natType}}
}

func (p *fakePeer) sign(t testing.TB, l TrustList) []byte {
	t.Helper()
	doc, err := Sign(l, p.nodeKID, credential.SM2, p.node)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// input is the peer's registration, its key as PEM.
func (p *fakePeer) input(t testing.TB) PeerInput {
	t.Helper()
	tk := trustedKey(t, p.nodeKID, p.code, p.node)
	return PeerInput{Code: p.code, Name: p.name, Endpoint: p.endpoint,
		PublicKey: "-----BEGIN PUBLIC KEY-----\n" + tk.SPKI + "\n-----END PUBLIC KEY-----\n"}
}

// fingerprint is the peer's node key fingerprint.
func (p *fakePeer) fingerprint(t testing.TB) string {
	t.Helper()
	der, _, err := ParsePublicKey(trustedKey(t, p.nodeKID, p.code, p.node).SPKI)
	if err != nil {
		t.Fatal(err)
	}
	return Fingerprint(der)
}

// approved registers and approves p at r.
func (r *rig) approved(t testing.TB, p *fakePeer) Peer {
	t.Helper()
	if _, err := r.svc.Register(as(officeAdmin), p.input(t)); err != nil {
		t.Fatal(err)
	}
	peer, err := r.svc.Approve(as(officeAdmin2), p.code, p.fingerprint(t))
	if err != nil {
		t.Fatal(err)
	}
	return peer
}
