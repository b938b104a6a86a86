package ses

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
)

// sentinels are all the failures Verify tells apart.
var sentinels = []*errs.Error{
	ErrMalformed, ErrNotSM2, ErrKeyMismatch, ErrBadSignature, ErrDocumentChanged,
	ErrSignerNotOnSeal, ErrSealSignature, ErrSealNotInForce, ErrTimestamp, ErrCriticalExtension,
}

func TestSealRoundTrip(t *testing.T) {
	p := newPKI(t)
	cst := time.FixedZone("CST", 8*3600)
	for _, tc := range []struct {
		name string
		edit func(*SealInfo)
		want func(*SealInfo) // how the parsed info differs from the input
	}{
		{name: "organisation seal, one certificate"},
		{
			name: "personal seal, two certificates, extensions, JPG",
			edit: func(i *SealInfo) {
				i.Type, i.Name, i.PictureType = TypePersonal, "张三", "JPG"
				i.Certificates = append(i.Certificates, p.outsider.cert)
				i.Extensions = []Extension{
					{ID: asn1.ObjectIdentifier{1, 2, 156, 112562, 1}, Value: []byte("region=350000")},
					{ID: asn1.ObjectIdentifier{1, 2, 156, 112562, 2}, Critical: true, Value: []byte{0}},
				}
			},
		},
		{
			name: "certificate digest list, SVG, application type",
			edit: func(i *SealInfo) {
				i.Type, i.PictureType, i.Picture = 17, "SVG", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)
				i.Certificates, i.CertDigests = nil, []CertDigest{SM3CertDigest(p.signer.cert), {Type: "SHA256", Value: make([]byte, 32)}}
			},
		},
		{
			name: "times in another zone with fractions come back in UTC, whole seconds",
			edit: func(i *SealInfo) {
				i.Created = time.Date(2026, 5, 1, 18, 0, 0, 999, cst)
				i.ValidFrom = time.Date(2026, 5, 1, 18, 0, 0, 5e8, cst)
				i.ValidTo = time.Date(2036, 5, 1, 0, 0, 0, 0, cst)
			},
			want: func(i *SealInfo) {
				i.Created = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
				i.ValidFrom = i.Created
				i.ValidTo = time.Date(2036, 4, 30, 16, 0, 0, 0, time.UTC)
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info := p.sealInfo()
			if tc.edit != nil {
				tc.edit(&info)
			}
			want := info
			if tc.want != nil {
				tc.want(&want)
			}
			der := p.makeSeal(t, info)
			seal, err := ParseSeal(der)
			if err != nil {
				t.Fatalf("ParseSeal: %v", err)
			}
			if diff := cmp.Diff(want, seal.Info); diff != "" {
				t.Errorf("seal info mismatch (-want +got):\n%s", diff)
			}
			if !bytes.Equal(seal.MakerCertificate, p.maker.cert) || !seal.Algorithm.Equal(OIDSM2WithSM3) || !bytes.Equal(seal.Raw, der) {
				t.Errorf("maker certificate, algorithm %v or raw bytes did not survive", seal.Algorithm)
			}
			var w wireSeal
			mustUnmarshal(t, der, &w)
			if !bytes.Equal(seal.TBS, w.SealInfo.FullBytes) {
				t.Error("TBS is not the DER of SES_SealInfo")
			}
			if !sm2.VerifyASN1WithSM2(&p.maker.key.PublicKey, nil, seal.TBS, seal.Signature) {
				t.Error("the maker's signature is not over SES_SealInfo with the default user id")
			}
			if err := seal.VerifyMaker(); err != nil {
				t.Errorf("VerifyMaker: %v", err)
			}
		})
	}
}

