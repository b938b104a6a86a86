package api

import (
	"context"
	"maps"
	"net/http"
	"slices"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/federation"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
)

func init() {
	status := map[string]any{"type": "string", "enum": []string{string(federation.PeerPending), string(federation.PeerApproved),
		string(federation.PeerSuspended)}}
	schemas["FederationPeer"] = obj(map[string]any{
		"code": str("the peer's GB/T 2260 province code"), "name": str(""), "endpoint": str("its base URL"),
		"alg": str("SM2 or ES256"), "public_key": str("the pinned node key, base64 of the DER SubjectPublicKeyInfo"),
		"pem":         str("the pinned node key as a PEM PUBLIC KEY block"),
		"fingerprint": str("lower-case hex SHA-256 of the pinned key"), "status": status,
		"registered_by": str(""), "registered_at": str("RFC 3339"), "approved_by": str(""), "approved_at": str("RFC 3339"),
		"suspended_by": str(""), "suspended_at": str("RFC 3339"), "suspend_reason": str(""),
		"version": integer("the latest list imported, 0 before the first"), "imported_at": str("RFC 3339"),
	}, "code", "name", "endpoint", "fingerprint", "status", "version")
	schemas["FederationListVersion"] = obj(map[string]any{"version": integer(""),
		"digest": str("sha256:<hex> of the document as received"), "issued_at": str("RFC 3339"), "next_update": str("RFC 3339"),
		"fetched_at": str("RFC 3339"), "fetched_by": str(""), "ledger_index": integer("its ledger entry")})
	schemas["FederationSnapshot"] = obj(map[string]any{"peer": str("the peer's province code"),
		"digest": str("sha256:<hex> of the snapshot as received"), "size": integer("bytes"), "fetched_at": str("RFC 3339"),
		"fetched_by": str("")}, "peer", "digest", "size", "fetched_at", "fetched_by")
}

// federationAPI serves this node's trust list and node key, and the digital office's
// management of the peer nodes.
type federationAPI struct {
	svc func() *federation.Service
}

// maxFederationBody bounds a JSON body of the peer routes: a PEM key is the longest input.
const maxFederationBody = 16 << 10

func (a *API) installFederation(srv *httpserver.Server) {
	if a.cfg.Federation == nil {
		return
	}
	h := federationAPI{svc: a.cfg.Federation}
	const tag = "federation"
	code := param{Name: "code", In: "path", Required: true, Description: "the peer's province code", Schema: map[string]any{"type": "string"}}
	peers := "/api/v1/federation/peers"
	a.route(srv, operation{Method: "GET", Path: federation.TrustListPath, ID: "getTrustList", Tag: tag,
		Summary: "This node's current signed trust list (its issuers' keys, node key, licence types, endpoint and status URL), " +
			"as other provinces' nodes fetch it. Public; 404 before the first is published",
		Content: map[string]any{"application/json": map[string]any{"schema": obj(map[string]any{
			"list": str("the trust list's JSON, base64"), "kid": str("the node key"), "alg": str("SM2 or ES256"),
			"sig": str("the signature, base64")})}}}, h.trustList)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/federation/node-key", ID: "getNodeKey", Tag: tag,
		Summary: "The node key that signs this node's trust lists, with the fingerprint a peer's administrator compares out of " +
			"band before approving this node. Public",
		Response: obj(map[string]any{"kid": str("key id"), "alg": str("SM2 or ES256"), "pem": str("PEM PUBLIC KEY block"),
			"fingerprint": str("lower-case hex SHA-256 of the DER SubjectPublicKeyInfo")}, "kid", "alg", "pem", "fingerprint")}, h.nodeKey)
	a.route(srv, operation{Method: "GET", Path: peers, ID: "listFederationPeers", Tag: tag, Auth: true,
		Summary:  "The peer nodes by code, to the digital office's officials (403 to anyone else)",
		Response: arr(ref("FederationPeer"))}, h.list)
	a.route(srv, operation{Method: "POST", Path: peers, ID: "registerFederationPeer", Tag: tag, Auth: true, Status: http.StatusCreated,
		Summary: "Register a peer node, pending: nothing of it is trusted until approved. The digital office's administrators " +
			"only; 409 for a code or key already registered",
		Body: obj(map[string]any{"code": str("its province code, e.g. 330000"), "name": str("its name, e.g. 浙江省"),
			"endpoint":   str("its base URL: https, or http on loopback"),
			"public_key": str("its node key: a PEM PUBLIC KEY block or the base64 DER, SM2 or ECDSA P-256")},
			"code", "name", "endpoint", "public_key"),
		Response: ref("FederationPeer")}, h.register, httpserver.MaxBody(maxFederationBody))
	a.route(srv, operation{Method: "GET", Path: peers + "/{code}", ID: "getFederationPeer", Tag: tag, Auth: true,
		Summary: "A peer node with the versions of its trust list imported, newest first, to the digital office's officials",
		Params:  []param{code},
		Response: obj(map[string]any{"peer": ref("FederationPeer"), "versions": arr(ref("FederationListVersion"))},
			"peer", "versions")}, h.get)
	a.route(srv, operation{Method: "POST", Path: peers + "/{code}/approve", ID: "approveFederationPeer", Tag: tag, Auth: true,
		Summary: "Trust a pending or suspended peer, confirming the fingerprint of its key as compared out of band; the digital " +
			"office's administrators only",
		Params: []param{code}, Body: obj(map[string]any{"fingerprint": str("hex SHA-256; colons, spaces and case do not matter")}, "fingerprint"),
		Response: ref("FederationPeer")}, h.approve, httpserver.MaxBody(maxFederationBody))
	a.route(srv, operation{Method: "POST", Path: peers + "/{code}/suspend", ID: "suspendFederationPeer", Tag: tag, Auth: true,
		Summary: "Stop trusting a peer, with the reason; the digital office's administrators only",
		Params:  []param{code}, Body: obj(map[string]any{"reason": str("why, required")}, "reason"),
		Response: ref("FederationPeer")}, h.suspend, httpserver.MaxBody(maxFederationBody))
	a.route(srv, operation{Method: "POST", Path: peers + "/{code}/fetch", ID: "fetchFederationPeer", Tag: tag, Auth: true,
		Summary: "Fetch an approved peer's current trust list from its endpoint and import it now; the digital office's " +
			"administrators only. 503 when the peer cannot be reached",
		Params: []param{code},
		Response: obj(map[string]any{"peer": str(""), "version": integer(""), "keys": integer(""), "licence_types": integer(""),
			"unchanged":    map[string]any{"type": "boolean", "description": "the version already held"},
			"ledger_index": integer(""), "snapshot": ref("FederationSnapshot")}, "peer", "version")}, h.fetch)
	a.route(srv, operation{Method: "POST", Path: peers + "/{code}/snapshot", ID: "refreshFederationPeerSnapshot", Tag: tag, Auth: true,
		Summary: "Fetch an approved peer's licence status snapshot now from the status URL of its trust list (every five " +
			"minutes anyway); the digital office's administrators only. 503 when the peer cannot be reached: the snapshot " +
			"held is kept",
		Params: []param{code}, Response: ref("FederationSnapshot")}, h.snapshot)
}

