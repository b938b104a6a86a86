package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/plaintext"
)

// Limits on what an entry holds.
const (
	maxName        = 100
	maxKeywords    = 20
	maxKeyword     = 30
	maxText        = 5000
	maxLine        = 500
	maxMaterials   = 50
	maxFees        = 20
	maxDays        = 365
	maxVisits      = 5
	maxFeeFen      = 100_000_000_00 // a hundred million yuan
	maxSchemaBytes = 64 << 10
	maxBundleItems = 30
	// MaxReason bounds the reason a returned version gives.
	MaxReason = 500
	// DefaultMaxBytes is a material's upload limit when the item names none; MaxMaterialBytes the
	// largest it may name.
	DefaultMaxBytes  = 10 << 20
	MaxMaterialBytes = 50 << 20
)

// text cleans a multi-language text: simplified Chinese required if required is set.
func text(t *Text, field string, max int, required bool) error {
	for _, part := range []struct {
		s    *string
		lang string
		req  bool
	}{{&t.Hans, "zh-Hans", required}, {&t.Hant, "zh-Hant", false}, {&t.En, "en", false}} {
		if err := plaintext.Area(part.s, field+"."+part.lang, max, part.req); err != nil {
			return err
		}
	}
	if t.Hans == "" && (t.Hant != "" || t.En != "") {
		return errs.Field(field+".zh-Hans", "plaintext.error.required")
	}
	return nil
}

// names cleans the three names of an entry.
func names(hans, hant, en *string) error {
	if err := plaintext.Line(hans, "name_hans", maxName, true); err != nil {
		return err
	}
	if err := plaintext.Line(hant, "name_hant", maxName, false); err != nil {
		return err
	}
	return plaintext.Line(en, "name_en", maxName, false)
}

// keywords cleans a list of search words: trimmed, distinct, no empty ones.
func keywords(list []string) ([]string, error) {
	var out []string
	for _, k := range list {
		k = strings.TrimSpace(k)
		if k == "" || slices.Contains(out, k) {
			continue
		}
		if utf8.RuneCountInString(k) > maxKeyword || !plaintext.Valid(k, false) {
			return nil, errs.Field("keywords", "catalog.error.keyword", maxKeyword)
		}
		out = append(out, k)
	}
	if len(out) > maxKeywords {
		return nil, errs.Field("keywords", "catalog.error.keywords_many", maxKeywords)
	}
	return out, nil
}

// subset checks that list holds only values of allowed, each once, and returns it sorted in
// allowed's order.
func subset(list []string, allowed []string, field, key string) ([]string, error) {
	var out []string
	for _, a := range allowed {
		if slices.Contains(list, a) {
			out = append(out, a)
		}
	}
	for _, v := range list {
		if !slices.Contains(allowed, v) {
			return nil, errs.Field(field, key, v)
		}
	}
	return out, nil
}

// objectEvents checks life events (for persons) and stages (for enterprises) against the
// service object.
func objectEvents(object string, events, stages []string) ([]string, []string, error) {
	if !slices.Contains(Objects, object) {
		return nil, nil, errs.Field("service_object", "catalog.error.service_object")
	}
	ev, err := subset(events, LifeEvents, "life_events", "catalog.error.life_event")
	if err != nil {
		return nil, nil, err
	}
	st, err := subset(stages, Stages, "stages", "catalog.error.stage")
	if err != nil {
		return nil, nil, err
	}
	if len(ev) > 0 && object == ObjectEnterprise {
		return nil, nil, errs.Field("life_events", "catalog.error.life_events_person")
	}
	if len(st) > 0 && object == ObjectPerson {
		return nil, nil, errs.Field("stages", "catalog.error.stages_enterprise")
	}
	return ev, st, nil
}

