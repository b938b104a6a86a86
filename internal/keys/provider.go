package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/store"
)

// Provider keeps private keys and signs with them. The software provider keeps them in the
// database, sealed under a data key; a hardware security module (PKCS #11, GM/T 0018) would
// keep them inside the module and return its handle as ref.
type Provider interface {
	// Name is recorded with each key ("software", or the module's name).
	Name() string
	// Generate makes a key pair for keyID inside tx. ref is what Open needs to use the private
	// key later; dataKeyID names the data key that seals ref, or "" if none does.
	Generate(ctx context.Context, tx *store.Tx, keyID string, alg Algorithm) (pub crypto.PublicKey, ref []byte, dataKeyID string, err error)
	// Open returns a signer for a key Generate made.
	Open(ctx context.Context, keyID string, alg Algorithm, ref []byte) (crypto.Signer, error)
}

// signingKeysPurpose is the data-key purpose that seals signing keys' private keys.
const signingKeysPurpose = "signing-keys"

// software is the default provider: private keys as PKCS #8, sealed under the "signing-keys"
// data key with the key's id as associated data.
type software struct{ s *Service }

func (p *software) Name() string { return "software" }

func generate(alg Algorithm) (crypto.Signer, error) {
	switch alg {
	case SM2:
		return sm2.GenerateKey(rand.Reader)
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case Ed25519:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	return nil, fmt.Errorf("unknown algorithm %q", alg)
}

func (p *software) Generate(ctx context.Context, tx *store.Tx, keyID string, alg Algorithm) (crypto.PublicKey, []byte, string, error) {
	priv, err := generate(alg)
	if err != nil {
		return nil, nil, "", err
	}
	der, err := smx509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, "", err
	}
	defer clear(der)
	sealed, dkID, err := p.s.sealTx(ctx, tx, signingKeysPurpose, der, []byte("signing-key:"+keyID))
	if err != nil {
		return nil, nil, "", err
	}
	return priv.Public(), sealed, dkID, nil
}

func (p *software) Open(ctx context.Context, keyID string, alg Algorithm, ref []byte) (crypto.Signer, error) {
	der, err := p.s.Open(ctx, signingKeysPurpose, ref, []byte("signing-key:"+keyID))
	if err != nil {
		return nil, err
	}
	defer clear(der)
	priv, err := smx509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("private key of %s: %w", keyID, err)
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("private key of %s cannot sign (%T)", keyID, priv)
	}
	got, err := algorithmOf(signer.Public())
	if err != nil || got != alg {
		return nil, fmt.Errorf("private key of %s is %s, recorded as %s", keyID, got, alg)
	}
	return signer, nil
}
