package pki_test

import (
	"context"
	"encoding/asn1"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/pki"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

const (
	scj = "fj-market-regulation"
	gat = "fj-public-security"
)

// The principals of the authority matrix.
var (
	system      = principal.SystemPrincipal
	officeAdmin = principal.Principal{Kind: principal.Official, Login: "szb.admin", OrgCode: org.DigitalOffice, Roles: []string{principal.RoleAdministrator}}
	officeClerk = principal.Principal{Kind: principal.Official, Login: "szb.reviewer", OrgCode: org.DigitalOffice, Roles: []string{principal.RoleReviewer}}
	scjAdmin    = principal.Principal{Kind: principal.Official, Login: "scj.admin", OrgCode: scj, Roles: []string{principal.RoleAdministrator}}
	scjWindow   = principal.Principal{Kind: principal.Official, Login: "scj.window", OrgCode: scj, Roles: []string{principal.RoleWindowOfficer}}
	gatAdmin    = principal.Principal{Kind: principal.Official, Login: "gat.admin", OrgCode: gat, Roles: []string{principal.RoleAdministrator}}
	resident    = principal.Principal{Kind: principal.Resident, Login: "r", AccountID: 1, RealNameLevel: 3}
	anonymous   = principal.Principal{Kind: principal.Anonymous}
)

func ctxAs(p principal.Principal) context.Context { return principal.With(context.Background(), p) }

type fixture struct {
	db   *store.DB
	keys *keys.Service
	pki  *pki.Service
}

// setup seeds the organisations and returns a key service and a PKI over db.
func setup(t testing.TB, db *store.DB) fixture {
	t.Helper()
	if _, err := org.Seed(ctxAs(system), db, org.Directory()); err != nil {
		t.Fatal(err)
	}
	k, err := keys.New(db, keys.NewMasterKey(), keys.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{db: db, keys: k, pki: pki.New(db, k, pki.Config{BaseURL: "https://yiwang.test/", RootOrg: org.DigitalOffice})}
}

// key makes an active key of orgCode for purpose in family f.
func (fx fixture) key(t testing.TB, orgCode, purpose string, f pki.Family) keys.Key {
	t.Helper()
	k, err := fx.keys.Ensure(ctxAs(system), orgCode, purpose, f.KeyAlgorithm())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// issue issues a certificate as the system.
func (fx fixture) issue(t testing.TB, orgCode string, kind pki.Kind, f pki.Family, cn string) pki.Certificate {
	t.Helper()
	purpose := string(kind)
	k := fx.key(t, orgCode, purpose, f)
	c, err := fx.pki.Issue(ctxAs(system), system, pki.IssueRequest{Org: orgCode, Kind: kind, KeyID: k.ID, CommonName: cn})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type principalT = principal.Principal

// publicKeyBits is the subject public key of a DER SubjectPublicKeyInfo, as OCSP hashes it.
func publicKeyBits(spki []byte) ([]byte, error) {
	var v struct {
		Algorithm asn1.RawValue
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(spki, &v); err != nil {
		return nil, err
	}
	return v.PublicKey.RightAlign(), nil
}
