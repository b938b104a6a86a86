package ses

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"fmt"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// signingKey checks that signer holds an SM2 key and that certDER is a certificate of that key,
// and returns the public key.
func signingKey(signer crypto.Signer, certDER []byte) (*ecdsa.PublicKey, error) {
	if signer == nil {
		return nil, fail(ErrNotSM2, "no signer")
	}
	pub, ok := signer.Public().(*ecdsa.PublicKey)
	if !ok || !sm2.IsSM2PublicKey(pub) {
		return nil, fail(ErrNotSM2, "signer key is %T, not SM2", signer.Public())
	}
	certPub, err := certificateKey(certDER)
	if err != nil {
		return nil, err
	}
	if !certPub.Equal(pub) {
		return nil, fail(ErrKeyMismatch, "the signer's public key is not the certificate's")
	}
	return pub, nil
}

// certificateKey parses a DER certificate and returns its SM2 public key.
func certificateKey(certDER []byte) (*ecdsa.PublicKey, error) {
	cert, err := smx509.ParseCertificate(certDER)
	if err != nil {
		return nil, malformed("certificate: %v", err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !sm2.IsSM2PublicKey(pub) {
		return nil, fail(ErrNotSM2, "certificate key is %T, not SM2", cert.PublicKey)
	}
	return pub, nil
}

// signSM2 signs msg with the SM2 rules of GB/T 32918.2: SM3 over ZA (default user id
// 1234567812345678) and msg. sm2.DefaultSM2SignerOpts asks the signer for exactly that; a signer
// that ignored it (treating msg as a digest) would make signatures nobody can verify, so the
// result is verified before it is returned.
func signSM2(signer crypto.Signer, pub *ecdsa.PublicKey, msg []byte) ([]byte, error) {
	sig, err := signer.Sign(rand.Reader, msg, sm2.DefaultSM2SignerOpts)
	if err != nil {
		return nil, fmt.Errorf("ses: SM2 signer: %w", err)
	}
	if !verifySM2(pub, msg, sig) {
		return nil, fmt.Errorf("ses: the SM2 signer returned a signature that does not verify (is it applying ZA and SM3?)")
	}
	return sig, nil
}

// verifySM2 verifies a DER SM2 signature over msg with the default user id.
func verifySM2(pub *ecdsa.PublicKey, msg, sig []byte) bool {
	return sm2.VerifyASN1WithSM2(pub, nil, msg, sig)
}
