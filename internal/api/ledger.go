package api

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

func init() {
	entry := map[string]any{
		"index":   integer("position in the log, from 0"),
		"type":    map[string]any{"type": "string", "enum": ledger.Types},
		"digest":  str("sha256:<64 hex> or sm3:<64 hex> of the document or data concerned"),
		"org":     str("organisation code of the submitter; empty for the platform itself"),
		"subject": str("a non-personal reference: licence identifier, case number, key id, certificate serial…"),
		"time":    str("RFC 3339, UTC, microseconds: when the entry was appended"),
	}
	withLeaf := map[string]any{}
	for k, v := range entry {
		withLeaf[k] = v
	}
	withLeaf["leaf_data"] = str("base64 of the canonical leaf encoding (yiwang.ledger.entry/v1, seven lines)")
	withLeaf["leaf_hash"] = str("base64 of the leaf hash the node stores: SHA-256(0x00 || leaf_data), RFC 6962")
	schemas["LedgerEntry"] = obj(withLeaf)
	schemas["LedgerCheckpoint"] = obj(map[string]any{
		"size": integer("tree size"), "root_hash": str("base64 RFC 6962 root hash"),
		"note":         str("the checkpoint as a signed note (C2SP tlog-checkpoint) with the log's signature"),
		"verifier_key": str("the note verifier key the node says signed it"), "signed_at": str("RFC 3339"),
	})
	schemas["LedgerReceipt"] = obj(map[string]any{
		"entry": obj(entry), "leaf_hash": str("base64"), "size": integer("tree size of the checkpoint"),
		"proof":      arr(str("base64 hash of the RFC 6962 inclusion proof, leaf side first")),
		"checkpoint": str("signed note of the tree of size entries, with witness cosignatures"),
		"log_key":    str("the log's note verifier key (for convenience: verify with the key you trust)"),
	})
	schemas["LedgerInclusionProof"] = obj(map[string]any{
		"index": integer(""), "size": integer(""), "leaf_hash": str("base64"),
		"proof":      arr(str("base64 hash, leaf side first")),
		"checkpoint": str("signed note of the tree of size entries, when size was not given"),
	})
	schemas["LedgerConsistencyProof"] = obj(map[string]any{
		"from": integer(""), "to": integer(""), "proof": arr(str("base64 hash (RFC 6962 consistency proof)")),
		"checkpoint": str("signed note of the tree of to entries, when to was not given"),
	})
}

// ledgerAPI serves the transparency log and, when this node is one, the witness.
type ledgerAPI struct {
	log     *ledger.Log
	witness *ledger.Witness
}

