package cases

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// row is a cases row as stored.
type row struct {
	ID               string     `db:"id"`
	Number           *string    `db:"number"`
	QueryHash        string     `db:"query_hash"`
	ParentID         *string    `db:"parent_id"`
	BundleCode       string     `db:"bundle_code"`
	BundleVersion    int        `db:"bundle_version"`
	ItemCode         string     `db:"item_code"`
	ItemVersion      int        `db:"item_version"`
	NameHans         string     `db:"name_hans"`
	NameHant         string     `db:"name_hant"`
	NameEn           string     `db:"name_en"`
	Spec             string     `db:"spec_sha256"` // the hex SHA-256 of the spec's JSON in case_specs
	HandlingOrg      string     `db:"handling_org"`
	ReceivingOrg     string     `db:"receiving_org"`
	Channel          Channel    `db:"channel"`
	ApplicantAccount int64      `db:"applicant_account"`
	ApplicantKind    string     `db:"applicant_kind"`
	ActingFor        string     `db:"acting_for"`
	ApplicantName    string     `db:"applicant_name"`
	CreatedBy        string     `db:"created_by"`
	Status           Status     `db:"status"`
	ResumeStatus     Status     `db:"resume_status"`
	Outcome          Outcome    `db:"outcome"`
	Form             string     `db:"form"`
	LimitDays        int        `db:"limit_days"`
	LegalDays        int        `db:"legal_days"`
	ClockState       ClockState `db:"clock_state"`
	PauseReason      string     `db:"pause_reason"`
	PausedSince      *time.Time `db:"paused_since"`
	PausedDays       int        `db:"paused_days"`
	DueOn            string     `db:"due_on"`
	WarnOn           string     `db:"warn_on"`
	WarnedAt         *time.Time `db:"warned_at"`
	OverdueAt        *time.Time `db:"overdue_at"`
	ClockStoppedAt   *time.Time `db:"clock_stopped_at"`
	CreatedAt        time.Time  `db:"created_at"`
	UpdatedAt        time.Time  `db:"updated_at"`
	SubmittedAt      *time.Time `db:"submitted_at"`
	AcceptedAt       *time.Time `db:"accepted_at"`
	DecidedAt        *time.Time `db:"decided_at"`
	CompletedAt      *time.Time `db:"completed_at"`
	DecidedBy        string     `db:"decided_by"`
	Reasons          string     `db:"reasons"`
	DecisionBlob     *string    `db:"decision_blob"`
	SignatureBlob    *string    `db:"signature_blob"`
	SignatureID      string     `db:"signature_id"`
	SealID           string     `db:"seal_id"`
	SealName         string     `db:"seal_name"`
	SignatureFormat  string     `db:"signature_format"`
	LedgerIndex      *int64     `db:"ledger_index"`
	FeeOrderID       string     `db:"fee_order_id"`
	PaidAt           *time.Time `db:"paid_at"`
	DeliveryMethod   string     `db:"delivery_method"`
	DeliveredBy      string     `db:"delivered_by"`
	TransferredTo    string     `db:"transferred_to"`
	RemoteNumber     string     `db:"remote_number"`
	RemoteStatus     string     `db:"remote_status"`
	// LicenceConsent (0 or 1): the applicant agreed that the licences the case's materials ask
	// for be fetched (免提交); without it those materials are uploaded.
	LicenceConsent int `db:"licence_consent"`
	// OriginNode and OriginNumber name the node and number a case received from another
	// province's node came with (ImportTransfer), Origin its originRecord's JSON; all empty
	// for a case made here.
	OriginNode   string `db:"origin_node"`
	OriginNumber string `db:"origin_number"`
	Origin       string `db:"origin"`

	// spec is the decoded item or bundle (attached by the Service when it loads a case, or set
	// when it makes one); specJSON is its JSON while the case is being made.
	spec     *specData `db:"-"`
	specJSON string    `db:"-"`
}

// specData is a decoded spec: an item's, or a bundle parent's.
type specData struct {
	item   *ItemSpec
	bundle *BundleSpec
}

