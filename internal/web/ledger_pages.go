package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// The ledger's pages (/ledger): anyone reads the latest signed checkpoint, the log's key and
// its entries, each with the proof that the checkpoint includes it; officials notarise a
// document (存證) by its digest. The machine-readable log (checkpoint, tiles, the JSON API) is
// served by internal/api; these pages are for people.

// ledgerPageSize is how many entries the ledger page lists.
const ledgerPageSize = 50

// maxNotariseFile bounds a file notarised through the page. It is hashed as it arrives and never
// kept; a larger file is notarised by its digest, computed at home (sha256sum).
const maxNotariseFile = 100 << 20

func (s *Site) installLedger(srv *httpserver.Server) {
	if s.cfg.Ledger == nil {
		return
	}
	srv.Handle("GET /ledger", s.ledgerPage)
	srv.Handle("POST /ledger/notarise", s.ledgerNotarise, httpserver.MaxBody(maxNotariseFile+(64<<10)))
	srv.Handle("GET /ledger/entries/{index}", s.ledgerEntry)
	srv.Handle("GET /ledger/entries/{index}/receipt.json", s.ledgerReceipt)
}

type ledgerPage struct {
	basePage
	Checkpoint  string
	CheckedSize int64
	Size        int64
	VerifierKey string
	Origin      string
	Entries     []entryView
	// From is the first index listed; Older and Newer page the list (-1 when there is none).
	From, Last   int64
	Older, Newer int64
	// CanNotarise shows the notarisation form to officials.
	CanNotarise bool
	F           form
	MaxMB       int
}

// entryView is a ledger entry as the pages show it.
type entryView struct {
	Index                     int64
	Type, TypeCode            string
	Digest, DigestShort       string
	OrgCode, OrgName, Subject string
	Time                      string
}

func newEntryView(b basePage, name func(string) string, e ledger.Entry) entryView {
	v := entryView{Index: e.Index, Type: b.T(msgKey("trust.ledger_type.", string(e.Type))), TypeCode: string(e.Type),
		Digest: e.Digest, DigestShort: shortLedgerDigest(e.Digest), OrgCode: e.Org, Subject: e.Subject, Time: civil(e.Time)}
	if e.Org != "" {
		v.OrgName = name(e.Org)
	}
	return v
}

// shortLedgerDigest keeps the algorithm and 16 hex digits of a digest.
func shortLedgerDigest(d string) string {
	alg, hex, ok := strings.Cut(d, ":")
	if !ok {
		return shortDigest(d)
	}
	return alg + ":" + shortDigest(hex)
}

func (s *Site) newLedgerPage(w http.ResponseWriter, r *http.Request, f form) (ledgerPage, error) {
	ctx := r.Context()
	p := principal.From(ctx)
	b := s.newBase(w, r, "trust.ledger.title")
	page := ledgerPage{basePage: b, F: f, CanNotarise: requireTrustOfficial(p) == nil, MaxMB: maxNotariseFile >> 20,
		VerifierKey: s.cfg.Ledger.VerifierKey(), Origin: s.cfg.Ledger.Origin(), Older: -1, Newer: -1}
	size, err := s.cfg.Ledger.Size(ctx)
	if err != nil {
		return page, err
	}
	page.Size = size
	if size > 0 {
		cp, err := s.cfg.Ledger.Checkpoint(ctx)
		if err != nil {
			return page, err
		}
		page.Checkpoint = string(cp)
		if page.CheckedSize, err = ledger.CheckpointSize(cp); err != nil {
			return page, err
		}
	}
	from := max(size-ledgerPageSize, 0)
	if v := r.URL.Query().Get("from"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return page, errs.Field("from", "ledger.error.bad_from")
		}
		from = min(n, max(size-1, 0))
	}
	page.From = from
	entries, err := s.cfg.Ledger.Entries(ctx, from, ledgerPageSize)
	if err != nil {
		return page, err
	}
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return page, err
	}
	// Newest first, as people read a register.
	for i := len(entries) - 1; i >= 0; i-- {
		page.Entries = append(page.Entries, newEntryView(b, name, entries[i]))
	}
	page.Last = from + int64(len(entries)) - 1
	if from > 0 {
		page.Older = max(from-ledgerPageSize, 0)
	}
	if page.Last+1 < size {
		page.Newer = min(from+ledgerPageSize, max(size-ledgerPageSize, 0))
		if page.Newer <= from {
			page.Newer = page.Last + 1
		}
	}
	return page, nil
}

func (s *Site) ledgerPage(w http.ResponseWriter, r *http.Request) error {
	page, err := s.newLedgerPage(w, r, newForm(r))
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "trust/ledger", page)
}

// notarisation is what the notarisation form sent: the digest typed in, or the digest of the
// file uploaded (computed as it arrives), and the subject.
type notarisation struct {
	Digest, Subject string
	File            bool
}

// readNotarisation reads the form as a stream, so that the file is hashed without being kept in
// memory or on disk. A form sent without a file (urlencoded) is read as usual.
func readNotarisation(r *http.Request) (notarisation, error) {
	var n notarisation
	var fileDigest string
	mr, err := r.MultipartReader()
	switch {
	case errors.Is(err, http.ErrNotMultipart):
		if err := parseForm(r); err != nil {
			return n, err
		}
		n.Digest, n.Subject = strings.TrimSpace(r.PostFormValue("digest")), r.PostFormValue("subject")
	case err != nil:
		return n, errs.Wrapf(errs.Invalid, err, "error.invalid")
	}
	for mr != nil {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, uploadError(err)
		}
		switch part.FormName() {
		case "digest":
			v, err := formValue(part)
			if err != nil {
				return n, err
			}
			n.Digest = strings.TrimSpace(v)
		case "subject":
			v, err := formValue(part)
			if err != nil {
				return n, err
			}
			n.Subject = v
		case "file":
			if part.FileName() == "" {
				break
			}
			h := sha256.New()
			if _, err := io.Copy(h, part); err != nil {
				return n, uploadError(err)
			}
			fileDigest = "sha256:" + hex.EncodeToString(h.Sum(nil))
		}
		part.Close()
	}
	if fileDigest != "" {
		if n.Digest != "" {
			return n, errs.Field("digest", "trust.ledger.error.file_and_digest")
		}
		n.Digest, n.File = fileDigest, true
	}
	if n.Digest == "" {
		return n, errs.Field("file", "trust.ledger.error.nothing")
	}
	return n, nil
}

