package api

import "github.com/yiwang-platform/yiwang/internal/httpserver"

func (a *API) installRatings(srv *httpserver.Server) {}