// installLedger serves the transparency log. Its public routes outside the JSON API — the signed
// checkpoint, the log's key, tiles in tlog tile paths and the witness's add-checkpoint — are what
// auditors, tile clients and other logs speak (text and bytes, C2SP formats); they read no
// credentials and are rate limited as pages are. The JSON API reads entries, proofs and the
// checkpoint history without login, and notarises for officials and department systems.
func (a *API) installLedger(srv *httpserver.Server) {
	if a.cfg.Ledger == nil {
		return
	}
	h := ledgerAPI{log: a.cfg.Ledger, witness: a.cfg.Witness}
	public := func(name string, more ...httpserver.RouteOption) []httpserver.RouteOption {
		return append([]httpserver.RouteOption{httpserver.RateLimit(httpserver.ClassPublic), httpserver.OwnAuthentication(),
			httpserver.Name(name)}, more...)
	}
	srv.Handle("GET /ledger/checkpoint", h.checkpoint, public("ledger.checkpoint")...)
	srv.Handle("GET /ledger/key", h.key, public("ledger.key")...)
	srv.Handle("GET /ledger/tile/{path...}", h.tile, public("ledger.tile")...)
	if h.witness != nil {
		srv.Handle("POST /ledger/witness/add-checkpoint", h.addCheckpoint, httpserver.RateLimit(httpserver.ClassAPI),
			httpserver.OwnAuthentication(), httpserver.Name("ledger.witness"), httpserver.MaxBody(ledger.MaxAddCheckpointBody))
		srv.Handle("GET /ledger/witness/key", h.witnessKey, public("ledger.witness_key")...)
	}

	const tag = "ledger"
	page := []param{
		{Name: "from", In: "query", Description: "first index (entries) or smallest size (checkpoints); 0 when omitted", Schema: map[string]any{"type": "integer", "minimum": 0}},
		{Name: "limit", In: "query", Description: "at most this many, up to 1000; 100 when omitted", Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": ledger.MaxPage}},
	}
	a.route(srv, operation{Method: "GET", Path: "/api/v1/ledger/entries", ID: "listLedgerEntries", Tag: tag,
		Summary: "Entries of the transparency log in order, with their leaf data and stored leaf hashes", Params: page,
		Response: arr(ref("LedgerEntry"))}, h.entries)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/ledger/entries/{index}", ID: "getLedgerEntry", Tag: tag,
		Summary: "One entry of the transparency log",
		Params: []param{{Name: "index", In: "path", Required: true, Description: "position in the log, from 0",
			Schema: map[string]any{"type": "integer", "minimum": 0}}},
		Response: ref("LedgerEntry")}, h.entry)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/ledger/proof/inclusion", ID: "getLedgerInclusionProof", Tag: tag,
		Summary: "RFC 6962 inclusion proof of an entry in the tree of a given size (the latest checkpoint's, with it, when size is omitted)",
		Params: []param{{Name: "index", In: "query", Required: true, Schema: map[string]any{"type": "integer", "minimum": 0}},
			{Name: "size", In: "query", Description: "tree size; the latest checkpoint's when omitted", Schema: map[string]any{"type": "integer", "minimum": 1}}},
		Response: ref("LedgerInclusionProof")}, h.inclusion)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/ledger/proof/consistency", ID: "getLedgerConsistencyProof", Tag: tag,
		Summary: "RFC 6962 consistency proof between two tree sizes (to: the latest checkpoint's, with it, when omitted)",
		Params: []param{{Name: "from", In: "query", Required: true, Schema: map[string]any{"type": "integer", "minimum": 0}},
			{Name: "to", In: "query", Description: "the larger tree size; the latest checkpoint's when omitted", Schema: map[string]any{"type": "integer", "minimum": 0}}},
		Response: ref("LedgerConsistencyProof")}, h.consistency)
	a.route(srv, operation{Method: "GET", Path: "/api/v1/ledger/checkpoints", ID: "listLedgerCheckpoints", Tag: tag,
		Summary: "Every checkpoint the log signed, smallest first, for auditors to check each against the next", Params: page,
		Response: arr(ref("LedgerCheckpoint"))}, h.checkpoints)
	a.route(srv, operation{Method: "POST", Path: "/api/v1/ledger/notarisations", ID: "notarise", Tag: tag, Auth: true, Status: http.StatusCreated,
		Summary: "Notarise (存证) a document's digest: officials of any organisation and department systems with api:write. " +
			"The receipt verifies offline with the log's key (yiwang ledger receipt verify)",
		Body: obj(map[string]any{"digest": str("sha256:<64 hex> or sm3:<64 hex>"),
			"subject": str("optional non-personal reference, at most 256 characters; ID and mobile numbers are refused")}, "digest"),
		Response: ref("LedgerReceipt")}, h.notarise)
}

func (h ledgerAPI) checkpoint(w http.ResponseWriter, r *http.Request) error {
	msg, err := h.log.Checkpoint(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(msg)
	return nil
}

func (h ledgerAPI) key(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, h.log.VerifierKey()+"\n")
	return nil
}

// witnessKey publishes the verifier key of this node's witness, which logs configure as their
// witness and viewers use to check its cosignatures.
func (h ledgerAPI) witnessKey(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, h.witness.VerifierKey()+"\n")
	return nil
}

func (h ledgerAPI) tile(w http.ResponseWriter, r *http.Request) error {
	t, err := tlog.ParseTilePath("tile/" + r.PathValue("path"))
	if err != nil {
		return errs.E(errs.NotFound, "ledger.error.no_such_tile")
	}
	data, err := h.log.ReadTile(r.Context(), t)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	// A tile path names its width: its contents never change.
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(data)
	return nil
}

