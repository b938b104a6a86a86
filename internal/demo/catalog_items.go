package demo

import (
	"encoding/json"

	"github.com/yiwang-platform/yiwang/internal/catalog"
)

// demoItem is a demo service item, written compactly; item() makes the catalogue's Item of it.
type demoItem struct {
	org            string
	basic          string // the basic code; the implementation code is the org's credit code and it
	typ            catalog.ItemType
	hans, hant, en string
	keywords       []string
	object         string
	scope          string // the agents' service scope of items enterprises apply for (catalog.AgentScopes)
	events, stages []string
	legal          int // legal time limit, working days
	promised       int
	visits, depth  int
	windowOnly     bool // no online handling (depth I)
	post           bool // results or applications by post too
	cross          string
	cond           catalog.Text
	basis          string
	materials      []catalog.Material
	fees           []catalog.Fee
	joint          []string
	form           json.RawMessage
}

// Licence types (GB/T 36902: the defining body's credit code and three digits) that satisfy
// materials: the platform fetches the licence instead of asking for a copy.
var (
	ltBusinessLicence = catalog.OrgCreditCode("fj-market-regulation") + "001" // 营业执照
	ltFoodLicence     = catalog.OrgCreditCode("fj-market-regulation") + "002" // 食品经营许可证
	ltBirthCert       = catalog.OrgCreditCode("fj-health") + "001"            // 出生医学证明
	ltMarriageCert    = catalog.OrgCreditCode("fj-civil-affairs") + "001"     // 结婚证
	ltPropertyCert    = catalog.OrgCreditCode("fj-natural-resources") + "001" // 不动产权证书
	ltDrivingLicence  = catalog.OrgCreditCode("fj-public-security") + "003"   // 机动车驾驶证
	ltResidencePermit = catalog.OrgCreditCode("fj-public-security") + "002"   // 居住证
	ltTeacherCert     = catalog.OrgCreditCode("fj-education") + "001"         // 教师资格证书
)

