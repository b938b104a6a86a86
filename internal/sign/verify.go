package sign

import (
	"context"
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/tsa"
)

// Report explains a signature: who signed, with which certificate, when, whether the
// certificate was valid then, and whether the document changed. Problems says what is wrong
// or uncertain, worst first; Valid is true exactly when none of them is an error.
type Report struct {
	// Format is "cms" or "pdf".
	Format string `json:"format"`
	// Valid: the signature is genuine, the document is as signed, and the certificate was valid
	// and trusted when it was signed.
	Valid bool `json:"valid"`
	// SignatureValid: the signature verifies with the certificate's key — it was not forged or
	// damaged. Reported apart from DocumentIntact.
	SignatureValid bool `json:"signature_valid"`
	// DocumentIntact: the document's digest is the one that was signed (and, for a PDF, nothing
	// was appended after the signature).
	DocumentIntact bool `json:"document_intact"`
	// Signer describes the signer's certificate.
	Signer SignerInfo `json:"signer"`
	// SigningTime is the time the signer claimed (the signed signing-time attribute); zero if
	// it claimed none.
	SigningTime time.Time `json:"signing_time,omitzero"`
	// CheckedAt is the time the certificate was checked at, and TimeSource where it came from:
	// "timestamp" (a verified time-stamp), "signing_time" (the signer's own claim) or
	// "verification_time" (neither: now).
	CheckedAt  time.Time `json:"checked_at"`
	TimeSource string    `json:"time_source"`
	// Timestamp is the RFC 3161 time-stamp over the signature, nil if there is none.
	Timestamp *TimestampInfo `json:"timestamp,omitempty"`
	// CertificateValidAtSigning: at CheckedAt the certificate was within its validity period,
	// chained to a trusted root, and had not been revoked.
	CertificateValidAtSigning bool `json:"certificate_valid_at_signing"`
	// ChainTrusted: the certificate chains to one of Trust.Roots.
	ChainTrusted bool `json:"chain_trusted"`
	// Status is the certificate's revocation status from Trust.Status: "good", "revoked" or
	// "unknown"; RevokedAt is set when revoked.
	Status    string     `json:"status"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// Problems are in order of severity, errors first.
	Problems []Problem `json:"problems"`
	// PDF describes the PDF signature; nil for CMS.
	PDF *PDFInfo `json:"pdf,omitempty"`
}

// SignerInfo describes a signer's certificate.
type SignerInfo struct {
	CommonName       string    `json:"common_name"`
	Organisation     string    `json:"organisation"`
	Serial           string    `json:"serial"` // lower-case hex
	Issuer           string    `json:"issuer"`
	IssuerCommonName string    `json:"issuer_common_name"`
	Algorithm        string    `json:"algorithm"` // "SM2-SM3", "ECDSA-SHA256", …
	NotBefore        time.Time `json:"not_before"`
	NotAfter         time.Time `json:"not_after"`
	// Certificate is the signer's certificate, for callers that look further (the seal
	// registry matches it); not serialised.
	Certificate *smx509.Certificate `json:"-"`
}

// TimestampInfo describes the time-stamp over a signature.
type TimestampInfo struct {
	Time     time.Time     `json:"time"`
	Accuracy time.Duration `json:"accuracy"`
	TSA      string        `json:"tsa"`
	Serial   string        `json:"serial"` // decimal, as RFC 3161 tools print it
	Policy   string        `json:"policy"`
	// Verified: the token is genuine, over this signature, from a trusted time-stamping
	// authority; only then is its time used.
	Verified bool `json:"verified"`
}

// PDFInfo describes a PDF signature beyond its CMS.
type PDFInfo struct {
	Name     string `json:"name,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Location string `json:"location,omitempty"`
	Contact  string `json:"contact,omitempty"`
	// Signatures counts the signatures in the file; the report is on the last one.
	Signatures int `json:"signatures"`
	// CoversWholeFile: the signed byte range reaches the end of the file, so nothing was
	// added after signing.
	CoversWholeFile bool `json:"covers_whole_file"`
}

// Severity orders problems.
type Severity string

// Severities, worst first. An error makes the report invalid; a warning says what the
// conclusion rests on (the signer's own clock, an unchecked revocation status).
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Problem is one finding, with an i18n message key (sign.problem.<code>) and its arguments:
// strings and integers only, times already written in China time, so that the message can be
// shown with i18n.T(lang, p.Key, p.Args...).
type Problem struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Key      string   `json:"key"`
	Args     []any    `json:"args,omitempty"`
}

