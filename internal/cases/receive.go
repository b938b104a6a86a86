package cases

import (
	"context"
	"encoding/json"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/formschema"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// The receiving side of a transfer (B): ImportTransfer makes a case of a Transfer, which the
// handling organisation's officials then handle like any other; each of its new statuses is
// reported back to the sending node through the outbox (TopicTransferStatus).

// Topics of the transfer's events.
const (
	// TopicReceived: a case came from another province's node (an EventPayload).
	TopicReceived = "case.received"
	// TopicTransferStatus: a received case has a new status, to report to the node it came from
	// (a StatusReport). Its consumer must deliver them in order (events.Ordered).
	TopicTransferStatus = "case.transfer_status"
)

// StatusReport is the payload of TopicTransferStatus.
type StatusReport struct {
	CaseID string `json:"case_id"` // the case here
	// To is the node the case came from, which Status (unsigned) is for.
	To     string         `json:"to"`
	Status TransferStatus `json:"report"`
}

// remoteApplicant is the account of every received case's applicant: a placeholder (migration
// 00025) that no one signs in as and no principal carries, so that only the handling
// organisation sees the case.
const remoteApplicant = 0

// originRecord is what a received case keeps of its transfer (row.Origin).
type originRecord struct {
	// Transfer is the transfer as signed, without the materials' content (the blobs its
	// digests name hold it): put back, its SigningBytes are what the sending node signed.
	Transfer   Transfer  `json:"transfer"`
	ReceivedAt time.Time `json:"received_at"`
}

// origin decodes r's origin, nil for a case made here.
func (r *row) origin() *Origin {
	if r.OriginNode == "" || r.Origin == "" {
		return nil
	}
	var rec originRecord
	if err := json.Unmarshal([]byte(r.Origin), &rec); err != nil {
		return &Origin{Node: r.OriginNode, Number: r.OriginNumber}
	}
	t := rec.Transfer
	return &Origin{Node: r.OriginNode, Number: r.OriginNumber, ReceivingOrg: t.ReceivingOrg, ItemVersion: t.ItemVersion,
		Applicant: t.Applicant, SubmittedAt: t.SubmittedAt, TransferredAt: t.TransferredAt, ReceivedAt: rec.ReceivedAt,
		Signed: len(t.Signature) > 0}
}

// ImportTransfer makes a case of a transfer from node fromNode, as its federation channel
// authenticated it (the caller checks the signature, when there is one, before): the item must
// be in this node's catalogue, of this province, handled by t.HandlingOrg and open to
// cross-province handling, and without fees (they could not be paid here). The case is
// submitted, for the handling organisation to accept; its materials are stored (each file's
// SHA-256 checked, its format and content as for an upload). The applicant, identified by their
// document, has no account here: the case is visible to the handling organisation's officials
// only. A transfer received before (the same fromNode and case number) returns that case.
// Returns errs.Invalid naming the field for a malformed transfer, errs.Forbidden when t is not
// fromNode's, errs.Conflict for an item that cannot be handled so.
func (s *Service) ImportTransfer(ctx context.Context, fromNode string, t Transfer) (c Case, err error) {
	defer errs.Wrap(&err, "cases.ImportTransfer(%s, %s)", fromNode, t.CaseNumber)
	if err := t.Check(); err != nil {
		return c, err
	}
	if fromNode == "" || t.SendingNode != fromNode || fromNode == s.cfg.Node {
		return c, errs.E(errs.Forbidden, "cases.error.transfer_sender")
	}
	remote := principal.Principal{Kind: principal.System, Login: "node:" + fromNode, Name: fromNode}
	ctx = principal.With(ctx, remote)
	if r, err := s.received(ctx, s.db.Get, fromNode, t.CaseNumber); err != nil || r != nil {
		if err != nil {
			return c, err
		}
		return s.view(ctx, remote, r)
	}
	it, err := s.cfg.Catalog.Item(ctx, t.ItemCode)
	if errs.Is(err, errs.NotFound) {
		return c, errs.Field("item_code", "cases.error.item_unknown")
	}
	if err != nil {
		return c, err
	}
	switch {
	case it.Org != t.HandlingOrg:
		return c, errs.Field("handling_org", "cases.error.transfer_org", t.HandlingOrg)
	case provinceOf(it.RegionCode) != provinceOf(s.cfg.Region) || it.CrossRegion != CrossRegionCountry:
		return c, errs.E(errs.Conflict, "cases.error.not_receivable")
	case len(it.Fees) > 0:
		return c, errs.E(errs.Conflict, "cases.error.transfer_fees")
	case t.Channel != ChannelOnline && t.Channel != ChannelWindow && t.Channel != ChannelKiosk:
		return c, errs.Field("channel", "cases.error.channel")
	}
	a := t.Applicant
	name := a.Name
	switch a.Kind {
	case ApplicantPerson:
		if it.ServiceObject == ServiceObjectEnterprise {
			return c, errs.Field("applicant", "cases.error.service_object", it.NameHans)
		}
	case ApplicantEnterprise:
		if it.ServiceObject == ServiceObjectPerson {
			return c, errs.Field("applicant", "cases.error.service_object", it.NameHans)
		}
		if a.CreditCode == "" || a.EnterpriseName == "" {
			return c, errs.Field("applicant", "cases.error.transfer_incomplete")
		}
		name = a.EnterpriseName
	default:
		return c, errs.Field("applicant", "cases.error.transfer_incomplete")
	}
	if name, err = cleanText("applicant", name, true); err != nil {
		return c, err
	}
	fe, err := s.checkForm(it.FormSchema, t.Form)
	if err != nil {
		return c, err
	}
	if err := asError(fe); err != nil {
		return c, err
	}
	form, err := encodeForm(t.Form)
	if err != nil {
		return c, err
	}
	ups, fetch, err := s.receivedMaterials(ctx, it, t.Materials)
	if err != nil {
		return c, err
	}
	rec := originRecord{Transfer: t}
	rec.Transfer.Materials = make([]TransferMaterial, len(t.Materials))
	for i, m := range t.Materials {
		m.Content = nil
		rec.Transfer.Materials[i] = m
	}
	officials, err := s.officials(ctx, it.Org, principal.RoleWindowOfficer)
	if err != nil {
		return c, err
	}
	var r *row
	var ms []materialRow
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		// A transfer delivered twice at once: one of the two fails on the unique index of
		// (origin_node, origin_number), and its sender's retry finds the other's case.
		if got, err := s.received(ctx, tx.Get, fromNode, t.CaseNumber); err != nil || got != nil {
			r = got
			return err
		}
		now := tx.Now
		rec.ReceivedAt = now
		origin, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		number, err := nextNumber(ctx, tx, regionOf(it.RegionCode, s.cfg.Region))
		if err != nil {
			return err
		}
		r = &row{ID: newID(), Number: &number, ItemCode: it.Code, ItemVersion: it.Version, NameHans: it.NameHans,
			NameHant: it.NameHant, NameEn: it.NameEn, HandlingOrg: it.Org, Channel: t.Channel,
			ApplicantAccount: remoteApplicant, ApplicantKind: string(a.Kind), ApplicantName: name, CreatedBy: remote.Actor(),
			Status: StatusSubmitted, Form: form, LimitDays: limitOf(it), LegalDays: it.LegalDays, ClockState: ClockNotStarted,
			CreatedAt: now, UpdatedAt: now, SubmittedAt: &now, OriginNode: fromNode, OriginNumber: t.CaseNumber,
			Origin: string(origin)}
		if err := r.setSpec(it); err != nil {
			return err
		}
		if err := s.insert(ctx, tx, r); err != nil {
			return err
		}
		ms = ms[:0]
		for _, u := range ups {
			m, err := storeUpload(ctx, tx, r.ID, remote, u, false)
			if err != nil {
				return err
			}
			ms = append(ms, m)
		}
		for _, code := range fetch {
			m := materialRow{CaseID: r.ID, Code: code, Status: string(MaterialToFetch), AddedBy: remote.Actor(), AddedAt: now}
			queueMaterial(tx, m)
			ms = append(ms, m)
		}
		detail := map[string]any{"node": fromNode, "origin_number": t.CaseNumber, "receiving_org": t.ReceivingOrg,
			"signed": len(t.Signature) > 0}
		if err := addEvents(ctx, tx, r.ID, remote, timelineEntry{kind: EventReceived, detail: detail}); err != nil {
			return err
		}
		if err := enqueue(ctx, tx, TopicReceived, payload(r, now)); err != nil {
			return err
		}
		// The audit record, and the first report: the sending node learns this node's number.
		if err := change(ctx, tx, "cases.receive", r, "", map[string]any{"from": fromNode, "origin_number": t.CaseNumber,
			"item": it.Code}); err != nil {
			return err
		}
		return s.tellOfficials(ctx, tx, r, officials, "cases.notice.received")
	})
	if err != nil {
		return c, err
	}
	if r.specJSON == "" { // found, not made
		return s.view(ctx, remote, r)
	}
	s.committed(r)
	return s.caseOf(r, ms, nil, nil, nil, r.UpdatedAt), nil
}

