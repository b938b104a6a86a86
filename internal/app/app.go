// Package app wires Yiwang's modules into one running platform — store, domain services, event
// dispatcher, web portal and JSON API on one HTTP server — for cmd/yiwang and for tests that
// need the whole platform.
package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/yiwang-platform/yiwang/internal/acquirer"
	"github.com/yiwang-platform/yiwang/internal/api"
	"github.com/yiwang-platform/yiwang/internal/apps"
	"github.com/yiwang-platform/yiwang/internal/calendar"
	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/demo"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/federation"
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/nodecall"
	"github.com/yiwang-platform/yiwang/internal/notify"
	"github.com/yiwang-platform/yiwang/internal/oidc"
	"github.com/yiwang-platform/yiwang/internal/payments"
	"github.com/yiwang-platform/yiwang/internal/pki"
	"github.com/yiwang-platform/yiwang/internal/plan"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/ratings"
	"github.com/yiwang-platform/yiwang/internal/seal"
	"github.com/yiwang-platform/yiwang/internal/sign"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/tsa"
	"github.com/yiwang-platform/yiwang/internal/web"
)

// Config says how to assemble the platform.
type Config struct {
	// DB is an open, migrated store; the App does not close it.
	DB      *store.DB
	Logger  *slog.Logger
	NATSURL string
	// NATSOptions tune the JetStream publisher (stream name, subject prefix…).
	NATSOptions []events.NATSOption
	// Production marks cookies Secure and sends HSTS (users reach the site over HTTPS).
	Production bool
	// Demo seeds demo data and shows demo hints.
	Demo    bool
	Version string
	// RateLimits overrides the HTTP rate limits (tests raise them).
	RateLimits map[string]httpserver.Limit
	// Sender delivers one-time codes to phones; nil means the development outbox, which
	// production refuses.
	Sender identity.Sender

	// Single sign-on for department apps (internal/oidc).
	//
	// PublicURL is where people and apps reach the site (https://yiwang.fujian.gov.cn); the
	// OpenID Connect issuer is PublicURL + "/oidc". When empty, the issuer is taken from the
	// address Run listens on — a loopback address in development; production needs PublicURL.
	PublicURL string
	// OIDCSecret, at least 32 random bytes shared by every node, protects the provider's tokens
	// and signing keys. When empty outside production, a random one is made for this process,
	// so tokens do not outlive a restart; production refuses to start without one.
	OIDCSecret []byte

	// MasterKey wraps every data key of the key service. When nil outside production, one random
	// key is made per process (keys made now do not open after a restart); production
	// refuses to start without one.
	MasterKey *keys.MasterKey
	// Witnesses cosign this node's ledger checkpoints; WitnessedLogs are the other nodes' logs
	// this node cosigns (at POST /ledger/witness/add-checkpoint) after checking consistency.
	Witnesses     []ledger.WitnessPeer
	WitnessedLogs []ledger.WitnessedLog

	// Senders carry inbox messages further (SMS, email); none keeps them in the inbox only.
	Senders []notify.Sender
	// Scanner checks uploaded materials for malware; nil uses cases.ExecutableFilter, which
	// refuses executables and the EICAR test file but is no antivirus.
	Scanner cases.Scanner

	// Node is this node's GB/T 2260 province code, which names it to other provinces' nodes and
	// in its licences' credentials; DefaultNode (Fujian) when empty. NodeName is its name in
	// its trust list, the province's (福建省) when empty.
	Node     string
	NodeName string
}

