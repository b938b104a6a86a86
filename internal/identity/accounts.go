package identity

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// NewAccount is what creating an official's account needs.
type NewAccount struct {
	Login       string
	Kind        principal.Kind
	DisplayName string
	OrgCode     string
	Roles       []string
	Password    string
}

func validLogin(s string) bool {
	if len(s) < 3 || len(s) > 64 {
		return false
	}
	digits := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
		digits = digits && r >= '0' && r <= '9'
	}
	// An all-digit login could be mistaken for a phone or ID number at the login form.
	return !digits
}

// mayAdminister reports whether p may manage officials of organisation org and grant roles:
// the digital office's administrators everywhere, other administrators in their own
// organisation except for the administrator role itself.
func mayAdminister(p principal.Principal, org string, roles []string) bool {
	if isPlatformAdmin(p) {
		return true
	}
	return p.IsOfficial(org) && p.HasRole(principal.RoleAdministrator) && !slices.Contains(roles, principal.RoleAdministrator)
}

// CreateAccount creates an official's account (residents register themselves with Register).
// The digital office's administrators create accounts anywhere, an organisation's administrator
// in their organisation. Returns errs.Conflict if the login is taken, errs.Invalid for bad input.
func (s *Service) CreateAccount(ctx context.Context, n NewAccount) (a Account, err error) {
	defer errs.Wrap(&err, "identity.CreateAccount(%s)", n.Login)
	p := principal.From(ctx)
	if err := requireAuthenticatedOrSystem(p); err != nil {
		return a, err
	}
	if n.Kind == "" {
		n.Kind = principal.Official
	}
	if n.Kind != principal.Official {
		return a, errs.Field("kind", "error.invalid")
	}
	if !mayAdminister(p, n.OrgCode, n.Roles) {
		return a, errs.E(errs.Forbidden, "error.forbidden")
	}
	n.Login = strings.ToLower(strings.TrimSpace(n.Login))
	if !validLogin(n.Login) {
		return a, errs.Field("login", "error.bad_login")
	}
	n.DisplayName = strings.TrimSpace(n.DisplayName)
	if n.DisplayName == "" || utf8.RuneCountInString(n.DisplayName) > 100 {
		return a, errs.Field("display_name", "error.required")
	}
	if n.OrgCode == "" {
		return a, errs.Field("org_code", "error.required")
	}
	for _, r := range n.Roles {
		if !slices.Contains(principal.AllRoles, r) {
			return a, errs.Field("roles", "error.unknown_role", r)
		}
	}
	hash, err := HashPassword(n.Password)
	if err != nil {
		return a, err
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		var n2 int
		if err := tx.Get(ctx, &n2, `SELECT COUNT(*) FROM organisations WHERE code = ?`, n.OrgCode); err != nil {
			return err
		}
		if n2 == 0 {
			return errs.Field("org_code", "error.unknown_org", n.OrgCode)
		}
		id, err := tx.InsertID(ctx, `INSERT INTO accounts (login, kind, display_name, org_code, password_hash, disabled, created_at)
			VALUES (?, ?, ?, ?, ?, 0, ?) RETURNING id`, n.Login, n.Kind, n.DisplayName, n.OrgCode, hash, tx.Now)
		if errs.Is(err, errs.Conflict) {
			return errs.Wrapf(errs.Conflict, err, "error.login_taken", n.Login)
		}
		if err != nil {
			return err
		}
		for _, r := range n.Roles {
			if _, err := tx.Exec(ctx, `INSERT INTO account_roles (account_id, role) VALUES (?, ?)`, id, r); err != nil {
				return err
			}
		}
		org := n.OrgCode
		a = Account{ID: id, Login: n.Login, Kind: n.Kind, DisplayName: n.DisplayName, OrgCode: &org, CreatedAt: tx.Now, Roles: n.Roles}
		return audit.Record(ctx, tx, audit.Change{Action: "identity.account.created", ObjectType: "account",
			ObjectID: strconv.FormatInt(id, 10), After: a})
	})
	return a, err
}

