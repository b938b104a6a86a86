package seal_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/pki"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/seal"
	"github.com/yiwang-platform/yiwang/internal/ses"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

const samr = "fj-market-regulation"

func official(login, orgCode string, roles ...string) principal.Principal {
	return principal.Principal{Kind: principal.Official, Login: login, AccountID: int64(len(login)), OrgCode: orgCode, Roles: roles}
}

var (
	admin        = official("scj.admin", samr, principal.RoleAdministrator)
	approver     = official("scj.approver", samr, principal.RoleApprover)
	adminApprove = official("scj.both", samr, principal.RoleAdministrator, principal.RoleApprover)
	sealUser     = official("scj.sealer", samr, principal.RoleSealUser)
	officeAdmin  = official("szb.admin", org.DigitalOffice, principal.RoleAdministrator)
	otherAdmin   = official("gat.admin", "fj-public-security", principal.RoleAdministrator)
	otherApprove = official("gat.approver", "fj-public-security", principal.RoleApprover)
	otherSealer  = official("gat.sealer", "fj-public-security", principal.RoleSealUser)
	clerk        = official("scj.window", samr, principal.RoleWindowOfficer)
	resident     = principal.Principal{Kind: principal.Resident, Login: "13859001234", AccountID: 99}
)

func as(p principal.Principal) context.Context { return principal.With(context.Background(), p) }

