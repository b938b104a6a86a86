package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/csv"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/yiwang-platform/yiwang/internal/app"
	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/federation"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/qrcode"
	"github.com/yiwang-platform/yiwang/internal/requestid"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// cliGuideType is the licence type the command-line tests import: a tour guide's certificate,
// for persons, one to three years.
var cliGuideType = license.Type{Code: idcode.NewCreditCode('1', '1', "100000", "00001341") + "002", Org: "fj-market-regulation",
	NameHans: "导游证", NameHant: "導遊證", NameEn: "Tour Guide Certificate", AuthorityName: "国家市场监督管理总局",
	AuthorityLevel: license.LevelNational, IssuerLevel: license.LevelCity, HolderCategory: license.HolderPerson,
	MinValidityMonths: 12, MaxValidityMonths: 36,
	Fields: []license.Field{
		{Key: "language", NameHans: "语种", NameHant: "語種", NameEn: "Language", Kind: license.FieldText, Required: true},
		{Key: "born_on", NameHans: "出生日期", NameHant: "出生日期", NameEn: "Date of birth", Kind: license.FieldDate},
	}}

const cliIssuer = "fz-market-regulation"

// licenseNode is a node's store, assembled as the platform with the licence type published.
type licenseNode struct {
	args []string // --data DIR, or --database-url URL
	db   *store.DB
	app  *app.App
}

// newLicenseNode makes a store of dialect d that the commands reach by their flags, with the
// master key they are given through the environment.
func newLicenseNode(t *testing.T, d store.Dialect, c clock.Clock) licenseNode {
	t.Helper()
	hermetic(t)
	master := keys.NewMasterKey()
	t.Setenv("YIWANG_MASTER_KEY", master.Encode())
	ctx := context.Background()
	var n licenseNode
	var cfg store.Config
	switch d {
	case store.SQLite:
		dir := t.TempDir()
		cfg, n.args = store.Config{DataDir: dir, Clock: c}, []string{"--data", dir}
	case store.Postgres:
		u := postgresSchemaURL(t)
		cfg, n.args = store.Config{URL: u, Clock: c}, []string{"--database-url", u}
	}
	var err error
	if n.db, err = store.Open(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.db.Close() })
	if _, err := n.db.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if n.app, err = app.New(ctx, app.Config{DB: n.db, MasterKey: master, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.app.Close)
	sys := principal.With(ctx, principal.SystemPrincipal)
	svc := n.app.Licenses
	if _, err := svc.SaveType(sys, principal.SystemPrincipal, cliGuideType); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SubmitType(sys, principal.SystemPrincipal, cliGuideType.Code); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PublishType(sys, principal.SystemPrincipal, cliGuideType.Code); err != nil {
		t.Fatal(err)
	}
	return n
}

// postgresSchemaURL makes an empty schema for the test on the tests' PostgreSQL and returns a URL
// whose search_path is it (as storetest does for its own handles, which commands cannot reach).
func postgresSchemaURL(t *testing.T) string {
	t.Helper()
	base := storetest.PostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	name := fmt.Sprintf("t_cli_%d_%s", time.Now().UnixNano(), strings.ToLower(requestid.New()[:8]))
	if _, err := admin.Exec("CREATE SCHEMA " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec("DROP SCHEMA " + name + " CASCADE") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// guideRowsCLI are n good rows of tour guides' certificates, numbered from first.
func guideRowsCLI(first, n int) [][]string {
	rows := [][]string{{"证照编号", "持证人", "证件号码", "颁证日期", "有效期起始日期", "有效期截止日期", "语种", "出生日期"}}
	for i := first; i < first+n; i++ {
		rows = append(rows, []string{fmt.Sprintf("DY-%06d", i), fmt.Sprintf("导游%d", i),
			idcode.NewResidentID("350102", time.Date(1985, 1, 1, 0, 0, 0, 0, time.UTC), i), "2025-01-10", "", "2027-01-09", "英语", "1985-01-01"})
	}
	return rows
}

func csvBytes(rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.WriteAll(rows)
	return b.Bytes()
}

func xlsxBytes(t *testing.T, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		row := make([]any, len(r))
		for j, c := range r {
			row[j] = c
		}
		if i > 0 {
			row[3] = time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC) // a date cell, as Excel keeps it
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestLicenseImport(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) { testLicenseImport(t, d) })
	}
}