func TestSignatureRoundTrip(t *testing.T) {
	p := newPKI(t)
	doc := []byte("<Signature>福建省人民政府办公厅文件</Signature>")
	digestSeal := p.sealInfo()
	digestSeal.Certificates, digestSeal.CertDigests = nil, []CertDigest{{Type: "sm3", Value: SM3CertDigest(p.signer.cert).Value}}
	for _, tc := range []struct {
		name  string
		info  SealInfo
		opt   SignOptions
		token bool
	}{
		{name: "plain", info: p.sealInfo(), opt: SignOptions{Time: now, Property: "/Doc_0/Signs/Sign_0/Signature.xml"}},
		{name: "certificate digest seal", info: digestSeal, opt: SignOptions{Time: now.Add(time.Minute), Property: "scope=all"}},
		{
			name: "time-stamped, with extensions, time with a zone and fraction",
			info: p.sealInfo(),
			opt: SignOptions{
				Time:       now.In(time.FixedZone("CST", 8*3600)).Add(1500 * time.Millisecond),
				Property:   "/Doc_0/Signs/Sign_1/Signature.xml",
				Extensions: []Extension{{ID: asn1.ObjectIdentifier{1, 2, 156, 112562, 9}, Value: []byte("page=1")}},
				Timestamp:  func(sig []byte) ([]byte, error) { return fakeToken(t, OIDSM3, sig), nil },
			},
			token: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sealDER := p.makeSeal(t, tc.info)
			der := p.sign(t, sealDER, doc, tc.opt)
			s, err := ParseSignature(der)
			if err != nil {
				t.Fatalf("ParseSignature: %v", err)
			}
			digest := sm3.Sum(doc)
			wantTime := tc.opt.Time.UTC().Truncate(time.Second)
			got := struct {
				Version    int
				Time       time.Time
				DataHash   []byte
				Property   string
				Extensions []Extension
				Cert       []byte
				Algorithm  asn1.ObjectIdentifier
				SealRaw    []byte
				Raw        []byte
			}{s.Version, s.Time, s.DataHash, s.Property, s.Extensions, s.SignerCertificate, s.Algorithm, s.Seal.Raw, s.Raw}
			want := got
			want.Version, want.Time, want.DataHash, want.Property, want.Extensions = 4, wantTime, digest[:], tc.opt.Property, tc.opt.Extensions
			want.Cert, want.Algorithm, want.SealRaw, want.Raw = p.signer.cert, OIDSM2WithSM3, sealDER, der
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("signature mismatch (-want +got):\n%s", diff)
			}
			if tc.token != (s.TimeStampToken != nil) {
				t.Errorf("time-stamp token present = %v, want %v", s.TimeStampToken != nil, tc.token)
			}
			if tc.token {
				if diff := cmp.Diff(fakeToken(t, OIDSM3, s.Value), s.TimeStampToken); diff != "" {
					t.Errorf("token mismatch:\n%s", diff)
				}
			}
			if !sm2.VerifyASN1WithSM2(&p.signer.key.PublicKey, nil, s.TBS, s.Value) {
				t.Error("the signer's signature is not over TBS_Sign")
			}
			if err := s.Verify(doc); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

func TestMakeSealRefuses(t *testing.T) {
	p := newPKI(t)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		edit    func(*SealInfo)
		signer  crypto.Signer
		cert    []byte
		field   string      // the errs.Field expected, or
		wantErr *errs.Error // the sentinel expected
	}{
		{name: "no id", edit: func(i *SealInfo) { i.ID = "" }, field: "id"},
		{name: "id not ASCII", edit: func(i *SealInfo) { i.ID = "印章1" }, field: "id"},
		{name: "no vendor", edit: func(i *SealInfo) { i.Vendor = "" }, field: "vendor"},
		{name: "no type", edit: func(i *SealInfo) { i.Type = 0 }, field: "type"},
		{name: "blank name", edit: func(i *SealInfo) { i.Name = "  " }, field: "name"},
		{name: "name not UTF-8", edit: func(i *SealInfo) { i.Name = "\xff" }, field: "name"},
		{name: "no signers", edit: func(i *SealInfo) { i.Certificates = nil }, field: "certificates"},
		{name: "certificates and digests", edit: func(i *SealInfo) { i.CertDigests = []CertDigest{SM3CertDigest(p.signer.cert)} }, field: "certificates"},
		{name: "unreadable certificate", edit: func(i *SealInfo) { i.Certificates = [][]byte{[]byte("not a certificate")} }, field: ""},
		{name: "digest without type", edit: func(i *SealInfo) { i.Certificates, i.CertDigests = nil, []CertDigest{{Value: []byte{1}}} }, field: "cert_digests"},
		{name: "no creation time", edit: func(i *SealInfo) { i.Created = time.Time{} }, field: "created"},
		{name: "validity inverted", edit: func(i *SealInfo) { i.ValidTo = i.ValidFrom.Add(-time.Second) }, field: "valid_to"},
		{name: "validity empty", edit: func(i *SealInfo) { i.ValidTo = i.ValidFrom.Add(time.Millisecond) }, field: "valid_to"},
		{name: "year 10000", edit: func(i *SealInfo) { i.ValidTo = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, field: "valid_to"},
		{name: "picture type", edit: func(i *SealInfo) { i.PictureType = "png" }, field: "picture_type"},
		{name: "no picture", edit: func(i *SealInfo) { i.Picture = nil }, field: "picture"},
		{name: "no size", edit: func(i *SealInfo) { i.HeightMM = 0 }, field: "width_mm"},
		{name: "bad extension id", edit: func(i *SealInfo) { i.Extensions = []Extension{{ID: asn1.ObjectIdentifier{7}}} }, field: "extensions"},
		{name: "maker not SM2", signer: ecKey, wantErr: ErrNotSM2},
		{name: "maker key is not the certificate's", cert: p.signer.cert, wantErr: ErrKeyMismatch},
		{name: "maker certificate unreadable", cert: []byte{0x30, 0}, wantErr: ErrMalformed},
		{name: "no maker", signer: (*sm2.PrivateKey)(nil), wantErr: ErrNotSM2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info := p.sealInfo()
			if tc.edit != nil {
				tc.edit(&info)
			}
			signer, cert := crypto.Signer(p.maker.key), p.maker.cert
			if tc.signer != nil {
				signer = tc.signer
				if k, ok := tc.signer.(*sm2.PrivateKey); ok && k == nil {
					signer = nil
				}
			}
			if tc.cert != nil {
				cert = tc.cert
			}
			_, err := MakeSeal(info, signer, cert)
			if err == nil {
				t.Fatal("MakeSeal accepted it")
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("err = %v, want %s", err, tc.wantErr.Message)
				}
				return
			}
			if pe := errs.Public(err); pe.Kind != errs.Invalid || pe.Field != tc.field || !i18n.Has(pe.Message) {
				t.Errorf("err = %v (field %q, message %q), want invalid field %q with a known message", err, pe.Field, pe.Message, tc.field)
			}
		})
	}
}

