package catalog_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/catalog"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/search"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// Words service items are named with, mixed into generated names like 食品生产许可证核发（变更）
// or 福州市建筑施工企业资质认定, so that searches meet a realistic spread of common and rare words.
var (
	benchSubjects = []string{"食品经营", "食品生产", "药品零售", "医疗器械经营", "道路货物运输", "道路旅客运输", "建筑施工企业", "特种设备",
		"公共场所", "排污", "旅行社", "娱乐场所", "烟草专卖零售", "危险化学品经营", "出版物零售", "广播电视节目制作", "林木采伐", "渔业捕捞",
		"取水", "城市道路占用", "户外招牌", "户外广告设施", "教师资格", "医师执业", "护士执业", "律师执业", "执业药师", "个体工商户", "营业执照",
		"农民专业合作社", "社会保障卡", "住房公积金", "不动产", "居住证", "机动车驾驶证", "出入境证件", "婚姻", "出生医学证明", "最低生活保障",
		"残疾人证", "网络预约出租汽车", "餐饮服务", "民办学校", "医疗机构执业", "消防安全检查", "人力资源服务", "劳务派遣", "职业技能等级"}
	benchActions = []string{"许可证核发", "许可", "登记", "设立登记", "变更登记", "注销登记", "备案", "资格认定", "执业注册", "证书补领",
		"延续", "年度报告", "审批", "核准", "申领", "换领", "转移接续", "查询", "确认", "补贴申领"}
	benchSuffixes = []string{"", "", "", "（新办）", "（变更）", "（延续）", "（注销）", "（补证）"}
	benchOrgs     = []string{"fj-market-regulation", "fz-market-regulation", "xm-market-regulation", "fj-health", "fj-public-security",
		"fj-hrss", "fj-healthcare-security", "fj-civil-affairs", "fj-housing", "fj-natural-resources", "fj-tax", "fj-transport",
		"fj-education", "fj-ecology-environment", "fj-culture-tourism", "fz-urban-management", "fz-construction", "fj-commerce",
		"fj-agriculture", "fj-water-resources", "fj-forestry", "fj-emergency", "fj-justice"}
)

// benchItems makes n valid items with names mixing the words above, deterministically.
func benchItems(n int) []catalog.Item {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]catalog.Item, n)
	for i := range out {
		orgCode := benchOrgs[r.IntN(len(benchOrgs))]
		subject, action := benchSubjects[r.IntN(len(benchSubjects))], benchActions[r.IntN(len(benchActions))]
		name := subject + action + benchSuffixes[r.IntN(len(benchSuffixes))]
		object := catalog.Objects[r.IntN(3)]
		it := newItem(orgCode, fmt.Sprintf("%07d", i), name, func(it *catalog.Item) {
			it.NameHant, it.NameEn = "", ""
			it.Type = catalog.ItemTypes[r.IntN(len(catalog.ItemTypes))]
			it.ServiceObject = object
			it.LifeEvents, it.Stages = nil, nil
			if object != catalog.ObjectEnterprise {
				it.LifeEvents = []string{catalog.LifeEvents[r.IntN(len(catalog.LifeEvents))]}
			}
			if object != catalog.ObjectPerson {
				it.Stages = []string{catalog.Stages[r.IntN(len(catalog.Stages))]}
			}
			it.OnlineDepth = 2 + r.IntN(3)
			if it.OnlineDepth < 4 {
				it.Visits = 1
			}
			it.Keywords = []string{benchSubjects[r.IntN(len(benchSubjects))]}
			it.Conditions = catalog.Text{Hans: "申请人应当具备与" + subject + "相适应的条件，材料齐全、符合法定形式。"}
		})
		out[i] = it
	}
	return out
}

// benchSize is the catalogue's size: 10,000 items unless YIWANG_BENCH_ITEMS says otherwise.
func benchSize(b *testing.B) int {
	if s := os.Getenv("YIWANG_BENCH_ITEMS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 100 {
			b.Fatalf("YIWANG_BENCH_ITEMS=%q: want a number ≥ 100", s)
		}
		return n
	}
	return 10_000
}

// benchQueries are what people search for, with and without filters.
var benchQueries = []catalog.Query{
	{Text: "许可"}, {Text: "營業執照"}, {Text: "执照"}, {Text: "食品经营许可证"}, {Text: "开餐馆"}, {Text: "医师执业注册"},
	{Text: "变更登记", Org: "fj-market-regulation"}, {Text: "社保卡"}, {Text: "住房公积金提取"}, {Text: "登记", Region: "350100"},
	{Text: "许可", MinDepth: 4, Object: catalog.ObjectEnterprise}, {Text: "不动产登记", LifeEvent: "moving"}, {Text: "备案", Page: 3},
	{Text: "户外招牌设置"}, {Text: "出生医学证明"}, {Org: "fj-health"}, {Stage: "startup", Region: "350200"}, {Text: "网约车"},
	{Text: "危险化学品经营许可证核发（延续）"}, {Text: "business licence"},
}

// BenchmarkSearch measures searching a catalogue of benchSize items on each engine: every
// operation runs each query of benchQueries 10 times; p50 and p99 are reported in ms.
//
//	go test ./internal/catalog -run XXX -bench Search -benchtime 1x
func BenchmarkSearch(b *testing.B) {
	n := benchSize(b)
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			db := storetest.Open(b, d, storetest.Options{Clock: clock.Real{}})
			ctx := as(system)
			if _, err := org.Seed(ctx, db, org.Directory()); err != nil {
				b.Fatal(err)
			}
			ix, err := search.Open(ctx, db)
			if err != nil {
				b.Fatal(err)
			}
			svc, err := catalog.New(db, ix)
			if err != nil {
				b.Fatal(err)
			}
			items := benchItems(n)
			start := time.Now()
			for i := 0; i < len(items); i += 1000 {
				if _, err := svc.Import(ctx, system, items[i:min(i+1000, len(items))], nil); err != nil {
					b.Fatal(err)
				}
			}
			b.Logf("%s: %d items imported in %v", d, n, time.Since(start))
			// Warm the caches as a running node has them.
			for _, q := range benchQueries {
				if _, err := svc.Search(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
			var lat []time.Duration
			hits := 0
			b.ResetTimer()
			for b.Loop() {
				for range 10 {
					for _, q := range benchQueries {
						t0 := time.Now()
						res, err := svc.Search(ctx, q)
						lat = append(lat, time.Since(t0))
						if err != nil {
							b.Fatal(err)
						}
						hits += len(res.Entries)
					}
				}
			}
			b.StopTimer()
			if hits == 0 {
				b.Fatal("no search found anything")
			}
			slices.Sort(lat)
			ms := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
			b.ReportMetric(ms(0.50), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
			b.ReportMetric(float64(n), "items")
		})
	}
}
