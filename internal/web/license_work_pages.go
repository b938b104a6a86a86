package web

import "github.com/yiwang-platform/yiwang/internal/httpserver"

// licenseWorkPageNames are the officials' licence pages.
var licenseWorkPageNames = []string{}

// installLicenseWork registers the officials' licence pages.
func (s *Site) installLicenseWork(srv *httpserver.Server) {
	if s.cfg.Licenses == nil {
		return
	}
}
