package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/federation"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The digital office's administration of federation (/admin/federation): this node's key and
// trust list as a peer's administrator pins them, the peer nodes with their lists and status
// snapshots, and the steps on a peer — register it with its key, approve it by typing the key's
// fingerprint compared out of band, suspend it with a reason, fetch its list or its snapshot
// now. The federation service decides who may and what is valid; these pages refuse early
// whoever has no business here and put its answers beside the fields.

// federationPageNames are the federation pages' templates.
var federationPageNames = []string{"federation/admin"}

func (s *Site) installFederation(srv *httpserver.Server) {
	if s.cfg.Federation == nil {
		return
	}
	srv.Handle("GET /admin/federation", s.federationAdmin)
	srv.Handle("POST /admin/federation/peers", s.federationRegister)
	srv.Handle("POST /admin/federation/peers/{code}/approve", s.federationApprove)
	srv.Handle("POST /admin/federation/peers/{code}/suspend", s.federationSuspend)
	srv.Handle("POST /admin/federation/peers/{code}/fetch", s.federationFetch)
	srv.Handle("POST /admin/federation/peers/{code}/snapshot", s.federationSnapshot)
}

// mayAdministerFederation reports whether p manages the peers: a signed-in administrator of the
// digital office, as federation.MayManage requires of people.
func mayAdministerFederation(p principal.Principal) bool {
	return p.AccountID != 0 && p.Kind == principal.Official && federation.MayManage(p)
}

func requireFederationAdministrator(p principal.Principal) error {
	if err := requireSignedIn(p); err != nil {
		return err
	}
	if !mayAdministerFederation(p) {
		return errs.E(errs.Forbidden, "federation_admin.forbidden")
	}
	return nil
}

// federationNav offers the page to those who may use it, when the node federates.
func (s *Site) federationNav(p principal.Principal) []struct{ href, key string } {
	if s.cfg.Federation == nil || !mayAdministerFederation(p) {
		return nil
	}
	return []struct{ href, key string }{{"/admin/federation", "nav.federation_admin"}}
}

// federationService returns the federation service, errs.Unavailable while the node does not
// know its endpoint.
func (s *Site) federationService() (*federation.Service, error) {
	if svc := s.cfg.Federation(); svc != nil {
		return svc, nil
	}
	return nil, errs.E(errs.Unavailable, "federation_admin.unavailable")
}

// peerFields are the registration form's fields, named as federation.Register names them.
var peerFields = []string{"code", "name", "endpoint", "public_key"}

type federationAdminPage struct {
	basePage
	Node, NodeName string
	Key            federation.NodeKey
	// KeyFingerprint is Key's fingerprint in groups of four, as people read it out.
	KeyFingerprint string
	// List is the current trust list published, nil before the first.
	List  *federation.Published
	Peers []peerRow
	F     form
	Saved string
	// A step refused on one peer (RowCode): the message, and the field it is about.
	RowCode, RowField, RowError string
	// RowValue is what was typed into RowField, kept.
	RowValue string
}

type peerRow struct {
	federation.Peer
	StatusLabel string
	// Fingerprint in groups of four.
	GroupedFingerprint string
	// SnapshotAt is when its status snapshot held was fetched (zero: none), and by whom.
	SnapshotAt time.Time
	SnapshotBy string
}

// CanApprove, CanSuspend and CanFetch say which steps the peer's status allows.
func (r peerRow) CanApprove() bool { return r.Status != federation.PeerApproved }
func (r peerRow) CanSuspend() bool { return r.Status != federation.PeerSuspended }
func (r peerRow) CanFetch() bool   { return r.Status == federation.PeerApproved }

// savedPeerKeys are the notices of the steps taken (?saved=), by step.
var savedPeerKeys = map[string]string{"registered": "federation_admin.saved_registered", "approved": "federation_admin.saved_approved",
	"suspended": "federation_admin.saved_suspended", "fetched": "federation_admin.saved_fetched",
	"snapshot": "federation_admin.saved_snapshot"}

// federationStep is a refused step on one peer, to show on its row.
type federationStep struct {
	code, field, value string
	err                error
}

// renderFederation renders the page with status, the registration form f, and a refused step.
func (s *Site) renderFederation(w http.ResponseWriter, r *http.Request, status int, f form, step *federationStep) error {
	svc, err := s.federationService()
	if err != nil {
		return err
	}
	ctx := r.Context()
	b := s.newBase(w, r, "federation_admin.title")
	p := federationAdminPage{basePage: b, Node: svc.Node(), F: f}
	p.NodeName = p.Node
	if n, ok := idcode.RegionName(p.Node, string(b.Lang)); ok {
		p.NodeName = n
	}
	if p.Key, err = svc.NodeKey(ctx); err != nil {
		return err
	}
	p.KeyFingerprint = federation.GroupFingerprint(p.Key.Fingerprint)
	versions, err := svc.PublishedVersions(ctx, 1)
	if err != nil {
		return err
	}
	if len(versions) > 0 {
		p.List = &versions[0]
	}
	peers, err := svc.Peers(ctx)
	if err != nil {
		return err
	}
	snaps, err := svc.Snapshots(ctx)
	if err != nil {
		return err
	}
	byPeer := map[string]federation.SnapshotInfo{}
	for _, sn := range snaps {
		byPeer[sn.Peer] = sn
	}
	for _, peer := range peers {
		row := peerRow{Peer: peer, StatusLabel: b.T(msgKey("federation.status.", string(peer.Status))),
			GroupedFingerprint: federation.GroupFingerprint(peer.Fingerprint)}
		if sn, ok := byPeer[peer.Code]; ok {
			row.SnapshotAt, row.SnapshotBy = sn.FetchedAt, sn.FetchedBy
		}
		p.Peers = append(p.Peers, row)
	}
	if key, ok := savedPeerKeys[r.URL.Query().Get("saved")]; ok {
		for _, peer := range peers {
			if peer.Code == r.URL.Query().Get("peer") {
				args := []any{peer.Name}
				if key == "federation_admin.saved_fetched" {
					args = append(args, peer.Version)
				}
				p.Saved = b.T(key, args...)
			}
		}
	}
	if step != nil {
		pe := errs.Public(step.err)
		p.RowCode, p.RowError = step.code, httpserver.Translate(b.Lang, pe)
		if pe.Field == step.field {
			p.RowField, p.RowValue = step.field, step.value
		}
	}
	return s.render(w, status, "federation/admin", p)
}

