// Package quote shows input in messages without repeating all of it: a
// short string is quoted as a Go string literal, as %q would; a long one
// is cut after its first Max bytes and followed by the length of the rest,
// so that an error about a 1 MB value in a file stays one line long.
//
// Imports: the standard library only; any desim package may use it.
package quote

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Max is the most bytes of its input that Quote shows.
const Max = 80

// Quote returns s as strconv.Quote does when s has at most Max bytes.
// A longer s is cut after at most Max bytes, at the start of a UTF-8
// sequence when one begins in the last utf8.UTFMax-1 bytes before the cut,
// quoted, and followed by the number of bytes left out:
//
//	"3.00000000000000000000…"… (and 99,920 more bytes)
func Quote[T ~string | ~[]byte](s T) string {
	if len(s) <= Max {
		return strconv.Quote(string(s))
	}
	cut := Max
	for k := cut; k > Max-utf8.UTFMax && k > 0; k-- {
		if utf8.RuneStart(s[k]) {
			cut = k
			break
		}
	}
	return strconv.Quote(string(s[:cut])) + "… (and " + Thousands(uint64(len(s)-cut)) + " more bytes)"
}

// Thousands writes n in decimal with a comma every three digits:
// 99920 → "99,920".
func Thousands(n uint64) string {
	d := strconv.FormatUint(n, 10)
	b := make([]byte, 0, len(d)+len(d)/3)
	for i := range len(d) {
		if i > 0 && (len(d)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, d[i])
	}
	return string(b)
}

// Cut returns s unchanged when it has at most Max bytes, for messages
// that show a value without quotes; a longer s is cut as Quote cuts it,
// without quotes, and followed by the number of bytes left out.
func Cut(s string) string {
	if len(s) <= Max {
		return s
	}
	q := Quote(s)
	body, rest, _ := strings.Cut(q, "… (and ")
	u, err := strconv.Unquote(body)
	if err != nil {
		return q
	}
	return u + "… (and " + rest
}
