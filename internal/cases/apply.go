package cases

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/blob"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/formschema"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// intake is an application checked against the principal and the catalogue.
type intake struct {
	channel      Channel
	account      int64
	kind         ApplicantKind
	actingFor    string
	name         string
	receivingOrg string
	item         *ItemSpec
	bundle       *BundleSpec
}

// minOnlineDepth is the online depth from which an item can be applied for online (level II:
// applications are accepted online; level I only informs).
const minOnlineDepth = 2

// intake checks who applies for what, through which channel.
func (s *Service) intake(ctx context.Context, p principal.Principal, a Application) (*intake, error) {
	in := &intake{channel: a.Channel}
	if in.channel == "" {
		in.channel = ChannelOnline
	}
	switch {
	case (a.ItemCode == "") == (a.BundleCode == ""):
		return nil, errs.Field("item", "cases.error.item_or_bundle")
	case in.channel != ChannelOnline && in.channel != ChannelWindow && in.channel != ChannelKiosk:
		return nil, errs.Field("channel", "cases.error.channel")
	}
	switch in.channel {
	case ChannelWindow:
		if p.Kind != principal.Official || !p.HasRole(principal.RoleWindowOfficer) {
			return nil, errs.E(errs.Forbidden, "cases.error.window_only")
		}
		if a.Applicant <= 0 {
			return nil, errs.Field("applicant", "cases.error.applicant_required")
		}
		person, err := s.cfg.People.Person(ctx, a.Applicant)
		if errs.Is(err, errs.NotFound) || err == nil && person.Kind != principal.Resident {
			return nil, errs.Field("applicant", "cases.error.applicant_unknown")
		}
		if err != nil {
			return nil, err
		}
		in.account, in.kind, in.name, in.receivingOrg = person.Account, ApplicantPerson, person.Name, p.OrgCode
	default:
		switch {
		case p.Kind == principal.Agent && p.ActingFor != "" && p.AccountID != 0:
			in.account, in.kind, in.actingFor, in.name = p.AccountID, ApplicantEnterprise, p.ActingFor, p.ActingForName
		case p.Kind == principal.Resident && p.AccountID != 0:
			// The session names its resident; the register is asked only when it does not.
			in.account, in.kind, in.name = p.AccountID, ApplicantPerson, p.Name
			if in.name == "" {
				person, err := s.cfg.People.Person(ctx, p.AccountID)
				if err != nil {
					return nil, err
				}
				in.name = person.Name
			}
		case !p.Authenticated():
			return nil, errs.E(errs.Unauthenticated, "error.unauthenticated")
		default:
			return nil, errs.E(errs.Forbidden, "cases.error.applicants_only")
		}
		if in.channel == ChannelKiosk {
			in.receivingOrg = strings.TrimSpace(a.KioskOrg)
		}
	}
	var items []ItemSpec
	if a.ItemCode != "" {
		it, err := s.cfg.Catalog.Item(ctx, a.ItemCode)
		if err != nil {
			if errs.Is(err, errs.NotFound) {
				return nil, errs.Field("item", "cases.error.item_unknown")
			}
			return nil, err
		}
		in.item = &it
		items = []ItemSpec{it}
	} else {
		b, err := s.cfg.Catalog.Bundle(ctx, a.BundleCode)
		if err != nil {
			if errs.Is(err, errs.NotFound) {
				return nil, errs.Field("bundle", "cases.error.bundle_unknown")
			}
			return nil, err
		}
		if len(b.Items) == 0 {
			return nil, errs.Field("bundle", "cases.error.bundle_unknown")
		}
		in.bundle = &b
		items = b.Items
	}
	var region string
	if in.channel == ChannelWindow {
		o, err := org.Get(ctx, s.db, in.receivingOrg)
		if err != nil {
			return nil, err
		}
		region = o.RegionCode
	}
	for _, it := range items {
		switch {
		case it.ServiceObject == ServiceObjectPerson && in.kind != ApplicantPerson,
			it.ServiceObject == ServiceObjectEnterprise && in.kind != ApplicantEnterprise:
			return nil, errs.Field("item", "cases.error.service_object", it.NameHans)
		case in.kind == ApplicantEnterprise && !inScope(p, in.actingFor, it):
			return nil, errs.E(errs.Forbidden, "cases.error.agent_scope", it.NameHans)
		case in.channel != ChannelWindow && it.OnlineDepth > 0 && it.OnlineDepth < minOnlineDepth:
			return nil, errs.Field("item", "cases.error.not_online", it.NameHans)
		case in.channel == ChannelWindow && !collectable(it, in.receivingOrg, region):
			return nil, errs.E(errs.Forbidden, "cases.error.cross_region", it.NameHans)
		}
	}
	return in, nil
}