type fixture struct {
	reg    *seal.Registry
	pki    *pki.Service
	keys   *keys.Service
	events []seal.Event
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	if _, err := org.Seed(as(principal.SystemPrincipal), db, org.Directory()); err != nil {
		t.Fatal(err)
	}
	ks, err := keys.New(db, keys.NewMasterKey(), keys.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{keys: ks, pki: pki.New(db, ks, pki.Config{BaseURL: "https://yiwang.example.gov.cn"})}
	f.reg = seal.New(db, ks, f.pki, seal.Config{OnEvent: func(ctx context.Context, tx *store.Tx, e seal.Event) error {
		f.events = append(f.events, e)
		return nil
	}})
	return f
}

func request(alg keys.Algorithm) seal.Request {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	return seal.Request{Org: samr, Kind: seal.Special, Name: "福建省市场监督管理局行政审批专用章", Caption: "行政审批专用章",
		Algorithm: alg, ValidFrom: from, ValidTo: from.AddDate(4, 0, 0)}
}

func TestRequestApproveUse(t *testing.T) {
	for _, alg := range []keys.Algorithm{keys.SM2, keys.ECDSAP256} {
		storetest.Each(t, func(t *testing.T, db *store.DB) {
			t.Run(string(alg), func(t *testing.T) {
				f := setup(t, db)
				s, err := f.reg.RequestSeal(as(admin), admin, request(alg))
				if err != nil {
					t.Fatal(err)
				}
				if s.Status != seal.Pending || s.KeyID != nil || len(s.Code) != 14 || !strings.HasPrefix(s.Code, "35") {
					t.Fatalf("requested seal %+v", s)
				}
				// A pending seal cannot be used.
				if _, err := f.reg.Usable(as(sealUser), sealUser, s.ID); errs.KindOf(err) != errs.Conflict {
					t.Fatalf("pending seal usable: %v", err)
				}
				// Two people: not the requester, not another organisation's approver, not a clerk.
				for _, tc := range []struct {
					p    principal.Principal
					want errs.Kind
				}{
					{admin, errs.Forbidden}, {clerk, errs.Forbidden}, {otherApprove, errs.NotFound}, {resident, errs.NotFound},
				} {
					if _, err := f.reg.Approve(as(tc.p), tc.p, s.ID); errs.KindOf(err) != tc.want {
						t.Errorf("Approve as %s: %v, want %s", tc.p.Login, err, tc.want)
					}
				}
				got, err := f.reg.Approve(as(approver), approver, s.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != seal.Active || got.KeyID == nil || got.CertSerial == nil || *got.DecidedBy != approver.Actor() {
					t.Fatalf("approved seal %+v", got)
				}
				if _, err := f.reg.Approve(as(approver), approver, s.ID); errs.KindOf(err) != errs.Conflict {
					t.Fatalf("second approval: %v", err)
				}
				cert, err := f.pki.Get(context.Background(), *got.CertSerial)
				if err != nil || cert.Kind != pki.KindSeal || cert.KeyID != *got.KeyID || cert.Org != samr {
					t.Fatalf("seal certificate %+v %v", cert, err)
				}
				if alg == keys.SM2 {
					parsed, err := ses.ParseSeal(got.SealDER)
					if err != nil {
						t.Fatal(err)
					}
					if err := parsed.VerifyMaker(); err != nil {
						t.Fatalf("seal maker's signature: %v", err)
					}
					if parsed.Info.ID != got.Code || parsed.Info.Name != got.Name || !parsed.HasSigner(cert.DER) {
						t.Fatalf("seal structure %+v", parsed.Info)
					}
					img, err := f.reg.Image(context.Background(), s.ID)
					if err != nil || !bytes.Equal(img, parsed.Info.Picture) {
						t.Fatalf("picture in the seal structure differs from the registry's: %v", err)
					}
				} else if got.SealDER != nil {
					t.Fatal("an ECDSA seal has a GB/T 38540 structure")
				}
				// Who may sign with it: the organisation's seal users only.
				if _, err := f.reg.Usable(as(sealUser), sealUser, s.ID); err != nil {
					t.Fatalf("seal user: %v", err)
				}
				for _, p := range []principal.Principal{admin, approver, clerk} {
					if _, err := f.reg.Usable(as(p), p, s.ID); errs.KindOf(err) != errs.Forbidden {
						t.Errorf("Usable as %s: %v", p.Login, err)
					}
				}
				for _, p := range []principal.Principal{otherSealer, resident} {
					if _, err := f.reg.Usable(as(p), p, s.ID); errs.KindOf(err) != errs.NotFound {
						t.Errorf("Usable as %s: %v", p.Login, err)
					}
				}
				info, err := f.reg.ByCertificate(context.Background(), *got.CertSerial)
				if err != nil || info.ID != s.ID || info.Name != s.Name {
					t.Fatalf("ByCertificate %+v %v", info, err)
				}
				if len(f.events) != 1 || f.events[0].Type != "seal.created" || f.events[0].CertSerial != *got.CertSerial {
					t.Fatalf("events %+v", f.events)
				}
			})
		})
	}
}

func TestRevocationTakesTwo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		s, err := f.reg.RequestSeal(as(officeAdmin), officeAdmin, request(keys.ECDSAP256))
		if err != nil {
			t.Fatal(err)
		}
		// The digital office's administrator asked, so the department's own administrator-approver may approve.
		if _, err := f.reg.Approve(as(adminApprove), adminApprove, s.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.reg.RequestRevocation(as(adminApprove), adminApprove, s.ID, "lost", ""); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("bad reason: %v", err)
		}
		if err := f.reg.RequestRevocation(as(otherAdmin), otherAdmin, s.ID, "superseded", ""); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("other organisation's administrator: %v", err)
		}
		if err := f.reg.RequestRevocation(as(adminApprove), adminApprove, s.ID, "superseded", "新章启用"); err != nil {
			t.Fatal(err)
		}
		// The one who asked cannot decide; refusing puts the seal back in use.
		if err := f.reg.DecideRevocation(as(adminApprove), adminApprove, s.ID, true); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("requester decided: %v", err)
		}
		if err := f.reg.DecideRevocation(as(approver), approver, s.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := f.reg.Usable(as(sealUser), sealUser, s.ID); err != nil {
			t.Fatalf("after a refused revocation: %v", err)
		}
		if err := f.reg.RequestRevocation(as(admin), admin, s.ID, "keyCompromise", ""); err != nil {
			t.Fatal(err)
		}
		if err := f.reg.DecideRevocation(as(approver), approver, s.ID, true); err != nil {
			t.Fatal(err)
		}
		got, err := f.reg.Get(as(admin), admin, s.ID)
		if err != nil || got.Status != seal.Revoked || got.RevokedAt == nil {
			t.Fatalf("revoked seal %+v %v", got, err)
		}
		cert, err := f.pki.Get(context.Background(), *got.CertSerial)
		if err != nil || cert.Status != pki.StatusRevoked || cert.Reason != "keyCompromise" {
			t.Fatalf("certificate after revocation %+v %v", cert, err)
		}
		k, err := f.keys.Get(as(admin), admin, *got.KeyID)
		if err != nil || k.Status != keys.Retired {
			t.Fatalf("key after revocation %+v %v", k, err)
		}
		if _, err := f.reg.Usable(as(sealUser), sealUser, s.ID); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("revoked seal usable: %v", err)
		}
		if n := len(f.events); n != 2 || f.events[1].Type != "seal.revoked" {
			t.Fatalf("events %+v", f.events)
		}
		evs, err := audit.List(context.Background(), db, audit.Filter{ObjectType: "seal", ObjectID: s.ID})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range evs {
			actions = append([]string{e.Action}, actions...)
		}
		want := "seal.request seal.approve seal.revoke_request seal.revoke_refuse seal.revoke_request seal.revoke"
		if strings.Join(actions, " ") != want {
			t.Fatalf("audit trail %v, want %s", actions, want)
		}
	})
}

func TestRejectAndBadRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		s, err := f.reg.RequestSeal(as(admin), admin, request(keys.SM2))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.reg.Reject(as(approver), approver, s.ID, "理由\x00"); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("reject with a control character: %v", err)
		}
		if err := f.reg.Reject(as(approver), approver, s.ID, " "); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("reject without reason: %v", err)
		}
		if err := f.reg.Reject(as(approver), approver, s.ID, "印章名称与批文不符"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.reg.Approve(as(approver), approver, s.ID); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("approve after rejection: %v", err)
		}

		good := request(keys.SM2)
		tests := []struct {
			name  string
			p     principal.Principal
			edit  func(r *seal.Request)
			field string
			kind  errs.Kind
		}{
			{"clerk", clerk, nil, "", errs.Forbidden},
			{"other organisation", otherAdmin, nil, "", errs.Forbidden},
			{"resident", resident, nil, "", errs.Forbidden},
			{"kind", admin, func(r *seal.Request) { r.Kind = "personal" }, "kind", errs.Invalid},
			{"name", admin, func(r *seal.Request) { r.Name = "  " }, "name", errs.Invalid},
			{"NUL in name", admin, func(r *seal.Request) { r.Name = "福建省\x00市场监督管理局" }, "name", errs.Invalid},
			{"caption", admin, func(r *seal.Request) { r.Caption = "一二三四五六七八九十十一" }, "caption", errs.Invalid},
			{"algorithm", admin, func(r *seal.Request) { r.Algorithm = keys.Ed25519 }, "algorithm", errs.Invalid},
			{"validity", admin, func(r *seal.Request) { r.ValidTo = r.ValidFrom }, "valid_to", errs.Invalid},
			{"too long", admin, func(r *seal.Request) { r.ValidTo = r.ValidFrom.AddDate(6, 0, 0) }, "valid_to", errs.Invalid},
			{"not a PNG", admin, func(r *seal.Request) { r.Image = []byte("GIF89a....") }, "image", errs.Invalid},
			{"tiny PNG", admin, func(r *seal.Request) { r.Image = pngOf(8, 8) }, "image", errs.Invalid},
			{"huge", admin, func(r *seal.Request) { r.Image = make([]byte, seal.MaxImageBytes+1) }, "image", errs.Invalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				req := good
				if tt.edit != nil {
					tt.edit(&req)
				}
				_, err := f.reg.RequestSeal(as(tt.p), tt.p, req)
				pe := errs.Public(err)
				if err == nil || pe.Kind != tt.kind || pe.Field != tt.field {
					t.Fatalf("got %v, want kind %s field %q", err, tt.kind, tt.field)
				}
			})
		}
		// An uploaded picture is kept as given.
		req := good
		req.Image = pngOf(300, 300)
		s2, err := f.reg.RequestSeal(as(admin), admin, req)
		if err != nil {
			t.Fatal(err)
		}
		img, err := f.reg.Image(context.Background(), s2.ID)
		if err != nil || !bytes.Equal(img, req.Image) {
			t.Fatalf("uploaded picture: %v", err)
		}
		// A pending seal's picture is for its officials only; once approved, anyone may have it.
		if _, err := f.reg.ImageFor(context.Background(), principal.Principal{}, s2.ID); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("pending picture to anyone: %v", err)
		}
		if img, err := f.reg.ImageFor(as(approver), approver, s2.ID); err != nil || !bytes.Equal(img, req.Image) {
			t.Fatalf("pending picture to its approver: %v", err)
		}
		if _, err := f.reg.Approve(as(approver), approver, s2.ID); err != nil {
			t.Fatal(err)
		}
		if img, err := f.reg.ImageFor(context.Background(), principal.Principal{}, s2.ID); err != nil || !bytes.Equal(img, req.Image) {
			t.Fatalf("active seal's picture to anyone: %v", err)
		}
		// Listing: own organisation, the digital office; not others.
		if l, err := f.reg.List(as(admin), admin, samr); err != nil || len(l) != 2 {
			t.Fatalf("List own = %d, %v", len(l), err)
		}
		if l, err := f.reg.List(as(officeAdmin), officeAdmin, ""); err != nil || len(l) != 2 {
			t.Fatalf("List all = %d, %v", len(l), err)
		}
		if _, err := f.reg.List(as(otherAdmin), otherAdmin, samr); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("List other's: %v", err)
		}
		if _, err := f.reg.List(as(otherAdmin), otherAdmin, ""); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("List all as department: %v", err)
		}
		if _, err := f.reg.Get(as(otherAdmin), otherAdmin, s2.ID); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("Get other's: %v", err)
		}
	})
}

func pngOf(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, h/2, color.NRGBA{R: 0xd7, A: 0xff})
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
