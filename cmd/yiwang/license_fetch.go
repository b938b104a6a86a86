package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/federation"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/license"
)

// fetchTrustUsage documents license fetch-trust (part of licenseUsage).
const fetchTrustUsage = `  yiwang license fetch-trust --fingerprint HEX [--trust FILE] [--snapshot FILE] [--timeout D]
                             [--lang LANG] URL
        download, for license verify, the trust list and the signed status snapshot of the node
        at URL (its base URL, e.g. https://yiwang.zhejiang.gov.cn). The node's key
        (GET /api/v1/federation/node-key) is taken only if its SHA-256 fingerprint is HEX, as the
        node's administrator reads it out to you (spaces, colons and case do not matter); the
        trust list must be signed by it and the snapshot (from the status URL the list names)
        too, for the same node. Only then are --trust (trust.json: the key and the list, as
        --save-trust writes it) and --snapshot (status.yws) written, ready for
        'yiwang license verify --trust trust.json --snapshot status.yws TEXT'. Fetch the snapshot
        again before its next update to see new revocations.
`

// nodeKeyPath is where a node serves its node key (internal/api).
const nodeKeyPath = "/api/v1/federation/node-key"

func cmdLicenseFetchTrust(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("license fetch-trust", "license fetch-trust --fingerprint HEX [--trust FILE] [--snapshot FILE] URL", stderr)
	fpFlag := fs.String("fingerprint", "", "the SHA-256 fingerprint of the node's key, as its administrator gave it (required)")
	trustName := fs.String("trust", "trust.json", "write the node key and its trust list to this file (license verify --trust)")
	snapName := fs.String("snapshot", "status.yws", "write the node's signed status snapshot to this file (license verify --snapshot)")
	timeout := fs.Duration("timeout", 30*time.Second, "give up on the node after this long")
	langFlag := fs.String("lang", "zh-Hans", "language of the summary: zh-Hans, zh-Hant or en")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"license fetch-trust takes exactly one URL: the node's base URL, e.g. https://yiwang.zhejiang.gov.cn"}
	}
	lang, err := parseLang(*langFlag)
	if err != nil {
		return err
	}
	pinned, err := parseFingerprint(*fpFlag)
	if err != nil {
		return err
	}
	base, err := nodeBaseURL(pos[0])
	if err != nil {
		return err
	}
	if *timeout <= 0 {
		return usageError{"--timeout must be positive, e.g. 30s"}
	}
	if *trustName == "" || *snapName == "" || filepath.Clean(*trustName) == filepath.Clean(*snapName) {
		return usageError{"--trust and --snapshot must name two different files"}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// The node key, accepted only under the fingerprint given.
	body, err := fetchFrom(ctx, client, base+nodeKeyPath, 64<<10)
	if err != nil {
		return err
	}
	var nk federation.NodeKey
	if err := json.Unmarshal(body, &nk); err != nil {
		return fmt.Errorf("the node key from %s is not a node key answer: %v", base+nodeKeyPath, err)
	}
	nodeKey, err := parsePublicKeyPEM([]byte(nk.PEM))
	if err != nil {
		return fmt.Errorf("the node key from %s: %w", base+nodeKeyPath, err)
	}
	der, err := smx509.MarshalPKIXPublicKey(nodeKey)
	if err != nil {
		return err
	}
	if got := federation.Fingerprint(der); got != pinned {
		return fmt.Errorf("wrong fingerprint: the node at %s has the key %s, not the %s you gave; nothing was written. "+
			"Do not trust this node: compare the fingerprint with its administrator again", base, federation.GroupFingerprint(got), federation.GroupFingerprint(pinned))
	}

	// The trust list, signed by that key.
	listURL := base + federation.TrustListPath
	list, err := fetchFrom(ctx, client, listURL, federation.MaxTrustList)
	if err != nil {
		return err
	}
	tl, err := federation.Open(list, nodeKey)
	switch {
	case errors.Is(err, federation.ErrSignature):
		return fmt.Errorf("bad signature: the trust list from %s is not signed by the node key you pinned; nothing was written", listURL)
	case err != nil:
		return fmt.Errorf("the trust list from %s: %w; nothing was written", listURL, err)
	}

	// The status snapshot, from where the list says, signed by the same key, of the same node.
	statusURL := tl.StatusURL
	if statusURL == "" {
		statusURL = base + "/api/v1/licenses/status"
	}
	if _, err := nodeBaseURL(statusURL); err != nil {
		return fmt.Errorf("the trust list names the status URL %q, which cannot be fetched: %v", statusURL, err)
	}
	answer, err := fetchFrom(ctx, client, statusURL, license.MaxSnapshot+64<<10)
	if err != nil {
		return err
	}
	doc := snapshotOf(answer)
	snap, err := license.VerifySnapshot(doc, nodeKey)
	if err != nil {
		if errors.Is(err, license.ErrSnapshot) && strings.Contains(err.Error(), "signature") {
			return fmt.Errorf("bad signature: the status snapshot from %s: %w; nothing was written", statusURL, err)
		}
		return fmt.Errorf("the status snapshot from %s: %w; nothing was written", statusURL, err)
	}
	if snap.Node != tl.Node {
		return fmt.Errorf("the status snapshot from %s is node %s's, the trust list node %s's; nothing was written", statusURL,
			snap.Node, tl.Node)
	}

	if err := writeFileAtomic(*snapName, append(doc, '\n')); err != nil {
		return fmt.Errorf("--snapshot %s: %w", *snapName, err)
	}
	if err := writeTrustFile(*trustName, tl.Node, nodeKey, list); err != nil {
		return err
	}
	fmt.Fprintln(stdout, i18n.T(lang, "license.fetch_trust.done", tl.Name, tl.Node, tl.Version, len(tl.Keys), *trustName,
		len(snap.Status), snap.NextUpdate.In(clock.China).Format("2006-01-02 15:04"), *snapName))
	return nil
}

