package identity

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Enterprise is a legal person, owned in Yiwang by its legal representative's account.
type Enterprise struct {
	CreditCode     string    `db:"credit_code" json:"credit_code"`
	Name           string    `db:"name" json:"name"`
	RegionCode     string    `db:"region_code" json:"region_code"`
	OwnerAccountID int64     `db:"owner_account_id" json:"-"`
	CreatedAt      time.Time `db:"created_at" json:"created_at"`
}

// Service scopes an enterprise authorises an agent for (經辦範圍); ScopeAll covers every one.
const ScopeAll = "all"

// AgentScopes lists the service scopes in display order.
var AgentScopes = []string{"business_registration", "licences", "taxation", "social_insurance", "construction",
	"environment", "data_access", ScopeAll}

// MaxAuthorisation is the longest an agent authorisation may run.
const MaxAuthorisation = 3 * 366 * 24 * time.Hour

// RegisterEnterprise records the enterprise with creditCode and makes the signed-in resident,
// its legal representative, the owner. The owner must be real-name verified at level 2 or more.
// Returns errs.Conflict if the enterprise is already registered.
func (s *Service) RegisterEnterprise(ctx context.Context, creditCode, name string) (e Enterprise, err error) {
	defer errs.Wrap(&err, "identity.RegisterEnterprise(%s)", creditCode)
	p := principal.From(ctx)
	if err := requireAuthenticated(p); err != nil {
		return e, err
	}
	if p.Kind != principal.Resident || p.AccountID == 0 {
		return e, errs.E(errs.Forbidden, "identity.error.residents_only")
	}
	if p.RealNameLevel < 2 {
		return e, errs.E(errs.Forbidden, "identity.error.level_required", 2)
	}
	creditCode = idcode.Normalize(creditCode)
	info, err := idcode.ParseCreditCode(creditCode)
	if err != nil {
		return e, errs.Field("credit_code", "identity.error.credit_code")
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 200 {
		return e, errs.Field("name", "error.required")
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		e = Enterprise{CreditCode: creditCode, Name: name, RegionCode: info.Region, OwnerAccountID: p.AccountID, CreatedAt: tx.Now}
		_, err := tx.Exec(ctx, `INSERT INTO enterprises (credit_code, name, region_code, owner_account_id, created_at) VALUES (?, ?, ?, ?, ?)`,
			e.CreditCode, e.Name, e.RegionCode, e.OwnerAccountID, e.CreatedAt)
		if errs.Is(err, errs.Conflict) {
			return errs.Wrapf(errs.Conflict, err, "identity.error.enterprise_taken")
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "identity.enterprise.registered", ObjectType: "enterprise", ObjectID: creditCode, After: e})
	})
	return e, err
}

// Enterprise returns the enterprise with creditCode. Returns errs.NotFound if there is none.
func (s *Service) Enterprise(ctx context.Context, creditCode string) (Enterprise, error) {
	var e Enterprise
	err := s.db.Get(ctx, &e, `SELECT credit_code, name, region_code, owner_account_id, created_at FROM enterprises WHERE credit_code = ?`, creditCode)
	return e, err
}

// Authorisation is an enterprise's authorisation of an agent.
type Authorisation struct {
	ID          int64      `db:"id" json:"id"`
	CreditCode  string     `db:"credit_code" json:"credit_code"`
	Enterprise  string     `db:"enterprise_name" json:"enterprise_name"`
	AgentID     int64      `db:"agent_account_id" json:"-"`
	AgentName   string     `db:"agent_name" json:"agent_name"`
	AgentPhone  *string    `db:"agent_phone" json:"-"`
	Scopes      string     `db:"scopes" json:"-"`
	ValidFrom   time.Time  `db:"valid_from" json:"valid_from"`
	ValidUntil  time.Time  `db:"valid_until" json:"valid_until"`
	GrantedAt   time.Time  `db:"granted_at" json:"granted_at"`
	RevokedAt   *time.Time `db:"revoked_at" json:"revoked_at,omitempty"`
	ScopeList   []string   `db:"-" json:"scopes"`
	AgentMasked string     `db:"-" json:"agent_phone"`
}

