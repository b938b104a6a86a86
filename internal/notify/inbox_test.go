package notify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/notify"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// The people of these tests: a resident, another resident, the second one acting as agent for
// an enterprise, and an official of the market regulator.
var (
	linMing  = principal.Principal{Kind: principal.Resident, AccountID: 101, Login: "linming", Name: "林明"}
	chenHua  = principal.Principal{Kind: principal.Resident, AccountID: 102, Login: "chenhua", Name: "陈华"}
	chenAgnt = principal.Principal{Kind: principal.Agent, AccountID: 102, Login: "chenhua", Name: "陈华",
		ActingFor: "91350100MA2Y8K3Q5X", ActingForName: "福州闽味餐饮有限公司"}
	official = principal.Principal{Kind: principal.Official, AccountID: 201, Login: "scjg.zhang", Name: "张伟",
		OrgCode: "FJ-SCJGJ", Roles: []string{principal.RoleWindowOfficer}}
	anonymous = principal.Principal{Kind: principal.Anonymous}
	client    = principal.Principal{Kind: principal.Client, ClientID: "svc-archive"}
	system    = principal.SystemPrincipal
)

func send(t *testing.T, db *store.DB, s *notify.Service, account int64, key string, args []string, link string) {
	t.Helper()
	ctx := context.Background()
	if err := db.Transact(ctx, func(tx *store.Tx) error {
		return s.SendTx(ctx, tx, account, key, args, link)
	}); err != nil {
		t.Fatalf("SendTx: %v", err)
	}
}

func TestInbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := notify.New(db, notify.Options{})
		send(t, db, s, linMing.AccountID, "notify.welcome", []string{"林明"}, "/inbox")
		send(t, db, s, chenHua.AccountID, "notify.welcome", []string{"陈华"}, "")
		send(t, db, s, linMing.AccountID, "notify.welcome", []string{"林明（第二条）"}, "/my/cases/C202603020001")

		msgs, err := s.Inbox(ctx, linMing, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range msgs {
			got = append(got, m.Text(i18n.En)+" → "+m.Link)
		}
		want := []string{
			"Welcome to Yiwang, 林明（第二条）. News about your affairs will arrive here. → /my/cases/C202603020001",
			"Welcome to Yiwang, 林明. News about your affairs will arrive here. → /inbox",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("inbox mismatch (-want +got):\n%s", diff)
		}
		if got := msgs[0].Text(i18n.ZhHant); !strings.HasPrefix(got, "林明（第二条），歡迎使用一網") {
			t.Errorf("zh-Hant text = %q", got)
		}
		if msgs[0].Read() || msgs[0].CreatedAt.IsZero() || msgs[0].Account != linMing.AccountID {
			t.Errorf("new message = %+v", msgs[0])
		}
		unread := func(p principal.Principal) int {
			n, err := s.Unread(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := unread(linMing); n != 2 {
			t.Errorf("Unread = %d, want 2", n)
		}
		if err := s.MarkRead(ctx, linMing, msgs[1].ID); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkRead(ctx, linMing, msgs[1].ID); err != nil {
			t.Errorf("marking a read message read again: %v", err)
		}
		if n := unread(linMing); n != 1 {
			t.Errorf("Unread after MarkRead = %d, want 1", n)
		}
		m, err := s.Message(ctx, linMing, msgs[1].ID)
		if err != nil || !m.Read() {
			t.Errorf("Message after MarkRead = %+v, %v", m, err)
		}
		n, err := s.MarkAllRead(ctx, linMing)
		if err != nil || n != 1 {
			t.Errorf("MarkAllRead = %d, %v; want 1", n, err)
		}
		if n := unread(linMing); n != 0 {
			t.Errorf("Unread after MarkAllRead = %d", n)
		}
		if n := unread(chenHua); n != 1 {
			t.Errorf("another person's unread count changed: %d", n)
		}
		// Paging: newest first, limit and offset.
		page, err := s.Inbox(ctx, linMing, 1, 1)
		if err != nil || len(page) != 1 || page[0].ID != msgs[1].ID {
			t.Errorf("Inbox(limit 1, offset 1) = %+v, %v", page, err)
		}
	})
}

