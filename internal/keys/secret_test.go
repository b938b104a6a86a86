package keys_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// Node secrets key the stored hashes of codes people hold: they must outlive restarts, other
// nodes, data-key rotation and a change of master key, and differ per purpose.
func TestSecretIsStable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := setup(t, db, keys.SM4GCM)
		ctx := context.Background()
		first, err := s.Secret(ctx, keys.SecretCaseQueryCodes)
		if err != nil {
			t.Fatal(err)
		}
		if len(first) != keys.SecretSize || bytes.Equal(first, make([]byte, keys.SecretSize)) {
			t.Fatalf("Secret = %x", first)
		}
		other, err := s.Secret(ctx, keys.SecretRatingVisitCodes)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(first, other) {
			t.Fatal("two purposes share a secret")
		}
		if err := s.RotateDataKey(ctx, "node-secrets"); err != nil {
			t.Fatal(err)
		}
		next := keys.NewMasterKey()
		if _, err := s.Rewrap(ctx, next); err != nil {
			t.Fatal(err)
		}
		s2, err := keys.New(db, next, keys.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			svc  *keys.Service
		}{
			{"same service after rotation", s},
			{"other node under the new master key", s2},
		} {
			got, err := tc.svc.Secret(ctx, keys.SecretCaseQueryCodes)
			if err != nil || !bytes.Equal(got, first) {
				t.Errorf("%s: Secret = %x, %v; want %x", tc.name, got, err, first)
			}
		}
		s3, _ := keys.New(db, keys.NewMasterKey(), keys.Options{})
		if _, err := s3.Secret(ctx, keys.SecretCaseQueryCodes); err == nil {
			t.Error("a stranger's master key derived the secret")
		}
		if _, err := s.Secret(ctx, ""); err == nil {
			t.Error("Secret without a purpose")
		}
	})
}