// CheckFormSchema checks that raw is a form schema as far as the catalogue judges one: a JSON
// object with "type": "object" and a "properties" object, at most 64 KB. Empty is allowed
// (no form). The application pages compile it fully.
func CheckFormSchema(raw json.RawMessage, field string) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if len(raw) > maxSchemaBytes {
		return nil, errs.Field(field, "catalog.error.schema_large", maxSchemaBytes>>10)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, errs.Field(field, "catalog.error.schema_json")
	}
	var typ string
	if err := json.Unmarshal(doc["type"], &typ); err != nil || typ != "object" {
		return nil, errs.Field(field, "catalog.error.schema_type")
	}
	var props map[string]json.RawMessage
	if err := json.Unmarshal(doc["properties"], &props); err != nil || props == nil {
		return nil, errs.Field(field, "catalog.error.schema_properties")
	}
	// Store it compact, so that a schema is one line of the stored version.
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, errs.Field(field, "catalog.error.schema_json")
	}
	return b.Bytes(), nil
}

// orgRegion returns the region code of organisation code, or an error on field.
func (s *Service) orgRegion(ctx context.Context, code, field string) (string, error) {
	o, err := s.org(ctx, code)
	if errs.Is(err, errs.NotFound) {
		return "", errs.Field(field, "catalog.error.org", code)
	}
	if err != nil {
		return "", err
	}
	return o.RegionCode, nil
}

// levelOf is the exercise level a region code stands for.
func levelOf(region string) string {
	switch {
	case strings.HasSuffix(region, "0000"):
		return LevelProvince
	case strings.HasSuffix(region, "00"):
		return LevelCity
	}
	return LevelCounty
}

