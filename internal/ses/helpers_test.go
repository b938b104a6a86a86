package ses

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"image"
	"image/color"
	"image/png"
	"math/big"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
)

// now is the tests' fixed "now": seals are made and documents signed around it.
var now = time.Date(2026, 5, 1, 10, 30, 0, 0, time.UTC)

// party is a key and its certificate.
type party struct {
	key  *sm2.PrivateKey
	cert []byte // DER
}

// testPKI is an SM2 CA with end-entity certificates for a seal maker, a signer on the seal and
// an outsider who is not on it.
type testPKI struct {
	ca, maker, signer, outsider party
}

func newPKI(tb testing.TB) *testPKI {
	tb.Helper()
	caKey := mustKey(tb)
	caTmpl := &smx509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{Country: []string{"CN"}, Organization: []string{"Yiwang Test"}, CommonName: "Yiwang Test SM2 CA"},
		NotBefore:             now.AddDate(-1, 0, 0),
		NotAfter:              now.AddDate(10, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              smx509.KeyUsageCertSign | smx509.KeyUsageCRLSign,
		SignatureAlgorithm:    smx509.SM2WithSM3,
	}
	caDER, err := smx509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	caCert, err := smx509.ParseCertificate(caDER)
	if err != nil {
		tb.Fatal(err)
	}
	p := &testPKI{ca: party{caKey, caDER}}
	for i, pp := range []struct {
		dst *party
		cn  string
	}{{&p.maker, "福建省电子印章制作中心"}, {&p.signer, "福建省数字福建建设领导小组办公室"}, {&p.outsider, "无关人员"}} {
		key := mustKey(tb)
		tmpl := &smx509.Certificate{
			SerialNumber:       big.NewInt(int64(100 + i)),
			Subject:            pkix.Name{Country: []string{"CN"}, Province: []string{"福建"}, CommonName: pp.cn},
			NotBefore:          now.AddDate(0, -1, 0),
			NotAfter:           now.AddDate(5, 0, 0),
			KeyUsage:           smx509.KeyUsageDigitalSignature | smx509.KeyUsageContentCommitment,
			SignatureAlgorithm: smx509.SM2WithSM3,
		}
		der, err := smx509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			tb.Fatal(err)
		}
		*pp.dst = party{key, der}
	}
	return p
}

