package httpserver

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP returns the address of the client that sent r, as the server worked it out once
// for the request (see Config.TrustedProxies): the peer address of the connection, unless the
// peer is a trusted proxy, in which case X-Forwarded-For is read from the right, skipping
// trusted proxies, and the first address that is not one is the client. Without trusted
// proxies X-Forwarded-For is ignored, since any client can write it. Outside the server's
// stack ClientIP returns the peer address.
func ClientIP(r *http.Request) string {
	if st := stateOf(r); st != nil {
		return st.clientIP
	}
	return peerAddr(r.RemoteAddr)
}

func (s *Server) clientIP(r *http.Request) string {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return peerAddr(r.RemoteAddr)
	}
	client := peer.Addr().Unmap().WithZone("")
	if !s.trusted(client) {
		return client.String()
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		list := hops[i]
		for list != "" {
			var hop string
			if j := strings.LastIndexByte(list, ','); j >= 0 {
				hop, list = list[j+1:], list[:j]
			} else {
				hop, list = list, ""
			}
			a, ok := parseHop(hop)
			if !ok {
				// A garbled entry: anything left of it is the client's own say-so.
				return client.String()
			}
			client = a
			if !s.trusted(a) {
				return a.String()
			}
		}
	}
	return client.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop reads one X-Forwarded-For entry: an address, possibly with a port or in brackets.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return a.Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}

// peerAddr strips the port from a RemoteAddr.
func peerAddr(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}

// rateKey is the rate-limit key of a client address: the address for IPv4, its /64 network for
// IPv6, since one IPv6 subscriber usually holds a whole /64.
func rateKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is6() {
		return ip
	}
	p, _ := a.Prefix(64)
	return p.String()
}