// Active reports whether the authorisation holds at t.
func (a Authorisation) Active(t time.Time) bool {
	return a.RevokedAt == nil && !t.Before(a.ValidFrom) && t.Before(a.ValidUntil)
}

// Grant is an owner's authorisation of an agent, found by the agent's phone or resident ID.
type Grant struct {
	CreditCode string
	// Agent is the agent's mobile number or resident ID number.
	Agent      string
	Scopes     []string
	ValidFrom  time.Time
	ValidUntil time.Time
}

func (s *Service) ownEnterprise(ctx context.Context, tx *store.Tx, p principal.Principal, creditCode string) (Enterprise, error) {
	var e Enterprise
	err := tx.Get(ctx, &e, `SELECT credit_code, name, region_code, owner_account_id, created_at FROM enterprises WHERE credit_code = ?`, creditCode)
	if err != nil {
		return e, err
	}
	// Someone else's enterprise is reported as missing: its existence is not theirs to learn here.
	if e.OwnerAccountID != p.AccountID || (p.Kind != principal.Resident && p.Kind != principal.Agent) {
		return e, errs.E(errs.NotFound, "error.not_found")
	}
	return e, nil
}

// AuthoriseAgent lets the enterprise's owner authorise a resident as its agent for scopes and a
// period. Returns errs.NotFound unless the principal owns the enterprise and the agent exists.
func (s *Service) AuthoriseAgent(ctx context.Context, g Grant) (a Authorisation, err error) {
	defer errs.Wrap(&err, "identity.AuthoriseAgent(%s)", g.CreditCode)
	p := principal.From(ctx)
	if err := requireAuthenticated(p); err != nil {
		return a, err
	}
	if len(g.Scopes) == 0 {
		return a, errs.Field("scopes", "error.required")
	}
	for _, sc := range g.Scopes {
		if !slices.Contains(AgentScopes, sc) {
			return a, errs.Field("scopes", "identity.error.scope", sc)
		}
	}
	slices.Sort(g.Scopes)
	g.Scopes = slices.Compact(g.Scopes)
	if !g.ValidUntil.After(g.ValidFrom) {
		return a, errs.Field("valid_until", "identity.error.validity")
	}
	if g.ValidUntil.Sub(g.ValidFrom) > MaxAuthorisation {
		return a, errs.Field("valid_until", "identity.error.validity_too_long", 3)
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		e, err := s.ownEnterprise(ctx, tx, p, idcode.Normalize(g.CreditCode))
		if err != nil {
			return err
		}
		if !g.ValidUntil.After(tx.Now) {
			return errs.Field("valid_until", "identity.error.validity")
		}
		agentID, err := findLogin(ctx, tx, g.Agent)
		if errs.Is(err, errs.NotFound) {
			return errs.Field("agent", "identity.error.agent_unknown")
		}
		if err != nil {
			return err
		}
		agent, err := getAccountTx(ctx, tx, agentID)
		if err != nil {
			return err
		}
		if agent.Kind != principal.Resident || agent.ID == p.AccountID {
			return errs.Field("agent", "identity.error.agent_unknown")
		}
		id, err := tx.InsertID(ctx, `INSERT INTO agent_authorisations (credit_code, agent_account_id, scopes, valid_from, valid_until, granted_by, granted_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, e.CreditCode, agentID, strings.Join(g.Scopes, " "), g.ValidFrom, g.ValidUntil, p.AccountID, tx.Now)
		if err != nil {
			return err
		}
		a = Authorisation{ID: id, CreditCode: e.CreditCode, Enterprise: e.Name, AgentID: agentID, AgentName: agent.DisplayName,
			AgentPhone: agent.Phone, Scopes: strings.Join(g.Scopes, " "), ValidFrom: g.ValidFrom, ValidUntil: g.ValidUntil, GrantedAt: tx.Now}
		a.fill()
		return audit.Record(ctx, tx, audit.Change{Action: "identity.agent.authorised", ObjectType: "agent_authorisation",
			ObjectID: strconv.FormatInt(id, 10), Detail: map[string]any{"credit_code": e.CreditCode, "scopes": g.Scopes, "valid_until": g.ValidUntil}})
	})
	return a, err
}

func (a *Authorisation) fill() {
	a.ScopeList = strings.Fields(a.Scopes)
	if a.AgentPhone != nil {
		a.AgentMasked = MaskPhone(*a.AgentPhone)
	}
}

// RevokeAgent ends authorisation id; only the enterprise's owner may. Sessions acting under it
// fall back to the agent's own context on their next request.
func (s *Service) RevokeAgent(ctx context.Context, id int64) (err error) {
	defer errs.Wrap(&err, "identity.RevokeAgent(%d)", id)
	p := principal.From(ctx)
	if err := requireAuthenticated(p); err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		var code string
		if err := tx.Get(ctx, &code, `SELECT credit_code FROM agent_authorisations WHERE id = ?`, id); err != nil {
			return err
		}
		if _, err := s.ownEnterprise(ctx, tx, p, code); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE agent_authorisations SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`, tx.Now, p.AccountID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "identity.error.already_revoked")
		}
		return audit.Record(ctx, tx, audit.Change{Action: "identity.agent.revoked", ObjectType: "agent_authorisation", ObjectID: strconv.FormatInt(id, 10)})
	})
}

