package realtime

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// ParsePeers reads a peer list: the n machines' addresses, comma
// separated, in machine-id order, this machine's own entry included (so
// that every machine of a run is given the same list). Each address is
// host:port with a non-empty host (a name, an IPv4 address or a bracketed
// IPv6 address) and a port in 1..65535; no address may appear twice.
func ParsePeers(s string, n int) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("the peer list is empty; give the %d machines' addresses host:port, comma separated, in machine-id order", n)
	}
	parts := strings.Split(s, ",")
	if len(parts) != n {
		return nil, fmt.Errorf("the peer list has %d addresses, the scenario has %d machines (give every machine's address in id order, this machine's own included)", len(parts), n)
	}
	seen := make(map[string]int, n)
	out := make([]string, n)
	for i, p := range parts {
		p = strings.TrimSpace(p)
		host, port, err := net.SplitHostPort(p)
		if err != nil {
			return nil, fmt.Errorf("peer %d: %q is not host:port", i, p)
		}
		if host == "" || strings.ContainsAny(host, " \t/") {
			return nil, fmt.Errorf("peer %d: %q has no valid host (write 127.0.0.1:7000, name:7000 or [::1]:7000)", i, p)
		}
		pn, err := strconv.Atoi(port)
		if err != nil || pn < 1 || pn > 65535 || port != strconv.Itoa(pn) {
			return nil, fmt.Errorf("peer %d: %q has port %q, not a number in 1..65535", i, p, port)
		}
		addr := net.JoinHostPort(host, port)
		if j, dup := seen[addr]; dup {
			return nil, fmt.Errorf("peers %d and %d have the same address %s", j, i, addr)
		}
		seen[addr] = i
		out[i] = addr
	}
	return out, nil
}
