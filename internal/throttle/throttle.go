// Package throttle holds what every rate limit of the product counts by. It
// knows nothing of HTTP or storage: callers pass the client address they
// were given and count under the key this package makes of it.
package throttle

import "net/netip"

// AddressKey is the key a client address is counted under. An IPv4 address
// counts alone; an IPv6 address counts with its whole /64, because a single
// subscriber is routinely handed a /64 and can pick any of its 2^64
// addresses for each request. Anything that is not an address (a test
// name, an empty string) is its own key.
func AddressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.WithZone("").Prefix(64)
	return p.String()
}