// collectable reports whether a window of organisation receiving in region may collect
// applications for it: its own items, any item of its own region (一窗受理), items of another
// region of the province when the item allows province-wide handling, anything that allows
// cross-province handling.
func collectable(it ItemSpec, receiving, region string) bool {
	switch {
	case it.Org == receiving, region != "" && region == it.RegionCode:
		return true
	case it.CrossRegion == CrossRegionCountry:
		return true
	case it.CrossRegion == CrossRegionProvince:
		return len(region) >= 2 && len(it.RegionCode) >= 2 && region[:2] == it.RegionCode[:2]
	}
	return false
}

// newRow makes the row of a new case (a draft until filed).
func (s *Service) newRow(p principal.Principal, in *intake, form string, now time.Time) (*row, error) {
	r := &row{ID: newID(), Channel: in.channel, ApplicantAccount: in.account, ApplicantKind: string(in.kind),
		ActingFor: in.actingFor, ApplicantName: in.name, ReceivingOrg: in.receivingOrg, CreatedBy: p.Actor(),
		Status: StatusDraft, Form: form, ClockState: ClockNotStarted, CreatedAt: now, UpdatedAt: now}
	var err error
	if in.item != nil {
		it := *in.item
		r.ItemCode, r.ItemVersion, r.HandlingOrg = it.Code, it.Version, it.Org
		r.NameHans, r.NameHant, r.NameEn = it.NameHans, it.NameHant, it.NameEn
		r.LimitDays, r.LegalDays = limitOf(it), it.LegalDays
		err = r.setSpec(it)
	} else {
		b := *in.bundle
		r.BundleCode, r.BundleVersion = b.Code, b.Version
		r.NameHans, r.NameHant, r.NameEn = b.NameHans, b.NameHant, b.NameEn
		err = r.setSpec(b)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// formSchemaOf is the form of r: its item's, or its bundle's merged one.
func (r *row) formSchema() ([]byte, error) {
	if r.isParent() {
		b, err := r.bundle()
		return b.FormSchema, err
	}
	it, err := r.item()
	return it.FormSchema, err
}

// Start makes a draft the applicant completes later (SaveDraft, AttachMaterial) and submits
// (Submit). Online and at a kiosk the applicant is p (a resident, or an agent for the
// enterprise it acts for); at a window p is a window officer applying for a.Applicant. Values
// in a.Form may be partial but must be right. Returns errs.Invalid naming the field (item,
// bundle, channel, applicant, or the form's fields as *formschema.Errors), errs.Forbidden when
// p may not apply this way.
func (s *Service) Start(ctx context.Context, p principal.Principal, a Application) (c Case, err error) {
	defer errs.Wrap(&err, "cases.Start")
	in, err := s.intake(ctx, p, a)
	if err != nil {
		return c, err
	}
	r, err := s.newRow(p, in, "{}", time.Time{})
	if err != nil {
		return c, err
	}
	raw, err := r.formSchema()
	if err != nil {
		return c, err
	}
	fe, err := s.checkDraftForm(raw, a.Form)
	if err != nil {
		return c, err
	}
	if err := asError(fe); err != nil {
		return c, err
	}
	if r.Form, err = encodeForm(a.Form); err != nil {
		return c, err
	}
	r.LicenceConsent = b2i(a.LicenceConsent)
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		r.CreatedAt, r.UpdatedAt = tx.Now, tx.Now
		if err := s.insert(ctx, tx, r); err != nil {
			return err
		}
		if err := addEvents(ctx, tx, r.ID, p, timelineEntry{kind: EventCreated}); err != nil {
			return err
		}
		return change(ctx, tx, "cases.start", r, "", map[string]any{"item": r.ItemCode, "bundle": r.BundleCode,
			"channel": string(r.Channel), "licence_consent": a.LicenceConsent})
	})
	if err != nil {
		return c, err
	}
	s.committed(r)
	return s.caseOf(r, nil, nil, nil, nil, r.CreatedAt), nil
}

