package seal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/blob"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/pki"
	"github.com/yiwang-platform/yiwang/internal/plaintext"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/ses"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Approve activates a pending seal: it makes the seal's key, has the organisation's CA certify
// it and, for SM2, has the seal maker sign the GB/T 38540 seal structure. The approver must be
// someone other than the administrator who asked. If a step fails, approving again resumes.
func (r *Registry) Approve(ctx context.Context, p principal.Principal, id string) (Seal, error) {
	s, err := r.decidable(ctx, p, id, Pending)
	if err != nil {
		return Seal{}, err
	}
	if p.Actor() == s.RequestedBy {
		return Seal{}, errs.E(errs.Forbidden, "error.seal_same_person")
	}
	sys := principal.With(ctx, principal.SystemPrincipal)
	key, err := r.keys.Ensure(sys, s.Org, "seal-"+s.ID[len("seal_"):len("seal_")+12], s.Algorithm)
	if err != nil {
		return Seal{}, err
	}
	now := r.db.Clock().Now()
	if !s.ValidTo.After(now) {
		return Seal{}, errs.E(errs.Conflict, "error.seal_expired_before_approval")
	}
	cert, err := r.certificateFor(sys, s.Org, key.ID, pki.KindSeal, s.Name, min(s.ValidTo.Sub(now), pki.MaxValidity))
	if err != nil {
		return Seal{}, err
	}
	var sealDER []byte
	if s.Algorithm == keys.SM2 {
		if sealDER, err = r.makeSES(sys, s, cert.DER, now); err != nil {
			return Seal{}, err
		}
	}
	err = r.db.Transact(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE seals SET status = 'active', key_id = ?, cert_serial = ?, seal_der = ?,
			decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending'`,
			key.ID, cert.Serial, sealDER, p.Actor(), tx.Now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "error.seal_already_decided")
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "seal.approve", ObjectType: "seal", ObjectID: id,
			Detail: map[string]any{"key": key.ID, "certificate": cert.Serial, "requested_by": s.RequestedBy}}); err != nil {
			return err
		}
		if r.cfg.OnEvent != nil {
			digest := sha256.Sum256(cert.DER)
			if sealDER != nil {
				digest = sha256.Sum256(sealDER)
			}
			return r.cfg.OnEvent(ctx, tx, Event{Type: "seal.created", SealID: id, Code: s.Code, Org: s.Org,
				CertSerial: cert.Serial, Digest: hex.EncodeToString(digest[:])})
		}
		return nil
	})
	if err != nil {
		return Seal{}, err
	}
	return r.load(ctx, nil, id)
}

// certificateFor returns the good certificate of kind for keyID, issuing one if there is none.
func (r *Registry) certificateFor(ctx context.Context, orgCode, keyID string, kind pki.Kind, cn string, validity time.Duration) (pki.Certificate, error) {
	certs, err := r.pki.ByKey(ctx, keyID)
	if err != nil {
		return pki.Certificate{}, err
	}
	for _, c := range certs {
		if c.Kind == kind && c.Status == pki.StatusGood && c.NotAfter.After(r.db.Clock().Now()) {
			return c, nil
		}
	}
	return r.pki.Issue(ctx, principal.SystemPrincipal, pki.IssueRequest{Org: orgCode, Kind: kind, KeyID: keyID,
		CommonName: cn, Validity: validity})
}

// makeSES builds the seal's GB/T 38540 structure, signed by the provincial seal maker.
func (r *Registry) makeSES(ctx context.Context, s Seal, certDER []byte, now time.Time) ([]byte, error) {
	maker, err := r.keys.EnsureSigner(ctx, r.cfg.MakerOrg, "seal-maker", keys.SM2)
	if err != nil {
		return nil, err
	}
	makerCert, err := r.certificateFor(ctx, r.cfg.MakerOrg, maker.Key().ID, pki.KindSigner, "电子印章制作系统", pki.MaxValidity)
	if err != nil {
		return nil, err
	}
	_, img, err := blob.Get(ctx, r.db, s.ImageSHA256)
	if err != nil {
		return nil, err
	}
	return ses.MakeSeal(ses.SealInfo{ID: s.Code, Vendor: r.cfg.Vendor, Type: ses.TypeOrganization, Name: s.Name,
		Certificates: [][]byte{certDER}, Created: now, ValidFrom: s.ValidFrom, ValidTo: s.ValidTo,
		PictureType: "PNG", Picture: img, WidthMM: s.WidthMM, HeightMM: s.HeightMM}, maker, makerCert.DER)
}

// decidable loads a seal in status want for an approver of its organisation.
func (r *Registry) decidable(ctx context.Context, p principal.Principal, id string, want Status) (Seal, error) {
	s, err := r.load(ctx, nil, id)
	if err != nil {
		return Seal{}, err
	}
	if !canSee(p, s.Org) {
		return Seal{}, errs.E(errs.NotFound, "error.seal_not_found")
	}
	if !isApprover(p, s.Org) {
		return Seal{}, errs.E(errs.Forbidden, "error.seal_decide_forbidden")
	}
	if s.Status != want {
		return Seal{}, errs.E(errs.Conflict, "error.seal_already_decided")
	}
	return s, nil
}

