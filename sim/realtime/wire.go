package realtime

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// TokenSize is the length of a run's token in bytes (128 bits).
const TokenSize = 16

// Token is a run's secret: every connection between its machines opens by
// presenting it, so that no other program on the host (or the network) can
// put a value into a machine's queue. It is made with crypto/rand by
// NewToken; it is not simulation randomness and plays no part in the run.
type Token [TokenSize]byte

// NewToken returns a fresh random token.
func NewToken() (Token, error) {
	var t Token
	_, err := rand.Read(t[:])
	return t, err
}

// String returns the token as 32 lower-case hexadecimal digits, the form
// ParseToken reads.
func (t Token) String() string { return hex.EncodeToString(t[:]) }

// ParseToken reads a token written as 32 hexadecimal digits.
func ParseToken(s string) (Token, error) {
	var t Token
	if len(s) != 2*TokenSize {
		return t, fmt.Errorf("token must be %d hexadecimal digits, got %d characters", 2*TokenSize, len(s))
	}
	if _, err := hex.Decode(t[:], []byte(s)); err != nil {
		return t, fmt.Errorf("token must be %d hexadecimal digits: %w", 2*TokenSize, err)
	}
	return t, nil
}

// Equal compares two tokens in constant time.
func (t Token) Equal(u Token) bool { return subtle.ConstantTimeCompare(t[:], u[:]) == 1 }

// The wire format, version 2. A connection carries messages from one
// machine (the sender, which dialled) to another (the receiver, which
// listened). It opens with one hello frame of HelloSize bytes:
//
//	offset  size  field
//	0       4     magic "DSIM"
//	4       1     protocol version, 2
//	5       3     zero
//	8       4     sender's machine id, uint32 little-endian
//	12      4     receiver's machine id, uint32 little-endian
//	16      16    the run's token
//
// The receiver answers a hello it accepts (its token, ids and version
// right, and no other live connection from that sender) with one
// acknowledgement of AckSize bytes, the only bytes that ever travel from
// receiver to sender:
//
//	offset  size  field
//	0       4     magic "DSIM"
//	4       1     protocol version, 2
//	5       1     1: the hello is accepted
//	6       2     zero
//
// A hello it refuses gets no answer: the receiver closes the connection.
// So a sender knows its link is up only when the acknowledgement has come;
// a connection closed before it, or no acknowledgement within AckTimeout,
// means "try again" (see Node.Connect).
//
// Then the connection carries one FrameSize-byte frame per message: the
// sender's logical clock as an int64, little-endian (the original
// implementation's payload). A sender that reaches the end of its run
// writes one last frame, EndFrame (all bits set, −1 as an int64, which no
// clock can be), before it closes: a connection that closes without it
// broke, because its sender died or was stopped. Version 1 had neither the
// acknowledgement nor the end frame.
const (
	HelloSize       = 32
	AckSize         = 8
	FrameSize       = 8
	ProtocolVersion = 2
)

// EndFrame is the last frame of a connection whose sender finished its run.
var EndFrame = [FrameSize]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

var magic = [4]byte{'D', 'S', 'I', 'M'}

// Hello is the first frame of a connection.
type Hello struct {
	From, To uint32 // sender's and receiver's machine ids
	Token    Token
}

// Encode returns the hello frame.
func (h Hello) Encode() [HelloSize]byte {
	var b [HelloSize]byte
	copy(b[0:4], magic[:])
	b[4] = ProtocolVersion
	binary.LittleEndian.PutUint32(b[8:12], h.From)
	binary.LittleEndian.PutUint32(b[12:16], h.To)
	copy(b[16:32], h.Token[:])
	return b
}

// DecodeHello decodes a hello frame. b must hold exactly HelloSize bytes
// with the magic, the version and zero padding; the ids and the token are
// returned unchecked (see Hello.Verify).
func DecodeHello(b []byte) (Hello, error) {
	if len(b) != HelloSize {
		return Hello{}, fmt.Errorf("hello is %d bytes, want %d", len(b), HelloSize)
	}
	if [4]byte(b[0:4]) != magic {
		return Hello{}, errors.New("not a desim connection (the first 4 bytes are not \"DSIM\")")
	}
	if b[4] != ProtocolVersion {
		return Hello{}, fmt.Errorf("protocol version %d, this desim speaks version %d", b[4], ProtocolVersion)
	}
	if b[5]|b[6]|b[7] != 0 {
		return Hello{}, errors.New("malformed hello (padding bytes 5..7 are not zero)")
	}
	h := Hello{
		From: binary.LittleEndian.Uint32(b[8:12]),
		To:   binary.LittleEndian.Uint32(b[12:16]),
	}
	copy(h.Token[:], b[16:32])
	return h, nil
}

// Verify checks a decoded hello received by machine self of a run of n
// machines whose token is tok: the token matches (in constant time), the
// receiver is self, and the sender is another machine of the run. The
// token is checked first, so that a stranger learns nothing about the ids.
func (h Hello) Verify(self, n int, tok Token) error {
	switch {
	case !h.Token.Equal(tok):
		return errors.New("wrong token (not a machine of this run)")
	case int64(h.To) != int64(self):
		return fmt.Errorf("hello is addressed to machine %d, but this is machine %d (check the order of --peers)", h.To, self)
	case int64(h.From) >= int64(n):
		return fmt.Errorf("sender claims to be machine %d, but the run has machines 0..%d", h.From, n-1)
	case int64(h.From) == int64(self):
		return fmt.Errorf("sender claims to be this machine (%d)", self)
	}
	return nil
}

