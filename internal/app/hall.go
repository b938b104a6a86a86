package app

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/yiwang-platform/yiwang/internal/acquirer"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/formschema"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/notify"
	"github.com/yiwang-platform/yiwang/internal/payments"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/ratings"
	"github.com/yiwang-platform/yiwang/internal/seal"
	"github.com/yiwang-platform/yiwang/internal/search"
	"github.com/yiwang-platform/yiwang/internal/sign"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// The service hall's domains meet here: cases reads the catalogue, opens fee orders with
// payments, signs decisions through the signing service and learns who people are from
// identity; ratings reads cases; everyone writes to people's inboxes. Each adapter below is one
// of the small interfaces a domain declares for what it needs.

// catalogSource gives cases the published items and bundles, the bundles' forms merged.
type catalogSource struct {
	cat *catalog.Service
	// merged caches bundle forms by the digest of their parts: merging compiles schemas.
	mu     sync.Mutex
	merged map[[32]byte][]byte
}

func specOf(it catalog.Item) cases.ItemSpec {
	s := cases.ItemSpec{Code: it.Code, Version: it.Version, Org: it.Org, RegionCode: it.RegionCode,
		NameHans: it.NameHans, NameHant: it.NameHant, NameEn: it.NameEn, Type: string(it.Type),
		ServiceObject: it.ServiceObject, LegalDays: it.LegalDays, PromisedDays: it.PromisedDays,
		FormSchema: it.FormSchema, CrossRegion: it.CrossRegion, OnlineDepth: it.OnlineDepth, AgentScope: it.AgentScope}
	for _, m := range it.Materials {
		s.Materials = append(s.Materials, materialSpec(m, nil))
	}
	for _, f := range it.Fees {
		s.Fees = append(s.Fees, cases.FeeLine{Name: f.NameHans, AmountFen: f.AmountFen, LegalBasis: f.LegalBasis})
	}
	return s
}

func materialSpec(m catalog.Material, forItems []string) cases.MaterialSpec {
	return cases.MaterialSpec{Code: m.Code, NameHans: m.NameHans, NameHant: m.NameHant, NameEn: m.NameEn,
		Source: m.Source, LicenceType: m.LicenceType, Required: m.Required, Formats: m.Formats,
		MaxBytes: m.MaxBytes, ForItems: forItems}
}

func (c *catalogSource) Item(ctx context.Context, code string) (cases.ItemSpec, error) {
	it, err := c.cat.Item(ctx, code)
	if err != nil {
		return cases.ItemSpec{}, err
	}
	return specOf(it), nil
}

func (c *catalogSource) Bundle(ctx context.Context, code string) (cases.BundleSpec, error) {
	pb, err := c.cat.Bundle(ctx, code)
	if err != nil {
		return cases.BundleSpec{}, err
	}
	b := cases.BundleSpec{Code: pb.Code, Version: pb.Version, NameHans: pb.NameHans, NameHant: pb.NameHant,
		NameEn: pb.NameEn, Org: pb.Org, ResultLicence: pb.ResultLicence.Hans}
	var parts [][]byte
	if len(pb.FormSchema) > 0 {
		parts = append(parts, pb.FormSchema)
	}
	for _, it := range pb.ItemVersions {
		b.Items = append(b.Items, specOf(it))
		if len(it.FormSchema) > 0 {
			parts = append(parts, it.FormSchema)
		}
	}
	for _, m := range pb.Materials {
		b.Materials = append(b.Materials, materialSpec(m.Material, m.ForItems))
	}
	if b.FormSchema, err = c.merge(parts); err != nil {
		return cases.BundleSpec{}, err
	}
	return b, nil
}

func (c *catalogSource) merge(parts [][]byte) ([]byte, error) {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write(p)
	}
	var key [32]byte
	copy(key[:], h.Sum(nil))
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := c.merged[key]; ok {
		return f, nil
	}
	f, err := formschema.Merge(parts...)
	if err != nil {
		return nil, err
	}
	if c.merged == nil || len(c.merged) > 1000 {
		c.merged = map[[32]byte][]byte{}
	}
	c.merged[key] = f
	return f, nil
}

// people tells cases and notify who account holders are and how to reach them.
type people struct{ ids *identity.Service }

func (p people) Person(ctx context.Context, account int64) (cases.Person, error) {
	a, err := p.ids.Account(ctx, account)
	if err != nil {
		return cases.Person{}, err
	}
	out := cases.Person{Account: a.ID, Kind: a.Kind, Name: a.DisplayName}
	if a.IDType != nil && a.IDNumber != nil {
		out.IDType, out.IDNumber = *a.IDType, *a.IDNumber
	}
	return out, nil
}

