package nodecall

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
)

// Client calls peer nodes as this node.
type Client struct {
	self  func(context.Context) (Identity, error)
	peers Peers
	hc    *http.Client

	// Clock dates the calls (clock.Real if nil); MaxAnswer bounds an answer's body (MaxAnswer
	// if not positive). Set them before calling.
	Clock     clock.Clock
	MaxAnswer int64
}

// NewClient returns a client that signs as self and trusts peers' keys. hc makes the requests
// (a client with a 30-second timeout if nil); it never follows a redirect.
func NewClient(self func(context.Context) (Identity, error), peers Peers, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{self: self, peers: peers, hc: &c}
}

// AnswerError is a peer's signed error answer, as Call's error carries it (errors.As).
type AnswerError struct {
	Node   string
	Status int
	// Kind, Message and Field are the peer's: its message in the language asked for.
	Kind    errs.Kind
	Message string
	Field   string
}

func (e *AnswerError) Error() string {
	return fmt.Sprintf("node %s answered %d %s: %s", e.Node, e.Status, e.Kind, e.Message)
}

// maxPeerMessage bounds the peer's message shown, in characters.
const maxPeerMessage = 500

// Call posts in as JSON to path at node and decodes the answer into out (unless nil). The
// answer must be signed by node's own key for this very call; otherwise Call fails with
// errs.Unavailable, as when the node cannot be reached. A node that is not an approved peer is
// errs.NotFound. A signed error answer comes back as an errs error of the answer's kind — but
// a peer's 401 (it does not recognise this node) is errs.Forbidden and its internal errors
// errs.Unavailable — with the message "nodecall.error.peer_said" (node, the peer's message),
// the peer's field, and an *AnswerError inside.
func (c *Client) Call(ctx context.Context, node, path string, in, out any) (err error) {
	defer errs.Wrap(&err, "nodecall.Call(%s, %s)", node, path)
	if !validPath(path) {
		return fmt.Errorf("path %q is not a call path", path)
	}
	if !validNode(node) {
		return errs.E(errs.NotFound, "nodecall.error.no_peer", node)
	}
	endpoint, err := c.peers.Endpoint(ctx, node)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return errs.Wrapf(errs.NotFound, err, "nodecall.error.no_peer", node)
		}
		return err
	}
	id, err := c.self(ctx)
	if err != nil {
		return err
	}
	if node == id.Node {
		return errs.E(errs.NotFound, "nodecall.error.no_peer", node)
	}
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	var n [16]byte
	if _, err := rand.Read(n[:]); err != nil {
		return err
	}
	nonce := hex.EncodeToString(n[:])
	clk := c.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	date := clk.Now().Unix()
	sig, err := credential.SignBytes(id.Signer, id.Alg, RequestText(http.MethodPost, path, id.Node, node, date, nonce, body))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(endpoint, "/")+path, bytes.NewReader(body))
	if err != nil {
		return errs.Wrapf(errs.Unavailable, err, "nodecall.error.unreachable", node)
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	if lang, ok := languageOf(ctx); ok {
		h.Set("Accept-Language", string(lang))
	}
	h.Set(HeaderFrom, id.Node)
	h.Set(HeaderTo, node)
	h.Set(HeaderKey, id.KeyID)
	h.Set(HeaderDate, strconv.FormatInt(date, 10))
	h.Set(HeaderNonce, nonce)
	h.Set(HeaderSignature, base64.StdEncoding.EncodeToString(sig))
	resp, err := c.hc.Do(req)
	if err != nil {
		return errs.Wrapf(errs.Unavailable, err, "nodecall.error.unreachable", node)
	}
	defer resp.Body.Close()
	limit := c.MaxAnswer
	if limit <= 0 {
		limit = MaxAnswer
	}
	answer, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return errs.Wrapf(errs.Unavailable, err, "nodecall.error.unreachable", node)
	}
	if int64(len(answer)) > limit {
		return errs.Wrapf(errs.Unavailable, fmt.Errorf("answer over %d bytes", limit), "nodecall.error.answer_forged", node)
	}
	if err := checkAnswer(c.peers, resp, node, id.Node, nonce, answer); err != nil {
		return errs.Wrapf(errs.Unavailable, err, "nodecall.error.answer_forged", node)
	}
	if resp.StatusCode != http.StatusOK {
		return answerError(node, resp.StatusCode, answer)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return errs.Wrapf(errs.Unavailable, err, "nodecall.error.answer_forged", node)
	}
	return nil
}

// checkAnswer verifies an answer's signature: by callee's own node key, over this call's nonce,
// the status, both nodes and the body.
func checkAnswer(peers Peers, resp *http.Response, callee, caller, nonce string, body []byte) error {
	s, err := parseAnswer(resp.Header)
	if err != nil {
		return fmt.Errorf("answer %s: %w", resp.Status, err)
	}
	if s.From != callee {
		return fmt.Errorf("answer %s from %s, not %s", resp.Status, s.From, callee)
	}
	if err := verifyWith(peers, s.KeyID, callee, AnswerText(nonce, resp.StatusCode, callee, caller, body), s.Signature); err != nil {
		return fmt.Errorf("answer %s: %w", resp.Status, err)
	}
	return nil
}

// answerError turns a signed error answer into Call's error.
func answerError(node string, status int, body []byte) error {
	ae := parseErrorAnswer(node, status, body)
	kind := ae.Kind
	switch kind {
	case errs.Invalid, errs.NotFound, errs.Conflict, errs.Forbidden, errs.TooLarge, errs.TooMany, errs.Unavailable:
	case errs.Unauthenticated:
		kind = errs.Forbidden
	default:
		kind = errs.Unavailable
	}
	return &errs.Error{Kind: kind, Message: "nodecall.error.peer_said", Args: []any{node, ae.Message}, Field: ae.Field, Err: ae}
}

// parseErrorAnswer reads an error answer's body; what it cannot read leaves the kind of the
// status and an empty message.
func parseErrorAnswer(node string, status int, body []byte) *AnswerError {
	ae := &AnswerError{Node: node, Status: status, Kind: httpserver.KindOf(status)}
	var w wireError
	if json.Unmarshal(body, &w) != nil {
		return ae
	}
	// The kind is the status's (set above): a kind named in the body that the status does not
	// say is not believed.
	ae.Message = clean(w.Error.Message, maxPeerMessage)
	if f := clean(w.Error.Field, 64); f == w.Error.Field {
		ae.Field = f
	}
	return ae
}

// clean keeps a peer's text printable and at most max characters.
func clean(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return strings.TrimSpace(s)
}
