package idcode

// names holds one name in the three languages Yiwang shows.
type names struct{ hans, hant, en string }

// in returns the name in language tag lang: zh-Hant, en, or zh-Hans for anything else.
func (n names) in(lang string) string {
	switch lang {
	case "zh-Hant":
		return n.hant
	case "en":
		return n.en
	}
	return n.hans
}

// authorities are the registration authorities of GB 32100-2015 (position 1 of a credit code).
// Authorities added by later notices are not listed; their codes still validate.
var authorities = map[byte]names{
	'1': {"机构编制", "機構編制", "institutional staffing"},
	'2': {"外交", "外交", "foreign affairs"},
	'3': {"司法行政", "司法行政", "judicial administration"},
	'4': {"文化", "文化", "culture"},
	'5': {"民政", "民政", "civil affairs"},
	'6': {"旅游", "旅遊", "tourism"},
	'7': {"宗教", "宗教", "religious affairs"},
	'8': {"工会", "工會", "trade unions"},
	'9': {"市场监管（工商）", "市場監管（工商）", "market regulation"},
	'N': {"农业", "農業", "agriculture"},
	'Y': {"其他", "其他", "other"},
}

// categories are the body categories (position 2) of the authorities whose tables are confirmed
// here; other authorities' categories decode as unknown.
var categories = map[[2]byte]names{
	{'1', '1'}: {"机关", "機關", "government body"},
	{'1', '2'}: {"事业单位", "事業單位", "public institution"},
	{'1', '3'}: {"群众团体", "群眾團體", "mass organisation"},
	{'1', '9'}: {"其他", "其他", "other"},
	{'5', '1'}: {"社会团体", "社會團體", "social organisation"},
	{'5', '2'}: {"民办非企业单位", "民辦非企業單位", "private non-enterprise unit"},
	{'5', '3'}: {"基金会", "基金會", "foundation"},
	{'5', '9'}: {"其他", "其他", "other"},
	{'9', '1'}: {"企业", "企業", "enterprise"},
	{'9', '2'}: {"个体工商户", "個體工商戶", "individual business"},
	{'9', '3'}: {"农民专业合作社", "農民專業合作社", "farmers' cooperative"},
	{'N', '1'}: {"组级集体经济组织", "組級集體經濟組織", "group-level collective economic organisation"},
	{'N', '2'}: {"村级集体经济组织", "村級集體經濟組織", "village-level collective economic organisation"},
	{'N', '3'}: {"乡镇级集体经济组织", "鄉鎮級集體經濟組織", "township-level collective economic organisation"},
	{'N', '9'}: {"其他", "其他", "other"},
}

// AuthorityName returns the name, in language tag lang (zh-Hans, zh-Hant or en), of the
// registration authority that position 1 of a credit code stands for; false if it is unknown.
func AuthorityName(authority byte, lang string) (string, bool) {
	n, ok := authorities[authority]
	return n.in(lang), ok
}

// CategoryName returns the name, in language tag lang, of the body category that position 2 of a
// credit code stands for under the given authority; false if it is unknown.
func CategoryName(authority, category byte, lang string) (string, bool) {
	n, ok := categories[[2]byte{authority, category}]
	return n.in(lang), ok
}
