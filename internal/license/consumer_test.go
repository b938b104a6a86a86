package license

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/keys"
)

// decided is a case.decided event as internal/cases writes it (cases.EventPayload).
func decided(t testing.TB, id int64, payload map[string]any) events.Event {
	t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return events.Event{ID: id, Topic: topicCaseDecided, Payload: b, CreatedAt: time.Now(), Attempt: 1}
}

func TestCaseDecided(t *testing.T) {
	eachRig(t, keys.SM2, func(t *testing.T, r *rig) {
		r.publishAll(t)
		s := r.svc
		ctx := context.Background()
		decidedAt := time.Date(2026, 3, 1, 16, 30, 0, 0, clock.China)
		r.cases["C1"] = map[string]any{"legal_rep": "王建国", "address": "福州市鼓楼区杨桥东路18号1层",
			"business_scope": "热食类食品制售", "seats": float64(40), "unrelated": "x"}
		r.cases["C3"] = map[string]any{"legal_rep": "王建国"} // no address: not a licence
		base := func(id string) map[string]any {
			return map[string]any{"case_id": id, "number": "FZ2026" + id, "item_code": foodItem, "org": fzMarket,
				"status": "decided", "applicant": r.agent.AccountID, "acting_for": restaurantCode,
				"at": decidedAt, "outcome": "approved", "decided_at": decidedAt}
		}
		count := func() int {
			var n int
			if err := r.db.Get(ctx, &n, `SELECT COUNT(*) FROM licences`); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// Approved: a licence for the enterprise, once however often the event comes.
		ev := decided(t, 1, base("C1"))
		for i := 0; i < 2; i++ {
			if err := s.onCaseDecided(ctx, ev); err != nil {
				t.Fatalf("delivery %d: %v", i+1, err)
			}
		}
		if n := count(); n != 1 {
			t.Fatalf("%d licences after two deliveries", n)
		}
		var id string
		if err := r.db.Get(ctx, &id, `SELECT id FROM licences WHERE case_id = 'C1'`); err != nil {
			t.Fatal(err)
		}
		l, err := s.Get(as(r.agent), r.agent, id)
		if err != nil {
			t.Fatal(err)
		}
		if l.HolderName != "福州市鼓楼区榕城茶餐厅" || l.HolderCode != restaurantCode || l.IssuerOrg != fzMarket ||
			l.LinkedItem != foodItem || l.ValidFrom != "2026-03-01" || l.ValidUntil != "2031-02-28" ||
			l.Face["address"] != "福州市鼓楼区杨桥东路18号1层" || len(l.Face) != 3 || l.Number != l.Serial {
			t.Errorf("licence = %+v", l)
		}
		if h, _ := s.History(as(system), system, id); len(h) != 1 || h[0].Actor != "system:system" {
			t.Errorf("history = %+v", h)
		}
		// The applicant (the agent) is told.
		var to int64
		if err := r.db.Get(ctx, &to, `SELECT account_id FROM notify_messages WHERE msg_key = 'license.notice.issued'`); err != nil ||
			to != r.agent.AccountID {
			t.Errorf("told %d (%v), want the applicant %d", to, err, r.agent.AccountID)
		}

		// Not approved, not a linked item, or unknown: nothing.
		denied := base("C2")
		denied["outcome"] = "denied"
		other := base("C2")
		other["item_code"] = "11350100003701130019999999"
		for _, e := range []events.Event{decided(t, 2, denied), decided(t, 3, other)} {
			if err := s.onCaseDecided(ctx, e); err != nil {
				t.Errorf("event %d: %v", e.ID, err)
			}
		}
		if n := count(); n != 1 {
			t.Errorf("%d licences after events that issue none", n)
		}
		// A resident's approved case issues to the resident (a person type linked to an item).
		guide := guideType()
		guide.LinkedItems = []string{"11350100003701130020000000"}
		r.publish(t, fjAdmin, guide)
		r.cases["C4"] = map[string]any{"language": "日语"}
		resident := base("C4")
		resident["item_code"], resident["applicant"], resident["acting_for"] = "11350100003701130020000000", r.alice.AccountID, ""
		if err := s.onCaseDecided(ctx, decided(t, 4, resident)); err != nil {
			t.Fatal(err)
		}
		mine, err := s.Mine(as(r.alice), r.alice)
		if err != nil || len(mine) != 1 || mine[0].HolderCode != aliceID || mine[0].Face["language"] != "日语" {
			t.Errorf("alice's wallet = %+v, %v", mine, err)
		}
		// A form that does not make a licence, or a payload that is not a case's, is not retried.
		for _, e := range []events.Event{decided(t, 5, base("C3")), {ID: 6, Topic: topicCaseDecided, Payload: []byte(`{"case_id":1}`)},
			decided(t, 7, base("C404"))} {
			err := s.onCaseDecided(ctx, e)
			if err == nil || !isPermanent(err) {
				t.Errorf("event %d: %v, want a permanent error", e.ID, err)
			}
		}
		if n := count(); n != 2 {
			t.Errorf("%d licences after refused events", n)
		}
		// Subscribing registers the consumer.
		d := events.NewDispatcher(r.db, events.Options{})
		s.Subscribe(d)
		if err := d.Register(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// isPermanent reports whether err was marked with events.Permanent (whose type is not
// exported: its text says so).
func isPermanent(err error) bool { return err != nil && strings.Contains(err.Error(), "permanent: ") }
