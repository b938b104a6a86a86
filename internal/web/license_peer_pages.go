package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/nodecall"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Fetching a licence from another province's node (跨省调取): an official names the node, the
// licence identifier the holder gave with the grant, and the reason (required); this node asks
// the peer in a signed call for the official's organisation, verifies the credential it gets
// against the peer's trust list, and shows the licence's data with the verification
// (/work/licenses/peer-fetch). The peer decides whether a grant allows it and records the use;
// this node audits the fetch (Config.PeerFetch).

// PeerFetch fetches licence licenceID from peer node for official p with the stated reason and
// verifies it here (internal/app's App.FetchFromPeer): the peer's answer, and this node's
// verification of its credential (zero when the peer gave none: the licence is not valid there).
type PeerFetch func(ctx context.Context, p principal.Principal, node, licenceID, reason string) (license.Fetched, license.VerifyResult, error)

func init() {
	licensePageNames = append(licensePageNames, "license/peer_fetch")
}

// peerFetchPath is the page.
const peerFetchPath = "/work/licenses/peer-fetch"

// installLicensePeerFetch registers the page (from installLicenseWork) when the node fetches
// from peers.
func (s *Site) installLicensePeerFetch(srv *httpserver.Server) {
	if s.cfg.PeerFetch == nil {
		return
	}
	srv.Handle("GET "+peerFetchPath, s.peerFetchForm)
	srv.Handle("POST "+peerFetchPath, s.peerFetch, httpserver.MaxBody(grantFormBytes))
}

type peerFetchPage struct {
	basePage
	// Nodes are the approved peer nodes to choose from; with none the node is typed.
	Nodes []choice
	F     form
	// Fetched is what the peer answered; Verified this node's verification of it (nil when
	// there was no credential to verify).
	Fetched  *fetchedView
	Verified *peerVerified
	Node     string
}

// peerVerified is this node's verification of a fetched credential.
type peerVerified struct {
	State, StateLabel, Reason string
}

func (s *Site) peerFetchPage(w http.ResponseWriter, r *http.Request) (peerFetchPage, error) {
	b := s.newBase(w, r, "license.peer.title")
	page := peerFetchPage{basePage: b, F: form{Values: url.Values{}, Errors: map[string]string{}}}
	nodes, err := s.cfg.Licenses.GrantNodes(r.Context())
	if err != nil {
		return peerFetchPage{}, err
	}
	for _, n := range nodes {
		page.Nodes = append(page.Nodes, choice{Value: n.Code, Label: n.Name + " (" + n.Code + ")"})
	}
	return page, nil
}

func (s *Site) peerFetchForm(w http.ResponseWriter, r *http.Request) error {
	if err := requireLicenseOfficial(principal.From(r.Context())); err != nil {
		return err
	}
	page, err := s.peerFetchPage(w, r)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "license/peer_fetch", page)
}

// peerFetch fetches with the form's node, licence and reason; a mistake, a refusal by the peer
// or a peer out of reach comes back on the form, the data and its verification above it.
func (s *Site) peerFetch(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireLicenseOfficial(p); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	page, err := s.peerFetchPage(w, r)
	if err != nil {
		return err
	}
	f := newForm(r, "node", "licence_id", "reason")
	ctx := nodecall.WithLanguage(r.Context(), page.Lang)
	got, res, err := s.cfg.PeerFetch(ctx, p, f.V("node"), f.V("licence_id"), f.V("reason"))
	if err != nil {
		status, ok := formStatus(err, errs.NotFound, errs.Forbidden, errs.Unavailable, errs.TooLarge)
		if !ok {
			return err
		}
		if pe := errs.Public(err); errs.Is(err, errs.NotFound) && pe.Field == "" {
			f.failField(page.Lang, "node", pe.Message, pe.Args...) // not an approved peer
		} else {
			f.fail(page.Lang, err, nil)
		}
		page.F = f
		return s.render(w, status, "license/peer_fetch", page)
	}
	b := page.basePage
	v := &fetchedView{ID: got.Licence.ID, Name: got.Licence.TypeName, Number: got.Licence.Number, Issuer: got.Licence.Issuer,
		Validity: got.Licence.ValidFrom + " – " + validUntil(b, got.Licence.ValidUntil), State: string(got.State),
		StateLabel: b.T("license.state." + string(got.State)), Reason: b.T("license.reason." + string(got.State)),
		Credential: got.Credential, FetchedAt: civil(got.FetchedAt)}
	// The type's field names when this node publishes the type too (national types), else the
	// field keys.
	t, _ := s.cfg.Licenses.Published(r.Context(), got.Licence.TypeCode)
	for _, k := range license.Disclosable(license.Licence{Face: got.Licence.Disclosed}, t) {
		if val, ok := got.Licence.Disclosed[k]; ok {
			v.Disclosed = append(v.Disclosed, labelled{Key: k, Label: claimLabel(b, t, k), Value: val})
		}
	}
	page.Fetched, page.Node = v, f.V("node")
	if res.State != "" {
		page.Verified = &peerVerified{State: string(res.State), StateLabel: b.T("license.state." + string(res.State)),
			Reason: b.T(res.Reason)}
	}
	page.F = f
	page.F.Values.Del("reason") // a new fetch states its own reason
	return s.render(w, http.StatusOK, "license/peer_fetch", page)
}
