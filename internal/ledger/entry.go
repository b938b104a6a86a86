package ledger

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
)

// Type says what an entry records. Only the types below are accepted: a new kind of record is
// added here, with its message texts, so that auditors know every type they may meet.
type Type string

// The entry types.
const (
	TypeLicenceIssued    Type = "licence.issued"
	TypeLicenceChanged   Type = "licence.changed"
	TypeLicenceSuspended Type = "licence.suspended"
	TypeLicenceRevoked   Type = "licence.revoked"
	TypeLicenceExpired   Type = "licence.expired"
	TypeLicenceAnnotated Type = "licence.annotated"
	TypeCaseDecision     Type = "case.decision"
	TypeKeyCreated       Type = "key.created"
	TypeKeyRotated       Type = "key.rotated"
	TypeKeyRetired       Type = "key.retired"
	TypeCertIssued       Type = "cert.issued"
	TypeCertRevoked      Type = "cert.revoked"
	TypeSealCreated      Type = "seal.created"
	TypeSealRevoked      Type = "seal.revoked"
	TypeSignature        Type = "signature"
	TypeDataAccessGrant  Type = "data.access_grant"
	TypeNotarisation     Type = "notarisation"
	TypeDrawSeed         Type = "draw.seed"
	TypeTrustList        Type = "trustlist.published"
)

// Types lists every entry type.
var Types = []Type{
	TypeLicenceIssued, TypeLicenceChanged, TypeLicenceSuspended, TypeLicenceRevoked, TypeLicenceExpired,
	TypeLicenceAnnotated, TypeCaseDecision, TypeKeyCreated, TypeKeyRotated, TypeKeyRetired, TypeCertIssued, TypeCertRevoked,
	TypeSealCreated, TypeSealRevoked, TypeSignature, TypeDataAccessGrant, TypeNotarisation, TypeDrawSeed,
	TypeTrustList,
}

// Valid reports whether t is one of the entry types.
func (t Type) Valid() bool {
	for _, k := range Types {
		if k == t {
			return true
		}
	}
	return false
}

// Entry is one record of the log. It names what happened and carries a digest of the document
// or data concerned, never the personal data itself.
type Entry struct {
	// Index is the entry's position in the log, assigned on append.
	Index int64 `json:"index"`
	Type  Type  `json:"type"`
	// Digest is "sha256:<64 hex>" or "sm3:<64 hex>", lower-case.
	Digest string `json:"digest"`
	// Org is the organisation code of the submitter, "" for the platform itself.
	Org string `json:"org"`
	// Subject is a non-personal reference: a licence identifier, case number, key id,
	// certificate serial… Strings that hold a resident ID number or a mobile number are refused.
	Subject string `json:"subject"`
	// Time is the time of the transaction that appended the entry, UTC, whole microseconds.
	Time time.Time `json:"time"`
}

// Limits of an entry's free-text fields, in characters.
const (
	MaxOrgLen     = 64
	MaxSubjectLen = 256
)

// LeafVersion is the version of the canonical leaf encoding written today.
const LeafVersion = 1

// leafHeader opens every version-1 leaf.
const leafHeader = "yiwang.ledger.entry/v1"

// NormaliseEntry validates the fields of e that its submitter chooses (type, digest, org,
// subject) as appending does, and returns e with its digest in lower case. Every failure is an
// errs.Invalid error naming the field.
func NormaliseEntry(e Entry) (Entry, error) { return normalise(e) }

// normalise validates e's caller-supplied fields and returns it with its digest in lower case.
// Index and Time are not looked at: append assigns them.
func normalise(e Entry) (Entry, error) {
	if !e.Type.Valid() {
		return e, &errs.Error{Kind: errs.Invalid, Field: "type", Message: "ledger.error.bad_type", Args: []any{string(e.Type)}}
	}
	d, err := NormaliseDigest(e.Digest)
	if err != nil {
		return e, err
	}
	e.Digest = d
	if err := checkText("org", e.Org, MaxOrgLen); err != nil {
		return e, err
	}
	if e.Org != "" && strings.ContainsFunc(e.Org, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) {
		return e, errs.Field("org", "ledger.error.bad_org")
	}
	if err := checkText("subject", e.Subject, MaxSubjectLen); err != nil {
		return e, err
	}
	if err := checkPersonal(e.Subject); err != nil {
		return e, err
	}
	return e, nil
}

// NormaliseDigest checks that d is "sha256:" or "sm3:" followed by 64 hexadecimal digits and
// returns it in lower case. Every failure is an errs.Invalid error on the field "digest".
func NormaliseDigest(d string) (string, error) {
	alg, hexPart, ok := strings.Cut(strings.TrimSpace(d), ":")
	alg = strings.ToLower(alg)
	if !ok || (alg != "sha256" && alg != "sm3") {
		return "", errs.Field("digest", "ledger.error.digest_algorithm")
	}
	if len(hexPart) != 64 {
		return "", errs.Field("digest", "ledger.error.digest_length", len(hexPart))
	}
	if _, err := hex.DecodeString(hexPart); err != nil {
		return "", errs.Field("digest", "ledger.error.digest_hex")
	}
	return alg + ":" + strings.ToLower(hexPart), nil
}

