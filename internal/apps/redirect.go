package apps

import (
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// maxURIs bounds the redirect URIs of one app; maxURILen one URI.
const (
	maxURIs   = 20
	maxURILen = 2000
)

// RedirectAllowed reports whether the provider may send a person back to uri after signing in
// to app. The URI must be one the app registered, character for character — except that a
// native app's http loopback URI (127.0.0.1, [::1] or localhost) matches whatever port the app
// listens on at run time, as RFC 8252 section 7.3 requires: same host, path and query, any
// port. A disabled app is sent nowhere.
func RedirectAllowed(app App, uri string) bool {
	return !app.Disabled && matchURI(app.Type, app.RedirectURIs, uri)
}

// PostLogoutRedirectAllowed is RedirectAllowed for the URIs an app may be sent to after
// signing a person out (RP-initiated logout).
func PostLogoutRedirectAllowed(app App, uri string) bool {
	return !app.Disabled && matchURI(app.Type, app.PostLogoutRedirectURIs, uri)
}

func matchURI(t Type, registered []string, uri string) bool {
	if uri == "" {
		return false
	}
	if slices.Contains(registered, uri) {
		return true
	}
	if t != TypeNative {
		return false
	}
	u, ok := loopback(uri)
	if !ok {
		return false
	}
	for _, r := range registered {
		if ru, ok := loopback(r); ok && ru.Hostname() == u.Hostname() && ru.EscapedPath() == u.EscapedPath() && ru.RawQuery == u.RawQuery {
			return true
		}
	}
	return false
}

// loopback parses uri as an http URI on a loopback host without user information or fragment.
func loopback(uri string) (*url.URL, bool) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "http" || u.User != nil || u.Fragment != "" || strings.Contains(uri, "#") {
		return nil, false
	}
	return u, isLoopbackHost(u.Hostname())
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// checkURIs validates the redirect URIs of an app of type t, for field: https only, except
// http on a loopback host for native apps (RFC 8252); absolute, no user information, no
// fragment, no spaces.
func checkURIs(field string, t Type, uris []string) ([]string, error) {
	if len(uris) > maxURIs {
		return nil, errs.Field(field, "apps.error.too_many_uris", maxURIs)
	}
	out := make([]string, 0, len(uris))
	for _, raw := range uris {
		uri := strings.TrimSpace(raw)
		if uri == "" {
			continue
		}
		if err := checkURI(t, uri); err != nil {
			return nil, errs.Field(field, err.Error(), uri)
		}
		if !slices.Contains(out, uri) {
			out = append(out, uri)
		}
	}
	return out, nil
}

// uriProblem is the i18n key saying what is wrong with a URI; it is turned into a field error.
type uriProblem string

func (p uriProblem) Error() string { return string(p) }

func checkURI(t Type, uri string) error {
	if len(uri) > maxURILen || strings.ContainsAny(uri, " \t\r\n") {
		return uriProblem("apps.error.uri_malformed")
	}
	u, err := url.Parse(uri)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return uriProblem("apps.error.uri_malformed")
	}
	if u.Fragment != "" || strings.Contains(uri, "#") {
		return uriProblem("apps.error.uri_fragment")
	}
	if u.User != nil {
		return uriProblem("apps.error.uri_userinfo")
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && t == TypeNative && isLoopbackHost(u.Hostname()):
		return nil
	case u.Scheme == "http" && t == TypeNative:
		return uriProblem("apps.error.uri_http_not_loopback")
	default:
		return uriProblem("apps.error.uri_not_https")
	}
}