func testLicenseImport(t *testing.T, d store.Dialect) {
	n := newLicenseNode(t, d, clock.Real{})
	dir := t.TempDir()
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(csvBytes(guideRowsCLI(20, 2)))
	if err != nil {
		t.Fatal(err)
	}
	bad := guideRowsCLI(30, 4)
	bad[2][2] = wrongCheck(bad[2][2])
	bad[3][6] = ""           // the language is required
	bad[4][5] = "2030-01-01" // more than 36 months
	files := map[string][]byte{
		"guides.xlsx":  xlsxBytes(t, guideRowsCLI(1, 3)),
		"guides.csv":   csvBytes(guideRowsCLI(10, 2)),
		"gb18030.csv":  gb,
		"bad.csv":      csvBytes(bad),
		"picture.xlsx": []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00"),
		"dry.csv":      csvBytes(guideRowsCLI(40, 2)),
	}
	path := func(name string) string { return filepath.Join(dir, name) }
	for name, data := range files {
		writeFile(t, dir, name, data)
	}
	imp := func(extra ...string) []string {
		return append(append([]string{"license", "import", "--type", cliGuideType.Code, "--issuer", cliIssuer}, n.args...), extra...)
	}
	count := func() int {
		var c int
		if err := n.db.Get(context.Background(), &c, `SELECT COUNT(*) FROM licences`); err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name    string
		args    []string
		out     []string // lines of standard output, each a prefix
		code    int      // exit code; 0 for success
		stored  int      // licences stored afterwards
		errText string
	}{
		{name: "a file with bad rows imports nothing", args: imp(path("bad.csv")), code: 1, errText: "3 problem(s); nothing was imported",
			out: []string{"文件有 3 处问题，未导入任何证照：", "  第 3 行 C 列（证件号码）：", "  第 4 行 G 列（语种）：请填写“语种”。",
				"  第 5 行 F 列（有效期截止日期）：有效期须自起始日起 12 至 36 个月。"}},
		{name: "the report in English", args: imp("--lang", "en", path("bad.csv")), code: 1,
			out: []string{"The file has 3 problem(s); no licence was imported:", "  Row 3, column C (证件号码): ", "  Row 4, column G (语种): Fill in “语种”.",
				"  Row 5, column F (有效期截止日期): The validity runs 12 to 36 months from its start."}},
		{name: "a picture named .xlsx", args: imp(path("picture.xlsx")), code: 1,
			out: []string{"文件有 1 处问题，未导入任何证照：", "  文件：picture.xlsx 的名称是 Excel 工作簿，内容却不是。"}},
		{name: "a dry run writes nothing", args: imp("--dry-run", path("dry.csv")),
			out: []string{"检查通过：2 本“导游证”可以导入（试运行，未写入任何数据）。"}},
		{name: "a workbook", args: imp(path("guides.xlsx")), stored: 3, out: []string{"已导入 3 本“导游证”，发证单位：福州市市场监督管理局。"}},
		{name: "CSV", args: imp("--lang", "en", path("guides.csv")), stored: 5, out: []string{"Imported 2 licence(s) of “Tour Guide Certificate”, issued by "}},
		{name: "GB18030 CSV", args: imp(path("gb18030.csv")), stored: 7, out: []string{"已导入 2 本“导游证”"}},
		{name: "the same licences again", args: imp(path("guides.csv")), stored: 7, code: 1,
			out: []string{"文件有 2 处问题，未导入任何证照：", "  第 2 行 A 列（证照编号）：发证单位已有编号为 DY-000010 的这类证照。",
				"  第 3 行 A 列（证照编号）：发证单位已有编号为 DY-000011 的这类证照。"}},
		{name: "no type", args: []string{"license", "import", "--issuer", cliIssuer, path("guides.csv")}, code: 2, stored: 7, errText: "--type"},
		{name: "a type not published", args: append([]string{"license", "import", "--type", cliGuideType.Code[:18] + "099", "--issuer", cliIssuer},
			append(n.args, path("guides.csv"))...), code: 1, stored: 7, errText: "--type"},
		{name: "an unknown issuer", args: append([]string{"license", "import", "--type", cliGuideType.Code, "--issuer", "nobody"},
			append(n.args, path("dry.csv"))...), code: 1, stored: 7, errText: "issuer_org"},
		{name: "a missing file", args: imp(path("none.csv")), code: 1, stored: 7, errText: "cannot read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := yiwang(t, tc.args...)
			switch {
			case tc.code == 0 && err != nil:
				t.Fatalf("yiwang %s: %v\n%s", strings.Join(tc.args, " "), err, out)
			case tc.code != 0 && (err == nil || exitCode(err) != tc.code):
				t.Fatalf("yiwang %s: %v (exit %d), want exit %d\n%s", strings.Join(tc.args, " "), err, exitCode(err), tc.code, out)
			case tc.errText != "" && !strings.Contains(err.Error(), tc.errText):
				t.Errorf("error %q does not say %q", err, tc.errText)
			}
			lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
			if len(tc.out) > 0 && len(lines) != len(tc.out) {
				t.Errorf("output has %d lines, want %d:\n%s", len(lines), len(tc.out), out)
			}
			for i, want := range tc.out {
				if i < len(lines) && !strings.HasPrefix(lines[i], want) {
					t.Errorf("line %d = %q, want it to start %q", i+1, lines[i], want)
				}
			}
			if got := count(); got != tc.stored {
				t.Errorf("%d licences stored, want %d", got, tc.stored)
			}
		})
	}

	// Every licence issued, with a valid identifier, as the command line for the issuer.
	var rows []struct {
		ID       string `db:"id"`
		Issuer   string `db:"issuer_org"`
		IssuedOn string `db:"issued_on"`
		By       string `db:"created_by"`
	}
	if err := n.db.Select(context.Background(), &rows, `SELECT id, issuer_org, issued_on, created_by FROM licences`); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if _, err := idcode.ParseLicenceID(r.ID); err != nil {
			t.Errorf("identifier %s: %v", r.ID, err)
		}
		if r.Issuer != cliIssuer || r.IssuedOn != "2025-01-10" || r.By != "system:cli.license-import" {
			t.Errorf("licence %+v", r)
		}
	}
	var imports int
	if err := n.db.Get(context.Background(), &imports, `SELECT COUNT(*) FROM audit_events WHERE action = 'license.import'
		AND actor = 'system:cli.license-import'`); err != nil || imports != 3 {
		t.Errorf("%d imports audited (%v), want 3", imports, err)
	}
}