func TestSignDocumentRefuses(t *testing.T) {
	p := newPKI(t)
	sealDER := p.makeSeal(t, p.sealInfo())
	critical := p.sealInfo()
	critical.Extensions = []Extension{{ID: asn1.ObjectIdentifier{1, 2, 3}, Critical: true}}
	criticalSeal := p.makeSeal(t, critical)
	d := decode(t, p.sign(t, sealDER, []byte("x"), SignOptions{Time: now, Property: "all"}))
	d.info.Picture.Data = []byte("another picture")
	tampered := decode(t, d.encode(t, nil, nil)).tbs.ESeal.FullBytes
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	good := SignOptions{Time: now, Property: "/Doc_0/Signs/Sign_0/Signature.xml"}
	for _, tc := range []struct {
		name    string
		seal    []byte
		signer  crypto.Signer
		cert    []byte
		opt     func(*SignOptions)
		field   string
		wantErr error
	}{
		{name: "signer not on the seal", signer: p.outsider.key, cert: p.outsider.cert, wantErr: ErrSignerNotOnSeal},
		{name: "signer not SM2", signer: ecKey, wantErr: ErrNotSM2},
		{name: "key is not the certificate's", signer: p.outsider.key, wantErr: ErrKeyMismatch},
		{name: "before the seal is valid", opt: func(o *SignOptions) { o.Time = now.Add(-2 * time.Hour) }, wantErr: ErrSealNotInForce},
		{name: "after the seal expired", opt: func(o *SignOptions) { o.Time = now.AddDate(3, 0, 1) }, wantErr: ErrSealNotInForce},
		{name: "no property", opt: func(o *SignOptions) { o.Property = "" }, field: "property"},
		{name: "property not ASCII", opt: func(o *SignOptions) { o.Property = "第一页" }, field: "property"},
		{name: "bad extension", opt: func(o *SignOptions) { o.Extensions = []Extension{{}} }, field: "extensions"},
		{name: "tampered seal", seal: tampered, wantErr: ErrSealSignature},
		{name: "not a seal", seal: []byte("seal"), wantErr: ErrMalformed},
		{name: "seal with a critical extension", seal: criticalSeal, wantErr: ErrCriticalExtension},
		{name: "token over something else", opt: func(o *SignOptions) {
			o.Timestamp = func([]byte) ([]byte, error) { return fakeToken(t, OIDSM3, []byte("other")), nil }
		}, wantErr: ErrTimestamp},
		{name: "token with an unknown imprint algorithm", opt: func(o *SignOptions) {
			o.Timestamp = func(sig []byte) ([]byte, error) { return fakeToken(t, asn1.ObjectIdentifier{1, 2, 3}, sig), nil }
		}, wantErr: ErrTimestamp},
		{name: "token not CMS", opt: func(o *SignOptions) {
			o.Timestamp = func([]byte) ([]byte, error) { return []byte{0x30, 0x00}, nil }
		}, wantErr: ErrTimestamp},
		{name: "time-stamp authority down", opt: func(o *SignOptions) {
			o.Timestamp = func([]byte) ([]byte, error) { return nil, errTSADown }
		}, wantErr: errTSADown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seal, signer, cert, opt := sealDER, crypto.Signer(p.signer.key), p.signer.cert, good
			if tc.seal != nil {
				seal = tc.seal
			}
			if tc.signer != nil {
				signer = tc.signer
			}
			if tc.cert != nil {
				cert = tc.cert
			}
			if tc.opt != nil {
				tc.opt(&opt)
			}
			_, err := SignDocument(seal, []byte("document"), signer, cert, opt)
			if err == nil {
				t.Fatal("SignDocument accepted it")
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if pe := errs.Public(err); pe.Field != tc.field || !i18n.Has(pe.Message) {
				t.Errorf("err = %v, want field %q with a known message", err, tc.field)
			}
		})
	}
}

