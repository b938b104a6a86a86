package app

import (
	"context"
	"errors"
	"net/http"

	"github.com/yiwang-platform/yiwang/internal/api"
	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/nodecall"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Cross-province case transfer (跨省通辦) between nodes, over the signed node-to-node calls:
//
//   - A (the sending node): a window's ExportTransfer enqueues case.transferred; the consumer
//     cases.transfer.send rebuilds the Transfer, signs it with the node key (its Signature
//     slot) and calls POST api.PathCaseTransfer at the node the case went to. A failure is
//     retried by the dispatcher; a refusal (the node cannot take the case) brings the case back
//     (cases.TransferRefused).
//   - B (the receiving node): the call, authenticated as A, checks the transfer's signature under
//     A's node key and gives it to cases.ImportTransfer. Every new status of the case enqueues
//     case.transfer_status; the consumer cases.transfer.report signs each report and calls POST
//     api.PathCaseStatus at A, in order.
//   - A: the call, authenticated as B, checks the report names B and is signed by B's node
//     key, and gives it to cases.ApplyTransferStatus (which checks the case went to B).
//
// Each side keeps the other's signature: B with the case (its origin), A on the timeline.

// transfers is the API's Transfers over the case service and the peers' node keys.
type transfers struct{ a *App }

func (t transfers) Receive(ctx context.Context, caller string, tr cases.Transfer) (cases.Case, error) {
	if err := t.a.checkNodeSignature(ctx, caller, tr.SigningBytes(), tr.Signature); err != nil {
		return cases.Case{}, err
	}
	return t.a.Cases.ImportTransfer(ctx, caller, tr)
}

func (t transfers) Report(ctx context.Context, caller string, ts cases.TransferStatus) error {
	if ts.Node != caller {
		return errs.E(errs.Forbidden, "cases.error.transfer_node")
	}
	if err := t.a.checkNodeSignature(ctx, caller, ts.SigningBytes(), ts.Signature); err != nil {
		return err
	}
	return t.a.Cases.ApplyTransferStatus(ctx, ts)
}

// checkNodeSignature verifies sig over msg under a node key of peer node's current trust list:
// errs.Invalid (field signature) when it is missing or does not verify.
func (a *App) checkNodeSignature(ctx context.Context, node string, msg, sig []byte) error {
	if len(sig) == 0 {
		return errs.Field("signature", "transfer.error.unsigned")
	}
	fed := a.Federation()
	if fed == nil {
		return errs.E(errs.Unavailable, "error.unavailable")
	}
	l, err := fed.PeerList(principal.With(ctx, principal.SystemPrincipal), node)
	if err != nil {
		return err
	}
	for _, k := range l.Keys {
		if k.Owner != node {
			continue // an organisation's key never speaks for the node
		}
		pub, err := k.Public()
		if err != nil {
			continue
		}
		if credential.VerifyBytes(pub, k.Alg, msg, sig) {
			return nil
		}
	}
	return errs.Field("signature", "transfer.error.signature", node)
}

// signAsNode signs msg with this node's key.
func (a *App) signAsNode(ctx context.Context, msg []byte) ([]byte, error) {
	id, err := a.nodeIdentity(ctx)
	if err != nil {
		return nil, err
	}
	return credential.SignBytes(id.Signer, id.Alg, msg)
}

// newTransfers lets the node-call server take a transfer's materials, and registers the
// consumers that carry transfers and their reports (after newNodeCalls).
func (a *App) newTransfers() {
	a.NodeCallServer.MaxBody = api.MaxTransferBody
	d := a.Dispatcher
	d.Subscribe("cases.transfer.send", cases.TopicTransferred, a.sendTransfer)
	// In order: a later status must not be overtaken by an earlier one's retry.
	d.Subscribe("cases.transfer.report", cases.TopicTransferStatus, a.sendTransferStatus, events.Ordered())
}

// sendTransfer sends a transferred case to the node it went to.
func (a *App) sendTransfer(ctx context.Context, e events.Event) error {
	var pl cases.EventPayload
	if err := e.Decode(&pl); err != nil {
		return events.Permanent(err)
	}
	ctx = principal.With(ctx, principal.SystemPrincipal)
	t, err := a.Cases.Transfer(ctx, principal.SystemPrincipal, pl.CaseID)
	if err != nil {
		return err
	}
	if t.Signature, err = a.signAsNode(ctx, t.SigningBytes()); err != nil {
		return err
	}
	var receipt api.TransferReceipt
	err = a.NodeCalls.Call(ctx, pl.TransferredTo, api.PathCaseTransfer, t, &receipt)
	if ae := refusal(err); ae != nil {
		// The node cannot take the case: it comes back here rather than wait for nothing.
		a.logger.WarnContext(ctx, "case transfer refused", "case", t.CaseNumber, "node", pl.TransferredTo, "err", err)
		return a.Cases.TransferRefused(ctx, pl.CaseID, pl.TransferredTo, ae.Message)
	}
	if err != nil {
		return err
	}
	a.logger.InfoContext(ctx, "case transferred", "case", t.CaseNumber, "node", pl.TransferredTo, "number", receipt.Number)
	return nil
}

// sendTransferStatus reports a received case's new status to the node it came from.
func (a *App) sendTransferStatus(ctx context.Context, e events.Event) error {
	var rep cases.StatusReport
	if err := e.Decode(&rep); err != nil {
		return events.Permanent(err)
	}
	ctx = principal.With(ctx, principal.SystemPrincipal)
	ts := rep.Status
	var err error
	if ts.Signature, err = a.signAsNode(ctx, ts.SigningBytes()); err != nil {
		return err
	}
	err = a.NodeCalls.Call(ctx, rep.To, api.PathCaseStatus, ts, nil)
	if refusal(err) != nil {
		return events.Permanent(err)
	}
	return err
}

// refusal returns the peer's answer when a call failed because the peer refused the request
// itself, which retrying cannot change: a 4xx but for 401, 408 and 429 (this node not yet
// approved there, or the peer busy). Anything else — unreachable, unsigned, 5xx — is worth
// retrying.
func refusal(err error) *nodecall.AnswerError {
	var ae *nodecall.AnswerError
	if errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && ae.Status != http.StatusUnauthorized &&
		ae.Status != http.StatusRequestTimeout && ae.Status != http.StatusTooManyRequests {
		return ae
	}
	return nil
}