// The problem codes.
const (
	ProblemSignatureInvalid     = "signature_invalid"
	ProblemDocumentChanged      = "document_changed"
	ProblemCertificateMissing   = "certificate_missing"
	ProblemAlgorithmUnsupported = "algorithm_unsupported"
	ProblemKeyUsage             = "key_usage"
	ProblemExpiredAtSigning     = "certificate_expired_at_signing"
	ProblemNotYetValidAtSigning = "certificate_not_yet_valid_at_signing"
	ProblemChainUntrusted       = "chain_untrusted"
	ProblemRevokedBeforeSigning = "revoked_before_signing"
	ProblemTimestampInvalid     = "timestamp_invalid"
	ProblemPDFAppended          = "pdf_appended"
	ProblemPDFEarlierInvalid    = "pdf_earlier_signature_invalid"
	ProblemTimestampUntrusted   = "timestamp_untrusted"
	ProblemNoTimestamp          = "no_timestamp"
	ProblemTimeUnknown          = "time_unknown"
	ProblemRevokedAfterSigning  = "revoked_after_signing"
	ProblemStatusUnknown        = "status_unknown"
	ProblemStatusUnavailable    = "status_unavailable"
	ProblemSeveralSigners       = "several_signers"
)

// StatusChecker tells a certificate's revocation status at a time; the PKI provides it.
type StatusChecker interface {
	// Status returns "good", "revoked" (with when) or "unknown" for the certificate with the
	// given issuer (its distinguished name as pkix.Name.String writes it) and serial number
	// (lower-case hex), as known at time at.
	Status(ctx context.Context, issuer, serial string, at time.Time) (status string, revokedAt time.Time, err error)
}

// Revocation statuses.
const (
	StatusGood    = "good"
	StatusRevoked = "revoked"
	StatusUnknown = "unknown"
)

// Trust is what verification trusts.
type Trust struct {
	// Roots are the certificate authorities signers must chain to.
	Roots []*smx509.Certificate
	// TSARoots are the roots time-stamping authorities must chain to.
	TSARoots []*x509.Certificate
	// Status checks revocation; nil leaves the status unknown.
	Status StatusChecker
	// Now is the verification time, used when a signature has neither a time-stamp nor a
	// signing time; time.Now when nil.
	Now func() time.Time
}

// VerifyCMS verifies a detached CMS signature over document (or, when document is empty, over
// the content the signature carries). It returns errs.Invalid only when signature is not a CMS
// SignedData; a forged signature, a changed document or an untrusted certificate is a Report
// with Valid false and problems that say which.
func VerifyCMS(ctx context.Context, document, signature []byte, trust Trust) (_ Report, err error) {
	defer errs.Wrap(&err, "sign.VerifyCMS")
	s, err := parseCMS(signature)
	if err != nil {
		return Report{}, errs.Wrapf(errs.Invalid, err, "sign.error.cms_unreadable")
	}
	content := document
	if len(content) == 0 && s.content != nil {
		content = s.content
	}
	r := verify(ctx, s, content, trust)
	r.Format = "cms"
	r.finish()
	return r, nil
}

// add records a problem.
func (r *Report) add(sev Severity, code string, args ...any) {
	r.Problems = append(r.Problems, Problem{Code: code, Severity: sev, Key: "sign.problem." + code, Args: args})
}

// finish orders the problems and decides Valid.
func (r *Report) finish() {
	rank := map[Severity]int{SeverityError: 0, SeverityWarning: 1}
	sort.SliceStable(r.Problems, func(i, j int) bool { return rank[r.Problems[i].Severity] < rank[r.Problems[j].Severity] })
	r.Valid = r.SignatureValid && r.DocumentIntact && r.CertificateValidAtSigning && r.ChainTrusted
	for _, p := range r.Problems {
		if p.Severity == SeverityError {
			r.Valid = false
		}
	}
	if r.Problems == nil {
		r.Problems = []Problem{}
	}
}

