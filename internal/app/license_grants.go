package app

import (
	"context"

	"github.com/yiwang-platform/yiwang/internal/federation"
	"github.com/yiwang-platform/yiwang/internal/license"
	"github.com/yiwang-platform/yiwang/internal/principal"
)

// peerNodes gives the licence service the approved peer nodes a holder may grant a licence to:
// none while there is no federation service (Federation).
type peerNodes struct{ a *App }

func (p peerNodes) ApprovedPeers(ctx context.Context) ([]license.Node, error) {
	fed := p.a.Federation()
	if fed == nil {
		return []license.Node{}, nil
	}
	peers, err := fed.Peers(principal.With(ctx, principal.SystemPrincipal))
	if err != nil {
		return nil, err
	}
	out := []license.Node{}
	for _, pe := range peers {
		if pe.Status == federation.PeerApproved {
			out = append(out, license.Node{Code: pe.Code, Name: pe.Name})
		}
	}
	return out, nil
}