// formValue reads a text field of a multipart form, refusing one longer than any this form has.
func formValue(part *multipart.Part) (string, error) {
	b, err := io.ReadAll(io.LimitReader(part, 4<<10+1))
	if err != nil {
		return "", uploadError(err)
	}
	if len(b) > 4<<10 {
		return "", errs.E(errs.Invalid, "error.invalid")
	}
	return string(b), nil
}

// uploadError classifies a failure to read an upload: over the route's limit, or malformed.
func uploadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &errs.Error{Kind: errs.TooLarge, Field: "file", Message: "trust.ledger.error.file_too_large",
			Args: []any{maxNotariseFile >> 20}, Err: err}
	}
	return errs.Wrapf(errs.Invalid, err, "error.invalid")
}

func (s *Site) ledgerNotarise(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if err := requireTrustOfficial(p); err != nil {
		return err
	}
	n, err := readNotarisation(r)
	var receipt ledger.Receipt
	if err == nil {
		receipt, err = s.cfg.Ledger.Notarise(r.Context(), p, n.Digest, n.Subject)
	}
	if err != nil {
		status, ok := formStatus(err, errs.TooLarge)
		if !ok {
			return err
		}
		f := newForm(r)
		if !n.File {
			f.Values.Set("digest", n.Digest)
		}
		f.Values.Set("subject", n.Subject)
		page, perr := s.newLedgerPage(w, r, f)
		if perr != nil {
			return perr
		}
		page.F.fail(page.Lang, err, nil)
		page.basePage.rebase("/ledger")
		return s.render(w, status, "trust/ledger", page)
	}
	seeOther(w, r, entryPath(receipt.Entry.Index)+"?notarised=1")
	return nil
}

// entryPath is the page of the ledger entry at index.
func entryPath(index int64) string { return "/ledger/entries/" + strconv.FormatInt(index, 10) }

// ---- one entry --------------------------------------------------------------------------

type entryPage struct {
	basePage
	Entry    entryView
	LeafData string
	LeafHash string
	// The inclusion proof in the tree of Size entries that Checkpoint signs, and whether it
	// checks out against the log's key.
	Size       int64
	Proof      []string
	Checkpoint string
	Verified   bool
	// Receipt is the receipt as JSON, shown after a notarisation.
	Receipt   string
	Notarised bool
}

// pathIndex is the entry index of the request's path; anything else names no entry.
func pathIndex(r *http.Request) (int64, error) {
	i, err := strconv.ParseInt(r.PathValue("index"), 10, 64)
	if err != nil || i < 0 {
		return 0, errs.E(errs.NotFound, "trust.ledger.error.no_entry")
	}
	return i, nil
}

// receiptOf returns the receipt of the entry of the request's path; an index the log does not
// hold yet is not found.
func (s *Site) receiptOf(r *http.Request) (ledger.Receipt, error) {
	i, err := pathIndex(r)
	if err != nil {
		return ledger.Receipt{}, err
	}
	rc, err := s.cfg.Ledger.Receipt(r.Context(), i)
	if errs.Is(err, errs.NotFound) {
		return rc, errs.E(errs.NotFound, "trust.ledger.error.no_entry")
	}
	return rc, err
}

func (s *Site) ledgerEntry(w http.ResponseWriter, r *http.Request) error {
	rc, err := s.receiptOf(r)
	if err != nil {
		return err
	}
	b := s.newBase(w, r, "trust.entry.title", rc.Entry.Index)
	name, err := s.orgs.namer(r, b.Lang)
	if err != nil {
		return err
	}
	page := entryPage{basePage: b, Entry: newEntryView(b, name, rc.Entry), LeafData: string(ledger.LeafData(rc.Entry)),
		LeafHash: rc.LeafHash, Size: rc.Size, Proof: rc.Proof, Checkpoint: rc.Checkpoint,
		Verified: ledger.VerifyReceipt(rc, s.cfg.Ledger.VerifierKey()) == nil}
	if r.URL.Query().Get("notarised") == "1" && rc.Entry.Type == ledger.TypeNotarisation {
		js, err := json.MarshalIndent(rc, "", "  ")
		if err != nil {
			return err
		}
		page.Notarised, page.Receipt = true, string(js)
	}
	return s.render(w, http.StatusOK, "trust/entry", page)
}

// ledgerReceipt offers an entry's receipt as a file to keep: it proves offline, with the log's
// key, that the entry is in the log.
func (s *Site) ledgerReceipt(w http.ResponseWriter, r *http.Request) error {
	rc, err := s.receiptOf(r)
	if err != nil {
		return err
	}
	js, err := json.MarshalIndent(rc, "", "  ")
	if err != nil {
		return err
	}
	js = append(js, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Disposition", attachment("receipt-"+strconv.FormatInt(rc.Entry.Index, 10)+".json"))
	h.Set("Cache-Control", "no-store")
	_, err = w.Write(js)
	return err
}