// ReadHello reads a hello frame with a full read and decodes it.
func ReadHello(r io.Reader) (Hello, error) {
	var b [HelloSize]byte
	if k, err := io.ReadFull(r, b[:]); err != nil {
		if k == 0 && errors.Is(err, io.EOF) {
			return Hello{}, errors.New("closed before sending a hello")
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Hello{}, fmt.Errorf("closed after %d of the hello's %d bytes", k, HelloSize)
		}
		return Hello{}, fmt.Errorf("reading the hello: %w", err)
	}
	return DecodeHello(b[:])
}

// ackAccepted is the acknowledgement's status byte.
const ackAccepted = 1

// EncodeAck returns the acknowledgement of an accepted hello.
func EncodeAck() [AckSize]byte {
	var b [AckSize]byte
	copy(b[0:4], magic[:])
	b[4] = ProtocolVersion
	b[5] = ackAccepted
	return b
}

// DecodeAck checks an acknowledgement: exactly AckSize bytes with the
// magic, this protocol version, the accepted status and zero padding.
func DecodeAck(b []byte) error {
	switch {
	case len(b) != AckSize:
		return fmt.Errorf("acknowledgement is %d bytes, want %d", len(b), AckSize)
	case [4]byte(b[0:4]) != magic:
		return errors.New("the answer to the hello is not a desim acknowledgement (is a desim machine listening there?)")
	case b[4] != ProtocolVersion:
		return fmt.Errorf("the peer speaks protocol version %d, this desim version %d (run the same desim on every machine)", b[4], ProtocolVersion)
	case b[5] != ackAccepted || b[6]|b[7] != 0:
		return fmt.Errorf("malformed acknowledgement % x", b)
	}
	return nil
}

// errRefused is the error of a hello whose connection was closed instead
// of acknowledged.
var errRefused = errors.New("the peer closed the connection without acknowledging the hello (it refused it, see its log, or had too many connections waiting)")

// ReadAck reads the acknowledgement of a hello with a full read and checks
// it. A connection closed before it means the receiver refused the hello,
// or had too many connections waiting for theirs.
func ReadAck(r io.Reader) error {
	var b [AckSize]byte
	if k, err := io.ReadFull(r, b[:]); err != nil {
		if k == 0 && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)) {
			return errRefused
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("closed after %d of the acknowledgement's %d bytes", k, AckSize)
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return errors.New("no acknowledgement of the hello in time")
		}
		return fmt.Errorf("reading the acknowledgement: %w", err)
	}
	return DecodeAck(b[:])
}

// EncodeFrame returns the frame of a message carrying clock value v.
func EncodeFrame(v int64) [FrameSize]byte {
	var b [FrameSize]byte
	binary.LittleEndian.PutUint64(b[:], uint64(v))
	return b
}

// ErrBadFrame is matched (errors.Is) by the errors of DecodeFrame and
// FrameReader.Next that say a stream broke the protocol: a half frame, a
// negative or non-increasing clock.
var ErrBadFrame = errors.New("bad frame")

// ErrNoEnd is FrameReader.Next's error for a stream that ended cleanly
// between two frames but without EndFrame: its sender did not finish its
// run (it died, or was stopped).
var ErrNoEnd = errors.New("the connection closed before its sender finished its run (no end-of-run frame)")

// badFrame is an error matching ErrBadFrame.
type badFrame string

func (e badFrame) Error() string        { return string(e) }
func (e badFrame) Is(target error) bool { return target == ErrBadFrame }

// DecodeFrame decodes one message frame: exactly FrameSize bytes holding a
// logical clock value, which cannot be negative (EndFrame is not a
// message: FrameReader handles it).
func DecodeFrame(b []byte) (int64, error) {
	if len(b) != FrameSize {
		return 0, badFrame(fmt.Sprintf("frame is %d bytes, want %d", len(b), FrameSize))
	}
	v := int64(binary.LittleEndian.Uint64(b))
	if v < 0 {
		return 0, badFrame(fmt.Sprintf("garbage frame %x: a logical clock is never negative", b))
	}
	return v, nil
}

// FrameReader reads the message frames of one connection after its hello,
// each with a full read. Besides what DecodeFrame checks, it rejects a value
// that does not exceed the previous one: a sender's clock increases with
// every tick and it sends at most once per tick to a given receiver, so the
// values on one connection strictly increase.
type FrameReader struct {
	r    io.Reader
	prev int64
	end  bool
	buf  [FrameSize]byte
}

// NewFrameReader returns a FrameReader reading r.
func NewFrameReader(r io.Reader) *FrameReader { return &FrameReader{r: r, prev: -1} }

// Next returns the next message's clock value. After EndFrame it returns
// io.EOF (and reads no further); a stream that ends between two frames
// without it is ErrNoEnd; a half frame, a negative value or a value out of
// order is an error matching ErrBadFrame; an error of the underlying
// reader is returned as it is. After any error the connection must be
// closed.
func (f *FrameReader) Next() (int64, error) {
	if f.end {
		return 0, io.EOF
	}
	k, err := io.ReadFull(f.r, f.buf[:])
	if err != nil {
		if k == 0 && errors.Is(err, io.EOF) {
			return 0, ErrNoEnd
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, badFrame(fmt.Sprintf("half frame: %d of %d bytes, then the connection closed", k, FrameSize))
		}
		return 0, err
	}
	if f.buf == EndFrame {
		f.end = true
		return 0, io.EOF
	}
	v, err := DecodeFrame(f.buf[:])
	if err != nil {
		return 0, err
	}
	if v <= f.prev {
		return 0, badFrame(fmt.Sprintf("garbage frame: clock %d after %d (a sender's clock values must increase)", v, f.prev))
	}
	f.prev = v
	return v, nil
}
