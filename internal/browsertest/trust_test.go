package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/seal"
	"github.com/yiwang-platform/yiwang/internal/sign"
)

// The market regulator, whose demo seals and accounts (internal/demo) the trust tests use.
const market = "fj-market-regulation"

// marketSeal returns the market regulator's demo seal named name.
func marketSeal(t *testing.T, s *site, name string) seal.Seal {
	t.Helper()
	list, err := s.App.Seals.List(systemCtx(), principal.SystemPrincipal, market)
	if err != nil {
		t.Fatal(err)
	}
	for _, sl := range list {
		if sl.Name == name {
			return sl
		}
	}
	t.Fatalf("no demo seal %q", name)
	return seal.Seal{}
}

// onePDF writes a PDF of one A4 page with a line of text on it, its cross-reference table
// pointing at each object as a PDF writer leaves it.
func onePDF(line string) []byte {
	content := fmt.Sprintf("BT /F1 16 Tf 56 770 Td (%s) Tj ET", line)
	objects := [][]byte{
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
		[]byte("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"),
		fmt.Appendf(nil, "<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		[]byte("<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"),
	}
	var out bytes.Buffer
	out.WriteString("%PDF-1.5\n%\xb5\xb6\xb7\xb8\n")
	offsets := make([]int, 0, len(objects))
	for n, body := range objects {
		offsets = append(offsets, out.Len())
		fmt.Fprintf(&out, "%d 0 obj\n", n+1)
		out.Write(body)
		out.WriteString("\nendobj\n")
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n%010d 65535 f \n", len(objects)+1, 0)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return out.Bytes()
}

// setFiles chooses files for the file input sel, as a person would in the file picker.
func setFiles(t *testing.T, ctx context.Context, sel string, paths ...string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS(sel), paths)); err != nil {
		t.Fatalf("choose %v for %s: %v", paths, sel, err)
	}
}

// download clicks the element sel, which answers with a file, and returns the path the
// browser saved it at.
func download(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	dir := t.TempDir()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	enable := true
	if _, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, BrowserContextID: chromedp.FromContext(ctx).BrowserContextID,
		DownloadPath: dir, EventsEnabled: &enable,
	}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	if err := chromedpClick(ctx, sel); err != nil {
		t.Fatal(err)
	}
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("waiting for the download: %v", err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			return filepath.Join(dir, ev.GUID)
		case browser.DownloadProgressStateCanceled:
			t.Fatalf("the download was cancelled (%s)", alerts(t, ctx))
		}
	}
	t.Fatal("no download")
	return ""
}

