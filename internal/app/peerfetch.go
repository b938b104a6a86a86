package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/api"
	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/nodecall"
	"github.com/yiwang-platform/yiwang/internal/plaintext"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// maxLicenceID bounds a licence identifier asked of a peer.
const maxLicenceID = 100

// FetchFromPeer fetches licence licenceID from the approved peer node for official p's
// organisation, with the stated reason, under the holder's grant to that organisation at the
// peer (license.Service.FetchForPeer there): it sends the organisation's credit code, p's login
// as the actor and the reason in a signed node call, verifies the credential it gets with this
// node's licence service (trusting the peer's imported list), checks the disclosures against
// the credential and shows the values the credential signed. Every fetch that reaches the peer
// is audited here — who, which node, the licence, the outcome, and the reason (as a digest: it
// may name people) — whatever the peer answers.
//
// Errors: errs.Forbidden for anyone but officials of an organisation with a credit code, and
// when the peer finds no grant; errs.Invalid naming node, licence_id or reason; errs.NotFound
// for a node that is not an approved peer; errs.Unavailable when the peer cannot be reached or
// its answer is not signed by it or does not match its credential.
func (a *App) FetchFromPeer(ctx context.Context, p principal.Principal, node, licenceID, reason string) (
	_ license.Fetched, _ license.VerifyResult, err error) {
	defer errs.Wrap(&err, "app.FetchFromPeer(%s)", node)
	if p.Kind != principal.Official || p.OrgCode == "" {
		return license.Fetched{}, license.VerifyResult{}, errs.E(errs.Forbidden, "license.peer.error.officials_only")
	}
	credit := catalog.OrgCreditCode(p.OrgCode)
	if idcode.ValidateCreditCode(credit) != nil {
		return license.Fetched{}, license.VerifyResult{}, errs.E(errs.Forbidden, "license.peer.error.officials_only")
	}
	node = strings.TrimSpace(node)
	if len(node) != 6 || idcode.ValidateRegionCode(node) != nil || !strings.HasSuffix(node, "0000") {
		return license.Fetched{}, license.VerifyResult{}, errs.Field("node", "license.peer.error.node")
	}
	licenceID = strings.TrimSpace(licenceID)
	if licenceID == "" || len(licenceID) > maxLicenceID {
		return license.Fetched{}, license.VerifyResult{}, errs.Field("licence_id", "license.peer.error.licence_id")
	}
	if err := plaintext.Line(&reason, "reason", license.MaxFetchReason, true); err != nil {
		return license.Fetched{}, license.VerifyResult{}, err
	}
	var got license.Fetched
	callErr := a.NodeCalls.Call(ctx, node, api.PathLicenceFetch, api.LicenceFetchCall{LicenceID: licenceID,
		CreditCode: credit, Actor: p.Login, Reason: reason}, &got)
	if errs.Is(callErr, errs.NotFound) && !answered(callErr) {
		return license.Fetched{}, license.VerifyResult{}, callErr // not a peer: nothing was sent
	}
	var res license.VerifyResult
	if callErr == nil {
		res, callErr = a.checkFetched(ctx, node, licenceID, &got)
	}
	outcome := "fetched"
	if callErr != nil {
		outcome = string(errs.KindOf(callErr))
	}
	err = a.DB.Transact(ctx, func(tx *store.Tx) error {
		return audit.Record(principal.With(ctx, p), tx, audit.Change{Action: "license.peer_fetch", ObjectType: "licence",
			ObjectID: licenceID, After: map[string]string{"reason": reason, "node": node, "actor": p.Login},
			Detail: map[string]any{"node": node, "org": p.OrgCode, "outcome": outcome, "state": string(got.State),
				"grant": got.GrantID, "verified": string(res.State)}})
	})
	if callErr != nil {
		return license.Fetched{}, license.VerifyResult{}, callErr
	}
	if err != nil {
		return license.Fetched{}, license.VerifyResult{}, err
	}
	return got, res, nil
}

// answered reports whether err carries a peer's signed answer.
func answered(err error) bool {
	var ae *nodecall.AnswerError
	return errors.As(err, &ae)
}

// checkFetched verifies what peer node answered for licenceID: the credential (when the licence
// is valid there) with this node's licence service, for that very licence of that node, and
// the disclosures against it; f's disclosed values become the ones the credential signed.
func (a *App) checkFetched(ctx context.Context, node, licenceID string, f *license.Fetched) (license.VerifyResult, error) {
	mismatch := func(detail error) error {
		return errs.Wrapf(errs.Unavailable, detail, "license.peer.error.mismatch", node)
	}
	if f.Licence.ID != licenceID {
		return license.VerifyResult{}, mismatch(fmt.Errorf("answered licence %q", f.Licence.ID))
	}
	if f.Credential == "" {
		// Not valid there: its state and public metadata only, nothing to verify.
		f.Licence.Disclosed = nil
		return license.VerifyResult{}, nil
	}
	claims, err := credential.ParseCredential(f.Credential)
	if err != nil {
		return license.VerifyResult{}, mismatch(err)
	}
	if claims.Subject != licenceID || !strings.HasPrefix(claims.Issuer, node+"/") {
		return license.VerifyResult{}, mismatch(fmt.Errorf("credential of %q by %q", claims.Subject, claims.Issuer))
	}
	res, err := a.Licenses.Verify(ctx, f.Credential)
	if err != nil {
		return license.VerifyResult{}, err
	}
	disclosed, err := credential.Disclose(claims, f.Disclosures)
	if err != nil {
		return license.VerifyResult{}, mismatch(err)
	}
	f.Licence.Disclosed = disclosed
	return res, nil
}
