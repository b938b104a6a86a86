package app

import (
	"context"

	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/nodecall"
)

// nodePeers is the node-to-node calls' view of the approved peers: their node keys and
// endpoints, from the federation service once there is one (before, there are no peers).
type nodePeers struct{ a *App }

// TrustedKey implements credential.Resolver: the keys of the approved peers' current lists.
func (p nodePeers) TrustedKey(kid string) (credential.TrustedKey, bool) {
	return peerKeys(p).TrustedKey(kid)
}

// Endpoint implements nodecall.Peers.
func (p nodePeers) Endpoint(ctx context.Context, node string) (string, error) {
	fed := p.a.Federation()
	if fed == nil {
		return "", errs.E(errs.NotFound, "nodecall.error.no_peer", node)
	}
	return fed.Endpoint(ctx, node)
}

// nodeIdentity is this node as it signs its calls and answers: its code and node key (the key
// of its trust lists); errs.Unavailable while there is no federation service.
func (a *App) nodeIdentity(ctx context.Context) (nodecall.Identity, error) {
	fed := a.Federation()
	if fed == nil {
		return nodecall.Identity{}, errs.E(errs.Unavailable, "error.unavailable")
	}
	sg, alg, err := fed.NodeSigner(ctx)
	if err != nil {
		return nodecall.Identity{}, err
	}
	return nodecall.Identity{Node: fed.Node(), KeyID: sg.Key().ID, Alg: alg, Signer: sg}, nil
}

// newNodeCalls assembles the client of this node's calls to its peers and the server of theirs
// (its routes are the API's, under /api/v1/federation/calls/).
func (a *App) newNodeCalls(cfg Config) {
	a.NodeCalls = nodecall.NewClient(a.nodeIdentity, nodePeers{a}, nil)
	a.NodeCallServer = nodecall.NewServer(cfg.DB, a.nodeIdentity, nodePeers{a})
	a.NodeCallServer.Logger = cfg.Logger
}
