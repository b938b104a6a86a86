package api

import (
	"net/http"

	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/org"
)

func (a *API) installOrgs(srv *httpserver.Server) {
	a.route(srv, operation{Method: "GET", Path: "/api/v1/orgs", ID: "listOrganisations", Tag: "orgs",
		Summary: "The province's organisations with their region codes", Response: arr(ref("Organisation"))}, a.orgs)
}

func (a *API) orgs(w http.ResponseWriter, r *http.Request) error {
	list, err := org.List(r.Context(), a.cfg.DB)
	if err != nil {
		return err
	}
	if list == nil {
		list = []org.Organisation{}
	}
	return writeJSON(w, http.StatusOK, list)
}
