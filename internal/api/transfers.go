package api

import (
	"context"
	"net/http"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
)

// The calls that carry cases between provinces' nodes (跨省通辦): a transfer from the sending
// node, and the receiving node's reports back. Both are node calls (nodecalls.go).

// Paths of the transfer calls.
const (
	PathCaseTransfer = CallsPrefix + "case-transfer"
	PathCaseStatus   = CallsPrefix + "case-status"
)

// MaxTransferBody bounds a transfer call's body: the case with its materials' content (base64),
// a few files of at most blob.MaxSize. The node-call server must allow as much
// (nodecall.Server.MaxBody); every other call keeps its own route's bound.
const MaxTransferBody = 64 << 20

// maxStatusBody bounds a status report.
const maxStatusBody = 64 << 10

// Transfers takes in what peer nodes send about cases transferred between provinces
// (internal/app: it checks the node signatures over the contract's SigningBytes, then calls
// cases.ImportTransfer and cases.ApplyTransferStatus).
type Transfers interface {
	Receive(ctx context.Context, caller string, t cases.Transfer) (cases.Case, error)
	Report(ctx context.Context, caller string, ts cases.TransferStatus) error
}

// TransferReceipt answers a transfer: the case's number and status on the receiving node.
type TransferReceipt struct {
	Number string       `json:"number"`
	Status cases.Status `json:"status"`
}

func init() {
	schemas["CaseTransfer"] = obj(map[string]any{
		"version": integer("the contract's version, 1"), "sending_node": str("the caller, e.g. 350000"),
		"case_number": str("the case's number on the sending node"), "item_code": str("the item, as both catalogues name it"),
		"item_version": integer("its version on the sending node"), "handling_org": str("the competent organisation here"),
		"receiving_org": str("the window there that collected it"), "channel": str("online, window or kiosk"),
		"applicant": obj(map[string]any{"kind": str("person or enterprise"), "id_type": str(""), "id_number": str(""),
			"name": str(""), "credit_code": str(""), "enterprise_name": str("")}, "kind", "id_type", "id_number", "name"),
		"form": map[string]any{"type": "object"},
		"materials": arr(obj(map[string]any{"code": str(""), "status": str("provided or to_fetch"), "file_name": str(""),
			"format": str(""), "sha256": str("hex SHA-256 of the content"), "content": str("base64")}, "code", "status")),
		"submitted_at": str("RFC 3339"), "transferred_at": str("RFC 3339"),
		"signature": str("base64 of the sending node key's signature over the transfer without it (cases.Transfer.SigningBytes)"),
	}, "version", "sending_node", "case_number", "item_code", "handling_org", "applicant", "form", "signature")
	schemas["CaseTransferStatus"] = obj(map[string]any{
		"version": integer("1"), "node": str("the caller: the node the case went to"),
		"case_number": str("the case's number on the sending node"), "remote_number": str("its number on the caller"),
		"status": str("its status there"), "outcome": str("approved or denied, once decided"), "at": str("RFC 3339"),
		"note": str("the reasons of a decision or refusal"), "decision_sha256": str("hex SHA-256 of the decision document"),
		"signature": str("base64 of the caller's node key's signature over the report without it"),
	}, "version", "node", "case_number", "remote_number", "status", "at", "signature")
}

// installTransferCalls serves the transfer calls when the platform carries transfers.
func (a *API) installTransferCalls(srv *httpserver.Server) {
	if a.cfg.NodeCalls == nil || a.cfg.Transfers == nil {
		return
	}
	tr := a.cfg.Transfers
	call := func(op operation, max int64, h func(ctx context.Context, caller string, body []byte) (any, error)) {
		op.Method, op.Tag = http.MethodPost, "federation"
		op.Summary += ". A signed call of an approved peer node (headers Yiwang-From, -To, -Key, -Date, -Nonce, " +
			"-Signature); the answer is signed by this node's key, 401 for a call that does not authenticate"
		handler := a.cfg.NodeCalls.Handler(h)
		a.route(srv, op, func(w http.ResponseWriter, r *http.Request) error {
			handler.ServeHTTP(w, r)
			return nil
		}, httpserver.OwnAuthentication(), httpserver.MaxBody(max))
	}
	call(operation{Path: PathCaseTransfer, ID: "callCaseTransfer",
		Summary: "The sending node hands over a case for an item of this province (跨省通辦): the case is made here, " +
			"submitted, for the handling organisation; a transfer sent again answers the same case. 400 naming the field for " +
			"a malformed transfer, a wrong digest or signature; 409 for an item this node cannot take so",
		Body:     ref("CaseTransfer"),
		Response: obj(map[string]any{"number": str("the case's number here"), "status": str("its status here")}, "number", "status")},
		MaxTransferBody, func(ctx context.Context, caller string, body []byte) (any, error) {
			var t cases.Transfer
			if err := decodeCall(body, &t); err != nil {
				return nil, err
			}
			c, err := tr.Receive(ctx, caller, t)
			if err != nil {
				return nil, err
			}
			return TransferReceipt{Number: c.Number, Status: c.Status}, nil
		})
	call(operation{Path: PathCaseStatus, ID: "callCaseStatus",
		Summary: "The node a case was transferred to reports its number and status there, signed; a final status closes " +
			"the case here. 403 for a case that did not go to the caller, 404 for an unknown case",
		Body: ref("CaseTransferStatus"), Response: obj(map[string]any{})},
		maxStatusBody, func(ctx context.Context, caller string, body []byte) (any, error) {
			var ts cases.TransferStatus
			if err := decodeCall(body, &ts); err != nil {
				return nil, err
			}
			if err := tr.Report(ctx, caller, ts); err != nil {
				return nil, err
			}
			return struct{}{}, nil
		})
}
