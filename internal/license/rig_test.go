package license

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/notify"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// The test's parties: Fujian's market regulator keeps the food business licence type (defined
// by the national market regulator), Fuzhou's and Xiamen's market regulators issue licences,
// the provincial education department keeps a teacher's certificate for persons.
const (
	node     = "350000"
	fjMarket = "fj-market-regulation"
	fzMarket = "fz-market-regulation"
	xmMarket = "xm-market-regulation"
	fjEdu    = "fj-education"
)

var (
	samrCode      = idcode.NewCreditCode('1', '1', "100000", "00001341")
	moeCode       = idcode.NewCreditCode('1', '1', "100000", "00001833")
	foodTypeCode  = samrCode + "001"
	guideTypeCode = samrCode + "002"
	teachTypeCode = moeCode + "007"
	foodItem      = "113501000037011300100000000000"
	// The restaurant and its owner, and two residents.
	restaurantCode = idcode.NewCreditCode('9', '2', "350102", "MA2XN4K7")
	aliceID        = idcode.NewResidentID("350102", time.Date(1988, 3, 7, 0, 0, 0, 0, time.UTC), 123)
	bobID          = idcode.NewResidentID("350203", time.Date(1990, 6, 1, 0, 0, 0, 0, time.UTC), 44)
	ownerID        = idcode.NewResidentID("350104", time.Date(1979, 11, 2, 0, 0, 0, 0, time.UTC), 7)
)

func official(login, orgCode string, roles ...string) principal.Principal {
	return principal.Principal{Kind: principal.Official, Login: login, AccountID: int64(1000 + len(login)), OrgCode: orgCode,
		Roles: roles}
}

var (
	fzApprover  = official("fz.approver", fzMarket, principal.RoleApprover)
	fzWindow    = official("fz.window", fzMarket, principal.RoleWindowOfficer)
	xmApprover  = official("xm.approver", xmMarket, principal.RoleApprover)
	fjAdmin     = official("fj.admin", fjMarket, principal.RoleAdministrator)
	fjClerk     = official("fj.clerk", fjMarket, principal.RoleReviewer)
	eduAdmin    = official("edu.admin", fjEdu, principal.RoleAdministrator)
	eduApprover = official("edu.approver", fjEdu, principal.RoleApprover)
	officeAdmin = official("szb.admin", org.DigitalOffice, principal.RoleAdministrator)
	anonymous   = principal.Principal{Kind: principal.Anonymous}
	system      = principal.SystemPrincipal
)

// creditCodeOf derives an organisation's credit code as the platform does for the directory,
// which keeps none.
func creditCodeOf(orgCode string) string {
	h := fnv.New32a()
	h.Write([]byte(orgCode))
	return idcode.NewCreditCode('1', '1', "350000", fmt.Sprintf("%08d", h.Sum32()%100_000_000))
}

// directory is the Directory over internal/org with derived credit codes.
type directory struct{ db *store.DB }

func (d directory) Organisation(ctx context.Context, code string) (Organisation, error) {
	o, err := org.Get(ctx, d.db, code)
	if err != nil {
		return Organisation{}, err
	}
	return Organisation{Code: o.Code, CreditCode: creditCodeOf(o.Code), NameHans: o.NameHans, Region: o.RegionCode}, nil
}

// holders is an in-memory Holders.
type holders struct {
	mu          sync.Mutex
	residents   map[int64][2]string // account → name, ID number
	enterprises map[string]enterprise
}

type enterprise struct {
	name  string
	owner int64
}

func (h *holders) Resident(_ context.Context, account int64) (string, string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ok := h.residents[account]
	if !ok {
		return "", "", errs.E(errs.NotFound, "error.not_found")
	}
	return r[0], r[1], nil
}

func (h *holders) ResidentAccount(_ context.Context, idNumber string) (int64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for a, r := range h.residents {
		if r[1] == idNumber {
			return a, nil
		}
	}
	return 0, errs.E(errs.NotFound, "error.not_found")
}

func (h *holders) Enterprise(_ context.Context, code string) (string, int64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e, ok := h.enterprises[code]
	if !ok {
		return "", 0, errs.E(errs.NotFound, "error.not_found")
	}
	return e.name, e.owner, nil
}

// caseForms is an in-memory CaseForms.
type caseForms map[string]map[string]any

func (c caseForms) CaseForm(_ context.Context, id string) (map[string]any, error) {
	f, ok := c[id]
	if !ok {
		return nil, errs.E(errs.NotFound, "error.not_found")
	}
	return f, nil
}

