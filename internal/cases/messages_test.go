package cases_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/i18n"
)

// Every message key the package uses, and every label of its vocabulary, is translated.
func TestMessagesExist(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	keyRE := regexp.MustCompile(`"(cases\.(?:error|notice)\.[a-z_]+)"`)
	keys := map[string]bool{"cases.notice.due_soon_applicant": true, "cases.notice.overdue_applicant": true}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
	}
	for _, st := range cases.Statuses {
		keys["cases.status."+string(st)] = true
	}
	for _, k := range cases.ProcedureKinds {
		keys["cases.procedure."+string(k)] = true
	}
	for _, s := range []cases.Step{cases.StepSubmit, cases.StepAccept, cases.StepSupplement, cases.StepReview, cases.StepProcedure,
		cases.StepDecide, cases.StepPay, cases.StepDeliver, cases.StepChildren} {
		keys["cases.step."+string(s)] = true
	}
	for _, k := range []string{cases.EventCreated, cases.EventSubmitted, cases.EventResubmitted, cases.EventMaterialAdded,
		cases.EventMaterialRemoved, cases.EventAccepted, cases.EventMaterialsRequested, cases.EventNotAccepted, cases.EventReviewed,
		cases.EventProcedureStarted, cases.EventProcedureEnded, cases.EventDecided, cases.EventFeeOrderOpened, cases.EventPaid,
		cases.EventDelivered, cases.EventCompleted, cases.EventWithdrawn, cases.EventTransferred, cases.EventRemoteStatus,
		cases.EventReceived, cases.EventTransferRefused, cases.EventMessage, cases.EventQueryCodeReset, cases.EventClockStarted, cases.EventClockPaused, cases.EventClockResumed,
		cases.EventClockWarned, cases.EventClockOverdue, cases.EventClockStopped, cases.EventLicenceConsent,
		cases.EventFromLicence, cases.EventLicenceUnavailable} {
		keys["cases.event."+k] = true
	}
	for _, k := range []string{"cases.outcome.approved", "cases.outcome.denied", "cases.outcome.partially_approved",
		"cases.channel.online", "cases.channel.window", "cases.channel.kiosk", "cases.delivery.electronic", "cases.delivery.pickup",
		"cases.delivery.post", "cases.material_status.missing", "cases.material_status.provided", "cases.material_status.to_fetch",
		"cases.material_status.requested", "cases.material_status.from_licence", "cases.material_status.unavailable", "cases.clock.not_started", "cases.clock.running", "cases.clock.paused", "cases.clock.stopped"} {
		keys[k] = true
	}
	for _, st := range cases.LicenceStates {
		keys["cases.licence_state."+st] = true
		if st != cases.LicenceValid {
			keys["cases.notice.licence_unavailable."+st] = true
		}
	}
	if len(keys) < 100 {
		t.Fatalf("found only %d keys: the scan is broken", len(keys))
	}
	for k := range keys {
		if !i18n.Has(k) {
			t.Errorf("message %s is missing from internal/i18n/messages/cases.toml", k)
		}
	}
}
