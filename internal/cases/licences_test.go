package cases_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/formschema"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The licence type of the birth item's required material (出生医学证明).
const birthCertType = "12100000400010681X001"

// statuses returns each material's status by code.
func statuses(c cases.Case) map[string]cases.MaterialStatus {
	out := map[string]cases.MaterialStatus{}
	for _, m := range c.Materials {
		out[m.Code] = m.Status
	}
	return out
}

// A material satisfied by a licence is fetched only with the applicant's consent; without it
// the applicant uploads it, and a required one is missing until they do.
func TestLicenceConsent(t *testing.T) {
	eachEnv(t, envOptions{}, func(t *testing.T, e *env) {
		certificate := []cases.Upload{{Code: "birth_certificate", FileName: "出生医学证明.pdf", Data: pdfFile}}
		tests := []struct {
			name    string
			consent bool
			uploads []cases.Upload
			field   string // the field at fault, "" for a submission
			want    map[string]cases.MaterialStatus
		}{
			{name: "consent: licences fetched", consent: true, want: map[string]cases.MaterialStatus{
				"birth_certificate": cases.MaterialToFetch, "marriage_certificate": cases.MaterialToFetch,
				"household_register": cases.MaterialToFetch}},
			{name: "no consent, no upload: required licence material missing", field: cases.MaterialField("birth_certificate")},
			{name: "no consent, uploaded: the file stands, the optional licence one is not fetched", uploads: certificate,
				want: map[string]cases.MaterialStatus{"birth_certificate": cases.MaterialProvided,
					"marriage_certificate": cases.MaterialMissing, "household_register": cases.MaterialToFetch}},
			{name: "consent and uploaded: the file stands", consent: true, uploads: certificate,
				want: map[string]cases.MaterialStatus{"birth_certificate": cases.MaterialProvided,
					"marriage_certificate": cases.MaterialToFetch, "household_register": cases.MaterialToFetch}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				sub, err := e.svc.Apply(as(e.zhang), e.zhang, cases.Application{ItemCode: itemBirth, Form: birthValues(),
					Materials: tt.uploads, LicenceConsent: tt.consent})
				if tt.field != "" {
					var fe *formschema.Errors
					if !errors.As(err, &fe) || fe.For(tt.field) == nil || fe.For(tt.field).Key != "cases.error.licence_consent_or_upload" {
						t.Fatalf("Apply: %v, want %s refused for want of consent or an upload", err, tt.field)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				c := must[cases.Case](t)(e.svc.Get(as(e.zhang), e.zhang, sub.Case.ID))
				if diff := cmp.Diff(tt.want, statuses(c)); diff != "" {
					t.Errorf("materials mismatch (-want +got):\n%s", diff)
				}
				if c.LicenceConsent != tt.consent {
					t.Errorf("LicenceConsent = %v, want %v", c.LicenceConsent, tt.consent)
				}
				tl := must[[]cases.Event](t)(e.svc.Timeline(as(e.zhang), e.zhang, c.ID))
				var recorded any
				for _, ev := range tl {
					if ev.Kind == cases.EventSubmitted {
						recorded = ev.Detail["licence_consent"]
					}
				}
				if recorded != tt.consent {
					t.Errorf("the submission's timeline records consent %v, want %v", recorded, tt.consent)
				}
				var audited string
				if err := e.db.Get(as(e.zhang), &audited, `SELECT detail FROM audit_events WHERE action = 'cases.submit'
					AND object_id = ?`, c.ID); err != nil {
					t.Fatal(err)
				}
				if want := `"licence_consent":` + map[bool]string{true: "true", false: "false"}[tt.consent]; !strings.Contains(audited, want) {
					t.Errorf("the submission's audit detail %s lacks %s", audited, want)
				}
			})
		}

		// A draft keeps its consent until submitted.
		d := must[cases.Case](t)(e.svc.Start(as(e.zhang), e.zhang, cases.Application{ItemCode: itemBirth, Form: birthValues()}))
		if _, err := e.svc.Submit(as(e.zhang), e.zhang, d.ID); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("Submit without consent: %v, want invalid", err)
		}
		if _, err := e.svc.SetLicenceConsent(as(e.li), e.li, d.ID, true); errs.KindOf(err) != errs.NotFound {
			t.Errorf("another resident consents for the draft: %v, want not found", err)
		}
		if c := must[cases.Case](t)(e.svc.SetLicenceConsent(as(e.zhang), e.zhang, d.ID, true)); !c.LicenceConsent {
			t.Fatal("the draft does not keep the consent")
		}
		sub := must[cases.Submission](t)(e.svc.Submit(as(e.zhang), e.zhang, d.ID))
		if got := statuses(sub.Case)["birth_certificate"]; got != cases.MaterialToFetch {
			t.Errorf("birth certificate %s, want to_fetch", got)
		}
		if _, err := e.svc.SetLicenceConsent(as(e.zhang), e.zhang, d.ID, false); errs.KindOf(err) != errs.Conflict {
			t.Errorf("consent withdrawn after submission: %v, want conflict", err)
		}
	})
}

