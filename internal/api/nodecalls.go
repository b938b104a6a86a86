package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/nodecall"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The calls peer nodes make to this node, signed and authenticated by internal/nodecall, under
// /api/v1/federation/calls/; and the officials' side of fetching a licence from a peer under
// the holder's grant.

// CallsPrefix is where the node-to-node calls are served.
const CallsPrefix = "/api/v1/federation/calls/"

// PathLicenceFetch is the call of a peer node fetching a licence of this node under a holder's
// grant to one of its organisations; LicenceFetchCall its body, license.Fetched its answer.
const PathLicenceFetch = CallsPrefix + "licence-fetch"

// LicenceFetchCall is what a peer node sends to fetch a licence: the licence, its organisation
// the grant names (credit code), its official (as it names them) and the stated reason.
type LicenceFetchCall struct {
	LicenceID  string `json:"licence_id"`
	CreditCode string `json:"credit_code"`
	Actor      string `json:"actor"`
	Reason     string `json:"reason"`
}

// PeerFetch fetches licence licenceID from peer node for official p with the stated reason and
// verifies it at this node (internal/app): A's answer, and this node's verification of its
// credential (a zero VerifyResult when A gave none: the licence is not valid there).
type PeerFetch func(ctx context.Context, p principal.Principal, node, licenceID, reason string) (license.Fetched, license.VerifyResult, error)

// maxCallBody bounds a node call's body.
const maxCallBody = nodecall.MaxBody

func init() {
	schemas["NodeLicenceFetched"] = obj(map[string]any{
		"licence": ref("LicenceShown"), "state": str("the licence's state at its issuing node"),
		"credential":  str("the signed credential; absent unless the licence is valid"),
		"disclosures": arr(str("disclosures of the hidden claims, checked against the credential's digests")),
		"grant_id":    str("the holder's grant it was fetched under"), "fetched_at": str("RFC 3339"),
	}, "licence", "state", "grant_id", "fetched_at")
}

// nodeCall registers a call of peer nodes: h gets the authenticated caller's node code and the
// body; the server answers signed. The call authenticates itself (no session or token).
func (a *API) nodeCall(srv *httpserver.Server, op operation, h nodecall.Func) {
	op.Method, op.Tag = http.MethodPost, "federation"
	op.Summary += ". A signed call of an approved peer node (headers Yiwang-From, -To, -Key, -Date, -Nonce, " +
		"-Signature); the answer is signed by this node's key, 401 for a call that does not authenticate"
	handler := a.cfg.NodeCalls.Handler(h)
	a.route(srv, op, func(w http.ResponseWriter, r *http.Request) error {
		handler.ServeHTTP(w, r)
		return nil
	}, httpserver.OwnAuthentication(), httpserver.MaxBody(maxCallBody))
}

// decodeCall reads a call's JSON body strictly into v.
func decodeCall(body []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errs.Wrapf(errs.Invalid, err, "api.error.bad_json", 0)
	}
	if dec.More() {
		return errs.E(errs.Invalid, "api.error.trailing_data")
	}
	return nil
}

func (a *API) installNodeCalls(srv *httpserver.Server) {
	if a.cfg.NodeCalls != nil && a.cfg.Licenses != nil {
		lic := a.cfg.Licenses
		a.nodeCall(srv, operation{Path: PathLicenceFetch, ID: "callLicenceFetch",
			Summary: "A peer node fetches a licence for one of its organisations under the holder's active grant to it, with " +
				"the stated reason, recorded as a use the holder sees; 403 without a grant",
			Body: obj(map[string]any{"licence_id": str("the licence's identifier"),
				"credit_code": str("the fetching organisation's credit code, as the grant names it"),
				"actor":       str("the peer's official"), "reason": str("the stated reason, required")},
				"licence_id", "credit_code", "actor", "reason"),
			Response: ref("NodeLicenceFetched")},
			func(ctx context.Context, caller string, body []byte) (any, error) {
				var in LicenceFetchCall
				if err := decodeCall(body, &in); err != nil {
					return nil, err
				}
				return lic.FetchForPeer(ctx, caller, in.CreditCode, in.Actor, in.LicenceID, in.Reason)
			})
	}
	if a.cfg.PeerFetch != nil {
		a.route(srv, operation{Method: "POST", Path: "/api/v1/work/federation/licence-fetch", ID: "fetchPeerLicence",
			Tag: "federation", Auth: true,
			Summary: "An official fetches a licence from a peer node under its holder's grant to the official's organisation, " +
				"with a stated reason (logged here and there); the credential is verified here against the peer's trust list. " +
				"403 when the peer finds no grant; 404 for a node that is not an approved peer; 503 when it cannot be reached",
			Body: obj(map[string]any{"node": str("the peer node's province code, e.g. 330000"),
				"licence_id": str("the licence's identifier"), "reason": str("why, required")}, "node", "licence_id", "reason"),
			Response: obj(map[string]any{"node": str(""), "fetched": ref("NodeLicenceFetched"),
				"verification": ref("LicenceVerification")}, "node", "fetched")},
			a.fetchPeerLicence, httpserver.MaxBody(maxFederationBody))
	}
}

func (a *API) fetchPeerLicence(w http.ResponseWriter, r *http.Request) error {
	p, err := authenticated(r)
	if err != nil {
		return err
	}
	var in struct {
		Node      string `json:"node"`
		LicenceID string `json:"licence_id"`
		Reason    string `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	ctx := nodecall.WithLanguage(r.Context(), i18n.Negotiate(r))
	f, v, err := a.cfg.PeerFetch(ctx, p, in.Node, in.LicenceID, in.Reason)
	if err != nil {
		return err
	}
	out := map[string]any{"node": strings.TrimSpace(in.Node), "fetched": f}
	if v.State != "" {
		out["verification"] = v
	}
	return writeJSON(w, http.StatusOK, out)
}