// checkItem cleans and checks every element of it, filling in what follows from others (the
// region and level from the organisation). Returns the first error, naming its field.
func (s *Service) checkItem(ctx context.Context, it *Item) error {
	it.Code = strings.ToUpper(strings.TrimSpace(it.Code))
	it.Org = strings.TrimSpace(it.Org)
	if it.Org == "" {
		return errs.Field("org", "catalog.error.required")
	}
	orgRegionCode, err := s.orgRegion(ctx, it.Org, "org")
	if err != nil {
		return err
	}
	switch {
	case !itemCodeRE.MatchString(it.Code):
		return errs.Field("code", "catalog.error.item_code")
	case !strings.HasPrefix(it.Code, OrgCreditCode(it.Org)):
		return errs.Field("code", "catalog.error.item_code_prefix", OrgCreditCode(it.Org))
	}
	it.BasicCode = strings.ToUpper(strings.TrimSpace(it.BasicCode))
	if !basicCodeRE.MatchString(it.BasicCode) {
		return errs.Field("basic_code", "catalog.error.basic_code")
	}
	it.HandlingCode = strings.ToUpper(strings.TrimSpace(it.HandlingCode))
	if it.HandlingCode != "" && (!handlingCodeRE.MatchString(it.HandlingCode) || !strings.HasPrefix(it.HandlingCode, it.Code) || it.HandlingCode == it.Code) {
		return errs.Field("handling_code", "catalog.error.handling_code")
	}
	if !slices.Contains(ItemTypes, it.Type) {
		return errs.Field("type", "catalog.error.type")
	}
	it.RegionCode = strings.TrimSpace(it.RegionCode)
	if it.RegionCode == "" {
		it.RegionCode = orgRegionCode
	}
	// Another province's item only when the node collects applications for it (跨省通辦).
	if idcode.ValidateRegionCode(it.RegionCode) != nil || it.RegionCode[:2] != s.province[:2] && it.CrossRegion != CrossNational {
		return errs.Field("region_code", "catalog.error.region")
	}
	if it.Level == "" {
		it.Level = levelOf(it.RegionCode)
	}
	if !slices.Contains(Levels, it.Level) || it.Level != levelOf(it.RegionCode) {
		return errs.Field("level", "catalog.error.level")
	}
	if err := names(&it.NameHans, &it.NameHant, &it.NameEn); err != nil {
		return err
	}
	if it.Keywords, err = keywords(it.Keywords); err != nil {
		return err
	}
	if it.LifeEvents, it.Stages, err = objectEvents(it.ServiceObject, it.LifeEvents, it.Stages); err != nil {
		return err
	}
	it.AgentScope = strings.TrimSpace(it.AgentScope)
	switch {
	case it.AgentScope != "" && !slices.Contains(AgentScopes, it.AgentScope):
		return errs.Field("agent_scope", "catalog.error.agent_scope")
	case it.AgentScope != "" && it.ServiceObject == ObjectPerson:
		return errs.Field("agent_scope", "catalog.error.agent_scope_person")
	}
	switch {
	case it.LegalDays < 0 || it.LegalDays > maxDays:
		return errs.Field("legal_days", "catalog.error.days", maxDays)
	case it.PromisedDays < 0 || it.PromisedDays > maxDays:
		return errs.Field("promised_days", "catalog.error.days", maxDays)
	case it.LegalDays > 0 && it.PromisedDays > it.LegalDays:
		return errs.Field("promised_days", "catalog.error.promised_days")
	}
	if err := text(&it.Conditions, "conditions", maxText, true); err != nil {
		return err
	}
	if err := checkMaterials(it.Materials); err != nil {
		return err
	}
	if err := checkFees(it.Fees); err != nil {
		return err
	}
	if err := text(&it.LegalBasis, "legal_basis", maxText, true); err != nil {
		return err
	}
	if it.HandlingForms, err = subset(it.HandlingForms, HandlingForms, "handling_forms", "catalog.error.handling_form"); err != nil {
		return err
	}
	if len(it.HandlingForms) == 0 {
		return errs.Field("handling_forms", "catalog.error.handling_forms")
	}
	switch {
	case it.Visits < 0 || it.Visits > maxVisits:
		return errs.Field("visits", "catalog.error.visits", maxVisits)
	case it.OnlineDepth < DepthInformation || it.OnlineDepth > DepthFull:
		return errs.Field("online_depth", "catalog.error.online_depth")
	case it.OnlineDepth >= DepthPreExamined && !it.Online():
		return errs.Field("online_depth", "catalog.error.depth_online")
	case it.OnlineDepth == DepthFull && it.Visits != 0:
		return errs.Field("visits", "catalog.error.depth_visits")
	}
	var joint []string
	for i, j := range it.JointBodies {
		j = strings.TrimSpace(j)
		if j == "" || contains(joint, j) {
			continue
		}
		if j == it.Org {
			return errs.Field(fmt.Sprintf("joint_bodies.%d", i), "catalog.error.joint_self")
		}
		if _, err := s.orgRegion(ctx, j, fmt.Sprintf("joint_bodies.%d", i)); err != nil {
			return err
		}
		joint = append(joint, j)
	}
	it.JointBodies = joint
	if err := text(&it.ComplaintChannel, "complaint_channel", maxLine, false); err != nil {
		return err
	}
	if err := text(&it.Place, "place", maxLine, false); err != nil {
		return err
	}
	if it.CrossRegion == "" {
		it.CrossRegion = CrossNone
	}
	if !slices.Contains(CrossRegions, it.CrossRegion) {
		return errs.Field("cross_region", "catalog.error.cross_region")
	}
	if it.FormSchema, err = CheckFormSchema(it.FormSchema, "form_schema"); err != nil {
		return err
	}
	if it.FormSchema == nil && it.Online() {
		return errs.Field("form_schema", "catalog.error.schema_online")
	}
	return nil
}

