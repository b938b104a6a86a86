package org

// Region codes (GB/T 2260) the directory uses.
const (
	RegionFujian  = "350000"
	RegionPingtan = "350128" // Pingtan county; the zone has no code of its own (unconfirmed)
)

// Directory returns the organisations of the province: the provincial government and Party
// bodies, the departments and other units the 2021 Digital Fujian work plan names as
// responsible, a few more that later modules need, the nine city governments and the Pingtan
// zone, and the telecom operators that 各電信運營商 stands for.
//
// Codes are stable lowercase slugs: data refers to them, so never change one. Aliases hold every
// way the plan writes a unit once its abbreviations are undone (省數字辦, 省檔案局, 福州市人民政府),
// in Traditional and Simplified characters, and common short forms. No alias names two
// organisations. A parent comes before its children, so that they can be stored in order. Each
// call returns a fresh copy.
func Directory() []Organisation {
	dir := make([]Organisation, 0, len(directoryEntries))
	for _, e := range directoryEntries {
		o := Organisation{
			Code:       e.code,
			Kind:       e.kind,
			NameHans:   e.hans,
			NameHant:   e.hant,
			NameEn:     e.en,
			RegionCode: e.region,
			Aliases:    append([]string(nil), e.aliases...),
		}
		if o.RegionCode == "" {
			o.RegionCode = RegionFujian
		}
		if e.parent != "" {
			parent := e.parent
			o.ParentCode = &parent
		}
		dir = append(dir, o)
	}
	return dir
}

type dirEntry struct {
	code, parent   string
	kind           Kind
	hans, hant, en string
	region         string // RegionFujian when empty
	aliases        []string
	groups         []string // classes of unit documents name collectively, e.g. GroupTelecomOperators
}

// Groups of organisations that documents name collectively.
const (
	// GroupTelecomOperators is what 各電信運營商 stands for.
	GroupTelecomOperators = "telecom-operators"
)

// Members returns the codes of the directory's organisations in group, in directory order.
func Members(group string) []string {
	var out []string
	for _, e := range directoryEntries {
		for _, g := range e.groups {
			if g == group {
				out = append(out, e.code)
			}
		}
	}
	return out
}