// SaveDraft replaces a draft's form values (partial values allowed, wrong ones refused with
// *formschema.Errors). Returns errs.Conflict once the case was submitted.
func (s *Service) SaveDraft(ctx context.Context, p principal.Principal, id string, values map[string]any) (c Case, err error) {
	defer errs.Wrap(&err, "cases.SaveDraft(%s)", id)
	r, err := s.load(ctx, id)
	if err != nil {
		return c, err
	}
	if err := r.mayActForApplicant(p); err != nil {
		return c, err
	}
	raw, err := r.formSchema()
	if err != nil {
		return c, err
	}
	fe, err := s.checkDraftForm(raw, values)
	if err != nil {
		return c, err
	}
	if err := asError(fe); err != nil {
		return c, err
	}
	form, err := encodeForm(values)
	if err != nil {
		return c, err
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		if r, err = s.loadTx(ctx, tx, id); err != nil {
			return err
		}
		if err := r.requireStatus(StatusDraft); err != nil {
			return err
		}
		r.Form = form
		if err := save(ctx, tx, r); err != nil {
			return err
		}
		return change(ctx, tx, "cases.save_draft", r, r.Status, nil)
	})
	if err != nil {
		return c, err
	}
	return s.view(ctx, p, r)
}

// upload is a checked and scanned file waiting to be stored.
type upload struct {
	code, name, format string
	data               []byte
}

// prepareUpload checks and scans a file for material code of specs.
func (s *Service) prepareUpload(ctx context.Context, specs []MaterialSpec, u Upload) (upload, error) {
	i := slices.IndexFunc(specs, func(m MaterialSpec) bool { return m.Code == u.Code })
	if i < 0 {
		return upload{}, errs.Field(MaterialField(u.Code), "cases.error.material_unknown")
	}
	name, format, err := checkUpload(specs[i], u.FileName, u.Data)
	if err != nil {
		return upload{}, err
	}
	if err := s.cfg.Scanner.Scan(ctx, name, u.Data); err != nil {
		if e := errs.Public(err); e.Kind == errs.Invalid && e.Field == "" {
			e2 := *e
			e2.Field = MaterialField(u.Code)
			return upload{}, &e2
		}
		return upload{}, err
	}
	return upload{code: u.Code, name: name, format: format, data: u.Data}, nil
}

// storeUpload stores u in tx as caseID's material, by p: its blob now, and its material row
// replacing the one there (replace) or queued for a case made or submitted in tx's work.
func storeUpload(ctx context.Context, tx *store.Tx, caseID string, p principal.Principal, u upload, replace bool) (materialRow, error) {
	b, err := blob.Put(ctx, tx, u.data)
	if err != nil {
		return materialRow{}, err
	}
	sha := b.SHA256
	m := materialRow{CaseID: caseID, Code: u.code, Status: string(MaterialProvided), BlobSHA256: &sha, FileName: u.name,
		Format: u.format, Size: int64(len(u.data)), AddedBy: p.Actor(), AddedAt: tx.Now}
	if replace {
		return m, putMaterial(ctx, tx, m)
	}
	queueMaterial(tx, m)
	return m, nil
}