const authorisationQuery = `SELECT g.id, g.credit_code, e.name AS enterprise_name, g.agent_account_id, a.display_name AS agent_name,
	a.phone AS agent_phone, g.scopes, g.valid_from, g.valid_until, g.granted_at, g.revoked_at
	FROM agent_authorisations g JOIN enterprises e ON e.credit_code = g.credit_code JOIN accounts a ON a.id = g.agent_account_id`

// EnterpriseAgents lists the authorisations of the principal's own enterprise creditCode.
func (s *Service) EnterpriseAgents(ctx context.Context, creditCode string) (list []Authorisation, err error) {
	p := principal.From(ctx)
	if err := requireAuthenticated(p); err != nil {
		return nil, err
	}
	creditCode = idcode.Normalize(creditCode)
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		if _, err := s.ownEnterprise(ctx, tx, p, creditCode); err != nil {
			return err
		}
		return tx.Select(ctx, &list, authorisationQuery+` WHERE g.credit_code = ? ORDER BY g.granted_at DESC, g.id DESC`, creditCode)
	})
	for i := range list {
		list[i].fill()
	}
	return list, err
}

// OwnedEnterprises lists the enterprises the signed-in resident owns.
func (s *Service) OwnedEnterprises(ctx context.Context) ([]Enterprise, error) {
	p := principal.From(ctx)
	if err := requireAuthenticated(p); err != nil {
		return nil, err
	}
	var list []Enterprise
	err := s.db.Select(ctx, &list, `SELECT credit_code, name, region_code, owner_account_id, created_at FROM enterprises
		WHERE owner_account_id = ? ORDER BY name`, p.AccountID)
	return list, err
}

// MyAuthorisations lists the authorisations the signed-in person holds as an agent.
func (s *Service) MyAuthorisations(ctx context.Context) ([]Authorisation, error) {
	p := principal.From(ctx)
	if err := requireAuthenticated(p); err != nil {
		return nil, err
	}
	var list []Authorisation
	err := s.db.Select(ctx, &list, authorisationQuery+` WHERE g.agent_account_id = ? ORDER BY g.valid_until DESC, g.id DESC`, p.AccountID)
	for i := range list {
		list[i].fill()
	}
	return list, err
}