// rig is the licence service on one database with the trust services it needs and the
// parties of the tests.
type rig struct {
	db      *store.DB
	clock   *clock.Fake
	keys    *keys.Service
	ledger  *ledger.Log
	holders *holders
	cases   caseForms
	svc     *Service
	// alice and bob are residents; owner owns the restaurant; agent acts for it for licences,
	// taxAgent only for taxation.
	alice, bob, owner, agent, taxAgent principal.Principal
}

func as(p principal.Principal) context.Context { return principal.With(context.Background(), p) }

// eachRig runs fn on SQLite and PostgreSQL, each with a fresh rig signing with alg.
func eachRig(t *testing.T, alg keys.Algorithm, fn func(t *testing.T, r *rig)) {
	t.Helper()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			c := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, clock.China))
			fn(t, newRig(t, storetest.Open(t, d, storetest.Options{Clock: c}), c, alg))
		})
	}
}

func newRig(t testing.TB, db *store.DB, c *clock.Fake, alg keys.Algorithm) *rig {
	t.Helper()
	ctx := as(system)
	if _, err := org.Seed(ctx, db, org.Directory()); err != nil {
		t.Fatal(err)
	}
	r := &rig{db: db, clock: c, cases: caseForms{},
		holders: &holders{residents: map[int64][2]string{}, enterprises: map[string]enterprise{}}}
	var err error
	if r.keys, err = keys.New(db, keys.NewMasterKey(), keys.Options{Clock: c}); err != nil {
		t.Fatal(err)
	}
	ns, err := r.keys.NoteSigner(ctx, org.DigitalOffice, "ledger", "yiwang.test/ledger")
	if err != nil {
		t.Fatal(err)
	}
	if r.ledger, err = ledger.New(db, ledger.Config{Origin: "yiwang.test/ledger", Signer: ns, Clock: c}); err != nil {
		t.Fatal(err)
	}
	r.svc, err = New(db, Config{Node: node, Algorithm: alg, Keys: r.keys, Ledger: r.ledger, Directory: directory{db},
		Holders: r.holders, Notifier: notify.New(db, notify.Options{}), Cases: r.cases, Clock: c})
	if err != nil {
		t.Fatal(err)
	}
	// Uses waiting to be written are written before the database closes.
	t.Cleanup(func() {
		if err := r.svc.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	r.alice = r.resident(t, "林小梅", aliceID, "13859001234")
	r.bob = r.resident(t, "陈大伟", bobID, "13859005678")
	r.owner = r.resident(t, "王建国", ownerID, "13859009999")
	r.holders.enterprises[restaurantCode] = enterprise{name: "福州市鼓楼区榕城茶餐厅", owner: r.owner.AccountID}
	r.agent = r.resident(t, "张代办", idcode.NewResidentID("350105", time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC), 9), "13859002222")
	r.agent.Kind, r.agent.ActingFor, r.agent.AgentScopes = principal.Agent, restaurantCode, []string{ScopeLicences}
	r.taxAgent = r.resident(t, "赵会计", idcode.NewResidentID("350105", time.Date(1992, 1, 1, 0, 0, 0, 0, time.UTC), 11), "13859003333")
	r.taxAgent.Kind, r.taxAgent.ActingFor, r.taxAgent.AgentScopes = principal.Agent, restaurantCode, []string{"taxation"}
	return r
}

// resident inserts a resident's account and returns the resident's principal.
func (r *rig) resident(t testing.TB, name, idNumber, phone string) principal.Principal {
	t.Helper()
	var id int64
	err := r.db.Transact(context.Background(), func(tx *store.Tx) error {
		var err error
		id, err = tx.InsertID(context.Background(), `INSERT INTO accounts (login, kind, display_name, password_hash, disabled,
			created_at, phone, id_type, id_number, real_name_level) VALUES (?, 'resident', ?, 'x', 0, ?, ?, 'resident_id', ?, 2)
			RETURNING id`, "r"+phone[3:], name, tx.Now, phone, idNumber)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	r.holders.mu.Lock()
	r.holders.residents[id] = [2]string{name, idNumber}
	r.holders.mu.Unlock()
	return principal.Principal{Kind: principal.Resident, AccountID: id, Login: "r" + phone[3:], Name: name, RealNameLevel: 2}
}

// foodType is the food business licence: enterprises, five years, issued for foodItem.
func foodType() Type {
	return Type{Code: foodTypeCode, Org: fjMarket, NameHans: "食品经营许可证", NameHant: "食品經營許可證",
		NameEn: "Food Business Licence", AuthorityName: "国家市场监督管理总局", AuthorityLevel: LevelNational,
		IssuerLevel: LevelCity, HolderCategory: HolderEnterprise, MinValidityMonths: 60, MaxValidityMonths: 60,
		LinkedItems: []string{foodItem},
		Fields: []Field{
			{Key: "legal_rep", NameHans: "法定代表人", NameHant: "法定代表人", NameEn: "Legal representative", Kind: FieldText, Required: true},
			{Key: "address", NameHans: "经营场所", NameHant: "經營場所", NameEn: "Premises", Kind: FieldText, Required: true},
			{Key: "business_scope", NameHans: "经营项目", NameHant: "經營項目", NameEn: "Business scope", Kind: FieldArea, Required: true},
			{Key: "note", NameHans: "备注", NameHant: "備註", NameEn: "Note", Kind: FieldText},
		}}
}

// guideType is a tour guide's certificate: persons, one to three years.
func guideType() Type {
	return Type{Code: guideTypeCode, Org: fjMarket, NameHans: "导游证", NameHant: "導遊證", NameEn: "Tour Guide Certificate",
		AuthorityName: "国家市场监督管理总局", AuthorityLevel: LevelNational, IssuerLevel: LevelCity,
		HolderCategory: HolderPerson, MinValidityMonths: 12, MaxValidityMonths: 36,
		Fields: []Field{
			{Key: "language", NameHans: "语种", NameHant: "語種", NameEn: "Language", Kind: FieldText, Required: true},
			{Key: "born_on", NameHans: "出生日期", NameHant: "出生日期", NameEn: "Date of birth", Kind: FieldDate},
		}}
}

// teachType is a teacher's certificate: persons, no end.
func teachType() Type {
	return Type{Code: teachTypeCode, Org: fjEdu, NameHans: "教师资格证", NameHant: "教師資格證", NameEn: "Teacher Certificate",
		AuthorityName: "中华人民共和国教育部", AuthorityLevel: LevelNational, IssuerLevel: LevelProvincial,
		HolderCategory: HolderPerson,
		Fields:         []Field{{Key: "subject", NameHans: "任教学科", NameHant: "任教學科", NameEn: "Subject", Kind: FieldText, Required: true}}}
}

// publish saves, submits and publishes t as its organisation's administrator and the digital
// office's.
func (r *rig) publish(t testing.TB, admin principal.Principal, typ Type) Type {
	t.Helper()
	if _, err := r.svc.SaveType(as(admin), admin, typ); err != nil {
		t.Fatalf("save %s: %v", typ.Code, err)
	}
	if _, err := r.svc.SubmitType(as(admin), admin, typ.Code); err != nil {
		t.Fatalf("submit %s: %v", typ.Code, err)
	}
	out, err := r.svc.PublishType(as(officeAdmin), officeAdmin, typ.Code)
	if err != nil {
		t.Fatalf("publish %s: %v", typ.Code, err)
	}
	return out
}

// publishAll publishes the three types.
func (r *rig) publishAll(t testing.TB) {
	t.Helper()
	r.publish(t, fjAdmin, foodType())
	r.publish(t, fjAdmin, guideType())
	r.publish(t, eduAdmin, teachType())
}

func foodRequest() IssueRequest {
	return IssueRequest{TypeCode: foodTypeCode, HolderName: "福州市鼓楼区榕城茶餐厅", HolderCode: restaurantCode,
		HolderCodeType: HolderCodeCreditCode, Number: "JY13501020012345",
		Face: map[string]string{"legal_rep": "王建国", "address": "福州市鼓楼区杨桥东路18号1层",
			"business_scope": "热食类食品制售；冷食类食品制售"}}
}

func guideRequest(name, id string) IssueRequest {
	return IssueRequest{TypeCode: guideTypeCode, HolderName: name, HolderCode: id, HolderCodeType: HolderCodeResidentID,
		Face: map[string]string{"language": "英语", "born_on": "1988-03-07"}}
}

// issue issues req as p, failing the test on error.
func (r *rig) issue(t testing.TB, p principal.Principal, req IssueRequest) Licence {
	t.Helper()
	l, err := r.svc.Issue(as(p), p, req)
	if err != nil {
		t.Fatalf("issue %s: %v", req.TypeCode, err)
	}
	return l
}

// entries returns every ledger entry.
func (r *rig) entries(t testing.TB) []ledger.Entry {
	t.Helper()
	es, err := r.ledger.Entries(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// auditActions returns the actions of the audit records of object id, oldest first.
func (r *rig) auditActions(t testing.TB, id string) []string {
	t.Helper()
	list, err := audit.List(context.Background(), r.db, audit.Filter{ObjectID: id})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, list[i].Action)
	}
	return out
}

// wantErr fails unless err is of kind (and, if message is set, has that message and field).
func wantErr(t testing.TB, err error, kind errs.Kind, field, message string) {
	t.Helper()
	if kind == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != kind {
		t.Fatalf("error = %v, want kind %s", err, kind)
	}
	if message != "" && (e.Message != message || e.Field != field) {
		t.Fatalf("error = %v, want %s on field %q", err, message, field)
	}
}
