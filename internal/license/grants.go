package license

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/plaintext"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Grants (授权调取): a holder authorises a named organisation — of this node, or of an approved
// peer node of another province, named there by its credit code — to fetch one licence for a
// stated purpose during a period. The grantee's officials fetch it with a stated reason; every
// fetch is recorded as a use the holder sees (kind "fetched", with the grant), audited, and told
// to the holder. A fetch without an active grant is errs.Forbidden and says nothing of the
// licence.
//
// What a fetch answers depends on the licence's state at that moment: a valid licence comes
// with its credential and every hidden claim disclosed (the holder's consent covers them); a
// licence that is not valid (suspended, revoked, superseded, expired) comes with its state and
// public metadata only, no credential and no hidden claim, so that the grantee learns it cannot
// rely on it and nothing more of the holder. Either way the fetch is a recorded use.

// Node is another province's node this node federates with.
type Node struct {
	Code, Name string
}

// PeerNodes names the peer nodes licences may be granted to (internal/federation, through an
// adapter in internal/app).
type PeerNodes interface {
	// ApprovedPeers returns the peers approved now, by code; none when there is no federation.
	ApprovedPeers(ctx context.Context) ([]Node, error)
}

// GrantRequest is what a holder authorises.
type GrantRequest struct {
	// GranteeNode is "" for an organisation of this node, else an approved peer node's province
	// code (e.g. "330000").
	GranteeNode string `json:"grantee_node"`
	// GranteeOrg is the organisation: its org code on this node, or for a peer node its unified
	// social credit code (GB 32100).
	GranteeOrg string `json:"grantee_org"`
	// Purpose is the stated purpose, required, at most MaxGrantPurpose characters.
	Purpose string `json:"purpose"`
	// ValidFrom is when the grant starts: now when zero or earlier. ValidUntil is required, after
	// ValidFrom, at most a year ahead and not after the end of the licence's validity.
	ValidFrom  time.Time `json:"valid_from"`
	ValidUntil time.Time `json:"valid_until"`
}