// TestSignPDFAndVerifyInBrowser: the market regulator's seal user seals a PDF with the official
// seal through the signing form and downloads it; an anonymous visitor uploads the sealed PDF at
// /verify and reads that it is valid, who sealed it, and where the ledger logged it.
func TestSignPDFAndVerifyInBrowser(t *testing.T) {
	t.Parallel()
	b := Shared(t)
	s := startSite(t)
	official := marketSeal(t, s, "福建省市场监督管理局")
	dir := t.TempDir()
	original := filepath.Join(dir, "行政许可决定书.pdf")
	if err := os.WriteFile(original, onePDF("Decision 2026-0415: granted"), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx := b.NewTab(t)
	lang := i18n.ZhHans
	login(t, ctx, s, "scj.sealer", "/sign", lang)
	checkShell(t, ctx, lang)
	if err := chromedpClick(ctx, `input[name="use"][value="`+official.ID+`:pdf"]`); err != nil {
		t.Fatal(err)
	}
	setFiles(t, ctx, "#sign-document", original)
	fill(t, ctx, "#sign-reason", "准予行政许可")
	signed := download(t, ctx, "#sign-submit")
	pdf, err := os.ReadFile(signed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("/ByteRange")) {
		t.Fatalf("the download is not a signed PDF (%d bytes)", len(pdf))
	}
	// The form stays as it was, for the next document.
	if got := eval[string](t, ctx, `location.pathname`); got != "/sign" {
		t.Errorf("after signing the tab is on %s", got)
	}
	// Chromium names the file by its download id; the visitor's copy gets a PDF's name.
	sealed := filepath.Join(dir, "行政许可决定书-signed.pdf")
	if err := os.Rename(signed, sealed); err != nil {
		t.Fatal(err)
	}

	visitor := b.NewTab(t)
	for _, lang := range i18n.All {
		if status := open(t, visitor, s.page("/verify", lang)); status != 200 {
			t.Fatalf("GET /verify: %d", status)
		}
		setFiles(t, visitor, "#verify-document", sealed)
		if status := submit(t, visitor, "#verify-submit"); status != 200 {
			t.Fatalf("verify: %d (%s)", status, alerts(t, visitor))
		}
		checkShell(t, visitor, lang)
		type verdict struct {
			Valid            bool
			Text, Seal, Link string
		}
		got := eval[verdict](t, visitor, `(() => {
			const v = document.querySelector('#verdict');
			const a = document.querySelector('#row-registered a');
			return {valid: v !== null && v.classList.contains('valid'), text: v ? v.textContent.trim() : "",
				seal: (document.querySelector('#row-seal') || {textContent: ""}).textContent,
				link: a ? a.getAttribute('href') : ""};
		})()`)
		if !got.Valid || !strings.Contains(got.Text, i18n.T(lang, "trust.verify.valid")) {
			t.Errorf("%s: verdict %+v", lang, got)
		}
		if !strings.Contains(got.Seal, official.Name) || !strings.Contains(got.Seal, official.Code) {
			t.Errorf("%s: seal row %q", lang, got.Seal)
		}
		if len(got.Link) <= len("/ledger/entries/") {
			t.Errorf("%s: no link to the ledger entry (%q)", lang, got.Link)
		}
	}
}

// trustFiles signs a document with the SM2 seal (CMS) as the seal user, and writes the
// document, a changed copy and the signature where a browser can upload them.
func trustFiles(t *testing.T, s *site) (doc, changed, sig string) {
	t.Helper()
	sm2 := marketSeal(t, s, "福建省市场监督管理局行政审批专用章")
	sealer := principal.Principal{Kind: principal.Official, Login: "scj.sealer", OrgCode: market, Roles: []string{principal.RoleSealUser}}
	text := []byte("准予行政许可决定书：经审查，准予许可。\n")
	res, err := s.App.Sign.Sign(principal.With(context.Background(), sealer), sealer,
		sign.Request{SealID: sm2.ID, Format: sign.FormatCMS, Document: text, DocumentName: "决定书.txt"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	doc, changed, sig = filepath.Join(dir, "决定书.txt"), filepath.Join(dir, "决定书-改.txt"), filepath.Join(dir, "决定书.p7s")
	for path, data := range map[string][]byte{doc: text, changed: append(bytes.Clone(text), "（已改）"...), sig: res.Signature} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return doc, changed, sig
}

// TestTrustPagesAccessible checks the trust pages with axe-core in each language: the seal
// list with its request form, a seal as its administrator and as its approver, the signing
// form, verification (the form, a valid and an invalid result, and a mistake), the ledger and
// one of its entries; and the verification pages once more in large type.
func TestTrustPagesAccessible(t *testing.T) {
	t.Parallel()
	axe := Axe(t)
	b := Shared(t)
	s := startSite(t)
	active := marketSeal(t, s, "福建省市场监督管理局行政审批专用章")
	pending := marketSeal(t, s, "福建省市场监督管理局合同专用章")
	doc, changed, sig := trustFiles(t, s)
	for _, lang := range i18n.All {
		t.Run(string(lang), func(t *testing.T) {
			t.Parallel()
			page := func(ctx context.Context, path string) {
				t.Helper()
				if status := open(t, ctx, s.page(path, lang)); status != 200 {
					t.Fatalf("GET %s: %d", path, status)
				}
				checkShell(t, ctx, lang)
				checkAxe(t, ctx, axe)
			}

			t.Run("seals", func(t *testing.T) {
				ctx := b.NewTab(t)
				login(t, ctx, s, "scj.admin", "/seals", lang)
				page(ctx, "/seals")
				// The request form sent back with a mistake beside its field.
				fill(t, ctx, "#seal-name", "福建省市场监督管理局发票专用章")
				fill(t, ctx, "#seal-caption", "发票专用章")
				setDate(t, ctx, "#seal-valid_to", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
				if status := submit(t, ctx, `#request ~ form button[type=submit]`); status != 400 {
					t.Fatalf("a validity that ends before it starts: %d", status)
				}
				if got, want := alerts(t, ctx), i18n.T(lang, "error.seal_validity"); got != want {
					t.Errorf("alert %q, want %q", got, want)
				}
				checkShell(t, ctx, lang)
				checkAxe(t, ctx, axe)
				page(ctx, "/seals/"+active.ID) // with the revocation form and its signatures
				logout(t, ctx)
				login(t, ctx, s, "scj.approver", "/seals/"+pending.ID, lang)
				page(ctx, "/seals/"+pending.ID) // with approval and rejection
			})

			t.Run("sign", func(t *testing.T) {
				ctx := b.NewTab(t)
				login(t, ctx, s, "scj.sealer", "/sign", lang)
				page(ctx, "/sign")
			})

			t.Run("verify", func(t *testing.T) {
				ctx := b.NewTab(t)
				verify := func(files ...string) {
					t.Helper()
					if status := open(t, ctx, s.page("/verify", lang)); status != 200 {
						t.Fatalf("GET /verify: %d", status)
					}
					setFiles(t, ctx, "#verify-document", files[0])
					if len(files) > 1 {
						setFiles(t, ctx, "#verify-signature", files[1])
					}
					want := int64(200)
					if len(files) == 1 {
						want = 400
					}
					if status := submit(t, ctx, "#verify-submit"); status != want {
						t.Fatalf("verify %v: %d, want %d", files, status, want)
					}
					checkShell(t, ctx, lang)
					checkAxe(t, ctx, axe)
				}
				for _, large := range []bool{false, true} {
					if large {
						if status := submit(t, ctx, `header form[action="/prefs/large-type"] button`); status != 200 {
							t.Fatalf("large type: %d", status)
						}
						if !eval[bool](t, ctx, `document.documentElement.classList.contains("large-type")`) {
							t.Fatal("large type did not switch on")
						}
					}
					page(ctx, "/verify")
					verify(doc, sig)
					if !eval[bool](t, ctx, `document.querySelector('#verdict.valid') !== null`) {
						t.Errorf("large %v: the signed document is not valid", large)
					}
					verify(changed, sig)
					if !eval[bool](t, ctx, `document.querySelector('#verdict.invalid') !== null && document.querySelectorAll('#errors li').length > 0`) {
						t.Errorf("large %v: the changed document is not invalid with reasons", large)
					}
					verify(doc) // no signature for a text: the form with the mistake
					if got, want := alerts(t, ctx), i18n.T(lang, "sign.error.signature_required"); got != want {
						t.Errorf("alert %q, want %q", got, want)
					}
				}
			})

			t.Run("ledger", func(t *testing.T) {
				ctx := b.NewTab(t)
				page(ctx, "/ledger")
				size, err := s.App.Ledger.Size(systemCtx())
				if err != nil {
					t.Fatal(err)
				}
				page(ctx, "/ledger/entries/"+strconv.FormatInt(size-1, 10))
				login(t, ctx, s, "gxt.officer", "/ledger", lang)
				page(ctx, "/ledger") // with the notarisation form
			})
		})
	}
}
