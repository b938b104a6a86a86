package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/identity"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

const benchPassword = "bench-password-2026"

// benchService is a SQLite store with one resident who has a session and a token.
func benchService(b *testing.B) (svc *identity.Service, session, token string) {
	b.Helper()
	db := storetest.Open(b, store.SQLite, storetest.Options{Clock: clock.Real{}})
	svc, err := identity.New(db, identity.Options{})
	if err != nil {
		b.Fatal(err)
	}
	sys := principal.With(context.Background(), principal.SystemPrincipal)
	a, err := svc.ImportResident(sys, identity.Registration{Name: "林婉清", IDType: identity.ResidentID,
		IDNumber: idcode.NewResidentID("350104", time.Date(1990, 6, 1, 0, 0, 0, 0, clock.China), 82),
		Phone:    "13805910001", Password: benchPassword})
	if err != nil {
		b.Fatal(err)
	}
	res, err := svc.Login(context.Background(), "13805910001", benchPassword, identity.Meta{})
	if err != nil {
		b.Fatal(err)
	}
	_, token, err = svc.CreateToken(principal.With(context.Background(), a.Principal()),
		identity.NewToken{Name: "bench", Scopes: []string{principal.ScopeAPIRead}, TTL: 24 * time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	return svc, res.Token, token
}

// BenchmarkPasswordHash is the raw limit of password login: one argon2id hash.
func BenchmarkPasswordHash(b *testing.B) {
	hash, err := identity.HashPassword(benchPassword)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if !identity.CheckPassword(hash, benchPassword) {
			b.Fatal("password does not match")
		}
	}
}

// BenchmarkLogin is a whole password login: find the account, argon2id, open the session, write
// the login history and audit record.
func BenchmarkLogin(b *testing.B) {
	svc, _, _ := benchService(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := svc.Login(ctx, "13805910001", benchPassword, identity.Meta{ClientIP: "127.0.0.1"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSessionPrincipal is what every signed-in page request pays to learn who is asking.
func BenchmarkSessionPrincipal(b *testing.B) {
	svc, session, _ := benchService(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := svc.SessionPrincipal(ctx, session); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTokenPrincipal is what every API request with a personal access token pays.
func BenchmarkTokenPrincipal(b *testing.B) {
	svc, _, token := benchService(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := svc.TokenPrincipal(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}
