package identity_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/identity"
)

// foreignCard returns a 2023-format Foreign Permanent Resident ID number: 9, the issuing
// province (35, Fujian), the nationality (840), the birth date, a sequence and the MOD 11-2
// check character.
func foreignCard(first17 string) string {
	c, err := idcode.ResidentIDCheck(first17)
	if err != nil {
		panic(err)
	}
	return first17 + string(c)
}

// withBadCheck replaces the last character of a number by another check character.
func withBadCheck(n string) string {
	last := n[len(n)-1]
	bad := byte('0')
	if last == '0' {
		bad = '1'
	}
	return n[:len(n)-1] + string(bad)
}

func TestValidateDocument(t *testing.T) {
	born := time.Date(1990, 1, 1, 0, 0, 0, 0, clock.China)
	fuzhou := idcode.NewResidentID("350102", born, 123)    // 鼓楼区, 福州市
	xiamen := idcode.NewResidentID("350203", born, 456)    // 思明区, 厦门市
	pingtan := idcode.NewResidentID("350128", born, 7)     // 平潭县
	taiwanese := idcode.NewResidentID("830000", born, 321) // residence permit of a Taiwan resident
	newCard := foreignCard("93584019900101001")
	var withX string // a number whose check character is X
	for seq := 0; withX == ""; seq++ {
		if n := idcode.NewResidentID("350583", born, seq); n[17] == 'X' { // 南安市, 泉州市
			withX = n
		}
	}
	for _, tc := range []struct {
		name   string
		typ    identity.DocumentType
		in     string
		want   string // the normalised number; "" when refused
		reason string // the message key of the refusal
	}{
		{"resident ID, Fuzhou", identity.ResidentID, fuzhou, fuzhou, ""},
		{"resident ID, Xiamen, typed with spaces", identity.ResidentID, xiamen[:6] + " " + xiamen[6:14] + " " + xiamen[14:], xiamen, ""},
		{"resident ID, Pingtan", identity.ResidentID, pingtan, pingtan, ""},
		{"resident ID ending in X, typed lower-case", identity.ResidentID, strings.ToLower(withX), withX, ""},
		{"residence permit of a Taiwan resident", identity.ResidentID, taiwanese, taiwanese, ""},
		{"resident ID, bad check digit", identity.ResidentID, withBadCheck(fuzhou), "", "idcode.error.resident_check_mismatch"},
		{"resident ID, 17 characters", identity.ResidentID, fuzhou[:17], "", "idcode.error.resident_length"},
		{"resident ID, no such province", identity.ResidentID, foreignCard("99010219900101123"), "", "idcode.error.resident_province"},
		{"resident ID, 30 February", identity.ResidentID, foreignCard("35010219900230123"), "", "idcode.error.birth_day"},
		{"Hong Kong permit, 8 digits", identity.HKMacaoPermit, "H12345678", "H12345678", ""},
		{"Hong Kong permit, 10 digits", identity.HKMacaoPermit, "h1234567801", "H1234567801", ""},
		{"Macao permit", identity.HKMacaoPermit, "M87654321", "M87654321", ""},
		{"HK permit, 9 digits", identity.HKMacaoPermit, "H123456789", "", "identity.error.document_number.hk_macao_permit"},
		{"HK permit, wrong letter", identity.HKMacaoPermit, "K12345678", "", "identity.error.document_number.hk_macao_permit"},
		{"HK permit, no letter", identity.HKMacaoPermit, "12345678", "", "identity.error.document_number.hk_macao_permit"},
		{"Taiwan permit", identity.TaiwanPermit, "12345678", "12345678", ""},
		{"Taiwan permit with a hyphen", identity.TaiwanPermit, "1234-5678", "12345678", ""},
		{"Taiwan permit, 7 digits", identity.TaiwanPermit, "1234567", "", "identity.error.document_number.taiwan_permit"},
		{"Taiwan permit, 9 digits", identity.TaiwanPermit, "123456789", "", "identity.error.document_number.taiwan_permit"},
		{"Taiwan permit, a letter", identity.TaiwanPermit, "T1234567", "", "identity.error.document_number.taiwan_permit"},
		{"foreign card 2023", identity.ForeignPermanentResident, newCard, newCard, ""},
		{"foreign card 2023, bad check", identity.ForeignPermanentResident, withBadCheck(newCard), "", "identity.error.document_number.foreign_permanent_resident"},
		{"foreign card 2023, not starting with 9", identity.ForeignPermanentResident, fuzhou, "", "identity.error.document_number.foreign_permanent_resident"},
		{"foreign card 2017", identity.ForeignPermanentResident, "USA350090010101", "USA350090010101", ""},
		{"foreign card 2017, lower case", identity.ForeignPermanentResident, "usa350090010101", "USA350090010101", ""},
		{"foreign card 2017, 11 digits", identity.ForeignPermanentResident, "USA35009001010", "", "identity.error.document_number.foreign_permanent_resident"},
		{"passport", identity.Passport, "GBR:123456789", "GBR:123456789", ""},
		{"passport, lower case", identity.Passport, "deu:c01x00t47", "DEU:C01X00T47", ""},
		{"passport without country", identity.Passport, "123456789", "", "identity.error.document_number.passport"},
		{"passport, two-letter country", identity.Passport, "GB:123456789", "", "identity.error.document_number.passport"},
		{"passport, number too short", identity.Passport, "GBR:1234", "", "identity.error.document_number.passport"},
		{"passport, punctuation", identity.Passport, "GBR:1234/5678", "", "identity.error.document_number.passport"},
		{"unknown document type", "driving_licence", "12345678", "", "identity.error.document_type"},
		{"empty", identity.ResidentID, "", "", "idcode.error.resident_length"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := identity.ValidateDocument(tc.typ, tc.in)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ValidateDocument(%s, %q) mismatch (-want +got):\n%s", tc.typ, tc.in, diff)
			}
			if diff := cmp.Diff(tc.reason, message(err)); diff != "" {
				t.Errorf("ValidateDocument(%s, %q) refusal mismatch (-want +got):\n%s (err %v)", tc.typ, tc.in, diff, err)
			}
			if err != nil {
				wantField := "id_number"
				if tc.reason == "identity.error.document_type" {
					wantField = "id_type"
				}
				if kind(err) != errs.Invalid || field(err) != wantField {
					t.Errorf("error %v: kind %s field %q, want invalid on %q", err, kind(err), field(err), wantField)
				}
			}
		})
	}
}