var errTSADown = errors.New("tsa: connection refused")

func TestSignDocumentDefaultsTimeToNow(t *testing.T) {
	p := newPKI(t)
	info := p.sealInfo()
	info.ValidFrom, info.ValidTo = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	before := time.Now().Truncate(time.Second)
	s, err := ParseSignature(p.sign(t, p.makeSeal(t, info), nil, SignOptions{Property: "all"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Time.Before(before) || s.Time.After(time.Now()) {
		t.Errorf("Time = %s, want about now", s.Time)
	}
}

// sealVariant re-encodes a valid seal after edit; the maker's signature is left as it was, since
// ParseSeal must refuse the result before any signature is looked at.
func sealVariant(t *testing.T, der []byte, edit func(*wireSeal, *wireSealInfo)) []byte {
	t.Helper()
	var w wireSeal
	var info wireSealInfo
	mustUnmarshal(t, der, &w)
	mustUnmarshal(t, w.SealInfo.FullBytes, &info)
	orig := w.SealInfo.FullBytes
	edit(&w, &info)
	if bytes.Equal(w.SealInfo.FullBytes, orig) { // the edit was to info, not to the raw bytes
		w.SealInfo = asn1.RawValue{FullBytes: mustMarshal(t, info)}
	}
	return mustMarshal(t, w)
}

// withExtraElement appends an INTEGER inside the SEQUENCE der.
func withExtraElement(t *testing.T, der []byte) []byte {
	t.Helper()
	var raw asn1.RawValue
	mustUnmarshal(t, der, &raw)
	return mustMarshal(t, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true,
		Bytes: append(bytes.Clone(raw.Bytes), 0x02, 0x01, 0x00)})
}

func rawTime(t *testing.T, tag int, s string) asn1.RawValue {
	t.Helper()
	return asn1.RawValue{FullBytes: mustMarshal(t, asn1.RawValue{Class: asn1.ClassUniversal, Tag: tag, Bytes: []byte(s)})}
}

func TestParseSealStrict(t *testing.T) {
	p := newPKI(t)
	der := p.makeSeal(t, p.sealInfo())
	variant := func(edit func(*wireSeal, *wireSealInfo)) []byte { return sealVariant(t, der, edit) }
	for _, tc := range []struct {
		name string
		der  []byte
	}{
		{"empty", nil},
		{"trailing byte", append(bytes.Clone(der), 0)},
		{"trailing seal", append(bytes.Clone(der), der...)},
		{"header id", variant(func(_ *wireSeal, i *wireSealInfo) { i.Header.ID = "EX" })},
		{"header version 2", variant(func(_ *wireSeal, i *wireSealInfo) { i.Header.Version = 2 })},
		{"header version 5", variant(func(_ *wireSeal, i *wireSealInfo) { i.Header.Version = 5 })},
		{"empty esID", variant(func(_ *wireSeal, i *wireSealInfo) { i.ESID = "" })},
		{"UTCTime", variant(func(_ *wireSeal, i *wireSealInfo) {
			i.Property.CreateDate = rawTime(t, asn1.TagUTCTime, "260501103000Z")
		})},
		{"time with an offset", variant(func(_ *wireSeal, i *wireSealInfo) {
			i.Property.ValidStart = rawTime(t, asn1.TagGeneralizedTime, "20260501183000+0800")
		})},
		{"time with a trailing zero", variant(func(_ *wireSeal, i *wireSealInfo) {
			i.Property.ValidStart = rawTime(t, asn1.TagGeneralizedTime, "20260501103000.50Z")
		})},
		{"time not a time", variant(func(_ *wireSeal, i *wireSealInfo) {
			i.Property.ValidEnd = rawTime(t, asn1.TagGeneralizedTime, "2026XX01000000Z")
		})},
		{"validity inverted", variant(func(_ *wireSeal, i *wireSealInfo) {
			i.Property.ValidStart, i.Property.ValidEnd = i.Property.ValidEnd, i.Property.ValidStart
		})},
		{"certListType 3", variant(func(_ *wireSeal, i *wireSealInfo) { i.Property.CertListType = 3 })},
		{"certListType 2 over certificates", variant(func(_ *wireSeal, i *wireSealInfo) { i.Property.CertListType = 2 })},
		{"empty certList", variant(func(_ *wireSeal, i *wireSealInfo) {
			i.Property.CertList = asn1.RawValue{FullBytes: []byte{0x30, 0x00}}
		})},
		{"certList not a SEQUENCE", variant(func(_ *wireSeal, i *wireSealInfo) {
			i.Property.CertList = asn1.RawValue{FullBytes: []byte{0x04, 0x00}}
		})},
		{"no picture", variant(func(_ *wireSeal, i *wireSealInfo) { i.Picture.Data = nil })},
		{"negative width", variant(func(_ *wireSeal, i *wireSealInfo) { i.Picture.Width = -1 })},
		{"extra element in SES_SealInfo", variant(func(w *wireSeal, _ *wireSealInfo) {
			w.SealInfo = asn1.RawValue{FullBytes: withExtraElement(t, w.SealInfo.FullBytes)}
		})},
		{"extra element in SESeal", withExtraElement(t, der)},
		{"critical FALSE written out (not DER)", variant(func(w *wireSeal, i *wireSealInfo) {
			type explicitFalse struct {
				ID       asn1.ObjectIdentifier
				Critical bool // no "optional": FALSE is written, which DER forbids for a DEFAULT
				Value    []byte
			}
			w.SealInfo = asn1.RawValue{FullBytes: mustMarshal(t, struct {
				Header   wireHeader
				ESID     string `asn1:"ia5"`
				Property wireProperty
				Picture  wirePicture
				ExtDatas []explicitFalse
			}{i.Header, i.ESID, i.Property, i.Picture, []explicitFalse{{ID: asn1.ObjectIdentifier{1, 2, 3}, Value: []byte{1}}}})}
		})},
		{"extDatas tagged [0]", variant(func(w *wireSeal, i *wireSealInfo) {
			type tagged struct {
				Header   wireHeader
				ESID     string `asn1:"ia5"`
				Property wireProperty
				Picture  wirePicture
				ExtDatas []wireExtension `asn1:"explicit,tag:0"`
			}
			w.SealInfo = asn1.RawValue{FullBytes: mustMarshal(t, tagged{i.Header, i.ESID, i.Property, i.Picture,
				[]wireExtension{{ID: asn1.ObjectIdentifier{1, 2, 3}, Value: []byte{1}}}})}
		})},
		{"signature with unused bits", variant(func(w *wireSeal, _ *wireSealInfo) {
			w.SignedValue.BitLength -= 4
			w.SignedValue.Bytes[len(w.SignedValue.Bytes)-1] &= 0xf0
		})},
		{"no maker certificate", variant(func(w *wireSeal, _ *wireSealInfo) { w.Cert = nil })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSeal(tc.der)
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("ParseSeal = %v, want ErrMalformed", err)
			}
			t.Log(err)
		})
	}
	t.Run("every truncation", func(t *testing.T) {
		for n := range len(der) {
			if _, err := ParseSeal(der[:n]); !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseSeal(first %d of %d bytes) = %v, want ErrMalformed", n, len(der), err)
			}
		}
	})
	t.Run("the untouched seal parses", func(t *testing.T) {
		if _, err := ParseSeal(variant(func(*wireSeal, *wireSealInfo) {})); err != nil {
			t.Errorf("ParseSeal: %v", err)
		}
	})
}

