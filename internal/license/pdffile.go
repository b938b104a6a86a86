package license

import (
	"context"
	"net/url"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/blob"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/qrcode"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// PDFSigner seals a licence's PDF as its issuing organisation (internal/sign through an adapter
// in internal/app).
type PDFSigner interface {
	// SignPDF returns pdf signed with organisation orgCode's seal, its picture drawn in rect
	// (points from the first page's lower left corner, as SealRect gives). Returns
	// errs.Unavailable when the organisation has no seal in force that signs PDFs.
	SignPDF(ctx context.Context, orgCode string, pdf []byte, rect [4]float64) ([]byte, error)
}

// VerifyPath is the public verify page; a licence PDF's QR code reads VerifyURL of it.
const VerifyPath = "/licenses/verify"

// VerifyURL is the address a licence's QR code on its PDF reads: this node's verify page asking
// for the licence by identifier.
func (s *Service) VerifyURL(id string) string {
	return strings.TrimSuffix(s.cfg.PublicURL, "/") + VerifyPath + "?id=" + url.QueryEscape(id)
}

// PDF returns licence id's PDF (电子证照版式文件) to its holder and to the officials of its
// issuing organisation (errs.NotFound to anyone else): the face data with a QR code of
// VerifyURL, sealed by the issuer (Config.PDFSigner). The first PDF is kept (a blob, its
// SHA-256 in licences.pdf_sha256) and returned from then on, so every download is the same
// signed file. Every download is recorded as a use of the licence, shown to the holder.
//
// Returns errs.Unavailable when the issuer has no seal that signs PDFs (or no signer is
// configured), errs.Conflict for a revoked or superseded licence that never had a PDF.
func (s *Service) PDF(ctx context.Context, p principal.Principal, id string) (_ []byte, err error) {
	defer errs.Wrap(&err, "license.PDF(%s)", id)
	l, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	ctx = principal.With(ctx, p)
	if l.PDFSHA256 != "" {
		_, data, err := blob.Get(ctx, s.db, l.PDFSHA256)
		if err != nil {
			return nil, err
		}
		return data, s.recordDownload(ctx, p, l.ID)
	}
	if st := l.State(today(s.clock.Now())); st == StateRevoked || st == StateSuperseded {
		return nil, errs.E(errs.Conflict, "license.error.pdf_not_current")
	}
	signed, err := s.sealedPDF(ctx, l, func(t Type) ([]byte, error) {
		qr, err := qrcode.PNG(s.VerifyURL(l.ID), qrcode.Options{Level: qrcode.LevelM, Size: 256})
		if err != nil {
			return nil, err
		}
		return RenderPDF(l, t, PDFOptions{QRCode: qr})
	})
	if err != nil {
		return nil, err
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		var err error
		if signed, err = s.keepPDF(ctx, tx, "licences", l.ID, signed); err != nil {
			return err
		}
		s.useTx(tx, p, l.ID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return signed, nil
}

// sealedPDF draws a PDF of licence l with render (given the type version l was issued under)
// and seals it as l's issuer; errs.Unavailable without a PDFSigner.
func (s *Service) sealedPDF(ctx context.Context, l Licence, render func(Type) ([]byte, error)) ([]byte, error) {
	if s.cfg.PDFSigner == nil {
		return nil, errs.E(errs.Unavailable, "license.error.no_pdf_seal", l.IssuerName)
	}
	t, err := loadType(ctx, s.db, l.TypeCode, l.TypeVersion)
	if err != nil {
		return nil, err
	}
	doc, err := render(t)
	if err != nil {
		return nil, err
	}
	return s.cfg.PDFSigner.SignPDF(ctx, l.IssuerOrg, doc, SealRect())
}

// keepPDF keeps signed as the PDF of row id of table ("licences" or "licence_copies") in tx
// and returns it; of two first downloads at once, the first to commit keeps its file and the
// other returns that.
func (s *Service) keepPDF(ctx context.Context, tx *store.Tx, table, id string, signed []byte) ([]byte, error) {
	var stored *string
	if err := tx.Get(ctx, &stored, `SELECT pdf_sha256 FROM `+table+` WHERE id = ?`, id); err != nil {
		return nil, err
	}
	if stored != nil && *stored != "" {
		_, data, err := blob.Get(ctx, s.db, *stored)
		return data, err
	}
	b, err := blob.Put(ctx, tx, signed)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE `+table+` SET pdf_sha256 = ? WHERE id = ?`, b.SHA256, id); err != nil {
		return nil, err
	}
	return signed, nil
}

// recordDownload records a download of licence id by p.
func (s *Service) recordDownload(ctx context.Context, p principal.Principal, id string) error {
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		s.useTx(tx, p, id)
		return nil
	})
}

// useTx queues the "downloaded" use of licence id by p in tx.
func (s *Service) useTx(tx *store.Tx, p principal.Principal, id string) {
	byOrg := ""
	if p.Kind == principal.Official {
		byOrg = p.OrgCode
	}
	tx.InsertLater("licence_uses", "licence_id, at, kind, by_org, by_actor, purpose",
		id, tx.Now, "downloaded", byOrg, p.Actor(), "")
}