// The licence service fills a material from a valid licence, or records why it could not; both
// once, and only for what is still to be fetched with consent.
func TestFillMaterialFromLicence(t *testing.T) {
	eachEnv(t, envOptions{}, func(t *testing.T, e *env) {
		sys := as(principal.SystemPrincipal)
		verified := time.Date(2026, 3, 2, 1, 0, 5, 0, time.UTC)
		valid := cases.LicenceFill{ID: "12100000400010681X00135000000001001Y", TypeCode: birthCertType, TypeName: "出生医学证明",
			Number: "R350000123", IssuerName: "福建省卫生健康委员会", State: cases.LicenceValid, VerifiedAt: verified,
			ValidUntil: ""}
		apply := func(consent bool) cases.Case {
			t.Helper()
			var up []cases.Upload
			if !consent {
				up = []cases.Upload{{Code: "birth_certificate", FileName: "出生医学证明.pdf", Data: pdfFile}}
			}
			return must[cases.Submission](t)(e.svc.Apply(as(e.zhang), e.zhang, cases.Application{ItemCode: itemBirth,
				Form: birthValues(), Materials: up, LicenceConsent: consent})).Case
		}
		c := apply(true)

		refusals := []struct {
			name string
			p    principal.Principal
			code string
			f    cases.LicenceFill
			kind errs.Kind
		}{
			{"the applicant", e.zhang, "birth_certificate", valid, errs.Forbidden},
			{"an official", e.healthWindow, "birth_certificate", valid, errs.Forbidden},
			{"a licence that is not valid", principal.SystemPrincipal, "birth_certificate",
				func() cases.LicenceFill { f := valid; f.State = cases.LicenceRevoked; return f }(), errs.Invalid},
			{"a licence of another type", principal.SystemPrincipal, "birth_certificate",
				func() cases.LicenceFill { f := valid; f.TypeCode = "11100000000014145X001"; return f }(), errs.Invalid},
			{"a material not from licences", principal.SystemPrincipal, "household_register",
				func() cases.LicenceFill { f := valid; f.TypeCode = ""; return f }(), errs.NotFound},
		}
		for _, tt := range refusals {
			t.Run(tt.name, func(t *testing.T) {
				if _, err := e.svc.FillMaterialFromLicence(as(tt.p), tt.p, c.ID, tt.code, tt.f); errs.KindOf(err) != tt.kind {
					t.Errorf("FillMaterialFromLicence: %v, want %s", err, tt.kind)
				}
			})
		}

		for i, want := range []bool{true, false} { // the second is a redelivery
			filled, err := e.svc.FillMaterialFromLicence(sys, principal.SystemPrincipal, c.ID, "birth_certificate", valid)
			if err != nil || filled != want {
				t.Fatalf("fill #%d: %v, %v; want %v", i+1, filled, err, want)
			}
		}
		got := must[cases.Case](t)(e.svc.Get(as(e.healthWindow), e.healthWindow, c.ID))
		if got.Status != cases.StatusSubmitted {
			t.Errorf("status %s, want submitted", got.Status)
		}
		for _, m := range got.Materials {
			if m.Code != "birth_certificate" {
				continue
			}
			if m.Status != cases.MaterialFromLicence || m.Licence == nil {
				t.Fatalf("birth certificate %s %+v, want from a licence", m.Status, m.Licence)
			}
			if diff := cmp.Diff(valid, *m.Licence); diff != "" {
				t.Errorf("licence mismatch (-want +got):\n%s", diff)
			}
		}
		var kinds []string
		for _, ev := range must[[]cases.Event](t)(e.svc.Timeline(as(e.zhang), e.zhang, c.ID)) {
			if ev.Kind == cases.EventFromLicence {
				kinds = append(kinds, ev.Kind)
				if ev.Detail["licence"] != valid.ID || ev.Detail["material"] != "birth_certificate" {
					t.Errorf("timeline detail %v", ev.Detail)
				}
			}
		}
		if len(kinds) != 1 {
			t.Errorf("%d timeline entries of the fill, want 1", len(kinds))
		}

		// The optional marriage certificate: the applicant holds none.
		none := cases.LicenceFill{TypeCode: "11100000000014145X001", State: cases.LicenceNone, VerifiedAt: verified}
		before := len(e.inbox(t, e.zhang.AccountID))
		for i, want := range []bool{true, false} {
			done, err := e.svc.LicenceUnavailable(sys, principal.SystemPrincipal, c.ID, "marriage_certificate", none)
			if err != nil || done != want {
				t.Fatalf("unavailable #%d: %v, %v; want %v", i+1, done, err, want)
			}
		}
		if got := statuses(must[cases.Case](t)(e.svc.Get(as(e.zhang), e.zhang, c.ID)))["marriage_certificate"]; got != cases.MaterialUnavailable {
			t.Errorf("marriage certificate %s, want unavailable", got)
		}
		inbox := e.inbox(t, e.zhang.AccountID)
		if len(inbox) != before+1 || inbox[len(inbox)-1] != "cases.notice.licence_unavailable.none" {
			t.Errorf("inbox %v, want one notice that the licence is unavailable", inbox[before:])
		}
		if _, err := e.svc.LicenceUnavailable(sys, principal.SystemPrincipal, c.ID, "marriage_certificate", valid); errs.KindOf(err) != errs.Invalid {
			t.Errorf("unavailable with a valid licence: %v, want invalid", err)
		}

		// Without consent nothing is fetched: the uploaded file stands.
		other := apply(false)
		filled, err := e.svc.FillMaterialFromLicence(sys, principal.SystemPrincipal, other.ID, "birth_certificate", valid)
		if err != nil || filled {
			t.Errorf("fill without consent: %v, %v; want nothing done", filled, err)
		}
	})
}
