package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/pki"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/seal"
	"github.com/yiwang-platform/yiwang/internal/ses"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/tsa"
)

// The service: departments sign documents with their seals, and anyone verifies. Signing is
// for officials with the seal-user role in the seal's organisation (the seal registry decides);
// every signature is recorded (document and signature digests, never the document), audited
// and appended to the ledger in one transaction, so that a department cannot deny or hide a
// signature it made.

// Format is what kind of signature to make.
type Format string

// Signature formats.
const (
	// FormatCMS is a detached CMS signature (.p7s) over any document, SM2 or ECDSA.
	FormatCMS Format = "cms"
	// FormatPDF is the PDF itself, signed with the seal's picture on the page (ECDSA seals).
	FormatPDF Format = "pdf"
	// FormatSES is a GB/T 38540 seal signature (.ses) over any document (SM2 seals); for a PDF
	// it is carried beside the file.
	FormatSES Format = "ses"
)

// MaxDocument bounds what may be signed or verified in one request.
const MaxDocument = 20 << 20

// Service signs with seals and verifies signatures.
type Service struct {
	db     *store.DB
	keys   *keys.Service
	pki    *pki.Service
	seals  *seal.Registry
	tsa    *tsa.Authority
	ledger *ledger.Log
}

// NewService returns the signing service. l may be nil (signatures are then not logged).
func NewService(db *store.DB, k *keys.Service, p *pki.Service, seals *seal.Registry, t *tsa.Authority, l *ledger.Log) *Service {
	return &Service{db: db, keys: k, pki: p, seals: seals, tsa: t, ledger: l}
}

// Request asks for a signature.
type Request struct {
	SealID string
	Format Format
	// Document is what is signed; DocumentName is only recorded (and written into a GB/T 38540
	// signature's protected-scope field when it is plain ASCII).
	Document     []byte
	DocumentName string
	Reason       string
	// Page and Rect place the seal on a PDF (1-based page; points from the lower left corner).
	// Zero means the first page's lower right, at the seal's real size.
	Page int
	Rect [4]float64
}

// Result is a signature made.
type Result struct {
	ID     string `json:"id"`
	Format Format `json:"format"`
	// Signature is the .p7s or .ses file, or for FormatPDF the signed PDF.
	Signature      []byte    `json:"-"`
	ContentType    string    `json:"content_type"`
	FileName       string    `json:"file_name"`
	DocumentSHA256 string    `json:"document_sha256"`
	SealID         string    `json:"seal_id"`
	SealName       string    `json:"seal_name"`
	SignedAt       time.Time `json:"signed_at"`
	LedgerIndex    *int64    `json:"ledger_index,omitempty"`
}

