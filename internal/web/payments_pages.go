package web

import "github.com/yiwang-platform/yiwang/internal/httpserver"

// paymentsPageNames lists this module's page templates (placeholder until its pages are written).
var paymentsPageNames []string

func (s *Site) installPayments(srv *httpserver.Server) {}