// received returns the case received from node under number there, nil if there is none.
func (s *Service) received(ctx context.Context, get func(ctx context.Context, dest any, q string, args ...any) error,
	node, number string) (*row, error) {
	var r row
	err := get(ctx, &r, `SELECT `+rowColumns+` FROM cases WHERE origin_node = ? AND origin_number = ?`, node, number)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, s.attachSpec(ctx, get, &r)
}

// receivedMaterials checks a transfer's materials against the item's: each one the item asks
// for, at most once; a file checked as an upload would be (format, size, scan); a material to
// fetch only of a licence or shared-data source. A licence material filled there (or found
// unusable) is fetched again here. Returns the files to store and the codes to fetch.
func (s *Service) receivedMaterials(ctx context.Context, it ItemSpec, ms []TransferMaterial) ([]upload, []string, error) {
	var ups []upload
	var fetch []string
	seen := map[string]bool{}
	var fieldErrs []formschema.FieldError
	for _, m := range ms {
		field := MaterialField(m.Code)
		spec, ok := materialSpec(it.Materials, m.Code)
		switch {
		case !ok:
			return nil, nil, errs.Field(field, "cases.error.material_unknown")
		case seen[m.Code]:
			return nil, nil, errs.Field(field, "cases.error.material_twice")
		}
		seen[m.Code] = true
		switch m.Status {
		case MaterialProvided:
			up, err := s.prepareUpload(ctx, it.Materials, Upload{Code: m.Code, FileName: m.FileName, Data: m.Content})
			if err != nil {
				if e := errs.Public(err); e.Kind == errs.Invalid && e.Field != "" {
					fieldErrs = append(fieldErrs, formschema.FieldError{Field: e.Field, Key: e.Message, Args: e.Args})
					continue
				}
				return nil, nil, err
			}
			ups = append(ups, up)
		case MaterialToFetch, MaterialFromLicence, MaterialUnavailable:
			if spec.Source != SourceLicence && spec.Source != SourceSharedData {
				return nil, nil, errs.Field(field, "cases.error.material_missing", spec.NameHans)
			}
			fetch = append(fetch, m.Code)
		default:
			return nil, nil, errs.Field(field, "cases.error.transfer_incomplete")
		}
	}
	if len(fieldErrs) > 0 {
		return nil, nil, &formschema.Errors{Fields: fieldErrs}
	}
	return ups, fetch, nil
}