func (p people) Officials(ctx context.Context, orgCode string, roles ...string) ([]int64, error) {
	list, err := p.ids.Officials(principal.With(ctx, principal.SystemPrincipal), orgCode)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, a := range list {
		if a.Disabled {
			continue
		}
		for _, r := range roles {
			if a.Principal().HasRole(r) {
				out = append(out, a.ID)
				break
			}
		}
	}
	return out, nil
}

func (p people) Contact(ctx context.Context, account int64) (notify.Contact, error) {
	a, err := p.ids.Account(ctx, account)
	if err != nil {
		return notify.Contact{}, err
	}
	var c notify.Contact
	if a.Phone != nil {
		c.Mobile = *a.Phone
	}
	return c, nil
}

// decisionSigner signs case decisions with the deciding organisation's seal: its special-purpose
// (approval) seal if it has one in force, else its official seal. The organisation authorises
// its approvers to apply that seal to their decisions, so the approver signs as a seal user.
type decisionSigner struct {
	seals *seal.Registry
	sign  *sign.Service
	clock clock.Clock
}

func (d decisionSigner) SignDecision(ctx context.Context, p principal.Principal, orgCode string, document []byte, name string) (cases.SignedDecision, error) {
	list, err := d.seals.List(ctx, principal.SystemPrincipal, orgCode)
	if err != nil {
		return cases.SignedDecision{}, err
	}
	var chosen *seal.Seal
	now := d.clock.Now()
	for _, kind := range []seal.Kind{seal.Special, seal.Official} {
		for i := range list {
			if list[i].Kind == kind && list[i].UsableAt(now) {
				chosen = &list[i]
				break
			}
		}
		if chosen != nil {
			break
		}
	}
	if chosen == nil {
		return cases.SignedDecision{}, errs.E(errs.Conflict, "cases.error.no_decision_seal")
	}
	signer := p
	signer.Roles = append(append([]string(nil), p.Roles...), principal.RoleSealUser)
	res, err := d.sign.Sign(ctx, signer, sign.Request{SealID: chosen.ID, Format: sign.FormatCMS, Document: document,
		DocumentName: name, Reason: "行政审批决定"})
	if err != nil {
		return cases.SignedDecision{}, err
	}
	return cases.SignedDecision{SignatureID: res.ID, SealID: res.SealID, SealName: res.SealName,
		Format: string(res.Format), Signature: res.Signature}, nil
}

// fees opens the fee orders of approved cases.
type fees struct{ pay *payments.Service }

func (f fees) OpenOrderTx(ctx context.Context, tx *store.Tx, o cases.FeeOrder) (string, error) {
	r := payments.OrderRequest{ReferenceKind: "case", ReferenceID: o.CaseID, ReferenceNumber: o.CaseNumber,
		Org: o.Org, Payer: o.Payer, PayerActingFor: o.PayerActingFor}
	for _, l := range o.Lines {
		r.Lines = append(r.Lines, payments.Line{Name: l.Name, AmountFen: l.AmountFen, LegalBasis: l.LegalBasis})
	}
	order, err := f.pay.OpenOrderTx(ctx, tx, r)
	return order.ID, err
}

// caseSubjects gives ratings the cases people rate.
type caseSubjects struct{ cases *cases.Service }

func (c caseSubjects) RatingSubject(ctx context.Context, caseID string) (ratings.Subject, error) {
	s, err := c.cases.Subject(ctx, caseID)
	if err != nil {
		return ratings.Subject{}, err
	}
	return ratings.Subject{CaseID: s.CaseID, CaseNumber: s.CaseNumber, Owner: s.Owner, OwnerActingFor: s.OwnerActingFor,
		Org: s.Org, ItemCode: s.ItemCode, ItemNameHans: s.ItemNameHans, Completed: s.Completed, CompletedAt: s.CompletedAt}, nil
}

// subscribeHall registers the hall's event consumers: a paid fee order moves its case on.
func (a *App) subscribeHall(d *events.Dispatcher) {
	d.Subscribe("cases.payment", payments.TopicPaid, func(ctx context.Context, e events.Event) error {
		var p payments.PaidEvent
		if err := e.Decode(&p); err != nil {
			return events.Permanent(err)
		}
		if p.ReferenceKind != "case" {
			return nil
		}
		return a.Cases.MarkPaid(ctx, p.ReferenceID, p.OrderID)
	})
}

