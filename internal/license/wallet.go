package license

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/plaintext"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// ScopeLicences is the agent scope (identity.AgentScopes) under which an agent acts for an
// enterprise's licences; an agent for all services has it too.
const ScopeLicences = "licences"

// holder is whose licences a principal holds.
type holder struct{ codeType, code string }

// holderOf says whose licences p holds: a resident's own, found by their resident ID number; an
// agent's (or the owner's, acting for it) enterprise's, by its credit code, if the agent is
// authorised for licences. ok is false for anyone else, and for a resident without a resident ID.
func (s *Service) holderOf(ctx context.Context, p principal.Principal) (h holder, ok bool, err error) {
	switch p.Kind {
	case principal.Resident:
		if p.AccountID == 0 {
			return holder{}, false, nil
		}
		if s.cfg.Holders == nil {
			return holder{}, false, errs.E(errs.Unavailable, "error.unavailable")
		}
		_, id, err := s.cfg.Holders.Resident(ctx, p.AccountID)
		if errs.Is(err, errs.NotFound) || err == nil && id == "" {
			return holder{}, false, nil
		}
		if err != nil {
			return holder{}, false, err
		}
		return holder{HolderCodeResidentID, id}, true, nil
	case principal.Agent:
		if p.ActingFor != "" && p.ActsFor(p.ActingFor, ScopeLicences) {
			return holder{HolderCodeCreditCode, p.ActingFor}, true, nil
		}
	}
	return holder{}, false, nil
}

// holds reports whether p is licence l's holder.
func (s *Service) holds(ctx context.Context, p principal.Principal, l Licence) (bool, error) {
	h, ok, err := s.holderOf(ctx, p)
	if err != nil || !ok {
		return false, err
	}
	return h.codeType == l.HolderCodeType && h.code == l.HolderCode, nil
}