// Materials many items ask for. Items that need the same document use the same code, so that a
// bundle asks for it once.
var (
	mID = catalog.Material{Code: "id-card", NameHans: "申请人有效身份证件", NameHant: "申請人有效身份證件", NameEn: "Applicant's valid identity document",
		Source: catalog.SourceSharedData, Required: true}
	mHousehold = catalog.Material{Code: "household-register", NameHans: "居民户口簿", NameHant: "居民戶口簿", NameEn: "Household register",
		Source: catalog.SourceSharedData, Required: true}
	mBusinessLicence = catalog.Material{Code: "business-licence", NameHans: "营业执照", NameHant: "營業執照", NameEn: "Business licence",
		Source: catalog.SourceLicence, LicenceType: ltBusinessLicence, Required: true}
	mPremises = catalog.Material{Code: "premises-proof", NameHans: "经营场所使用证明（产权证明或租赁合同）", NameHant: "經營場所使用證明（產權證明或租賃合同）",
		NameEn: "Proof of the right to use the premises (title or lease)", Source: catalog.SourceApplicant, Required: true,
		Formats: []string{"pdf", "jpeg", "png"}, MaxBytes: 10 << 20}
	mPhoto = catalog.Material{Code: "photo", NameHans: "近期免冠彩色照片", NameHant: "近期免冠彩色照片", NameEn: "Recent colour photograph, bareheaded",
		Source: catalog.SourceApplicant, Required: true, Formats: []string{"jpeg", "png"}, MaxBytes: 2 << 20}
	mBirthCert = catalog.Material{Code: "birth-certificate", NameHans: "出生医学证明", NameHant: "出生醫學證明", NameEn: "Birth medical certificate",
		Source: catalog.SourceLicence, LicenceType: ltBirthCert, Required: true}
	mMarriageCert = catalog.Material{Code: "marriage-certificate", NameHans: "结婚证", NameHant: "結婚證", NameEn: "Marriage certificate",
		Source: catalog.SourceLicence, LicenceType: ltMarriageCert, Required: true}
	mPropertyCert = catalog.Material{Code: "property-certificate", NameHans: "不动产权证书", NameHant: "不動產權證書", NameEn: "Real estate title certificate",
		Source: catalog.SourceLicence, LicenceType: ltPropertyCert, Required: true}
	mPurchaseContract = catalog.Material{Code: "purchase-contract", NameHans: "房屋买卖合同", NameHant: "房屋買賣合同", NameEn: "House purchase contract",
		Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf", "ofd"}, MaxBytes: 20 << 20}
	mLease = catalog.Material{Code: "lease", NameHans: "房屋租赁合同", NameHant: "房屋租賃合同", NameEn: "Tenancy agreement",
		Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf", "jpeg", "png"}, MaxBytes: 10 << 20}
	mFloorPlan = catalog.Material{Code: "floor-plan", NameHans: "经营场所平面布局图", NameHant: "經營場所平面佈局圖", NameEn: "Floor plan of the premises",
		Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf", "jpeg", "png"}, MaxBytes: 10 << 20}
	mFoodSafetyRules = catalog.Material{Code: "food-safety-rules", NameHans: "食品安全管理制度文本", NameHant: "食品安全管理制度文本",
		NameEn: "Food safety management rules", Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf"}, MaxBytes: 10 << 20}
	mHealthCert = catalog.Material{Code: "staff-health-certificates", NameHans: "从业人员健康证明", NameHant: "從業人員健康證明",
		NameEn: "Staff health certificates", Source: catalog.SourceSharedData, Required: true}
	mSignDesign = catalog.Material{Code: "sign-design", NameHans: "招牌设计效果图（含尺寸、材质、位置）", NameHant: "招牌設計效果圖（含尺寸、材質、位置）",
		NameEn: "Design of the signboard (size, material, position)", Source: catalog.SourceApplicant, Required: true,
		Formats: []string{"pdf", "jpeg", "png"}, MaxBytes: 10 << 20}
	mDrainPlan = catalog.Material{Code: "drainage-plan", NameHans: "排水户内部排水管网、专用检测井、污水排放口位置图", NameHant: "排水戶內部排水管網、專用檢測井、污水排放口位置圖",
		NameEn: "Plan of the internal drains, inspection well and outlet", Source: catalog.SourceApplicant, Required: true,
		Formats: []string{"pdf"}, MaxBytes: 20 << 20}
	mGreaseTrap = catalog.Material{Code: "grease-trap", NameHans: "隔油池等预处理设施说明", NameHant: "隔油池等預處理設施說明",
		NameEn: "Description of the grease trap and other pre-treatment", Source: catalog.SourceApplicant, Required: true,
		Formats: []string{"pdf", "jpeg"}, MaxBytes: 10 << 20}
	mArticles = catalog.Material{Code: "articles", NameHans: "公司章程", NameHant: "公司章程", NameEn: "Articles of association",
		Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf", "ofd"}, MaxBytes: 10 << 20}
	mResolution = catalog.Material{Code: "resolution", NameHans: "股东会决议或决定", NameHant: "股東會決議或決定", NameEn: "Shareholders' resolution or decision",
		Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf", "ofd"}, MaxBytes: 10 << 20}
	mApplication = catalog.Material{Code: "application", NameHans: "申请表（在线填写后自动生成）", NameHant: "申請表（在線填寫後自動生成）",
		NameEn: "Application form (made from the online form)", Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf"}, MaxBytes: 5 << 20}
	mLabourContract = catalog.Material{Code: "labour-contract", NameHans: "劳动合同", NameHant: "勞動合同", NameEn: "Employment contract",
		Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf", "jpeg", "png"}, MaxBytes: 10 << 20}
	mSocialInsurance = catalog.Material{Code: "social-insurance-record", NameHans: "社会保险缴费记录", NameHant: "社會保險繳費記錄",
		NameEn: "Social insurance contribution record", Source: catalog.SourceSharedData, Required: true}
	mDiploma = catalog.Material{Code: "diploma", NameHans: "学历证书", NameHant: "學歷證書", NameEn: "Academic certificate",
		Source: catalog.SourceSharedData, Required: true}
	mMedicalExam = catalog.Material{Code: "medical-exam", NameHans: "体检合格证明", NameHant: "體檢合格證明", NameEn: "Medical examination report",
		Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf", "jpeg"}, MaxBytes: 10 << 20}
	mDrivingLicence = catalog.Material{Code: "driving-licence", NameHans: "机动车驾驶证", NameHant: "機動車駕駛證", NameEn: "Driving licence",
		Source: catalog.SourceLicence, LicenceType: ltDrivingLicence, Required: true}
	mResidencePermit = catalog.Material{Code: "residence-permit", NameHans: "居住证", NameHant: "居住證", NameEn: "Residence permit",
		Source: catalog.SourceLicence, LicenceType: ltResidencePermit, Required: false}
	mVehicles = catalog.Material{Code: "vehicles", NameHans: "营运车辆清单及行驶证", NameHant: "營運車輛清單及行駛證", NameEn: "List of operating vehicles and their registrations",
		Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf"}, MaxBytes: 20 << 20}
	mSafetyRules = catalog.Material{Code: "safety-rules", NameHans: "安全生产管理制度", NameHant: "安全生產管理制度", NameEn: "Work safety rules",
		Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf"}, MaxBytes: 10 << 20}
	mEIA = catalog.Material{Code: "eia-approval", NameHans: "环境影响评价文件批复", NameHant: "環境影響評價文件批覆", NameEn: "Approval of the environmental impact assessment",
		Source: catalog.SourceSharedData, Required: true}
	mMonitoringPlan = catalog.Material{Code: "monitoring-plan", NameHans: "自行监测方案", NameHant: "自行監測方案", NameEn: "Self-monitoring plan",
		Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf"}, MaxBytes: 20 << 20}
	mDeposit = catalog.Material{Code: "quality-deposit", NameHans: "旅游服务质量保证金存单", NameHant: "旅遊服務質量保證金存單", NameEn: "Travel service quality deposit certificate",
		Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf", "jpeg"}, MaxBytes: 5 << 20}
	mStaffList = catalog.Material{Code: "staff-list", NameHans: "从业人员名单及资格证明", NameHant: "從業人員名單及資格證明", NameEn: "List of staff and their qualifications",
		Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf"}, MaxBytes: 10 << 20}
	mEquipment = catalog.Material{Code: "equipment-certificate", NameHans: "特种设备产品合格证及监督检验证明", NameHant: "特種設備產品合格證及監督檢驗證明",
		NameEn: "Certificate of conformity and supervisory inspection of the equipment", Source: catalog.SourceApplicant, Required: true,
		Formats: []string{"pdf"}, MaxBytes: 20 << 20}
	mSchoolProof = catalog.Material{Code: "school-acceptance", NameHans: "转入学校同意接收证明", NameHant: "轉入學校同意接收證明", NameEn: "Acceptance by the new school",
		Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf", "jpeg", "png"}, MaxBytes: 5 << 20}
	mBankAccount = catalog.Material{Code: "bank-account", NameHans: "本人银行账户信息", NameHant: "本人銀行賬戶信息", NameEn: "Own bank account details",
		Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf", "jpeg", "png"}, MaxBytes: 5 << 20}
	mHospitalRecord = catalog.Material{Code: "delivery-record", NameHans: "医疗机构分娩记录", NameHant: "醫療機構分娩記錄", NameEn: "Hospital delivery record",
		Source: catalog.SourceSharedData, Required: true}
	mParentsID = catalog.Material{Code: "parents-id", NameHans: "父母双方有效身份证件", NameHant: "父母雙方有效身份證件", NameEn: "Both parents' identity documents",
		Source: catalog.SourceSharedData, Required: true}
	mIncome = catalog.Material{Code: "household-income", NameHans: "家庭收入和财产状况声明", NameHant: "家庭收入和財產狀況聲明", NameEn: "Declaration of household income and assets",
		Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf"}, MaxBytes: 10 << 20}
	mDoctorQualification = catalog.Material{Code: "doctor-qualification", NameHans: "医师资格证书", NameHant: "醫師資格證書", NameEn: "Physician qualification certificate",
		Source: catalog.SourceSharedData, Required: true}
	mEmployerOpinion = catalog.Material{Code: "employer-opinion", NameHans: "拟执业机构意见", NameHant: "擬執業機構意見", NameEn: "Opinion of the intended employer",
		Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf"}, MaxBytes: 5 << 20}
	mHygieneReport = catalog.Material{Code: "hygiene-test-report", NameHans: "公共场所卫生检测报告", NameHant: "公共場所衛生檢測報告", NameEn: "Hygiene test report of the public place",
		Source: catalog.SourceApplicant, Required: true, Formats: []string{"pdf"}, MaxBytes: 10 << 20}
)

// optional returns m as an optional material.
func optional(m catalog.Material) catalog.Material {
	m.Required = false
	return m
}

// Conditions and legal bases, written once where several items share them.
var (
	condAdult = catalog.Text{Hans: "申请人为年满十八周岁、具有完全民事行为能力的自然人，材料齐全、符合法定形式。",
		Hant: "申請人為年滿十八週歲、具有完全民事行為能力的自然人，材料齊全、符合法定形式。",
		En:   "The applicant is an adult with full civil capacity; the materials are complete and in due form."}
	condEnterprise = catalog.Text{Hans: "申请人依法登记，有与申请事项相适应的场所、设施、人员和管理制度，材料齐全、符合法定形式。",
		Hant: "申請人依法登記，有與申請事項相適應的場所、設施、人員和管理制度，材料齊全、符合法定形式。",
		En:   "The applicant is registered and has premises, equipment, staff and rules suited to the matter; the materials are complete and in due form."}
	condRegistration = catalog.Text{Hans: "名称经自主申报通过，住所（经营场所）真实有效，经营范围符合规定，申请材料齐全。",
		Hant: "名稱經自主申報通過，住所（經營場所）真實有效，經營範圍符合規定，申請材料齊全。",
		En:   "The name has been declared, the address is real, the business scope is lawful and the materials are complete."}
)

// Common form options.
var (
	optGender = []option{{"male", "男", "男", "Male"}, {"female", "女", "女", "Female"}}
	optFood   = []option{{"restaurant", "餐馆", "餐館", "Restaurant"}, {"snack", "小吃店", "小吃店", "Snack bar"},
		{"canteen", "单位食堂", "單位食堂", "Canteen"}, {"retail", "食品销售", "食品銷售", "Food retail"}}
	optBiz = []option{{"catering", "餐饮服务", "餐飲服務", "Catering"}, {"retail", "零售", "零售", "Retail"},
		{"services", "居民服务", "居民服務", "Household services"}, {"other", "其他", "其他", "Other"}}
	optMoveReason = []option{{"house", "购房", "購房", "Bought a home"}, {"job", "工作调动", "工作調動", "New job"},
		{"family", "投靠亲属", "投靠親屬", "Joining family"}, {"study", "升学", "升學", "Studies"}}
)

// fBusinessScope is the line of business a registration declares.
var fBusinessScope = formChoice("business_type", "经营类别", "經營類別", "Line of business", optBiz...)

// demoItems are the demo's service items: 39 items of 17 organisations, provincial and city.
var demoItems = []demoItem{
	// --- Market regulation -----------------------------------------------------------------
	{org: "fj-market-regulation", basic: "000105001000", typ: catalog.AdministrativeLicensing,
		hans: "公司设立登记", hant: "公司設立登記", en: "Registration of a new company",
		keywords: []string{"开公司", "注册公司", "营业执照", "business licence"}, object: catalog.ObjectEnterprise, scope: "business_registration", stages: []string{"startup"},
		legal: 15, promised: 1, visits: 0, depth: 4, cross: catalog.CrossProvince, cond: condRegistration,
		basis:     "《中华人民共和国公司法》第二十九条；《中华人民共和国市场主体登记管理条例》第三条",
		materials: []catalog.Material{mApplication, mID, mArticles, mPremises},
		form: schemaOf(fEntName, fApplicant, fIDNumber, fMobile, formAmount("registered_capital", "注册资本（万元）", "註冊資本（萬元）", "Registered capital (10,000 yuan)"),
			fBusinessScope, fPremises)},
	{org: "fj-market-regulation", basic: "000105002000", typ: catalog.AdministrativeLicensing,
		hans: "公司变更登记", hant: "公司變更登記", en: "Change of a company's registration",
		keywords: []string{"变更法定代表人", "变更住所", "变更经营范围"}, object: catalog.ObjectEnterprise, scope: "business_registration", stages: []string{"change"},
		legal: 15, promised: 1, visits: 0, depth: 4, cross: catalog.CrossProvince, cond: condRegistration,
		basis:     "《中华人民共和国市场主体登记管理条例》第二十四条",
		materials: []catalog.Material{mApplication, mBusinessLicence, mResolution, optional(mArticles)},
		form: schemaOf(fEntName, fCredit, fApplicant, fMobile, formChoice("change_item", "变更事项", "變更事項", "What changes",
			option{"name", "名称", "名稱", "Name"}, option{"address", "住所", "住所", "Address"},
			option{"representative", "法定代表人", "法定代表人", "Legal representative"}, option{"scope", "经营范围", "經營範圍", "Business scope"}))},
	{org: "fj-market-regulation", basic: "000105003000", typ: catalog.AdministrativeLicensing,
		hans: "公司注销登记", hant: "公司註銷登記", en: "Deregistration of a company",
		keywords: []string{"注销公司", "简易注销"}, object: catalog.ObjectEnterprise, scope: "business_registration", stages: []string{"closure"},
		legal: 15, promised: 3, visits: 0, depth: 4, cross: catalog.CrossProvince, cond: catalog.Text{
			Hans: "公司已依法清算完毕，债权债务已清偿，无未结清的税款和社会保险费。", Hant: "公司已依法清算完畢，債權債務已清償，無未結清的稅款和社會保險費。",
			En: "The company has been wound up, its debts settled, and it owes no taxes or social insurance contributions."},
		basis:     "《中华人民共和国公司法》第二百三十九条；《中华人民共和国市场主体登记管理条例》第三十一条",
		materials: []catalog.Material{mApplication, mBusinessLicence, mResolution},
		form: schemaOf(fEntName, fCredit, fApplicant, fMobile, formChoice("procedure", "注销程序", "註銷程序", "Procedure",
			option{"simple", "简易注销", "簡易註銷", "Simplified"}, option{"ordinary", "普通注销", "普通註銷", "Ordinary"}))},
	{org: "fj-market-regulation", basic: "000107011000", typ: catalog.AdministrativeConfirmation,
		hans: "特种设备使用登记", hant: "特種設備使用登記", en: "Registration of special equipment in use",
		keywords: []string{"电梯登记", "锅炉登记", "压力容器"}, object: catalog.ObjectEnterprise, scope: "licences", stages: []string{"operation"},
		legal: 15, promised: 5, visits: 0, depth: 4, cross: catalog.CrossNone, cond: condEnterprise,
		basis:     "《中华人民共和国特种设备安全法》第三十三条；《特种设备使用管理规则》（TSG 08）",
		materials: []catalog.Material{mApplication, mBusinessLicence, mEquipment},
		form: schemaOf(fEntName, fCredit, fMobile, formChoice("equipment", "设备种类", "設備種類", "Kind of equipment",
			option{"lift", "电梯", "電梯", "Lift"}, option{"boiler", "锅炉", "鍋爐", "Boiler"}, option{"pressure_vessel", "压力容器", "壓力容器", "Pressure vessel"}),
			formCount("units", "设备台数", "設備台數", "Number of units"))},

	// Fuzhou's and Xiamen's market regulators register individual businesses and license food
	// businesses in their cities; either accepts applications for the other (province-wide).
	itemIndividualBusiness("fz-market-regulation"),
	itemFoodBusiness("fz-market-regulation"),
	itemIndividualBusiness("xm-market-regulation"),
	itemFoodBusiness("xm-market-regulation"),

	// --- Fuzhou's urban management and construction -----------------------------------------
	{org: "fz-urban-management", basic: "000117008000", typ: catalog.AdministrativeLicensing,
		hans: "户外招牌设置审批", hant: "戶外招牌設置審批", en: "Approval of an outdoor signboard",
		keywords: []string{"门头招牌", "店招", "广告牌"}, object: catalog.ObjectBoth, scope: "licences", stages: []string{"startup"},
		legal: 20, promised: 5, visits: 0, depth: 4, cross: catalog.CrossNone, cond: catalog.Text{
			Hans: "招牌设置位置、尺寸、材质符合城市容貌标准和设置规划，结构安全。", Hant: "招牌設置位置、尺寸、材質符合城市容貌標準和設置規劃，結構安全。",
			En: "The sign's place, size and material follow the city appearance standards and the signage plan, and it is structurally safe."},
		basis:     "《城市市容和环境卫生管理条例》第十一条；《福州市户外广告设施和招牌设置管理办法》",
		materials: []catalog.Material{mApplication, mBusinessLicence, mPremises, mSignDesign},
		fees: []catalog.Fee{{NameHans: "户外招牌设置审查费", NameHant: "戶外招牌設置審查費", NameEn: "Signboard review fee", AmountFen: 20000,
			LegalBasis: "《福州市户外广告设施和招牌设置管理办法》（示例收费，演示统一支付）"}},
		form: schemaOf(fEntName, fApplicant, fMobile, fPremises, formAmount("sign_area", "招牌面积（平方米）", "招牌面積（平方米）", "Sign area (m²)"))},
	{org: "fz-construction", basic: "000117012000", typ: catalog.AdministrativeLicensing,
		hans: "城镇污水排入排水管网许可", hant: "城鎮污水排入排水管網許可", en: "Permit to discharge wastewater into urban sewers",
		keywords: []string{"排水许可", "排水证"}, object: catalog.ObjectBoth, scope: "licences", stages: []string{"startup", "operation"},
		legal: 20, promised: 7, visits: 0, depth: 4, cross: catalog.CrossNone, cond: catalog.Text{
			Hans: "排水户按规定建设预处理设施和专用检测井，排放的污水符合国家和地方排放标准。", Hant: "排水戶按規定建設預處理設施和專用檢測井，排放的污水符合國家和地方排放標準。",
			En: "The discharger has built pre-treatment and an inspection well; its wastewater meets the national and local standards."},
		basis:     "《城镇排水与污水处理条例》第二十一条；《城镇污水排入排水管网许可管理办法》",
		materials: []catalog.Material{mApplication, mBusinessLicence, mDrainPlan, mGreaseTrap},
		form:      schemaOf(fEntName, fApplicant, fMobile, fPremises, formAmount("daily_volume", "日排水量（立方米）", "日排水量（立方米）", "Daily discharge (m³)"))},

	// --- Health ----------------------------------------------------------------------------
	{org: "fj-health", basic: "002021001000", typ: catalog.PublicService,
		hans: "出生医学证明首次签发", hant: "出生醫學證明首次簽發", en: "First issue of a birth medical certificate",
		keywords: []string{"出生证", "新生儿"}, object: catalog.ObjectPerson, events: []string{"birth"},
		legal: 5, promised: 1, visits: 0, depth: 4, cross: catalog.CrossProvince, cond: catalog.Text{
			Hans: "新生儿在本省依法取得执业许可的医疗保健机构内出生。", Hant: "新生兒在本省依法取得執業許可的醫療保健機構內出生。",
			En: "The baby was born in a licensed medical institution in the province."},
		basis:     "《中华人民共和国母婴保健法》第二十三条；《出生医学证明管理办法》",
		materials: []catalog.Material{mParentsID, mHospitalRecord},
		form: schemaOf(formText("baby_name", "新生儿姓名", "新生兒姓名", "Baby's name", true), formChoice("baby_gender", "新生儿性别", "新生兒性別", "Baby's sex", optGender...),
			formFormatted("birth_date", "date", "出生日期", "出生日期", "Date of birth"), formText("mother_name", "母亲姓名", "母親姓名", "Mother's name", true),
			formFormatted("mother_id", "resident-id", "母亲公民身份号码", "母親公民身份號碼", "Mother's resident ID number"), fMobile)},
	{org: "fj-health", basic: "002021002000", typ: catalog.PublicService,
		hans: "预防接种证办理", hant: "預防接種證辦理", en: "Vaccination record for a child",
		keywords: []string{"疫苗本", "打疫苗", "接种本"}, object: catalog.ObjectPerson, events: []string{"birth", "schooling"},
		legal: 5, promised: 1, visits: 1, depth: 3, cross: catalog.CrossProvince, cond: catalog.Text{
			Hans: "儿童出生后一个月内，由监护人向居住地接种单位办理。", Hant: "兒童出生後一個月內，由監護人向居住地接種單位辦理。",
			En: "Within a month of birth, the guardian applies to the vaccination clinic where the child lives."},
		basis:     "《中华人民共和国疫苗管理法》第四十七条",
		materials: []catalog.Material{mBirthCert, mParentsID},
		form:      schemaOf(formText("baby_name", "新生儿姓名", "新生兒姓名", "Baby's name", true), formFormatted("birth_date", "date", "出生日期", "出生日期", "Date of birth"), fMobile, fAddress)},
	{org: "fj-health", basic: "000101003000", typ: catalog.AdministrativeLicensing,
		hans: "医师执业注册", hant: "醫師執業註冊", en: "Registration of a physician to practise",
		keywords: []string{"医生执业证", "执业医师"}, object: catalog.ObjectPerson, events: []string{"employment"},
		legal: 20, promised: 10, visits: 0, depth: 4, cross: catalog.CrossNone, cond: catalog.Text{
			Hans: "取得医师资格，身体健康，拟在本省医疗卫生机构执业。", Hant: "取得醫師資格，身體健康，擬在本省醫療衛生機構執業。",
			En: "The applicant is a qualified physician in good health who will practise in a medical institution of the province."},
		basis:     "《中华人民共和国医师法》第十三条；《医师执业注册管理办法》",
		materials: []catalog.Material{mID, mDoctorQualification, mMedicalExam, mEmployerOpinion, mPhoto},
		form: schemaOf(fApplicant, fIDNumber, fMobile, formText("institution", "拟执业机构", "擬執業機構", "Intended institution", true),
			formChoice("category", "执业类别", "執業類別", "Category", option{"clinical", "临床", "臨床", "Clinical"}, option{"tcm", "中医", "中醫", "Chinese medicine"},
				option{"dental", "口腔", "口腔", "Dental"}, option{"public_health", "公共卫生", "公共衛生", "Public health"}))},
	{org: "fj-health", basic: "000101009000", typ: catalog.AdministrativeLicensing,
		hans: "公共场所卫生许可", hant: "公共場所衛生許可", en: "Hygiene permit for a public place",
		keywords: []string{"卫生许可证", "美容美发", "宾馆", "游泳馆"}, object: catalog.ObjectEnterprise, scope: "licences", stages: []string{"startup"},
		legal: 20, promised: 10, visits: 1, depth: 3, cross: catalog.CrossNone, cond: condEnterprise,
		basis:     "《公共场所卫生管理条例》第八条；《公共场所卫生管理条例实施细则》第二十二条",
		materials: []catalog.Material{mApplication, mBusinessLicence, mFloorPlan, mHealthCert, mHygieneReport},
		form: schemaOf(fEntName, fCredit, fMobile, fPremises, formChoice("place_type", "场所类别", "場所類別", "Kind of place",
			option{"hotel", "住宿场所", "住宿場所", "Lodging"}, option{"beauty", "美容美发场所", "美容美髮場所", "Beauty salon"},
			option{"bath", "沐浴场所", "沐浴場所", "Bath house"}, option{"pool", "游泳场所", "游泳場所", "Swimming pool"}))},

	// --- Public security -------------------------------------------------------------------
	{org: "fj-public-security", basic: "000107021000", typ: catalog.AdministrativeConfirmation,
		hans: "出生登记（新生儿落户）", hant: "出生登記（新生兒落戶）", en: "Birth registration (newborn's household registration)",
		keywords: []string{"上户口", "报户口", "新生儿户口"}, object: catalog.ObjectPerson, events: []string{"birth"},
		legal: 5, promised: 1, visits: 0, depth: 4, cross: catalog.CrossProvince, cond: catalog.Text{
			Hans: "新生儿出生后一个月内，由父母一方向其常住户口所在地公安派出所申报。", Hant: "新生兒出生後一個月內，由父母一方向其常住戶口所在地公安派出所申報。",
			En: "Within a month of birth, a parent declares the baby at the police station where the parent's household is registered."},
		basis:     "《中华人民共和国户口登记条例》第七条",
		materials: []catalog.Material{mBirthCert, mParentsID, mHousehold, optional(mMarriageCert)},
		form: schemaOf(formText("baby_name", "新生儿姓名", "新生兒姓名", "Baby's name", true), formChoice("baby_gender", "新生儿性别", "新生兒性別", "Baby's sex", optGender...),
			formFormatted("birth_date", "date", "出生日期", "出生日期", "Date of birth"), fApplicant, fIDNumber, fMobile)},
	{org: "fj-public-security", basic: "000107022000", typ: catalog.AdministrativeConfirmation,
		hans: "户口迁移登记（省内）", hant: "戶口遷移登記（省內）", en: "Moving household registration within the province",
		keywords: []string{"迁户口", "户口迁移", "落户"}, object: catalog.ObjectPerson, events: []string{"moving", "housing"},
		legal: 10, promised: 3, visits: 0, depth: 4, cross: catalog.CrossProvince, cond: catalog.Text{
			Hans: "在迁入地有合法稳定住所，或符合迁入地落户条件。", Hant: "在遷入地有合法穩定住所，或符合遷入地落戶條件。",
			En: "The applicant has a lawful settled home at the destination, or meets its conditions for registration."},
		basis:     "《中华人民共和国户口登记条例》第十条；《福建省户籍管理规定》",
		materials: []catalog.Material{mID, mHousehold, optional(mPropertyCert), optional(mLease)},
		form: schemaOf(fApplicant, fIDNumber, fMobile, fRegion, formArea("new_address", "迁入地址", "遷入地址", "New address", true),
			formChoice("reason", "迁移原因", "遷移原因", "Reason", optMoveReason...))},
	{org: "fj-public-security", basic: "002021031000", typ: catalog.PublicService,
		hans: "居民身份证换领", hant: "居民身份證換領", en: "Renewal of a resident identity card",
		keywords: []string{"换身份证", "身份证到期"}, object: catalog.ObjectPerson, events: []string{"moving"},
		legal: 60, promised: 20, visits: 1, depth: 3, post: true, cross: catalog.CrossNational, cond: catalog.Text{
			Hans: "居民身份证有效期满、登记项目变更或证件严重损坏不能辨认。", Hant: "居民身份證有效期滿、登記項目變更或證件嚴重損壞不能辨認。",
			En: "The card has expired, its details changed, or it is too damaged to read."},
		basis:     "《中华人民共和国居民身份证法》第十一条",
		materials: []catalog.Material{mID, mHousehold, mPhoto},
		fees: []catalog.Fee{{NameHans: "居民身份证工本费", NameHant: "居民身份證工本費", NameEn: "Identity card production fee", AmountFen: 2000,
			LegalBasis: "《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》（发改价格〔2003〕2322号）"}},
		form: schemaOf(fApplicant, fIDNumber, fMobile, formChoice("delivery", "领取方式", "領取方式", "How to collect",
			option{"window", "窗口领取", "窗口領取", "At the window"}, option{"post", "邮寄送达", "郵寄送達", "By post"}), fAddress)},
	{org: "fj-public-security", basic: "002021032000", typ: catalog.PublicService,
		hans: "居住证申领", hant: "居住證申領", en: "Application for a residence permit",
		keywords: []string{"暂住证", "居住证办理"}, object: catalog.ObjectPerson, events: []string{"moving", "employment"},
		legal: 15, promised: 7, visits: 0, depth: 4, cross: catalog.CrossNone, cond: catalog.Text{
			Hans: "离开常住户口所在地，到本省其他设区市居住半年以上，有合法稳定就业、住所或就读。", Hant: "離開常住戶口所在地，到本省其他設區市居住半年以上，有合法穩定就業、住所或就讀。",
			En: "The applicant has lived in another city of the province for six months with a stable job, home or school place."},
		basis:     "《居住证暂行条例》第二条；《福建省流动人口服务管理条例》",
		materials: []catalog.Material{mID, mPhoto, mLease, optional(mLabourContract)},
		form:      schemaOf(fApplicant, fIDNumber, fMobile, fRegion, formArea("residence", "居住地址", "居住地址", "Address of residence", true))},
	{org: "fj-public-security", basic: "002021041000", typ: catalog.PublicService,
		hans: "机动车驾驶证补领换领", hant: "機動車駕駛證補領換領", en: "Replacement or renewal of a driving licence",
		keywords: []string{"驾照", "驾驶证到期", "驾照丢失"}, object: catalog.ObjectPerson, events: []string{"moving"},
		legal: 5, promised: 1, visits: 0, depth: 4, post: true, cross: catalog.CrossNational, cond: catalog.Text{
			Hans: "驾驶证有效期满、遗失、损毁，或驾驶人联系住址变更。", Hant: "駕駛證有效期滿、遺失、損毀，或駕駛人聯繫住址變更。",
			En: "The licence has expired, been lost or damaged, or the driver's address changed."},
		basis:     "《机动车驾驶证申领和使用规定》第六十三条",
		materials: []catalog.Material{mID, mDrivingLicence, mMedicalExam, mPhoto},
		fees: []catalog.Fee{{NameHans: "机动车驾驶证工本费", NameHant: "機動車駕駛證工本費", NameEn: "Driving licence production fee", AmountFen: 1000,
			LegalBasis: "《国家发展改革委 财政部关于公安部门收取机动车驾驶证工本费有关问题的通知》"}},
		form: schemaOf(fApplicant, fIDNumber, fMobile, formChoice("licence_reason", "申请原因", "申請原因", "Reason",
			option{"expired", "有效期满换领", "有效期滿換領", "Expired"}, option{"lost", "遗失补领", "遺失補領", "Lost"},
			option{"address", "住址变更", "住址變更", "New address"}), fAddress)},

	// --- Human resources and social security ------------------------------------------------
	{org: "fj-hrss", basic: "002021051000", typ: catalog.PublicService,
		hans: "社会保障卡申领", hant: "社會保障卡申領", en: "Application for a social security card",
		keywords: []string{"社保卡", "办社保卡", "新生儿社保卡"}, object: catalog.ObjectPerson, events: []string{"birth", "employment"},
		legal: 20, promised: 5, visits: 0, depth: 4, post: true, cross: catalog.CrossProvince, cond: catalog.Text{
			Hans: "已参加本省社会保险或在本省登记户籍、居住。", Hant: "已參加本省社會保險或在本省登記戶籍、居住。",
			En: "The applicant is insured in the province or registered or living there."},
		basis:     "《中华人民共和国社会保险法》第五十八条；《社会保障卡管理办法》",
		materials: []catalog.Material{mID, mPhoto},
		form: schemaOf(fApplicant, fIDNumber, fMobile, formChoice("bank", "合作银行", "合作銀行", "Bank",
			option{"icbc", "工商银行", "工商銀行", "ICBC"}, option{"ccb", "建设银行", "建設銀行", "CCB"}, option{"fjnx", "福建农信", "福建農信", "Fujian Rural Credit"}), fAddress)},
	{org: "fj-hrss", basic: "000103011000", typ: catalog.AdministrativeBenefit,
		hans: "失业保险金申领", hant: "失業保險金申領", en: "Claim for unemployment insurance benefit",
		keywords: []string{"失业金", "领失业金"}, object: catalog.ObjectPerson, events: []string{"employment"},
		legal: 10, promised: 3, visits: 0, depth: 4, cross: catalog.CrossProvince, cond: catalog.Text{
			Hans: "失业前用人单位和本人已缴纳失业保险费满一年，非因本人意愿中断就业，已进行失业登记并有求职要求。",
			Hant: "失業前用人單位和本人已繳納失業保險費滿一年，非因本人意願中斷就業，已進行失業登記並有求職要求。",
			En:   "Contributions were paid for at least a year, the job ended against the applicant's will, and they registered as unemployed and seek work."},
		basis:     "《中华人民共和国社会保险法》第四十五条；《失业保险条例》第十四条",
		materials: []catalog.Material{mID, mSocialInsurance, mBankAccount},
		form:      schemaOf(fApplicant, fIDNumber, fMobile, formFormatted("last_day", "date", "最后工作日", "最後工作日", "Last working day"), formText("employer", "原用人单位", "原用人單位", "Last employer", true))},
	{org: "fj-hrss", basic: "000103012000", typ: catalog.AdministrativeBenefit,
		hans: "职工基本养老保险退休待遇申领", hant: "職工基本養老保險退休待遇申領", en: "Claim for the basic old-age pension on retirement",
		keywords: []string{"退休", "养老金", "办退休"}, object: catalog.ObjectPerson, events: []string{"retirement"},
		legal: 20, promised: 10, visits: 0, depth: 4, cross: catalog.CrossNational, cond: catalog.Text{
			Hans: "达到法定退休年龄，累计缴费满十五年。", Hant: "達到法定退休年齡，累計繳費滿十五年。",
			En: "The applicant has reached the statutory retirement age and paid contributions for fifteen years in all."},
		basis:     "《中华人民共和国社会保险法》第十六条",
		materials: []catalog.Material{mID, mSocialInsurance, mBankAccount},
		form:      schemaOf(fApplicant, fIDNumber, fMobile, formFormatted("retirement_date", "date", "退休日期", "退休日期", "Date of retirement"))},
	{org: "fj-hrss", basic: "002021053000", typ: catalog.PublicService,
		hans: "就业创业证申领", hant: "就業創業證申領", en: "Employment and entrepreneurship certificate",
		keywords: []string{"失业证", "就业登记"}, object: catalog.ObjectPerson, events: []string{"employment"},
		legal: 10, promised: 1, visits: 0, depth: 4, cross: catalog.CrossProvince, cond: condAdult,
		basis:     "《就业服务与就业管理规定》第六十三条",
		materials: []catalog.Material{mID, optional(mDiploma)},
		form:      schemaOf(fApplicant, fIDNumber, fMobile, fAddress)},

	// --- Healthcare security ----------------------------------------------------------------
	{org: "fj-healthcare-security", basic: "002021061000", typ: catalog.PublicService,
		hans: "城乡居民基本医疗保险参保登记", hant: "城鄉居民基本醫療保險參保登記", en: "Enrolment in the residents' basic medical insurance",
		keywords: []string{"医保", "新生儿医保", "居民医保"}, object: catalog.ObjectPerson, events: []string{"birth", "moving"},
		legal: 10, promised: 1, visits: 0, depth: 4, cross: catalog.CrossProvince, cond: catalog.Text{
			Hans: "未参加职工基本医疗保险的本省户籍或持本省居住证的居民，新生儿可在出生后随时参保。",
			Hant: "未參加職工基本醫療保險的本省戶籍或持本省居住證的居民，新生兒可在出生後隨時參保。",
			En:   "Residents registered or holding a residence permit in the province who are not insured as employees; babies any time after birth."},
		basis:     "《中华人民共和国社会保险法》第二十五条；《福建省城乡居民基本医疗保险实施办法》",
		materials: []catalog.Material{mID, mHousehold, optional(mResidencePermit)},
		form:      schemaOf(fApplicant, fIDNumber, fMobile, fRegion)},
	{org: "fj-healthcare-security", basic: "000103021000", typ: catalog.AdministrativeBenefit,
		hans: "生育津贴申领", hant: "生育津貼申領", en: "Claim for maternity allowance",
		keywords: []string{"生育保险", "产假工资"}, object: catalog.ObjectBoth, scope: "social_insurance", events: []string{"birth"}, stages: []string{"operation"},
		legal: 20, promised: 10, visits: 0, depth: 4, cross: catalog.CrossProvince, cond: catalog.Text{
			Hans: "用人单位已为职工参加生育保险并足额缴费，职工符合计划生育政策分娩。", Hant: "用人單位已為職工參加生育保險並足額繳費，職工符合計劃生育政策分娩。",
			En: "The employer insured the employee for maternity and paid in full; the birth followed the family planning rules."},
		basis:     "《中华人民共和国社会保险法》第五十六条",
		materials: []catalog.Material{mID, mBirthCert, mHospitalRecord, mBankAccount},
		form:      schemaOf(fApplicant, fIDNumber, fMobile, formFormatted("delivery_date", "date", "分娩日期", "分娩日期", "Date of delivery"), formText("employer", "用人单位", "用人單位", "Employer", true))},
	{org: "fj-healthcare-security", basic: "002021062000", typ: catalog.PublicService,
		hans: "基本医疗保险关系转移接续", hant: "基本醫療保險關係轉移接續", en: "Transfer of basic medical insurance between regions",
		keywords: []string{"医保转移", "医保关系转移"}, object: catalog.ObjectPerson, events: []string{"moving", "employment"},
		legal: 15, promised: 10, visits: 0, depth: 4, cross: catalog.CrossNational, cond: catalog.Text{
			Hans: "参保人跨统筹地区流动就业或迁移户籍。", Hant: "參保人跨統籌地區流動就業或遷移戶籍。",
			En: "The insured person moves to work or live in another pooling region."},
		basis:     "《基本医疗保险关系转移接续暂行办法》",
		materials: []catalog.Material{mID, mSocialInsurance},
		form:      schemaOf(fApplicant, fIDNumber, fMobile, formText("from_region", "转出地", "轉出地", "From", true), formText("to_region", "转入地", "轉入地", "To", true))},

	// --- Civil affairs ---------------------------------------------------------------------
	{org: "fj-civil-affairs", basic: "000107031000", typ: catalog.AdministrativeConfirmation,
		hans: "内地居民婚姻登记", hant: "內地居民婚姻登記", en: "Marriage registration of mainland residents",
		keywords: []string{"结婚登记", "领结婚证"}, object: catalog.ObjectPerson, events: []string{"marriage"},
		legal: 1, promised: 1, visits: 1, depth: 2, cross: catalog.CrossProvince, cond: catalog.Text{
			Hans: "男女双方完全自愿，达到法定婚龄，均无配偶，非直系血亲和三代以内旁系血亲，双方共同到场办理。",
			Hant: "男女雙方完全自願，達到法定婚齡，均無配偶，非直系血親和三代以內旁系血親，雙方共同到場辦理。",
			En:   "Both consent freely, are of legal age, are unmarried and not closely related, and come in person together."},
		basis:     "《中华人民共和国民法典》第一千零四十九条；《婚姻登记条例》第四条",
		materials: []catalog.Material{mID, mHousehold, mPhoto},
		form: schemaOf(fApplicant, fIDNumber, formText("partner_name", "另一方姓名", "另一方姓名", "Partner's name", true),
			formFormatted("partner_id", "resident-id", "另一方公民身份号码", "另一方公民身份號碼", "Partner's resident ID number"), fMobile,
			formFormatted("appointment", "date", "预约登记日期", "預約登記日期", "Appointment date"))},
	{org: "fj-civil-affairs", basic: "000103031000", typ: catalog.AdministrativeBenefit,
		hans: "最低生活保障审批", hant: "最低生活保障審批", en: "Minimum living allowance",
		keywords: []string{"低保", "困难救助"}, object: catalog.ObjectPerson, events: []string{"housing"},
		legal: 30, promised: 20, visits: 0, depth: 4, cross: catalog.CrossNone, cond: catalog.Text{
			Hans: "共同生活的家庭成员人均收入低于当地最低生活保障标准，且财产状况符合规定。",
			Hant: "共同生活的家庭成員人均收入低於當地最低生活保障標準，且財產狀況符合規定。",
			En:   "The household's income per head is below the local minimum standard and its assets meet the rules."},
		basis:     "《社会救助暂行办法》第九条；《福建省最低生活保障条例》",
		materials: []catalog.Material{mID, mHousehold, mIncome, mBankAccount},
		form:      schemaOf(fApplicant, fIDNumber, fMobile, fAddress, formCount("household_size", "共同生活家庭人口", "共同生活家庭人口", "People in the household"))},

	// --- Housing and natural resources ------------------------------------------------------
	{org: "fj-housing", basic: "002021071000", typ: catalog.PublicService,
		hans: "住房公积金提取（租房）", hant: "住房公積金提取（租房）", en: "Withdrawal of housing provident fund for rent",
		keywords: []string{"公积金", "租房提取", "提公积金"}, object: catalog.ObjectPerson, events: []string{"housing", "moving"},
		legal: 5, promised: 1, visits: 0, depth: 4, cross: catalog.CrossProvince, cond: catalog.Text{
			Hans: "职工本人及配偶在缴存地无自有住房且租房自住，连续足额缴存住房公积金三个月以上。",
			Hant: "職工本人及配偶在繳存地無自有住房且租房自住，連續足額繳存住房公積金三個月以上。",
			En:   "Neither the employee nor the spouse owns a home where they pay in, they rent one to live in, and have paid in for three months."},
		basis:     "《住房公积金管理条例》第二十四条",
		materials: []catalog.Material{mID, mLease, mBankAccount},
		form:      schemaOf(fApplicant, fIDNumber, fMobile, formAmount("monthly_rent", "月租金（元）", "月租金（元）", "Monthly rent (yuan)"))},
	{org: "fj-housing", basic: "000101071000", typ: catalog.AdministrativeLicensing,
		hans: "建筑施工企业安全生产许可", hant: "建築施工企業安全生產許可", en: "Work safety licence for construction firms",
		keywords: []string{"安许证", "安全生产许可证"}, object: catalog.ObjectEnterprise, scope: "construction", stages: []string{"startup", "operation"},
		legal: 45, promised: 15, visits: 0, depth: 4, cross: catalog.CrossNone, cond: condEnterprise,
		basis:     "《安全生产许可证条例》第二条；《建筑施工企业安全生产许可证管理规定》",
		materials: []catalog.Material{mApplication, mBusinessLicence, mSafetyRules, mStaffList},
		form:      schemaOf(fEntName, fCredit, fApplicant, fMobile, formCount("staff", "安全生产管理人员数", "安全生產管理人員數", "Safety managers"))},
	{org: "fj-natural-resources", basic: "000107081000", typ: catalog.AdministrativeConfirmation,
		hans: "不动产转移登记（二手房买卖）", hant: "不動產轉移登記（二手房買賣）", en: "Transfer registration of real estate (resale home)",
		keywords: []string{"过户", "房产证", "买房"}, object: catalog.ObjectBoth, scope: "construction", events: []string{"moving", "housing"}, stages: []string{"operation"},
		legal: 30, promised: 5, visits: 1, depth: 3, cross: catalog.CrossProvince, cond: catalog.Text{
			Hans: "买卖双方已签订房屋买卖合同并缴清相关税费，不动产权属清楚、无查封。", Hant: "買賣雙方已簽訂房屋買賣合同並繳清相關稅費，不動產權屬清楚、無查封。",
			En: "Buyer and seller signed a purchase contract and paid the taxes; the title is clear and not seized."},
		basis:     "《中华人民共和国民法典》第二百零九条；《不动产登记暂行条例》第十四条",
		materials: []catalog.Material{mApplication, mID, mPropertyCert, mPurchaseContract},
		fees: []catalog.Fee{{NameHans: "不动产登记费（住宅）", NameHant: "不動產登記費（住宅）", NameEn: "Real estate registration fee (home)", AmountFen: 8000,
			LegalBasis: "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）"}},
		form: schemaOf(fApplicant, fIDNumber, fMobile, formText("property_number", "不动产权证书号", "不動產權證書號", "Title certificate number", true),
			formArea("property_address", "房屋坐落", "房屋坐落", "Address of the property", true), formAmount("price", "成交价（万元）", "成交價（萬元）", "Price (10,000 yuan)"))},

	// --- Tax, transport, education, environment, culture and tourism ---------------------------
	{org: "fj-tax", basic: "001001001000", typ: catalog.OtherAdministrativePower,
		hans: "新办纳税人涉税事项套餐（发票领用）", hant: "新辦納稅人涉稅事項套餐（發票領用）", en: "Tax start-up package for new taxpayers (invoices)",
		keywords: []string{"领发票", "税务登记", "开票"}, object: catalog.ObjectBoth, scope: "taxation", stages: []string{"startup"},
		legal: 5, promised: 1, visits: 0, depth: 4, cross: catalog.CrossProvince, cond: catalog.Text{
			Hans: "已领取营业执照的新办市场主体。", Hant: "已領取營業執照的新辦市場主體。", En: "A newly registered business with its business licence."},
		basis:     "《中华人民共和国税收征收管理法》第十五条；《中华人民共和国发票管理办法》第十五条",
		materials: []catalog.Material{mBusinessLicence, mID},
		form: schemaOf(fEntName, fApplicant, fMobile, formChoice("taxpayer", "纳税人类型", "納稅人類型", "Kind of taxpayer",
			option{"small", "小规模纳税人", "小規模納稅人", "Small-scale"}, option{"general", "一般纳税人", "一般納稅人", "General"}))},
	{org: "fj-tax", basic: "002021091000", typ: catalog.PublicService,
		hans: "个人所得税综合所得年度汇算", hant: "個人所得稅綜合所得年度匯算", en: "Annual individual income tax reconciliation",
		keywords: []string{"个税", "退税", "汇算清缴"}, object: catalog.ObjectPerson, events: []string{"employment"},
		legal: 0, promised: 0, visits: 0, depth: 4, cross: catalog.CrossNational, cond: catalog.Text{
			Hans: "上一纳税年度取得综合所得，需要补税或申请退税。", Hant: "上一納稅年度取得綜合所得，需要補稅或申請退稅。",
			En: "The taxpayer had comprehensive income last year and owes tax or claims a refund."},
		basis:     "《中华人民共和国个人所得税法》第十一条",
		materials: []catalog.Material{mID, mBankAccount},
		form:      schemaOf(fApplicant, fIDNumber, fMobile, formAmount("income", "年度综合所得（元）", "年度綜合所得（元）", "Comprehensive income (yuan)"))},
	{org: "fj-transport", basic: "000101101000", typ: catalog.AdministrativeLicensing,
		hans: "道路货物运输经营许可", hant: "道路貨物運輸經營許可", en: "Road freight transport business licence",
		keywords: []string{"道路运输证", "货运"}, object: catalog.ObjectEnterprise, scope: "licences", stages: []string{"startup"},
		legal: 20, promised: 5, visits: 0, depth: 4, cross: catalog.CrossProvince, cond: condEnterprise,
		basis:     "《中华人民共和国道路运输条例》第二十一条；《道路货物运输及站场管理规定》",
		materials: []catalog.Material{mApplication, mBusinessLicence, mVehicles, mSafetyRules, mStaffList},
		form:      schemaOf(fEntName, fCredit, fApplicant, fMobile, formCount("vehicles", "营运车辆数", "營運車輛數", "Operating vehicles"))},
	{org: "fj-transport", basic: "000101102000", typ: catalog.AdministrativeLicensing,
		hans: "网络预约出租汽车驾驶员证核发", hant: "網絡預約出租汽車駕駛員證核發", en: "Licence for online ride-hailing drivers",
		keywords: []string{"网约车", "网约车司机", "网约车驾驶员证"}, object: catalog.ObjectPerson, events: []string{"employment"},
		legal: 20, promised: 10, visits: 0, depth: 4, cross: catalog.CrossNone, cond: catalog.Text{
			Hans: "取得相应准驾车型机动车驾驶证并具有三年以上驾驶经历，无交通肇事犯罪、危险驾驶犯罪记录。",
			Hant: "取得相應準駕車型機動車駕駛證並具有三年以上駕駛經歷，無交通肇事犯罪、危險駕駛犯罪記錄。",
			En:   "The driver has held a suitable licence for three years and has no record of traffic or dangerous-driving crimes."},
		basis:     "《网络预约出租汽车经营服务管理暂行办法》第十四条",
		materials: []catalog.Material{mID, mDrivingLicence, mPhoto},
		form:      schemaOf(fApplicant, fIDNumber, fMobile, formFormatted("licence_since", "date", "初次领证日期", "初次領證日期", "Licensed since"))},
	{org: "fj-education", basic: "000107111000", typ: catalog.AdministrativeConfirmation,
		hans: "教师资格认定", hant: "教師資格認定", en: "Recognition of teacher qualification",
		keywords: []string{"教资", "教师资格证"}, object: catalog.ObjectPerson, events: []string{"employment"},
		legal: 30, promised: 20, visits: 0, depth: 4, cross: catalog.CrossNone, cond: catalog.Text{
			Hans: "遵守宪法和法律，热爱教育事业，具备规定学历，通过教师资格考试，体检合格。",
			Hant: "遵守憲法和法律，熱愛教育事業，具備規定學歷，通過教師資格考試，體檢合格。",
			En:   "The applicant has the required education, passed the teacher examination and the medical examination."},
		basis:     "《中华人民共和国教师法》第十条；《教师资格条例》",
		materials: []catalog.Material{mID, mDiploma, mMedicalExam, mPhoto},
		form: schemaOf(fApplicant, fIDNumber, fMobile, formChoice("level", "资格种类", "資格種類", "Kind of qualification",
			option{"kindergarten", "幼儿园", "幼兒園", "Kindergarten"}, option{"primary", "小学", "小學", "Primary"},
			option{"secondary", "初级中学", "初級中學", "Lower secondary"}, option{"senior", "高级中学", "高級中學", "Upper secondary"}))},
	{org: "fj-education", basic: "002021111000", typ: catalog.PublicService,
		hans: "义务教育阶段转学", hant: "義務教育階段轉學", en: "Changing school in compulsory education",
		keywords: []string{"转学", "插班"}, object: catalog.ObjectPerson, events: []string{"schooling", "moving"},
		legal: 10, promised: 5, visits: 0, depth: 4, cross: catalog.CrossProvince, cond: catalog.Text{
			Hans: "学生随父母迁居或有其他正当理由，转入学校有学位并同意接收。", Hant: "學生隨父母遷居或有其他正當理由，轉入學校有學位並同意接收。",
			En: "The pupil moves with the parents or has another good reason, and the new school has a place and agrees."},
		basis:     "《中华人民共和国义务教育法》第十二条；《中小学生学籍管理办法》",
		materials: []catalog.Material{mID, mHousehold, mSchoolProof},
		form: schemaOf(formText("pupil_name", "学生姓名", "學生姓名", "Pupil's name", true), formFormatted("pupil_id", "resident-id", "学生公民身份号码", "學生公民身份號碼", "Pupil's resident ID number"),
			formText("old_school", "原就读学校", "原就讀學校", "Current school", true), formText("new_school", "转入学校", "轉入學校", "New school", true), fMobile)},
	{org: "fj-ecology-environment", basic: "000101121000", typ: catalog.AdministrativeLicensing,
		hans: "排污许可证核发", hant: "排污許可證核發", en: "Pollutant discharge permit",
		keywords: []string{"排污证", "排污许可"}, object: catalog.ObjectEnterprise, scope: "environment", stages: []string{"operation"},
		legal: 30, promised: 15, visits: 0, depth: 4, cross: catalog.CrossNone, cond: condEnterprise,
		basis:     "《排污许可管理条例》第二条",
		materials: []catalog.Material{mApplication, mBusinessLicence, mEIA, mMonitoringPlan},
		form:      schemaOf(fEntName, fCredit, fMobile, formText("industry", "行业类别", "行業類別", "Industry", true))},
	{org: "fj-culture-tourism", basic: "000101131000", typ: catalog.AdministrativeLicensing,
		hans: "旅行社设立许可", hant: "旅行社設立許可", en: "Licence to set up a travel agency",
		keywords: []string{"开旅行社", "旅行社经营许可证"}, object: catalog.ObjectEnterprise, scope: "licences", stages: []string{"startup"},
		legal: 20, promised: 10, visits: 0, depth: 4, cross: catalog.CrossNone, cond: condEnterprise,
		basis:     "《旅行社条例》第六条",
		materials: []catalog.Material{mApplication, mBusinessLicence, mPremises, mDeposit, mStaffList},
		form:      schemaOf(fEntName, fCredit, fApplicant, fMobile, fPremises)},
}

// itemIndividualBusiness is the registration of an individual business by a city's market
// regulator.
func itemIndividualBusiness(orgCode string) demoItem {
	return demoItem{org: orgCode, basic: "000105011000", typ: catalog.AdministrativeLicensing,
		hans: "个体工商户设立登记", hant: "個體工商戶設立登記", en: "Registration of an individual business",
		keywords: []string{"个体户", "开店", "营业执照办理", "business licence"}, object: catalog.ObjectBoth, scope: "business_registration", events: []string{"employment"}, stages: []string{"startup"},
		legal: 15, promised: 1, visits: 0, depth: 4, cross: catalog.CrossProvince, cond: condRegistration,
		basis:     "《促进个体工商户发展条例》第八条；《中华人民共和国市场主体登记管理条例》第三条",
		materials: []catalog.Material{mApplication, mID, mPremises},
		form:      schemaOf(fEntName, fApplicant, fIDNumber, fMobile, fBusinessScope, fPremises),
	}
}

// itemFoodBusiness is the food business licence of a city's market regulator.
func itemFoodBusiness(orgCode string) demoItem {
	return demoItem{org: orgCode, basic: "000101021000", typ: catalog.AdministrativeLicensing,
		hans: "食品经营许可证核发", hant: "食品經營許可證核發", en: "Food business licence",
		keywords: []string{"餐饮许可", "食品许可", "餐饮服务许可"}, object: catalog.ObjectBoth, scope: "licences", stages: []string{"startup"},
		legal: 20, promised: 5, visits: 0, depth: 4, cross: catalog.CrossProvince, cond: catalog.Text{
			Hans: "有与经营的食品品种、数量相适应的经营场所，有食品安全管理人员和管理制度，设备布局和工艺流程合理。",
			Hant: "有與經營的食品品種、數量相適應的經營場所，有食品安全管理人員和管理制度，設備佈局和工藝流程合理。",
			En:   "Premises suited to the food and quantities, a food safety manager and rules, and a sound layout and process."},
		basis:     "《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》",
		materials: []catalog.Material{mApplication, mBusinessLicence, mPremises, mFloorPlan, mFoodSafetyRules, mHealthCert},
		form: schemaOf(fEntName, fApplicant, fMobile, fPremises, formChoice("food_type", "经营项目", "經營項目", "What is sold", optFood...),
			formAmount("floor_area", "经营面积（平方米）", "經營面積（平方米）", "Floor area (m²)")),
	}
}

// item makes the catalogue's Item of d.
func (d demoItem) item() catalog.Item {
	code := catalog.OrgCreditCode(d.org) + d.basic
	forms := []string{catalog.FormWindow, catalog.FormOnline}
	if d.windowOnly {
		forms = []string{catalog.FormWindow}
	}
	if d.post {
		forms = append(forms, catalog.FormPost)
	}
	return catalog.Item{Code: code, BasicCode: d.basic, HandlingCode: code + "0001", Type: d.typ, Org: d.org,
		NameHans: d.hans, NameHant: d.hant, NameEn: d.en, Keywords: d.keywords, ServiceObject: d.object, AgentScope: d.scope,
		LegalDays: d.legal, PromisedDays: d.promised, Conditions: d.cond, Materials: d.materials, Fees: d.fees,
		LegalBasis: catalog.Text{Hans: d.basis}, HandlingForms: forms, Visits: d.visits, OnlineDepth: d.depth,
		JointBodies: d.joint, ComplaintChannel: complaintChannel, Place: placeOf(d.org), CrossRegion: d.cross,
		LifeEvents: d.events, Stages: d.stages, FormSchema: d.form}
}

var complaintChannel = catalog.Text{Hans: "12345 政务服务便民热线；闽政通“好差评”", Hant: "12345 政務服務便民熱線；閩政通「好差評」",
	En: "The 12345 government service hotline; ratings in the Mintongzheng app"}

// placeOf is where an organisation's items are handled in person.
func placeOf(orgCode string) catalog.Text {
	switch orgCode {
	case "fz-market-regulation", "fz-urban-management", "fz-construction":
		return catalog.Text{Hans: "福州市行政服务中心综合受理窗口（工作日 8:30—12:00、14:30—17:30）",
			Hant: "福州市行政服務中心綜合受理窗口（工作日 8:30—12:00、14:30—17:30）",
			En:   "General acceptance windows of the Fuzhou Administrative Service Centre (working days 8:30–12:00, 14:30–17:30)"}
	case "xm-market-regulation":
		return catalog.Text{Hans: "厦门市行政服务中心综合受理窗口（工作日 9:00—12:00、13:00—17:00）",
			Hant: "廈門市行政服務中心綜合受理窗口（工作日 9:00—12:00、13:00—17:00）",
			En:   "General acceptance windows of the Xiamen Administrative Service Centre (working days 9:00–12:00, 13:00–17:00)"}
	}
	return catalog.Text{Hans: "福建省行政服务中心及各设区市、县（区）政务服务中心综合受理窗口",
		Hant: "福建省行政服務中心及各設區市、縣（區）政務服務中心綜合受理窗口",
		En:   "General acceptance windows of the provincial and local government service centres"}
}
