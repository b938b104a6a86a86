package catalog

import (
	"encoding/json"
	"slices"
)

// Kind says whether an entry of the catalogue is a service item or a bundle.
type Kind string

// The kinds of entry.
const (
	KindItem   Kind = "item"
	KindBundle Kind = "bundle"
)

// Status is where a version stands.
type Status string

// The statuses of a version: a draft is edited until submitted; the digital office publishes a
// submitted version or returns it (the organisation edits it into a draft again); a published
// version is superseded when a later one is published.
const (
	Draft      Status = "draft"
	Submitted  Status = "submitted"
	Returned   Status = "returned"
	Published  Status = "published"
	Superseded Status = "superseded"
)

// ItemType is the kind of power or service an item exercises (the item types that are applied
// for).
type ItemType string

// The item types.
const (
	AdministrativeLicensing    ItemType = "administrative_licensing"    // 行政许可
	AdministrativeConfirmation ItemType = "administrative_confirmation" // 行政确认
	AdministrativeBenefit      ItemType = "administrative_benefit"      // 行政给付
	AdministrativeAdjudication ItemType = "administrative_adjudication" // 行政裁决
	AdministrativeReward       ItemType = "administrative_reward"       // 行政奖励
	OtherAdministrativePower   ItemType = "other_administrative_power"  // 其他行政权力
	PublicService              ItemType = "public_service"              // 公共服务
)

// ItemTypes lists the item types in the order guides name them.
var ItemTypes = []ItemType{AdministrativeLicensing, AdministrativeConfirmation, AdministrativeBenefit,
	AdministrativeAdjudication, AdministrativeReward, OtherAdministrativePower, PublicService}

// Levels at which an item is exercised.
const (
	LevelProvince = "province"
	LevelCity     = "city"
	LevelCounty   = "county"
)

// Levels lists the exercise levels.
var Levels = []string{LevelProvince, LevelCity, LevelCounty}

// Service objects: who applies.
const (
	ObjectPerson     = "person"
	ObjectEnterprise = "enterprise"
	ObjectBoth       = "both"
)

// Objects lists the service objects.
var Objects = []string{ObjectPerson, ObjectEnterprise, ObjectBoth}

// AgentScopes lists the service scopes (經辦範圍) an item's matter can fall under: the scopes an
// enterprise authorises its agents for, in identity's display order, without identity's "all"
// (which covers every item). Domains do not import each other, so the list is kept here too;
// internal/app tests that the two agree.
var AgentScopes = []string{"business_registration", "licences", "taxation", "social_insurance", "construction",
	"environment", "data_access"}

// Handling forms: where an application can be made.
const (
	FormWindow = "window"
	FormOnline = "online"
	FormPost   = "post"
)

// HandlingForms lists the handling forms.
var HandlingForms = []string{FormWindow, FormOnline, FormPost}

// Cross-region scopes (通办): none; collected anywhere in the province and handled by the
// competent organisation; across provinces.
const (
	CrossNone     = "none"
	CrossProvince = "province"
	CrossNational = "cross_province"
)

// CrossRegions lists the cross-region scopes.
var CrossRegions = []string{CrossNone, CrossProvince, CrossNational}

// Material sources: uploaded by the applicant, satisfied by an electronic licence of a type, or
// fetched from shared data.
const (
	SourceApplicant  = "applicant"
	SourceLicence    = "licence"
	SourceSharedData = "shared_data"
)

// Sources lists the material sources.
var Sources = []string{SourceApplicant, SourceLicence, SourceSharedData}

// Formats lists the file types a material may be uploaded as.
var Formats = []string{"pdf", "jpeg", "png", "ofd"}

// LifeEvents are the events of a person's life that items are grouped by.
var LifeEvents = []string{"birth", "schooling", "employment", "marriage", "moving", "housing", "retirement"}

// Stages are the stages of an enterprise's life that items are grouped by.
var Stages = []string{"startup", "operation", "change", "closure"}

// Online depths: I information online, II pre-examined online, III handled online but collected
// or signed on site, IV fully online (no visit).
const (
	DepthInformation = 1
	DepthPreExamined = 2
	DepthOnline      = 3
	DepthFull        = 4
)

// Text is a text in the three languages of the portal; Hans is required, the others fall back
// to it.
type Text struct {
	Hans string `json:"zh-Hans"`
	Hant string `json:"zh-Hant,omitempty"`
	En   string `json:"en,omitempty"`
}

// In returns the text in language tag lang, or the simplified Chinese text if it has none.
func (t Text) In(lang string) string {
	switch {
	case lang == "zh-Hant" && t.Hant != "":
		return t.Hant
	case lang == "en" && t.En != "":
		return t.En
	}
	return t.Hans
}