// Mine returns the licences p holds (我的證照), newest first, without the versions a change
// superseded: a resident's own, or those of the enterprise an agent acts for with the licences
// scope. A resident without a resident ID holds none; an agent without the scope, an official or
// an app is errs.Forbidden; the anonymous public errs.Unauthenticated.
func (s *Service) Mine(ctx context.Context, p principal.Principal) (_ []Licence, err error) {
	defer errs.Wrap(&err, "license.Mine")
	if !p.Authenticated() {
		return nil, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	h, ok, err := s.holderOf(ctx, p)
	if err != nil {
		return nil, err
	}
	if !ok {
		if p.Kind == principal.Resident {
			return []Licence{}, nil
		}
		return nil, errs.E(errs.Forbidden, "license.error.wallet_forbidden")
	}
	var rows []licenceRow
	if err := s.db.Select(ctx, &rows, `SELECT `+licenceColumns+` FROM licences WHERE holder_code_type = ? AND holder_code = ?
		AND status <> 'superseded' ORDER BY created_at DESC, id`, h.codeType, h.code); err != nil {
		return nil, err
	}
	return licencesOf(rows)
}

// Get returns licence id to its holder and to the officials of its issuing organisation;
// errs.NotFound to anyone else, as if it did not exist.
func (s *Service) Get(ctx context.Context, p principal.Principal, id string) (_ Licence, err error) {
	defer errs.Wrap(&err, "license.Get")
	l, err := loadLicence(ctx, s.db, id)
	if err != nil {
		return Licence{}, err
	}
	if p.Kind == principal.System || p.IsOfficial(l.IssuerOrg) {
		return l, nil
	}
	if ok, err := s.holds(ctx, p, l); err != nil {
		return Licence{}, err
	} else if !ok {
		return Licence{}, errNotFound()
	}
	return l, nil
}

// History returns the steps of licence id, oldest first, to whom Get shows it.
func (s *Service) History(ctx context.Context, p principal.Principal, id string) ([]History, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	var out []History
	err := s.db.Select(ctx, &out, `SELECT at, kind, actor, reason, ledger_index FROM licence_history
		WHERE licence_id = ? ORDER BY id`, id)
	return out, err
}

// Use is one use of a licence the platform saw.
type Use struct {
	At           time.Time `db:"at" json:"at"`
	Kind         string    `db:"kind" json:"kind"`
	ByNode       string    `db:"by_node" json:"by_node,omitempty"`
	ByOrg        string    `db:"by_org" json:"by_org,omitempty"`
	Purpose      string    `db:"purpose" json:"purpose"`
	Presentation string    `db:"presentation" json:"presentation,omitempty"`
	// GrantID is the grant a fetch came under.
	GrantID string `db:"grant_id" json:"grant_id,omitempty"`
}

// Uses returns the uses of licence id, newest first, to its holder; errs.NotFound to anyone else.
func (s *Service) Uses(ctx context.Context, p principal.Principal, id string) ([]Use, error) {
	l, err := loadLicence(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if ok, err := s.holds(ctx, p, l); err != nil {
		return nil, err
	} else if !ok && p.Kind != principal.System {
		return nil, errNotFound()
	}
	// Uses written behind verifications' answers are written first, so that this instance
	// shows every use it recorded.
	if err := s.uses.flush(ctx); err != nil {
		return nil, err
	}
	var out []Use
	err = s.db.Select(ctx, &out, `SELECT at, kind, by_node, by_org, purpose, presentation, grant_id FROM licence_uses
		WHERE licence_id = ? ORDER BY at DESC, id DESC`, id)
	return out, err
}

// PresentRequest is what a holder shows of a licence, to whom and why.
type PresentRequest struct {
	// Fields are the hidden claims to disclose (ClaimHolderName, ClaimHolderCode, face-data
	// keys); the public ones always show.
	Fields []string
	// Purpose is the stated reason of use (用證事由), required; Audience the organisation it is
	// for, if the holder names one.
	Purpose, Audience string
	// Lifetime is how long the presentation verifies: DefaultLifetime if zero, at most
	// credential.MaxLifetime.
	Lifetime time.Duration
}

// DefaultLifetime is a presentation's lifetime when the holder names none: long enough to show
// a QR code at a counter.
const DefaultLifetime = 5 * time.Minute

// maxPurpose bounds a stated purpose, in characters.
const maxPurpose = 100

// Present makes a presentation of licence id for its holder p (a QR code's payload): the
// credential with the chosen fields disclosed, for a purpose, signed by the node. Only the
// holder may (errs.NotFound for anyone else), only of a valid licence (errs.Conflict). The
// presentation is recorded, so that its uses can be shown to the holder.
func (s *Service) Present(ctx context.Context, p principal.Principal, id string, req PresentRequest) (_ string, err error) {
	defer errs.Wrap(&err, "license.Present")
	ctx = principal.With(ctx, p)
	l, err := loadLicence(ctx, s.db, id)
	if err != nil {
		return "", err
	}
	if ok, err := s.holds(ctx, p, l); err != nil {
		return "", err
	} else if !ok || p.AccountID == 0 {
		return "", errNotFound()
	}
	if st := l.State(today(s.clock.Now())); st != StateValid {
		return "", errs.E(errs.Conflict, "license.error.not_presentable")
	}
	if err := plaintext.Line(&req.Purpose, "purpose", maxPurpose, true); err != nil {
		return "", err
	}
	if err := plaintext.Line(&req.Audience, "audience", maxPurpose, false); err != nil {
		return "", err
	}
	if req.Lifetime == 0 {
		req.Lifetime = DefaultLifetime
	}
	if req.Lifetime < time.Minute || req.Lifetime > credential.MaxLifetime {
		return "", errs.Field("lifetime", "license.error.lifetime", int(credential.MaxLifetime/time.Minute))
	}
	disc, err := s.disclosures(ctx, l.ID)
	if err != nil {
		return "", err
	}
	var shown, names []string
	for _, f := range req.Fields {
		f = strings.TrimSpace(f)
		if slices.Contains(names, f) {
			continue
		}
		d, ok := disc[f]
		if !ok {
			return "", errs.Field("fields", "license.error.field_unknown", f)
		}
		shown, names = append(shown, d), append(names, f)
	}
	sg, err := s.nodeSigner(ctx)
	if err != nil {
		return "", err
	}
	now := s.clock.Now()
	pr := credential.Presentation{Alg: s.credAlg(), KeyID: sg.Key().ID, Presenter: s.cfg.Node, ID: newID("pr_"),
		Credential: l.Credential, Disclosures: shown, Purpose: req.Purpose, Audience: req.Audience,
		IssuedAt: now.Unix(), Expires: now.Add(req.Lifetime).Unix()}
	text, err := credential.Present(sg, pr)
	if err != nil {
		return "", errs.Wrapf(errs.Invalid, err, "license.error.presentation_too_long")
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		tx.InsertLater("licence_presentations", "id, licence_id, account_id, fields, purpose, audience, created_at, expires_at",
			pr.ID, l.ID, p.AccountID, strings.Join(names, " "), pr.Purpose, pr.Audience, tx.Now, tx.Now.Add(req.Lifetime))
		return audit.Record(ctx, tx, audit.Change{Action: "license.present", ObjectType: "licence", ObjectID: l.ID,
			Detail: map[string]any{"presentation": pr.ID, "fields": names}})
	})
	if err != nil {
		return "", err
	}
	return text, nil
}

// disclosures opens the disclosures of licence id's hidden claims, by claim name.
func (s *Service) disclosures(ctx context.Context, id string) (map[string]string, error) {
	var sealed []byte
	if err := s.db.Get(ctx, &sealed, `SELECT disclosures FROM licences WHERE id = ?`, id); err != nil {
		return nil, err
	}
	plain, err := s.cfg.Keys.Open(ctx, PurposeDisclosures, sealed, disclosureAAD(id))
	if err != nil {
		return nil, err
	}
	var m map[string]string
	if err := json.Unmarshal(plain, &m); err != nil {
		return nil, err
	}
	return m, nil
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newID returns prefix and 120 random bits.
func newID(prefix string) string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return prefix + idEncoding.EncodeToString(b)
}