// missingMaterials returns the field errors of required materials that specs ask the applicant
// for and have is without: shared-data materials are fetched later, never missing; licence ones
// are fetched only with the applicant's consent, and without it are uploaded like any other.
func missingMaterials(specs []MaterialSpec, have map[string]bool, consent bool) []formschema.FieldError {
	var out []formschema.FieldError
	for _, m := range specs {
		switch {
		case !m.Required || have[m.Code] || m.Source == SourceSharedData:
		case m.Source == SourceLicence && consent:
		case m.Source == SourceLicence:
			out = append(out, formschema.FieldError{Field: MaterialField(m.Code), Key: "cases.error.licence_consent_or_upload",
				Args: []any{m.NameHans}})
		default:
			out = append(out, formschema.FieldError{Field: MaterialField(m.Code), Key: "cases.error.material_missing",
				Args: []any{m.NameHans}})
		}
	}
	return out
}

// filing is a submission checked outside the transaction that writes it.
type filing struct {
	p        principal.Principal
	r        *row // the case submitted: an item's, or a bundle's parent
	existing bool // r is a draft already stored
	uploads  []upload
	code     string
	// officials to notify, by handling organisation.
	officials map[string][]int64
	// children are the bundle's cases made in the transaction.
	children []*row
}

// Apply submits a new application in one step: the form complete, the materials uploaded with
// it. It is Start, AttachMaterial and Submit at once, and shares its transaction and commit with
// other concurrent submissions (store.DB.TransactGrouped); it returns once the case is durable.
// Errors are those of Start and Submit.
func (s *Service) Apply(ctx context.Context, p principal.Principal, a Application) (sub Submission, err error) {
	defer errs.Wrap(&err, "cases.Apply")
	in, err := s.intake(ctx, p, a)
	if err != nil {
		return sub, err
	}
	form, err := encodeForm(a.Form)
	if err != nil {
		return sub, err
	}
	r, err := s.newRow(p, in, form, time.Time{})
	if err != nil {
		return sub, err
	}
	r.LicenceConsent = b2i(a.LicenceConsent)
	specs, err := r.materialSpecs()
	if err != nil {
		return sub, err
	}
	f := &filing{p: p, r: r, code: newQueryCode()}
	have := map[string]bool{}
	var fieldErrs []formschema.FieldError
	for _, u := range a.Materials {
		up, err := s.prepareUpload(ctx, specs, u)
		if err != nil {
			if e := errs.Public(err); e.Kind == errs.Invalid && e.Field != "" {
				fieldErrs = append(fieldErrs, formschema.FieldError{Field: e.Field, Key: e.Message, Args: e.Args})
				continue
			}
			return sub, err
		}
		if have[up.code] {
			return sub, errs.Field(MaterialField(up.code), "cases.error.material_twice")
		}
		have[up.code] = true
		f.uploads = append(f.uploads, up)
	}
	if err := s.checkFiling(r, a.Form, have, fieldErrs); err != nil {
		return sub, err
	}
	if err := s.prepareFiling(ctx, f); err != nil {
		return sub, err
	}
	var ms []materialRow
	err = s.db.TransactGrouped(ctx, func(tx *store.Tx) error {
		var err error
		f.children = nil
		ms, err = s.file(ctx, tx, f)
		return err
	})
	if err != nil {
		return sub, err
	}
	s.committed(append(f.children, r)...)
	if r.isParent() {
		c, err := s.view(ctx, p, r)
		return Submission{Case: c, QueryCode: f.code}, err
	}
	return Submission{Case: s.caseOf(r, ms, nil, nil, nil, r.UpdatedAt), QueryCode: f.code}, nil
}

