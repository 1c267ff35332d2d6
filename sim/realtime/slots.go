package realtime

import (
	"fmt"
	"net"
	"sync"
)

// slots bounds the connections a node has accepted that have not yet
// presented their hello: at most total in all and at most perSource from
// one source address (IP, any port), so that one host opening idle
// connections cannot take every slot from the others, and none can hold
// one for longer than the hello timeout.
type slots struct {
	total, perSource int

	mu       sync.Mutex
	used     int
	bySource map[string]int
}

func newSlots(total, perSource int) *slots {
	return &slots{total: total, perSource: perSource, bySource: map[string]int{}}
}

// acquire takes a slot for a connection from src, or says why there is
// none.
func (s *slots) acquire(src string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.bySource[src] >= s.perSource:
		return fmt.Errorf("%d connections from %s are already waiting for their hello, the most from one address", s.perSource, src)
	case s.used >= s.total:
		return fmt.Errorf("%d connections are already waiting for their hello, the most in all", s.total)
	}
	s.used++
	s.bySource[src]++
	return nil
}

// release gives back a slot taken for src.
func (s *slots) release(src string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.used--
	if s.bySource[src]--; s.bySource[src] <= 0 {
		delete(s.bySource, src)
	}
}

// sourceOf returns the source address of a connection, its IP without the
// port.
func sourceOf(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	s := a.String()
	if host, _, err := net.SplitHostPort(s); err == nil {
		return host
	}
	return s
}
