package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/plan"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// TestReportReachesJetStream follows a progress report from the service call to a JetStream
// stream on a real nats-server: the platform publishes the event its transaction wrote.
func TestReportReachesJetStream(t *testing.T) {
	url := os.Getenv("YIWANG_TEST_NATS")
	if url == "" {
		url = "nats://127.0.0.1:4222"
	}
	nc, err := nats.Connect(url, nats.Timeout(2*time.Second))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("NATS is mandatory when CI=true, but %s does not answer: %v", url, err)
		}
		t.Skipf("no NATS at %s (set YIWANG_TEST_NATS): %v", url, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	stream, prefix := "YIWANG_APPTEST_"+strings.ToUpper(suffix), "yiwangapp"+suffix
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), stream) })

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := storetest.Open(t, store.SQLite, storetest.Options{Clock: clock.Real{}})
	a, err := app.New(ctx, app.Config{DB: db, Demo: true, NATSURL: url, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		NATSOptions: []events.NATSOption{events.WithStream(stream), events.WithSubjectPrefix(prefix)}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	listening := make(chan struct{})
	go func() { done <- a.Run(runCtx, "127.0.0.1:0", func(string) { close(listening) }) }()
	<-listening

	acc, err := a.Identity.AccountByLogin(ctx, "gxt.officer")
	if err != nil {
		t.Fatal(err)
	}
	d, err := a.Plan.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var item25 *plan.Item
	for _, it := range d.Items() {
		if it.Ordinal == 25 {
			item25 = it
		}
	}
	rep, err := a.Plan.SubmitReport(principal.With(ctx, acc.Principal()), item25.ID, plan.ReportInput{Body: "新建 5G 基站 31000 个。", Progress: 100})
	if err != nil {
		t.Fatal(err)
	}

	subject := prefix + ".plan.report.submitted"
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	for err != nil && ctx.Err() == nil {
		time.Sleep(100 * time.Millisecond) // the publisher creates the stream on first use
		cons, err = js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	}
	if err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := cons.Next(jetstream.FetchMaxWait(10 * time.Second))
		if err != nil {
			t.Fatalf("report %d never reached %s: %v", rep.ID, subject, err)
		}
		var payload struct {
			ReportID int64 `json:"report_id"`
			ItemID   int64 `json:"item_id"`
		}
		if err := json.Unmarshal(msg.Data(), &payload); err != nil {
			t.Fatal(err)
		}
		if payload.ReportID == rep.ID {
			if payload.ItemID != item25.ID {
				t.Errorf("payload %+v, want item %d", payload, item25.ID)
			}
			break
		}
	}
	// The demo's own import, seeded after the consumers registered, was published too.
	imported, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{prefix + ".plan.document.imported"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := imported.Next(jetstream.FetchMaxWait(10 * time.Second)); err != nil {
		t.Errorf("the demo's plan import never reached JetStream: %v", err)
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}
