package tsa_test

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
	"github.com/yiwang-platform/yiwang/internal/tsa"
)

func TestNewChecksTheCertificate(t *testing.T) {
	db := storetest.Open(t, store.SQLite, storetest.Options{})
	p := newPKI(t)
	other := mustKey(t)
	cert := func(ext ...pkix.Extension) *x509.Certificate {
		return mustCert(t, tsaTemplate(ext...), p.root, p.key.Public(), p.rootKey)
	}
	for _, tc := range []struct {
		name string
		cfg  tsa.Config
		ok   bool
	}{
		{"a time-stamping certificate", tsa.Config{Signer: p.key, Certificate: p.cert}, true},
		{"no extended key usage", tsa.Config{Signer: p.key, Certificate: cert()}, false},
		{"extended key usage not critical", tsa.Config{Signer: p.key, Certificate: cert(ekuExtension(t, false, oidTimeStamping))}, false},
		{"another purpose besides time-stamping", tsa.Config{Signer: p.key,
			Certificate: cert(ekuExtension(t, true, oidTimeStamping, asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 4}))}, false},
		{"the key is not the certificate's", tsa.Config{Signer: other, Certificate: p.cert}, false},
		{"no certificate", tsa.Config{Signer: p.key}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := tsa.New(db, tc.cfg)
			if tc.ok != (err == nil) {
				t.Fatalf("New: %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errs.Is(err, errs.Invalid) {
				t.Errorf("New: %v, want errs.Invalid", err)
			}
			if a != nil && !a.Policy().Equal(tsa.DefaultPolicy) {
				t.Errorf("policy %v, want the default", a.Policy())
			}
		})
	}
}

func TestStampAndVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPKI(t)
		a := newAuthority(t, db, p)
		digest := sha256.Sum256([]byte("a document"))
		token, err := a.Stamp(ctx(), crypto.SHA256, digest[:])
		if err != nil {
			t.Fatal(err)
		}

		// The token is what digitorus/timestamp (used by the PDF tooling) reads.
		ts, err := timestamp.Parse(token)
		if err != nil {
			t.Fatalf("timestamp.Parse: %v", err)
		}
		if !bytes.Equal(ts.HashedMessage, digest[:]) || ts.HashAlgorithm != crypto.SHA256 || !ts.Policy.Equal(tsa.DefaultPolicy) {
			t.Errorf("parsed token = %+v", ts)
		}
		if !ts.Time.Equal(testNow) || ts.Accuracy != time.Second {
			t.Errorf("time %v ± %v, want %v ± 1s", ts.Time, ts.Accuracy, testNow)
		}

		info, err := tsa.Verify(token, crypto.SHA256, digest[:], p.roots())
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if !info.Time.Equal(testNow) || info.Serial.Sign() <= 0 || !strings.Contains(info.TSA, "Yiwang Test TSA") ||
			!info.Policy.Equal(tsa.DefaultPolicy) || info.Accuracy != time.Second || info.Certificate == nil {
			t.Errorf("Verify info = %+v", info)
		}
		if _, err := tsa.VerifyMessage(token, []byte("a document"), p.roots()); err != nil {
			t.Errorf("VerifyMessage: %v", err)
		}

		// The register holds the imprint and the time, never the document.
		var row struct {
			Hash   string    `db:"hash_algorithm"`
			Digest string    `db:"digest"`
			At     time.Time `db:"issued_at"`
		}
		if err := db.Get(ctx(), &row, `SELECT hash_algorithm, digest, issued_at FROM tsa_tokens WHERE serial = ?`, info.Serial.Int64()); err != nil {
			t.Fatal(err)
		}
		if row.Hash != "SHA-256" || row.Digest != hex.EncodeToString(digest[:]) || !row.At.Equal(testNow) {
			t.Errorf("register row = %+v", row)
		}
		var audits int
		if err := db.Get(ctx(), &audits, `SELECT COUNT(*) FROM audit_events WHERE action = 'tsa.stamp' AND object_id = ?`, info.Serial.String()); err != nil || audits != 1 {
			t.Errorf("audit records = %d, %v; want 1", audits, err)
		}
		// The register is append-only.
		if err := db.Transact(ctx(), func(tx *store.Tx) error {
			_, err := tx.Exec(ctx(), `UPDATE tsa_tokens SET digest = 'x'`)
			return err
		}); err == nil {
			t.Error("UPDATE of tsa_tokens succeeded")
		}

		other := sha256.Sum256([]byte("another document"))
		otherRoot, _ := newRoot(t, "Another Root")
		pool := x509.NewCertPool()
		pool.AddCert(otherRoot)
		for _, tc := range []struct {
			name   string
			token  []byte
			hash   crypto.Hash
			digest []byte
			roots  *x509.CertPool
			want   error
		}{
			{"a changed digest", token, crypto.SHA256, other[:], p.roots(), tsa.ErrMismatch},
			{"another hash algorithm", token, crypto.SHA384, digest[:], p.roots(), tsa.ErrMismatch},
			{"an untrusted root", token, crypto.SHA256, digest[:], pool, tsa.ErrUntrusted},
			{"no roots", token, crypto.SHA256, digest[:], nil, tsa.ErrUntrusted},
			{"a flipped signature bit", flipLastSignatureByte(t, token), crypto.SHA256, digest[:], p.roots(), tsa.ErrSignature},
			{"not a token", []byte("hello"), crypto.SHA256, digest[:], p.roots(), tsa.ErrUnreadable},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := tsa.Verify(tc.token, tc.hash, tc.digest, tc.roots)
				if !errors.Is(err, tc.want) || !errs.Is(err, errs.Invalid) {
					t.Errorf("Verify = %v, want %v (errs.Invalid)", err, tc.want)
				}
			})
		}

		if _, err := a.Stamp(ctx(), crypto.SHA256, digest[:5]); !errs.Is(err, errs.Invalid) {
			t.Errorf("Stamp of a short digest: %v, want errs.Invalid", err)
		}
		if _, err := a.Stamp(ctx(), crypto.SHA1, make([]byte, 20)); !errs.Is(err, errs.Invalid) {
			t.Errorf("Stamp of SHA-1: %v, want errs.Invalid", err)
		}
	})
}

// flipLastSignatureByte changes the last byte of the token's signature value, which DER puts
// at the very end of a token without unsigned attributes.
func flipLastSignatureByte(t *testing.T, token []byte) []byte {
	t.Helper()
	out := bytes.Clone(token)
	out[len(out)-1] ^= 0x01
	return out
}

func TestSerialsUniqueUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPKI(t)
		a := newAuthority(t, db, p)
		const workers, each = 8, 6
		var mu sync.Mutex
		serials := map[string]bool{}
		var wg sync.WaitGroup
		errc := make(chan error, workers*each)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					d := sha256.Sum256([]byte{byte(w), byte(i)})
					token, err := a.Stamp(ctx(), crypto.SHA256, d[:])
					if err != nil {
						errc <- err
						return
					}
					info, err := tsa.Verify(token, crypto.SHA256, d[:], p.roots())
					if err != nil {
						errc <- err
						return
					}
					mu.Lock()
					if serials[info.Serial.String()] {
						errc <- errors.New("serial " + info.Serial.String() + " issued twice")
					}
					serials[info.Serial.String()] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Error(err)
		}
		var n int
		if err := db.Get(ctx(), &n, `SELECT COUNT(DISTINCT serial) FROM tsa_tokens`); err != nil {
			t.Fatal(err)
		}
		if len(serials) != workers*each || n != workers*each {
			t.Errorf("%d distinct serials in tokens, %d in the register; want %d", len(serials), n, workers*each)
		}
	})
}

