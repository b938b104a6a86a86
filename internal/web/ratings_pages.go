package web

import "github.com/yiwang-platform/yiwang/internal/httpserver"

// ratingsPageNames lists this module's page templates (placeholder until its pages are written).
var ratingsPageNames []string

func (s *Site) installRatings(srv *httpserver.Server) {}