// service returns the federation service, errs.Unavailable while the node does not know its
// endpoint.
func (h federationAPI) service() (*federation.Service, error) {
	svc := h.svc()
	if svc == nil {
		return nil, errs.E(errs.Unavailable, "error.unavailable")
	}
	return svc, nil
}

func (h federationAPI) trustList(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.service()
	if err != nil {
		return err
	}
	doc, err := svc.Current(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=60")
	_, err = w.Write(doc)
	return err
}

func (h federationAPI) nodeKey(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.service()
	if err != nil {
		return err
	}
	k, err := svc.NodeKey(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, k)
}

// peerView is a peer as the API shows it, with its pinned key in PEM too.
type peerView struct {
	federation.Peer
	PEM string `json:"pem"`
}

func viewPeer(p federation.Peer) peerView { return peerView{Peer: p, PEM: p.PEM()} }

func (h federationAPI) list(w http.ResponseWriter, r *http.Request) error {
	if _, err := authenticated(r); err != nil {
		return err
	}
	svc, err := h.service()
	if err != nil {
		return err
	}
	list, err := svc.Peers(r.Context())
	if err != nil {
		return err
	}
	out := make([]peerView, len(list))
	for i, p := range list {
		out[i] = viewPeer(p)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h federationAPI) register(w http.ResponseWriter, r *http.Request) error {
	if _, err := authenticated(r); err != nil {
		return err
	}
	svc, err := h.service()
	if err != nil {
		return err
	}
	var in federation.PeerInput
	if err := decode(r, &in); err != nil {
		return err
	}
	p, err := svc.Register(r.Context(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, viewPeer(p))
}

func (h federationAPI) get(w http.ResponseWriter, r *http.Request) error {
	if _, err := authenticated(r); err != nil {
		return err
	}
	svc, err := h.service()
	if err != nil {
		return err
	}
	p, err := svc.Peer(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	versions, err := svc.Versions(r.Context(), p.Code)
	if err != nil {
		return err
	}
	if versions == nil {
		versions = []federation.ListVersion{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"peer": viewPeer(p), "versions": versions})
}

func (h federationAPI) approve(w http.ResponseWriter, r *http.Request) error {
	return h.peerStep(w, r, "fingerprint", (*federation.Service).Approve)
}

func (h federationAPI) suspend(w http.ResponseWriter, r *http.Request) error {
	return h.peerStep(w, r, "reason", (*federation.Service).Suspend)
}

// peerStep reads the one text field a step on a peer takes (the fingerprint compared, the
// reason given), takes the step and answers with the peer.
func (h federationAPI) peerStep(w http.ResponseWriter, r *http.Request, field string,
	step func(*federation.Service, context.Context, string, string) (federation.Peer, error)) error {
	if _, err := authenticated(r); err != nil {
		return err
	}
	svc, err := h.service()
	if err != nil {
		return err
	}
	var in map[string]string
	if err := decode(r, &in); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(in)) {
		if k != field {
			return errs.Field(k, "api.error.unknown_field", k)
		}
	}
	p, err := step(svc, r.Context(), r.PathValue("code"), in[field])
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewPeer(p))
}

func (h federationAPI) fetch(w http.ResponseWriter, r *http.Request) error {
	if _, err := authenticated(r); err != nil {
		return err
	}
	svc, err := h.service()
	if err != nil {
		return err
	}
	res, err := svc.Fetch(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

func (h federationAPI) snapshot(w http.ResponseWriter, r *http.Request) error {
	if _, err := authenticated(r); err != nil {
		return err
	}
	svc, err := h.service()
	if err != nil {
		return err
	}
	res, err := svc.RefreshSnapshot(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}