// TestOnlyOwnMessages is the role × action table: every principal reads and marks only its own
// account's messages; someone else's message does not exist for them.
func TestOnlyOwnMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := notify.New(db, notify.Options{})
		send(t, db, s, linMing.AccountID, "notify.welcome", []string{"林明"}, "")
		send(t, db, s, chenHua.AccountID, "notify.welcome", []string{"陈华"}, "")
		send(t, db, s, official.AccountID, "notify.welcome", []string{"张伟"}, "")
		ids := map[int64]int64{}
		for _, p := range []principal.Principal{linMing, chenHua, official} {
			msgs, err := s.Inbox(ctx, p, 10, 0)
			if err != nil || len(msgs) != 1 || msgs[0].Account != p.AccountID {
				t.Fatalf("%s inbox = %+v, %v", p.Login, msgs, err)
			}
			ids[p.AccountID] = msgs[0].ID
		}
		for _, tc := range []struct {
			name  string
			p     principal.Principal
			own   bool      // has an inbox
			kind  errs.Kind // the error for reading without an inbox
			other int64     // a message of someone else
		}{
			{"resident", linMing, true, "", ids[chenHua.AccountID]},
			{"resident reads official's", linMing, true, "", ids[official.AccountID]},
			{"agent reads own account", chenAgnt, true, "", ids[linMing.AccountID]},
			{"official", official, true, "", ids[linMing.AccountID]},
			{"anonymous", anonymous, false, errs.Unauthenticated, ids[linMing.AccountID]},
			{"service client", client, false, errs.Forbidden, ids[linMing.AccountID]},
			{"system", system, false, errs.Forbidden, ids[linMing.AccountID]},
		} {
			t.Run(tc.name, func(t *testing.T) {
				msgs, err := s.Inbox(ctx, tc.p, 10, 0)
				if !tc.own {
					if errs.KindOf(err) != tc.kind {
						t.Errorf("Inbox = %v, want %s", err, tc.kind)
					}
					if _, err := s.Unread(ctx, tc.p); errs.KindOf(err) != tc.kind {
						t.Errorf("Unread = %v, want %s", err, tc.kind)
					}
					if err := s.MarkRead(ctx, tc.p, tc.other); errs.KindOf(err) != tc.kind {
						t.Errorf("MarkRead = %v, want %s", err, tc.kind)
					}
					if _, err := s.MarkAllRead(ctx, tc.p); errs.KindOf(err) != tc.kind {
						t.Errorf("MarkAllRead = %v, want %s", err, tc.kind)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range msgs {
					if m.Account != tc.p.AccountID {
						t.Errorf("%s sees message %d of account %d", tc.p.Login, m.ID, m.Account)
					}
				}
				if _, err := s.Message(ctx, tc.p, tc.other); !errs.Is(err, errs.NotFound) {
					t.Errorf("Message(someone else's) = %v, want NotFound", err)
				}
				if err := s.MarkRead(ctx, tc.p, tc.other); !errs.Is(err, errs.NotFound) {
					t.Errorf("MarkRead(someone else's) = %v, want NotFound", err)
				}
				if err := s.MarkRead(ctx, tc.p, 1<<40); !errs.Is(err, errs.NotFound) {
					t.Errorf("MarkRead(no such message) = %v, want NotFound", err)
				}
			})
		}
		// Nobody's marking touched another's message.
		for _, p := range []principal.Principal{linMing, chenHua, official} {
			if n, _ := s.Unread(ctx, p); n != 1 {
				t.Errorf("%s has %d unread, want 1", p.Login, n)
			}
		}
		// MarkAllRead reaches only one's own.
		if _, err := s.MarkAllRead(ctx, chenAgnt); err != nil {
			t.Fatal(err)
		}
		for p, want := range map[string]int{"linming": 1, "chenhua": 0, "scjg.zhang": 1} {
			pr := map[string]principal.Principal{"linming": linMing, "chenhua": chenHua, "scjg.zhang": official}[p]
			if n, _ := s.Unread(ctx, pr); n != want {
				t.Errorf("after chenhua's MarkAllRead, %s has %d unread, want %d", p, n, want)
			}
		}
	})
}

