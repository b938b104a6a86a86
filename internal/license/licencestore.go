package license

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// licenceRow is a licences row without its sealed disclosures.
type licenceRow struct {
	ID             string    `db:"id"`
	TypeCode       string    `db:"type_code"`
	TypeVersion    int       `db:"type_version"`
	Serial         string    `db:"serial"`
	Version        string    `db:"version"`
	Number         string    `db:"number"`
	NameHans       string    `db:"name_hans"`
	IssuerOrg      string    `db:"issuer_org"`
	IssuerCode     string    `db:"issuer_code"`
	IssuerName     string    `db:"issuer_name"`
	HolderName     string    `db:"holder_name"`
	HolderCode     string    `db:"holder_code"`
	HolderCodeType string    `db:"holder_code_type"`
	Jurisdiction   string    `db:"jurisdiction"`
	LinkedItem     string    `db:"linked_item"`
	CaseID         *string   `db:"case_id"`
	IssuedOn       string    `db:"issued_on"`
	ValidFrom      string    `db:"valid_from"`
	ValidUntil     *string   `db:"valid_until"`
	Status         Status    `db:"status"`
	StatusReason   string    `db:"status_reason"`
	StatusAt       time.Time `db:"status_at"`
	ExpiredLogged  int       `db:"expired_logged"`
	Face           string    `db:"face"`
	Credential     string    `db:"credential"`
	KeyID          string    `db:"key_id"`
	PDFSHA256      *string   `db:"pdf_sha256"`
	Supersedes     *string   `db:"supersedes"`
	CreatedBy      string    `db:"created_by"`
	CreatedAt      time.Time `db:"created_at"`
	UpdatedAt      time.Time `db:"updated_at"`
}

const licenceColumns = `id, type_code, type_version, serial, version, number, name_hans, issuer_org, issuer_code,
	issuer_name, holder_name, holder_code, holder_code_type, jurisdiction, linked_item, case_id, issued_on, valid_from,
	valid_until, status, status_reason, status_at, expired_logged, face, credential, key_id, pdf_sha256, supersedes,
	created_by, created_at, updated_at`

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (r licenceRow) licence() (Licence, error) {
	l := Licence{ID: r.ID, TypeCode: r.TypeCode, TypeVersion: r.TypeVersion, Serial: r.Serial, Version: r.Version,
		Number: r.Number, NameHans: r.NameHans, IssuerOrg: r.IssuerOrg, IssuerCode: r.IssuerCode, IssuerName: r.IssuerName,
		HolderName: r.HolderName, HolderCode: r.HolderCode, HolderCodeType: r.HolderCodeType, Jurisdiction: r.Jurisdiction,
		LinkedItem: r.LinkedItem, CaseID: deref(r.CaseID), IssuedOn: r.IssuedOn, ValidFrom: r.ValidFrom,
		ValidUntil: deref(r.ValidUntil), Status: r.Status, StatusReason: r.StatusReason, StatusAt: r.StatusAt,
		Credential: r.Credential, KeyID: r.KeyID, PDFSHA256: deref(r.PDFSHA256), Supersedes: deref(r.Supersedes),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if err := json.Unmarshal([]byte(r.Face), &l.Face); err != nil {
		return Licence{}, errs.Wrapf(errs.Internal, err, "error.internal")
	}
	return l, nil
}

// loadLicence reads licence id; errs.NotFound (license.error.not_found) if there is none.
func loadLicence(ctx context.Context, g getter, id string) (Licence, error) {
	var r licenceRow
	err := g.Get(ctx, &r, `SELECT `+licenceColumns+` FROM licences WHERE id = ?`, id)
	if errs.Is(err, errs.NotFound) {
		return Licence{}, errNotFound()
	}
	if err != nil {
		return Licence{}, err
	}
	return r.licence()
}

func licencesOf(rows []licenceRow) ([]Licence, error) {
	out := make([]Licence, 0, len(rows))
	for _, r := range rows {
		l, err := r.licence()
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// History is one step of a licence's history.
type History struct {
	At          time.Time `db:"at" json:"at"`
	Kind        string    `db:"kind" json:"kind"`
	Actor       string    `db:"actor" json:"-"`
	Reason      string    `db:"reason" json:"reason,omitempty"`
	LedgerIndex *int64    `db:"ledger_index" json:"ledger_index,omitempty"`
}

// The kinds of history steps.
const (
	StepIssued     = "issued"
	StepChanged    = "changed"
	StepSuspended  = "suspended"
	StepReinstated = "reinstated"
	StepRevoked    = "revoked"
	StepExpired    = "expired"
)

// addHistory queues a history row for licence id (written behind the work).
func addHistory(tx *store.Tx, id, kind, actor, reason string, ledgerIndex int64) {
	tx.InsertLater("licence_history", "licence_id, at, kind, actor, reason, ledger_index",
		id, tx.Now, kind, actor, reason, ledgerIndex)
}

// digestText is the ledger digest of a text: "sha256:<hex>".
func digestText(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// statusStatement is the text whose digest a status entry of the ledger carries: the licence,
// the state it entered and when, which anyone holding the entry can recompute.
func statusStatement(id string, state State, at time.Time) string {
	return "yiwang.licence.status/v1\n" + id + "\n" + string(state) + "\n" + at.UTC().Format("2006-01-02T15:04:05.000000Z") + "\n"
}

// ledgerSubject names a licence and the key that signed it, so that every licence a key signed
// can be enumerated from the ledger.
func ledgerSubject(id, keyID string) string { return id + "#" + keyID }

// logStep appends one ledger entry for licence l in tx and returns its index. digest is the
// credential's (issued, changed) or a status statement's.
func (s *Service) logStep(ctx context.Context, tx *store.Tx, typ ledger.Type, l Licence, digest string) (int64, error) {
	idx, err := s.cfg.Ledger.AppendTx(ctx, tx, ledger.Entry{Type: typ, Digest: digest, Org: l.IssuerOrg,
		Subject: ledgerSubject(l.ID, l.KeyID)})
	if err != nil {
		return 0, err
	}
	return idx[0], nil
}
