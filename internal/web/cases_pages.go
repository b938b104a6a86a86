package web

import "github.com/yiwang-platform/yiwang/internal/httpserver"

// casesPageNames lists this module's page templates (placeholder until its pages are written).
var casesPageNames []string

func (s *Site) installCases(srv *httpserver.Server) {}