// SetRoles replaces the roles of official id. Returns errs.Forbidden unless the principal may
// administer the official's organisation (see CreateAccount) and errs.NotFound for no such official.
func (s *Service) SetRoles(ctx context.Context, id int64, roles []string) (err error) {
	defer errs.Wrap(&err, "identity.SetRoles(%d)", id)
	p := principal.From(ctx)
	if err := requireAuthenticatedOrSystem(p); err != nil {
		return err
	}
	// Only administrators learn anything here, even whether id exists.
	if !isPlatformAdmin(p) && !(p.Kind == principal.Official && p.HasRole(principal.RoleAdministrator)) {
		return errs.E(errs.Forbidden, "error.forbidden")
	}
	for _, r := range roles {
		if !slices.Contains(principal.AllRoles, r) {
			return errs.Field("roles", "error.unknown_role", r)
		}
	}
	slices.Sort(roles)
	roles = slices.Compact(roles)
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		a, err := getAccountTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if a.Kind != principal.Official || a.OrgCode == nil {
			return errs.E(errs.Invalid, "identity.error.not_official")
		}
		// Both the roles taken away and those given must be within the administrator's reach.
		if !mayAdminister(p, *a.OrgCode, append(slices.Clone(roles), a.Roles...)) {
			return errs.E(errs.Forbidden, "error.forbidden")
		}
		if a.ID == p.AccountID && slices.Contains(a.Roles, principal.RoleAdministrator) && !slices.Contains(roles, principal.RoleAdministrator) {
			return errs.E(errs.Conflict, "identity.error.own_admin_role")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM account_roles WHERE account_id = ?`, id); err != nil {
			return err
		}
		for _, r := range roles {
			if _, err := tx.Exec(ctx, `INSERT INTO account_roles (account_id, role) VALUES (?, ?)`, id, r); err != nil {
				return err
			}
		}
		// Sessions carry no roles: the next request reads the new ones.
		return audit.Record(ctx, tx, audit.Change{Action: "identity.roles.changed", ObjectType: "account",
			ObjectID: strconv.FormatInt(id, 10), Before: a.Roles, After: roles,
			Detail: map[string]any{"before": a.Roles, "after": roles}})
	})
}

// SetDisabled disables or re-enables account id and ends its sessions. Only the digital office's
// administrators may, and not for their own account.
func (s *Service) SetDisabled(ctx context.Context, id int64, disabled bool) (err error) {
	defer errs.Wrap(&err, "identity.SetDisabled(%d)", id)
	p := principal.From(ctx)
	if err := requireAuthenticatedOrSystem(p); err != nil {
		return err
	}
	if !isPlatformAdmin(p) {
		return errs.E(errs.Forbidden, "error.forbidden")
	}
	if id == p.AccountID {
		return errs.E(errs.Conflict, "identity.error.own_account")
	}
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		if _, err := getAccountTx(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET disabled = ? WHERE id = ?`, b2i(disabled), id); err != nil {
			return err
		}
		if disabled {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE account_id = ?`, id); err != nil {
				return err
			}
		}
		action := "identity.account.enabled"
		if disabled {
			action = "identity.account.disabled"
		}
		return audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "account", ObjectID: strconv.FormatInt(id, 10)})
	})
}

// Officials lists the officials the principal administers (all for the digital office, their own
// organisation's for another administrator), optionally of one organisation.
func (s *Service) Officials(ctx context.Context, org string) (list []Account, err error) {
	defer errs.Wrap(&err, "identity.Officials(%s)", org)
	p := principal.From(ctx)
	if err := requireAuthenticatedOrSystem(p); err != nil {
		return nil, err
	}
	switch {
	case isPlatformAdmin(p):
	case p.Kind == principal.Official && p.HasRole(principal.RoleAdministrator):
		if org != "" && org != p.OrgCode {
			return nil, errs.E(errs.Forbidden, "error.forbidden")
		}
		org = p.OrgCode
	default:
		return nil, errs.E(errs.Forbidden, "error.forbidden")
	}
	q := `SELECT ` + accountColumns + ` FROM accounts WHERE kind = 'official'`
	var args []any
	if org != "" {
		q += ` AND org_code = ?`
		args = append(args, org)
	}
	if err := s.db.Select(ctx, &list, q+` ORDER BY org_code, login`, args...); err != nil {
		return nil, err
	}
	var roles []struct {
		AccountID int64  `db:"account_id"`
		Role      string `db:"role"`
	}
	if err := s.db.Select(ctx, &roles, `SELECT r.account_id, r.role FROM account_roles r JOIN accounts a ON a.id = r.account_id
		WHERE a.kind = 'official' ORDER BY r.role`); err != nil {
		return nil, err
	}
	byID := map[int64][]string{}
	for _, r := range roles {
		byID[r.AccountID] = append(byID[r.AccountID], r.Role)
	}
	for i := range list {
		list[i].Roles = byID[list[i].ID]
	}
	return list, nil
}