// checkFiling validates a case's form fully and its materials (have: the codes provided), adding
// errs found before; the result is a *formschema.Errors or nil.
func (s *Service) checkFiling(r *row, values map[string]any, have map[string]bool, found []formschema.FieldError) error {
	raw, err := r.formSchema()
	if err != nil {
		return err
	}
	fe, err := s.checkForm(raw, values)
	if err != nil {
		return err
	}
	all := &formschema.Errors{}
	if fe != nil {
		all.Fields = append(all.Fields, fe.Fields...)
	}
	if r.isParent() {
		// Each item's own form must hold too: the merged form is the catalogue's work.
		b, err := r.bundle()
		if err != nil {
			return err
		}
		for _, it := range b.Items {
			sub := s.valuesFor(it.FormSchema, values)
			ife, err := s.checkForm(it.FormSchema, sub)
			if err != nil {
				return err
			}
			if ife != nil {
				for _, fe := range ife.Fields {
					if all.For(fe.Field) == nil {
						all.Fields = append(all.Fields, fe)
					}
				}
			}
		}
	}
	specs, err := r.materialSpecs()
	if err != nil {
		return err
	}
	all.Fields = append(all.Fields, found...)
	all.Fields = append(all.Fields, missingMaterials(specs, have, r.LicenceConsent == 1)...)
	return asError(all)
}

// valuesFor keeps the values that item form raw has fields for (all when it does not compile).
func (s *Service) valuesFor(raw []byte, values map[string]any) map[string]any {
	fields := s.formFields(raw)
	if fields == nil {
		return values
	}
	out := make(map[string]any, len(fields))
	for k, v := range values {
		if fields[k] {
			out[k] = v
		}
	}
	return out
}

// prepareFiling finds whom to tell of the submission.
func (s *Service) prepareFiling(ctx context.Context, f *filing) error {
	f.officials = map[string][]int64{}
	orgs := []string{f.r.HandlingOrg}
	if f.r.isParent() {
		b, err := f.r.bundle()
		if err != nil {
			return err
		}
		orgs = orgs[:0]
		for _, it := range b.Items {
			orgs = append(orgs, it.Org)
		}
	}
	for _, o := range orgs {
		if _, done := f.officials[o]; done {
			continue
		}
		ids, err := s.officials(ctx, o, principal.RoleWindowOfficer)
		if err != nil {
			return err
		}
		f.officials[o] = ids
	}
	return nil
}

// Submit submits a draft: the form is validated fully and the required materials must be there
// (licence and shared-data ones are recorded as to be fetched). The applicant (or the window
// officer who started it at the window) submits. It returns the case with its number and query
// code; the submission shares its commit with concurrent ones (store.DB.TransactGrouped).
// Returns *formschema.Errors (form fields and MaterialField names) for what is wrong or
// missing, errs.Conflict when the case is not a draft.
func (s *Service) Submit(ctx context.Context, p principal.Principal, id string) (sub Submission, err error) {
	defer errs.Wrap(&err, "cases.Submit(%s)", id)
	r, err := s.load(ctx, id)
	if err != nil {
		return sub, err
	}
	if err := r.mayActForApplicant(p); err != nil {
		return sub, err
	}
	if err := r.requireStatus(StatusDraft); err != nil {
		return sub, err
	}
	var ms []materialRow
	if err := s.db.Select(ctx, &ms, `SELECT `+materialColumns+` FROM case_materials WHERE case_id = ?`, id); err != nil {
		return sub, err
	}
	have := map[string]bool{}
	for _, m := range ms {
		have[m.Code] = m.Status == string(MaterialProvided)
	}
	if err := s.checkFiling(r, r.form(), have, nil); err != nil {
		return sub, err
	}
	f := &filing{p: p, r: r, existing: true, code: newQueryCode()}
	if err := s.prepareFiling(ctx, f); err != nil {
		return sub, err
	}
	err = s.db.TransactGrouped(ctx, func(tx *store.Tx) error {
		var err error
		f.children = nil
		ms, err = s.file(ctx, tx, f)
		return err
	})
	if err != nil {
		return sub, err
	}
	s.committed(f.children...)
	c, err := s.view(ctx, p, f.r)
	if err != nil {
		return sub, err
	}
	return Submission{Case: c, QueryCode: f.code}, nil
}

