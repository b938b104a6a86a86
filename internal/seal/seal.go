// Package seal is the electronic-seal registry (電子印章): an organisation's official and
// special-purpose seals with their picture, key, certificate, validity and status.
//
// Creating a seal and revoking one each take two people: an administrator of the organisation
// (or of the provincial digital office) asks, and an approver who is someone else decides. On
// approval the seal gets its own signing key (internal/keys), a seal certificate from the
// organisation's CA (internal/pki) and, for SM2 seals, the GB/T 38540 seal structure signed by
// the provincial seal maker (internal/ses). Revocation revokes the certificate, so signatures
// made afterwards stop verifying while earlier, time-stamped ones still do.
package seal

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"image"
	"image/png"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/blob"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/pki"
	"github.com/yiwang-platform/yiwang/internal/plaintext"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/sealimage"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Kind is the kind of seal. The values follow GB/T 38540's seal types where it has them.
type Kind string

// Kinds of seal.
const (
	Official Kind = "official" // 公章: the organisation's own seal
	Special  Kind = "special"  // 业务专用章, e.g. 行政审批专用章
	Contract Kind = "contract" // 合同专用章
	Finance  Kind = "finance"  // 财务专用章
	Invoice  Kind = "invoice"  // 发票专用章
)

// Kinds lists the kinds in display order.
var Kinds = []Kind{Official, Special, Contract, Finance, Invoice}

func (k Kind) valid() bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}

// Status is where a seal is in its life.
type Status string

// Seal statuses.
const (
	Pending           Status = "pending"
	Rejected          Status = "rejected"
	Active            Status = "active"
	RevocationPending Status = "revocation_pending"
	Revoked           Status = "revoked"
)

// Seal is a registered seal. SealDER (the GB/T 38540 structure) and the picture are public: a
// seal's impression appears on every document it signs.
type Seal struct {
	ID                string         `db:"id" json:"id"`
	Code              string         `db:"code" json:"code"`
	Org               string         `db:"org_code" json:"org"`
	Kind              Kind           `db:"kind" json:"kind"`
	Name              string         `db:"name" json:"name"`
	Algorithm         keys.Algorithm `db:"algorithm" json:"algorithm"`
	ImageSHA256       string         `db:"image_sha256" json:"image_sha256"`
	WidthMM           int            `db:"width_mm" json:"width_mm"`
	HeightMM          int            `db:"height_mm" json:"height_mm"`
	ValidFrom         time.Time      `db:"valid_from" json:"valid_from"`
	ValidTo           time.Time      `db:"valid_to" json:"valid_to"`
	Status            Status         `db:"status" json:"status"`
	KeyID             *string        `db:"key_id" json:"key_id,omitempty"`
	CertSerial        *string        `db:"cert_serial" json:"cert_serial,omitempty"`
	SealDER           []byte         `db:"seal_der" json:"-"`
	RequestedBy       string         `db:"requested_by" json:"requested_by"`
	RequestedAt       time.Time      `db:"requested_at" json:"requested_at"`
	DecidedBy         *string        `db:"decided_by" json:"decided_by,omitempty"`
	DecidedAt         *time.Time     `db:"decided_at" json:"decided_at,omitempty"`
	RejectReason      string         `db:"reject_reason" json:"reject_reason,omitempty"`
	RevokeRequestedBy *string        `db:"revoke_requested_by" json:"revoke_requested_by,omitempty"`
	RevokeRequestedAt *time.Time     `db:"revoke_requested_at" json:"revoke_requested_at,omitempty"`
	RevokeReason      string         `db:"revoke_reason" json:"revoke_reason,omitempty"`
	RevokedBy         *string        `db:"revoked_by" json:"revoked_by,omitempty"`
	RevokedAt         *time.Time     `db:"revoked_at" json:"revoked_at,omitempty"`
}

// UsableAt reports whether the seal may sign at t.
func (s Seal) UsableAt(t time.Time) bool {
	return s.Status == Active && !t.Before(s.ValidFrom) && t.Before(s.ValidTo) && s.KeyID != nil && s.CertSerial != nil
}

