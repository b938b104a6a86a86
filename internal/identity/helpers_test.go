package identity_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/requestid"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// start is when every test begins: a Monday morning in Fuzhou.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, clock.China)

// password is what the test residents and officials sign in with.
const password = "correct-horse-battery-9"

// env is one test's identity service over a fresh database whose clock the test moves.
type env struct {
	keys *keys.Service
	db   *store.DB
	clk  *clock.Fake
	ids  *identity.Service
	ctx  context.Context
}

// each runs fn on a fresh SQLite and a fresh PostgreSQL database (storetest.EachWith), each
// starting at start on the fake clock, with the organisation directory seeded.
// The tests of one engine run in parallel with other tests: each has its own database and clock.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	t.Parallel()
	clk := clock.NewFake(start)
	storetest.EachWith(t, storetest.Options{Clock: clk}, func(t *testing.T, db *store.DB) {
		clk.Set(start) // the engines run one after the other and share the clock
		ctx := requestid.With(context.Background(), "test-request")
		if _, err := org.Seed(principal.With(ctx, principal.SystemPrincipal), db, org.Directory()); err != nil {
			t.Fatal(err)
		}
		ks, err := keys.New(db, keys.NewMasterKey(), keys.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ids, err := identity.New(db, identity.Options{Secrets: ks})
		if err != nil {
			t.Fatal(err)
		}
		fn(t, &env{db: db, clk: clk, ids: ids, ctx: ctx, keys: ks})
	})
}

// sys is a context of Yiwang itself.
func (e *env) sys() context.Context { return principal.With(e.ctx, principal.SystemPrincipal) }

// as is a context of a's login session.
func (e *env) as(a identity.Account) context.Context {
	p := a.Principal()
	p.Via = "session"
	return principal.With(e.ctx, p)
}

// asPrincipal is a context of p.
func (e *env) asPrincipal(p principal.Principal) context.Context { return principal.With(e.ctx, p) }

// anon is a context of the public.
func (e *env) anon() context.Context {
	return principal.With(e.ctx, principal.Principal{Kind: principal.Anonymous})
}

// residentID returns a valid resident ID number first issued in Gulou District, Fuzhou.
func residentID(seq int) string {
	return idcode.NewResidentID("350102", time.Date(1988, 5, 17, 0, 0, 0, 0, clock.China), seq)
}

// phone returns the n-th test mobile number.
func phone(n int) string { return fmt.Sprintf("1995901%04d", n) }

// resident imports a resident (ImportResident, as the system) with a resident ID number.
func (e *env) resident(t *testing.T, name string, n int) identity.Account {
	t.Helper()
	a, err := e.ids.ImportResident(e.sys(), identity.Registration{Name: name, IDType: identity.ResidentID,
		IDNumber: residentID(n), Phone: phone(n), Password: password})
	if err != nil {
		t.Fatalf("ImportResident(%s): %v", name, err)
	}
	return a
}

// verified imports a resident whose name and number are in the population registry (level 2).
func (e *env) verified(t *testing.T, name string, n int) identity.Account {
	t.Helper()
	if err := e.ids.LoadRegistry(e.sys(), []identity.RegistryEntry{{IDType: identity.ResidentID, IDNumber: residentID(n), Name: name}}); err != nil {
		t.Fatal(err)
	}
	a := e.resident(t, name, n)
	if a.RealNameLevel != 2 {
		t.Fatalf("%s: real-name level %d after a registry match, want 2", name, a.RealNameLevel)
	}
	return a
}

// official creates an official's account as the system.
func (e *env) official(t *testing.T, login, orgCode string, roles ...string) identity.Account {
	t.Helper()
	a, err := e.ids.CreateAccount(e.sys(), identity.NewAccount{Login: login, DisplayName: login, OrgCode: orgCode,
		Roles: roles, Password: password})
	if err != nil {
		t.Fatalf("CreateAccount(%s): %v", login, err)
	}
	return a
}

// reload reads a back from the store.
func (e *env) reload(t *testing.T, a identity.Account) identity.Account {
	t.Helper()
	got, err := e.ids.Account(e.ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

var codeRE = regexp.MustCompile(`\b[0-9]{6}\b`)

// lastCode returns the code of the newest outbox message to phone, "" if there is none.
func (e *env) lastCode(t *testing.T, phone string) string {
	t.Helper()
	msgs, err := e.ids.Outbox(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs { // newest first
		if m.Recipient == phone {
			return codeRE.FindString(m.Body)
		}
	}
	return ""
}

// outboxCount counts the outbox messages to phone.
func (e *env) outboxCount(t *testing.T, phone string) int {
	t.Helper()
	msgs, err := e.ids.Outbox(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.Recipient == phone {
			n++
		}
	}
	return n
}

// sendCode requests a code for purpose to phone and returns it from the outbox.
func (e *env) sendCode(t *testing.T, phone string, purpose identity.Purpose) string {
	t.Helper()
	if err := e.ids.RequestCode(e.anon(), phone, purpose); err != nil {
		t.Fatalf("RequestCode(%s, %s): %v", phone, purpose, err)
	}
	code := e.lastCode(t, phone)
	if code == "" {
		t.Fatalf("no %s code in the outbox for %s", purpose, phone)
	}
	return code
}

// wrong returns a six-digit code that differs from code.
func wrong(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

// kind names an error's kind for tables: "" for nil.
func kind(err error) errs.Kind {
	if err == nil {
		return ""
	}
	return errs.KindOf(err)
}

// message is the public message key of err, "" for nil.
func message(err error) string {
	if err == nil {
		return ""
	}
	return errs.Public(err).Message
}

// field is the field err names, "" if none.
func field(err error) string {
	if err == nil {
		return ""
	}
	return errs.Public(err).Field
}

// auditActions lists the actions of the audit log after id, oldest first, with the newest id.
func auditActions(t *testing.T, db *store.DB, after int64) ([]string, int64) {
	t.Helper()
	var rows []struct {
		ID     int64  `db:"id"`
		Action string `db:"action"`
	}
	if err := db.Select(context.Background(), &rows, `SELECT id, action FROM audit_events WHERE id > ? ORDER BY id`, after); err != nil {
		t.Fatal(err)
	}
	var out []string
	last := after
	for _, r := range rows {
		out = append(out, r.Action)
		last = r.ID
	}
	return out, last
}

// lastAudit returns the id of the newest audit event.
func lastAudit(t *testing.T, db *store.DB) int64 {
	t.Helper()
	_, last := auditActions(t, db, 0)
	return last
}