func TestParseSignatureStrict(t *testing.T) {
	p := newPKI(t)
	sealDER := p.makeSeal(t, p.sealInfo())
	der := p.sign(t, sealDER, []byte("doc"), SignOptions{Time: now, Property: "all",
		Timestamp: func(sig []byte) ([]byte, error) { return fakeToken(t, OIDSM3, sig), nil }})
	variant := func(edit func(*decoded)) []byte {
		d := decode(t, der)
		edit(d)
		return d.encode(t, nil, nil)
	}
	for _, tc := range []struct {
		name string
		der  []byte
	}{
		{"empty", nil},
		{"trailing byte", append(bytes.Clone(der), 0)},
		{"the seal alone", sealDER},
		{"TBS version 1", variant(func(d *decoded) { d.tbs.Version = 1 })},
		{"seal header version 3", variant(func(d *decoded) { d.info.Header.Version = 3 })},
		{"timeInfo UTCTime", variant(func(d *decoded) { d.tbs.TimeInfo = rawTime(t, asn1.TagUTCTime, "260501103000Z") })},
		{"empty propertyInfo", variant(func(d *decoded) { d.tbs.PropertyInfo = "" })},
		{"empty dataHash", variant(func(d *decoded) { d.tbs.DataHash = asn1.BitString{Bytes: []byte{}} })},
		{"empty signature", variant(func(d *decoded) { d.sig.Signature = asn1.BitString{Bytes: []byte{}} })},
		{"empty timeStamp", variant(func(d *decoded) { d.sig.TimeStamp = asn1.BitString{Bytes: []byte{}} })},
		{"no signer certificate", variant(func(d *decoded) { d.sig.Cert = nil })},
		{"extra element in TBS_Sign", func() []byte {
			d := decode(t, der)
			d.sig.ToSign = asn1.RawValue{FullBytes: withExtraElement(t, d.sig.ToSign.FullBytes)}
			return mustMarshal(t, d.sig)
		}()},
		{"extra element in SES_Signature", withExtraElement(t, der)},
		{"timeStamp tagged [1]", func() []byte {
			d := decode(t, der)
			return mustMarshal(t, struct {
				ToSign         asn1.RawValue
				Cert           []byte
				SignatureAlgID asn1.ObjectIdentifier
				Signature      asn1.BitString
				TimeStamp      asn1.BitString `asn1:"explicit,tag:1"`
			}{d.sig.ToSign, d.sig.Cert, d.sig.SignatureAlgID, d.sig.Signature, d.sig.TimeStamp})
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSignature(tc.der)
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("ParseSignature = %v, want ErrMalformed", err)
			}
			t.Log(err)
		})
	}
	t.Run("every truncation", func(t *testing.T) {
		for n := range len(der) {
			if _, err := ParseSignature(der[:n]); !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseSignature(first %d of %d bytes) = %v, want ErrMalformed", n, len(der), err)
			}
		}
	})
}