// file writes a submission in tx and returns the materials of the submitted case.
func (s *Service) file(ctx context.Context, tx *store.Tx, f *filing) ([]materialRow, error) {
	p, now := f.p, tx.Now
	r := f.r
	var ms []materialRow
	if f.existing {
		cur, err := s.loadTx(ctx, tx, r.ID)
		if err != nil {
			return nil, err
		}
		if err := cur.requireStatus(StatusDraft); err != nil {
			return nil, err
		}
		if ms, err = materialsTx(ctx, tx, r.ID); err != nil {
			return nil, err
		}
		// What was checked must be what is submitted: a draft changed since (its form, a
		// material removed) is submitted again by its author, not half-checked.
		specs, err := cur.materialSpecs()
		if err != nil {
			return nil, err
		}
		have := map[string]bool{}
		for _, m := range ms {
			have[m.Code] = m.Status == string(MaterialProvided)
		}
		if cur.Form != r.Form || cur.LicenceConsent != r.LicenceConsent ||
			len(missingMaterials(specs, have, cur.LicenceConsent == 1)) > 0 {
			return nil, errs.E(errs.Conflict, "cases.error.draft_changed")
		}
		r = cur
		f.r = r
	}
	region := s.cfg.Region
	if !r.isParent() {
		it, err := r.item()
		if err != nil {
			return nil, err
		}
		region = regionOf(it.RegionCode, s.cfg.Region)
	}
	number, err := nextNumber(ctx, tx, region)
	if err != nil {
		return nil, err
	}
	r.Number, r.QueryHash = &number, queryHash(s.cfg.CodeKey, number, f.code)
	r.Status, r.SubmittedAt, r.UpdatedAt = StatusSubmitted, &now, now
	var es []timelineEntry
	if f.existing {
		if err := save(ctx, tx, r); err != nil {
			return nil, err
		}
	} else {
		r.CreatedAt = now
		if err := s.insert(ctx, tx, r); err != nil {
			return nil, err
		}
		es = append(es, timelineEntry{kind: EventCreated})
	}
	for _, u := range f.uploads {
		m, err := storeUpload(ctx, tx, r.ID, p, u, false)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	specs, err := r.materialSpecs()
	if err != nil {
		return nil, err
	}
	fetch := markToFetch(tx, r.ID, p, specs, ms, r.LicenceConsent == 1)
	ms = append(ms, fetch...)
	detail := map[string]any{"channel": string(r.Channel)}
	if len(fetch) > 0 {
		detail["to_fetch"] = materialCodes(fetch)
	}
	audited := map[string]any{"item": r.ItemCode, "bundle": r.BundleCode, "channel": string(r.Channel)}
	if hasLicenceMaterial(specs) {
		detail["licence_consent"], audited["licence_consent"] = r.LicenceConsent == 1, r.LicenceConsent == 1
	}
	es = append(es, timelineEntry{kind: EventSubmitted, detail: detail})
	if err := addEvents(ctx, tx, r.ID, p, es...); err != nil {
		return nil, err
	}
	if err := change(ctx, tx, "cases.submit", r, StatusDraft, audited); err != nil {
		return nil, err
	}
	if !r.isParent() {
		if err := enqueue(ctx, tx, TopicSubmitted, payload(r, now)); err != nil {
			return nil, err
		}
		return ms, s.tellOfficials(ctx, tx, r, f.officials[r.HandlingOrg], "cases.notice.submitted")
	}
	return ms, s.fanOut(ctx, tx, f, ms)
}

// markToFetch queues the shared-data materials, and with the applicant's consent the licence
// ones, that were not provided as to be fetched by those modules, for a case made or submitted in
// tx's work.
func markToFetch(tx *store.Tx, caseID string, p principal.Principal, specs []MaterialSpec, have []materialRow, consent bool) []materialRow {
	got := map[string]bool{}
	for _, m := range have {
		got[m.Code] = true
	}
	var out []materialRow
	for _, m := range specs {
		if got[m.Code] || m.Source != SourceLicence && m.Source != SourceSharedData || m.Source == SourceLicence && !consent {
			continue
		}
		mr := materialRow{CaseID: caseID, Code: m.Code, Status: string(MaterialToFetch), AddedBy: p.Actor(), AddedAt: tx.Now}
		queueMaterial(tx, mr)
		out = append(out, mr)
	}
	return out
}

func materialCodes(ms []materialRow) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Code
	}
	return out
}