func TestSendTxRejects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := notify.New(db, notify.Options{})
		for _, tc := range []struct {
			name    string
			account int64
			key     string
			args    []string
			link    string
			field   string
		}{
			{"no account", 0, "notify.welcome", nil, "", "account"},
			{"unknown key", 101, "cases.no_such_message", nil, "", "key"},
			{"too many args", 101, "notify.welcome", make([]string, notify.MaxArgs+1), "", "args"},
			{"long arg", 101, "notify.welcome", []string{strings.Repeat("长", 200)}, "", "args"},
			{"control character", 101, "notify.welcome", []string{"林明\n"}, "", "args"},
			{"absolute link", 101, "notify.welcome", nil, "https://evil.example/x", "link"},
			{"scheme-relative link", 101, "notify.welcome", nil, "//evil.example/x", "link"},
			{"backslash link", 101, "notify.welcome", nil, "/\\evil.example", "link"},
			{"javascript link", 101, "notify.welcome", nil, "javascript:alert(1)", "link"},
			{"relative link", 101, "notify.welcome", nil, "inbox", "link"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := db.Transact(ctx, func(tx *store.Tx) error {
					return s.SendTx(ctx, tx, tc.account, tc.key, tc.args, tc.link)
				})
				e := errs.Public(err)
				if e.Kind != errs.Invalid || e.Field != tc.field || !i18n.Has(e.Message) {
					t.Errorf("SendTx = %v, want invalid %s", err, tc.field)
				}
				id, err := s.Send(ctx, tc.account, tc.key, tc.args, tc.link)
				if e := errs.Public(err); e.Kind != errs.Invalid || e.Field != tc.field || id != 0 {
					t.Errorf("Send = %d, %v, want invalid %s", id, err, tc.field)
				}
			})
		}
		var n int
		if err := db.Get(ctx, &n, `SELECT COUNT(*) FROM notify_messages`); err != nil || n != 0 {
			t.Errorf("%d messages stored after refusals (%v)", n, err)
		}
	})
}

// Send stores a message of its own and returns its id.
func TestSend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := notify.New(db, notify.Options{})
		first, err := s.Send(ctx, linMing.AccountID, "notify.welcome", []string{"林明"}, "/inbox")
		if err != nil {
			t.Fatal(err)
		}
		second, err := s.Send(ctx, linMing.AccountID, "notify.welcome", []string{"林明（二）"}, "")
		if err != nil {
			t.Fatal(err)
		}
		var args string
		if err := db.Get(ctx, &args, `SELECT args FROM notify_messages WHERE id = ? AND account_id = ?`, second, linMing.AccountID); err != nil {
			t.Fatalf("message %d: %v", second, err)
		}
		if first >= second || args != `["林明（二）"]` {
			t.Errorf("ids %d, %d; args %s", first, second, args)
		}
		var events int
		if err := db.Get(ctx, &events, `SELECT COUNT(*) FROM events WHERE topic = ?`, notify.Topic); err != nil || events != 2 {
			t.Errorf("%d delivery events (%v), want 2", events, err)
		}
	})
}

// TestSendTxIsTheCallersTransaction: a rolled-back change leaves no message and no event.
func TestSendTxIsTheCallersTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := notify.New(db, notify.Options{})
		err := db.Transact(ctx, func(tx *store.Tx) error {
			if err := s.SendTx(ctx, tx, linMing.AccountID, "notify.welcome", []string{"林明"}, ""); err != nil {
				return err
			}
			return store.ErrRollback
		})
		if err != store.ErrRollback {
			t.Fatalf("Transact = %v", err)
		}
		var msgs, evs int
		db.Get(ctx, &msgs, `SELECT COUNT(*) FROM notify_messages`)
		db.Get(ctx, &evs, `SELECT COUNT(*) FROM events WHERE topic = 'notify.deliver'`)
		if msgs != 0 || evs != 0 {
			t.Errorf("after rollback: %d messages, %d events", msgs, evs)
		}
		send(t, db, s, linMing.AccountID, "notify.welcome", []string{"林明"}, "")
		db.Get(ctx, &evs, `SELECT COUNT(*) FROM events WHERE topic = 'notify.deliver'`)
		if evs != 1 {
			t.Errorf("after commit: %d events, want 1", evs)
		}
	})
}