var directoryEntries = []dirEntry{
	// The provincial government, its general office, and the development and reform commission,
	// which administers several bodies below.
	{code: "fj-gov", kind: Government,
		hans: "福建省人民政府", hant: "福建省人民政府", en: "Fujian Provincial People's Government",
		aliases: []string{"省人民政府", "省政府", "福建省政府"}},
	{code: "fj-gov-office", parent: "fj-gov", kind: Department,
		hans: "福建省人民政府办公厅", hant: "福建省人民政府辦公廳", en: "General Office of Fujian Provincial People's Government",
		aliases: []string{"省政府办公厅", "省政府辦公廳", "省人民政府办公厅", "省人民政府辦公廳", "福建省政府办公厅", "福建省政府辦公廳"}},
	{code: "fj-drc", parent: "fj-gov", kind: Department,
		hans: "福建省发展和改革委员会", hant: "福建省發展和改革委員會", en: "Fujian Provincial Development and Reform Commission",
		aliases: []string{"省发改委", "省發改委", "福建省发改委", "福建省發改委", "省发展改革委", "省發展改革委"}},

	// Party bodies.
	{code: "fj-cpc", kind: Party,
		hans: "中共福建省委员会", hant: "中共福建省委員會", en: "CPC Fujian Provincial Committee",
		aliases: []string{"省委", "中共福建省委", "福建省委"}},
	{code: "fj-cpc-office", parent: "fj-cpc", kind: Party,
		hans: "中共福建省委办公厅", hant: "中共福建省委辦公廳", en: "General Office of the CPC Fujian Provincial Committee",
		aliases: []string{"省委办公厅", "省委辦公廳"}},
	{code: "fj-cpc-confidential", parent: "fj-cpc", kind: Party,
		hans: "中共福建省委机要局", hant: "中共福建省委機要局", en: "Confidential Bureau of the CPC Fujian Provincial Committee",
		aliases: []string{"省委机要局", "省委機要局", "省机要局", "省機要局"}},
	{code: "fj-secrecy", parent: "fj-cpc", kind: Party,
		hans: "福建省国家保密局", hant: "福建省國家保密局", en: "Fujian Provincial Administration for the Protection of State Secrets",
		aliases: []string{"省委保密局", "省保密局", "省国家保密局", "省國家保密局", "省委保密办", "省委保密辦",
			"中共福建省委保密委员会办公室", "中共福建省委保密委員會辦公室"}},
	{code: "fj-cpc-political-legal", parent: "fj-cpc", kind: Party,
		hans: "中共福建省委政法委员会", hant: "中共福建省委政法委員會", en: "Political and Legal Affairs Commission of the CPC Fujian Provincial Committee",
		aliases: []string{"省委政法委", "省委政法委员会", "省委政法委員會"}},
	{code: "fj-cpc-publicity", parent: "fj-cpc", kind: Party,
		hans: "中共福建省委宣传部", hant: "中共福建省委宣傳部", en: "Publicity Department of the CPC Fujian Provincial Committee",
		aliases: []string{"省委宣传部", "省委宣傳部"}},
	{code: "fj-cac", parent: "fj-cpc", kind: Party,
		hans: "中共福建省委网络安全和信息化委员会办公室", hant: "中共福建省委網絡安全和信息化委員會辦公室", en: "Cyberspace Administration of Fujian Province",
		aliases: []string{"省委网信办", "省委網信辦", "省网信办", "省網信辦", "福建省互联网信息办公室", "福建省互聯網信息辦公室"}},

	// People's congress and CPPCC.
	{code: "fj-npc-office", kind: Legislature,
		hans: "福建省人大常委会办公厅", hant: "福建省人大常委會辦公廳", en: "General Office of the Standing Committee of Fujian Provincial People's Congress",
		aliases: []string{"省人大常委会办公厅", "省人大常委會辦公廳", "福建省人民代表大会常务委员会办公厅", "福建省人民代表大會常務委員會辦公廳"}},
	{code: "fj-cppcc-office", kind: Legislature,
		hans: "中国人民政治协商会议福建省委员会办公厅", hant: "中國人民政治協商會議福建省委員會辦公廳", en: "General Office of the CPPCC Fujian Provincial Committee",
		aliases: []string{"省政协办公厅", "省政協辦公廳", "福建省政协办公厅", "福建省政協辦公廳"}},

	// Courts and procuratorates.
	{code: "fj-court", kind: Judiciary,
		hans: "福建省高级人民法院", hant: "福建省高級人民法院", en: "Higher People's Court of Fujian Province",
		aliases: []string{"省法院", "省高院", "省高级人民法院", "省高級人民法院"}},
	{code: "fj-procuratorate", kind: Judiciary,
		hans: "福建省人民检察院", hant: "福建省人民檢察院", en: "People's Procuratorate of Fujian Province",
		aliases: []string{"省检察院", "省檢察院", "省人民检察院", "省人民檢察院"}},

	// The digital office and the units it works through.
	{code: "fj-digital-office", parent: "fj-gov", kind: Department,
		hans: "数字福建建设领导小组办公室", hant: "數字福建建設領導小組辦公室", en: "Office of the Digital Fujian Leading Group",
		aliases: []string{"省数字办", "省數字辦", "数字办", "數字辦", "福建省数字办", "福建省數字辦", "数字福建办", "數字福建辦"}},
	{code: "fj-bigdata", parent: "fj-drc", kind: Department,
		hans: "福建省大数据管理局", hant: "福建省大數據管理局", en: "Fujian Big Data Administration",
		aliases: []string{"省大数据局", "省大數據局", "省大数据管理局", "省大數據管理局"}},
	{code: "fj-eic", parent: "fj-drc", kind: Other,
		hans: "福建省经济信息中心", hant: "福建省經濟信息中心", en: "Fujian Economic Information Center",
		aliases: []string{"省经济信息中心", "省經濟信息中心"}},
	{code: "fj-approval-reform", parent: "fj-gov", kind: Department,
		hans: "福建省行政审批制度改革工作小组办公室", hant: "福建省行政審批制度改革工作小組辦公室", en: "Office of the Fujian Administrative Approval Reform Working Group",
		aliases: []string{"省审改办", "省審改辦", "福建省审改办", "福建省審改辦"}},
	{code: "fj-archives", parent: "fj-cpc-office", kind: Department,
		hans: "福建省档案局", hant: "福建省檔案局", en: "Fujian Provincial Archives Administration",
		aliases: []string{"省档案局", "省檔案局"}},

	// Departments of the provincial government.
	{code: "fj-miit", parent: "fj-gov", kind: Department,
		hans: "福建省工业和信息化厅", hant: "福建省工業和信息化廳", en: "Department of Industry and Information Technology of Fujian Province",
		aliases: []string{"省工信厅", "省工信廳", "福建省工信厅", "福建省工信廳"}},
	{code: "fj-science-tech", parent: "fj-gov", kind: Department,
		hans: "福建省科学技术厅", hant: "福建省科學技術廳", en: "Department of Science and Technology of Fujian Province",
		aliases: []string{"省科技厅", "省科技廳", "福建省科技厅", "福建省科技廳"}},
	{code: "fj-market-regulation", parent: "fj-gov", kind: Department,
		hans: "福建省市场监督管理局", hant: "福建省市場監督管理局", en: "Fujian Provincial Administration for Market Regulation",
		aliases: []string{"省市场监管局", "省市場監管局", "省市场监督管理局", "省市場監督管理局"}},
	{code: "fj-ip", parent: "fj-market-regulation", kind: Department,
		hans: "福建省知识产权局", hant: "福建省知識產權局", en: "Fujian Intellectual Property Administration",
		aliases: []string{"省知识产权局", "省知識產權局"}},
	{code: "fj-justice", parent: "fj-gov", kind: Department,
		hans: "福建省司法厅", hant: "福建省司法廳", en: "Department of Justice of Fujian Province",
		aliases: []string{"省司法厅", "省司法廳"}},
	{code: "fj-public-security", parent: "fj-gov", kind: Department,
		hans: "福建省公安厅", hant: "福建省公安廳", en: "Department of Public Security of Fujian Province",
		aliases: []string{"省公安厅", "省公安廳"}},
	{code: "fj-state-security", parent: "fj-gov", kind: Department,
		hans: "福建省国家安全厅", hant: "福建省國家安全廳", en: "Department of State Security of Fujian Province",
		aliases: []string{"省安全厅", "省安全廳", "省国家安全厅", "省國家安全廳"}},
	{code: "fj-petitions", parent: "fj-gov", kind: Department,
		hans: "福建省信访局", hant: "福建省信訪局", en: "Fujian Provincial Bureau of Letters and Calls",
		aliases: []string{"省信访局", "省信訪局"}},
	{code: "fj-commerce", parent: "fj-gov", kind: Department,
		hans: "福建省商务厅", hant: "福建省商務廳", en: "Department of Commerce of Fujian Province",
		aliases: []string{"省商务厅", "省商務廳"}},
	{code: "fj-agriculture", parent: "fj-gov", kind: Department,
		hans: "福建省农业农村厅", hant: "福建省農業農村廳", en: "Department of Agriculture and Rural Affairs of Fujian Province",
		aliases: []string{"省农业农村厅", "省農業農村廳"}},
	{code: "fj-grain-reserves", parent: "fj-drc", kind: Department,
		hans: "福建省粮食和物资储备局", hant: "福建省糧食和物資儲備局", en: "Fujian Provincial Food and Strategic Reserves Administration",
		aliases: []string{"省粮储局", "省糧儲局", "省粮食和物资储备局", "省糧食和物資儲備局"}},
	{code: "fj-radio-tv", parent: "fj-gov", kind: Department,
		hans: "福建省广播电视局", hant: "福建省廣播電視局", en: "Fujian Provincial Radio and Television Administration",
		aliases: []string{"省广电局", "省廣電局", "省广播电视局", "省廣播電視局"}},
	{code: "fj-health", parent: "fj-gov", kind: Department,
		hans: "福建省卫生健康委员会", hant: "福建省衛生健康委員會", en: "Fujian Provincial Health Commission",
		aliases: []string{"省卫健委", "省衛健委", "省卫生健康委", "省衛生健康委"}},
	{code: "fj-education", parent: "fj-gov", kind: Department,
		hans: "福建省教育厅", hant: "福建省教育廳", en: "Department of Education of Fujian Province",
		aliases: []string{"省教育厅", "省教育廳"}},
	{code: "fj-culture-tourism", parent: "fj-gov", kind: Department,
		hans: "福建省文化和旅游厅", hant: "福建省文化和旅遊廳", en: "Department of Culture and Tourism of Fujian Province",
		aliases: []string{"省文旅厅", "省文旅廳", "省文化和旅游厅", "省文化和旅遊廳"}},
	{code: "fj-civil-affairs", parent: "fj-gov", kind: Department,
		hans: "福建省民政厅", hant: "福建省民政廳", en: "Department of Civil Affairs of Fujian Province",
		aliases: []string{"省民政厅", "省民政廳"}},
	{code: "fj-sports", parent: "fj-gov", kind: Department,
		hans: "福建省体育局", hant: "福建省體育局", en: "Fujian Provincial Sports Bureau",
		aliases: []string{"省体育局", "省體育局"}},
	{code: "fj-hrss", parent: "fj-gov", kind: Department,
		hans: "福建省人力资源和社会保障厅", hant: "福建省人力資源和社會保障廳", en: "Department of Human Resources and Social Security of Fujian Province",
		aliases: []string{"省人社厅", "省人社廳", "省人力资源社会保障厅", "省人力資源社會保障廳"}},
	{code: "fj-healthcare-security", parent: "fj-gov", kind: Department,
		hans: "福建省医疗保障局", hant: "福建省醫療保障局", en: "Fujian Provincial Healthcare Security Administration",
		aliases: []string{"省医保局", "省醫保局", "省医疗保障局", "省醫療保障局"}},
	{code: "fj-taiwan-affairs", parent: "fj-gov", kind: Department,
		hans: "福建省人民政府台港澳事务办公室", hant: "福建省人民政府臺港澳事務辦公室", en: "Taiwan, Hong Kong and Macao Affairs Office of Fujian Provincial People's Government",
		aliases: []string{"省台港澳办", "省臺港澳辦", "省台港澳辦", "省政府台港澳办", "省政府臺港澳辦"}},
	{code: "fj-housing", parent: "fj-gov", kind: Department,
		hans: "福建省住房和城乡建设厅", hant: "福建省住房和城鄉建設廳", en: "Department of Housing and Urban-Rural Development of Fujian Province",
		aliases: []string{"省住建厅", "省住建廳", "省住房城乡建设厅", "省住房城鄉建設廳"}},
	{code: "fj-natural-resources", parent: "fj-gov", kind: Department,
		hans: "福建省自然资源厅", hant: "福建省自然資源廳", en: "Department of Natural Resources of Fujian Province",
		aliases: []string{"省自然资源厅", "省自然資源廳"}},
	{code: "fj-ocean-fisheries", parent: "fj-gov", kind: Department,
		hans: "福建省海洋与渔业局", hant: "福建省海洋與漁業局", en: "Fujian Provincial Department of Ocean and Fisheries",
		aliases: []string{"省海洋渔业局", "省海洋漁業局", "省海洋与渔业局", "省海洋與漁業局"}},
	{code: "fj-transport", parent: "fj-gov", kind: Department,
		hans: "福建省交通运输厅", hant: "福建省交通運輸廳", en: "Department of Transport of Fujian Province",
		aliases: []string{"省交通运输厅", "省交通運輸廳", "省交通厅", "省交通廳"}},
	{code: "fj-finance", parent: "fj-gov", kind: Department,
		hans: "福建省财政厅", hant: "福建省財政廳", en: "Department of Finance of Fujian Province",
		aliases: []string{"省财政厅", "省財政廳"}},
	{code: "fj-ecology-environment", parent: "fj-gov", kind: Department,
		hans: "福建省生态环境厅", hant: "福建省生態環境廳", en: "Department of Ecology and Environment of Fujian Province",
		aliases: []string{"省生态环境厅", "省生態環境廳"}},
	{code: "fj-water-resources", parent: "fj-gov", kind: Department,
		hans: "福建省水利厅", hant: "福建省水利廳", en: "Department of Water Resources of Fujian Province",
		aliases: []string{"省水利厅", "省水利廳"}},
	{code: "fj-forestry", parent: "fj-gov", kind: Department,
		hans: "福建省林业局", hant: "福建省林業局", en: "Fujian Provincial Forestry Bureau",
		aliases: []string{"省林业局", "省林業局"}},
	{code: "fj-emergency", parent: "fj-gov", kind: Department,
		hans: "福建省应急管理厅", hant: "福建省應急管理廳", en: "Department of Emergency Management of Fujian Province",
		aliases: []string{"省应急厅", "省應急廳", "省应急管理厅", "省應急管理廳"}},
	{code: "fj-veterans", parent: "fj-gov", kind: Department,
		hans: "福建省退役军人事务厅", hant: "福建省退役軍人事務廳", en: "Department of Veterans Affairs of Fujian Province",
		aliases: []string{"省退役军人事务厅", "省退役軍人事務廳", "省退役军人厅", "省退役軍人廳"}},
	{code: "fj-audit", parent: "fj-gov", kind: Department,
		hans: "福建省审计厅", hant: "福建省審計廳", en: "Audit Office of Fujian Province",
		aliases: []string{"省审计厅", "省審計廳"}},
	{code: "fj-statistics", parent: "fj-gov", kind: Department,
		hans: "福建省统计局", hant: "福建省統計局", en: "Fujian Provincial Bureau of Statistics",
		aliases: []string{"省统计局", "省統計局"}},
	{code: "fj-sasac", parent: "fj-gov", kind: Department,
		hans: "福建省人民政府国有资产监督管理委员会", hant: "福建省人民政府國有資產監督管理委員會", en: "State-owned Assets Supervision and Administration Commission of Fujian Provincial People's Government",
		aliases: []string{"省国资委", "省國資委"}},

	// Central bodies in the province (vertically managed), named as responsible beside the
	// province's own departments.
	{code: "fj-communications", kind: Other,
		hans: "福建省通信管理局", hant: "福建省通信管理局", en: "Fujian Communications Administration",
		aliases: []string{"省通信管理局", "省通管局"}},
	{code: "fj-meteorology", kind: Other,
		hans: "福建省气象局", hant: "福建省氣象局", en: "Fujian Meteorological Bureau",
		aliases: []string{"省气象局", "省氣象局"}},
	{code: "fj-tax", kind: Other,
		hans: "国家税务总局福建省税务局", hant: "國家稅務總局福建省稅務局", en: "Fujian Provincial Tax Service, State Taxation Administration",
		aliases: []string{"省税务局", "省稅務局", "福建省税务局", "福建省稅務局"}},
	{code: "fj-postal", kind: Other,
		hans: "福建省邮政管理局", hant: "福建省郵政管理局", en: "Fujian Postal Administration",
		aliases: []string{"省邮政管理局", "省郵政管理局"}},

	// Enterprises.
	{code: "fj-electronics-group", kind: Enterprise,
		hans: "福建省电子信息（集团）有限责任公司", hant: "福建省電子信息（集團）有限責任公司", en: "Fujian Electronics & Information (Group) Co., Ltd.",
		aliases: []string{"省电子信息集团", "省電子信息集團", "福建省电子信息集团", "福建省電子信息集團"}},
	// The telecom operators that 各電信運營商 stands for.
	{code: "fj-china-telecom", kind: Enterprise,
		hans: "中国电信股份有限公司福建分公司", hant: "中國電信股份有限公司福建分公司", en: "China Telecom Fujian Branch",
		aliases: []string{"福建电信", "福建電信", "中国电信福建公司", "中國電信福建公司"}, groups: []string{GroupTelecomOperators}},
	{code: "fj-china-mobile", kind: Enterprise,
		hans: "中国移动通信集团福建有限公司", hant: "中國移動通信集團福建有限公司", en: "China Mobile Group Fujian Co., Ltd.",
		aliases: []string{"福建移动", "福建移動", "中国移动福建公司", "中國移動福建公司"}, groups: []string{GroupTelecomOperators}},
	{code: "fj-china-unicom", kind: Enterprise,
		hans: "中国联合网络通信有限公司福建省分公司", hant: "中國聯合網絡通信有限公司福建省分公司", en: "China Unicom Fujian Branch",
		aliases: []string{"福建联通", "福建聯通", "中国联通福建省分公司", "中國聯通福建省分公司"}, groups: []string{GroupTelecomOperators}},

	// The nine cities and Pingtan, the "1+10" the plan assigns as 各設區市人民政府、平潭綜合實驗區管委會.
	{code: "city-fuzhou", parent: "fj-gov", kind: City, region: "350100",
		hans: "福州市人民政府", hant: "福州市人民政府", en: "Fuzhou Municipal People's Government",
		aliases: []string{"福州市政府", "福州市", "福州"}},
	{code: "city-xiamen", parent: "fj-gov", kind: City, region: "350200",
		hans: "厦门市人民政府", hant: "廈門市人民政府", en: "Xiamen Municipal People's Government",
		aliases: []string{"厦门市政府", "廈門市政府", "厦门市", "廈門市", "厦门", "廈門"}},
	{code: "city-putian", parent: "fj-gov", kind: City, region: "350300",
		hans: "莆田市人民政府", hant: "莆田市人民政府", en: "Putian Municipal People's Government",
		aliases: []string{"莆田市政府", "莆田市", "莆田"}},
	{code: "city-sanming", parent: "fj-gov", kind: City, region: "350400",
		hans: "三明市人民政府", hant: "三明市人民政府", en: "Sanming Municipal People's Government",
		aliases: []string{"三明市政府", "三明市", "三明"}},
	{code: "city-quanzhou", parent: "fj-gov", kind: City, region: "350500",
		hans: "泉州市人民政府", hant: "泉州市人民政府", en: "Quanzhou Municipal People's Government",
		aliases: []string{"泉州市政府", "泉州市", "泉州"}},
	{code: "city-zhangzhou", parent: "fj-gov", kind: City, region: "350600",
		hans: "漳州市人民政府", hant: "漳州市人民政府", en: "Zhangzhou Municipal People's Government",
		aliases: []string{"漳州市政府", "漳州市", "漳州"}},
	{code: "city-nanping", parent: "fj-gov", kind: City, region: "350700",
		hans: "南平市人民政府", hant: "南平市人民政府", en: "Nanping Municipal People's Government",
		aliases: []string{"南平市政府", "南平市", "南平"}},
	{code: "city-longyan", parent: "fj-gov", kind: City, region: "350800",
		hans: "龙岩市人民政府", hant: "龍巖市人民政府", en: "Longyan Municipal People's Government",
		aliases: []string{"龙岩市政府", "龍巖市政府", "龍岩市人民政府", "龍岩市政府", "龙岩市", "龍巖市", "龍岩市", "龙岩", "龍巖", "龍岩"}},
	{code: "city-ningde", parent: "fj-gov", kind: City, region: "350900",
		hans: "宁德市人民政府", hant: "寧德市人民政府", en: "Ningde Municipal People's Government",
		aliases: []string{"宁德市政府", "寧德市政府", "宁德市", "寧德市", "宁德", "寧德"}},
	{code: "zone-pingtan", parent: "fj-gov", kind: Zone, region: RegionPingtan,
		hans: "平潭综合实验区管理委员会", hant: "平潭綜合實驗區管理委員會", en: "Administrative Committee of Pingtan Comprehensive Experimental Zone",
		aliases: []string{"平潭综合实验区管委会", "平潭綜合實驗區管委會", "平潭综合实验区", "平潭綜合實驗區", "平潭管委会", "平潭管委會", "平潭"}},

	// City departments that implement service items of the service hall (the same item in two
	// cities, handled across regions) and the bundles built on them.
	{code: "fz-market-regulation", parent: "city-fuzhou", kind: Department, region: "350100",
		hans: "福州市市场监督管理局", hant: "福州市市場監督管理局", en: "Fuzhou Administration for Market Regulation",
		aliases: []string{"福州市市场监管局", "福州市市場監管局"}},
	{code: "xm-market-regulation", parent: "city-xiamen", kind: Department, region: "350200",
		hans: "厦门市市场监督管理局", hant: "廈門市市場監督管理局", en: "Xiamen Administration for Market Regulation",
		aliases: []string{"厦门市市场监管局", "廈門市市場監管局"}},
	{code: "fz-urban-management", parent: "city-fuzhou", kind: Department, region: "350100",
		hans: "福州市城市管理委员会", hant: "福州市城市管理委員會", en: "Fuzhou Urban Management Commission",
		aliases: []string{"福州市城管委"}},
	{code: "fz-construction", parent: "city-fuzhou", kind: Department, region: "350100",
		hans: "福州市城乡建设局", hant: "福州市城鄉建設局", en: "Fuzhou Urban and Rural Construction Bureau",
		aliases: []string{"福州市建设局", "福州市建設局"}},
}
