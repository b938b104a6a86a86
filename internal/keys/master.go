package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/emmansun/gmsm/sm4"
)

// MasterKeySize is the length of a master key in bytes.
const MasterKeySize = 32

// MasterKey is the root of the key hierarchy: 32 random bytes kept outside the database. It only
// wraps data keys; it never touches documents or private keys directly.
type MasterKey struct {
	key []byte
	id  string
}

// NewMasterKey makes a fresh random master key (for tests and for `yiwang keys master-key`).
func NewMasterKey() *MasterKey {
	k := make([]byte, MasterKeySize)
	_, _ = rand.Read(k)
	return newMasterKey(k)
}

func newMasterKey(k []byte) *MasterKey {
	sum := sha256.Sum256(append([]byte("yiwang master key id\x00"), k...))
	return &MasterKey{key: k, id: hex.EncodeToString(sum[:8])}
}

// ID is the master key's fingerprint, stored beside what it wraps so that a wrong master key is
// reported as such rather than as corrupt data. It reveals nothing about the key.
func (m *MasterKey) ID() string { return m.id }

// Encode returns the key in the text form ParseMasterKey reads (standard base64).
func (m *MasterKey) Encode() string { return base64.StdEncoding.EncodeToString(m.key) }

// ParseMasterKey reads a master key written as base64 (standard or URL alphabet) or hex, as in
// YIWANG_MASTER_KEY or a key file. Surrounding space is ignored.
func ParseMasterKey(text string) (*MasterKey, error) {
	s := strings.TrimSpace(text)
	for _, dec := range []func(string) ([]byte, error){
		base64.StdEncoding.DecodeString, base64.RawStdEncoding.DecodeString,
		base64.URLEncoding.DecodeString, base64.RawURLEncoding.DecodeString, hex.DecodeString,
	} {
		if b, err := dec(s); err == nil && len(b) == MasterKeySize {
			return newMasterKey(b), nil
		}
	}
	return nil, fmt.Errorf("master key: want %d bytes written as base64 or hex", MasterKeySize)
}

// LoadMasterKeyFile reads a master key file. The file must not be readable by group or others:
// a key anyone on the machine can read protects nothing.
func LoadMasterKeyFile(path string) (*MasterKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("master key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("master key file %s: mode %v lets others read it; chmod 600 it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("master key file: %w", err)
	}
	m, err := ParseMasterKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("master key file %s: %w", path, err)
	}
	return m, nil
}

// DevMasterKeyFile is where a development node keeps its master key when none is configured:
// under the user's configuration directory, named after the data directory, and so never beside
// the data it protects (a copied data directory does not carry its key along).
//
// where is the data directory, or the database URL of a node without one.
func DevMasterKeyFile(where string) (string, error) {
	abs := where
	if !strings.Contains(where, "://") {
		var err error
		if abs, err = filepath.Abs(where); err != nil {
			return "", err
		}
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no configuration directory for the development master key (set YIWANG_MASTER_KEY): %w", err)
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(base, "yiwang", "master-"+hex.EncodeToString(sum[:6])+".key"), nil
}

// LoadOrCreateMasterKeyFile reads the key at path, creating the file (0600, in a 0700
// directory) with a fresh key if it does not exist. Only development nodes use it.
func LoadOrCreateMasterKeyFile(path string) (*MasterKey, bool, error) {
	m, err := LoadMasterKeyFile(path)
	if err == nil {
		return m, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("master key directory: %w", err)
	}
	m = NewMasterKey()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("master key file: %w", err)
	}
	if _, err := f.WriteString(m.Encode() + "\n"); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("master key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("master key file: %w", err)
	}
	return m, true, nil
}

// DataKeyAlgorithm names how data keys encrypt and are wrapped.
type DataKeyAlgorithm string

// The data-key algorithms: SM4 (GB/T 32907) or AES-256, both in GCM mode.
const (
	SM4GCM    DataKeyAlgorithm = "SM4-GCM"
	AES256GCM DataKeyAlgorithm = "AES-256-GCM"
)

func (a DataKeyAlgorithm) keySize() int {
	if a == SM4GCM {
		return 16
	}
	return 32
}

func (a DataKeyAlgorithm) aead(key []byte) (cipher.AEAD, error) {
	var (
		b   cipher.Block
		err error
	)
	switch a {
	case SM4GCM:
		b, err = sm4.NewCipher(key)
	case AES256GCM:
		b, err = aes.NewCipher(key)
	default:
		return nil, fmt.Errorf("unknown data key algorithm %q", a)
	}
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// wrapKey derives the key that wraps data keys of algorithm a from the master key, so that the
// SM4 and AES wrappings never share key material.
func (m *MasterKey) wrapKey(a DataKeyAlgorithm) ([]byte, error) {
	return hkdf.Key(sha256.New, m.key, nil, "yiwang data key wrap "+string(a), a.keySize())
}

// seal encrypts plaintext under key with algorithm a, binding it to aad (the context it belongs
// in, so that a ciphertext moved to another row fails to open). Output: nonce || ciphertext.
func seal(a DataKeyAlgorithm, key, plaintext, aad []byte) ([]byte, error) {
	g, err := a.aead(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, g.NonceSize(), g.NonceSize()+len(plaintext)+g.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return g.Seal(nonce, nonce, plaintext, aad), nil
}

func open(a DataKeyAlgorithm, key, sealed, aad []byte) ([]byte, error) {
	g, err := a.aead(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < g.NonceSize()+g.Overhead() {
		return nil, errors.New("sealed value too short")
	}
	return g.Open(nil, sealed[:g.NonceSize()], sealed[g.NonceSize():], aad)
}
