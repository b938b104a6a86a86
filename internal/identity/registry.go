package identity

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// MaxRegistryFile bounds a population registry file: 64 MiB holds about a million people.
const MaxRegistryFile = 64 << 20

// registryColumns is the header a registry file starts with.
var registryColumns = []string{"id_type", "id_number", "name"}

// ParseRegistryCSV reads a population registry file: UTF-8 CSV (a byte-order mark is allowed)
// with the header id_type,id_number,name and one person per line. Every document number is
// validated as at registration. The first problem is returned as errs.Invalid naming the line
// (identity.error.registry_line); nothing is half-read.
func ParseRegistryCSV(r io.Reader) ([]RegistryEntry, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxRegistryFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxRegistryFile {
		return nil, errs.E(errs.TooLarge, "identity.error.registry_too_large", MaxRegistryFile>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		return nil, errs.E(errs.Invalid, "identity.error.registry_encoding")
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = len(registryColumns)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errs.E(errs.Invalid, "identity.error.registry_empty")
	}
	if err != nil || !slices.Equal(trimAll(header), registryColumns) {
		return nil, errs.E(errs.Invalid, "identity.error.registry_header", strings.Join(registryColumns, ","))
	}
	var list []RegistryEntry
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return nil, errs.E(errs.Invalid, "identity.error.registry_line", line, "csv")
		}
		line, _ := cr.FieldPos(0)
		t := DocumentType(strings.TrimSpace(rec[0]))
		if !slices.Contains(DocumentTypes, t) {
			return nil, errs.E(errs.Invalid, "identity.error.registry_line", line, "id_type")
		}
		number, err := ValidateDocument(t, rec[1])
		if err != nil {
			return nil, errs.E(errs.Invalid, "identity.error.registry_line", line, "id_number")
		}
		name, err := validName(rec[2])
		if err != nil {
			return nil, errs.E(errs.Invalid, "identity.error.registry_line", line, "name")
		}
		key := string(t) + ":" + number
		if first, dup := seen[key]; dup {
			return nil, errs.E(errs.Invalid, "identity.error.registry_duplicate", line, first)
		}
		seen[key] = line
		list = append(list, RegistryEntry{IDType: t, IDNumber: number, Name: name})
	}
	if len(list) == 0 {
		return nil, errs.E(errs.Invalid, "identity.error.registry_empty")
	}
	return list, nil
}

func trimAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.TrimSpace(v)
	}
	return out
}