// checkMaterials cleans and checks an item's materials.
func checkMaterials(list []Material) error {
	if len(list) > maxMaterials {
		return errs.Field("materials", "catalog.error.materials_many", maxMaterials)
	}
	seen := map[string]bool{}
	for i := range list {
		m := &list[i]
		f := func(name string) string { return fmt.Sprintf("materials.%d.%s", i, name) }
		m.Code = strings.TrimSpace(m.Code)
		switch {
		case !materialCodeRE.MatchString(m.Code):
			return errs.Field(f("code"), "catalog.error.material_code")
		case seen[m.Code]:
			return errs.Field(f("code"), "catalog.error.material_duplicate", m.Code)
		}
		seen[m.Code] = true
		if err := plaintext.Line(&m.NameHans, f("name_hans"), maxName, true); err != nil {
			return err
		}
		if err := plaintext.Line(&m.NameHant, f("name_hant"), maxName, false); err != nil {
			return err
		}
		if err := plaintext.Line(&m.NameEn, f("name_en"), maxName, false); err != nil {
			return err
		}
		if !slices.Contains(Sources, m.Source) {
			return errs.Field(f("source"), "catalog.error.source")
		}
		m.LicenceType = strings.ToUpper(strings.TrimSpace(m.LicenceType))
		switch {
		case m.Source == SourceLicence && !licenceTypeRE.MatchString(m.LicenceType):
			return errs.Field(f("licence_type"), "catalog.error.licence_type")
		case m.Source != SourceLicence && m.LicenceType != "":
			return errs.Field(f("licence_type"), "catalog.error.licence_type_source")
		}
		formats, err := subset(m.Formats, Formats, f("formats"), "catalog.error.format")
		if err != nil {
			return err
		}
		m.Formats = formats
		if len(m.Formats) == 0 {
			// A licence or shared data may still fail to come; then the applicant uploads it.
			m.Formats = []string{"pdf", "jpeg", "png"}
		}
		if m.MaxBytes == 0 {
			m.MaxBytes = DefaultMaxBytes
		}
		if m.MaxBytes < 1<<10 || m.MaxBytes > MaxMaterialBytes {
			return errs.Field(f("max_bytes"), "catalog.error.max_bytes", MaxMaterialBytes>>20)
		}
		if err := text(&m.Note, f("note"), maxLine, false); err != nil {
			return err
		}
	}
	return nil
}

// checkFees cleans and checks an item's fees.
func checkFees(list []Fee) error {
	if len(list) > maxFees {
		return errs.Field("fees", "catalog.error.fees_many", maxFees)
	}
	for i := range list {
		fee := &list[i]
		f := func(name string) string { return fmt.Sprintf("fees.%d.%s", i, name) }
		if err := plaintext.Line(&fee.NameHans, f("name_hans"), maxName, true); err != nil {
			return err
		}
		if err := plaintext.Line(&fee.NameHant, f("name_hant"), maxName, false); err != nil {
			return err
		}
		if err := plaintext.Line(&fee.NameEn, f("name_en"), maxName, false); err != nil {
			return err
		}
		if fee.AmountFen <= 0 || fee.AmountFen > maxFeeFen {
			return errs.Field(f("amount_fen"), "catalog.error.fee_amount")
		}
		if err := plaintext.Line(&fee.LegalBasis, f("legal_basis"), maxLine, true); err != nil {
			return err
		}
	}
	return nil
}

// checkBundle cleans and checks a bundle's elements (its items are checked against the
// catalogue by the caller).
func (s *Service) checkBundle(ctx context.Context, b *Bundle) error {
	b.Code = strings.ToUpper(strings.TrimSpace(b.Code))
	if !bundleCodeRE.MatchString(b.Code) {
		return errs.Field("code", "catalog.error.bundle_code")
	}
	b.Org = strings.TrimSpace(b.Org)
	if b.Org == "" {
		return errs.Field("org", "catalog.error.required")
	}
	if _, err := s.orgRegion(ctx, b.Org, "org"); err != nil {
		return err
	}
	if err := names(&b.NameHans, &b.NameHant, &b.NameEn); err != nil {
		return err
	}
	var err error
	if b.Keywords, err = keywords(b.Keywords); err != nil {
		return err
	}
	if err := text(&b.Guide, "guide", maxText, true); err != nil {
		return err
	}
	if b.LifeEvents, b.Stages, err = objectEvents(b.ServiceObject, b.LifeEvents, b.Stages); err != nil {
		return err
	}
	var items []string
	for _, c := range b.Items {
		c = strings.ToUpper(strings.TrimSpace(c))
		if c != "" && !contains(items, c) {
			items = append(items, c)
		}
	}
	if len(items) < 2 || len(items) > maxBundleItems {
		return errs.Field("items", "catalog.error.bundle_items", maxBundleItems)
	}
	b.Items = items
	if err := text(&b.ResultLicence, "result_licence", maxName, false); err != nil {
		return err
	}
	b.FormSchema, err = CheckFormSchema(b.FormSchema, "form_schema")
	return err
}
