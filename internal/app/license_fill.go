package app

import (
	"context"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// caseMaterials lets the licence service read and fill the licence materials of cases (免提交),
// as the platform.
type caseMaterials struct{ cases *cases.Service }

func (c caseMaterials) CaseLicences(ctx context.Context, caseID string) (license.CaseLicences, error) {
	k, err := c.cases.Get(ctx, principal.SystemPrincipal, caseID)
	if err != nil {
		return license.CaseLicences{}, err
	}
	out := license.CaseLicences{Number: k.Number, Org: k.HandlingOrg, Applicant: k.Applicant.Account,
		ActingFor: k.Applicant.ActingFor, Consent: k.LicenceConsent}
	for _, m := range k.Materials {
		if m.Source != cases.SourceLicence {
			continue
		}
		lm := license.CaseLicenceMaterial{Code: m.Code, NameHans: m.NameHans, TypeCode: m.LicenceType,
			ToFetch: m.Status == cases.MaterialToFetch}
		if m.Status == cases.MaterialFromLicence && m.Licence != nil {
			lm.FilledFrom = m.Licence.ID
		}
		out.Materials = append(out.Materials, lm)
	}
	return out, nil
}

func (c caseMaterials) FillFromLicence(ctx context.Context, caseID, code string, f license.FilledLicence) (bool, error) {
	return c.cases.FillMaterialFromLicence(ctx, principal.SystemPrincipal, caseID, code, licenceFill(f))
}

func (c caseMaterials) LicenceUnavailable(ctx context.Context, caseID, code string, f license.FilledLicence) (bool, error) {
	return c.cases.LicenceUnavailable(ctx, principal.SystemPrincipal, caseID, code, licenceFill(f))
}

// licenceFill is a verified licence as cases keeps it with a material.
func licenceFill(f license.FilledLicence) cases.LicenceFill {
	return cases.LicenceFill{ID: f.ID, TypeCode: f.TypeCode, TypeName: f.TypeName, Number: f.Number, IssuerName: f.IssuerName,
		State: string(f.State), VerifiedAt: f.VerifiedAt, ValidUntil: f.ValidUntil}
}