func mustKey(tb testing.TB) *sm2.PrivateKey {
	tb.Helper()
	k, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// testPicture is a small red ring as a PNG.
var testPicture = func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for y := range 32 {
		for x := range 32 {
			if d := (x-16)*(x-16) + (y-16)*(y-16); d > 144 && d < 225 {
				img.Set(x, y, color.RGBA{R: 0xd0, A: 0xff})
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}()

// sealInfo is a valid organisation seal whose signer is p.signer.
func (p *testPKI) sealInfo() SealInfo {
	return SealInfo{
		ID:           "350000YW2026000001",
		Vendor:       "YIWANG",
		Type:         TypeOrganization,
		Name:         "福建省数字福建建设领导小组办公室",
		Certificates: [][]byte{p.signer.cert},
		Created:      now.Add(-time.Hour),
		ValidFrom:    now.Add(-time.Hour),
		ValidTo:      now.AddDate(3, 0, 0),
		PictureType:  "PNG",
		Picture:      testPicture,
		WidthMM:      42,
		HeightMM:     42,
	}
}

func (p *testPKI) makeSeal(tb testing.TB, info SealInfo) []byte {
	tb.Helper()
	der, err := MakeSeal(info, p.maker.key, p.maker.cert)
	if err != nil {
		tb.Fatalf("MakeSeal: %v", err)
	}
	return der
}

func (p *testPKI) sign(tb testing.TB, sealDER, doc []byte, opt SignOptions) []byte {
	tb.Helper()
	der, err := SignDocument(sealDER, doc, p.signer.key, p.signer.cert, opt)
	if err != nil {
		tb.Fatalf("SignDocument: %v", err)
	}
	return der
}

// decoded is an SES_Signature taken apart to its wire structures, for tampering.
type decoded struct {
	sig  wireSignature
	tbs  wireTBSSign
	seal wireSeal
	info wireSealInfo
}

func decode(tb testing.TB, der []byte) *decoded {
	tb.Helper()
	var d decoded
	mustUnmarshal(tb, der, &d.sig)
	mustUnmarshal(tb, d.sig.ToSign.FullBytes, &d.tbs)
	mustUnmarshal(tb, d.tbs.ESeal.FullBytes, &d.seal)
	mustUnmarshal(tb, d.seal.SealInfo.FullBytes, &d.info)
	return &d
}

func mustUnmarshal(tb testing.TB, der []byte, v any) {
	tb.Helper()
	if _, err := asn1.Unmarshal(der, v); err != nil {
		tb.Fatal(err)
	}
}

func mustMarshal(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := asn1.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// encode puts the structures back together. With resealBy, the seal maker signs the (changed)
// seal information again; with resignBy, that party signs the (changed) TBS_Sign again and its
// certificate becomes the signer's.
func (d *decoded) encode(tb testing.TB, resealBy, resignBy *party) []byte {
	tb.Helper()
	info := mustMarshal(tb, d.info)
	d.seal.SealInfo = asn1.RawValue{FullBytes: info}
	if resealBy != nil {
		d.seal.SignedValue = bits(mustSign(tb, resealBy.key, info))
		d.seal.Cert = resealBy.cert
	}
	d.tbs.ESeal = asn1.RawValue{FullBytes: mustMarshal(tb, d.seal)}
	tbs := mustMarshal(tb, d.tbs)
	d.sig.ToSign = asn1.RawValue{FullBytes: tbs}
	if resignBy != nil {
		d.sig.Signature = bits(mustSign(tb, resignBy.key, tbs))
		d.sig.Cert = resignBy.cert
	}
	return mustMarshal(tb, d.sig)
}

func mustSign(tb testing.TB, key *sm2.PrivateKey, msg []byte) []byte {
	tb.Helper()
	sig, err := key.Sign(rand.Reader, msg, sm2.DefaultSM2SignerOpts)
	if err != nil {
		tb.Fatal(err)
	}
	return sig
}

// fakeToken is a TimeStampToken shaped as RFC 3161 says, carrying the digest of data under alg,
// with no signer: enough for the imprint check, which is all this package does with tokens.
func fakeToken(tb testing.TB, alg asn1.ObjectIdentifier, data []byte) []byte {
	tb.Helper()
	var digest []byte
	switch {
	case alg.Equal(OIDSM3):
		d := sm3.Sum(data)
		digest = d[:]
	case alg.Equal(oidSHA256):
		d := sha256.Sum256(data)
		digest = d[:]
	default:
		digest = make([]byte, 32)
	}
	type imprint struct {
		HashAlgorithm pkix.AlgorithmIdentifier
		HashedMessage []byte
	}
	tst := mustMarshal(tb, struct {
		Version        int
		Policy         asn1.ObjectIdentifier
		MessageImprint imprint
		SerialNumber   *big.Int
		GenTime        time.Time `asn1:"generalized"`
	}{1, asn1.ObjectIdentifier{1, 2, 3, 4}, imprint{pkix.AlgorithmIdentifier{Algorithm: alg}, digest}, big.NewInt(7), now})
	emptySet := asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: []byte{}}
	type encap struct {
		EContentType asn1.ObjectIdentifier
		EContent     []byte `asn1:"explicit,tag:0"`
	}
	sd := mustMarshal(tb, struct {
		Version          int
		DigestAlgorithms asn1.RawValue
		EncapContentInfo encap
		SignerInfos      asn1.RawValue
	}{3, emptySet, encap{oidTSTInfo, tst}, emptySet})
	return mustMarshal(tb, struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,tag:0"`
	}{oidSignedData, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sd}})
}
