package web

import (
	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// catalogPageNames lists this module's page templates (placeholder until its pages are written).
var catalogPageNames []string

func (s *Site) installCatalog(srv *httpserver.Server) {}

// hallNav is what the navigation offers of the service hall.
func (s *Site) hallNav(p principal.Principal) []struct{ href, key string } { return nil }