// Reject turns a request down, with the reason the requester will read.
func (r *Registry) Reject(ctx context.Context, p principal.Principal, id, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 200 || !plaintext.Valid(reason, false) {
		return errs.Field("reason", "error.seal_reason")
	}
	s, err := r.decidable(ctx, p, id, Pending)
	if err != nil {
		return err
	}
	if p.Actor() == s.RequestedBy {
		return errs.E(errs.Forbidden, "error.seal_same_person")
	}
	return r.db.Transact(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE seals SET status = 'rejected', reject_reason = ?, decided_by = ?, decided_at = ?
			WHERE id = ? AND status = 'pending'`, reason, p.Actor(), tx.Now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "error.seal_already_decided")
		}
		return audit.Record(ctx, tx, audit.Change{Action: "seal.reject", ObjectType: "seal", ObjectID: id})
	})
}

// RevocationReasons are the reasons (RFC 5280 names) an administrator may give.
var RevocationReasons = []string{"keyCompromise", "affiliationChanged", "superseded", "cessationOfOperation"}

// RequestRevocation records an administrator's request to revoke an active seal.
func (r *Registry) RequestRevocation(ctx context.Context, p principal.Principal, id, reason, note string) error {
	if !slices.Contains(RevocationReasons, reason) {
		return errs.Field("reason", "error.seal_revocation_reason")
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 200 || !plaintext.Valid(note, false) {
		return errs.Field("note", "error.seal_reason")
	}
	s, err := r.load(ctx, nil, id)
	if err != nil {
		return err
	}
	if !canSee(p, s.Org) {
		return errs.E(errs.NotFound, "error.seal_not_found")
	}
	if !isAdmin(p, s.Org) {
		return errs.E(errs.Forbidden, "error.seal_request_forbidden")
	}
	text := reason
	if note != "" {
		text += ": " + note
	}
	return r.db.Transact(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE seals SET status = 'revocation_pending', revoke_requested_by = ?,
			revoke_requested_at = ?, revoke_reason = ? WHERE id = ? AND status = 'active'`, p.Actor(), tx.Now, text, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "error.seal_not_active")
		}
		return audit.Record(ctx, tx, audit.Change{Action: "seal.revoke_request", ObjectType: "seal", ObjectID: id,
			Detail: map[string]any{"reason": reason}})
	})
}

// DecideRevocation approves or refuses a revocation request. On approval the seal's certificate
// is revoked (it appears on the CRL and the status service at once) and its key retired; the
// approver must not be the administrator who asked.
func (r *Registry) DecideRevocation(ctx context.Context, p principal.Principal, id string, approve bool) error {
	s, err := r.decidable(ctx, p, id, RevocationPending)
	if err != nil {
		return err
	}
	if s.RevokeRequestedBy != nil && p.Actor() == *s.RevokeRequestedBy {
		return errs.E(errs.Forbidden, "error.seal_same_person")
	}
	if !approve {
		return r.db.Transact(ctx, func(tx *store.Tx) error {
			res, err := tx.Exec(ctx, `UPDATE seals SET status = 'active', revoke_requested_by = NULL, revoke_requested_at = NULL,
				revoke_reason = '' WHERE id = ? AND status = 'revocation_pending'`, id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errs.E(errs.Conflict, "error.seal_already_decided")
			}
			return audit.Record(ctx, tx, audit.Change{Action: "seal.revoke_refuse", ObjectType: "seal", ObjectID: id})
		})
	}
	sys := principal.With(ctx, principal.SystemPrincipal)
	reason, _, _ := strings.Cut(s.RevokeReason, ":")
	if s.CertSerial != nil {
		if err := r.pki.Revoke(sys, principal.SystemPrincipal, *s.CertSerial, reason); err != nil && errs.KindOf(err) != errs.Conflict {
			return err
		}
	}
	if s.KeyID != nil {
		if err := r.keys.Retire(sys, principal.SystemPrincipal, *s.KeyID); err != nil {
			return err
		}
	}
	return r.db.Transact(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE seals SET status = 'revoked', revoked_by = ?, revoked_at = ?
			WHERE id = ? AND status = 'revocation_pending'`, p.Actor(), tx.Now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "error.seal_already_decided")
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "seal.revoke", ObjectType: "seal", ObjectID: id,
			Detail: map[string]any{"reason": reason, "requested_by": deref(s.RevokeRequestedBy)}}); err != nil {
			return err
		}
		if r.cfg.OnEvent != nil {
			digest := sha256.Sum256(s.SealDER)
			if s.SealDER == nil && s.CertSerial != nil {
				cert, err := r.pki.Get(ctx, *s.CertSerial)
				if err != nil {
					return err
				}
				digest = sha256.Sum256(cert.DER)
			}
			return r.cfg.OnEvent(ctx, tx, Event{Type: "seal.revoked", SealID: id, Code: s.Code, Org: s.Org,
				CertSerial: deref(s.CertSerial), Digest: hex.EncodeToString(digest[:])})
		}
		return nil
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