func materialSpec(specs []MaterialSpec, code string) (MaterialSpec, bool) {
	for _, m := range specs {
		if m.Code == code {
			return m, true
		}
	}
	return MaterialSpec{}, false
}

// reportToOrigin enqueues, in the transaction that changed it, the report of a received case's
// new status for the node it came from: B's number, the status, the outcome and reasons once
// decided or refused, and the decision document's digest. The report names this node as the
// sending node named it: by the item's province.
func reportToOrigin(ctx context.Context, tx *store.Tx, r *row, before Status) error {
	if r.OriginNode == "" || r.Status == before {
		return nil
	}
	it, err := r.item()
	if err != nil {
		return err
	}
	ts := TransferStatus{Version: TransferVersion, Node: provinceOf(it.RegionCode), CaseNumber: r.OriginNumber,
		RemoteNumber: r.number(), Status: r.Status, Outcome: r.Outcome, At: tx.Now}
	if r.Status.Decided() || r.Status == StatusNotAccepted {
		ts.Note = r.Reasons
	}
	if r.DecisionBlob != nil {
		ts.DecisionSHA256 = *r.DecisionBlob
	}
	return events.Enqueue(ctx, tx, TopicTransferStatus, StatusReport{CaseID: r.ID, To: r.OriginNode, Status: ts})
}