// fanOut makes a submitted bundle's cases: one per item, routed to the item's organisation,
// with the form's values its item's form has and the materials it needs.
func (s *Service) fanOut(ctx context.Context, tx *store.Tx, f *filing, parentMaterials []materialRow) error {
	parent, p, now := f.r, f.p, tx.Now
	b, err := parent.bundle()
	if err != nil {
		return err
	}
	values := parent.form()
	byCode := map[string]materialRow{}
	for _, m := range parentMaterials {
		byCode[m.Code] = m
	}
	for _, it := range b.Items {
		it.Materials = materialsFor(b, it)
		form, err := encodeForm(s.valuesFor(it.FormSchema, values))
		if err != nil {
			return err
		}
		pid := parent.ID
		c := &row{ID: newID(), ParentID: &pid, BundleCode: b.Code, BundleVersion: b.Version, ItemCode: it.Code,
			ItemVersion: it.Version, NameHans: it.NameHans, NameHant: it.NameHant, NameEn: it.NameEn,
			HandlingOrg: it.Org, ReceivingOrg: parent.ReceivingOrg, Channel: parent.Channel,
			ApplicantAccount: parent.ApplicantAccount, ApplicantKind: parent.ApplicantKind, ActingFor: parent.ActingFor,
			ApplicantName: parent.ApplicantName, CreatedBy: parent.CreatedBy, Status: StatusSubmitted, Form: form,
			LimitDays: limitOf(it), LegalDays: it.LegalDays, ClockState: ClockNotStarted, CreatedAt: now, UpdatedAt: now,
			SubmittedAt: &now, LicenceConsent: parent.LicenceConsent}
		if err := c.setSpec(it); err != nil {
			return err
		}
		f.children = append(f.children, c)
		number, err := nextNumber(ctx, tx, regionOf(it.RegionCode, s.cfg.Region))
		if err != nil {
			return err
		}
		c.Number, c.QueryHash = &number, queryHash(s.cfg.CodeKey, number, f.code)
		if err := s.insert(ctx, tx, c); err != nil {
			return err
		}
		var copied []materialRow
		for _, m := range it.Materials {
			pm, ok := byCode[m.Code]
			if !ok || pm.Status != string(MaterialProvided) {
				continue
			}
			pm.CaseID = c.ID
			queueMaterial(tx, pm)
			copied = append(copied, pm)
		}
		fetch := markToFetch(tx, c.ID, p, it.Materials, copied, c.LicenceConsent == 1)
		detail := map[string]any{"channel": string(c.Channel), "parent": parent.number()}
		if len(fetch) > 0 {
			detail["to_fetch"] = materialCodes(fetch)
		}
		if hasLicenceMaterial(it.Materials) {
			detail["licence_consent"] = c.LicenceConsent == 1
		}
		if err := addEvents(ctx, tx, c.ID, p, timelineEntry{kind: EventCreated}, timelineEntry{kind: EventSubmitted, detail: detail}); err != nil {
			return err
		}
		audited := map[string]any{"item": c.ItemCode, "bundle": c.BundleCode, "parent": parent.ID}
		if hasLicenceMaterial(it.Materials) {
			audited["licence_consent"] = c.LicenceConsent == 1
		}
		if err := change(ctx, tx, "cases.submit", c, StatusDraft, audited); err != nil {
			return err
		}
		if err := enqueue(ctx, tx, TopicSubmitted, payload(c, now)); err != nil {
			return err
		}
		if err := s.tellOfficials(ctx, tx, c, f.officials[c.HandlingOrg], "cases.notice.submitted"); err != nil {
			return err
		}
	}
	return nil
}

// materialsFor returns the bundle's materials that item needs (its own when the bundle lists
// none for it).
func materialsFor(b BundleSpec, it ItemSpec) []MaterialSpec {
	var out []MaterialSpec
	for _, m := range b.Materials {
		if len(m.ForItems) == 0 || slices.Contains(m.ForItems, it.Code) {
			m.ForItems = nil
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return it.Materials
	}
	return out
}
