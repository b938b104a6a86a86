package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/federation"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// federationEvery is how often Run publishes this node's trust list and fetches its peers'.
const federationEvery = 10 * time.Minute

// federationDirectory gives the federation service the organisations' credit codes, the same
// ones the licence service puts in credentials (licenseDirectory).
type federationDirectory struct{ db *store.DB }

func (d federationDirectory) CreditCode(ctx context.Context, orgCode string) (string, error) {
	if _, err := org.Get(ctx, d.db, orgCode); err != nil {
		return "", err
	}
	return catalog.OrgCreditCode(orgCode), nil
}

// licenceTypeCodes gives the federation service the licence types this node publishes.
type licenceTypeCodes struct{ licenses *license.Service }

func (t licenceTypeCodes) PublishedTypeCodes(ctx context.Context) ([]string, error) {
	types, err := t.licenses.PublishedTypes(ctx)
	if err != nil {
		return nil, err
	}
	codes := make([]string, len(types))
	for i, ty := range types {
		codes[i] = ty.Code
	}
	return codes, nil
}

// httpTransport fetches peers' trust lists: a 200 answer only, no redirect followed, at most
// limit bytes (errs.TooLarge beyond).
type httpTransport struct{ client *http.Client }

func newHTTPTransport() httpTransport {
	return httpTransport{client: &http.Client{
		Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

func (t httpTransport) Get(ctx context.Context, url string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, errs.E(errs.TooLarge, "error.too_large")
	}
	return body, nil
}

// peerKeys is the licence service's view of the approved peers' keys: it asks the federation
// service once there is one (the licence service is assembled first, and without a public URL
// the federation service only once Run knows the address it listens on).
type peerKeys struct{ a *App }

func (p peerKeys) TrustedKey(kid string) (credential.TrustedKey, bool) {
	p.a.fedMu.RLock()
	r := p.a.fedResolver
	p.a.fedMu.RUnlock()
	if r == nil {
		return credential.TrustedKey{}, false
	}
	return r.TrustedKey(kid)
}

// peerSnapshots is the licence service's view of the approved peers' status snapshots: it asks
// the federation service once there is one, as peerKeys does; before, there is none.
type peerSnapshots struct{ a *App }

func (p peerSnapshots) PeerSnapshot(ctx context.Context, node string) ([]byte, time.Time, error) {
	fed := p.a.Federation()
	if fed == nil {
		return nil, time.Time{}, errs.E(errs.NotFound, "federation.error.no_peer_snapshot", node)
	}
	return fed.PeerSnapshot(ctx, node)
}

// Federation returns the federation service, nil while the node does not know its endpoint
// (Config.PublicURL empty and Run not yet listening).
func (a *App) Federation() *federation.Service {
	a.fedMu.RLock()
	defer a.fedMu.RUnlock()
	return a.fed
}

// nodeOf returns the node code and name cfg asks for, with their defaults.
func nodeOf(cfg Config) (code, name string) {
	code, name = cfg.Node, strings.TrimSpace(cfg.NodeName)
	if code == "" {
		code = DefaultNode
	}
	if name == "" {
		name, _ = idcode.RegionName(code, "zh-Hans")
	}
	return code, name
}

// newFederation assembles the federation service (after the licence service, whose published
// types its list names) when the endpoint is known: Config.PublicURL, else the URL Run listens
// on (startFederation).
func (a *App) newFederation(cfg Config) error {
	a.fedCfg = cfg
	if cfg.PublicURL == "" {
		return nil
	}
	return a.setFederation(cfg.PublicURL)
}

// setFederation makes the federation service of the node at endpoint current.
func (a *App) setFederation(endpoint string) error {
	cfg := a.fedCfg
	node, name := nodeOf(cfg)
	endpoint = strings.TrimSuffix(endpoint, "/")
	// The node key and its algorithm are the licence service's defaults: the digital office's
	// SM2 key (license.Config leaves NodeOrg and Algorithm unset).
	svc, err := federation.New(cfg.DB, federation.Config{Node: node, Name: name, NodeOrg: org.DigitalOffice,
		Endpoint: endpoint, StatusURL: endpoint + "/api/v1/licenses/status",
		Keys: a.Keys, Ledger: a.Ledger, Directory: federationDirectory{cfg.DB}, Types: licenceTypeCodes{a.Licenses},
		Transport: newHTTPTransport(), Logger: cfg.Logger})
	if err != nil {
		return err
	}
	r, err := svc.Resolver(context.Background())
	if err != nil {
		return err
	}
	a.fedMu.Lock()
	a.fed, a.fedResolver = svc, r
	a.fedMu.Unlock()
	return nil
}

// startFederation publishes this node's trust list and fetches its peers' at once and then
// every federationEvery (their status snapshots every five minutes) until ctx ends, once the server listens at url (the endpoint when
// Config.PublicURL is empty).
func (a *App) startFederation(ctx context.Context, wg *sync.WaitGroup, url string) {
	if a.Federation() == nil {
		if err := a.setFederation(url); err != nil {
			a.logger.Error("federation is unavailable: set the public URL", "err", err)
			return
		}
	}
	svc := a.Federation()
	wg.Go(func() {
		svc.Run(principal.With(ctx, principal.SystemPrincipal), federationEvery, a.logger)
	})
}
