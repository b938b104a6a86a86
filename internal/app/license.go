package app

import (
	"context"
	"maps"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/formschema"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/seal"
	"github.com/yiwang-platform/yiwang/internal/sign"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// DefaultNode is the node's province code when Config.Node is empty: Fujian.
const DefaultNode = "350000"

// licenseDirectory gives the licence service the organisations of the directory with their
// credit codes: the same codes the catalogue's item codes begin with (catalog.OrgCreditCode),
// since the directory keeps none of its own.
type licenseDirectory struct{ db *store.DB }

func (d licenseDirectory) Organisation(ctx context.Context, code string) (license.Organisation, error) {
	o, err := org.Get(ctx, d.db, code)
	if err != nil {
		return license.Organisation{}, err
	}
	return license.Organisation{Code: o.Code, CreditCode: catalog.OrgCreditCode(o.Code), NameHans: o.NameHans,
		Region: o.RegionCode}, nil
}

// licenseHolders finds licence holders' accounts in identity.
type licenseHolders struct{ ids *identity.Service }

func (h licenseHolders) Resident(ctx context.Context, account int64) (string, string, error) {
	a, err := h.ids.Account(ctx, account)
	if err != nil {
		return "", "", err
	}
	if a.Kind != principal.Resident || a.IDType == nil || *a.IDType != string(identity.ResidentID) || a.IDNumber == nil {
		return "", "", errs.E(errs.NotFound, "error.not_found")
	}
	return a.DisplayName, *a.IDNumber, nil
}

func (h licenseHolders) ResidentAccount(ctx context.Context, idNumber string) (int64, error) {
	return h.ids.AccountIDByResidentID(principal.With(ctx, principal.SystemPrincipal), idNumber)
}

func (h licenseHolders) Enterprise(ctx context.Context, creditCode string) (string, int64, error) {
	e, err := h.ids.Enterprise(ctx, creditCode)
	if err != nil {
		return "", 0, err
	}
	return e.Name, e.OwnerAccountID, nil
}

// caseForms gives the licence service the form of a decided case, whose values become the
// licence's face data: a choice as its label in simplified Chinese (what a licence prints, 餐馆
// rather than restaurant), several choices joined by "；".
type caseForms struct{ cases *cases.Service }

func (c caseForms) CaseForm(ctx context.Context, caseID string) (map[string]any, error) {
	k, err := c.cases.Get(ctx, principal.SystemPrincipal, caseID)
	if err != nil {
		return nil, err
	}
	if k.Item == nil || len(k.Item.FormSchema) == 0 {
		return k.Form, nil
	}
	schema, err := formschema.Compile(k.Item.FormSchema)
	if err != nil {
		return nil, err
	}
	return labelled(schema, k.Form), nil
}

// labelled returns form values with each choice replaced by its label.
func labelled(schema *formschema.Schema, form map[string]any) map[string]any {
	out := maps.Clone(form)
	for name, v := range form {
		f, ok := schema.Field(name)
		if !ok || len(f.Enum) == 0 {
			continue
		}
		label := func(value string) string {
			for _, o := range f.Enum {
				if o.Value == value {
					return o.Label.ZhHans
				}
			}
			return value
		}
		switch v := v.(type) {
		case string:
			out[name] = label(v)
		case []any:
			var labels []string
			for _, e := range v {
				if s, ok := e.(string); ok {
					labels = append(labels, label(s))
				}
			}
			out[name] = strings.Join(labels, "；")
		}
	}
	return out
}

// licensePDFSigner seals licences' PDFs with the issuing organisation's seal: its official seal
// if it has one in force that signs PDFs (ECDSA), else another such seal, a special-purpose
// (approval) seal first. The organisation's licence system applies it as one of its seal users,
// so the register names "official:license-pdf" as the signer.
type licensePDFSigner struct {
	db    *store.DB
	seals *seal.Registry
	sign  *sign.Service
	clock clock.Clock
}

func (d licensePDFSigner) SignPDF(ctx context.Context, orgCode string, pdf []byte, rect [4]float64) ([]byte, error) {
	list, err := d.seals.List(ctx, principal.SystemPrincipal, orgCode)
	if err != nil {
		return nil, err
	}
	var chosen *seal.Seal
	now := d.clock.Now()
	for _, kind := range []seal.Kind{seal.Official, seal.Special, ""} {
		for i := range list {
			if (kind == "" || list[i].Kind == kind) && list[i].Algorithm == keys.ECDSAP256 && list[i].UsableAt(now) {
				chosen = &list[i]
				break
			}
		}
		if chosen != nil {
			break
		}
	}
	if chosen == nil {
		name := orgCode
		if o, err := org.Get(ctx, d.db, orgCode); err == nil {
			name = o.NameHans
		}
		return nil, errs.E(errs.Unavailable, "license.error.no_pdf_seal", name)
	}
	signer := principal.Principal{Kind: principal.Official, Login: "license-pdf", Name: "电子证照系统", OrgCode: orgCode,
		Roles: []string{principal.RoleSealUser}}
	res, err := d.sign.Sign(ctx, signer, sign.Request{SealID: chosen.ID, Format: sign.FormatPDF, Document: pdf,
		DocumentName: "licence.pdf", Reason: "电子证照", Rect: rect})
	if err != nil {
		return nil, err
	}
	return res.Signature, nil
}

// newLicenses assembles the licence service (after the hall: licences are issued from its
// cases) and subscribes it to decided cases (issuing) and submitted ones (filling materials).
func (a *App) newLicenses(cfg Config) error {
	node := cfg.Node
	if node == "" {
		node = DefaultNode
	}
	var err error
	a.Licenses, err = license.New(cfg.DB, license.Config{Node: node, Keys: a.Keys, Ledger: a.Ledger,
		Directory: licenseDirectory{cfg.DB}, Holders: licenseHolders{a.Identity}, Notifier: a.Inbox,
		Cases: caseForms{a.Cases}, PublicURL: cfg.PublicURL, Peers: peerKeys{a}, PeerSnapshots: peerSnapshots{a},
		PeerNodes: peerNodes{a}, Logger: cfg.Logger,
		PDFSigner: licensePDFSigner{db: cfg.DB, seals: a.Seals, sign: a.Sign, clock: cfg.DB.Clock()}})
	if err != nil {
		return err
	}
	a.Licenses.Subscribe(a.Dispatcher)
	a.Licenses.SubscribeFill(a.Dispatcher, caseMaterials{a.Cases})
	return nil
}
