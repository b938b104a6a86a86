package ledger

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	tlogfmt "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/tlog"
)

// APIEntry is an entry as the read API serves it (GET /api/v1/ledger/entries): the entry's
// fields, its leaf data and the leaf hash the node stores, both base64.
type APIEntry struct {
	Entry
	LeafHash string `json:"leaf_hash"`
	LeafData string `json:"leaf_data"`
}

// API returns r as the read API serves it.
func (r Record) API() APIEntry {
	return APIEntry{Entry: r.Entry, LeafHash: b64(r.LeafHash), LeafData: base64.StdEncoding.EncodeToString(LeafData(r.Entry))}
}

// APICheckpoint is a stored checkpoint as the read API serves it (GET /api/v1/ledger/checkpoints).
type APICheckpoint struct {
	Size        int64     `json:"size"`
	RootHash    string    `json:"root_hash"`
	Note        string    `json:"note"`
	VerifierKey string    `json:"verifier_key"`
	SignedAt    time.Time `json:"signed_at"`
}

// API returns c as the read API serves it.
func (c SignedCheckpoint) API() APICheckpoint {
	return APICheckpoint{Size: c.Size, RootHash: b64(c.RootHash), Note: c.Note, VerifierKey: c.VerifierKey, SignedAt: c.SignedAt}
}

// HTTPSource reads a node's log over its read API at baseURL (https://node). It does not see
// the node's stored hashes beyond the leaves, so an audit over HTTP recomputes the tree from the
// entries and compares leaf hashes and checkpoints.
func HTTPSource(baseURL string, client *http.Client) Source {
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	return httpSource{base: strings.TrimSuffix(baseURL, "/"), client: client}
}

type httpSource struct {
	base   string
	client *http.Client
}

func (s httpSource) String() string { return s.base }

func (s httpSource) get(ctx context.Context, path string, q url.Values, max int64) ([]byte, error) {
	u := s.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json, text/plain")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, max))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %.200s", path, resp.Status, data)
	}
	return data, nil
}

// Head is the size of the node's latest checkpoint: what it has committed to publicly.
func (s httpSource) Head(ctx context.Context) (int64, error) {
	data, err := s.get(ctx, "/ledger/checkpoint", nil, 64<<10)
	if err != nil {
		return 0, err
	}
	text, _, _ := strings.Cut(string(data), "\n\n")
	var c tlogfmt.Checkpoint
	if _, err := c.Unmarshal([]byte(text + "\n")); err != nil {
		return 0, fmt.Errorf("GET /ledger/checkpoint: %w", err)
	}
	return int64(c.Size), nil
}

func (s httpSource) Records(ctx context.Context, from int64, limit int) ([]Record, error) {
	data, err := s.get(ctx, "/api/v1/ledger/entries", url.Values{"from": {fmt.Sprint(from)}, "limit": {fmt.Sprint(clampLimit(limit))}}, 16<<20)
	if err != nil {
		return nil, err
	}
	var list []APIEntry
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("GET /api/v1/ledger/entries: %w", err)
	}
	out := make([]Record, len(list))
	for i, e := range list {
		out[i].Entry = e.Entry
		if h, err := decodeHash(e.LeafHash); err == nil {
			out[i].LeafHash = h
		}
	}
	return out, nil
}

func (s httpSource) Hashes(context.Context, int64, int64) (map[int64]tlog.Hash, error) {
	return nil, ErrNoHashes
}

func (s httpSource) Checkpoints(ctx context.Context, from int64, limit int) ([]SignedCheckpoint, error) {
	data, err := s.get(ctx, "/api/v1/ledger/checkpoints", url.Values{"from": {fmt.Sprint(from)}, "limit": {fmt.Sprint(clampLimit(limit))}}, 64<<20)
	if err != nil {
		return nil, err
	}
	var list []APICheckpoint
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("GET /api/v1/ledger/checkpoints: %w", err)
	}
	out := make([]SignedCheckpoint, len(list))
	for i, c := range list {
		out[i] = SignedCheckpoint{Size: c.Size, Note: c.Note, VerifierKey: c.VerifierKey, SignedAt: c.SignedAt}
		if h, err := decodeHash(c.RootHash); err == nil {
			out[i].RootHash = h
		}
	}
	return out, nil
}