// request builds a TimeStampReq by hand so that tests can send what clients should not.
type request struct {
	Version        int
	MessageImprint imprint
	ReqPolicy      asn1.ObjectIdentifier `asn1:"optional"`
	Nonce          *big.Int              `asn1:"optional"`
	CertReq        bool                  `asn1:"optional,default:false"`
	Extensions     []pkix.Extension      `asn1:"optional,tag:0"`
}

type imprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

var (
	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
)

func marshalRequest(t testing.TB, r request) []byte {
	t.Helper()
	b, err := asn1.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func imprintOf(oid asn1.ObjectIdentifier, digest []byte) imprint {
	return imprint{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue}, HashedMessage: digest}
}

// response reads a TimeStampResp's status.
type response struct {
	Status struct {
		Status       int
		StatusString []string       `asn1:"optional,utf8"`
		FailInfo     asn1.BitString `asn1:"optional"`
	}
	Token asn1.RawValue `asn1:"optional"`
}

func TestRespond(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPKI(t)
		a := newAuthority(t, db, p)
		d256 := sha256.Sum256([]byte("x"))
		d384 := sha512.Sum384([]byte("x"))
		d512 := sha512.Sum512([]byte("x"))
		nonce := big.NewInt(0x1234567890)
		for _, tc := range []struct {
			name     string
			req      []byte
			invalid  bool // errs.Invalid, no response
			status   int
			failBit  int
			reason   string
			certs    bool
			hash     crypto.Hash
			digest   []byte
			hasNonce bool
		}{
			{name: "SHA-256 with certificates and a nonce", req: marshalRequest(t, request{Version: 1, MessageImprint: imprintOf(oidSHA256, d256[:]), Nonce: nonce, CertReq: true}),
				status: 0, certs: true, hash: crypto.SHA256, digest: d256[:], hasNonce: true},
			{name: "SHA-384 without certificates", req: marshalRequest(t, request{Version: 1, MessageImprint: imprintOf(oidSHA384, d384[:])}),
				status: 0, hash: crypto.SHA384, digest: d384[:]},
			{name: "SHA-512 under the authority's policy", req: marshalRequest(t, request{Version: 1, MessageImprint: imprintOf(oidSHA512, d512[:]), ReqPolicy: tsa.DefaultPolicy, CertReq: true}),
				status: 0, certs: true, hash: crypto.SHA512, digest: d512[:]},
			{name: "SM3 is refused", req: marshalRequest(t, request{Version: 1, MessageImprint: imprintOf(tsa.OIDSM3, d256[:])}),
				status: 2, failBit: 0, reason: "SM3"},
			{name: "SHA-1 is refused", req: marshalRequest(t, request{Version: 1, MessageImprint: imprintOf(oidSHA1, make([]byte, 20))}),
				status: 2, failBit: 0, reason: "SHA-1"},
			{name: "an unknown algorithm", req: marshalRequest(t, request{Version: 1, MessageImprint: imprintOf(asn1.ObjectIdentifier{1, 2, 3}, d256[:])}),
				status: 2, failBit: 0, reason: "unknown"},
			{name: "a digest of the wrong length", req: marshalRequest(t, request{Version: 1, MessageImprint: imprintOf(oidSHA256, d256[:20])}),
				status: 2, failBit: 5, reason: "bytes"},
			{name: "version 2", req: marshalRequest(t, request{Version: 2, MessageImprint: imprintOf(oidSHA256, d256[:])}),
				status: 2, failBit: 5, reason: "version"},
			{name: "another policy", req: marshalRequest(t, request{Version: 1, MessageImprint: imprintOf(oidSHA256, d256[:]), ReqPolicy: asn1.ObjectIdentifier{1, 2, 3, 4}}),
				status: 2, failBit: 15, reason: "policy"},
			{name: "an extension", req: marshalRequest(t, request{Version: 1, MessageImprint: imprintOf(oidSHA256, d256[:]),
				Extensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3}, Value: []byte{5, 0}}}}),
				status: 2, failBit: 16, reason: "extensions"},
			{name: "not DER", req: []byte("POST /tsa HTTP/1.1"), invalid: true},
			{name: "empty", req: nil, invalid: true},
			{name: "trailing data", req: append(marshalRequest(t, request{Version: 1, MessageImprint: imprintOf(oidSHA256, d256[:])}), 0), invalid: true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				der, err := a.Respond(ctx(), tc.req)
				if tc.invalid {
					if !errs.Is(err, errs.Invalid) {
						t.Fatalf("Respond = %v, want errs.Invalid", err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				var resp response
				if rest, err := asn1.Unmarshal(der, &resp); err != nil || len(rest) > 0 {
					t.Fatalf("response does not parse: %v", err)
				}
				if resp.Status.Status != tc.status {
					t.Fatalf("status %d, want %d (%v)", resp.Status.Status, tc.status, resp.Status.StatusString)
				}
				if tc.status != 0 {
					if resp.Status.FailInfo.At(tc.failBit) != 1 || resp.Status.FailInfo.BitLength != tc.failBit+1 {
						t.Errorf("failure info %v, want bit %d alone", resp.Status.FailInfo, tc.failBit)
					}
					if len(resp.Status.StatusString) != 1 || !strings.Contains(resp.Status.StatusString[0], tc.reason) {
						t.Errorf("status string %q, want one mentioning %q", resp.Status.StatusString, tc.reason)
					}
					if len(resp.Token.FullBytes) != 0 {
						t.Error("a rejection carries a token")
					}
					return
				}
				ts, err := timestamp.ParseResponse(der)
				if err != nil {
					t.Fatalf("timestamp.ParseResponse: %v", err)
				}
				if (len(ts.Certificates) > 0) != tc.certs {
					t.Errorf("%d certificates in the token, want some: %v", len(ts.Certificates), tc.certs)
				}
				if ts.HashAlgorithm != tc.hash || !bytes.Equal(ts.HashedMessage, tc.digest) {
					t.Errorf("imprint %v %x", ts.HashAlgorithm, ts.HashedMessage)
				}
				if tc.hasNonce != (ts.Nonce != nil) || (tc.hasNonce && ts.Nonce.Cmp(nonce) != 0) {
					t.Errorf("nonce %v", ts.Nonce)
				}
				if tc.certs {
					if _, err := tsa.Verify(resp.Token.FullBytes, tc.hash, tc.digest, p.roots()); err != nil {
						t.Errorf("Verify: %v", err)
					}
				}
			})
		}
	})
}

