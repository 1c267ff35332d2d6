package realtime_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	_ "desim/internal/golden" // registers -update for "go test ./... -update"
	"desim/sim"
	"desim/sim/realtime"
)

var tok = realtime.Token{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}

func hello(from, to uint32, t realtime.Token) []byte {
	b := realtime.Hello{From: from, To: to, Token: t}.Encode()
	return b[:]
}

func frames(vs ...int64) []byte {
	var out []byte
	for _, v := range vs {
		f := realtime.EncodeFrame(v)
		out = append(out, f[:]...)
	}
	return out
}

// The hello round-trips, and every malformed one is refused with a
// message saying why.
func TestDecodeHello(t *testing.T) {
	good := hello(2, 1, tok)
	h, err := realtime.DecodeHello(good)
	if err != nil || h.From != 2 || h.To != 1 || h.Token != tok {
		t.Fatalf("DecodeHello(Encode) = %+v, %v", h, err)
	}
	if string(good[:4]) != "DSIM" || good[4] != 2 {
		t.Errorf("hello starts % x, want the magic DSIM and version 2", good[:5])
	}
	mod := func(i int, b byte) []byte {
		c := bytes.Clone(good)
		c[i] = b
		return c
	}
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "0 bytes"},
		{"short", good[:31], "31 bytes"},
		{"long", append(bytes.Clone(good), 0), "33 bytes"},
		{"bad magic", mod(0, 'X'), "not a desim connection"},
		{"http", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n12345"), "not a desim connection"},
		{"version 1 (no acknowledgement, no end frame)", mod(4, 1), "protocol version 1, this desim speaks version 2"},
		{"version 3", mod(4, 3), "protocol version 3"},
		{"padding", mod(6, 1), "padding"},
	}
	for _, c := range cases {
		_, err := realtime.DecodeHello(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// Verify accepts only another machine of the run, addressed to us, with
// the run's token.
func TestHelloVerify(t *testing.T) {
	other := tok
	other[15] ^= 1
	cases := []struct {
		name     string
		h        realtime.Hello
		self, n  int
		wantFail string
	}{
		{"valid", realtime.Hello{From: 0, To: 1, Token: tok}, 1, 3, ""},
		{"valid last", realtime.Hello{From: 2, To: 0, Token: tok}, 0, 3, ""},
		{"wrong token", realtime.Hello{From: 0, To: 1, Token: other}, 1, 3, "wrong token"},
		{"zero token", realtime.Hello{From: 0, To: 1}, 1, 3, "wrong token"},
		{"wrong receiver", realtime.Hello{From: 0, To: 2, Token: tok}, 1, 3, "addressed to machine 2"},
		{"sender out of range", realtime.Hello{From: 3, To: 1, Token: tok}, 1, 3, "machines 0..2"},
		{"huge sender", realtime.Hello{From: 1 << 31, To: 1, Token: tok}, 1, 3, "machines 0..2"},
		{"sender is self", realtime.Hello{From: 1, To: 1, Token: tok}, 1, 3, "this machine"},
	}
	for _, c := range cases {
		err := c.h.Verify(c.self, c.n, tok)
		switch {
		case c.wantFail == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.wantFail != "" && (err == nil || !strings.Contains(err.Error(), c.wantFail)):
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.wantFail)
		}
	}
}

// ReadHello does a full read: a hello split over many reads is fine, a
// truncated one is an error naming how much came.
func TestReadHello(t *testing.T) {
	h, err := realtime.ReadHello(io.MultiReader(bytes.NewReader(hello(1, 0, tok)[:5]), bytes.NewReader(hello(1, 0, tok)[5:])))
	if err != nil || h.From != 1 {
		t.Errorf("split hello: %+v, %v", h, err)
	}
	for _, c := range []struct {
		in   []byte
		want string
	}{
		{nil, "closed before sending a hello"},
		{hello(1, 0, tok)[:5], "after 5 of the hello's 32 bytes"},
	} {
		if _, err := realtime.ReadHello(bytes.NewReader(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%d bytes: error %v, want %q", len(c.in), err, c.want)
		}
	}
}

// oneByte is a reader that returns one byte per Read, like a TCP stream
// at its most fragmented.
type oneByte struct{ r io.Reader }

func (o oneByte) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

// ended is frames(vs...) followed by the end frame.
func ended(vs ...int64) []byte { return append(frames(vs...), realtime.EndFrame[:]...) }

// FrameReader: full reads, a clean end (io.EOF) only at the end frame,
// ErrNoEnd for a stream that stops between frames without it, and the
// values of one connection strictly increase and are never negative.
func TestFrameReader(t *testing.T) {
	cases := []struct {
		name    string
		in      []byte
		want    []int64
		wantErr string // "" for a clean end
		bad     bool   // the error matches ErrBadFrame
	}{
		{"empty, ended", ended(), nil, "", false},
		{"three, ended", ended(0, 1, 7), []int64{0, 1, 7}, "", false},
		{"large, ended", ended(1<<62, 1<<62+1), []int64{1 << 62, 1<<62 + 1}, "", false},
		{"bytes after the end frame are not read", append(ended(3), 1, 2, 3), []int64{3}, "", false},
		{"empty, no end frame", nil, nil, "before its sender finished its run", false},
		{"three, no end frame", frames(0, 1, 7), []int64{0, 1, 7}, "before its sender finished its run", false},
		{"half frame", append(frames(3), 1, 2, 3, 4, 5), []int64{3}, "half frame: 5 of 8 bytes", true},
		{"half end frame", append(frames(3), realtime.EndFrame[:7]...), []int64{3}, "half frame: 7 of 8 bytes", true},
		{"one byte", []byte{9}, nil, "half frame: 1 of 8 bytes", true},
		{"negative", frames(1, -5), []int64{1}, "never negative", true},
		{"another negative", frames(1, -2), []int64{1}, "never negative", true},
		{"repeated", frames(4, 4), []int64{4}, "clock 4 after 4", true},
		{"decreasing", frames(10, 2, 30), []int64{10}, "clock 2 after 10", true},
	}
	for _, c := range cases {
		for _, frag := range []bool{false, true} {
			var r io.Reader = bytes.NewReader(c.in)
			if frag {
				r = oneByte{r}
			}
			fr := realtime.NewFrameReader(r)
			var got []int64
			var err error
			for {
				var v int64
				if v, err = fr.Next(); err != nil {
					break
				}
				got = append(got, v)
			}
			if !slicesEqual(got, c.want) {
				t.Errorf("%s (fragmented %v): values %v, want %v", c.name, frag, got, c.want)
			}
			if c.wantErr == "" {
				if !errors.Is(err, io.EOF) {
					t.Errorf("%s: error %v, want io.EOF", c.name, err)
				}
				if _, again := fr.Next(); !errors.Is(again, io.EOF) {
					t.Errorf("%s: Next after the end frame: %v, want io.EOF again", c.name, again)
				}
			} else if err == nil || errors.Is(err, io.EOF) || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s: error %v, want one containing %q", c.name, err, c.wantErr)
			}
			if errors.Is(err, realtime.ErrBadFrame) != c.bad {
				t.Errorf("%s: error %v matches ErrBadFrame: %v, want %v", c.name, err, !c.bad, c.bad)
			}
			if c.wantErr != "" && !c.bad && !errors.Is(err, realtime.ErrNoEnd) {
				t.Errorf("%s: error %v, want ErrNoEnd", c.name, err)
			}
		}
	}
	if realtime.EndFrame != realtime.EncodeFrame(-1) {
		t.Errorf("EndFrame is % x, want the int64 -1, which no clock can be", realtime.EndFrame)
	}
	if _, err := realtime.DecodeFrame(make([]byte, 7)); err == nil {
		t.Error("DecodeFrame accepted 7 bytes")
	}
	if v, err := realtime.DecodeFrame(frames(0x0102030405060708)); err != nil || v != 0x0102030405060708 {
		t.Errorf("DecodeFrame = %#x, %v", v, err)
	}
	// Little-endian, as the original sent it.
	if f := realtime.EncodeFrame(0x0102); f != [8]byte{2, 1} {
		t.Errorf("EncodeFrame(0x0102) = % x, want little-endian", f)
	}
}

// The acknowledgement round-trips and every malformed one is refused with
// a message saying why; ReadAck tells a refused hello (the connection
// closed) from a stranger's answer.
func TestAck(t *testing.T) {
	good := realtime.EncodeAck()
	if err := realtime.DecodeAck(good[:]); err != nil {
		t.Fatalf("DecodeAck(EncodeAck) = %v", err)
	}
	if string(good[:4]) != "DSIM" || good[4] != realtime.ProtocolVersion || good[5] != 1 || len(good) != realtime.AckSize {
		t.Errorf("ack % x, want DSIM, the version, 1 and padding", good)
	}
	mod := func(i int, b byte) []byte {
		c := bytes.Clone(good[:])
		c[i] = b
		return c
	}
	for _, c := range []struct {
		name string
		in   []byte
		want string
	}{
		{"short", good[:7], "7 bytes"},
		{"long", append(bytes.Clone(good[:]), 0), "9 bytes"},
		{"http", []byte("HTTP/1.1"), "not a desim acknowledgement"},
		{"old version", mod(4, 1), "protocol version 1"},
		{"status", mod(5, 0), "malformed"},
		{"padding", mod(7, 1), "malformed"},
	} {
		if err := realtime.DecodeAck(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	for _, c := range []struct {
		in   []byte
		want string
	}{
		{nil, "closed the connection without acknowledging the hello"},
		{good[:3], "after 3 of the acknowledgement's 8 bytes"},
		{[]byte("HTTP/1.1 400 Bad Request"), "not a desim acknowledgement"},
	} {
		if err := realtime.ReadAck(bytes.NewReader(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ReadAck(%q): error %v, want one containing %q", c.in, err, c.want)
		}
	}
	if err := realtime.ReadAck(oneByte{bytes.NewReader(good[:])}); err != nil {
		t.Errorf("ReadAck of a fragmented ack: %v", err)
	}
}

func slicesEqual(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestToken(t *testing.T) {
	a, err := realtime.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := realtime.NewToken()
	if a == b || a == (realtime.Token{}) {
		t.Errorf("two fresh tokens %v and %v", a, b)
	}
	got, err := realtime.ParseToken(a.String())
	if err != nil || got != a || !got.Equal(a) || got.Equal(b) {
		t.Errorf("ParseToken(String) = %v, %v", got, err)
	}
	for _, bad := range []string{"", "abc", strings.Repeat("g", 32), strings.Repeat("0", 31), strings.Repeat("0", 34)} {
		if _, err := realtime.ParseToken(bad); err == nil {
			t.Errorf("ParseToken(%q) accepted", bad)
		}
	}
}

func TestParsePeers(t *testing.T) {
	ok := []struct {
		in   string
		n    int
		want []string
	}{
		{"127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002", 3, []string{"127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"}},
		{" a:1 , b:65535", 2, []string{"a:1", "b:65535"}},
		{"[::1]:7000,[::1]:7001", 2, []string{"[::1]:7000", "[::1]:7001"}},
	}
	for _, c := range ok {
		got, err := realtime.ParsePeers(c.in, c.n)
		if err != nil || strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("ParsePeers(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	bad := []struct {
		in   string
		n    int
		want string
	}{
		{"", 3, "empty"},
		{"a:1,b:2", 3, "has 2 addresses, the scenario has 3"},
		{"a:1,b:2,c:3,d:4", 3, "has 4 addresses"},
		{"a:1,b,c:3", 3, "peer 1: \"b\" is not host:port"},
		{"a:1,:2,c:3", 3, "no valid host"},
		{"a:1,b:0,c:3", 3, "not a number in 1..65535"},
		{"a:1,b:70000,c:3", 3, "not a number in 1..65535"},
		{"a:1,b:x,c:3", 3, "not a number"},
		{"a:1,b:+2,c:3", 3, "not a number"},
		{"a:1,b:02,c:3", 3, "not a number"},
		{"a:1,a:1,c:3", 3, "same address"},
		{"a:1,,c:3", 3, "peer 1"},
		{"::1:7000,b:1", 2, "not host:port"},
	}
	for _, c := range bad {
		if _, err := realtime.ParsePeers(c.in, c.n); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParsePeers(%q, %d): error %v, want one containing %q", c.in, c.n, err, c.want)
		}
	}
}

// Every control message round-trips through AppendMsg and ParseMsg.
func TestControlRoundTrip(t *testing.T) {
	msgs := []realtime.Msg{
		{Kind: realtime.Listening, Addr: "127.0.0.1:40000"},
		{Kind: realtime.Connected},
		{Kind: realtime.Tick, Record: sim.Record{At: 166666666, Clock: 2, Queue: 0, Event: sim.SendTo(1)}},
		{Kind: realtime.Tick, Record: sim.Record{At: 0, Clock: 1, Queue: 3, Event: sim.Receive}},
		{Kind: realtime.Tick, Record: sim.Record{At: 1 << 60, Clock: 1 << 40, Queue: 1 << 20, Event: sim.Broadcast}},
		{Kind: realtime.Tick, Record: sim.Record{At: 5, Clock: 9, Event: sim.Internal}},
		{Kind: realtime.Done, Stats: realtime.Stats{Ticks: 360, Overruns: 2, Skipped: 3, Sent: 100, Lost: 1, Received: 99, BrokenLinks: 1, Completed: true}},
		{Kind: realtime.Done, Stats: realtime.Stats{}},
		{Kind: realtime.Peers, Peers: []string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"}},
		{Kind: realtime.Start, Start: 1700000000123456789},
		{Kind: realtime.Stop},
	}
	for _, m := range msgs {
		line := realtime.AppendMsg(nil, m)
		if line[len(line)-1] != '\n' || bytes.Count(line, []byte("\n")) != 1 {
			t.Errorf("%+v: line %q is not one line", m, line)
		}
		got, err := realtime.ParseMsg(string(line[:len(line)-1]), 3)
		if err != nil {
			t.Errorf("ParseMsg(%q): %v", line, err)
			continue
		}
		if string(realtime.AppendMsg(nil, got)) != string(line) {
			t.Errorf("round trip of %q gave %+v", line, got)
		}
	}
	bad := []string{
		"", "hello", "listening", "listening a b", "connected x", "connected ", "stop now",
		"tick 1 2 3", "tick 1 2 3 x", "tick -1 2 3 i", "tick 1 2 3 s2", "tick 1 2 3 s", "tick 01 2 3 i",
		"tick 1 2 3 s-1", "tick 1 2 3 i ", "done 1 2 3 4 5 6", "done 1 2 3 4 5 6 1", "done 1 2 3 4 5 6 7 2", "done 1 2 3 4 5 6 -7 1", "start", "start x",
		"peers a:1,b:2", "peers a:1,b:2,c:3 d", "tick 99999999999999999999 1 1 i",
	}
	for _, line := range bad {
		if m, err := realtime.ParseMsg(line, 3); err == nil {
			t.Errorf("ParseMsg(%q) = %+v, want an error", line, m)
		}
	}
}