// parseFingerprint reads --fingerprint: 64 hex digits, spaces, colons and case ignored.
func parseFingerprint(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", usageError{"--fingerprint: give the SHA-256 fingerprint of the node's key, as its administrator read it out to you"}
	}
	fp := strings.ToLower(strings.NewReplacer(" ", "", ":", "", "\t", "").Replace(s))
	if b, err := hex.DecodeString(fp); err != nil || len(b) != 32 {
		return "", usageError{fmt.Sprintf("--fingerprint %q is not a SHA-256 fingerprint: 64 hexadecimal digits", s)}
	}
	return fp, nil
}

// nodeBaseURL checks a node's URL: https, or plain http only to this machine (a node under
// test); no user, query or fragment. It returns it without a trailing slash.
func nodeBaseURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", usageError{fmt.Sprintf("%q is not a node's URL: write it as https://yiwang.zhejiang.gov.cn", raw)}
	}
	switch u.Scheme {
	case "https":
	case "http":
		if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", usageError{fmt.Sprintf("%q is plain http: a node is reached over https (plain http only on this machine)", raw)}
		}
	default:
		return "", usageError{fmt.Sprintf("%q is not an https URL", raw)}
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// fetchFrom GETs u and returns the body of a 200 answer of at most limit bytes, with an error
// that names u and what failed.
func fetchFrom(ctx context.Context, client *http.Client, u string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot ask %s: %v", u, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("unreachable: cannot reach %s: %v; nothing was written", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s; nothing was written", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("unreachable: reading %s: %v; nothing was written", u, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s sent more than %d bytes; nothing was written", u, limit)
	}
	return b, nil
}

// snapshotOf takes the snapshot document out of a status answer: the document itself, or a
// node's JSON carrying it ({"snapshot": "YWS1.…", …}).
func snapshotOf(answer []byte) []byte {
	answer = bytes.TrimSpace(answer)
	if len(answer) > 0 && answer[0] == '{' {
		var a struct {
			Snapshot string `json:"snapshot"`
		}
		if json.Unmarshal(answer, &a) == nil && a.Snapshot != "" {
			return []byte(strings.TrimSpace(a.Snapshot))
		}
	}
	return answer
}

// writeFileAtomic writes data to name through a temporary file in the same directory, so that a
// verifier never reads half a file.
func writeFileAtomic(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}