// Grant is a holder's authorisation of an organisation to fetch a licence.
type Grant struct {
	ID          string `json:"id"`
	LicenceID   string `json:"licence_id"`
	GranteeNode string `json:"grantee_node"`
	GranteeOrg  string `json:"grantee_org"`
	// GranteeName names the grantee: a local organisation's name, or a peer's node name and the
	// organisation's credit code.
	GranteeName string     `json:"grantee_name"`
	Purpose     string     `json:"purpose"`
	ValidFrom   time.Time  `json:"valid_from"`
	ValidUntil  time.Time  `json:"valid_until"`
	CreatedAt   time.Time  `json:"created_at"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
	// Active: not revoked and within its period now.
	Active bool `json:"active"`
	// LicenceName, LicenceNumber and HolderName say what was granted, for the grantee's list
	// (GrantedTo); empty elsewhere.
	LicenceName   string `json:"licence_name,omitempty"`
	LicenceNumber string `json:"licence_number,omitempty"`
	HolderName    string `json:"holder_name,omitempty"`
}

// Fetched is what a grantee receives: the licence's credential and all its hidden claims
// disclosed (the holder consented), and the grant it came under. For a licence that is not
// valid, State says why and Licence holds its public metadata only.
type Fetched struct {
	// Licence is the licence as shown, with Disclosed filled (holder name and code, face data).
	Licence    Shown  `json:"licence"`
	State      State  `json:"state"`
	Credential string `json:"credential"`
	// Disclosures are the hidden claims' disclosures, which a grantee checks against the
	// credential's digests (credential.Disclose) once the credential verified.
	Disclosures []string  `json:"disclosures,omitempty"`
	GrantID     string    `json:"grant_id"`
	FetchedAt   time.Time `json:"fetched_at"`
}

// Bounds of grants and fetches.
const (
	// MaxGrantPurpose bounds a grant's purpose and MaxFetchReason a fetch's reason, in characters.
	MaxGrantPurpose = 100
	MaxFetchReason  = 200
	// maxFetchActor bounds the name a peer gives its official.
	maxFetchActor = 100
	// MaxActiveGrants bounds the grants of one licence that are not revoked or ended.
	MaxActiveGrants = 20
	// maxGrantOrg bounds a grantee's code.
	maxGrantOrg = 64
)

// maxGrantEnd is the latest a grant made at now may end: a year ahead.
func maxGrantEnd(now time.Time) time.Time { return now.AddDate(1, 0, 0) }

// KindFetched is the kind of use a fetch records.
const KindFetched = "fetched"

// grantRow is a licence_grants row.
type grantRow struct {
	ID          string     `db:"id"`
	LicenceID   string     `db:"licence_id"`
	AccountID   int64      `db:"account_id"`
	GranteeNode string     `db:"grantee_node"`
	GranteeOrg  string     `db:"grantee_org"`
	Purpose     string     `db:"purpose"`
	ValidFrom   time.Time  `db:"valid_from"`
	ValidUntil  time.Time  `db:"valid_until"`
	CreatedAt   time.Time  `db:"created_at"`
	RevokedAt   *time.Time `db:"revoked_at"`
}

const grantColumns = `id, licence_id, account_id, grantee_node, grantee_org, purpose, valid_from, valid_until, created_at, revoked_at`

func (r grantRow) active(now time.Time) bool {
	return r.RevokedAt == nil && !now.Before(r.ValidFrom) && now.Before(r.ValidUntil)
}

// grant is r as the service shows it, named in the page's words.
func (s *Service) grant(ctx context.Context, r grantRow, now time.Time) Grant {
	return Grant{ID: r.ID, LicenceID: r.LicenceID, GranteeNode: r.GranteeNode, GranteeOrg: r.GranteeOrg,
		GranteeName: s.granteeName(ctx, r.GranteeNode, r.GranteeOrg), Purpose: r.Purpose, ValidFrom: r.ValidFrom,
		ValidUntil: r.ValidUntil, CreatedAt: r.CreatedAt, RevokedAt: r.RevokedAt, Active: r.active(now)}
}

// granteeName names a grantee: a local organisation by its name (its code if the directory no
// longer knows it), a peer's organisation by the node's name and the credit code.
func (s *Service) granteeName(ctx context.Context, node, org string) string {
	if node == "" {
		if o, err := s.cfg.Directory.Organisation(ctx, org); err == nil && o.NameHans != "" {
			return o.NameHans
		}
		return org
	}
	name := ""
	if s.cfg.PeerNodes != nil {
		if peers, err := s.cfg.PeerNodes.ApprovedPeers(ctx); err == nil {
			for _, n := range peers {
				if n.Code == node {
					name = n.Name
				}
			}
		}
	}
	if name == "" {
		name, _ = idcode.RegionName(node, "zh-Hans")
	}
	if name == "" {
		name = node
	}
	return name + " " + org
}

// GrantNodes returns the peer nodes a licence may be granted to now (for the holder's form).
func (s *Service) GrantNodes(ctx context.Context) ([]Node, error) {
	if s.cfg.PeerNodes == nil {
		return []Node{}, nil
	}
	return s.cfg.PeerNodes.ApprovedPeers(ctx)
}

// checkGrantee validates and cleans req's grantee: a local organisation of the directory, or a
// credit code at an approved peer node.
func (s *Service) checkGrantee(ctx context.Context, req *GrantRequest) error {
	req.GranteeNode = strings.TrimSpace(req.GranteeNode)
	req.GranteeOrg = strings.TrimSpace(req.GranteeOrg)
	if req.GranteeNode == s.cfg.Node {
		req.GranteeNode = ""
	}
	if req.GranteeNode == "" {
		if req.GranteeOrg == "" {
			return errs.Field("grantee_org", "license.grant.error.org_required")
		}
		if len(req.GranteeOrg) > maxGrantOrg || !plaintext.Valid(req.GranteeOrg, false) {
			return errs.Field("grantee_org", "license.grant.error.org_unknown")
		}
		_, err := s.cfg.Directory.Organisation(ctx, req.GranteeOrg)
		if errs.Is(err, errs.NotFound) {
			return errs.Field("grantee_org", "license.grant.error.org_unknown")
		}
		return err
	}
	if len(req.GranteeNode) > 6 || idcode.ValidateRegionCode(req.GranteeNode) != nil {
		return errs.Field("grantee_node", "license.grant.error.node_unknown")
	}
	peers, err := s.GrantNodes(ctx)
	if err != nil {
		return err
	}
	known := false
	for _, n := range peers {
		known = known || n.Code == req.GranteeNode
	}
	if !known {
		return errs.Field("grantee_node", "license.grant.error.node_unknown")
	}
	if req.GranteeOrg == "" {
		return errs.Field("grantee_org", "license.grant.error.credit_code_required")
	}
	req.GranteeOrg = strings.ToUpper(idcode.Normalize(req.GranteeOrg))
	if len(req.GranteeOrg) > maxGrantOrg {
		return errs.Field("grantee_org", "license.grant.error.credit_code")
	}
	if err := idcode.ValidateCreditCode(req.GranteeOrg); err != nil {
		return asField(err, "grantee_org")
	}
	return nil
}

// checkPeriod validates and cleans req's period for licence l at now.
func checkPeriod(req *GrantRequest, l Licence, now time.Time) error {
	if req.ValidFrom.IsZero() || req.ValidFrom.Before(now) {
		req.ValidFrom = now
	}
	end := maxGrantEnd(now)
	switch {
	case req.ValidUntil.IsZero():
		return errs.Field("valid_until", "license.grant.error.until_required")
	case req.ValidFrom.After(end):
		return errs.Field("valid_from", "license.grant.error.from_too_late")
	case !req.ValidUntil.After(req.ValidFrom):
		return errs.Field("valid_until", "license.grant.error.until_before_from")
	case req.ValidUntil.After(end):
		return errs.Field("valid_until", "license.grant.error.too_long")
	}
	if l.ValidUntil != "" {
		last, err := time.ParseInLocation(dateLayout, l.ValidUntil, clock.China)
		if err == nil && req.ValidUntil.After(last.AddDate(0, 0, 1)) {
			return errs.Field("valid_until", "license.grant.error.after_licence", l.ValidUntil)
		}
	}
	req.ValidFrom, req.ValidUntil = req.ValidFrom.UTC().Truncate(time.Microsecond), req.ValidUntil.UTC().Truncate(time.Microsecond)
	return nil
}

// holderLicence reads licence id for its holder p: errs.NotFound for anyone else, as if it did
// not exist.
func (s *Service) holderLicence(ctx context.Context, g getter, p principal.Principal, id string) (Licence, error) {
	l, err := loadLicence(ctx, g, id)
	if err != nil {
		return Licence{}, err
	}
	if ok, err := s.holds(ctx, p, l); err != nil {
		return Licence{}, err
	} else if !ok || p.AccountID == 0 {
		return Licence{}, errNotFound()
	}
	return l, nil
}

// Grant authorises an organisation to fetch licence id for req.Purpose during req's period.
// Only the holder may (errs.NotFound for anyone else), only of a valid licence (errs.Conflict),
// with at most MaxActiveGrants grants of the licence in force or to come (errs.Conflict). A bad
// request is errs.Invalid naming its field.
func (s *Service) Grant(ctx context.Context, p principal.Principal, id string, req GrantRequest) (_ Grant, err error) {
	defer errs.Wrap(&err, "license.Grant")
	ctx = principal.With(ctx, p)
	l, err := s.holderLicence(ctx, s.db, p, id)
	if err != nil {
		return Grant{}, err
	}
	if s.StateOf(l) != StateValid {
		return Grant{}, errs.E(errs.Conflict, "license.grant.error.not_valid")
	}
	if err := s.checkGrantee(ctx, &req); err != nil {
		return Grant{}, err
	}
	if err := plaintext.Line(&req.Purpose, "purpose", MaxGrantPurpose, true); err != nil {
		return Grant{}, err
	}
	if err := checkPeriod(&req, l, s.clock.Now()); err != nil {
		return Grant{}, err
	}
	var row grantRow
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM licence_grants WHERE licence_id = ? AND revoked_at IS NULL
			AND valid_until > ?`, l.ID, tx.Now); err != nil {
			return err
		}
		if n >= MaxActiveGrants {
			return errs.E(errs.Conflict, "license.grant.error.too_many", MaxActiveGrants)
		}
		from := req.ValidFrom
		if from.Before(tx.Now) {
			from = tx.Now
		}
		row = grantRow{ID: newID("gr_"), LicenceID: l.ID, AccountID: p.AccountID, GranteeNode: req.GranteeNode,
			GranteeOrg: req.GranteeOrg, Purpose: req.Purpose, ValidFrom: from, ValidUntil: req.ValidUntil, CreatedAt: tx.Now}
		tx.InsertLater("licence_grants", "id, licence_id, account_id, grantee_node, grantee_org, purpose, valid_from, valid_until, created_at",
			row.ID, row.LicenceID, row.AccountID, row.GranteeNode, row.GranteeOrg, row.Purpose, row.ValidFrom, row.ValidUntil, row.CreatedAt)
		return audit.Record(ctx, tx, audit.Change{Action: "license.grant", ObjectType: "licence", ObjectID: l.ID, After: row,
			Detail: map[string]any{"grant": row.ID, "grantee_node": row.GranteeNode, "grantee_org": row.GranteeOrg,
				"valid_until": row.ValidUntil}})
	})
	if err != nil {
		return Grant{}, err
	}
	return s.grant(ctx, row, s.clock.Now()), nil
}

