package license

import (
	"context"
	"net/url"
	"slices"
	"strings"
)

// What the holders' and verifiers' pages and API need to read of a licence.

// StateOf returns what a verifier is told of l today (by the service's clock).
func (s *Service) StateOf(l Licence) State { return l.State(today(s.clock.Now())) }

// Disclosable returns the hidden claims of l a presentation may disclose, in the order a
// holder chooses from: the holder's name and code, then the face data in the order of t's
// fields (keys t does not know after them, sorted).
func Disclosable(l Licence, t Type) []string {
	out := []string{ClaimHolderName, ClaimHolderCode}
	for _, f := range t.Fields {
		if _, ok := l.Face[f.Key]; ok {
			out = append(out, f.Key)
		}
	}
	var rest []string
	for k := range l.Face {
		if !slices.Contains(out, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// LicenceType returns the version of its type licence l was issued under (for the names of its
// face-data fields). Anyone who may see l may see it; callers check that first.
func (s *Service) LicenceType(ctx context.Context, l Licence) (Type, error) {
	return loadType(ctx, s.db, l.TypeCode, l.TypeVersion)
}

// VerifyInput is what a verifier was given, as Verify takes it: the text itself, or the
// identifier in the verify address a licence's PDF carries (…/verify?id=<identifier>).
func VerifyInput(text string) string {
	text = strings.TrimSpace(text)
	if !strings.Contains(text, VerifyPath+"?") {
		return text
	}
	u, err := url.Parse(text)
	if err != nil || !strings.HasSuffix(u.Path, VerifyPath) {
		return text
	}
	if id := strings.TrimSpace(u.Query().Get("id")); id != "" {
		return id
	}
	return text
}
