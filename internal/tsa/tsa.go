// Package tsa is Yiwang's own RFC 3161 time-stamping authority: it answers time-stamp requests
// with tokens signed by an ECDSA P-256 key whose certificate carries the critical
// id-kp-timeStamping extended key usage, gives every token a serial number allocated in the
// database together with the register entry of what was stamped (the message imprint, never
// the document), and verifies tokens.
//
// SM3 message imprints are refused (PKIFailureInfo badAlg): github.com/digitorus/timestamp,
// which parses the tokens here and in the PDF tooling, knows only SHA-1 and SHA-2 imprints, so
// a token over an SM3 digest would be unreadable to them. Stamp the SHA-256 of the data instead;
// the SM2 signatures of internal/sign do exactly that.
package tsa

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// DefaultPolicy is the TSA policy under which Yiwang's tokens are issued when Config.Policy is
// nil: 1.3.6.1.4.1.32473.3161.1. It is a PLACEHOLDER: 32473 is the private enterprise number
// IANA reserves for documentation (RFC 5612), so the OID can never collide with a real one.
// Replace it with an arc under Yiwang's own enterprise number (or the province's) once one is
// registered, and publish the policy text under it.
var DefaultPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 3161, 1}

// DefaultAccuracy is the accuracy stated in tokens when Config.Accuracy is zero. Token times are
// whole seconds, so one second is the honest figure for a clock kept by NTP.
const DefaultAccuracy = time.Second

// oidTimeStamping is id-kp-timeStamping; oidExtKeyUsage the extended key usage extension.
var (
	oidTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	oidExtKeyUsage  = asn1.ObjectIdentifier{2, 5, 29, 37}
)

// Config configures an Authority.
type Config struct {
	// Signer is the authority's ECDSA P-256 private key (a keys-managed signer in production).
	Signer crypto.Signer
	// Certificate is the authority's certificate for Signer. RFC 3161 §2.3 requires it to carry
	// exactly one extended key usage, id-kp-timeStamping, in a critical extension; New checks.
	Certificate *x509.Certificate
	// Chain holds the certificates above Certificate, issuer first, up to and optionally
	// including the root. Tokens carry them when the requester asks for certificates.
	Chain []*x509.Certificate
	// Policy is the TSA policy OID in every token; DefaultPolicy when nil. Requests naming
	// another policy are rejected (unacceptedPolicy).
	Policy asn1.ObjectIdentifier
	// Clock gives the token times; clock.Real when nil.
	Clock clock.Clock
	// Accuracy is stated in every token; DefaultAccuracy when zero.
	Accuracy time.Duration
}

// Authority is a running time-stamping authority. It is safe for concurrent use.
type Authority struct {
	db       *store.DB
	signer   crypto.Signer
	cert     *x509.Certificate
	chain    []*x509.Certificate
	policy   asn1.ObjectIdentifier
	clock    clock.Clock
	accuracy time.Duration
	certID   string // hex SHA-256 of cert.Raw, recorded with every token

	mu       sync.Mutex
	listener net.Listener
	server   *http.Server
	url      string
	closed   bool
}

// New checks cfg and returns an Authority that records its tokens in db. Returns errs.Invalid
// when the key is not ECDSA P-256, does not match the certificate, or the certificate is not a
// time-stamping certificate.
func New(db *store.DB, cfg Config) (_ *Authority, err error) {
	defer errs.Wrap(&err, "tsa.New")
	if db == nil || cfg.Signer == nil || cfg.Certificate == nil {
		return nil, errs.E(errs.Invalid, "tsa: a database, a signer and a certificate are required")
	}
	pub, ok := cfg.Signer.Public().(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, errs.E(errs.Invalid, "tsa: the signer must be an ECDSA P-256 key (got %T)", cfg.Signer.Public())
	}
	certPub, ok := cfg.Certificate.PublicKey.(*ecdsa.PublicKey)
	if !ok || !certPub.Equal(pub) {
		return nil, errs.E(errs.Invalid, "tsa: the certificate is not the signer's")
	}
	if err := CheckCertificate(cfg.Certificate); err != nil {
		return nil, err
	}
	a := &Authority{
		db:       db,
		signer:   cfg.Signer,
		cert:     cfg.Certificate,
		chain:    cfg.Chain,
		policy:   cfg.Policy,
		clock:    cfg.Clock,
		accuracy: cfg.Accuracy,
	}
	if a.policy == nil {
		a.policy = DefaultPolicy
	}
	if a.clock == nil {
		a.clock = clock.Real{}
	}
	if a.accuracy <= 0 {
		a.accuracy = DefaultAccuracy
	}
	sum := sha256.Sum256(cfg.Certificate.Raw)
	a.certID = hex.EncodeToString(sum[:])
	return a, nil
}

