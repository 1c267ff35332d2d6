package realtime_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"desim/sim/realtime"
)

// Fuzz targets of every decoder of outside input: the hello, the frame
// stream of a connection, the peer list and the control protocol. Their
// corpora live in testdata/fuzz/<target>/ and run as ordinary tests.

// FuzzDecodeHello: DecodeHello never panics, and whatever it accepts
// encodes back to the same bytes.
func FuzzDecodeHello(f *testing.F) {
	f.Add(hello(1, 0, tok))
	f.Add([]byte("DSIM"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := realtime.DecodeHello(b)
		if err != nil {
			return
		}
		if enc := h.Encode(); !bytes.Equal(enc[:], b) {
			t.Fatalf("DecodeHello(% x) = %+v, which encodes to % x", b, h, enc)
		}
		_ = h.Verify(0, 3, tok)
	})
}

// FuzzFrames reads a byte stream as one inbound connection does: a hello,
// verified for machine 0 of 3, then frames until the first error. It never
// panics; a stream that does not open with a valid hello delivers nothing;
// the values delivered are non-negative, strictly increasing, and exactly
// the stream's leading whole frames; a clean end (io.EOF) comes only right
// after them at an end frame, ErrNoEnd only when the stream ends there.
func FuzzFrames(f *testing.F) {
	f.Add(append(hello(1, 0, tok), frames(0, 1, 5)...))
	f.Add(append(hello(1, 0, tok), ended(0, 1, 5)...))
	f.Add(append(hello(1, 0, tok), 1, 2, 3, 4, 5))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		h, err := realtime.ReadHello(r)
		if err == nil {
			err = h.Verify(0, 3, tok)
		}
		if err != nil {
			return // the connection is closed: nothing is delivered
		}
		fr := realtime.NewFrameReader(r)
		body := b[realtime.HelloSize:]
		var got []int64
		for {
			v, err := fr.Next()
			if err != nil {
				at := realtime.FrameSize * len(got)
				switch {
				case errors.Is(err, io.EOF) && !bytes.HasPrefix(body[at:], realtime.EndFrame[:]):
					t.Fatalf("clean end after %d frames without the end frame: % x", len(got), body[at:])
				case errors.Is(err, realtime.ErrNoEnd) && len(body) != at:
					t.Fatalf("ErrNoEnd after %d frames with %d bytes left", len(got), len(body)-at)
				}
				break
			}
			if v < 0 || len(got) > 0 && v <= got[len(got)-1] {
				t.Fatalf("delivered %d after %v", v, got)
			}
			got = append(got, v)
		}
		for i, v := range got {
			if want, _ := realtime.DecodeFrame(body[8*i : 8*i+8]); want != v {
				t.Fatalf("frame %d decoded as %d, want %d", i, v, want)
			}
		}
	})
}

// FuzzDecodeAck: DecodeAck never panics and accepts exactly EncodeAck's
// bytes.
func FuzzDecodeAck(f *testing.F) {
	ack := realtime.EncodeAck()
	f.Add(ack[:])
	f.Add([]byte("DSIM\x01\x01\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := realtime.DecodeAck(b); (err == nil) != bytes.Equal(b, ack[:]) {
			t.Fatalf("DecodeAck(% x) = %v", b, err)
		}
	})
}

// FuzzParsePeers: ParsePeers never panics and returns exactly n canonical,
// distinct addresses that it accepts again.
func FuzzParsePeers(f *testing.F) {
	f.Add("127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002", 3)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 1 || n > 1000 {
			return
		}
		p, err := realtime.ParsePeers(s, n)
		if err != nil {
			return
		}
		if len(p) != n {
			t.Fatalf("ParsePeers(%q, %d) returned %d addresses", s, n, len(p))
		}
		again, err := realtime.ParsePeers(strings.Join(p, ","), n)
		if err != nil || strings.Join(again, ",") != strings.Join(p, ",") {
			t.Fatalf("ParsePeers(%q) = %v, which parses back as %v, %v", s, p, again, err)
		}
	})
}

// FuzzParseMsg: ParseMsg never panics, and a line it accepts is exactly
// what AppendMsg writes for the message.
func FuzzParseMsg(f *testing.F) {
	f.Add("tick 166666666 2 0 s1")
	f.Add("done 1 2 3 4 5 6 0 1")
	f.Fuzz(func(t *testing.T, line string) {
		m, err := realtime.ParseMsg(line, 3)
		if err != nil {
			return
		}
		if got := string(realtime.AppendMsg(nil, m)); got != line+"\n" {
			t.Fatalf("ParseMsg(%q) = %+v, written back as %q", line, m, got)
		}
	})
}