func TestLoopback(t *testing.T) {
	db := storetest.Open(t, store.SQLite, storetest.Options{})
	p := newPKI(t)
	a := newAuthority(t, db, p)
	url, err := a.LoopbackURL(ctx())
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := a.LoopbackURL(ctx()); again != url || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("LoopbackURL = %q then %q", url, again)
	}
	d := sha256.Sum256([]byte("pdf"))
	req := marshalRequest(t, request{Version: 1, MessageImprint: imprintOf(oidSHA256, d[:]), CertReq: true})
	post := func(ct string, body []byte) (*http.Response, []byte) {
		t.Helper()
		resp, err := http.Post(url, ct, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, body := post(tsa.QueryContentType, req)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tsa.ReplyContentType {
		t.Fatalf("POST: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if _, err := timestamp.ParseResponse(body); err != nil {
		t.Errorf("reply: %v", err)
	}
	if resp, _ := post("application/octet-stream", req); resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("wrong content type: %d, want 415", resp.StatusCode)
	}
	if resp, _ := post(tsa.QueryContentType, []byte("junk")); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("junk: %d, want 400", resp.StatusCode)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Post(url, tsa.QueryContentType, bytes.NewReader(req)); err == nil {
		t.Error("the loopback listener still answers after Close")
	}
}
