package nodecall

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/requestid"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// nonceRetention is how long a nonce is kept: a call dated up to MaxSkew ahead stays
// acceptable until MaxSkew after its date, so a nonce seen now could come back for twice the
// window; a minute more for clocks.
const nonceRetention = 2*MaxSkew + time.Minute

// pruneEvery is how many accepted calls pass between two prunings of old nonces.
const pruneEvery = 256

// Func serves an authenticated call: caller is the calling node's code, body the call's JSON.
// What it returns is the answer's JSON; an error becomes an error answer whose status is its
// errs kind's (internal/httpserver.Status).
type Func func(ctx context.Context, caller string, body []byte) (any, error)

// Server authenticates calls from peer nodes and signs its answers.
type Server struct {
	db    *store.DB
	self  func(context.Context) (Identity, error)
	peers Peers

	// MaxBody bounds a call's body (MaxBody if not positive). Clock is the clock a call's
	// date is compared with (the store's if nil); Logger logs refused calls and internal
	// errors (slog.Default() if nil). Set them before serving.
	MaxBody int64
	Clock   clock.Clock
	Logger  *slog.Logger

	accepted atomic.Uint64
}

// NewServer returns a server that remembers nonces in db, signs as self and trusts peers.
func NewServer(db *store.DB, self func(context.Context) (Identity, error), peers Peers) *Server {
	return &Server{db: db, self: self, peers: peers}
}

func (s *Server) clock() clock.Clock {
	if s.Clock != nil {
		return s.Clock
	}
	return s.db.Clock()
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// Handler serves calls with h: it authenticates each (401 otherwise), passes the caller's node
// code and the body to h, and answers with what h returns, signed.
func (s *Server) Handler(h Func) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id, err := s.self(ctx)
		if err != nil {
			// Without its key the node cannot sign: an unsigned answer, which the caller refuses.
			s.logger().ErrorContext(ctx, "nodecall: this node's identity", "err", err)
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write(errorBody(r, errs.E(errs.Unavailable, "error.unavailable")))
			return
		}
		// The nonce signed into the answer is the call's, as written, when it looks like one.
		nonce := r.Header.Get(HeaderNonce)
		if !validNonce(nonce) {
			nonce = ""
		}
		caller := r.Header.Get(HeaderFrom)
		if !validNode(caller) {
			caller = ""
		}
		limit := s.MaxBody
		if limit <= 0 {
			limit = MaxBody
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				s.answerError(w, r, id, nonce, caller, errs.E(errs.TooLarge, "error.too_large"))
				return
			}
			s.answerError(w, r, id, nonce, caller, errs.Wrapf(errs.Invalid, err, "nodecall.error.body"))
			return
		}
		from, err := s.authenticate(ctx, r, id, body)
		if err != nil {
			s.answerError(w, r, id, nonce, caller, err)
			return
		}
		if s.accepted.Add(1)%pruneEvery == 0 {
			if _, err := s.Prune(ctx); err != nil {
				s.logger().WarnContext(ctx, "nodecall: pruning nonces", "err", err)
			}
		}
		res, err := h(ctx, from, body)
		if err != nil {
			s.answerError(w, r, id, nonce, from, err)
			return
		}
		out, err := json.Marshal(res)
		if err != nil {
			s.answerError(w, r, id, nonce, from, err)
			return
		}
		s.answer(w, r, id, nonce, from, http.StatusOK, out)
	})
}