// CheckCertificate reports whether cert may sign time-stamp tokens (RFC 3161 §2.3): its only
// extended key usage is id-kp-timeStamping, in a critical extension, and its key usage, if
// present, allows digital signatures. Returns errs.Invalid otherwise.
func CheckCertificate(cert *x509.Certificate) error {
	var eku *struct{ critical bool }
	for _, e := range cert.Extensions {
		if e.Id.Equal(oidExtKeyUsage) {
			eku = &struct{ critical bool }{e.Critical}
		}
	}
	switch {
	case eku == nil:
		return errs.E(errs.Invalid, "tsa: the certificate has no extended key usage; RFC 3161 requires id-kp-timeStamping")
	case !eku.critical:
		return errs.E(errs.Invalid, "tsa: the certificate's extended key usage extension must be critical (RFC 3161 §2.3)")
	case len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping || len(cert.UnknownExtKeyUsage) != 0:
		return errs.E(errs.Invalid, "tsa: the certificate's only extended key usage must be id-kp-timeStamping (RFC 3161 §2.3)")
	case cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageDigitalSignature == 0:
		return errs.E(errs.Invalid, "tsa: the certificate's key usage does not allow digital signatures")
	}
	return nil
}

// Certificate returns the authority's certificate.
func (a *Authority) Certificate() *x509.Certificate { return a.cert }

// Chain returns the certificates above the authority's, issuer first.
func (a *Authority) Chain() []*x509.Certificate { return a.chain }

// Policy returns the TSA policy OID of the authority's tokens.
func (a *Authority) Policy() asn1.ObjectIdentifier { return a.policy }

// LoopbackURL returns the URL of a listener on 127.0.0.1 that serves only Respond (POST with
// Content-Type application/timestamp-query), started on first use. It exists for tools that can
// reach a TSA only by URL, such as the PDF signer; it is closed by Close.
func (a *Authority) LoopbackURL(ctx context.Context) (_ string, err error) {
	defer errs.Wrap(&err, "tsa.LoopbackURL")
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return "", errs.E(errs.Unavailable, "error.unavailable")
	}
	if a.url != "" {
		return a.url, nil
	}
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", errs.Wrapf(errs.Unavailable, err, "error.unavailable")
	}
	a.listener = l
	a.server = &http.Server{
		Handler:           http.HandlerFunc(a.serveLoopback),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
	}
	go func() { _ = a.server.Serve(l) }()
	a.url = "http://" + l.Addr().String() + "/tsa"
	return a.url, nil
}

// maxLoopbackRequest bounds a request body on the loopback listener; a TimeStampReq is a few
// hundred bytes.
const maxLoopbackRequest = 16 << 10

func (a *Authority) serveLoopback(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/tsa" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if !IsQueryContentType(r.Header.Get("Content-Type")) {
		http.Error(w, "want Content-Type: "+QueryContentType, http.StatusUnsupportedMediaType)
		return
	}
	body, err := readAll(http.MaxBytesReader(w, r.Body, maxLoopbackRequest))
	if err != nil {
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	resp, err := a.Respond(r.Context(), body)
	if err != nil {
		status := http.StatusInternalServerError
		if errs.Is(err, errs.Invalid) {
			status = http.StatusBadRequest
		}
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.Header().Set("Content-Type", ReplyContentType)
	_, _ = w.Write(resp)
}

// Close stops the loopback listener, if one was started. The Authority still stamps in process.
func (a *Authority) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	if a.server == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := a.server.Shutdown(ctx)
	a.server, a.listener, a.url = nil, nil, ""
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("tsa: close loopback listener: %w", err)
	}
	return nil
}
