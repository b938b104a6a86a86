package events_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/requestid"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// testJetStream connects to the NATS server of YIWANG_TEST_NATS (default nats://127.0.0.1:4222)
// for the test's own checks. It skips when none answers with JetStream, or fails when CI=true.
func testJetStream(t *testing.T) (url string, js jetstream.JetStream) {
	t.Helper()
	url = os.Getenv("YIWANG_TEST_NATS")
	if url == "" {
		url = "nats://127.0.0.1:4222"
	}
	nc, err := nats.Connect(url, nats.Timeout(2*time.Second))
	if err == nil {
		js, err = jetstream.New(nc)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			_, err = js.AccountInfo(ctx)
			cancel()
		}
		if err != nil {
			nc.Close()
		}
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("NATS JetStream is mandatory when CI=true, but %s does not answer: %v", url, err)
		}
		t.Skipf("no NATS JetStream at %s (set YIWANG_TEST_NATS): %v", url, err)
	}
	t.Cleanup(nc.Close)
	return url, js
}

// uniqueStream returns a stream name and subject prefix no other test run uses, and deletes the
// stream when the test ends.
func uniqueStream(t *testing.T, js jetstream.JetStream) (stream, prefix string) {
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36) + strings.ToLower(requestid.New()[:6])
	stream, prefix = "YIWANG_TEST_"+strings.ToUpper(suffix), "yiwangtest"+suffix
	t.Cleanup(func() {
		if err := js.DeleteStream(context.Background(), stream); err != nil {
			t.Logf("delete stream %s: %v", stream, err)
		}
	})
	return stream, prefix
}

type natsMsg struct {
	Subject, Data, MsgID, Topic, RequestID string
}

// readAll reads every message of stream with an independent ordered consumer.
func readAll(t *testing.T, js jetstream.JetStream, stream string) []natsMsg {
	t.Helper()
	ctx := context.Background()
	info, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	want := int(info.CachedInfo().State.Msgs)
	c, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []natsMsg
	for len(out) < want {
		batch, err := c.Fetch(want-len(out), jetstream.FetchMaxWait(3*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			h := m.Headers()
			out = append(out, natsMsg{Subject: m.Subject(), Data: string(m.Data()), MsgID: h.Get(jetstream.MsgIDHeader),
				Topic: h.Get("Yiwang-Topic"), RequestID: h.Get("Yiwang-Request-Id")})
		}
		if err := batch.Error(); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatalf("read %d of %d messages", len(out), want)
		}
	}
	return out
}

func TestNATSPublisherPublishesEachEventOnce(t *testing.T) {
	url, js := testJetStream(t)
	stream, prefix := uniqueStream(t, js)
	ctx := requestid.With(context.Background(), "req-nats")
	p, err := events.NewNATSPublisher(ctx, url, events.WithStream(stream), events.WithSubjectPrefix(prefix),
		events.WithNATSLogger(testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	info, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatalf("stream %s was not created: %v", stream, err)
	}
	if cfg := info.CachedInfo().Config; !cmp.Equal(cfg.Subjects, []string{prefix + ".>"}) || cfg.Duplicates != time.Hour {
		t.Errorf("stream subjects %v, duplicate window %v", cfg.Subjects, cfg.Duplicates)
	}

	db := storetest.Open(t, store.SQLite, storetest.Options{})
	d := events.NewDispatcher(db, quick(t))
	p.Attach(d)
	if err := d.Register(ctx); err != nil {
		t.Fatal(err)
	}
	run(t, d)
	enqueue(t, ctx, db, d, "plan.progress.reported", 1)
	err = db.Transact(ctx, func(tx *store.Tx) error {
		if err := events.Enqueue(ctx, tx, "case.decided", item{N: 2}); err != nil {
			return err
		}
		return events.Enqueue(ctx, tx, "licence.issued", item{N: 3})
	})
	if err != nil {
		t.Fatal(err)
	}
	d.Notify()
	waitFor(t, "the outbox is published", func() bool { return settled(t, d) })

	ids := eventIDs(t, db)
	id := func(i int) string { return strconv.FormatInt(ids[i], 10) }
	want := []natsMsg{
		{prefix + ".plan.progress.reported", `{"n":1}`, id(0), "plan.progress.reported", "req-nats"},
		{prefix + ".case.decided", `{"n":2}`, id(1), "case.decided", "req-nats"},
		{prefix + ".licence.issued", `{"n":3}`, id(2), "licence.issued", "req-nats"},
	}
	if diff := cmp.Diff(want, readAll(t, js, stream)); diff != "" {
		t.Fatalf("stream mismatch (-want +got):\n%s", diff)
	}

	// A redelivery, as after a crash between JetStream's ack and the outbox commit: the outbox
	// delivers event 2 again, and the publisher is also called directly with it.
	err = db.Transact(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO event_deliveries (consumer, event_id) VALUES (?, ?)`, events.NATSConsumer, ids[1])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	d.Notify()
	waitFor(t, "the redelivery is acknowledged", func() bool { return settled(t, d) })
	if err := p.Publish(ctx, events.Event{ID: ids[1], Topic: "case.decided", Payload: []byte(`{"n":2}`)}); err != nil {
		t.Fatalf("publishing a duplicate: %v", err)
	}
	if diff := cmp.Diff(want, readAll(t, js, stream)); diff != "" {
		t.Errorf("stream after redelivery mismatch (-want +got):\n%s", diff)
	}
	if dead, _ := d.DeadLetters(ctx, "", 0); len(dead) != 0 {
		t.Errorf("dead letters: %+v", dead)
	}
}

func TestNATSPublisherJoinsExistingStream(t *testing.T) {
	url, js := testJetStream(t)
	stream, prefix := uniqueStream(t, js)
	ctx := context.Background()
	other := prefix + "other.>"
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: stream, Subjects: []string{other},
		Storage: jetstream.MemoryStorage, Duplicates: 5 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second time, nothing is left to change
		p, err := events.NewNATSPublisher(ctx, url, events.WithStream(stream), events.WithSubjectPrefix(prefix),
			events.WithNATSLogger(testLogger(t)))
		if err != nil {
			t.Fatal(err)
		}
		p.Close()
	}
	info, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	cfg := info.CachedInfo().Config
	if diff := cmp.Diff([]string{other, prefix + ".>"}, cfg.Subjects); diff != "" {
		t.Errorf("subjects mismatch (-want +got):\n%s", diff)
	}
	if cfg.Storage != jetstream.MemoryStorage || cfg.Duplicates != 5*time.Minute {
		t.Errorf("operator settings changed: storage %v, duplicate window %v", cfg.Storage, cfg.Duplicates)
	}
}

func TestNATSPublisherUnavailable(t *testing.T) {
	_, err := events.NewNATSPublisher(context.Background(), "nats://127.0.0.1:1",
		events.WithNATSOptions(nats.Timeout(500*time.Millisecond)), events.WithNATSLogger(testLogger(t)))
	if !errs.Is(err, errs.Unavailable) {
		t.Fatalf("NewNATSPublisher on a closed port = %v, want unavailable", err)
	}
}