// authenticate checks a call and returns the caller's node code; its errors are
// errs.Unauthenticated, but for a failing database.
func (s *Server) authenticate(ctx context.Context, r *http.Request, id Identity, body []byte) (string, error) {
	refuse := func(msg string, detail error, args ...any) error {
		s.logger().WarnContext(ctx, "nodecall: call refused", "from", r.Header.Get(HeaderFrom), "path", r.URL.Path,
			"reason", msg, "err", detail)
		return errs.Wrapf(errs.Unauthenticated, detail, msg, args...)
	}
	env, err := parseRequest(r.Header)
	if err != nil {
		return "", refuse("nodecall.error.headers", err)
	}
	if r.Method != http.MethodPost || r.URL.RawQuery != "" || !validPath(r.URL.EscapedPath()) {
		return "", refuse("nodecall.error.headers", fmt.Errorf("%s %s", r.Method, r.URL.RequestURI()))
	}
	if env.To != id.Node {
		return "", refuse("nodecall.error.not_this_node", fmt.Errorf("to %s", env.To), id.Node)
	}
	if env.From == id.Node {
		return "", refuse("nodecall.error.unknown_node", errors.New("a call from this node itself"), env.From)
	}
	now := s.clock().Now()
	if d := time.Unix(env.Date, 0).Sub(now); d > MaxSkew || d < -MaxSkew {
		return "", refuse("nodecall.error.date", fmt.Errorf("dated %d, %s off", env.Date, d), int(MaxSkew/time.Minute))
	}
	if _, err := s.peers.Endpoint(ctx, env.From); err != nil {
		if errs.Is(err, errs.NotFound) {
			return "", refuse("nodecall.error.unknown_node", err, env.From)
		}
		return "", err
	}
	msg := RequestText(r.Method, r.URL.EscapedPath(), env.From, env.To, env.Date, env.Nonce, body)
	if err := verifyWith(s.peers, env.KeyID, env.From, msg, env.Signature); err != nil {
		return "", refuse("nodecall.error.signature", err, env.From)
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO node_call_nonces (node, nonce, seen_at) VALUES (?, ?, ?)`,
			env.From, env.Nonce, tx.Now)
		return err
	})
	if errs.Is(err, errs.Conflict) {
		return "", refuse("nodecall.error.replay", err)
	}
	if err != nil {
		return "", err
	}
	return env.From, nil
}

// Prune forgets the nonces older than their window and returns how many.
func (s *Server) Prune(ctx context.Context) (int64, error) {
	before := s.clock().Now().Add(-nonceRetention)
	var n int64
	err := s.db.Transact(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM node_call_nonces WHERE seen_at < ?`, before)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("nodecall.Prune: %w", err)
	}
	return n, nil
}

// answerError answers err as internal/httpserver would, signed: the status of its kind and its
// public message in the caller's language; internal detail is logged, never sent.
func (s *Server) answerError(w http.ResponseWriter, r *http.Request, id Identity, nonce, caller string, err error) {
	e := errs.Public(err)
	status := httpserver.Status(e.Kind)
	if status == http.StatusInternalServerError || e.Kind == errs.Unavailable {
		s.logger().ErrorContext(r.Context(), "nodecall: call failed", "from", caller, "path", r.URL.Path, "err", err)
	}
	s.answer(w, r, id, nonce, caller, status, errorBody(r, e))
}

// answer writes body with status, signed by this node's key.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, id Identity, nonce, caller string, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	sig, err := credential.SignBytes(id.Signer, id.Alg, AnswerText(nonce, status, id.Node, caller, body))
	if err != nil {
		s.logger().ErrorContext(r.Context(), "nodecall: signing an answer", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write(errorBody(r, errs.E(errs.Unavailable, "error.unavailable")))
		return
	}
	h.Set(HeaderFrom, id.Node)
	h.Set(HeaderKey, id.KeyID)
	h.Set(HeaderSignature, base64.StdEncoding.EncodeToString(sig))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// wireError is an error answer's body, as internal/httpserver writes one.
type wireError struct {
	Error struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
		// RequestID is the callee's request id, for its logs.
		RequestID string `json:"request_id,omitempty"`
	} `json:"error"`
}

// errorBody is e's error answer to r; an internal error shows only a known message.
func errorBody(r *http.Request, e *errs.Error) []byte {
	public := &errs.Error{Kind: e.Kind, Message: e.Message, Field: e.Field, Args: e.Args}
	if public.Message == "" || httpserver.Status(e.Kind) == http.StatusInternalServerError && !i18n.Has(public.Message) {
		public.Kind, public.Message, public.Args = errs.Internal, "error.internal", nil
	}
	var out wireError
	out.Error.Kind, out.Error.Message, out.Error.Field = string(public.Kind), httpserver.Translate(i18n.Negotiate(r), public), public.Field
	out.Error.RequestID = requestid.From(r.Context())
	b, _ := json.Marshal(out)
	return b
}
