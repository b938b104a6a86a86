package oidc

import (
	"context"
	"slices"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/yiwang-platform/yiwang/internal/apps"
	"github.com/yiwang-platform/yiwang/internal/errs"
)

// Claims beyond OpenID Connect's standard ones.
const (
	ClaimIDNumber      = "id_number"       // the identity document number, masked unless the app is entitled
	ClaimIDType        = "id_type"         // the kind of document (resident ID, permit, passport)
	ClaimRealNameLevel = "real_name_level" // 1 self-declared, 2 matched against the registry, 3 verified in person
	ClaimEnterprise    = "enterprise"      // {"credit_code", "name"} of the enterprise the person acts for
)

// claims fills info with what the grant's scopes release about its person, as the person sees
// it described on the consent page:
//
//   - openid: sub, the account id;
//   - profile: name;
//   - phone: phone_number and phone_number_verified;
//   - id_number: id_number, masked (first 6 and last 4 characters) unless the app is entitled to
//     full numbers, and id_type;
//   - real_name_level: real_name_level, 1 to 3;
//   - enterprise: {credit_code, name} of the enterprise the person acted for when they
//     consented, absent when they acted for themselves.
//
// In an ID token (idToken true) the ID number is never included: it is released only at
// userinfo, over an authenticated back-channel call, and ID tokens travel further.
func (s *storage) claims(ctx context.Context, info *oidc.UserInfo, g grant, idToken bool) error {
	info.Subject = g.subject()
	if g.AccountID == nil {
		return nil
	}
	scopes := g.scopes()
	want := func(sc string) bool { return slices.Contains(scopes, sc) }
	needPerson := want(apps.ScopeProfile) || want(apps.ScopePhone) || want(apps.ScopeIDNumber) && !idToken || want(apps.ScopeRealNameLevel)
	if needPerson {
		p, err := s.subjects.Subject(ctx, *g.AccountID)
		if errs.Is(err, errs.NotFound) {
			return errNotFound
		}
		if err != nil {
			return oidc.ErrServerError().WithParent(err)
		}
		if want(apps.ScopeProfile) {
			info.Name = p.Name
		}
		if want(apps.ScopePhone) && p.Phone != "" {
			info.PhoneNumber = p.Phone
			info.PhoneNumberVerified = oidc.Bool(p.PhoneVerified)
		}
		if want(apps.ScopeIDNumber) && !idToken && p.IDNumber != "" {
			a, err := s.apps.Get(ctx, g.ClientID)
			if err != nil {
				return oidc.ErrServerError().WithParent(err)
			}
			number := MaskIDNumber(p.IDNumber)
			if a.IDNumberEntitled {
				number = p.IDNumber
			}
			info.AppendClaims(ClaimIDNumber, number)
			info.AppendClaims(ClaimIDType, p.IDType)
		}
		if want(apps.ScopeRealNameLevel) && p.RealNameLevel > 0 {
			info.AppendClaims(ClaimRealNameLevel, p.RealNameLevel)
		}
	}
	if want(apps.ScopeEnterprise) && g.ActingFor != "" {
		info.AppendClaims(ClaimEnterprise, map[string]string{"credit_code": g.ActingFor, "name": g.ActingForName})
	}
	return nil
}

// MaskIDNumber hides the middle of an identity document number: a resident ID (18 characters,
// or 15 of the old kind) keeps its first 6 (the issuing region) and last 4, as in
// 350102********1234; a shorter document number (permits, passports: 8 to 13 characters) keeps
// its first and last 2, so that at least half stays hidden; a still shorter one is hidden whole.
func MaskIDNumber(n string) string {
	r := []rune(n)
	var head, tail int
	switch {
	case len(r) >= 14:
		head, tail = 6, 4
	case len(r) >= 8:
		head, tail = 2, 2
	default:
		return strings.Repeat("*", len(r))
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}
