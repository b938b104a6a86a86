// Package api serves Yiwang's JSON API under /api/v1 and describes it in the OpenAPI 3.1
// document at /api/openapi.json; every route it installs is documented there, and a test
// keeps the two in step.
package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/apps"
	"github.com/yiwang-platform/yiwang/internal/calendar"
	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/federation"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/nodecall"
	"github.com/yiwang-platform/yiwang/internal/notify"
	"github.com/yiwang-platform/yiwang/internal/payments"
	"github.com/yiwang-platform/yiwang/internal/pki"
	"github.com/yiwang-platform/yiwang/internal/plan"
	"github.com/yiwang-platform/yiwang/internal/ratings"
	"github.com/yiwang-platform/yiwang/internal/seal"
	"github.com/yiwang-platform/yiwang/internal/sign"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/tsa"
)

// Config is what the API needs.
type Config struct {
	DB       *store.DB
	Plan     *plan.Service
	Calendar *calendar.Live
	Identity *identity.Service
	Apps     *apps.Service
	// TSA answers RFC 3161 requests at POST /tsa; nil installs no such route.
	TSA *tsa.Authority
	// PKI serves certificates, CRLs, status and OCSP under /pki and certificates under
	// /api/v1/pki; nil installs none of those routes.
	PKI *pki.Service
	// Ledger serves the transparency log under /ledger and /api/v1/ledger; nil installs none
	// of those routes. Witness, when set, also serves POST /ledger/witness/add-checkpoint.
	Ledger  *ledger.Log
	Witness *ledger.Witness
	// Seals serves the seal registry under /api/v1/seals, and Sign signing and verification at
	// /api/v1/signatures and /api/v1/verifications; nil installs none of those routes.
	Seals *seal.Registry
	Sign  *sign.Service
	// The service hall: catalogue, cases, payments (and the sandbox acquirer's callbacks),
	// ratings and the inbox; nil installs none of their routes.
	Catalog  *catalog.Service
	Cases    *cases.Service
	Payments *payments.Service
	Ratings  *ratings.Service
	Inbox    *notify.Service
	// Licenses keeps licence types and electronic licences; nil installs none of their routes.
	Licenses *license.Service
	// Federation returns the federation service (nil while the node does not know its
	// endpoint, and then its routes answer 503); a nil func installs none of its routes.
	Federation func() *federation.Service
	// NodeCalls authenticates the signed calls of peer nodes, served under
	// /api/v1/federation/calls/ (nodecalls.go); nil installs none of those routes.
	NodeCalls *nodecall.Server
	// PeerFetch fetches a licence from a peer node for an official (internal/app); nil installs
	// no such route.
	PeerFetch PeerFetch
	// Transfers takes in cases transferred from peer nodes and their reports back, at
	// /api/v1/federation/calls/case-transfer and case-status (with NodeCalls); nil installs none.
	Transfers Transfers
	Version   string
}

// API is the JSON API.
type API struct {
	cfg Config
	doc *openAPI
}

// New returns the API.
func New(cfg Config) *API {
	return &API{cfg: cfg, doc: newOpenAPI(cfg.Version)}
}

// Install registers every API route on srv and documents it.
func (a *API) Install(srv *httpserver.Server) {
	srv.Handle("GET /api/openapi.json", a.openapi, httpserver.RateLimit(httpserver.ClassAPI))
	a.installOrgs(srv)
	a.installCalendar(srv)
	a.installPlan(srv)
	a.installIdentity(srv)
	a.installApps(srv)
	a.installTSA(srv)
	a.installPKI(srv)
	a.installLedger(srv)
	a.installSeals(srv)
	a.installSignatures(srv)
	a.installCatalog(srv)
	a.installCases(srv)
	a.installPayments(srv)
	a.installRatings(srv)
	a.installInbox(srv)
	a.installLicenseWork(srv)
	a.installLicense(srv)
	a.installLicenseCopies(srv)
	a.installLicenseGrants(srv)
	a.installFederation(srv)
	a.installNodeCalls(srv)
	a.installTransferCalls(srv)
}

// route registers one documented operation.
func (a *API) route(srv *httpserver.Server, op operation, h httpserver.HandlerFunc, opts ...httpserver.RouteOption) {
	a.doc.add(op)
	opts = append([]httpserver.RouteOption{httpserver.RateLimit(httpserver.ClassAPI)}, opts...)
	srv.Handle(op.Method+" "+op.Path, h, opts...)
}

// Documented returns "METHOD /path" of every documented operation.
func (a *API) Documented() []string { return a.doc.keys() }

func (a *API) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, err := w.Write(a.doc.json())
	return err
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// decode reads a JSON body strictly into v: unknown fields, trailing data, wrong types and
// oversized bodies are errors that name what is wrong.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return errs.E(errs.Invalid, "api.error.content_type")
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return errs.Wrapf(errs.TooLarge, err, "error.too_large")
		case errors.Is(err, io.EOF):
			return errs.E(errs.Invalid, "api.error.empty_body")
		case errors.As(err, &syn):
			return errs.Wrapf(errs.Invalid, err, "api.error.bad_json", syn.Offset)
		case errors.As(err, &typ):
			return &errs.Error{Kind: errs.Invalid, Field: typ.Field, Message: "api.error.bad_type", Args: []any{typ.Field, typ.Type.String()}, Err: err}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return &errs.Error{Kind: errs.Invalid, Field: field, Message: "api.error.unknown_field", Args: []any{field}, Err: err}
		}
		return errs.Wrapf(errs.Invalid, err, "api.error.bad_json", 0)
	}
	if dec.More() {
		return errs.E(errs.Invalid, "api.error.trailing_data")
	}
	return nil
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		// No object has such an id: 404, as for an id that parses but names nothing.
		return 0, &errs.Error{Kind: errs.NotFound, Field: name, Message: "api.error.bad_id", Args: []any{fmt.Sprint(r.PathValue(name))}}
	}
	return id, nil
}
