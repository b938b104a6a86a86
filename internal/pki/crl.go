package pki

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"math/big"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// CRL timing: each CRL is valid for CRLValidity and is signed again once less than
// CRLRefreshBefore of that remains, or at once after a revocation.
const (
	CRLValidity      = 24 * time.Hour
	CRLRefreshBefore = 6 * time.Hour
)

type crlState struct {
	Number     int64      `db:"number"`
	DER        []byte     `db:"der"`
	ThisUpdate *time.Time `db:"this_update"`
	NextUpdate *time.Time `db:"next_update"`
}

func (st crlState) fresh(now time.Time) bool {
	return st.DER != nil && st.NextUpdate != nil && now.Before(st.NextUpdate.Add(-CRLRefreshBefore))
}

// CRL returns the DER CRL of the CA certificate issuerSerial, signed by that CA's key: every
// certificate it issued that was revoked, with the RFC 5280 reason code. Its cRLNumber only
// grows. It is served from the database until a revocation or until nextUpdate draws near; a CA
// whose key was retired (revoked or replaced) keeps serving its last CRL. Returns
// errs.NotFound if issuerSerial is not a CA certificate.
func (s *Service) CRL(ctx context.Context, issuerSerial string) (der []byte, err error) {
	defer errs.Wrap(&err, "pki.CRL(%s)", issuerSerial)
	norm, ok := NormaliseSerial(issuerSerial)
	if !ok {
		return nil, notFound()
	}
	var st crlState
	if err := s.db.Get(ctx, &st, `SELECT number, der, this_update, next_update FROM pki_crls WHERE issuer_serial = ?`, norm); err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, notFound()
		}
		return nil, err
	}
	if st.fresh(s.clock.Now()) {
		return st.DER, nil
	}
	ctx = principal.With(ctx, principal.SystemPrincipal)
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		q := `SELECT number, der, this_update, next_update FROM pki_crls WHERE issuer_serial = ?`
		if tx.Dialect() == store.Postgres {
			q += ` FOR UPDATE` // one node signs each number
		}
		var st crlState
		if err := tx.Get(ctx, &st, q, norm); err != nil {
			return err
		}
		if st.fresh(tx.Now) {
			der = st.DER
			return nil
		}
		ca, err := getCert(ctx, tx, norm)
		if err != nil {
			return err
		}
		var revoked []Certificate
		if err := tx.Select(ctx, &revoked, `SELECT `+certColumns+` FROM certificates
			WHERE issuer_serial = ? AND status = 'revoked' AND serial <> issuer_serial ORDER BY revoked_at, serial`, norm); err != nil {
			return err
		}
		signer, err := s.keys.Signer(ctx, ca.KeyID)
		if errs.Is(err, errs.Conflict) && st.DER != nil {
			// The CA's key was retired (the CA was revoked or replaced): its last CRL is the
			// last word it can give.
			der = st.DER
			return nil
		}
		if err != nil {
			return err
		}
		number := st.Number + 1
		thisUpdate := tx.Now.Truncate(time.Second)
		nextUpdate := thisUpdate.Add(CRLValidity)
		if der, err = signCRL(ca, revoked, number, thisUpdate, nextUpdate, signer); err != nil {
			return fmt.Errorf("sign CRL %d: %w", number, err)
		}
		_, err = tx.Exec(ctx, `UPDATE pki_crls SET number = ?, der = ?, this_update = ?, next_update = ? WHERE issuer_serial = ?`,
			number, der, thisUpdate, nextUpdate, norm)
		return err
	})
	return der, err
}

func signCRL(ca Certificate, revoked []Certificate, number int64, thisUpdate, nextUpdate time.Time, signer crypto.Signer) ([]byte, error) {
	switch ca.Family {
	case ECDSA:
		issuer, err := x509.ParseCertificate(ca.DER)
		if err != nil {
			return nil, err
		}
		t := &x509.RevocationList{Number: big.NewInt(number), ThisUpdate: thisUpdate, NextUpdate: nextUpdate}
		for _, c := range revoked {
			t.RevokedCertificateEntries = append(t.RevokedCertificateEntries, x509.RevocationListEntry{
				SerialNumber: c.SerialNumber(), RevocationTime: c.RevokedAt.UTC(), ReasonCode: reasonCodes[c.Reason]})
		}
		return x509.CreateRevocationList(rand.Reader, t, issuer, signer)
	case SM2:
		issuer, err := smx509.ParseCertificate(ca.DER)
		if err != nil {
			return nil, err
		}
		t := &smx509.RevocationList{Number: big.NewInt(number), ThisUpdate: thisUpdate, NextUpdate: nextUpdate}
		for _, c := range revoked {
			t.RevokedCertificateEntries = append(t.RevokedCertificateEntries, smx509.RevocationListEntry{
				SerialNumber: c.SerialNumber(), RevocationTime: c.RevokedAt.UTC(), ReasonCode: reasonCodes[c.Reason]})
		}
		return smx509.CreateRevocationList(rand.Reader, t, issuer, signer)
	}
	return nil, fmt.Errorf("unknown family %q", ca.Family)
}
