package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// Resident is a demo resident; they sign in with their phone number.
type Resident struct {
	Name     string
	IDType   identity.DocumentType
	IDNumber string
	Phone    string
	// InRegistry puts the person in the synthetic population registry, so that registration
	// reaches real-name level 2.
	InRegistry bool
	Purpose    string
}

func birth(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, clock.China) }

// Residents are the demo residents: a citizen, an enterprise's legal representative, the agent
// that enterprise authorised, and a Taiwan resident registered with a travel permit.
var Residents = []Resident{
	{"陈美玲", identity.ResidentID, idcode.NewResidentID("350102", birth(1988, 3, 15), 46), "13859001234", true, "居民（二级实名）：办事、授权应用、管理令牌"},
	{"张建国", identity.ResidentID, idcode.NewResidentID("350203", birth(1975, 11, 2), 31), "13705918866", true, "企业法定代表人：福州榕城茶业有限公司，授权经办人"},
	{"李晓峰", identity.ResidentID, idcode.NewResidentID("350583", birth(1992, 7, 21), 17), "13600591234", true, "企业经办人：代表福州榕城茶业有限公司办理证照、商事登记"},
	{"陳家豪", identity.TaiwanPermit, "08123456", "13959107788", false, "台湾居民（通行证注册，一级实名）"},
}

// DemoEnterprise is the enterprise of the demo: its legal representative is Residents[1] and
// Residents[2] is its agent.
var DemoEnterprise = struct{ CreditCode, Name string }{
	idcode.NewCreditCode('9', '1', "350102", "MA2Y7K3P"), "福州榕城茶业有限公司",
}

var (
	surnames = []rune("陈林黄张吴王李郑刘杨许蔡何郭周谢曾罗洪邱叶苏庄江高方游卢徐施朱柯欧")
	given    = [][]rune{[]rune("志明"), []rune("丽华"), []rune("建平"), []rune("秀英"), []rune("晓东"), []rune("海燕"),
		[]rune("文杰"), []rune("雅婷"), []rune("国强"), []rune("美玲"), []rune("俊杰"), []rune("淑芬"), []rune("振华"),
		[]rune("婉清"), []rune("德福"), []rune("丽娟"), []rune("宏伟"), []rune("慧敏"), []rune("金水"), []rune("春梅")}
	// Fujian county-level region codes where the synthetic people were born.
	birthRegions = []string{"350102", "350103", "350104", "350105", "350111", "350121", "350181", "350203", "350205",
		"350206", "350211", "350302", "350402", "350502", "350503", "350521", "350582", "350583", "350602", "350681",
		"350702", "350802", "350902", "350128"}
)

// registrySize is the number of synthetic people in the demo population registry besides the
// demo residents.
const registrySize = 500

// PopulationRegistry returns the synthetic population registry: the demo residents who are in it
// and registrySize generated people, the same on every run. Every ID number has a valid region,
// birth date and check character; none belongs to a real person.
func PopulationRegistry() []identity.RegistryEntry {
	var list []identity.RegistryEntry
	for _, r := range Residents {
		if r.InRegistry {
			list = append(list, identity.RegistryEntry{IDType: r.IDType, IDNumber: r.IDNumber, Name: r.Name})
		}
	}
	rng := rand.New(rand.NewPCG(2021, 526))
	seen := map[string]bool{}
	for _, e := range list {
		seen[e.IDNumber] = true
	}
	for len(list) < registrySize+3 {
		name := string(surnames[rng.IntN(len(surnames))]) + string(given[rng.IntN(len(given))])
		b := birth(1940+rng.IntN(66), 1+rng.IntN(12), 1+rng.IntN(28))
		id := idcode.NewResidentID(birthRegions[rng.IntN(len(birthRegions))], b, rng.IntN(1000))
		if seen[id] {
			continue
		}
		seen[id] = true
		list = append(list, identity.RegistryEntry{IDType: identity.ResidentID, IDNumber: id, Name: name})
	}
	return list
}

// seedPeople loads the population registry and creates the demo residents, the demo enterprise
// and its agent's authorisation, skipping what is there.
func seedPeople(ctx context.Context, ids *identity.Service) (created int, err error) {
	defer errs.Wrap(&err, "demo.seedPeople")
	if err := ids.LoadRegistry(ctx, PopulationRegistry()); err != nil {
		return 0, err
	}
	accounts := make([]identity.Account, len(Residents))
	for i, r := range Residents {
		a, err := ids.ImportResident(ctx, identity.Registration{Name: r.Name, IDType: r.IDType, IDNumber: r.IDNumber,
			Phone: r.Phone, Password: Password})
		if errs.Is(err, errs.Conflict) {
			if a, err = residentByPhone(ctx, ids, r.Phone); err != nil {
				return created, err
			}
		} else if err != nil {
			return created, err
		} else {
			created++
		}
		accounts[i] = a
	}
	owner := principal.With(ctx, accounts[1].Principal())
	if _, err := ids.RegisterEnterprise(owner, DemoEnterprise.CreditCode, DemoEnterprise.Name); errs.Is(err, errs.Conflict) {
		return created, nil // seeded before, agent included
	} else if err != nil {
		return created, err
	}
	now := ids.DB().Clock().Now()
	_, err = ids.AuthoriseAgent(owner, identity.Grant{CreditCode: DemoEnterprise.CreditCode, Agent: Residents[2].Phone,
		Scopes: []string{"business_registration", "licences"}, ValidFrom: now, ValidUntil: now.AddDate(1, 0, 0)})
	return created, err
}

func residentByPhone(ctx context.Context, ids *identity.Service, phone string) (identity.Account, error) {
	id, err := ids.AccountIDByPhone(ctx, phone)
	if err != nil {
		return identity.Account{}, fmt.Errorf("demo resident %s: %w", identity.MaskPhone(phone), err)
	}
	return ids.Account(ctx, id)
}
