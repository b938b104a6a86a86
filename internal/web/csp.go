package web

import (
	"net/http"
	"strings"
)

// addFormActions adds origins to the response's Content-Security-Policy form-action, which
// otherwise allows only the site itself. Browsers apply a page's form-action to the form's
// target and to every redirect that follows its submission, so a form whose answer redirects to
// another site (an app's redirect URI, a payment channel's cashier) needs that site's origin on
// the page that holds the form. Nothing else in the policy changes.
func addFormActions(w http.ResponseWriter, origins []string) {
	csp := w.Header().Get("Content-Security-Policy")
	if len(origins) == 0 || !strings.Contains(csp, "form-action 'self'") {
		return
	}
	w.Header().Set("Content-Security-Policy", strings.Replace(csp, "form-action 'self'", "form-action 'self' "+strings.Join(origins, " "), 1))
}