// verifyFiles is what license verify is given: a node's key, trust lists and snapshots, and
// texts to verify.
type verifyFiles struct {
	dir                            string
	nodeKey, trust, partial, snap  string
	presentation, credential       string
	revoked, tampered, stranger    string
	qr                             string
	node                           licenseNode
	licenceID, presentedAt, expiry string
}

func newVerifyFiles(t *testing.T) verifyFiles {
	t.Helper()
	c := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, clock.China))
	n := newLicenseNode(t, store.SQLite, c)
	ctx := principal.With(context.Background(), principal.SystemPrincipal)
	svc := n.app.Licenses
	v := verifyFiles{dir: t.TempDir(), node: n, presentedAt: "2026-03-02T09:02:00+08:00", expiry: "2026-03-02 11:00"}
	file := func(name string, data []byte) string { return writeFile(t, v.dir, name, data) }

	// A resident holds a certificate and presents it; another is revoked.
	holderID := idcode.NewResidentID("350102", time.Date(1988, 3, 7, 0, 0, 0, 0, time.UTC), 123)
	var account int64
	err := n.db.Transact(ctx, func(tx *store.Tx) error {
		var err error
		account, err = tx.InsertID(ctx, `INSERT INTO accounts (login, kind, display_name, password_hash, disabled, created_at, phone,
			id_type, id_number, real_name_level) VALUES ('r1', 'resident', '林小梅', 'x', 0, ?, '13859001234', 'resident_id', ?, 2)
			RETURNING id`, tx.Now, holderID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	issue := func(number string) license.Licence {
		l, err := svc.Issue(ctx, principal.SystemPrincipal, license.IssueRequest{TypeCode: cliGuideType.Code, IssuerOrg: cliIssuer,
			HolderName: "林小梅", HolderCode: holderID, HolderCodeType: license.HolderCodeResidentID, Number: number,
			Face: map[string]string{"language": "英语"}})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	valid, revoked := issue("DY-1"), issue("DY-2")
	v.licenceID = valid.ID
	holder := principal.Principal{Kind: principal.Resident, AccountID: account, Login: "r1", Name: "林小梅", RealNameLevel: 2}
	pres, err := svc.Present(principal.With(ctx, holder), holder, valid.ID, license.PresentRequest{Purpose: "导游带团核验",
		Fields: []string{license.ClaimHolderName, "language"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Revoke(ctx, principal.SystemPrincipal, revoked.ID, "注销"); err != nil {
		t.Fatal(err)
	}
	v.presentation, v.credential, v.revoked = file("presentation.txt", []byte(pres+"\n")), valid.Credential, revoked.Credential
	png, err := qrcode.PNG(pres, qrcode.Options{Level: qrcode.LevelL})
	if err != nil {
		t.Fatal(err)
	}
	v.qr = file("presentation.png", png)
	// The credential with its validity pushed out, and one signed by a key nobody trusts.
	parts := strings.Split(valid.Credential, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	payload = bytes.Replace(payload, []byte(`"valid_until":"20`), []byte(`"valid_until":"29`), 1)
	v.tampered = strings.Join([]string{parts[0], base64.RawURLEncoding.EncodeToString(payload), parts[2]}, ".")
	claims, err := credential.ParseCredential(valid.Credential)
	if err != nil {
		t.Fatal(err)
	}
	sk, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	claims.KeyID = "key_stranger"
	v.stranger, _, err = credential.Issue(sk, claims, nil)
	if err != nil {
		t.Fatal(err)
	}

	// The node's key, its trust list (and one without the issuer's key), its snapshot.
	nk, kid, err := svc.NodeKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	der, err := smx509.MarshalPKIXPublicKey(nk.Public)
	if err != nil {
		t.Fatal(err)
	}
	v.nodeKey = file("node-key.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	doc, err := svc.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v.snap = file("status.yws", doc)
	snap, err := license.VerifySnapshot(doc, nk.Public)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := n.app.Keys.Signer(ctx, kid)
	if err != nil {
		t.Fatal(err)
	}
	list := func(all bool) []byte {
		l := federation.TrustList{Node: "350000", Name: "福建省", Version: 1, IssuedAt: c.Now().UTC(), NextUpdate: c.Now().UTC().Add(24 * time.Hour),
			Endpoint: "http://127.0.0.1:8080", StatusURL: "http://127.0.0.1:8080/api/v1/licenses/status", LicenceTypes: []string{cliGuideType.Code}}
		for _, k := range snap.Keys {
			if all || k.Owner == "350000" {
				l.Keys = append(l.Keys, federation.TrustedKey{KeyID: k.KeyID, Owner: k.Owner, Alg: k.Alg, SPKI: k.SPKI})
			}
		}
		b, err := federation.Sign(l, kid, credential.SM2, signer)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	v.trust, v.partial = file("trust.json", list(true)), file("trust-partial.json", list(false))
	return v
}

// wrongCheck changes the check character of a resident ID number.
func wrongCheck(id string) string {
	const checks = "0123456789X"
	return id[:17] + string(checks[(strings.IndexByte(checks, id[17])+1)%len(checks)])
}

func TestLicenseVerify(t *testing.T) {
	v := newVerifyFiles(t)
	saved := filepath.Join(v.dir, "saved-trust.json")
	base := func(extra ...string) []string {
		return append([]string{"license", "verify", "--trust", v.trust, "--node-key", v.nodeKey, "--snapshot", v.snap,
			"--at", v.presentedAt}, extra...)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		code  int
		out   string // the line's start
	}{
		{"a valid presentation", base("@" + v.presentation), "", 0, "有效（valid）：证照有效"},
		{"in English, saving the trust list", base("--lang", "en", "--save-trust", saved, "@"+v.presentation), "", 0, "valid (valid): The licence is valid"},
		{"with the saved trust file alone", []string{"license", "verify", "--trust", saved, "--snapshot", v.snap, "--at", v.presentedAt, "@" + v.presentation}, "", 0, "有效（valid）"},
		{"a picture of the QR code", base("@" + v.qr), "", 0, "有效（valid）"},
		{"the credential from standard input", base("-"), v.credential, 0, "有效（valid）"},
		{"without a trust list: the snapshot's keys", []string{"license", "verify", "--node-key", v.nodeKey, "--snapshot", v.snap, "--at", v.presentedAt, v.credential}, "", 0, "有效（valid）"},
		{"revoked", base(v.revoked), "", 4, "已撤销（revoked）：证照已被发证单位撤销"},
		{"tampered", base(v.tampered), "", 7, "伪造或被篡改（forged）"},
		{"a key not on the trust list", base(v.stranger), "", 8, "不可信（not_trusted）"},
		{"the issuer's key left off the trust list", []string{"license", "verify", "--trust", v.partial, "--node-key", v.nodeKey, "--snapshot", v.snap, "--at", v.presentedAt, v.credential}, "", 8, "不可信（not_trusted）"},
		{"an expired presentation", []string{"license", "verify", "--trust", v.trust, "--node-key", v.nodeKey, "--snapshot", v.snap, "--at", v.expiry, "@" + v.presentation}, "", 6, "已过期（expired）：出示码已过期"},
		{"an identifier", base(v.licenceID), "", 9, "无法识别（malformed）：离线核验需要证照或出示码"},
		{"junk", base("hello"), "", 9, "无法识别（malformed）"},
		{"no snapshot", []string{"license", "verify", "--trust", v.trust, "--node-key", v.nodeKey, v.credential}, "", 2, ""},
		{"no node key", []string{"license", "verify", "--trust", v.trust, "--snapshot", v.snap, v.credential}, "", 2, ""},
		{"a snapshot under another key", []string{"license", "verify", "--node-key", v.nodeKey, "--snapshot", v.trust, v.credential}, "", 1, ""},
		{"a trust list under another key", []string{"license", "verify", "--trust", v.snap, "--node-key", v.nodeKey, "--snapshot", v.snap, v.credential}, "", 1, ""},
		{"a bad time", base("--at", "soon", v.credential), "", 2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdin = strings.NewReader(tc.stdin)
			out, _, err := yiwang(t, tc.args...)
			if got := exitCode(err); err != nil && got != tc.code || err == nil && tc.code != 0 {
				t.Fatalf("exit %d (%v), want %d\n%s", got, err, tc.code, out)
			}
			if tc.out != "" && (!strings.HasPrefix(out, tc.out) || strings.Count(out, "\n") != 1) {
				t.Errorf("output %q, want one line starting %q", out, tc.out)
			}
		})
	}

	// After a revocation the snapshot in hand still says valid; a refreshed one says revoked.
	ctx := principal.With(context.Background(), principal.SystemPrincipal)
	if _, err := v.node.app.Licenses.Revoke(ctx, principal.SystemPrincipal, v.licenceID, "吊销"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := yiwang(t, base("@"+v.presentation)...); err != nil {
		t.Errorf("with the old snapshot: %v", err)
	}
	doc, err := v.node.app.Licenses.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, v.dir, "status.yws", doc)
	out, _, err := yiwang(t, base("@"+v.presentation)...)
	if exitCode(err) != 4 || !strings.HasPrefix(out, "已撤销（revoked）") {
		t.Errorf("with a refreshed snapshot: %q, exit %d (%v)", out, exitCode(err), err)
	}
}