// actingScopes returns the service scopes account id holds for enterprise code now: all for
// its owner, the granted ones for an agent with a live authorisation. errs.Forbidden otherwise.
func (s *Service) actingScopes(ctx context.Context, id int64, code string) (Enterprise, []string, error) {
	e, err := s.Enterprise(ctx, code)
	if errs.Is(err, errs.NotFound) {
		return e, nil, errs.E(errs.Forbidden, "identity.error.not_agent")
	}
	if err != nil {
		return e, nil, err
	}
	if e.OwnerAccountID == id {
		return e, []string{ScopeAll}, nil
	}
	var scopes []string
	now := s.db.Clock().Now()
	if err := s.db.Select(ctx, &scopes, `SELECT scopes FROM agent_authorisations WHERE credit_code = ? AND agent_account_id = ?
		AND revoked_at IS NULL AND valid_from <= ? AND valid_until > ?`, code, id, now, now); err != nil {
		return e, nil, err
	}
	if len(scopes) == 0 {
		return e, nil, errs.E(errs.Forbidden, "identity.error.not_agent")
	}
	var all []string
	for _, sc := range scopes {
		all = append(all, strings.Fields(sc)...)
	}
	slices.Sort(all)
	return e, slices.Compact(all), nil
}

// applyActingFor turns p into an agent of enterprise code if it still may act for it; a lapsed
// authorisation leaves p as itself.
func (s *Service) applyActingFor(ctx context.Context, p *principal.Principal, code string) error {
	if p.Kind != principal.Resident {
		return nil
	}
	e, scopes, err := s.actingScopes(ctx, p.AccountID, code)
	if errs.Is(err, errs.Forbidden) {
		return nil
	}
	if err != nil {
		return err
	}
	p.Kind, p.ActingFor, p.ActingForName, p.AgentScopes = principal.Agent, e.CreditCode, e.Name, scopes
	return nil
}

// ActFor switches the session of token to act for enterprise creditCode ("" returns to the
// person's own context). Returns errs.Forbidden unless the person owns the enterprise or holds a
// live authorisation from it.
func (s *Service) ActFor(ctx context.Context, token, creditCode string) (err error) {
	defer errs.Wrap(&err, "identity.ActFor(%s)", creditCode)
	p := principal.From(ctx)
	if err := requireAuthenticated(p); err != nil {
		return err
	}
	if p.Kind != principal.Resident && p.Kind != principal.Agent {
		return errs.E(errs.Forbidden, "identity.error.residents_only")
	}
	var code *string
	if creditCode != "" {
		if _, _, err := s.actingScopes(ctx, p.AccountID, creditCode); err != nil {
			return err
		}
		code = &creditCode
	}
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE sessions SET acting_for = ? WHERE token_hash = ? AND account_id = ?`, code, tokenHash(token), p.AccountID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Unauthenticated, "error.unauthenticated")
		}
		return audit.Record(ctx, tx, audit.Change{Action: "identity.acting_for.changed", ObjectType: "account",
			ObjectID: strconv.FormatInt(p.AccountID, 10), Detail: map[string]any{"credit_code": creditCode}})
	})
}

// ActingOption is an enterprise the signed-in person may act for.
type ActingOption struct {
	Enterprise Enterprise
	Scopes     []string
	Owner      bool
}

// ActingOptions lists the enterprises the signed-in person may act for now.
func (s *Service) ActingOptions(ctx context.Context) ([]ActingOption, error) {
	p := principal.From(ctx)
	if err := requireAuthenticated(p); err != nil {
		return nil, err
	}
	var codes []string
	now := s.db.Clock().Now()
	if err := s.db.Select(ctx, &codes, `SELECT credit_code FROM enterprises WHERE owner_account_id = ?
		UNION SELECT credit_code FROM agent_authorisations WHERE agent_account_id = ? AND revoked_at IS NULL AND valid_from <= ? AND valid_until > ?
		ORDER BY credit_code`, p.AccountID, p.AccountID, now, now); err != nil {
		return nil, err
	}
	var list []ActingOption
	for _, c := range codes {
		e, scopes, err := s.actingScopes(ctx, p.AccountID, c)
		if err != nil {
			return nil, err
		}
		list = append(list, ActingOption{Enterprise: e, Scopes: scopes, Owner: e.OwnerAccountID == p.AccountID})
	}
	return list, nil
}