func TestVerifyDetects(t *testing.T) {
	p := newPKI(t)
	doc := []byte("关于印发《数字福建建设2021年工作要点》的通知")
	sealDER := p.makeSeal(t, p.sealInfo())
	der := p.sign(t, sealDER, doc, SignOptions{Time: now, Property: "/Doc_0/Signs/Sign_0/Signature.xml",
		Timestamp: func(sig []byte) ([]byte, error) { return fakeToken(t, OIDSM3, sig), nil }})
	// tamper re-encodes der after edit; resealBy and resignBy sign the changed parts again.
	tamper := func(edit func(*decoded), resealBy, resignBy *party) []byte {
		d := decode(t, der)
		edit(d)
		return d.encode(t, resealBy, resignBy)
	}
	for _, tc := range []struct {
		name string
		der  []byte
		doc  []byte
		want []*errs.Error // in the order Verify reports them
	}{
		{name: "intact", der: der, doc: doc},
		{name: "document changed", der: der, doc: append(bytes.Clone(doc), ' '), want: []*errs.Error{ErrDocumentChanged}},
		{name: "empty document", der: der, doc: nil, want: []*errs.Error{ErrDocumentChanged}},
		{name: "property changed", der: tamper(func(d *decoded) { d.tbs.PropertyInfo = "/Doc_0/Pages/Page_1" }, nil, nil),
			doc: doc, want: []*errs.Error{ErrBadSignature}},
		{name: "signing time changed", der: tamper(func(d *decoded) { d.tbs.TimeInfo = mustTime(t, now.Add(time.Hour)) }, nil, nil),
			doc: doc, want: []*errs.Error{ErrBadSignature}},
		{name: "signer certificate swapped for one not on the seal", der: tamper(func(d *decoded) { d.sig.Cert = p.outsider.cert }, nil, nil),
			doc: doc, want: []*errs.Error{ErrBadSignature, ErrSignerNotOnSeal}},
		{name: "someone not on the seal signs with it", der: tamper(func(*decoded) {}, nil, &p.outsider),
			doc: doc, want: []*errs.Error{ErrSignerNotOnSeal, ErrTimestamp}},
		{name: "outsider adds himself to the seal", der: tamper(func(d *decoded) {
			var certs [][]byte
			mustUnmarshal(t, d.info.Property.CertList.FullBytes, &certs)
			d.info.Property.CertList = asn1.RawValue{FullBytes: mustMarshal(t, append(certs, p.outsider.cert))}
		}, nil, &p.outsider), doc: doc, want: []*errs.Error{ErrSealSignature, ErrTimestamp}},
		{name: "maker signature tampered, TBS signed again", der: tamper(func(d *decoded) {
			d.seal.SignedValue.Bytes = bytes.Clone(d.seal.SignedValue.Bytes)
			d.seal.SignedValue.Bytes[10] ^= 1
		}, nil, &p.signer), doc: doc, want: []*errs.Error{ErrSealSignature, ErrTimestamp}},
		{name: "picture tampered, TBS signed again", der: tamper(func(d *decoded) {
			d.info.Picture.Data = append(bytes.Clone(d.info.Picture.Data), 0)
		}, nil, &p.signer), doc: doc, want: []*errs.Error{ErrSealSignature, ErrTimestamp}},
		{name: "picture tampered", der: tamper(func(d *decoded) {
			d.info.Picture.Data = bytes.Clone(d.info.Picture.Data)
			d.info.Picture.Data[40] ^= 0xff
		}, nil, nil), doc: doc, want: []*errs.Error{ErrBadSignature, ErrSealSignature}},
		{name: "seal validity stretched", der: tamper(func(d *decoded) {
			d.info.Property.ValidEnd = mustTime(t, now.AddDate(30, 0, 0))
		}, nil, nil), doc: doc, want: []*errs.Error{ErrBadSignature, ErrSealSignature}},
		{name: "signed outside the seal's validity", der: tamper(func(d *decoded) {
			d.tbs.TimeInfo = mustTime(t, now.AddDate(4, 0, 0))
			d.sig.TimeStamp = asn1.BitString{}
		}, nil, &p.signer), doc: doc, want: []*errs.Error{ErrSealNotInForce}},
		{name: "critical extension in TBS_Sign", der: tamper(func(d *decoded) {
			d.tbs.ExtDatas = []wireExtension{{ID: asn1.ObjectIdentifier{1, 2, 3}, Critical: true, Value: []byte{1}}}
			d.sig.TimeStamp = asn1.BitString{}
		}, nil, &p.signer), doc: doc, want: []*errs.Error{ErrCriticalExtension}},
		{name: "critical extension in the seal", der: tamper(func(d *decoded) {
			d.info.ExtDatas = []wireExtension{{ID: asn1.ObjectIdentifier{1, 2, 3}, Critical: true, Value: []byte{1}}}
			d.sig.TimeStamp = asn1.BitString{}
		}, &p.maker, &p.signer), doc: doc, want: []*errs.Error{ErrCriticalExtension}},
		{name: "time-stamp token of another signature", der: tamper(func(d *decoded) {
			d.sig.TimeStamp = bits(fakeToken(t, OIDSM3, []byte("another signature")))
		}, nil, nil), doc: doc, want: []*errs.Error{ErrTimestamp}},
		{name: "not SM2 with SM3", der: tamper(func(d *decoded) {
			d.sig.SignatureAlgID = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
		}, nil, nil), doc: doc, want: []*errs.Error{ErrNotSM2}},
		{name: "seal not SM2 with SM3", der: tamper(func(d *decoded) {
			d.seal.SignAlgID = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
		}, nil, &p.signer), doc: doc, want: []*errs.Error{ErrNotSM2, ErrTimestamp}},
		{name: "signer certificate unreadable", der: tamper(func(d *decoded) { d.sig.Cert = []byte{0x30, 0x00} }, nil, nil),
			doc: doc, want: []*errs.Error{ErrMalformed}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSignature(tc.der)
			if err != nil {
				t.Fatalf("ParseSignature: %v", err)
			}
			err = s.Verify(tc.doc)
			var got []string
			for _, e := range sentinels {
				if errors.Is(err, e) {
					got = append(got, e.Message)
				}
			}
			var want []string
			for _, e := range tc.want {
				want = append(want, e.Message)
			}
			if diff := cmp.Diff(sortedCopy(want), got); diff != "" {
				t.Errorf("Verify = %v\nfailures mismatch (-want +got):\n%s", err, diff)
			}
			if len(tc.want) > 0 && errs.Public(err).Message != tc.want[0].Message {
				t.Errorf("errs.Public(err) = %q, want the first failure %q", errs.Public(err).Message, tc.want[0].Message)
			}
		})
	}
}