// newHall assembles the service hall: search and the catalogue, inboxes, payments, cases and
// ratings. The sandbox acquirer comes later (installHall), once the server exists.
func (a *App) newHall(ctx context.Context, cfg Config) error {
	ix, err := search.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	// The catalogue is the node's province's; a demo node's is Fujian's demo catalogue, whatever
	// its code.
	node, _ := nodeOf(cfg)
	var province []catalog.Option
	if !cfg.Demo {
		province = append(province, catalog.WithProvince(node))
	}
	if a.Catalog, err = catalog.New(cfg.DB, ix, province...); err != nil {
		return err
	}
	who := people{a.Identity}
	a.Inbox = notify.New(cfg.DB, notify.Options{Directory: who, Senders: cfg.Senders, PublicURL: cfg.PublicURL, Logger: cfg.Logger})
	a.Payments = payments.New(cfg.DB, payments.Options{Notifier: a.Inbox})
	// Cases names this node, in transfers to other provinces, by its province code.
	if a.Cases, err = cases.New(cfg.DB, cases.Config{Node: node, Region: node, Catalog: &catalogSource{cat: a.Catalog}, People: who,
		Calendar: a.Calendar, Signer: decisionSigner{seals: a.Seals, sign: a.Sign, clock: cfg.DB.Clock()},
		Ledger: a.Ledger, Fees: fees{a.Payments}, Notifier: a.Inbox, Scanner: cfg.Scanner, CodeKey: a.caseCodeKey}); err != nil {
		return err
	}
	a.Ratings, err = ratings.New(cfg.DB, ratings.Config{Cases: caseSubjects{a.Cases}, Calendar: a.Calendar,
		Notifier: a.Inbox, CodeKey: a.ratingCodeKey, Administrators: func(ctx context.Context, orgCode string) ([]int64, error) {
			return who.Officials(ctx, orgCode, principal.RoleAdministrator)
		}})
	if err != nil {
		return err
	}
	a.Inbox.Subscribe(a.Dispatcher)
	a.subscribeHall(a.Dispatcher)
	return nil
}

// sandboxChannel is the name of the sandbox acquirer's payment channel.
const sandboxChannel = "sandbox"

// installHall mounts the sandbox acquirer on srv and registers it as a payment channel, outside
// production only: a production node registers its real acquirers' channels instead. The
// platform and the acquirer talk through srv's own handler, so no address is needed.
func (a *App) installHall(ctx context.Context, cfg Config, srv *httpserver.Server) error {
	if cfg.Production {
		return nil
	}
	loop := acquirer.Loopback(srv.Handler())
	acq, err := acquirer.New(ctx, acquirer.Config{DB: cfg.DB, Secrets: a.Keys, HTTPClient: loop, Logger: cfg.Logger})
	if err != nil {
		return err
	}
	creds, err := acq.Merchant(ctx, "yiwang", "福建省统一公共支付平台")
	if err != nil {
		return err
	}
	const host = "http://yiwang.internal"
	client, err := acquirer.NewClient(acquirer.ClientConfig{AcquirerURL: host + acquirer.BasePath,
		NotifyURL: host + "/api/v1/payments/callbacks/" + sandboxChannel, Credentials: creds,
		PublicKey: acq.PublicKey(), HTTPClient: loop, Clock: cfg.DB.Clock()})
	if err != nil {
		return err
	}
	a.Payments.Register(sandboxChannel, client)
	acq.Install(srv)
	a.Acquirer = acq
	return nil
}

// runHall runs the hall's background work until ctx ends: the sandbox acquirer's notifications,
// the expiry of unpaid orders, and the sweeps that flag cases due soon or overdue, rectification
// tasks past their deadline and licences past their validity.
func (a *App) runHall(ctx context.Context, wg *sync.WaitGroup) {
	if a.Acquirer != nil {
		wg.Go(func() {
			if err := a.Acquirer.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				a.logger.Error("sandbox acquirer stopped", "err", err)
			}
		})
	}
	wg.Go(func() { a.Payments.Run(ctx, time.Minute, a.logger) })
	wg.Go(func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			if _, err := a.Cases.Sweep(ctx); err != nil && ctx.Err() == nil {
				a.logger.Error("case clock sweep", "err", err)
			}
			if _, err := a.Ratings.Sweep(ctx); err != nil && ctx.Err() == nil {
				a.logger.Error("rectification sweep", "err", err)
			}
			if _, err := a.Licenses.Sweep(ctx); err != nil && ctx.Err() == nil {
				a.logger.Error("licence expiry sweep", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
}