const columns = `id, code, org_code, kind, name, algorithm, image_sha256, width_mm, height_mm, valid_from,
	valid_to, status, key_id, cert_serial, seal_der, requested_by, requested_at, decided_by, decided_at,
	reject_reason, revoke_requested_by, revoke_requested_at, revoke_reason, revoked_by, revoked_at`

// Event is a seal's creation or revocation, handed to Config.OnEvent in the same transaction (the
// platform appends it to the ledger).
type Event struct {
	Type       string // "seal.created", "seal.revoked"
	SealID     string
	Code       string
	Org        string
	CertSerial string
	// Digest is the hex SHA-256 of the seal's GB/T 38540 structure, or of its certificate for a
	// seal without one.
	Digest string
}

// Config configures the registry.
type Config struct {
	// MakerOrg is the organisation whose seal-making key signs SM2 seal structures (the
	// provincial digital office).
	MakerOrg string
	// Vendor is the GB/T 38540 vendor id written in seal headers.
	Vendor string
	// OnEvent, when set, is called in the transaction that activates or revokes a seal.
	OnEvent func(ctx context.Context, tx *store.Tx, e Event) error
}

// Registry is the seal registry.
type Registry struct {
	db   *store.DB
	keys *keys.Service
	pki  *pki.Service
	cfg  Config
}

// New returns the registry.
func New(db *store.DB, k *keys.Service, p *pki.Service, cfg Config) *Registry {
	if cfg.MakerOrg == "" {
		cfg.MakerOrg = org.DigitalOffice
	}
	if cfg.Vendor == "" {
		cfg.Vendor = "YIWANG"
	}
	return &Registry{db: db, keys: k, pki: p, cfg: cfg}
}

// Request is what an administrator asks for.
type Request struct {
	Org       string         `json:"org"`
	Kind      Kind           `json:"kind"`
	Name      string         `json:"name"`
	Caption   string         `json:"caption"`
	Algorithm keys.Algorithm `json:"algorithm"`
	// Image is the seal's picture as PNG; empty means draw the usual red seal from the names.
	Image     []byte    `json:"-"`
	ValidFrom time.Time `json:"valid_from"`
	ValidTo   time.Time `json:"valid_to"`
}

// MaxImageBytes bounds an uploaded seal picture.
const MaxImageBytes = 1 << 20

func isAdmin(p principal.Principal, orgCode string) bool {
	return p.Kind == principal.System || (p.Kind == principal.Official && p.HasRole(principal.RoleAdministrator) &&
		(p.OrgCode == orgCode || p.OrgCode == org.DigitalOffice))
}

func isApprover(p principal.Principal, orgCode string) bool {
	return p.Kind == principal.Official && p.HasRole(principal.RoleApprover) &&
		(p.OrgCode == orgCode || p.OrgCode == org.DigitalOffice)
}

func canSee(p principal.Principal, orgCode string) bool {
	return p.Kind == principal.System || (p.Kind == principal.Official && (p.OrgCode == orgCode || p.OrgCode == org.DigitalOffice))
}

// Size in millimetres of each kind's impression, as seals of that kind are commonly made.
func sizeOf(k Kind) (w, h int, shape sealimage.Shape) {
	switch k {
	case Official:
		return 42, 42, sealimage.Round
	case Finance, Invoice:
		return 40, 30, sealimage.Oval
	}
	return 40, 40, sealimage.Round
}