// checkText refuses invalid UTF-8, control characters, leading or trailing space and texts
// longer than max characters.
func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return errs.Field(field, "ledger.error.text_encoding")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return errs.Field(field, "ledger.error.text_length", max, n)
	}
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }) {
		return errs.Field(field, "ledger.error.text_control")
	}
	if strings.TrimSpace(s) != s {
		return errs.Field(field, "ledger.error.text_space")
	}
	return nil
}

// checkPersonal refuses a subject that holds what looks like a resident ID number (an
// 18-character run that idcode accepts, or would accept but for its check character) or a
// mainland mobile number (an 11-digit run 1[3-9]…, also after +86), so that personal data never
// reaches the log, which nobody can ever erase. Unified social credit codes are not personal and
// pass.
func checkPersonal(s string) error {
	for _, run := range digitRuns(s) {
		switch {
		case len(run) == idcode.ResidentIDLength && looksLikeResidentID(run):
			return errs.Field("subject", "ledger.error.subject_id_number")
		case isMobile(run) || strings.HasPrefix(run, "86") && isMobile(run[2:]):
			return errs.Field("subject", "ledger.error.subject_phone")
		}
	}
	return nil
}

// digitRuns returns the maximal runs of ASCII digits in s, each with an X or x that directly
// follows it (the check character of an ID number), upper-cased.
func digitRuns(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		if s[i] < '0' || s[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j < len(s) && (s[j] == 'X' || s[j] == 'x') {
			j++
		}
		out = append(out, strings.ToUpper(s[i:j]))
		i = j
	}
	return out
}

func looksLikeResidentID(run string) bool {
	if idcode.ValidateCreditCode(run) == nil {
		return false
	}
	if idcode.ValidateResidentID(run) == nil {
		return true
	}
	// A mistyped check character does not make a number any less personal.
	check, err := idcode.ResidentIDCheck(run[:17])
	return err == nil && idcode.ValidateResidentID(run[:17]+string(check)) == nil
}

func isMobile(run string) bool {
	if len(run) != 11 || run[0] != '1' || run[1] < '3' || run[1] > '9' {
		return false
	}
	for i := 2; i < len(run); i++ {
		if run[i] < '0' || run[i] > '9' {
			return false
		}
	}
	return true
}

// timeLayout writes entry times in the leaf: UTC with exactly six fractional digits.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// LeafData returns the canonical version-1 encoding of e that the tree commits to (its leaf
// hash is tlog.RecordHash of it). It is UTF-8 text of seven lines, each ending in a newline:
//
//	yiwang.ledger.entry/v1
//	<index, decimal>
//	<type>
//	<digest>
//	<org, possibly empty>
//	<subject, possibly empty>
//	<time, UTC, 2006-01-02T15:04:05.000000Z>
//
// No field may hold a newline or other control character (normalise refuses them), so the
// encoding is unambiguous, and DecodeLeaf accepts only what LeafData writes.
func LeafData(e Entry) []byte {
	var b bytes.Buffer
	b.Grow(64 + len(e.Digest) + len(e.Org) + len(e.Subject))
	b.WriteString(leafHeader)
	b.WriteByte('\n')
	b.WriteString(strconv.FormatInt(e.Index, 10))
	b.WriteByte('\n')
	b.WriteString(string(e.Type))
	b.WriteByte('\n')
	b.WriteString(e.Digest)
	b.WriteByte('\n')
	b.WriteString(e.Org)
	b.WriteByte('\n')
	b.WriteString(e.Subject)
	b.WriteByte('\n')
	b.WriteString(e.Time.UTC().Format(timeLayout))
	b.WriteByte('\n')
	return b.Bytes()
}

// DecodeLeaf parses leaf data written by LeafData. It refuses anything that LeafData would not
// write for the entry it describes, so that one entry has exactly one encoding.
func DecodeLeaf(data []byte) (Entry, error) {
	bad := func(why string) (Entry, error) {
		return Entry{}, errs.Wrapf(errs.Invalid, fmt.Errorf("leaf: %s", why), "ledger.error.bad_leaf")
	}
	if len(data) > 4096 {
		return bad("too long")
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) != 8 || lines[7] != "" {
		return bad("not seven lines")
	}
	if lines[0] != leafHeader {
		return bad("unknown version")
	}
	idx, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || idx < 0 {
		return bad("bad index")
	}
	t, err := time.Parse(timeLayout, lines[6])
	if err != nil {
		return bad("bad time")
	}
	e := Entry{Index: idx, Type: Type(lines[2]), Digest: lines[3], Org: lines[4], Subject: lines[5], Time: t.UTC()}
	n, err := normalise(e)
	if err != nil {
		return Entry{}, err
	}
	if !bytes.Equal(LeafData(n), data) {
		return bad("not canonical")
	}
	return n, nil
}
