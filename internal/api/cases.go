package api

import "github.com/yiwang-platform/yiwang/internal/httpserver"

func (a *API) installCases(srv *httpserver.Server) {}
