package events_test

import (
	"context"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

func TestValidTopic(t *testing.T) {
	for _, tc := range []struct {
		topic string
		ok    bool
	}{
		{"plan.progress.reported", true},
		{"case.created", true},
		{"iot.sensor-7.reading_2", true},
		{"plan", false},
		{"", false},
		{"plan..reported", false},
		{".plan.reported", false},
		{"plan.reported.", false},
		{"Plan.Reported", false},
		{"plan.*", false},
		{"plan.>", false},
		{"plan.progress reported", false},
		{"计划.上报", false},
		{"a." + strings.Repeat("b", 200), false},
	} {
		err := events.ValidTopic(tc.topic)
		if (err == nil) != tc.ok {
			t.Errorf("ValidTopic(%q) = %v, want ok=%v", tc.topic, err, tc.ok)
		}
		if err != nil && !errs.Is(err, errs.Invalid) {
			t.Errorf("ValidTopic(%q) error kind = %s, want invalid", tc.topic, errs.KindOf(err))
		}
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, topic string
		want           bool
	}{
		{"plan.progress.reported", "plan.progress.reported", true},
		{"plan.progress.reported", "plan.progress.updated", false},
		{"plan.progress", "plan.progress.reported", false},
		{"plan.>", "plan.progress.reported", true},
		{"plan.>", "plan.created", true},
		{"plan.>", "plan", false},
		{"plan.>", "planning.created", false},
		{"plan.*", "plan.created", true},
		{"plan.*", "plan.progress.reported", false},
		{"plan.*.reported", "plan.progress.reported", true},
		{"*.created", "case.created", true},
		{"*.created", "case.item.created", false},
		{">", "case.created", true},
		{"*", "case.created", false},
		{"plan.>.x", "plan.a.x", false}, // invalid pattern matches nothing
		{"", "plan.created", false},
	} {
		if got := events.Match(tc.pattern, tc.topic); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tc.pattern, tc.topic, got, tc.want)
		}
	}
}

func TestSubscribeRejectsProgrammingErrors(t *testing.T) {
	db := storetest.Open(t, store.SQLite, storetest.Options{})
	ok := func(context.Context, events.Event) error { return nil }
	for name, f := range map[string]func(d *events.Dispatcher){
		"bad pattern":   func(d *events.Dispatcher) { d.Subscribe("a", "plan.>.x", ok) },
		"bad consumer":  func(d *events.Dispatcher) { d.Subscribe("A B", "plan.>", ok) },
		"nil handler":   func(d *events.Dispatcher) { d.Subscribe("a", "plan.>", nil) },
		"duplicate":     func(d *events.Dispatcher) { d.Subscribe("a", ">", ok); d.Subscribe("a", "plan.>", ok) },
		"empty pattern": func(d *events.Dispatcher) { d.Subscribe("a", "", ok) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("Subscribe did not panic")
				}
			}()
			f(events.NewDispatcher(db, events.Options{}))
		})
	}
}

func TestEnqueueRejects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for name, tc := range map[string]struct {
			topic   string
			payload any
		}{
			"bad topic":     {"plan", map[string]int{"id": 1}},
			"not JSON":      {"plan.created", make(chan int)},
			"too large":     {"plan.created", strings.Repeat("x", events.MaxPayload)},
			"wildcard used": {"plan.*", nil},
		} {
			err := db.Transact(ctx, func(tx *store.Tx) error {
				return events.Enqueue(ctx, tx, tc.topic, tc.payload)
			})
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: err = %v, want invalid", name, err)
			}
		}
		var n int
		if err := db.Get(ctx, &n, `SELECT COUNT(*) FROM events`); err != nil || n != 0 {
			t.Errorf("events stored = %d (%v), want 0", n, err)
		}
	})
}
