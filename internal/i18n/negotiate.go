package i18n

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CookieName is the cookie that remembers a person's choice of language.
const CookieName = "lang"

// maxAcceptLanguage bounds the work done on a hostile Accept-Language header.
const (
	maxAcceptLanguageBytes  = 512
	maxAcceptLanguageRanges = 16
)

// Negotiate picks the language of a request: the ?lang= query parameter (a link that switches
// language), then the lang cookie (a remembered choice), then the browser's Accept-Language
// header by q-value, and Simplified Chinese when none of them names a language Yiwang speaks.
func Negotiate(r *http.Request) Lang {
	if r.URL != nil && r.URL.RawQuery != "" {
		if l, ok := Parse(r.URL.Query().Get("lang")); ok {
			return l
		}
	}
	if c, err := r.Cookie(CookieName); err == nil {
		if l, ok := Parse(c.Value); ok {
			return l
		}
	}
	if l, ok := FromAcceptLanguage(r.Header.Get("Accept-Language")); ok {
		return l
	}
	return Default
}

// FromAcceptLanguage returns the most preferred language in an Accept-Language header
// ("zh-TW,zh;q=0.9,en;q=0.8") that Yiwang speaks. Ranges with q=0 are refused; equal q-values
// keep the header's order.
func FromAcceptLanguage(h string) (Lang, bool) {
	if h == "" {
		return "", false
	}
	if len(h) > maxAcceptLanguageBytes {
		h = h[:maxAcceptLanguageBytes]
	}
	type choice struct {
		lang Lang
		q    float64
	}
	var choices []choice
	for i, part := range strings.Split(h, ",") {
		if i == maxAcceptLanguageRanges {
			break
		}
		tag, params, _ := strings.Cut(part, ";")
		q := 1.0
		if params != "" {
			for _, p := range strings.Split(params, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
					if err != nil || f < 0 || f > 1 {
						f = 0
					}
					q = f
				}
			}
		}
		if q <= 0 {
			continue
		}
		if l, ok := Parse(tag); ok {
			choices = append(choices, choice{l, q})
		}
	}
	if len(choices) == 0 {
		return "", false
	}
	slices.SortStableFunc(choices, func(a, b choice) int {
		switch {
		case a.q > b.q:
			return -1
		case a.q < b.q:
			return 1
		}
		return 0
	})
	return choices[0].lang, true
}

// SetCookie remembers lang for a year in the lang cookie. The cookie holds a preference, not a
// secret, so scripts may read it; it is Secure when r came over TLS. (r is needed for that, which
// is why SetCookie takes the request as well as the writer.)
func SetCookie(w http.ResponseWriter, r *http.Request, lang Lang) {
	http.SetCookie(w, &http.Cookie{
		Name:     CookieName,
		Value:    string(lang),
		Path:     "/",
		MaxAge:   int((365 * 24 * time.Hour).Seconds()),
		Expires:  time.Now().Add(365 * 24 * time.Hour),
		SameSite: http.SameSiteLaxMode,
		Secure:   r != nil && r.TLS != nil,
	})
}
