package ledger

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb/note"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// peer is a witness as the log sees it.
type peer struct {
	url      string
	verifier note.Verifier
	mu       sync.Mutex
	size     int64 // the size the witness last cosigned for us; -1 unknown
}

// submit sends checkpoint c to every witness that has not cosigned it yet and stores the
// cosignatures that come back. Failures are logged: a witness that is down delays its
// cosignature, it does not stop the log.
func (l *Log) submit(ctx context.Context, c SignedCheckpoint) {
	var wg sync.WaitGroup
	for _, p := range l.witnesses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.submitTo(ctx, p, c); err != nil && ctx.Err() == nil {
				l.log.Warn("ledger: witness did not cosign", "witness", p.url, "size", c.Size, "err", err)
			}
		}()
	}
	wg.Wait()
}

// SubmitToWitnesses submits the latest checkpoint to the configured witnesses now, as Run does
// after signing; it is for tests and the command line.
func (l *Log) SubmitToWitnesses(ctx context.Context) error {
	c, _, err := l.sign(ctx)
	if err != nil {
		return err
	}
	var first error
	for _, p := range l.witnesses {
		if err := l.submitTo(ctx, p, c); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (l *Log) submitTo(ctx context.Context, p *peer, c SignedCheckpoint) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.size >= c.Size {
		return nil
	}
	old := max(p.size, 0)
	for attempt := 0; attempt < 3; attempt++ {
		proof, err := l.ConsistencyProof(ctx, old, c.Size)
		if err != nil {
			return err
		}
		body := FormatAddCheckpoint(old, proof, []byte(c.Note))
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url+"/add-checkpoint", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "text/plain; charset=utf-8")
		resp, err := l.cfg.HTTPClient.Do(req)
		if err != nil {
			return err
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if err != nil {
			return err
		}
		switch resp.StatusCode {
		case http.StatusOK:
			return l.storeCosignature(ctx, p, c, data)
		case http.StatusConflict:
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/x.tlog.size") {
				return fmt.Errorf("409 without the witness's size: %.200s", data)
			}
			n, err := parseSize(strings.TrimSpace(string(data)))
			if err != nil {
				return fmt.Errorf("409 with a malformed size: %.50q", data)
			}
			if n >= c.Size {
				// The witness has seen as much of this log already (through another node).
				p.size = n
				return nil
			}
			old = n
		default:
			return fmt.Errorf("witness answered %s: %.200s", resp.Status, data)
		}
	}
	return fmt.Errorf("witness kept changing its size")
}

// storeCosignature checks the witness's signature lines over c and stores them.
func (l *Log) storeCosignature(ctx context.Context, p *peer, c SignedCheckpoint, lines []byte) error {
	text, _, _ := strings.Cut(c.Note, "\n\n")
	var good string
	for _, line := range strings.SplitAfter(string(lines), "\n") {
		if line == "" || !strings.HasSuffix(line, "\n") {
			continue
		}
		n, err := note.Open([]byte(text+"\n\n"+line), note.VerifierList(p.verifier))
		if err == nil && len(n.Sigs) == 1 {
			good = line
			break
		}
	}
	if good == "" {
		return fmt.Errorf("no valid cosignature by %s in the answer", p.verifier.Name())
	}
	err := l.db.Transact(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO ledger_cosignatures (size, witness, signature, received_at) VALUES (?, ?, ?, ?)`,
			c.Size, fmt.Sprintf("%s+%08x", p.verifier.Name(), p.verifier.KeyHash()), good, tx.Now)
		return err
	})
	if err != nil && !errs.Is(err, errs.Conflict) {
		return err
	}
	p.size = c.Size
	return nil
}