// Grants returns the grants of licence id, newest first, revoked and ended ones included, to
// its holder; errs.NotFound to anyone else.
func (s *Service) Grants(ctx context.Context, p principal.Principal, id string) (_ []Grant, err error) {
	defer errs.Wrap(&err, "license.Grants")
	if _, err := s.holderLicence(ctx, s.db, p, id); err != nil {
		return nil, err
	}
	var rows []grantRow
	if err := s.db.Select(ctx, &rows, `SELECT `+grantColumns+` FROM licence_grants WHERE licence_id = ?
		ORDER BY created_at DESC, id DESC`, id); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	out := make([]Grant, len(rows))
	for i, r := range rows {
		out[i] = s.grant(ctx, r, now)
	}
	return out, nil
}

// errGrantNotFound is the error for a grant that does not exist or is not the principal's.
func errGrantNotFound() error { return errs.E(errs.NotFound, "license.grant.error.not_found") }

// RevokeGrant ends grant id at once. Only the holder of its licence may (errs.NotFound for
// anyone else); a grant revoked before is errs.Conflict and stays as it was.
func (s *Service) RevokeGrant(ctx context.Context, p principal.Principal, id string) (_ Grant, err error) {
	defer errs.Wrap(&err, "license.RevokeGrant")
	ctx = principal.With(ctx, p)
	if len(id) > maxKeyID {
		return Grant{}, errGrantNotFound()
	}
	var row grantRow
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		err := tx.Get(ctx, &row, `SELECT `+grantColumns+` FROM licence_grants WHERE id = ?`, id)
		if errs.Is(err, errs.NotFound) {
			return errGrantNotFound()
		} else if err != nil {
			return err
		}
		if _, err := s.holderLicence(ctx, tx, p, row.LicenceID); errs.Is(err, errs.NotFound) {
			return errGrantNotFound()
		} else if err != nil {
			return err
		}
		if row.RevokedAt != nil {
			return errs.E(errs.Conflict, "license.grant.error.revoked")
		}
		res, err := tx.Exec(ctx, `UPDATE licence_grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, tx.Now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "license.grant.error.revoked")
		}
		at := tx.Now
		row.RevokedAt = &at
		return audit.Record(ctx, tx, audit.Change{Action: "license.grant.revoke", ObjectType: "licence", ObjectID: row.LicenceID,
			Detail: map[string]any{"grant": row.ID, "grantee_node": row.GranteeNode, "grantee_org": row.GranteeOrg}})
	})
	if err != nil {
		return Grant{}, err
	}
	return s.grant(ctx, row, s.clock.Now()), nil
}

// GrantedTo returns the grants to official p's organisation (of this node) that are not revoked
// and have not ended, those in force first, with what was granted; anyone but an official of an
// organisation is errs.Forbidden.
func (s *Service) GrantedTo(ctx context.Context, p principal.Principal) (_ []Grant, err error) {
	defer errs.Wrap(&err, "license.GrantedTo")
	if p.Kind != principal.Official || p.OrgCode == "" {
		return nil, errs.E(errs.Forbidden, "license.grant.error.officials_only")
	}
	now := s.clock.Now()
	var rows []struct {
		grantRow
		Name       string `db:"name_hans"`
		Number     string `db:"number"`
		HolderName string `db:"holder_name"`
	}
	if err := s.db.Select(ctx, &rows, `SELECT g.id, g.licence_id, g.account_id, g.grantee_node, g.grantee_org, g.purpose,
		g.valid_from, g.valid_until, g.created_at, g.revoked_at, l.name_hans, l.number, l.holder_name
		FROM licence_grants g JOIN licences l ON l.id = g.licence_id
		WHERE g.grantee_node = '' AND g.grantee_org = ? AND g.revoked_at IS NULL AND g.valid_until > ?
		ORDER BY g.valid_from, g.id LIMIT 500`, p.OrgCode, now); err != nil {
		return nil, err
	}
	out := make([]Grant, 0, len(rows))
	for _, r := range rows {
		g := s.grant(ctx, r.grantRow, now)
		g.LicenceName, g.LicenceNumber, g.HolderName = r.Name, r.Number, r.HolderName
		out = append(out, g)
	}
	// In force first, then those still to start; each by start.
	active, later := []Grant{}, []Grant{}
	for _, g := range out {
		if g.Active {
			active = append(active, g)
		} else {
			later = append(later, g)
		}
	}
	return append(active, later...), nil
}

// errNoGrant is the answer to a fetch without an active grant: it says nothing of the licence.
func errNoGrant() error { return errs.E(errs.Forbidden, "license.grant.error.no_grant") }

// grantee is who fetches: a node ("" for this one), an organisation, and the actor as logged.
type grantee struct{ node, org, actor string }

// Fetch gives official p the licence id under an active grant to p's organisation, for reason
// (required, at most MaxFetchReason characters; errs.Invalid otherwise). Without an active grant
// — none, revoked, not yet in force, ended, another organisation's — it is errs.Forbidden and
// reveals nothing of the licence, not even that it exists. The fetch is recorded as a use, which
// the holder sees and is told of, and audited.
func (s *Service) Fetch(ctx context.Context, p principal.Principal, id, reason string) (_ Fetched, err error) {
	defer errs.Wrap(&err, "license.Fetch")
	if p.Kind != principal.Official || p.OrgCode == "" {
		return Fetched{}, errs.E(errs.Forbidden, "license.grant.error.officials_only")
	}
	if err := plaintext.Line(&reason, "reason", MaxFetchReason, true); err != nil {
		return Fetched{}, err
	}
	return s.fetch(principal.With(ctx, p), grantee{org: p.OrgCode, actor: p.Actor()}, id, reason)
}

// FetchForPeer gives the approved peer node node (authenticated by the node-to-node layer, not
// here) licence id for its organisation with credit code creditCode, under an active grant to
// exactly that node and organisation; actor is the peer's official as the peer names them
// (plain text, required, logged) and reason the stated reason (required). Bad input is
// errs.Invalid naming its field; the rest is as Fetch.
func (s *Service) FetchForPeer(ctx context.Context, node, creditCode, actor, id, reason string) (_ Fetched, err error) {
	defer errs.Wrap(&err, "license.FetchForPeer(%s)", node)
	node = strings.TrimSpace(node)
	if len(node) > 6 || idcode.ValidateRegionCode(node) != nil || node == s.cfg.Node {
		return Fetched{}, errs.Field("node", "license.grant.error.node_unknown")
	}
	creditCode = strings.ToUpper(idcode.Normalize(creditCode))
	if len(creditCode) > maxGrantOrg {
		return Fetched{}, errs.Field("credit_code", "license.grant.error.credit_code")
	}
	if err := idcode.ValidateCreditCode(creditCode); err != nil {
		return Fetched{}, asField(err, "credit_code")
	}
	if err := plaintext.Line(&actor, "actor", maxFetchActor, true); err != nil {
		return Fetched{}, err
	}
	if err := plaintext.Line(&reason, "reason", MaxFetchReason, true); err != nil {
		return Fetched{}, err
	}
	if !principal.From(ctx).Authenticated() {
		// The audit record names the peer node as the actor.
		ctx = principal.With(ctx, principal.Principal{Kind: principal.Client, Login: "node-" + node, ClientID: "node-" + node})
	}
	return s.fetch(ctx, grantee{node: node, org: creditCode, actor: node + "/" + actor}, id, reason)
}

// activeGrant finds an active grant of licence id to g at now; errNoGrant if there is none.
func activeGrant(ctx context.Context, q getter, id string, g grantee, now time.Time) (grantRow, error) {
	var r grantRow
	err := q.Get(ctx, &r, `SELECT `+grantColumns+` FROM licence_grants WHERE licence_id = ? AND grantee_node = ?
		AND grantee_org = ? AND revoked_at IS NULL AND valid_from <= ? AND valid_until > ?
		ORDER BY valid_until DESC, id LIMIT 1`, id, g.node, g.org, now, now)
	if errs.Is(err, errs.NotFound) {
		return grantRow{}, errNoGrant()
	}
	return r, err
}

// fetch answers g's fetch of licence id under an active grant, recording the use; see the
// comment at the top of this file for what it answers.
func (s *Service) fetch(ctx context.Context, g grantee, id, reason string) (Fetched, error) {
	if id == "" || len(id) > 100 {
		return Fetched{}, errNoGrant()
	}
	now := s.clock.Now()
	gr, err := activeGrant(ctx, s.db, id, g, now)
	if err != nil {
		return Fetched{}, err
	}
	l, err := loadLicence(ctx, s.db, id)
	if err != nil {
		return Fetched{}, err
	}
	st := l.State(today(now))
	out := Fetched{State: st, GrantID: gr.ID, Licence: Shown{ID: l.ID, TypeCode: l.TypeCode, TypeName: l.NameHans,
		Number: l.Number, Issuer: l.IssuerName, IssuerCode: l.IssuerCode, Jurisdiction: l.Jurisdiction, IssuedOn: l.IssuedOn,
		ValidFrom: l.ValidFrom, ValidUntil: l.ValidUntil, HolderCodeType: l.HolderCodeType}}
	if st == StateValid {
		// The values the credential signed, opened from the sealed disclosures (they are the
		// row's values unless someone changed the row).
		disc, err := s.disclosures(ctx, l.ID)
		if err != nil {
			return Fetched{}, err
		}
		claims, err := credential.ParseCredential(l.Credential)
		if err != nil {
			return Fetched{}, errs.Wrapf(errs.Internal, err, "error.internal")
		}
		for _, d := range disc {
			out.Disclosures = append(out.Disclosures, d)
		}
		slices.Sort(out.Disclosures)
		out.Licence.Disclosed, err = credential.Disclose(claims, out.Disclosures)
		if err != nil {
			return Fetched{}, errs.Wrapf(errs.Internal, err, "error.internal")
		}
		out.Credential = l.Credential
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		// The grant may have been revoked meanwhile: the answer goes only with the record.
		if _, err := activeGrant(ctx, tx, id, g, tx.Now); err != nil {
			return err
		}
		out.FetchedAt = tx.Now
		tx.InsertLater("licence_uses", "licence_id, at, kind, by_node, by_org, by_actor, purpose, grant_id",
			l.ID, tx.Now, KindFetched, g.node, g.org, g.actor, reason, gr.ID)
		// The reason may name people: the audit record keeps only its digest.
		if err := audit.Record(ctx, tx, audit.Change{Action: "license.fetch", ObjectType: "licence", ObjectID: l.ID,
			After:  map[string]string{"reason": reason, "actor": g.actor},
			Detail: map[string]any{"grant": gr.ID, "by_node": g.node, "by_org": g.org, "state": st}}); err != nil {
			return err
		}
		return s.tellFetched(ctx, tx, l, gr, reason)
	})
	if err != nil {
		return Fetched{}, err
	}
	return out, nil
}

// tellFetched tells licence l's holder (or, without an account of the holder's, whoever made
// grant gr) that it was fetched under gr.
func (s *Service) tellFetched(ctx context.Context, tx *store.Tx, l Licence, gr grantRow, reason string) error {
	if s.cfg.Notifier == nil {
		return nil
	}
	account, err := s.holderAccount(ctx, l.HolderCodeType, l.HolderCode)
	if errs.Is(err, errs.NotFound) {
		account, err = gr.AccountID, nil
	}
	if err != nil {
		return err
	}
	return s.cfg.Notifier.SendTx(ctx, tx, account, "license.notice.fetched",
		[]string{l.NameHans, l.Number, s.granteeName(ctx, gr.GranteeNode, gr.GranteeOrg), reason}, WalletLink(l.ID))
}

// maxGrantTimeText bounds a grant time's text.
const maxGrantTimeText = 40

// GrantTime reads a grant's start (end false) or end (end true) as a form or the API gives it:
// RFC 3339, or a date YYYY-MM-DD in China time — a start from the day's beginning, an end at the
// day's end (the next day's beginning). "" is the zero time; anything else is errs.Invalid
// naming field.
func GrantTime(s, field string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if len(s) <= maxGrantTimeText {
		if d, err := time.ParseInLocation(dateLayout, s, clock.China); err == nil {
			if end {
				d = d.AddDate(0, 0, 1)
			}
			return d, nil
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil && t.Year() > 1 && t.Year() < 10000 {
			return t, nil
		}
	}
	return time.Time{}, errs.Field(field, "license.grant.error.time")
}