func (s *Site) federationAdmin(w http.ResponseWriter, r *http.Request) error {
	if err := requireFederationAdministrator(principal.From(r.Context())); err != nil {
		return err
	}
	return s.renderFederation(w, r, http.StatusOK, newForm(r), nil)
}

// federationBack is where a step returns: the page, saying what was done to which peer.
func federationBack(saved, code string) string {
	return "/admin/federation?saved=" + saved + "&peer=" + url.QueryEscape(code) + "#peer-" + url.PathEscape(code)
}

func (s *Site) federationRegister(w http.ResponseWriter, r *http.Request) error {
	if err := requireFederationAdministrator(principal.From(r.Context())); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	svc, err := s.federationService()
	if err != nil {
		return err
	}
	peer, err := svc.Register(r.Context(), federation.PeerInput{Code: r.PostFormValue("code"), Name: r.PostFormValue("name"),
		Endpoint: r.PostFormValue("endpoint"), PublicKey: r.PostFormValue("public_key")})
	if err != nil {
		status, ok := formStatus(err)
		if !ok {
			return err
		}
		f := newForm(r, peerFields...)
		f.fail(i18n.Negotiate(r), onPeerField(err), nil)
		return s.renderFederation(w, r, status, f, nil)
	}
	seeOther(w, r, federationBack("registered", peer.Code))
	return nil
}

// peerConflictFields names the registration field a conflict is about: the federation service
// reports them without one.
var peerConflictFields = map[string]string{"federation.error.peer_exists": "code", "federation.error.key_pinned": "public_key"}

// onPeerField puts a registration's conflict on the field it is about.
func onPeerField(err error) error {
	pe := errs.Public(err)
	if field, ok := peerConflictFields[pe.Message]; ok && pe.Field == "" {
		return errs.Field(field, pe.Message, pe.Args...)
	}
	return err
}

// peerStep takes a step on the peer of the path with the one field it reads (field, "" for
// none) and returns to the page saying so, or shows why it was refused on the peer's row.
func (s *Site) peerStep(w http.ResponseWriter, r *http.Request, field, saved string,
	step func(svc *federation.Service, code, value string) error) error {
	if err := requireFederationAdministrator(principal.From(r.Context())); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	svc, err := s.federationService()
	if err != nil {
		return err
	}
	code := r.PathValue("code")
	if _, err := svc.Peer(r.Context(), code); err != nil {
		return err
	}
	value := ""
	if field != "" {
		value = r.PostFormValue(field)
	}
	if err := step(svc, code, value); err != nil {
		// Bad input, a step the peer's status does not allow, and a peer that cannot be reached
		// or sends what cannot be taken are said on its row.
		status, ok := formStatus(err, errs.Unavailable, errs.TooLarge)
		if !ok {
			return err
		}
		return s.renderFederation(w, r, status, newForm(r), &federationStep{code: code, field: field, value: value, err: err})
	}
	seeOther(w, r, federationBack(saved, code))
	return nil
}

func (s *Site) federationApprove(w http.ResponseWriter, r *http.Request) error {
	return s.peerStep(w, r, "fingerprint", "approved", func(svc *federation.Service, code, fp string) error {
		if strings.TrimSpace(fp) == "" {
			return errs.Field("fingerprint", "federation_admin.error.fingerprint_required")
		}
		_, err := svc.Approve(r.Context(), code, fp)
		return err
	})
}

func (s *Site) federationSuspend(w http.ResponseWriter, r *http.Request) error {
	return s.peerStep(w, r, "reason", "suspended", func(svc *federation.Service, code, reason string) error {
		_, err := svc.Suspend(r.Context(), code, reason)
		return err
	})
}

func (s *Site) federationFetch(w http.ResponseWriter, r *http.Request) error {
	return s.peerStep(w, r, "", "fetched", func(svc *federation.Service, code, _ string) error {
		_, err := svc.Fetch(r.Context(), code)
		return err
	})
}

func (s *Site) federationSnapshot(w http.ResponseWriter, r *http.Request) error {
	return s.peerStep(w, r, "", "snapshot", func(svc *federation.Service, code, _ string) error {
		_, err := svc.RefreshSnapshot(r.Context(), code)
		return err
	})
}
