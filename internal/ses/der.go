package ses

import (
	"bytes"
	"encoding/asn1"
	"reflect"
	"strings"
	"time"
)

// Object identifiers of GB/T 33560.
var (
	// OIDSM2WithSM3 is the signature algorithm SM2 with SM3, the only one this package signs with
	// and accepts.
	OIDSM2WithSM3 = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 501}
	// OIDSM3 is the SM3 hash algorithm.
	OIDSM3 = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 401}
)

// Version is the format version this package writes and reads: 4, GB/T 38540-2020.
const Version = 4

// headerID is the fixed SES_Header.ID.
const headerID = "ES"

// The wire structures, field for field as the standard's ASN.1 (see the package comment). Times
// and the CHOICE are kept raw so that their encoding can be checked strictly.
type (
	wireHeader struct {
		ID      string `asn1:"ia5"`
		Version int
		Vid     string `asn1:"ia5"`
	}
	wireProperty struct {
		Type         int
		Name         string `asn1:"utf8"`
		CertListType int
		CertList     asn1.RawValue
		CreateDate   asn1.RawValue
		ValidStart   asn1.RawValue
		ValidEnd     asn1.RawValue
	}
	wireCertDigest struct {
		Type  string `asn1:"printable"`
		Value []byte
	}
	wirePicture struct {
		Type   string `asn1:"ia5"`
		Data   []byte
		Width  int
		Height int
	}
	wireExtension struct {
		ID       asn1.ObjectIdentifier
		Critical bool `asn1:"optional"` // DEFAULT FALSE: DER leaves FALSE out
		Value    []byte
	}
	wireSealInfo struct {
		Header   wireHeader
		ESID     string `asn1:"ia5"`
		Property wireProperty
		Picture  wirePicture
		ExtDatas []wireExtension `asn1:"optional"`
	}
	wireSeal struct {
		SealInfo    asn1.RawValue
		Cert        []byte
		SignAlgID   asn1.ObjectIdentifier
		SignedValue asn1.BitString
	}
	wireTBSSign struct {
		Version      int
		ESeal        asn1.RawValue
		TimeInfo     asn1.RawValue
		DataHash     asn1.BitString
		PropertyInfo string          `asn1:"ia5"`
		ExtDatas     []wireExtension `asn1:"optional,explicit,tag:0"`
	}
	wireSignature struct {
		ToSign         asn1.RawValue
		Cert           []byte
		SignatureAlgID asn1.ObjectIdentifier
		Signature      asn1.BitString
		TimeStamp      asn1.BitString `asn1:"optional,explicit,tag:0"`
	}
)

// unmarshalDER decodes der into *v and insists that der is exactly the DER encoding of the
// result. encoding/asn1 alone lets a SEQUENCE carry extra trailing elements and accepts a few
// non-canonical forms (an explicit DEFAULT FALSE); encoding again and comparing closes both.
// Fields kept as asn1.RawValue are compared as they came and must be checked by their own call.
func unmarshalDER(der []byte, v any, what string) error {
	rest, err := asn1.Unmarshal(der, v)
	if err != nil {
		return malformed("%s: %v", what, err)
	}
	if len(rest) != 0 {
		return malformed("%s: %d bytes after the end", what, len(rest))
	}
	again, err := asn1.Marshal(reflect.ValueOf(v).Elem().Interface())
	if err != nil || !bytes.Equal(again, der) {
		return malformed("%s: not DER", what)
	}
	return nil
}

// marshalTime encodes t as a GeneralizedTime in UTC, whole seconds.
func marshalTime(t time.Time) (asn1.RawValue, error) {
	b, err := asn1.MarshalWithParams(t.UTC().Truncate(time.Second), "generalized")
	if err != nil {
		return asn1.RawValue{}, err
	}
	return asn1.RawValue{FullBytes: b}, nil
}

// parseTime decodes a GeneralizedTime that DER allows: UTC ("Z"), no trailing zeros in a fraction.
// UTCTime, which encoding/asn1 would accept for a time.Time, is refused: v4 says GeneralizedTime.
func parseTime(raw asn1.RawValue, what string) (time.Time, error) {
	if raw.Class != asn1.ClassUniversal || raw.Tag != asn1.TagGeneralizedTime || raw.IsCompound {
		return time.Time{}, malformed("%s: not a GeneralizedTime", what)
	}
	if !strings.HasSuffix(string(raw.Bytes), "Z") {
		return time.Time{}, malformed("%s: not in UTC", what)
	}
	var t time.Time
	rest, err := asn1.UnmarshalWithParams(raw.FullBytes, &t, "generalized")
	if err != nil || len(rest) != 0 {
		return time.Time{}, malformed("%s: %v", what, err)
	}
	return t.UTC(), nil
}

// octets returns the bytes of a BIT STRING that must hold whole, at least one, octets.
func octets(b asn1.BitString, what string) ([]byte, error) {
	if b.BitLength == 0 || b.BitLength%8 != 0 {
		return nil, malformed("%s: %d bits, want whole octets", what, b.BitLength)
	}
	return b.Bytes, nil
}

// bits makes a BIT STRING of whole octets.
func bits(b []byte) asn1.BitString { return asn1.BitString{Bytes: b, BitLength: 8 * len(b)} }

// Extension is one ExtData of extDatas: the vendor's own field, identified by an OID.
type Extension struct {
	ID       asn1.ObjectIdentifier
	Critical bool
	Value    []byte
}

func toWireExtensions(exts []Extension) []wireExtension {
	if len(exts) == 0 {
		return nil
	}
	out := make([]wireExtension, len(exts))
	for i, e := range exts {
		out[i] = wireExtension{ID: e.ID, Critical: e.Critical, Value: e.Value}
	}
	return out
}

func fromWireExtensions(exts []wireExtension) []Extension {
	if len(exts) == 0 {
		return nil
	}
	out := make([]Extension, len(exts))
	for i, e := range exts {
		out[i] = Extension{ID: e.ID, Critical: e.Critical, Value: e.Value}
	}
	return out
}

// validExtensions reports whether every extension has an encodable OID.
func validExtensions(exts []Extension) bool {
	for _, e := range exts {
		if len(e.ID) < 2 || e.ID[0] > 2 || (e.ID[0] < 2 && e.ID[1] >= 40) {
			return false
		}
		for _, n := range e.ID {
			if n < 0 {
				return false
			}
		}
	}
	return true
}

// anyCritical returns the first critical extension's OID, or nil.
func anyCritical(exts []Extension) asn1.ObjectIdentifier {
	for _, e := range exts {
		if e.Critical {
			return e.ID
		}
	}
	return nil
}

// isASCII reports whether s is non-empty printable ASCII, the part of IA5String this package
// writes (IA5String would also allow control characters; nobody needs them in an id or scope).
func isASCII(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
