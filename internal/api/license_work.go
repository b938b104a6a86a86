package api

import "github.com/yiwang-platform/yiwang/internal/httpserver"

// installLicenseWork registers the officials' licence routes.
func (a *API) installLicenseWork(srv *httpserver.Server) {
	if a.cfg.Licenses == nil {
		return
	}
}