// App is the assembled platform.
type App struct {
	DB         *store.DB
	Plan       *plan.Service
	Identity   *identity.Service
	Calendar   *calendar.Live
	Dispatcher *events.Dispatcher
	Server     *httpserver.Server
	API        *api.API
	// DemoResult says what demo seeding did, when Config.Demo is set.
	DemoResult *demo.Result
	// Apps registers department apps and keeps people's consents; OIDC signs people in to them.
	Apps *apps.Service
	OIDC *oidc.Provider
	// Trust services: keys, certificates, time stamps, the ledger and seals.
	Keys   *keys.Service
	PKI    *pki.Service
	TSA    *tsa.Authority
	Ledger *ledger.Log
	// Witness cosigns other nodes' checkpoints; nil when the node witnesses none.
	Witness *ledger.Witness
	Seals   *seal.Registry
	Sign    *sign.Service
	// caseCodeKey and ratingCodeKey are node secrets (keys.Service.Secret) under which cases and
	// ratings store the hashes of the codes people hold: query codes and window-visit codes.
	caseCodeKey, ratingCodeKey []byte
	// The service hall: the catalogue, cases, payments (with the sandbox acquirer outside
	// production), ratings and people's inboxes.
	Catalog  *catalog.Service
	Cases    *cases.Service
	Payments *payments.Service
	Acquirer *acquirer.Acquirer
	Ratings  *ratings.Service
	Inbox    *notify.Service
	// Licenses keeps licence types and electronic licences, issued from approved cases.
	Licenses *license.Service
	// fed is the federation service (Federation), fedResolver its approved peers' keys, which
	// the licence service trusts too; both nil until the node knows its endpoint.
	fedMu       sync.RWMutex
	fed         *federation.Service
	fedResolver credential.Resolver
	fedCfg      Config
	// NodeCalls calls peer nodes as this node, signed with its node key; NodeCallServer
	// authenticates their calls (nodecall). Both wait for the federation service.
	NodeCalls      *nodecall.Client
	NodeCallServer *nodecall.Server

	nats   *events.NATSPublisher
	logger *slog.Logger
}