// sortedCopy orders messages as sentinels lists them, the order the test collects them in.
func sortedCopy(msgs []string) []string {
	var out []string
	for _, e := range sentinels {
		for _, m := range msgs {
			if m == e.Message {
				out = append(out, m)
			}
		}
	}
	return out
}

func mustTime(t *testing.T, tm time.Time) asn1.RawValue {
	t.Helper()
	r, err := marshalTime(tm)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestVerifyMakerDetects(t *testing.T) {
	p := newPKI(t)
	der := p.makeSeal(t, p.sealInfo())
	for _, tc := range []struct {
		name string
		der  []byte
		want error
	}{
		{"intact", der, nil},
		{"name changed", sealVariant(t, der, func(_ *wireSeal, i *wireSealInfo) { i.Property.Name = "伪造的印章" }), ErrSealSignature},
		{"picture changed", sealVariant(t, der, func(_ *wireSeal, i *wireSealInfo) { i.Picture.Width = 40 }), ErrSealSignature},
		{"signer added", sealVariant(t, der, func(_ *wireSeal, i *wireSealInfo) {
			i.Property.CertList = asn1.RawValue{FullBytes: mustMarshal(t, [][]byte{p.signer.cert, p.outsider.cert})}
		}), ErrSealSignature},
		{"maker certificate swapped", sealVariant(t, der, func(w *wireSeal, _ *wireSealInfo) { w.Cert = p.outsider.cert }), ErrSealSignature},
		{"maker certificate unreadable", sealVariant(t, der, func(w *wireSeal, _ *wireSealInfo) { w.Cert = []byte{1} }), ErrMalformed},
		{"signature value not DER", sealVariant(t, der, func(w *wireSeal, _ *wireSealInfo) { w.SignedValue = bits([]byte{1, 2, 3}) }), ErrSealSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSeal(tc.der)
			if err != nil {
				t.Fatalf("ParseSeal: %v", err)
			}
			if err := s.VerifyMaker(); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("VerifyMaker = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestHasSigner(t *testing.T) {
	p := newPKI(t)
	sum := SM3CertDigest(p.signer.cert).Value
	for _, tc := range []struct {
		name   string
		digest CertDigest
		want   bool
	}{
		{"SM3", CertDigest{"SM3", sum}, true},
		{"sm3", CertDigest{"sm3", sum}, true},
		{"SM3 by OID", CertDigest{"1.2.156.10197.1.401", sum}, true},
		{"unknown type", CertDigest{"SHA256", sum}, false},
		{"another certificate", SM3CertDigest(p.outsider.cert), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Seal{Info: SealInfo{CertDigests: []CertDigest{tc.digest}}}
			if got := s.HasSigner(p.signer.cert); got != tc.want {
				t.Errorf("HasSigner = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTimestampImprint(t *testing.T) {
	sig := []byte("signature value")
	for _, alg := range []asn1.ObjectIdentifier{OIDSM3, oidSHA256} {
		if err := checkTimestamp(fakeToken(t, alg, sig), sig); err != nil {
			t.Errorf("imprint %s: %v", alg, err)
		}
	}
	for _, bad := range [][]byte{nil, {0x30, 0x00}, append(fakeToken(t, OIDSM3, sig), 0), fakeToken(t, oidSHA256, []byte("other"))} {
		if err := checkTimestamp(bad, sig); !errors.Is(err, ErrTimestamp) {
			t.Errorf("checkTimestamp(%x) = %v, want ErrTimestamp", bad, err)
		}
	}
}

func TestMessagesExist(t *testing.T) {
	for _, e := range sentinels {
		if !i18n.Has(e.Message) || !strings.HasPrefix(e.Message, "ses.error.") {
			t.Errorf("sentinel message %q is not in internal/i18n/messages/ses.toml", e.Message)
		}
	}
}