// RequestSeal records an administrator's request for a new seal; it does nothing until an
// approver decides.
func (r *Registry) RequestSeal(ctx context.Context, p principal.Principal, req Request) (Seal, error) {
	if !isAdmin(p, req.Org) {
		return Seal{}, errs.E(errs.Forbidden, "error.seal_request_forbidden")
	}
	req.Name = strings.TrimSpace(req.Name)
	req.Caption = strings.TrimSpace(req.Caption)
	switch {
	case !req.Kind.valid():
		return Seal{}, errs.Field("kind", "error.seal_kind")
	case req.Name == "" || utf8.RuneCountInString(req.Name) > 40 || !plaintext.Valid(req.Name, false):
		return Seal{}, errs.Field("name", "error.seal_name")
	case utf8.RuneCountInString(req.Caption) > sealimage.MaxCaptionRunes || !plaintext.Valid(req.Caption, false):
		return Seal{}, errs.Field("caption", "error.seal_caption")
	case req.Algorithm != keys.SM2 && req.Algorithm != keys.ECDSAP256:
		return Seal{}, errs.Field("algorithm", "error.seal_algorithm")
	case req.ValidFrom.IsZero() || req.ValidTo.IsZero() || !req.ValidTo.After(req.ValidFrom):
		return Seal{}, errs.Field("valid_to", "error.seal_validity")
	case req.ValidTo.Sub(req.ValidFrom) > pki.MaxValidity:
		return Seal{}, errs.Field("valid_to", "error.seal_validity_long")
	}
	o, err := org.Get(ctx, r.db, req.Org)
	if err != nil {
		return Seal{}, errs.Field("org", "error.org_not_found", req.Org)
	}
	w, h, shape := sizeOf(req.Kind)
	code := sealCode(o.RegionCode)
	img := req.Image
	if len(img) == 0 {
		img, err = sealimage.Render(sealimage.Spec{Name: o.NameHans, Caption: req.Caption, Code: code, Shape: shape})
		if err != nil {
			return Seal{}, fmt.Errorf("draw seal picture: %w", err)
		}
	} else if err := checkImage(img); err != nil {
		return Seal{}, err
	}
	s := Seal{ID: "seal_" + randomHex(10), Code: code, Org: req.Org, Kind: req.Kind, Name: req.Name,
		Algorithm: req.Algorithm, WidthMM: w, HeightMM: h, ValidFrom: req.ValidFrom.UTC(), ValidTo: req.ValidTo.UTC(),
		Status: Pending, RequestedBy: p.Actor()}
	err = r.db.Transact(ctx, func(tx *store.Tx) error {
		b, err := blob.Put(ctx, tx, img)
		if err != nil {
			return err
		}
		s.ImageSHA256 = b.SHA256
		s.RequestedAt = tx.Now
		if _, err := tx.Exec(ctx, `INSERT INTO seals (id, code, org_code, kind, name, algorithm, image_sha256, width_mm,
			height_mm, valid_from, valid_to, status, requested_by, requested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			s.ID, s.Code, s.Org, string(s.Kind), s.Name, string(s.Algorithm), s.ImageSHA256, s.WidthMM, s.HeightMM,
			s.ValidFrom, s.ValidTo, string(s.Status), s.RequestedBy, s.RequestedAt); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "seal.request", ObjectType: "seal", ObjectID: s.ID, After: s,
			Detail: map[string]any{"org": s.Org, "kind": string(s.Kind), "algorithm": string(s.Algorithm)}})
	})
	return s, err
}

func checkImage(b []byte) error {
	if len(b) > MaxImageBytes {
		return errs.Field("image", "error.seal_image_size")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || format != "png" {
		return errs.Field("image", "error.seal_image_format")
	}
	if cfg.Width < 64 || cfg.Height < 64 || cfg.Width > 2048 || cfg.Height > 2048 {
		return errs.Field("image", "error.seal_image_dimensions")
	}
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		return errs.Field("image", "error.seal_image_format")
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// sealCode is the seal's code (GB/T 38540 esID): the organisation's six-digit region code
// followed by eight random digits.
func sealCode(region string) string {
	n, _ := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if len(region) != 6 {
		region = "350000"
	}
	return fmt.Sprintf("%s%08d", region, n.Int64())
}

func (r *Registry) load(ctx context.Context, tx *store.Tx, id string) (Seal, error) {
	var s Seal
	var err error
	if tx != nil {
		err = tx.Get(ctx, &s, `SELECT `+columns+` FROM seals WHERE id = ?`, id)
	} else {
		err = r.db.Get(ctx, &s, `SELECT `+columns+` FROM seals WHERE id = ?`, id)
	}
	if errs.KindOf(err) == errs.NotFound {
		return Seal{}, errs.E(errs.NotFound, "error.seal_not_found")
	}
	return s, err
}

// Get returns a seal to the officials of its organisation and of the digital office.
func (r *Registry) Get(ctx context.Context, p principal.Principal, id string) (Seal, error) {
	s, err := r.load(ctx, nil, id)
	if err != nil {
		return Seal{}, err
	}
	if !canSee(p, s.Org) {
		return Seal{}, errs.E(errs.NotFound, "error.seal_not_found")
	}
	return s, nil
}

// List returns an organisation's seals, newest first; the digital office sees every
// organisation's when orgCode is "".
func (r *Registry) List(ctx context.Context, p principal.Principal, orgCode string) ([]Seal, error) {
	if orgCode == "" && !canSee(p, org.DigitalOffice) || orgCode != "" && !canSee(p, orgCode) {
		return nil, errs.E(errs.Forbidden, "error.seal_list_forbidden")
	}
	q := `SELECT ` + columns + ` FROM seals`
	args := []any{}
	if orgCode != "" {
		q += ` WHERE org_code = ?`
		args = append(args, orgCode)
	}
	var out []Seal
	err := r.db.Select(ctx, &out, q+` ORDER BY requested_at DESC, id`, args...)
	return out, err
}

// Usable returns the seal if p may sign with it now: an official with the seal-user role in the
// seal's own organisation, and a seal that is active and within its validity.
func (r *Registry) Usable(ctx context.Context, p principal.Principal, id string) (Seal, error) {
	s, err := r.load(ctx, nil, id)
	if err != nil {
		return Seal{}, err
	}
	if !canSee(p, s.Org) {
		return Seal{}, errs.E(errs.NotFound, "error.seal_not_found")
	}
	if p.Kind != principal.Official || p.OrgCode != s.Org || !p.HasRole(principal.RoleSealUser) {
		return Seal{}, errs.E(errs.Forbidden, "error.seal_use_forbidden")
	}
	if !s.UsableAt(r.db.Clock().Now()) {
		return Seal{}, errs.E(errs.Conflict, "error.seal_not_usable", s.Name)
	}
	return s, nil
}

// ImageFor returns a seal's picture to p: anyone may have the picture of a seal that was ever
// in use (its impression is on every document it signed), but only the officials who may see a
// pending or rejected request may see its picture.
func (r *Registry) ImageFor(ctx context.Context, p principal.Principal, id string) ([]byte, error) {
	s, err := r.load(ctx, nil, id)
	if err != nil {
		return nil, err
	}
	if (s.Status == Pending || s.Status == Rejected) && !canSee(p, s.Org) {
		return nil, errs.E(errs.NotFound, "error.seal_not_found")
	}
	_, data, err := blob.Get(ctx, r.db, s.ImageSHA256)
	return data, err
}

// Image returns a seal's picture (PNG) to the platform's own code (signing draws it).
func (r *Registry) Image(ctx context.Context, id string) ([]byte, error) {
	s, err := r.load(ctx, nil, id)
	if err != nil {
		return nil, err
	}
	_, data, err := blob.Get(ctx, r.db, s.ImageSHA256)
	return data, err
}

// PublicInfo is what anyone verifying a document may learn about the seal that signed it.
type PublicInfo struct {
	ID        string     `json:"id"`
	Code      string     `json:"code"`
	Org       string     `json:"org"`
	Kind      Kind       `json:"kind"`
	Name      string     `json:"name"`
	Status    Status     `json:"status"`
	ValidFrom time.Time  `json:"valid_from"`
	ValidTo   time.Time  `json:"valid_to"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// ByCertificate returns the public facts of the seal whose certificate has serial.
func (r *Registry) ByCertificate(ctx context.Context, serial string) (PublicInfo, error) {
	var s Seal
	if err := r.db.Get(ctx, &s, `SELECT `+columns+` FROM seals WHERE cert_serial = ?`, serial); err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return PublicInfo{}, errs.E(errs.NotFound, "error.seal_not_found")
		}
		return PublicInfo{}, err
	}
	return PublicInfo{ID: s.ID, Code: s.Code, Org: s.Org, Kind: s.Kind, Name: s.Name, Status: s.Status,
		ValidFrom: s.ValidFrom, ValidTo: s.ValidTo, RevokedAt: s.RevokedAt}, nil
}
