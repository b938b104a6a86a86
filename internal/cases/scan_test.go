package cases_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/errs"
)

const eicarText = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`

func zipWith(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for name, data := range files {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestExecutableFilter(t *testing.T) {
	ofdWithExe := zipWith(t, map[string][]byte{"OFD.xml": []byte("<ofd:OFD/>"), "Doc_0/run.exe": []byte("MZ\x90\x00\x03")})
	tests := []struct {
		name    string
		data    []byte
		refused bool
	}{
		{"pdf", pdfFile, false},
		{"png", pngFile, false},
		{"ofd", ofdFile(t), false},
		{"EICAR alone", []byte(eicarText), true},
		{"EICAR inside a pdf", append(append([]byte(nil), pdfFile...), eicarText...), true},
		{"Windows executable", []byte("MZ\x90\x00\x03\x00\x00\x00"), true},
		{"ELF", []byte("\x7fELF\x02\x01\x01"), true},
		{"Mach-O", []byte{0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1}, true},
		{"script", []byte("#!/bin/sh\nrm -rf /\n"), true},
		{"executable inside an OFD", ofdWithExe, true},
		{"EICAR inside a zip", zipWith(t, map[string][]byte{"OFD.xml": []byte(eicarText)}), true},
	}
	for _, tc := range tests {
		err := cases.ExecutableFilter{}.Scan(context.Background(), tc.name, tc.data)
		switch {
		case tc.refused && (!errs.Is(err, errs.Invalid) || errs.Public(err).Message != "cases.error.material_infected"):
			t.Errorf("%s: %v, want refused", tc.name, err)
		case !tc.refused && err != nil:
			t.Errorf("%s: %v, want clean", tc.name, err)
		}
	}
}

func TestSniffFormat(t *testing.T) {
	tests := []struct {
		data []byte
		want string
	}{
		{pdfFile, cases.FormatPDF}, {pngFile, cases.FormatPNG}, {jpegFile, cases.FormatJPEG}, {ofdFile(t), cases.FormatOFD},
		{zipWith(t, map[string][]byte{"word/document.xml": nil}), ""}, {[]byte("%PD"), ""}, {nil, ""},
		{[]byte("GIF89a"), ""}, {[]byte("PK\x03\x04broken"), ""},
	}
	for _, tc := range tests {
		if got := cases.SniffFormat(tc.data); got != tc.want {
			t.Errorf("SniffFormat(%q…) = %q, want %q", tc.data[:min(8, len(tc.data))], got, tc.want)
		}
	}
}

// clamdStub speaks clamd's INSTREAM protocol: it reassembles the stream and answers FOUND for
// the EICAR file, OK otherwise, or an error when told so.
func clamdStub(t *testing.T, network, addr string, answer func(data []byte) string) string {
	t.Helper()
	l, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				cmd, err := r.ReadString(0)
				if err != nil || cmd != "zINSTREAM\x00" {
					io.WriteString(c, "UNKNOWN COMMAND\x00")
					return
				}
				var data []byte
				for {
					var size [4]byte
					if _, err := io.ReadFull(r, size[:]); err != nil {
						return
					}
					n := binary.BigEndian.Uint32(size[:])
					if n == 0 {
						break
					}
					chunk := make([]byte, n)
					if _, err := io.ReadFull(r, chunk); err != nil {
						return
					}
					data = append(data, chunk...)
				}
				io.WriteString(c, answer(data)+"\x00")
			}()
		}
	}()
	return l.Addr().String()
}

func TestClamdScanner(t *testing.T) {
	answer := func(data []byte) string {
		switch {
		case bytes.Contains(data, []byte("EICAR-STANDARD")):
			return "stream: Win.Test.EICAR_HDB-1 FOUND"
		case bytes.HasPrefix(data, []byte("too big")):
			return "INSTREAM size limit exceeded. ERROR"
		}
		return "stream: OK"
	}
	tcp := clamdStub(t, "tcp", "127.0.0.1:0", answer)
	sock := filepath.Join(t.TempDir(), "clamd.ctl")
	clamdStub(t, "unix", sock, answer)
	big := bytes.Repeat([]byte("x"), 200<<10) // several chunks
	for _, addr := range []string{"tcp://" + tcp, tcp, "unix://" + sock, sock} {
		s := cases.ClamdScanner{Address: addr, Timeout: 5 * time.Second}
		ctx := context.Background()
		if err := s.Scan(ctx, "clean.pdf", append(append([]byte(nil), pdfFile...), big...)); err != nil {
			t.Errorf("%s clean: %v", addr, err)
		}
		if err := s.Scan(ctx, "eicar.pdf", append(append([]byte(nil), big...), eicarText...)); !errs.Is(err, errs.Invalid) ||
			!strings.Contains(err.Error(), "EICAR_HDB") {
			t.Errorf("%s EICAR: %v", addr, err)
		}
		if err := s.Scan(ctx, "big.pdf", []byte("too big")); !errs.Is(err, errs.Unavailable) {
			t.Errorf("%s error answer: %v", addr, err)
		}
	}
	// Nobody listening: unavailable, never "clean".
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := l.Addr().String()
	l.Close()
	if err := (cases.ClamdScanner{Address: gone, Timeout: time.Second}).Scan(context.Background(), "x.pdf", pdfFile); !errs.Is(err, errs.Unavailable) {
		t.Errorf("no clamd: %v", err)
	}
}

// TestClamdLive scans against a real clamd at YIWANG_TEST_CLAMD (e.g. unix:///run/clamav/clamd.ctl
// or 127.0.0.1:3310); clamd does not run on the development machines.
func TestClamdLive(t *testing.T) {
	addr := os.Getenv("YIWANG_TEST_CLAMD")
	if addr == "" {
		t.Skip("set YIWANG_TEST_CLAMD to the address of a running clamd")
	}
	s := cases.ClamdScanner{Address: addr}
	if err := s.Scan(context.Background(), "clean.pdf", pdfFile); err != nil {
		t.Errorf("clean file: %v", err)
	}
	if err := s.Scan(context.Background(), "eicar.com", []byte(eicarText)); !errs.Is(err, errs.Invalid) {
		t.Errorf("EICAR: %v", err)
	}
}

// Uploads are outside input: whatever the bytes, sniffing and the filter never panic, and
// what is sniffed as a format really starts like it.
func FuzzUpload(f *testing.F) {
	for _, seed := range [][]byte{pdfFile, pngFile, jpegFile, ofdFile(f), []byte(eicarText), []byte("MZ"), []byte("PK\x03\x04"), nil} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		format := cases.SniffFormat(data)
		switch format {
		case cases.FormatPDF:
			if !bytes.HasPrefix(data, []byte("%PDF-")) {
				t.Fatalf("sniffed pdf: %q", data)
			}
		case cases.FormatOFD:
			if !bytes.HasPrefix(data, []byte("PK")) {
				t.Fatalf("sniffed ofd: %q", data)
			}
		}
		err := cases.ExecutableFilter{}.Scan(context.Background(), "f", data)
		if bytes.Contains(data, []byte(eicarText)) && err == nil {
			t.Fatal("EICAR passed")
		}
	})
}

// Decision documents are read back from outside (whoever holds one): only canonical ones parse,
// and a parsed one re-encodes to exactly the bytes read.
func FuzzParseDecisionDocument(f *testing.F) {
	d := cases.DecisionDocument{Type: cases.DecisionType, CaseNumber: "350000-20261009-000042",
		Item:         cases.DecisionItem{Code: itemFood, Version: 3, Name: "食品经营许可（新办）"},
		Organisation: cases.DecisionOrg{Code: scj, Name: "福建省市场监督管理局"}, Outcome: cases.OutcomeApproved,
		Reasons: "符合条件 <准予>", DecidedAt: time.Date(2026, 10, 9, 2, 3, 4, 567000, time.UTC)}
	f.Add(d.Canonical())
	f.Add([]byte(`{"type":"yiwang.case.decision/v1"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := cases.ParseDecisionDocument(b)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("error of kind %s", errs.KindOf(err))
			}
			return
		}
		if !bytes.Equal(got.Canonical(), b) {
			t.Fatalf("parsed a non-canonical document %q", b)
		}
	})
}

