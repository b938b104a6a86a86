package main

import (
	"context"
	"strings"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/identity"
)

func TestAccountCreate(t *testing.T) {
	hermetic(t)
	dir := t.TempDir()
	create := func(password string, args ...string) (string, error) {
		stdin = strings.NewReader(password + "\n")
		t.Cleanup(func() { stdin = nil })
		out, _, err := yiwang(t, append([]string{"account", "create", "--data", dir}, args...)...)
		return out, err
	}
	out, err := create("a-strong-password-1", "--login", "szb.chief", "--name", "刘建国", "--org", "fj-digital-office", "--roles", "administrator, reviewer")
	if err != nil || !strings.Contains(out, "created account szb.chief") {
		t.Fatalf("create = %q, %v", out, err)
	}
	for _, tc := range []struct {
		name, password string
		args           []string
		want           string
	}{
		{"short password", "short", []string{"--login", "a.b", "--name", "x", "--org", "fj-drc"}, "password"},
		{"unknown organisation", "a-strong-password-1", []string{"--login", "a.b", "--name", "x", "--org", "nowhere"}, "--org"},
		{"taken login", "a-strong-password-1", []string{"--login", "szb.chief", "--name", "x", "--org", "fj-drc"}, "szb.chief"},
		{"unknown role", "a-strong-password-1", []string{"--login", "a.b", "--name", "x", "--org", "fj-drc", "--roles", "king"}, "roles"},
		{"no subcommand", "", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.args == nil {
				_, _, err = yiwang(t, "account")
			} else {
				_, err = create(tc.password, tc.args...)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
	// The account works: its password opens a session with the roles given.
	db, err := openStore(context.Background(), &options{Data: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids, err := identity.New(db, identity.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ids.Login(context.Background(), "szb.chief", "a-strong-password-1", identity.Meta{})
	token, a := res.Token, res.Account
	if err != nil || token == "" || a.OrgCode == nil || *a.OrgCode != "fj-digital-office" || len(a.Roles) != 2 {
		t.Errorf("login = %q %+v %v", token, a, err)
	}
}
