package api

import (
	"net/http"

	"github.com/yiwang-platform/yiwang/internal/httpserver"
	"github.com/yiwang-platform/yiwang/internal/org"
)

func (a *API) installOrgs(srv *httpserver.Server) {
	a.route(srv, operation{Method: "GET", Path: "/api/v1/orgs", ID: "listOrganisations", Tag: "orgs",
		Summary: "The province's organisations with their region codes", Response: arr(ref("Organisation"))}, a.orgs)
	a.route(srv, operation{Method: "PUT", Path: "/api/v1/orgs/{code}", ID: "saveOrganisation", Tag: "orgs", Auth: true,
		Summary: "Create or change an organisation (the digital office's administrators)",
		Params:  []param{{Name: "code", In: "path", Required: true, Schema: str("lower-case words joined by hyphens")}},
		Body: obj(map[string]any{"kind": str("government, department, city, zone, enterprise, party, legislature, judiciary or other"),
			"name_hans": str(""), "name_hant": str(""), "name_en": str(""), "region_code": str("GB/T 2260"),
			"parent_code": str("an existing organisation"), "aliases": arr(str(""))}, "kind", "name_hans", "name_hant", "name_en", "region_code"),
		Response: ref("Organisation")}, a.saveOrg)
}

func (a *API) saveOrg(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Kind       org.Kind `json:"kind"`
		NameHans   string   `json:"name_hans"`
		NameHant   string   `json:"name_hant"`
		NameEn     string   `json:"name_en"`
		RegionCode string   `json:"region_code"`
		ParentCode *string  `json:"parent_code"`
		Aliases    []string `json:"aliases"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	o := org.Organisation{Code: r.PathValue("code"), Kind: req.Kind, NameHans: req.NameHans, NameHant: req.NameHant,
		NameEn: req.NameEn, RegionCode: req.RegionCode, ParentCode: req.ParentCode, Aliases: req.Aliases}
	created, err := org.Save(r.Context(), a.cfg.DB, o)
	if err != nil {
		return err
	}
	saved, err := org.Get(r.Context(), a.cfg.DB, o.Code)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return writeJSON(w, status, saved)
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