// verify checks one parsed signature over content.
func verify(ctx context.Context, s *cmsSignature, content []byte, trust Trust) Report {
	r := Report{Status: StatusUnknown}
	if s.signers > 1 {
		r.add(SeverityWarning, ProblemSeveralSigners, s.signers)
	}
	newHash, _, ok := digestFor(s.digestAlg)
	sigAlg, ok2 := signatureAlgorithm(s.sigAlg, s.digestAlg)
	if !ok || !ok2 {
		r.add(SeverityError, ProblemAlgorithmUnsupported, s.sigAlg.String()+" / "+s.digestAlg.String())
		return r
	}
	r.Signer.Algorithm = sigAlg.String()

	// Is the document the one that was signed? With signed attributes this is the message
	// digest alone, apart from whether the signature is genuine.
	signed := s.signedAttrs
	if signed != nil {
		var md []byte
		if _, err := attributeValue(s.attrs, oidAttrMessageDigest, &md); err != nil {
			r.add(SeverityError, ProblemSignatureInvalid)
			return r
		}
		h := newHash()
		h.Write(content)
		r.DocumentIntact = subtle.ConstantTimeCompare(md, h.Sum(nil)) == 1
		var ct asn1.ObjectIdentifier
		if _, err := attributeValue(s.attrs, oidAttrContentType, &ct); err != nil || !ct.Equal(s.contentType) {
			r.add(SeverityError, ProblemSignatureInvalid)
		}
		var st time.Time
		if _, err := attributeValue(s.attrs, oidAttrSigningTime, &st); err == nil {
			r.SigningTime = st.UTC()
		}
	} else {
		// Without signed attributes the signature is over the content itself: a mismatch
		// cannot tell a changed document from a forged signature.
		signed = content
	}

	cert := s.signerCertificate()
	if cert == nil {
		r.add(SeverityError, ProblemCertificateMissing)
		if !r.DocumentIntact && s.signedAttrs != nil {
			r.add(SeverityError, ProblemDocumentChanged)
		}
		return r
	}
	r.Signer = describe(cert, sigAlg)
	r.SignatureValid = cert.CheckSignature(sigAlg, signed, s.signature) == nil
	if s.signedAttrs == nil {
		r.DocumentIntact = r.SignatureValid
	}
	switch {
	case !r.SignatureValid:
		r.add(SeverityError, ProblemSignatureInvalid)
	case !r.DocumentIntact:
		r.add(SeverityError, ProblemDocumentChanged)
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&(smx509.KeyUsageDigitalSignature|smx509.KeyUsageContentCommitment) == 0 {
		r.add(SeverityError, ProblemKeyUsage)
	}

	// When was it signed? A verified time-stamp says; else the signer's own claim; else now.
	r.Timestamp = checkTimestamp(&r, s, trust)
	switch {
	case r.Timestamp != nil && r.Timestamp.Verified:
		r.CheckedAt, r.TimeSource = r.Timestamp.Time, "timestamp"
	case !r.SigningTime.IsZero():
		r.CheckedAt, r.TimeSource = r.SigningTime, "signing_time"
		if r.Timestamp == nil {
			r.add(SeverityWarning, ProblemNoTimestamp, chinaTime(r.SigningTime))
		}
	default:
		now := time.Now
		if trust.Now != nil {
			now = trust.Now
		}
		r.CheckedAt, r.TimeSource = now().UTC(), "verification_time"
		r.add(SeverityWarning, ProblemTimeUnknown, chinaTime(r.CheckedAt))
	}

	// Was the certificate valid then?
	at := r.CheckedAt
	inPeriod := true
	switch {
	case at.After(cert.NotAfter):
		inPeriod = false
		r.add(SeverityError, ProblemExpiredAtSigning, chinaTime(at), chinaTime(cert.NotAfter))
	case at.Before(cert.NotBefore):
		inPeriod = false
		r.add(SeverityError, ProblemNotYetValidAtSigning, chinaTime(at), chinaTime(cert.NotBefore))
	}
	r.ChainTrusted = chainTrusted(cert, s.certs, trust.Roots, clamp(at, cert.NotBefore, cert.NotAfter))
	if !r.ChainTrusted {
		r.add(SeverityError, ProblemChainUntrusted, r.Signer.Issuer)
	}
	revokedBefore := checkStatus(ctx, &r, cert, trust.Status, at)
	r.CertificateValidAtSigning = inPeriod && r.ChainTrusted && !revokedBefore
	return r
}

// chinaTime writes a time for a problem's message: China time, which is what people reading
// the report go by.
func chinaTime(t time.Time) string {
	return t.In(clock.China).Format("2006-01-02 15:04:05") + " (UTC+8)"
}

// describe summarises a certificate for a report.
func describe(c *smx509.Certificate, alg smx509.SignatureAlgorithm) SignerInfo {
	return SignerInfo{
		CommonName:       c.Subject.CommonName,
		Organisation:     strings.Join(c.Subject.Organization, ", "),
		Serial:           c.SerialNumber.Text(16),
		Issuer:           c.Issuer.String(),
		IssuerCommonName: c.Issuer.CommonName,
		Algorithm:        alg.String(),
		NotBefore:        c.NotBefore.UTC(),
		NotAfter:         c.NotAfter.UTC(),
		Certificate:      c,
	}
}

func clamp(t, lo, hi time.Time) time.Time {
	if t.Before(lo) {
		return lo
	}
	if t.After(hi) {
		return hi
	}
	return t
}

// chainTrusted reports whether cert chains to one of roots at time at, through the
// certificates the signature carries.
func chainTrusted(cert *smx509.Certificate, carried, roots []*smx509.Certificate, at time.Time) bool {
	if len(roots) == 0 {
		return false
	}
	rootPool := smx509.NewCertPool()
	for _, c := range roots {
		rootPool.AddCert(c)
	}
	inter := smx509.NewCertPool()
	for _, c := range carried {
		inter.AddCert(c)
	}
	_, err := cert.Verify(smx509.VerifyOptions{
		Roots:         rootPool,
		Intermediates: inter,
		CurrentTime:   at,
		KeyUsages:     []smx509.ExtKeyUsage{smx509.ExtKeyUsageAny},
	})
	return err == nil
}

// checkTimestamp reads and verifies the id-aa-timeStampToken over the signature value.
func checkTimestamp(r *Report, s *cmsSignature, trust Trust) *TimestampInfo {
	token, err := attributeValue(s.unsigned, oidTimeStampToken, nil)
	if errors.Is(err, errNoAttribute) {
		return nil
	}
	if err != nil {
		r.add(SeverityError, ProblemTimestampInvalid)
		return &TimestampInfo{}
	}
	pool := x509.NewCertPool()
	for _, c := range trust.TSARoots {
		pool.AddCert(c)
	}
	info, err := tsa.VerifyMessage(token, s.signature, pool)
	ti := &TimestampInfo{Time: info.Time, Accuracy: info.Accuracy, TSA: info.TSA}
	if info.Serial != nil {
		ti.Serial = info.Serial.String()
	}
	if info.Policy != nil {
		ti.Policy = info.Policy.String()
	}
	switch {
	case err == nil:
		ti.Verified = true
	case errors.Is(err, tsa.ErrUntrusted):
		r.add(SeverityWarning, ProblemTimestampUntrusted, ti.TSA)
	default:
		r.add(SeverityError, ProblemTimestampInvalid)
	}
	return ti
}

// checkStatus asks the status checker and reports whether the certificate was revoked at or
// before at.
func checkStatus(ctx context.Context, r *Report, cert *smx509.Certificate, checker StatusChecker, at time.Time) bool {
	if checker == nil {
		r.add(SeverityWarning, ProblemStatusUnknown)
		return false
	}
	status, revokedAt, err := checker.Status(ctx, cert.Issuer.String(), cert.SerialNumber.Text(16), at)
	if err != nil {
		r.add(SeverityWarning, ProblemStatusUnavailable)
		return false
	}
	switch status {
	case StatusGood:
		r.Status = StatusGood
	case StatusRevoked:
		r.Status = StatusRevoked
		ra := revokedAt.UTC()
		r.RevokedAt = &ra
		if !ra.After(at) {
			r.add(SeverityError, ProblemRevokedBeforeSigning, chinaTime(ra), chinaTime(at))
			return true
		}
		r.add(SeverityWarning, ProblemRevokedAfterSigning, chinaTime(ra), chinaTime(at))
	default:
		r.add(SeverityWarning, ProblemStatusUnknown)
	}
	return false
}

// String names a report's outcome for logs and tests.
func (r Report) String() string {
	codes := make([]string, len(r.Problems))
	for i, p := range r.Problems {
		codes[i] = p.Code
	}
	return fmt.Sprintf("%s valid=%v signature=%v intact=%v cert-valid=%v trusted=%v time=%s(%s) problems=%v",
		r.Format, r.Valid, r.SignatureValid, r.DocumentIntact, r.CertificateValidAtSigning, r.ChainTrusted,
		r.CheckedAt.Format(time.RFC3339), r.TimeSource, codes)
}