func TestMasks(t *testing.T) {
	fuzhou := idcode.NewResidentID("350102", time.Date(1990, 1, 1, 0, 0, 0, 0, clock.China), 123)
	for _, tc := range []struct{ in, want string }{
		{fuzhou, "350102********" + fuzhou[14:]},
		{"H12345678", "*******78"},
		{"GBR:123456789", "***********89"},
		{"1234", "****"},
	} {
		if diff := cmp.Diff(tc.want, identity.MaskIDNumber(tc.in)); diff != "" {
			t.Errorf("MaskIDNumber(%q) mismatch (-want +got):\n%s", tc.in, diff)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"13959012345", "139****2345"},
		{"1234567", "*******"},
	} {
		if diff := cmp.Diff(tc.want, identity.MaskPhone(tc.in)); diff != "" {
			t.Errorf("MaskPhone(%q) mismatch (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct{ in, want, reason string }{
		{"13959012345", "13959012345", ""},
		{"+86 139 5901 2345", "13959012345", ""},
		{"0086-139-5901-2345", "13959012345", ""},
		{"12959012345", "", "identity.error.phone"},
		{"1395901234", "", "identity.error.phone"},
		{"059187654321", "", "identity.error.phone"},
		{"", "", "identity.error.phone"},
	} {
		got, err := identity.NormalizePhone(tc.in)
		if diff := cmp.Diff([]string{tc.want, tc.reason}, []string{got, message(err)}); diff != "" {
			t.Errorf("NormalizePhone(%q) mismatch (-want +got):\n%s", tc.in, diff)
		}
	}
}
