package license

import (
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/idcode"
)

// VerifyOfflineWith verifies a credential or presentation at now without contacting anyone, as
// a verifier that keeps trust lists does (yiwang license verify): the signatures against trust —
// the keys of the nodes the verifier recognises, e.g. federation.Resolver over their trust
// lists — then the licence's status from snap, the signed status snapshot of its node
// (VerifySnapshot), and its expiry from its own validity. A licence of another node than the
// snapshot's is answered from its validity alone (license.reason.no_snapshot while valid). A
// bare identifier cannot be verified offline.
func VerifyOfflineWith(text string, trust credential.Resolver, snap Snapshot, now time.Time) VerifyResult {
	text = strings.TrimSpace(text)
	if len(text) > MaxInput {
		return failed("", nil, now)
	}
	if strings.HasPrefix(text, idcode.LicenceIDPrefix) {
		return VerifyResult{State: StateMalformed, Reason: "license.reason.identifier_offline", Input: InputIdentifier, CheckedAt: now}
	}
	if strings.HasPrefix(text, CopyPrefix) {
		return verifyCopyOffline(text, trust, snap, now) // copies.go
	}
	c, res := checkSignatures(text, trust, now, nil)
	if res.State != "" {
		return res
	}
	if snap.Node == "" || !strings.HasPrefix(c.claims.Issuer, snap.Node+"/") {
		st := c.claimedState(today(now))
		reason := "license.reason.no_snapshot"
		if st != StateValid {
			reason = reasonOf(st)
		}
		return c.result(st, reason, now)
	}
	st, listed := snap.State(c.claims.Subject)
	if !listed {
		st = c.claimedState(today(now))
	}
	return c.result(st, reasonOf(st), now)
}
