package app

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/pki"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/seal"
	"github.com/yiwang-platform/yiwang/internal/sign"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/tsa"
)

// newTrust assembles the trust services: the key service under the node's master key, the
// ledger (its checkpoint key is the first key the node makes), the provincial PKI with its
// roots, the time-stamping authority and the seal registry. Key, certificate and seal events go
// to the ledger in the transaction that makes them.
func (a *App) newTrust(ctx context.Context, cfg Config) error {
	master := cfg.MasterKey
	if master == nil {
		if cfg.Production {
			return fmt.Errorf("production needs a master key (YIWANG_MASTER_KEY or --master-key-file)")
		}
		// Tests and throw-away nodes: keys made now cannot be opened after a restart.
		master = processMasterKey()
	}
	// The digital office holds the provincial keys: a fresh node gets the organisation
	// directory first, as `yiwang account create` would give it.
	sys := principal.With(ctx, principal.SystemPrincipal)
	if _, err := org.Get(ctx, cfg.DB, org.DigitalOffice); errs.Is(err, errs.NotFound) {
		if _, err := org.Seed(sys, cfg.DB, org.Directory()); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	var err error
	a.Keys, err = keys.New(cfg.DB, master, keys.Options{OnEvent: func(ctx context.Context, tx *store.Tx, e keys.Event) error {
		sum := sha256.Sum256(e.PublicDER)
		return a.logEvent(ctx, tx, ledger.Type(e.Type), hex.EncodeToString(sum[:]), e.Org, e.KeyID)
	}})
	if err != nil {
		return err
	}
	if a.caseCodeKey, err = a.Keys.Secret(sys, keys.SecretCaseQueryCodes); err != nil {
		return err
	}
	if a.ratingCodeKey, err = a.Keys.Secret(sys, keys.SecretRatingVisitCodes); err != nil {
		return err
	}
	origin := ledgerOrigin(cfg.PublicURL)
	ns, err := a.Keys.NoteSigner(sys, org.DigitalOffice, "ledger", origin)
	if err != nil {
		return fmt.Errorf("ledger checkpoint key: %w", err)
	}
	if a.Ledger, err = ledger.New(cfg.DB, ledger.Config{Origin: origin, Signer: ns, Witnesses: cfg.Witnesses, Logger: cfg.Logger}); err != nil {
		return err
	}
	if len(cfg.WitnessedLogs) > 0 {
		ws, err := a.Keys.NoteSigner(sys, org.DigitalOffice, "witness", "witness."+origin)
		if err != nil {
			return fmt.Errorf("witness key: %w", err)
		}
		if a.Witness, err = ledger.NewWitness(cfg.DB, ledger.WitnessConfig{Signer: ws, Logs: cfg.WitnessedLogs}); err != nil {
			return err
		}
	}
	a.PKI = pki.New(cfg.DB, a.Keys, pki.Config{BaseURL: cfg.PublicURL, RootOrg: org.DigitalOffice,
		OnEvent: func(ctx context.Context, tx *store.Tx, e pki.Event) error {
			typ := ledger.TypeCertIssued
			if e.Type == "certificate.revoked" {
				typ = ledger.TypeCertRevoked
			}
			return a.logEvent(ctx, tx, typ, e.Digest, e.Org, "cert:"+colonHex(e.Serial))
		}})
	for _, f := range pki.Families {
		if _, err := a.PKI.EnsureRoot(sys, f); err != nil {
			return fmt.Errorf("provincial root CA (%s): %w", f, err)
		}
	}
	if a.TSA, err = newTSA(sys, a.Keys, a.PKI, cfg.DB); err != nil {
		return err
	}
	a.Seals = seal.New(cfg.DB, a.Keys, a.PKI, seal.Config{MakerOrg: org.DigitalOffice,
		OnEvent: func(ctx context.Context, tx *store.Tx, e seal.Event) error {
			return a.logEvent(ctx, tx, ledger.Type(e.Type), e.Digest, e.Org, e.Code)
		}})
	a.Sign = sign.NewService(cfg.DB, a.Keys, a.PKI, a.Seals, a.TSA, a.Ledger)
	return nil
}

// processMasterKey is one random master key per process, for nodes started without one: every
// App of the process (tests assemble several over one database) opens the others' keys.
var processMasterKey = sync.OnceValue(keys.NewMasterKey)

// ledgerOrigin names this node's log in its checkpoints: the public host, or a development name.
func ledgerOrigin(publicURL string) string {
	host := "yiwang.localhost"
	if u, err := url.Parse(publicURL); err == nil && u.Host != "" {
		host = u.Host
	}
	return host + "/ledger"
}

// colonHex writes a hex serial number byte by byte with colons (3a:f0:…), as certificate tools
// print serials; unlike the bare hex it never holds a long run of digits that the ledger would
// take for a phone or ID number.
func colonHex(serial string) string {
	if len(serial)%2 == 1 {
		serial = "0" + serial
	}
	var b strings.Builder
	for i := 0; i < len(serial); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(serial[i : i+2])
	}
	return b.String()
}

// logEvent appends a trust-service event to the ledger in the caller's transaction.
func (a *App) logEvent(ctx context.Context, tx *store.Tx, typ ledger.Type, digestHex, orgCode, subject string) error {
	if a.Ledger == nil {
		return nil
	}
	_, err := a.Ledger.AppendTx(ctx, tx, ledger.Entry{Type: typ, Digest: "sha256:" + digestHex, Org: orgCode, Subject: subject})
	return err
}

// newTSA starts the time-stamping authority on the digital office's ECDSA key and a
// time-stamping certificate from the provincial PKI, issued on first start.
func newTSA(ctx context.Context, ks *keys.Service, p *pki.Service, db *store.DB) (*tsa.Authority, error) {
	sg, err := ks.EnsureSigner(ctx, org.DigitalOffice, "tsa", keys.ECDSAP256)
	if err != nil {
		return nil, err
	}
	certs, err := p.ByKey(ctx, sg.Key().ID)
	if err != nil {
		return nil, err
	}
	var cert pki.Certificate
	for _, c := range certs {
		if c.Kind == pki.KindTSA && c.Status == pki.StatusGood && c.NotAfter.After(db.Clock().Now()) {
			cert = c
			break
		}
	}
	if cert.Serial == "" {
		if cert, err = p.Issue(ctx, principal.SystemPrincipal, pki.IssueRequest{Org: org.DigitalOffice, Kind: pki.KindTSA,
			KeyID: sg.Key().ID, CommonName: "福建省政务服务时间戳服务"}); err != nil {
			return nil, fmt.Errorf("time-stamping certificate: %w", err)
		}
	}
	chain, err := p.Chain(ctx, cert.Serial)
	if err != nil {
		return nil, err
	}
	parsed := make([]*x509.Certificate, len(chain))
	for i, c := range chain {
		if parsed[i], err = c.X509(); err != nil {
			return nil, err
		}
	}
	return tsa.New(db, tsa.Config{Signer: sg, Certificate: parsed[0], Chain: parsed[1:]})
}