const rowColumns = `id, number, query_hash, parent_id, bundle_code, bundle_version, item_code, item_version,
	name_hans, name_hant, name_en, spec_sha256, handling_org, receiving_org, channel, applicant_account, applicant_kind,
	acting_for, applicant_name, created_by, status, resume_status, outcome, form, limit_days, legal_days,
	clock_state, pause_reason, paused_since, paused_days, due_on, warn_on, warned_at, overdue_at, clock_stopped_at,
	created_at, updated_at, submitted_at, accepted_at, decided_at, completed_at, decided_by, reasons,
	decision_blob, signature_blob, signature_id, seal_id, seal_name, signature_format, ledger_index,
	fee_order_id, paid_at, delivery_method, delivered_by, transferred_to, remote_number, remote_status,
	licence_consent, origin_node, origin_number, origin`

// summaryColumns are what lists read: everything but the spec and the form.
const summaryColumns = `id, number, query_hash, parent_id, bundle_code, bundle_version, item_code, item_version,
	name_hans, name_hant, name_en, spec_sha256, handling_org, receiving_org, channel, applicant_account,
	applicant_kind, acting_for, applicant_name, created_by, status, resume_status, outcome, '{}' AS form,
	limit_days, legal_days, clock_state, pause_reason, paused_since, paused_days, due_on, warn_on, warned_at,
	overdue_at, clock_stopped_at, created_at, updated_at, submitted_at, accepted_at, decided_at, completed_at,
	decided_by, reasons, decision_blob, signature_blob, signature_id, seal_id, seal_name, signature_format,
	ledger_index, fee_order_id, paid_at, delivery_method, delivered_by, transferred_to, remote_number, remote_status,
	licence_consent, origin_node, origin_number, '' AS origin`

// number returns the row's number, "" for a draft.
func (r *row) number() string {
	if r.Number == nil {
		return ""
	}
	return *r.Number
}

func (r *row) parentID() string {
	if r.ParentID == nil {
		return ""
	}
	return *r.ParentID
}

// isParent reports whether r is a bundle's parent.
func (r *row) isParent() bool { return r.ItemCode == "" && r.BundleCode != "" }

// errNoSpec is an internal error: a case's spec was not attached before use.
var errNoSpec = errs.E(errs.Internal, "cases: the case's spec is not loaded")

// item returns the item spec of an item's case.
func (r *row) item() (ItemSpec, error) {
	if r.spec == nil || r.spec.item == nil {
		return ItemSpec{}, errNoSpec
	}
	return *r.spec.item, nil
}

// bundle returns the bundle spec of a bundle's parent.
func (r *row) bundle() (BundleSpec, error) {
	if r.spec == nil || r.spec.bundle == nil {
		return BundleSpec{}, errNoSpec
	}
	return *r.spec.bundle, nil
}

// setSpec gives a new case its spec (an ItemSpec or BundleSpec).
func (r *row) setSpec(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	r.Spec, r.specJSON = hex.EncodeToString(sum[:]), string(b)
	switch v := v.(type) {
	case ItemSpec:
		r.spec = &specData{item: &v}
	case BundleSpec:
		r.spec = &specData{bundle: &v}
	}
	return nil
}

// attachSpec decodes r's spec, from the Service's cache or from case_specs through get.
func (s *Service) attachSpec(ctx context.Context, get func(ctx context.Context, dest any, q string, args ...any) error, r *row) error {
	if v, ok := s.specs.Load(r.Spec); ok {
		r.spec = v.(*specData)
		return nil
	}
	var raw string
	if err := get(ctx, &raw, `SELECT spec FROM case_specs WHERE sha256 = ?`, r.Spec); err != nil {
		return err
	}
	d := &specData{}
	var err error
	if r.isParent() {
		d.bundle = &BundleSpec{}
		err = json.Unmarshal([]byte(raw), d.bundle)
	} else {
		d.item = &ItemSpec{}
		err = json.Unmarshal([]byte(raw), d.item)
	}
	if err != nil {
		return errs.Wrapf(errs.Internal, err, "error.internal")
	}
	s.specs.Store(r.Spec, d)
	s.stored.Store(r.Spec, true)
	return nil
}

