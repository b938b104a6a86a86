package cases_test

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// ofdFile is a minimal OFD container: a ZIP with OFD.xml at its root.
func ofdFile(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, err := z.Create("OFD.xml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" DocType="OFD" Version="1.0"/>`)); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Who may apply for what, through which channel.
func TestIntake(t *testing.T) {
	eachEnv(t, envOptions{}, func(t *testing.T, e *env) {
		tests := []struct {
			name  string
			p     principal.Principal
			a     cases.Application
			kind  errs.Kind // "" = accepted
			field string
			check func(t *testing.T, c cases.Case)
		}{
			{name: "resident online, person item", p: e.zhang, a: cases.Application{LicenceConsent: true, ItemCode: itemBirth, Form: birthValues()},
				check: func(t *testing.T, c cases.Case) {
					if c.Channel != cases.ChannelOnline || c.ReceivingOrg != "" || c.Applicant.Name != "张晓明" || c.Applicant.Kind != cases.ApplicantPerson {
						t.Errorf("case %+v", c)
					}
				}},
			{name: "resident for an enterprise item", p: e.zhang, a: cases.Application{LicenceConsent: true, ItemCode: itemFood, Form: foodValues(e)},
				kind: errs.Invalid, field: "item"},
			{name: "agent for a person item", p: e.agentRongcheng, a: cases.Application{LicenceConsent: true, ItemCode: itemBirth, Form: birthValues()},
				kind: errs.Invalid, field: "item"},
			{name: "agent for an item for both", p: e.agentRongcheng, a: cases.Application{LicenceConsent: true, ItemCode: itemXMAdvert,
				Form: map[string]any{"address": "厦门市思明区湖滨南路 90 号", "mobile": "13750013456"}},
				check: func(t *testing.T, c cases.Case) {
					if c.Applicant.Kind != cases.ApplicantEnterprise || c.Applicant.Name != "福州榕城餐饮管理有限公司" {
						t.Errorf("case %+v", c)
					}
				}},
			{name: "item not applied for online", p: e.zhang, a: cases.Application{LicenceConsent: true, ItemCode: itemInfoOnly}, kind: errs.Invalid, field: "item"},
			{name: "unknown item", p: e.zhang, a: cases.Application{LicenceConsent: true, ItemCode: "no-such-item"}, kind: errs.Invalid, field: "item"},
			{name: "item and bundle", p: e.zhang, a: cases.Application{LicenceConsent: true, ItemCode: itemBirth, BundleCode: bundleRestaurant}, kind: errs.Invalid, field: "item"},
			{name: "unknown channel", p: e.zhang, a: cases.Application{LicenceConsent: true, ItemCode: itemBirth, Channel: "fax"}, kind: errs.Invalid, field: "channel"},
			{name: "anonymous", p: principal.Principal{Kind: principal.Anonymous}, a: cases.Application{LicenceConsent: true, ItemCode: itemBirth}, kind: errs.Unauthenticated},
			{name: "official online", p: e.scjWindow, a: cases.Application{LicenceConsent: true, ItemCode: itemBirth}, kind: errs.Forbidden},
			{name: "resident at a window", p: e.zhang, a: cases.Application{LicenceConsent: true, ItemCode: itemBirth, Channel: cases.ChannelWindow, Applicant: e.li.AccountID},
				kind: errs.Forbidden},
			{name: "reviewer at a window", p: e.scjReviewer, a: cases.Application{LicenceConsent: true, ItemCode: itemFood, Channel: cases.ChannelWindow, Applicant: e.zhang.AccountID},
				kind: errs.Forbidden},
			{name: "window without a person", p: e.fuzhouWindow, a: cases.Application{LicenceConsent: true, ItemCode: itemBirth, Channel: cases.ChannelWindow},
				kind: errs.Invalid, field: "applicant"},
			{name: "window for an official's account", p: e.fuzhouWindow, a: cases.Application{LicenceConsent: true, ItemCode: itemBirth, Channel: cases.ChannelWindow,
				Applicant: e.scjApprover.AccountID}, kind: errs.Invalid, field: "applicant"},
			{name: "Fuzhou's window collects Xiamen's province-wide item", p: e.fuzhouWindow, a: cases.Application{LicenceConsent: true, ItemCode: itemXMPension,
				Channel: cases.ChannelWindow, Applicant: e.li.AccountID, Form: map[string]any{"address": "厦门市湖里区兴隆路 3 号", "mobile": "13806052345"}},
				check: func(t *testing.T, c cases.Case) {
					if c.ReceivingOrg != fuzhou || c.HandlingOrg != xiamen || c.Channel != cases.ChannelWindow || c.Applicant.Account != e.li.AccountID ||
						c.Applicant.Name != "李秀英" || c.CreatedBy != e.fuzhouWindow.Actor() {
						t.Errorf("case %+v", c)
					}
				}},
			{name: "Fuzhou's window may not collect Xiamen's local item", p: e.fuzhouWindow, a: cases.Application{LicenceConsent: true, ItemCode: itemXMAdvert,
				Channel: cases.ChannelWindow, Applicant: e.li.AccountID}, kind: errs.Forbidden},
			{name: "Xiamen's window collects its own local item", p: e.xiamenWindow, a: cases.Application{LicenceConsent: true, ItemCode: itemXMAdvert,
				Channel: cases.ChannelWindow, Applicant: e.li.AccountID, Form: map[string]any{"address": "厦门市思明区湖滨南路 90 号", "mobile": "13806052345"}}},
			{name: "Fuzhou's window may not collect a provincial item without cross-region handling", p: e.fuzhouWindow,
				a: cases.Application{LicenceConsent: true, ItemCode: itemRealEstate, Channel: cases.ChannelWindow, Applicant: e.zhang.AccountID}, kind: errs.Forbidden},
			{name: "the department's own window collects it", p: e.zrzyWindow, a: cases.Application{LicenceConsent: true, ItemCode: itemRealEstate,
				Channel: cases.ChannelWindow, Applicant: e.zhang.AccountID, Form: realEstateValues(),
				Materials: []cases.Upload{{Code: "sale_contract", FileName: "合同.pdf", Data: pdfFile}}}},
			{name: "a window collects an item below online depth II", p: e.fuzhouWindow, a: cases.Application{LicenceConsent: true, ItemCode: itemInfoOnly,
				Channel: cases.ChannelWindow, Applicant: e.zhang.AccountID, Form: map[string]any{"address": "福州市鼓楼区", "mobile": "13905911234"}}},
			{name: "kiosk", p: e.zhang, a: cases.Application{LicenceConsent: true, ItemCode: itemBirth, Channel: cases.ChannelKiosk, KioskOrg: fuzhou, Form: birthValues()},
				check: func(t *testing.T, c cases.Case) {
					if c.Channel != cases.ChannelKiosk || c.ReceivingOrg != fuzhou {
						t.Errorf("kiosk case %+v", c)
					}
				}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				sub, err := e.svc.Apply(as(tc.p), tc.p, tc.a)
				if tc.kind == "" {
					if err != nil {
						t.Fatalf("Apply: %v", err)
					}
					if tc.check != nil {
						tc.check(t, sub.Case)
					}
					return
				}
				if !errs.Is(err, tc.kind) {
					t.Fatalf("Apply = %v, want %s", err, tc.kind)
				}
				if tc.field != "" && errs.Public(err).Field != tc.field {
					t.Errorf("field %q, want %q (%v)", errs.Public(err).Field, tc.field, err)
				}
			})
		}
		// The person a window applied for follows the case online.
		mine := must[[]cases.Summary](t)(e.svc.Mine(as(e.li), e.li, cases.ListFilter{}))
		if len(mine) != 2 || mine[0].Applicant.Name != "李**" {
			t.Errorf("li's cases %+v", mine)
		}
		recv := must[[]cases.Summary](t)(e.svc.Worklist(as(e.fuzhouWindow), e.fuzhouWindow, cases.WorkFilter{As: cases.AsReceiving}))
		if len(recv) != 3 { // two at its window, one at its hall's kiosk
			t.Errorf("Fuzhou's receiving worklist %v", recv)
		}
		if l := must[[]cases.Summary](t)(e.svc.Worklist(as(e.fuzhouWindow), e.fuzhouWindow, cases.WorkFilter{As: cases.AsHandling})); len(l) != 0 {
			t.Errorf("Fuzhou's handling worklist %v", l)
		}
	})
}

// Forms are validated field by field; uploads by their content, size and the scanner.
func TestFormsAndUploads(t *testing.T) {
	eachEnv(t, envOptions{}, func(t *testing.T, e *env) {
		agent := as(e.agentRongcheng)
		d := must[cases.Case](t)(e.svc.Start(agent, e.agentRongcheng, cases.Application{LicenceConsent: true, ItemCode: itemFood}))
		drafts := []struct {
			values map[string]any
			fields []string // fields with errors; none = saved
		}{
			{map[string]any{"shop_name": "榕城小馆", "area": 60}, nil},
			{map[string]any{"shop_name": "榕", "mobile": "1234", "area": "sixty"}, []string{"shop_name", "mobile", "area"}},
			{map[string]any{"credit_code": "91350102MA2Y8K6L00"}, []string{"credit_code"}},
			{map[string]any{"shop_name": "榕城小馆", "nickname": "x"}, []string{"nickname"}},
			{map[string]any{"kind": "casino"}, []string{"kind"}},
		}
		for _, dt := range drafts {
			_, err := e.svc.SaveDraft(agent, e.agentRongcheng, d.ID, dt.values)
			fe := cases.FieldErrors(err)
			if len(dt.fields) == 0 {
				if err != nil {
					t.Errorf("SaveDraft(%v) = %v", dt.values, err)
				}
				continue
			}
			if fe == nil {
				t.Errorf("SaveDraft(%v) = %v, want field errors", dt.values, err)
				continue
			}
			for _, f := range dt.fields {
				if fe.For(f) == nil {
					t.Errorf("SaveDraft(%v): no error for %s in %v", dt.values, f, fe)
				}
			}
		}
		if c := must[cases.Case](t)(e.svc.Get(agent, e.agentRongcheng, d.ID)); c.Form["shop_name"] != "榕城小馆" || c.Form["area"] != float64(60) {
			t.Errorf("the draft's values %v", c.Form)
		}
		eicarPDF := append(append([]byte(nil), pdfFile...), []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`)...)
		big := append(append([]byte(nil), pdfFile...), bytes.Repeat([]byte{' '}, 5<<20)...)
		uploads := []struct {
			name, code, file string
			data             []byte
			kind             errs.Kind
			key              string
		}{
			{"pdf", "application_form", "申请书.pdf", pdfFile, "", ""},
			{"ofd", "application_form", "申请书.ofd", ofdFile(t), "", ""},
			{"png where only pdf or ofd go", "application_form", "申请书.png", pngFile, errs.Invalid, "cases.error.material_format"},
			{"pdf named png", "premises_plan", "平面图.png", pdfFile, errs.Invalid, "cases.error.material_extension"},
			{"executable name", "premises_plan", "平面图.exe", pdfFile, errs.Invalid, "cases.error.material_extension"},
			{"not a document", "premises_plan", "平面图.pdf", []byte("MZ\x90\x00 not a pdf"), errs.Invalid, "cases.error.material_format"},
			{"EICAR in a pdf", "premises_plan", "平面图.pdf", eicarPDF, errs.Invalid, "cases.error.material_infected"},
			{"too large", "premises_plan", "平面图.pdf", big, errs.TooLarge, "cases.error.material_too_large"},
			{"empty", "premises_plan", "平面图.pdf", nil, errs.Invalid, "cases.error.material_empty"},
			{"unknown material", "tax_return", "x.pdf", pdfFile, errs.Invalid, "cases.error.material_unknown"},
			{"name without extension", "premises_plan", "平面图", jpegFile, "", ""},
		}
		for _, u := range uploads {
			m, err := e.svc.AttachMaterial(agent, e.agentRongcheng, d.ID, u.code, u.file, u.data)
			if u.kind == "" {
				if err != nil || m.Status != cases.MaterialProvided {
					t.Errorf("%s: %v %+v", u.name, err, m)
				}
				continue
			}
			pe := errs.Public(err)
			if pe.Kind != u.kind || pe.Message != u.key || pe.Field != cases.MaterialField(u.code) {
				t.Errorf("%s: %v, want %s %s on %s", u.name, err, u.kind, u.key, cases.MaterialField(u.code))
			}
		}
		c := must[cases.Case](t)(e.svc.Get(agent, e.agentRongcheng, d.ID))
		for _, m := range c.Materials {
			if m.Code == "premises_plan" && (m.FileName != "平面图.jpeg" || m.Format != cases.FormatJPEG) {
				t.Errorf("premises plan stored as %q %s", m.FileName, m.Format)
			}
			if m.Code == "application_form" && m.Format != cases.FormatOFD {
				t.Errorf("application form %s, want the later OFD", m.Format)
			}
		}
		_, data, err := e.svc.MaterialFile(agent, e.agentRongcheng, d.ID, "application_form")
		if err != nil || !bytes.Equal(data, ofdFile(t)) && !bytes.HasPrefix(data, []byte("PK")) {
			t.Errorf("MaterialFile = %v", err)
		}
		if err := e.svc.RemoveMaterial(agent, e.agentRongcheng, d.ID, "premises_plan"); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.RemoveMaterial(agent, e.agentRongcheng, d.ID, "premises_plan"); errs.Public(err).Field != cases.MaterialField("premises_plan") {
			t.Errorf("removing twice: %v", err)
		}
		// Apply reports every problem at once.
		_, err = e.svc.Apply(agent, e.agentRongcheng, cases.Application{LicenceConsent: true, ItemCode: itemFood,
			Form:      map[string]any{"shop_name": "榕城小馆", "mobile": "12345"},
			Materials: []cases.Upload{{Code: "application_form", FileName: "a.png", Data: pngFile}}})
		fe := cases.FieldErrors(err)
		for _, f := range []string{"credit_code", "address", "kind", "mobile", cases.MaterialField("application_form"), cases.MaterialField("premises_plan")} {
			if fe.For(f) == nil {
				t.Errorf("Apply: no error for %s in %v", f, err)
			}
		}
		if !strings.Contains(err.Error(), "formschema") || !errs.Is(err, errs.Invalid) {
			t.Errorf("Apply error %v is not field errors of kind invalid", err)
		}
	})
}
