package federation

import (
	"context"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
)

// TestEndpoint gives the node calls an approved peer's endpoint — the registered one until a
// list names another, then the list's — and none for a peer pending, suspended or unknown;
// NodeSigner is the key the trust list names as the node's.
func TestEndpoint(t *testing.T) {
	eachRig(t, func(t *testing.T, r *rig) {
		ctx := context.Background()
		zj := newFakePeer(t, zhejiang, "浙江省")
		if _, err := r.svc.Endpoint(ctx, zhejiang); !errs.Is(err, errs.NotFound) {
			t.Errorf("an unknown peer: %v", err)
		}
		if _, err := r.svc.Register(as(officeAdmin), zj.input(t)); err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.Endpoint(ctx, zhejiang); !errs.Is(err, errs.NotFound) {
			t.Errorf("a pending peer: %v", err)
		}
		if _, err := r.svc.Approve(as(officeAdmin2), zhejiang, zj.fingerprint(t)); err != nil {
			t.Fatal(err)
		}
		if got, err := r.svc.Endpoint(ctx, zhejiang); err != nil || got != zj.endpoint {
			t.Errorf("approved, no list: %q, %v", got, err)
		}
		l := zj.list(t, 1, r.clock.Now())
		l.Endpoint = "https://gov.zhejiang.example.cn/yiwang"
		if _, err := r.svc.Import(as(officeAdmin), zhejiang, zj.sign(t, l)); err != nil {
			t.Fatal(err)
		}
		if got, err := r.svc.Endpoint(ctx, zhejiang); err != nil || got != l.Endpoint {
			t.Errorf("with a list: %q, %v; want the list's", got, err)
		}
		if _, err := r.svc.Suspend(as(officeAdmin), zhejiang, "核查"); err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.Endpoint(ctx, zhejiang); !errs.Is(err, errs.NotFound) {
			t.Errorf("a suspended peer: %v", err)
		}

		sg, alg, err := r.svc.NodeSigner(ctx)
		if err != nil {
			t.Fatal(err)
		}
		key, err := r.svc.NodeKey(ctx)
		if err != nil || key.KeyID != sg.Key().ID || alg != credential.SM2 || key.Alg != alg {
			t.Errorf("NodeSigner %s %s, NodeKey %+v, %v", sg.Key().ID, alg, key, err)
		}
	})
}