// New assembles the platform over cfg.DB, seeding demo data when asked.
func New(ctx context.Context, cfg Config) (_ *App, err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cal, err := calendar.NewLive(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	a := &App{DB: cfg.DB, Calendar: cal, Plan: plan.New(cfg.DB, cal), logger: cfg.Logger}
	if err := a.newTrust(ctx, cfg); err != nil {
		a.Close()
		return nil, err
	}
	// TOTP secrets are sealed under the key service; ones an older node stored in clear are
	// sealed now.
	ids, err := identity.New(cfg.DB, identity.Options{Sender: cfg.Sender, Production: cfg.Production, Secrets: a.Keys})
	if err != nil {
		a.Close()
		return nil, err
	}
	if _, err := ids.SealTOTPSecrets(principal.With(ctx, principal.SystemPrincipal)); err != nil {
		a.Close()
		return nil, err
	}
	a.Identity = ids
	a.Dispatcher = events.NewDispatcher(cfg.DB, events.Options{Logger: cfg.Logger})
	// Wake the dispatcher after each commit instead of waiting for its next poll.
	cfg.DB.OnCommit(a.Dispatcher.Notify)
	if cfg.NATSURL != "" {
		opts := append([]events.NATSOption{events.WithNATSLogger(cfg.Logger)}, cfg.NATSOptions...)
		if a.nats, err = events.NewNATSPublisher(ctx, cfg.NATSURL, opts...); err != nil {
			return nil, fmt.Errorf("NATS at %s: %w", redact(cfg.NATSURL), err)
		}
		a.nats.Attach(a.Dispatcher)
	}
	if err := a.newHall(ctx, cfg); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.newLicenses(cfg); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.newFederation(cfg); err != nil {
		a.Close()
		return nil, err
	}
	a.newNodeCalls(cfg)
	a.newTransfers()
	// Consumers are registered before anything is seeded, so that they receive its events.
	if err := a.Dispatcher.Register(ctx); err != nil {
		a.Close()
		return nil, err
	}
	if cfg.Demo {
		res, err := demo.Seed(ctx, cfg.DB, cal)
		if err != nil {
			a.Close()
			return nil, err
		}
		if res.Seals, err = demo.SeedSeals(ctx, a.Seals, cfg.DB.Clock().Now()); err != nil {
			a.Close()
			return nil, err
		}
		n, err := demo.SeedHall(ctx, cfg.DB, a.Catalog, a.Seals, cfg.DB.Clock().Now())
		if err != nil {
			a.Close()
			return nil, err
		}
		res.Seals += n
		if res.LicenceTypes, err = demo.SeedLicenses(ctx, a.Licenses); err != nil {
			a.Close()
			return nil, err
		}
		a.DemoResult = &res
	}
	if err := a.newOIDC(ctx, cfg); err != nil {
		a.Close()
		return nil, err
	}
	site, err := web.New(web.Config{DB: cfg.DB, Plan: a.Plan, Identity: ids, OIDC: a.OIDC, Apps: a.Apps, Logger: cfg.Logger,
		Secure: cfg.Production, Demo: cfg.Demo, Seals: a.Seals, Sign: a.Sign, Ledger: a.Ledger, PKI: a.PKI,
		Catalog: a.Catalog, Cases: a.Cases, Payments: a.Payments, Ratings: a.Ratings, Inbox: a.Inbox,
		Licenses: a.Licenses, Federation: a.Federation, PeerFetch: a.FetchFromPeer})
	if err != nil {
		a.Close()
		return nil, err
	}
	srv, err := httpserver.New(httpserver.Config{
		Logger:       cfg.Logger,
		TLS:          cfg.Production,
		Ready:        cfg.DB.Ready,
		Authenticate: a.authenticator(site.Authenticate),
		ErrorPage:    site.ErrorPage,
		RateLimits:   cfg.RateLimits,
	})
	if err != nil {
		a.Close()
		return nil, err
	}
	site.Install(srv)
	if err := a.installHall(ctx, cfg, srv); err != nil {
		a.Close()
		return nil, err
	}
	a.OIDC.Install(srv)
	a.OIDC.OnEndSession(site.EndSession)
	a.API = api.New(api.Config{DB: cfg.DB, Plan: a.Plan, Calendar: cal, Identity: ids, Apps: a.Apps, Version: cfg.Version,
		TSA: a.TSA, PKI: a.PKI, Ledger: a.Ledger, Witness: a.Witness, Seals: a.Seals, Sign: a.Sign,
		Catalog: a.Catalog, Cases: a.Cases, Payments: a.Payments, Ratings: a.Ratings, Inbox: a.Inbox,
		Licenses: a.Licenses, Federation: a.Federation, NodeCalls: a.NodeCallServer,
		PeerFetch: a.FetchFromPeer, Transfers: transfers{a}})
	a.API.Install(srv)
	a.Server = srv
	return a, nil
}

// Close releases what New opened (not the store).
func (a *App) Close() {
	if a.Licenses != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := a.Licenses.Close(ctx); err != nil {
			a.logger.Error("closing the licence service", "err", err)
		}
		cancel()
	}
	if a.nats != nil {
		a.nats.Close()
	}
	if a.TSA != nil {
		_ = a.TSA.Close()
	}
}

// Run serves HTTP and delivers events until ctx ends; onListening gets the URL once the server
// accepts connections.
func (a *App) Run(ctx context.Context, addr string, onListening func(url string)) error {
	if err := a.Dispatcher.Register(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(4)
	go func() {
		defer wg.Done()
		if err := a.Ledger.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			a.logger.Error("ledger checkpointer stopped", "err", err)
		}
	}()
	go func() {
		defer wg.Done()
		a.Keys.Run(ctx, 10*time.Second, a.logger)
	}()
	go func() {
		defer wg.Done()
		// Overrides changed through another node arrive within a minute.
		a.Calendar.Watch(ctx, time.Minute)
	}()
	go func() {
		defer wg.Done()
		if err := a.Dispatcher.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			a.logger.Error("event dispatcher stopped", "err", err)
		}
	}()
	a.runHall(ctx, &wg)
	err := a.Server.Run(ctx, addr, func(url string) {
		a.listening(url)
		a.startFederation(ctx, &wg, url)
		if onListening != nil {
			onListening(url)
		}
	})
	cancel()
	wg.Wait()
	return err
}

// redact hides the password of a server URL so that it can be shown.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return p.Redacted()
}