func TestDecisionDocumentCanonical(t *testing.T) {
	d := cases.DecisionDocument{Type: cases.DecisionType, CaseNumber: "350000-20261009-000042",
		Item:         cases.DecisionItem{Code: itemFood, Version: 3, Name: "食品经营许可（新办）"},
		Organisation: cases.DecisionOrg{Code: scj, Name: "福建省市场监督管理局"}, Outcome: cases.OutcomeDenied,
		Reasons: "场所<不符合>要求", DecidedAt: time.Date(2026, 10, 9, 10, 3, 4, 567891234, time.FixedZone("CST", 8*3600))}
	want := `{"type":"yiwang.case.decision/v1","case_number":"350000-20261009-000042","item":{"code":"` + itemFood +
		`","version":3,"name":"食品经营许可（新办）"},"organisation":{"code":"fj-market-regulation","name":"福建省市场监督管理局"},` +
		`"outcome":"denied","reasons":"场所<不符合>要求","decided_at":"2026-10-09T02:03:04.567891Z"}`
	if got := string(d.Canonical()); got != want {
		t.Errorf("Canonical =\n%s\nwant\n%s", got, want)
	}
	for _, bad := range []string{want + "\n", strings.Replace(want, `"outcome"`, ` "outcome"`, 1),
		strings.Replace(want, `,"decided_at"`, `,"extra":1,"decided_at"`, 1), strings.Replace(want, "/v1", "/v2", 1)} {
		if _, err := cases.ParseDecisionDocument([]byte(bad)); !errs.Is(err, errs.Invalid) {
			t.Errorf("ParseDecisionDocument(%q) = %v", bad, err)
		}
	}
}