// Material is a document an application needs.
type Material struct {
	// Code names the material within the item; items that need the same document use the same
	// code, so that a bundle asks for it once.
	Code     string `json:"code"`
	NameHans string `json:"name_hans"`
	NameHant string `json:"name_hant,omitempty"`
	NameEn   string `json:"name_en,omitempty"`
	Source   string `json:"source"`
	// LicenceType is the electronic licence type that satisfies a material of source "licence".
	LicenceType string   `json:"licence_type,omitempty"`
	Required    bool     `json:"required"`
	Formats     []string `json:"formats,omitempty"`
	// MaxBytes bounds one uploaded file.
	MaxBytes int64 `json:"max_bytes,omitempty"`
	Note     Text  `json:"note,omitzero"`
}

// Name returns the material's name in language tag lang.
func (m Material) Name(lang string) string {
	return Text{Hans: m.NameHans, Hant: m.NameHant, En: m.NameEn}.In(lang)
}

// Fee is one fee an item charges, with the document that allows it.
type Fee struct {
	NameHans   string `json:"name_hans"`
	NameHant   string `json:"name_hant,omitempty"`
	NameEn     string `json:"name_en,omitempty"`
	AmountFen  int64  `json:"amount_fen"`
	LegalBasis string `json:"legal_basis"`
}

// Name returns the fee's name in language tag lang.
func (f Fee) Name(lang string) string {
	return Text{Hans: f.NameHans, Hant: f.NameHant, En: f.NameEn}.In(lang)
}

// Item is one version of a service item with its standard elements.
type Item struct {
	// Code is the implementation code (实施编码), stable across versions: at most 36 capital
	// letters and digits, starting with the implementing organisation's credit code (OrgCreditCode).
	Code    string `json:"code"`
	Version int    `json:"version"`
	Status  Status `json:"status"`

	BasicCode    string   `json:"basic_code"`              // 基本编码
	HandlingCode string   `json:"handling_code,omitempty"` // 业务办理项编码: the implementation code and a suffix
	Type         ItemType `json:"type"`
	// Org implements the item; Level and RegionCode say where it exercises it.
	Org        string `json:"org"`
	Level      string `json:"level"`
	RegionCode string `json:"region_code"`

	NameHans string `json:"name_hans"`
	NameHant string `json:"name_hant,omitempty"`
	NameEn   string `json:"name_en,omitempty"`
	// Keywords are other words people search the item by (aliases, colloquial names).
	Keywords []string `json:"keywords,omitempty"`

	ServiceObject string `json:"service_object"`
	// AgentScope is the service scope (one of AgentScopes) the item's matter falls under: an
	// enterprise's agent applies for the item only if authorised for it (or for all services).
	// Items only persons apply for leave it empty; so may others, which then only the
	// enterprise's legal representative and agents for all services apply for.
	AgentScope string `json:"agent_scope,omitempty"`
	// Time limits in working days: the legal one and the one the organisation promises.
	LegalDays    int  `json:"legal_days"`
	PromisedDays int  `json:"promised_days"`
	Conditions   Text `json:"conditions"`
	// Materials the application needs; Fees it costs (none: free).
	Materials  []Material `json:"materials"`
	Fees       []Fee      `json:"fees,omitempty"`
	LegalBasis Text       `json:"legal_basis"`

	HandlingForms []string `json:"handling_forms"`
	// Visits is the number of times an applicant must come in person; OnlineDepth 1–4 (IV: fully
	// online, no visit).
	Visits      int `json:"visits"`
	OnlineDepth int `json:"online_depth"`
	// JointBodies are the organisations that handle the item with Org.
	JointBodies      []string `json:"joint_bodies,omitempty"`
	ComplaintChannel Text     `json:"complaint_channel,omitzero"`
	// Place is where the window is and when it opens.
	Place       Text   `json:"place,omitzero"`
	CrossRegion string `json:"cross_region"`

	LifeEvents []string `json:"life_events,omitempty"`
	Stages     []string `json:"stages,omitempty"`
	// FormSchema is the application form as JSON Schema (the formschema subset).
	FormSchema json.RawMessage `json:"form_schema,omitempty"`
}

// Name returns the item's name in language tag lang.
func (it Item) Name(lang string) string {
	return Text{Hans: it.NameHans, Hant: it.NameHant, En: it.NameEn}.In(lang)
}

// FeeFen is the total of the item's fees in fen; 0 means free.
func (it Item) FeeFen() int64 {
	var sum int64
	for _, f := range it.Fees {
		sum += f.AmountFen
	}
	return sum
}

// Online reports whether the item can be applied for online.
func (it Item) Online() bool { return slices.Contains(it.HandlingForms, FormOnline) }