// putSpec stores r's spec unless it is known to be stored.
func (s *Service) putSpec(ctx context.Context, tx *store.Tx, r *row) error {
	if _, ok := s.stored.Load(r.Spec); ok || r.specJSON == "" {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO case_specs (sha256, spec, created_at) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING`,
		r.Spec, r.specJSON, tx.Now)
	return err
}

// committed records, after its transaction committed, that the specs of rows are stored.
func (s *Service) committed(rows ...*row) {
	for _, r := range rows {
		if r.spec != nil {
			s.specs.LoadOrStore(r.Spec, r.spec)
		}
		s.stored.Store(r.Spec, true)
	}
}

// materialSpecs returns the materials the case asks for: its item's, or its bundle's.
func (r *row) materialSpecs() ([]MaterialSpec, error) {
	if r.isParent() {
		b, err := r.bundle()
		return b.Materials, err
	}
	it, err := r.item()
	return it.Materials, err
}

// form decodes the form's values.
func (r *row) form() map[string]any {
	m := map[string]any{}
	_ = json.Unmarshal([]byte(r.Form), &m)
	return m
}

// loadTx reads a case in tx, locking it on PostgreSQL against concurrent changes. Returns
// errs.NotFound if there is none.
func (s *Service) loadTx(ctx context.Context, tx *store.Tx, id string) (*row, error) {
	q := `SELECT ` + rowColumns + ` FROM cases WHERE id = ?`
	if tx.Dialect() == store.Postgres {
		q += ` FOR UPDATE`
	}
	var r row
	if err := tx.Get(ctx, &r, q, id); err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, errNotFound()
		}
		return nil, err
	}
	return &r, s.attachSpec(ctx, tx.Get, &r)
}

// load reads a case outside a transaction. Returns errs.NotFound if there is none.
func (s *Service) load(ctx context.Context, id string) (*row, error) {
	var r row
	if err := s.db.Get(ctx, &r, `SELECT `+rowColumns+` FROM cases WHERE id = ?`, id); err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, errNotFound()
		}
		return nil, err
	}
	return &r, s.attachSpec(ctx, s.db.Get, &r)
}

// errNotFound is the one answer for a case that does not exist or is not the reader's.
func errNotFound() error { return errs.E(errs.NotFound, "cases.error.not_found") }

// save writes the mutable columns of r back, with updated_at = tx.Now.
func save(ctx context.Context, tx *store.Tx, r *row) error {
	r.UpdatedAt = tx.Now
	_, err := tx.Exec(ctx, `UPDATE cases SET number = ?, query_hash = ?, status = ?, resume_status = ?, outcome = ?,
		form = ?, receiving_org = ?, limit_days = ?, legal_days = ?, clock_state = ?, pause_reason = ?, paused_since = ?,
		paused_days = ?, due_on = ?, warn_on = ?, warned_at = ?, overdue_at = ?, clock_stopped_at = ?, updated_at = ?,
		submitted_at = ?, accepted_at = ?, decided_at = ?, completed_at = ?, decided_by = ?, reasons = ?,
		decision_blob = ?, signature_blob = ?, signature_id = ?, seal_id = ?, seal_name = ?, signature_format = ?,
		ledger_index = ?, fee_order_id = ?, paid_at = ?, delivery_method = ?, delivered_by = ?, transferred_to = ?,
		remote_number = ?, remote_status = ?, licence_consent = ?
		WHERE id = ?`,
		r.Number, r.QueryHash, string(r.Status), string(r.ResumeStatus), string(r.Outcome), r.Form, r.ReceivingOrg,
		r.LimitDays, r.LegalDays, string(r.ClockState), r.PauseReason, r.PausedSince, r.PausedDays, r.DueOn, r.WarnOn,
		r.WarnedAt, r.OverdueAt, r.ClockStoppedAt, r.UpdatedAt, r.SubmittedAt, r.AcceptedAt, r.DecidedAt,
		r.CompletedAt, r.DecidedBy, r.Reasons, r.DecisionBlob, r.SignatureBlob, r.SignatureID, r.SealID, r.SealName,
		r.SignatureFormat, r.LedgerIndex, r.FeeOrderID, r.PaidAt, r.DeliveryMethod, r.DeliveredBy, r.TransferredTo,
		r.RemoteNumber, r.RemoteStatus, r.LicenceConsent, r.ID)
	return err
}

// insert queues a new case, written when the transaction's work ends (store.Tx.InsertLater),
// and writes its spec now if it is new. Rows that refer to the case must be queued too.
func (s *Service) insert(ctx context.Context, tx *store.Tx, r *row) error {
	if err := s.putSpec(ctx, tx, r); err != nil {
		return err
	}
	tx.InsertLater("cases", caseInsertColumns,
		r.ID, r.Number, r.QueryHash, r.ParentID, r.BundleCode, r.BundleVersion, r.ItemCode, r.ItemVersion,
		r.NameHans, r.NameHant, r.NameEn, r.Spec, r.HandlingOrg, r.ReceivingOrg, string(r.Channel),
		r.ApplicantAccount, r.ApplicantKind, r.ActingFor, r.ApplicantName, r.CreatedBy, string(r.Status), r.Form,
		r.LimitDays, r.LegalDays, r.CreatedAt, r.UpdatedAt, r.SubmittedAt, r.LicenceConsent, r.OriginNode, r.OriginNumber,
		r.Origin)
	return nil
}

// caseInsertColumns are the columns a new case is written with.
const caseInsertColumns = `id, number, query_hash, parent_id, bundle_code, bundle_version, item_code,
	item_version, name_hans, name_hant, name_en, spec_sha256, handling_org, receiving_org, channel, applicant_account,
	applicant_kind, acting_for, applicant_name, created_by, status, form, limit_days, legal_days, created_at,
	updated_at, submitted_at, licence_consent, origin_node, origin_number, origin`

// queueMaterial queues m, a material of a case made or submitted in tx's work, for insertion.
func queueMaterial(tx *store.Tx, m materialRow) {
	tx.InsertLater("case_materials", materialColumns,
		m.CaseID, m.Code, m.Status, m.BlobSHA256, m.FileName, m.Format, m.Size, m.AddedBy, m.AddedAt, m.LicenceID, m.Licence)
}

// materialRow is a case_materials row.
type materialRow struct {
	CaseID     string    `db:"case_id"`
	Code       string    `db:"code"`
	Status     string    `db:"status"`
	BlobSHA256 *string   `db:"blob_sha256"`
	FileName   string    `db:"file_name"`
	Format     string    `db:"format"`
	Size       int64     `db:"size"`
	AddedBy    string    `db:"added_by"`
	AddedAt    time.Time `db:"added_at"`
	// LicenceID is the identifier of the licence a material was filled from (from_licence), or
	// of the one found unusable (unavailable); Licence what was verified of it (licenceRecord's
	// JSON).
	LicenceID string `db:"licence_id"`
	Licence   string `db:"licence"`
}

const materialColumns = `case_id, code, status, blob_sha256, file_name, format, size, added_by, added_at, licence_id,
	licence`

func materialsTx(ctx context.Context, tx *store.Tx, caseID string) ([]materialRow, error) {
	var ms []materialRow
	err := tx.Select(ctx, &ms, `SELECT `+materialColumns+` FROM case_materials WHERE case_id = ? ORDER BY code`, caseID)
	return ms, err
}

func putMaterial(ctx context.Context, tx *store.Tx, m materialRow) error {
	if _, err := tx.Exec(ctx, `DELETE FROM case_materials WHERE case_id = ? AND code = ?`, m.CaseID, m.Code); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO case_materials (`+materialColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.CaseID, m.Code, m.Status, m.BlobSHA256, m.FileName, m.Format, m.Size, m.AddedBy, m.AddedAt, m.LicenceID, m.Licence)
	return err
}