// addCheckpoint is C2SP tlog-witness add-checkpoint. The 409 that carries the witness's size
// and the 422 of an inconsistent checkpoint are protocol answers in the protocol's text format,
// written here; every other failure goes through WriteError.
func (h ledgerAPI) addCheckpoint(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	old, proof, cp, err := ledger.ParseAddCheckpoint(body)
	if err != nil {
		return err
	}
	cosig, err := h.witness.AddCheckpoint(r.Context(), old, proof, cp)
	var conflict *ledger.SizeConflictError
	switch {
	case errors.As(err, &conflict):
		w.Header().Set("Content-Type", "text/x.tlog.size")
		w.WriteHeader(http.StatusConflict)
		_, _ = fmt.Fprintf(w, "%d\n", conflict.Size)
		return nil
	case errors.Is(err, ledger.ErrInconsistent):
		pe := errs.Public(err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = io.WriteString(w, i18n.T(i18n.Negotiate(r), pe.Message, pe.Args...)+"\n")
		return nil
	case err != nil:
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(cosig)
	return nil
}

// queryInt reads a non-negative integer query parameter; absent gives def and false.
func queryInt(r *http.Request, name string, def int64) (int64, bool, error) {
	s, ok := r.URL.Query()[name]
	if !ok || len(s) == 0 || s[0] == "" {
		return def, false, nil
	}
	n, err := strconv.ParseInt(s[0], 10, 64)
	if err != nil || n < 0 || len(s) > 1 {
		return 0, false, errs.Field(name, "ledger.error.bad_number", name, s[0])
	}
	return n, true, nil
}

// queryLimit reads the limit query parameter of a listing: def when omitted, else 1 to max.
func queryLimit(r *http.Request, def, max int64) (int, error) {
	n, given, err := queryInt(r, "limit", def)
	if err != nil {
		return 0, err
	}
	if given && (n < 1 || n > max) {
		return 0, errs.Field("limit", "ledger.error.bad_number", "limit", strconv.FormatInt(n, 10))
	}
	return int(n), nil
}

// pageOf reads the from and limit query parameters of a listing (0 and 100 when omitted).
func pageOf(r *http.Request) (from int64, limit int, err error) {
	from, _, err = queryInt(r, "from", 0)
	if err != nil {
		return 0, 0, err
	}
	if limit, err = queryLimit(r, 100, ledger.MaxPage); err != nil {
		return 0, 0, err
	}
	return from, limit, nil
}

func (h ledgerAPI) entries(w http.ResponseWriter, r *http.Request) error {
	from, limit, err := pageOf(r)
	if err != nil {
		return err
	}
	recs, err := h.log.Records(r.Context(), from, limit)
	if err != nil {
		return err
	}
	out := make([]ledger.APIEntry, len(recs))
	for i, rec := range recs {
		out[i] = rec.API()
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h ledgerAPI) entry(w http.ResponseWriter, r *http.Request) error {
	index, err := strconv.ParseInt(r.PathValue("index"), 10, 64)
	if err != nil || index < 0 {
		return &errs.Error{Kind: errs.NotFound, Field: "index", Message: "api.error.bad_id", Args: []any{r.PathValue("index")}}
	}
	recs, err := h.log.Records(r.Context(), index, 1)
	if err != nil {
		return err
	}
	if len(recs) == 0 || recs[0].Index != index {
		return errs.E(errs.NotFound, "ledger.error.no_such_entry", index)
	}
	return writeJSON(w, http.StatusOK, recs[0].API())
}

func b64hashes(hs []tlog.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = base64.StdEncoding.EncodeToString(h[:])
	}
	return out
}

// latestSize returns the size of a checkpoint covering at least min entries, and its note.
func (h ledgerAPI) latestSize(r *http.Request, min int64) (int64, string, error) {
	msg, err := h.log.CheckpointCovering(r.Context(), min)
	if err != nil {
		return 0, "", err
	}
	size, err := ledger.CheckpointSize(msg)
	return size, string(msg), err
}

func (h ledgerAPI) inclusion(w http.ResponseWriter, r *http.Request) error {
	index, given, err := queryInt(r, "index", 0)
	if err != nil {
		return err
	}
	if !given {
		return errs.Field("index", "error.required")
	}
	size, sized, err := queryInt(r, "size", 0)
	if err != nil {
		return err
	}
	var note string
	if !sized {
		if size, note, err = h.latestSize(r, index+1); err != nil {
			return err
		}
	}
	p, err := h.log.InclusionProof(r.Context(), index, size)
	if err != nil {
		return err
	}
	recs, err := h.log.Records(r.Context(), index, 1)
	if err != nil {
		return err
	}
	if len(recs) == 0 || recs[0].Index != index {
		return errs.E(errs.NotFound, "ledger.error.no_such_entry", index)
	}
	out := map[string]any{"index": index, "size": size, "leaf_hash": base64.StdEncoding.EncodeToString(recs[0].LeafHash[:]), "proof": b64hashes(p)}
	if note != "" {
		out["checkpoint"] = note
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h ledgerAPI) consistency(w http.ResponseWriter, r *http.Request) error {
	from, given, err := queryInt(r, "from", 0)
	if err != nil {
		return err
	}
	if !given {
		return errs.Field("from", "error.required")
	}
	to, sized, err := queryInt(r, "to", 0)
	if err != nil {
		return err
	}
	var note string
	if !sized {
		if to, note, err = h.latestSize(r, from); err != nil {
			return err
		}
	}
	p, err := h.log.ConsistencyProof(r.Context(), from, to)
	if err != nil {
		return err
	}
	out := map[string]any{"from": from, "to": to, "proof": b64hashes(p)}
	if note != "" {
		out["checkpoint"] = note
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h ledgerAPI) checkpoints(w http.ResponseWriter, r *http.Request) error {
	from, limit, err := pageOf(r)
	if err != nil {
		return err
	}
	cps, err := h.log.Checkpoints(r.Context(), from, limit)
	if err != nil {
		return err
	}
	out := make([]ledger.APICheckpoint, len(cps))
	for i, c := range cps {
		out[i] = c.API()
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h ledgerAPI) notarise(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	if !p.Authenticated() {
		return errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	var req struct {
		Digest  string `json:"digest"`
		Subject string `json:"subject"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Digest == "" {
		return errs.Field("digest", "error.required")
	}
	receipt, err := h.log.Notarise(r.Context(), p, req.Digest, req.Subject)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, receipt)
}
