package experiment

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestParseStandalone: the peers are required and checked, the listen
// address defaults to the machine's own entry, and a start instant must
// not be past; every problem is bad input naming its flag.
func TestParseStandalone(t *testing.T) {
	peers := "127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003"
	o, err := ParseStandalone(1, 3, peers, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if o.Listen != "127.0.0.1:7002" || len(o.Peers) != 3 || !o.Start.IsZero() {
		t.Errorf("options %+v", o)
	}
	start := time.Now().Add(time.Hour) // timing-ok: --start-at is checked against the wall clock; an hour ahead
	o, err = ParseStandalone(0, 3, peers, "0.0.0.0:7001", start.UnixNano())
	if err != nil {
		t.Fatal(err)
	}
	if o.Listen != "0.0.0.0:7001" || !o.Start.Equal(time.Unix(0, start.UnixNano())) {
		t.Errorf("options %+v", o)
	}
	for _, c := range []struct {
		peers   string
		startAt int64
		want    string
	}{
		{"", 0, "--peers is required"},
		{"127.0.0.1:7001", 0, "--peers: "},
		{peers, time.Now().Add(-time.Minute).UnixNano(), "in the past"}, // timing-ok: a minute past
	} {
		_, err := ParseStandalone(0, 3, c.peers, "", c.startAt)
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("peers %q, start %d: %v, want bad input with %q", c.peers, c.startAt, err, c.want)
		}
	}
}
