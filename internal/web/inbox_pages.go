package web

import "github.com/yiwang-platform/yiwang/internal/httpserver"

// inboxPageNames lists this module's page templates (placeholder until its pages are written).
var inboxPageNames []string

func (s *Site) installInbox(srv *httpserver.Server) {}