// authenticator says who is asking: a bearer token on the JSON API (a personal access token, or
// an access token the OpenID Connect provider issued), else the session cookie. A token limited
// to reading may not change anything.
func (a *App) authenticator(session func(*http.Request) (principal.Principal, error)) func(*http.Request) (principal.Principal, error) {
	return func(r *http.Request) (principal.Principal, error) {
		auth := r.Header.Get("Authorization")
		if auth == "" {
			return session(r)
		}
		scheme, token, ok := strings.Cut(auth, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || !strings.HasPrefix(r.URL.Path, "/api/") {
			return principal.Principal{}, errs.E(errs.Unauthenticated, "error.bad_authorization")
		}
		token = strings.TrimSpace(token)
		var p principal.Principal
		var err error
		if strings.HasPrefix(token, identity.TokenPrefix) {
			p, err = a.Identity.TokenPrincipal(r.Context(), token)
		} else {
			// A department system's access token from the provider (client credentials).
			p, err = a.OIDC.Principal(r.Context(), token)
		}
		if err != nil {
			return principal.Principal{}, err
		}
		if !readOnlyMethod(r.Method) && !p.Allows(principal.ScopeAPIWrite) {
			return principal.Principal{}, errs.E(errs.Forbidden, "error.token_read_only")
		}
		if !p.Allows(principal.ScopeAPIRead) && !p.Allows(principal.ScopeAPIWrite) {
			return principal.Principal{}, errs.E(errs.Forbidden, "error.token_scope")
		}
		return p, nil
	}
}

func readOnlyMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// ---- single sign-on for department apps ----------------------------------------------------

// newOIDC assembles the app registry and the OpenID Connect provider, which learns who people
// are from the identity service.
func (a *App) newOIDC(ctx context.Context, cfg Config) (err error) {
	secret := cfg.OIDCSecret
	if len(secret) == 0 {
		if cfg.Production {
			return fmt.Errorf("single sign-on needs a secret of at least %d random bytes in production (OIDCSecret)", oidc.MinSecretLen)
		}
		secret = make([]byte, oidc.MinSecretLen)
		_, _ = rand.Read(secret)
		cfg.Logger.Warn("single sign-on uses a random secret for this process: its tokens will not survive a restart")
	}
	issuer := ""
	if cfg.PublicURL != "" {
		issuer = strings.TrimSuffix(cfg.PublicURL, "/") + oidc.Path
	}
	a.Apps = apps.New(cfg.DB)
	a.OIDC, err = oidc.New(ctx, oidc.Config{Issuer: issuer, Secret: secret, DB: cfg.DB, Apps: a.Apps,
		Subjects: identitySubjects{a.Identity}, Sessions: a.Identity})
	return err
}

// listening gives the provider its issuer from the address the server listens on, when
// Config.PublicURL did not.
func (a *App) listening(url string) {
	if a.OIDC.Issuer() != "" {
		return
	}
	if err := a.OIDC.SetIssuer(url + oidc.Path); err != nil {
		a.logger.Error("single sign-on is unavailable: set the public URL", "err", err)
	}
}

// identitySubjects tells the OpenID Connect provider who people are.
type identitySubjects struct{ ids *identity.Service }

func (s identitySubjects) Subject(ctx context.Context, id int64) (oidc.Subject, error) {
	acc, err := s.ids.Account(ctx, id)
	if err != nil {
		return oidc.Subject{}, err
	}
	if acc.Disabled {
		return oidc.Subject{}, errs.E(errs.NotFound, "error.not_found")
	}
	sub := oidc.Subject{AccountID: acc.ID, Login: acc.Login, Name: acc.DisplayName, RealNameLevel: acc.RealNameLevel, Kind: acc.Kind}
	if acc.Phone != nil {
		// An account has a phone only once it was proven: by a one-time code at registration,
		// or on the platform an imported account came from.
		sub.Phone, sub.PhoneVerified = *acc.Phone, true
	}
	if acc.IDNumber != nil && acc.IDType != nil {
		sub.IDType, sub.IDNumber = *acc.IDType, *acc.IDNumber
	}
	return sub, nil
}