// Sign signs a document with a seal as p.
func (s *Service) Sign(ctx context.Context, p principal.Principal, req Request) (Result, error) {
	if len(req.Document) == 0 {
		return Result{}, errs.Field("document", "sign.error.document_empty")
	}
	if len(req.Document) > MaxDocument {
		return Result{}, errs.E(errs.TooLarge, "sign.error.document_too_large", MaxDocument>>20)
	}
	if utf8.RuneCountInString(req.DocumentName) > 200 || utf8.RuneCountInString(req.Reason) > 200 {
		return Result{}, errs.Field("reason", "sign.error.text_too_long")
	}
	sl, err := s.seals.Usable(ctx, p, req.SealID)
	if err != nil {
		return Result{}, err
	}
	switch {
	case req.Format == FormatPDF && sl.Algorithm != keys.ECDSAP256:
		return Result{}, errs.Field("format", "sign.error.pdf_needs_ecdsa")
	case req.Format == FormatSES && (sl.Algorithm != keys.SM2 || len(sl.SealDER) == 0):
		return Result{}, errs.Field("format", "sign.error.ses_needs_sm2")
	case req.Format != FormatCMS && req.Format != FormatPDF && req.Format != FormatSES:
		return Result{}, errs.Field("format", "sign.error.format")
	case req.Format == FormatPDF && !bytes.HasPrefix(req.Document, []byte("%PDF-")):
		return Result{}, errs.Field("document", "sign.error.not_pdf")
	}
	signer, err := s.keys.Signer(ctx, *sl.KeyID)
	if err != nil {
		return Result{}, err
	}
	chain, err := s.pki.Chain(ctx, *sl.CertSerial)
	if err != nil {
		return Result{}, err
	}
	now := s.db.Clock().Now()
	res := Result{ID: "sig_" + randomHex(10), Format: req.Format, SealID: sl.ID, SealName: sl.Name}
	base := baseName(req.DocumentName)
	switch req.Format {
	case FormatCMS:
		leaf, rest, err := smx509Chain(chain)
		if err != nil {
			return Result{}, err
		}
		res.Signature, err = CMS(ctx, req.Document, signer, leaf, rest, s.tsa)
		if err != nil {
			return Result{}, err
		}
		res.ContentType, res.FileName = "application/pkcs7-signature", base+".p7s"
	case FormatSES:
		res.Signature, err = ses.SignDocument(sl.SealDER, req.Document, signer, chain[0].DER, ses.SignOptions{
			Time: now, Property: sesProperty(req.DocumentName),
			Timestamp: func(sig []byte) ([]byte, error) {
				d := sha256.Sum256(sig)
				return s.tsa.Stamp(ctx, crypto.SHA256, d[:])
			}})
		if err != nil {
			return Result{}, err
		}
		res.ContentType, res.FileName = "application/octet-stream", base+".ses"
	case FormatPDF:
		leaf, rest, err := x509Chain(chain)
		if err != nil {
			return Result{}, err
		}
		img, err := s.seals.Image(ctx, sl.ID)
		if err != nil {
			return Result{}, err
		}
		url, err := s.tsa.LoopbackURL(ctx)
		if err != nil {
			return Result{}, err
		}
		rect := req.Rect
		if rect == ([4]float64{}) {
			// The lower right of an A4 page, at the seal's size (1 mm = 72/25.4 points).
			w, h := float64(sl.WidthMM)*72/25.4, float64(sl.HeightMM)*72/25.4
			rect = [4]float64{595 - 72 - w, 90, 595 - 72, 90 + h}
		}
		res.Signature, err = PDF(ctx, req.Document, signer, leaf, rest, PDFOptions{SealImage: img, Page: req.Page, Rect: rect,
			Reason: req.Reason, Name: sl.Name, TSAURL: url, Time: now})
		if err != nil {
			return Result{}, err
		}
		res.ContentType, res.FileName = "application/pdf", base+"-signed.pdf"
	}
	docSum := sha256.Sum256(req.Document)
	sigSum := sha256.Sum256(res.Signature)
	res.DocumentSHA256 = hex.EncodeToString(docSum[:])
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		res.SignedAt = tx.Now
		var idx *int64
		if s.ledger != nil {
			ids, err := s.ledger.AppendTx(ctx, tx, ledger.Entry{Type: ledger.TypeSignature, Digest: "sha256:" + res.DocumentSHA256,
				Org: sl.Org, Subject: sl.Code})
			if err != nil {
				return err
			}
			idx = &ids[0]
		}
		res.LedgerIndex = idx
		if _, err := tx.Exec(ctx, `INSERT INTO seal_signatures (id, seal_id, org_code, signer, format, document_sha256,
			signature_sha256, document_name, reason, signed_at, ledger_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			res.ID, sl.ID, sl.Org, p.Actor(), string(req.Format), res.DocumentSHA256, hex.EncodeToString(sigSum[:]),
			req.DocumentName, req.Reason, tx.Now, idx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "sign.sign", ObjectType: "seal_signature", ObjectID: res.ID,
			Detail: map[string]any{"seal": sl.ID, "format": string(req.Format), "document_sha256": res.DocumentSHA256}})
	})
	return res, err
}

// Record is a signature the platform made, as kept in its register.
type Record struct {
	ID              string    `db:"id" json:"id"`
	SealID          string    `db:"seal_id" json:"seal_id"`
	Org             string    `db:"org_code" json:"org"`
	Signer          string    `db:"signer" json:"signer"`
	Format          Format    `db:"format" json:"format"`
	DocumentSHA256  string    `db:"document_sha256" json:"document_sha256"`
	SignatureSHA256 string    `db:"signature_sha256" json:"signature_sha256"`
	DocumentName    string    `db:"document_name" json:"document_name"`
	Reason          string    `db:"reason" json:"reason"`
	SignedAt        time.Time `db:"signed_at" json:"signed_at"`
	LedgerIndex     *int64    `db:"ledger_index" json:"ledger_index,omitempty"`
}

const recordColumns = `id, seal_id, org_code, signer, format, document_sha256, signature_sha256, document_name,
	reason, signed_at, ledger_index`

// Records lists the signatures made with a seal, newest first, to the officials who may see
// the seal.
func (s *Service) Records(ctx context.Context, p principal.Principal, sealID string, limit int) ([]Record, error) {
	if _, err := s.seals.Get(ctx, p, sealID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var out []Record
	err := s.db.Select(ctx, &out, `SELECT `+recordColumns+` FROM seal_signatures WHERE seal_id = ?
		ORDER BY signed_at DESC, id LIMIT ?`, sealID, limit)
	return out, err
}

// Verification is a report on a signature with what this platform knows of it: the seal that
// made it and the register entry. Nobody's identity beyond the organisation is disclosed.
type Verification struct {
	Report
	Seal *seal.PublicInfo `json:"seal,omitempty"`
	// Registered: this platform made the signature (its digest is in the register); SignedAt
	// and LedgerIndex say when and where it was logged.
	Registered  bool       `json:"registered"`
	SignedAt    *time.Time `json:"signed_at,omitempty"`
	LedgerIndex *int64     `json:"ledger_index,omitempty"`
}

// Verify checks signature over document. A PDF signs itself (signature empty); otherwise
// signature is a GB/T 38540 seal signature or a detached CMS signature, recognised by its
// content. Anyone may verify.
func (s *Service) Verify(ctx context.Context, document, signature []byte) (Verification, error) {
	if len(document) > MaxDocument || len(signature) > MaxDocument {
		return Verification{}, errs.E(errs.TooLarge, "sign.error.document_too_large", MaxDocument>>20)
	}
	if len(document) == 0 {
		return Verification{}, errs.Field("document", "sign.error.document_empty")
	}
	trust, err := s.Trust(ctx)
	if err != nil {
		return Verification{}, err
	}
	var (
		r      Report
		sigSum [32]byte
	)
	switch {
	case len(signature) == 0 && bytes.HasPrefix(document, []byte("%PDF-")):
		if r, err = VerifyPDF(ctx, document, trust); err != nil {
			return Verification{}, err
		}
		sigSum = sha256.Sum256(document)
	case len(signature) == 0:
		return Verification{}, errs.Field("signature", "sign.error.signature_required")
	default:
		if parsed, perr := ses.ParseSignature(signature); perr == nil {
			r = s.verifySES(ctx, parsed, document, trust)
		} else if r, err = VerifyCMS(ctx, document, signature, trust); err != nil {
			return Verification{}, errs.Field("signature", "sign.error.signature_unreadable")
		}
		sigSum = sha256.Sum256(signature)
	}
	v := Verification{Report: r}
	if r.Signer.Serial != "" {
		if info, err := s.seals.ByCertificate(ctx, r.Signer.Serial); err == nil {
			v.Seal = &info
		}
	}
	var rec Record
	if err := s.db.Get(ctx, &rec, `SELECT `+recordColumns+` FROM seal_signatures WHERE signature_sha256 = ?`,
		hex.EncodeToString(sigSum[:])); err == nil {
		v.Registered, v.SignedAt, v.LedgerIndex = true, &rec.SignedAt, rec.LedgerIndex
	} else if !errs.Is(err, errs.NotFound) {
		return Verification{}, err
	}
	return v, nil
}

// Trust is what this node trusts: its provincial roots (both families) for signers and
// time-stamping authorities, and its PKI for revocation status.
func (s *Service) Trust(ctx context.Context) (Trust, error) {
	roots, err := s.pki.Roots(ctx)
	if err != nil {
		return Trust{}, err
	}
	t := Trust{Status: pkiStatus{s.pki, s.db.Clock().Now}, Now: s.db.Clock().Now}
	for _, c := range roots {
		sc, err := c.SM2()
		if err != nil {
			return Trust{}, err
		}
		t.Roots = append(t.Roots, sc)
		if c.Family == pki.ECDSA {
			xc, err := c.X509()
			if err != nil {
				return Trust{}, err
			}
			t.TSARoots = append(t.TSARoots, xc)
		}
	}
	return t, nil
}

// pkiStatus answers revocation questions from the PKI's register, for certificates it issued.
// It reports the status as known now, with the revocation time: the verifier itself decides
// whether a revocation came before or after the signature.
type pkiStatus struct {
	p   *pki.Service
	now func() time.Time
}

func (ps pkiStatus) Status(ctx context.Context, issuer, serial string, _ time.Time) (string, time.Time, error) {
	c, err := ps.p.Get(ctx, serial)
	if errs.Is(err, errs.NotFound) {
		return StatusUnknown, time.Time{}, nil
	}
	if err != nil {
		return "", time.Time{}, err
	}
	// Same serial, but another issuer's certificate: not one of ours.
	parsed, err := c.SM2()
	if err != nil || parsed.Issuer.String() != issuer {
		return StatusUnknown, time.Time{}, nil
	}
	return ps.p.Status(ctx, c.IssuerSerial, c.Serial, ps.now())
}

// verifySES checks a GB/T 38540 seal signature: the seal, the signer's signature, the document
// digest, the time-stamp, and the signer's and the seal maker's certificates.
func (s *Service) verifySES(ctx context.Context, sig *ses.Signature, document []byte, trust Trust) Report {
	r := Report{Format: "ses", Status: StatusUnknown, SigningTime: sig.Time}
	err := sig.Verify(document)
	r.SignatureValid = !errors.Is(err, ses.ErrBadSignature) && !errors.Is(err, ses.ErrMalformed) && !errors.Is(err, ses.ErrNotSM2)
	r.DocumentIntact = r.SignatureValid && !errors.Is(err, ses.ErrDocumentChanged)
	switch {
	case !r.SignatureValid:
		r.add(SeverityError, ProblemSignatureInvalid)
	case !r.DocumentIntact:
		r.add(SeverityError, ProblemDocumentChanged)
	}
	if errors.Is(err, ses.ErrSealSignature) || errors.Is(err, ses.ErrSignerNotOnSeal) || errors.Is(err, ses.ErrCriticalExtension) {
		r.add(SeverityError, ProblemSealInvalid)
	}
	if errors.Is(err, ses.ErrSealNotInForce) {
		r.add(SeverityError, ProblemSealNotInForce)
	}
	cert, cerr := smx509.ParseCertificate(sig.SignerCertificate)
	if cerr != nil {
		r.add(SeverityError, ProblemCertificateMissing)
		r.finish()
		return r
	}
	r.Signer = describe(cert, smx509.SM2WithSM3)
	// The time: a verified time-stamp over the signature value, else the signer's claim.
	if len(sig.TimeStampToken) > 0 {
		pool := x509.NewCertPool()
		for _, c := range trust.TSARoots {
			pool.AddCert(c)
		}
		info, terr := tsa.VerifyMessage(sig.TimeStampToken, sig.Value, pool)
		ti := &TimestampInfo{Time: info.Time, Accuracy: info.Accuracy, TSA: info.TSA, Verified: terr == nil}
		if info.Serial != nil {
			ti.Serial = info.Serial.String()
		}
		if info.Policy != nil {
			ti.Policy = info.Policy.String()
		}
		switch {
		case terr == nil:
		case errors.Is(terr, tsa.ErrUntrusted):
			r.add(SeverityWarning, ProblemTimestampUntrusted, ti.TSA)
		default:
			r.add(SeverityError, ProblemTimestampInvalid)
		}
		r.Timestamp = ti
	}
	if r.Timestamp != nil && r.Timestamp.Verified {
		r.CheckedAt, r.TimeSource = r.Timestamp.Time, "timestamp"
	} else {
		r.CheckedAt, r.TimeSource = sig.Time, "signing_time"
		if r.Timestamp == nil {
			r.add(SeverityWarning, ProblemNoTimestamp, chinaTime(sig.Time))
		}
	}
	at := r.CheckedAt
	inPeriod := !at.After(cert.NotAfter) && !at.Before(cert.NotBefore)
	if at.After(cert.NotAfter) {
		r.add(SeverityError, ProblemExpiredAtSigning, chinaTime(at), chinaTime(cert.NotAfter))
	} else if at.Before(cert.NotBefore) {
		r.add(SeverityError, ProblemNotYetValidAtSigning, chinaTime(at), chinaTime(cert.NotBefore))
	}
	carried := s.issuers(ctx, cert)
	r.ChainTrusted = chainTrusted(cert, carried, trust.Roots, clamp(at, cert.NotBefore, cert.NotAfter))
	if !r.ChainTrusted {
		r.add(SeverityError, ProblemChainUntrusted, r.Signer.Issuer)
	}
	// The seal maker must be trusted too: otherwise anyone could make a "seal".
	if maker, err := smx509.ParseCertificate(sig.Seal.MakerCertificate); err != nil ||
		!chainTrusted(maker, s.issuers(ctx, maker), trust.Roots, clamp(at, maker.NotBefore, maker.NotAfter)) {
		r.add(SeverityError, ProblemSealMakerUntrusted)
	}
	revokedBefore := checkStatus(ctx, &r, cert, trust.Status, at)
	r.CertificateValidAtSigning = inPeriod && r.ChainTrusted && !revokedBefore
	r.finish()
	return r
}

// issuers returns the CA certificates above cert that this node's PKI holds, so that a chain can
// be built for signatures that carry only their own certificate.
func (s *Service) issuers(ctx context.Context, cert *smx509.Certificate) []*smx509.Certificate {
	chain, err := s.pki.Chain(ctx, cert.SerialNumber.Text(16))
	if err != nil || len(chain) < 2 {
		return nil
	}
	var out []*smx509.Certificate
	for _, c := range chain[1:] {
		if sc, err := c.SM2(); err == nil {
			out = append(out, sc)
		}
	}
	return out
}

// Problem codes of GB/T 38540 seal signatures.
const (
	ProblemSealInvalid        = "seal_invalid"
	ProblemSealNotInForce     = "seal_not_in_force"
	ProblemSealMakerUntrusted = "seal_maker_untrusted"
)

func smx509Chain(chain []pki.Certificate) (*smx509.Certificate, []*smx509.Certificate, error) {
	out := make([]*smx509.Certificate, len(chain))
	for i, c := range chain {
		var err error
		if out[i], err = c.SM2(); err != nil {
			return nil, nil, err
		}
	}
	return out[0], out[1:], nil
}

func x509Chain(chain []pki.Certificate) (*x509.Certificate, []*x509.Certificate, error) {
	out := make([]*x509.Certificate, len(chain))
	for i, c := range chain {
		var err error
		if out[i], err = c.X509(); err != nil {
			return nil, nil, err
		}
	}
	return out[0], out[1:], nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// baseName is a file name without its extension, for naming the signature file; "document"
// when there is none.
func baseName(name string) string {
	name = strings.TrimSpace(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.LastIndex(name, "."); i > 0 {
		name = name[:i]
	}
	if name == "" {
		return "document"
	}
	return name
}

// sesProperty is the GB/T 38540 protected-scope text: an IA5String, so only an ASCII file name
// is written there (the document's digest is what binds it anyway).
func sesProperty(name string) string {
	name = baseName(name)
	for _, r := range name {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) {
			return "document"
		}
	}
	return fmt.Sprintf("document:%s", name)
}
