package apps

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Consent is what a person allowed an app to know about them, while acting for an enterprise
// (ActingFor, its credit code) or for themselves (""). At most one consent is in force per
// person, app and acting-for context.
type Consent struct {
	ID        int64      `json:"id"`
	AccountID int64      `json:"account_id"`
	ClientID  string     `json:"client_id"`
	AppName   Text       `json:"app_name"`
	ActingFor string     `json:"acting_for,omitempty"`
	Scopes    []string   `json:"scopes"`
	GrantedAt time.Time  `json:"granted_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// person returns the principal in ctx if it is a person with an account: residents, agents and
// officials sign in to apps; clients and the system do not.
func person(ctx context.Context) (principal.Principal, error) {
	p := principal.From(ctx)
	if !p.Authenticated() {
		return p, errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	switch p.Kind {
	case principal.Resident, principal.Agent, principal.Official:
		if p.AccountID != 0 {
			return p, nil
		}
	}
	return p, errs.E(errs.Forbidden, "apps.error.not_a_person")
}

// Grant remembers that the person in ctx, in their current acting-for context, allows app
// clientID the scopes; scopes already granted stay granted. Returns errs.NotFound for an
// unknown app, errs.Invalid for a disabled app or a scope the app may not ask for.
func (s *Service) Grant(ctx context.Context, clientID string, scopes []string) (c Consent, err error) {
	defer errs.Wrap(&err, "apps.Grant(%s)", clientID)
	p, err := person(ctx)
	if err != nil {
		return c, err
	}
	a, err := s.Get(ctx, clientID)
	if err != nil {
		return c, err
	}
	if a.Disabled {
		return c, errs.Field("client_id", "apps.error.app_disabled", clientID)
	}
	if a.Type == TypeService {
		return c, errs.Field("client_id", "apps.error.signs_nobody_in", clientID)
	}
	for _, sc := range scopes {
		if !slices.Contains(a.Scopes, sc) {
			return c, errs.Field("scopes", "apps.error.scope_not_allowed", sc)
		}
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		before, err := inForce(ctx, tx, p.AccountID, clientID, p.ActingFor)
		switch {
		case errs.Is(err, errs.NotFound):
			id, err := tx.InsertID(ctx, `INSERT INTO consents (account_id, client_id, acting_for, scopes, granted_at)
				VALUES (?, ?, ?, ?, ?) RETURNING id`, p.AccountID, clientID, p.ActingFor, join(canonical(scopes)), tx.Now)
			if err != nil {
				return err
			}
			c = Consent{ID: id, AccountID: p.AccountID, ClientID: clientID, AppName: a.Name, ActingFor: p.ActingFor,
				Scopes: canonical(scopes), GrantedAt: tx.Now}
			return audit.Record(ctx, tx, audit.Change{Action: "apps.consent.granted", ObjectType: "consent",
				ObjectID: strconv.FormatInt(id, 10), After: c, Detail: map[string]any{"client_id": clientID, "scopes": c.Scopes}})
		case err != nil:
			return err
		}
		c = before
		c.Scopes = canonical(slices.Concat(before.Scopes, scopes))
		if slices.Equal(c.Scopes, before.Scopes) {
			return nil
		}
		c.GrantedAt = tx.Now
		if _, err := tx.Exec(ctx, `UPDATE consents SET scopes = ?, granted_at = ? WHERE id = ?`, join(c.Scopes), tx.Now, c.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "apps.consent.granted", ObjectType: "consent",
			ObjectID: strconv.FormatInt(c.ID, 10), Before: before, After: c, Detail: map[string]any{"client_id": clientID, "scopes": c.Scopes}})
	})
	if err != nil {
		return Consent{}, err
	}
	return c, nil
}

// Covering returns the consent in force of the person in ctx, in their current acting-for
// context, that covers scopes for app clientID. Returns errs.NotFound if there is none.
func (s *Service) Covering(ctx context.Context, clientID string, scopes []string) (Consent, error) {
	p, err := person(ctx)
	if err != nil {
		return Consent{}, err
	}
	var r consentRow
	err = s.db.Get(ctx, &r, selectConsents+` WHERE c.account_id = ? AND c.client_id = ? AND c.acting_for = ? AND c.revoked_at IS NULL`,
		p.AccountID, clientID, p.ActingFor)
	if errs.Is(err, errs.NotFound) {
		return Consent{}, errs.Wrapf(errs.NotFound, err, "apps.error.no_consent")
	}
	if err != nil {
		return Consent{}, err
	}
	c := r.consent()
	if !Covers(c.Scopes, scopes) {
		return Consent{}, errs.E(errs.NotFound, "apps.error.no_consent")
	}
	return c, nil
}

// Has reports whether the person in ctx has a consent in force covering scopes for clientID.
func (s *Service) Has(ctx context.Context, clientID string, scopes []string) (bool, error) {
	_, err := s.Covering(ctx, clientID, scopes)
	switch {
	case err == nil:
		return true, nil
	case errs.Is(err, errs.NotFound):
		return false, nil
	}
	return false, err
}

// Consents returns the consents in force of the person in ctx — theirs only, in every
// acting-for context — newest first.
func (s *Service) Consents(ctx context.Context) ([]Consent, error) {
	p, err := person(ctx)
	if err != nil {
		return nil, err
	}
	var rows []consentRow
	if err := s.db.Select(ctx, &rows, selectConsents+` WHERE c.account_id = ? AND c.revoked_at IS NULL ORDER BY c.granted_at DESC, c.id DESC`, p.AccountID); err != nil {
		return nil, err
	}
	out := make([]Consent, len(rows))
	for i, r := range rows {
		out[i] = r.consent()
	}
	return out, nil
}

// Revoke withdraws one of the consents of the person in ctx; the app's tokens issued under it
// stop working. Someone else's consent, or one already revoked, is errs.NotFound: whether it
// exists is none of the asker's business.
func (s *Service) Revoke(ctx context.Context, consentID int64) (err error) {
	defer errs.Wrap(&err, "apps.Revoke(%d)", consentID)
	p, err := person(ctx)
	if err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		var r consentRow
		err := tx.Get(ctx, &r, selectConsents+` WHERE c.id = ? AND c.account_id = ? AND c.revoked_at IS NULL`, consentID, p.AccountID)
		if errs.Is(err, errs.NotFound) {
			return errs.Wrapf(errs.NotFound, err, "apps.error.no_consent")
		}
		if err != nil {
			return err
		}
		before := r.consent()
		if _, err := tx.Exec(ctx, `UPDATE consents SET revoked_at = ? WHERE id = ?`, tx.Now, consentID); err != nil {
			return err
		}
		after := before
		after.RevokedAt = &tx.Now
		return audit.Record(ctx, tx, audit.Change{Action: "apps.consent.revoked", ObjectType: "consent",
			ObjectID: strconv.FormatInt(consentID, 10), Before: before, After: after, Detail: map[string]any{"client_id": before.ClientID}})
	})
}

// InForce reports whether consent id is still in force. The provider asks it each time a token
// issued under the consent is used; it reveals nothing but that to a caller who already holds
// the id.
func (s *Service) InForce(ctx context.Context, id int64) (bool, error) {
	var n int
	if err := s.db.Get(ctx, &n, `SELECT COUNT(*) FROM consents WHERE id = ? AND revoked_at IS NULL`, id); err != nil {
		return false, err
	}
	return n == 1, nil
}

func inForce(ctx context.Context, tx *store.Tx, accountID int64, clientID, actingFor string) (Consent, error) {
	var r consentRow
	err := tx.Get(ctx, &r, selectConsents+` WHERE c.account_id = ? AND c.client_id = ? AND c.acting_for = ? AND c.revoked_at IS NULL`,
		accountID, clientID, actingFor)
	return r.consent(), err
}

const selectConsents = `SELECT c.id, c.account_id, c.client_id, a.name_hans, a.name_hant, a.name_en, c.acting_for,
	c.scopes, c.granted_at, c.revoked_at FROM consents c JOIN apps a ON a.client_id = c.client_id`

type consentRow struct {
	ID        int64      `db:"id"`
	AccountID int64      `db:"account_id"`
	ClientID  string     `db:"client_id"`
	NameHans  string     `db:"name_hans"`
	NameHant  string     `db:"name_hant"`
	NameEn    string     `db:"name_en"`
	ActingFor string     `db:"acting_for"`
	Scopes    string     `db:"scopes"`
	GrantedAt time.Time  `db:"granted_at"`
	RevokedAt *time.Time `db:"revoked_at"`
}

func (r consentRow) consent() Consent {
	c := Consent{ID: r.ID, AccountID: r.AccountID, ClientID: r.ClientID, AppName: Text{r.NameHans, r.NameHant, r.NameEn},
		ActingFor: r.ActingFor, Scopes: split(r.Scopes), GrantedAt: r.GrantedAt.UTC()}
	if r.RevokedAt != nil {
		t := r.RevokedAt.UTC()
		c.RevokedAt = &t
	}
	return c
}
