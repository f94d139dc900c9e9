package usage

import (
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/azbilling/azbilling/billing"
)

// utf16Reader decodes UTF-16 (after its byte order mark) into UTF-8, as
// Excel's "Unicode text" files need. Unpaired surrogates and a trailing odd
// byte become U+FFFD, so every input decodes to valid UTF-8.
type utf16Reader struct {
	r   io.Reader
	be  bool
	in  []byte
	n   int // undecoded bytes in in[:n]
	out []byte
	off int // out[off:] not yet returned
	err error
}

func newUTF16Reader(r io.Reader, bigEndian bool) *utf16Reader {
	return &utf16Reader{r: r, be: bigEndian, in: make([]byte, 32<<10)}
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for u.off == len(u.out) {
		if u.err != nil {
			if u.n > 0 { // an odd byte or a lone high surrogate at the end
				u.out, u.off, u.n = append(u.out[:0], "\uFFFD"...), 0, 0
				break
			}
			return 0, u.err
		}
		m, err := u.r.Read(u.in[u.n:])
		u.n += m
		u.err = err
		if m == 0 && err == nil {
			return 0, nil
		}
		u.decode()
	}
	n := copy(p, u.out[u.off:])
	u.off += n
	return n, nil
}

// decode turns the complete units of in[:n] into out, keeping a trailing odd
// byte or high surrogate for the next read.
func (u *utf16Reader) decode() {
	out := u.out[:0]
	i := 0
	for ; i+1 < u.n; i += 2 {
		c := u.unit(i)
		switch {
		case c < 0x80:
			out = append(out, byte(c))
			continue
		case utf16.IsSurrogate(rune(c)):
			if c < 0xdc00 { // high surrogate: needs the next unit
				if i+3 >= u.n {
					if u.err == nil {
						goto keep
					}
					out = utf8.AppendRune(out, utf8.RuneError)
					continue
				}
				if r := utf16.DecodeRune(rune(c), rune(u.unit(i+2))); r != utf8.RuneError {
					out = utf8.AppendRune(out, r)
					i += 2
					continue
				}
			}
			out = utf8.AppendRune(out, utf8.RuneError)
			continue
		}
		out = utf8.AppendRune(out, rune(c))
	}
keep:
	u.n = copy(u.in, u.in[i:u.n])
	u.out, u.off = out, 0
}

func (u *utf16Reader) unit(i int) uint16 {
	if u.be {
		return uint16(u.in[i])<<8 | uint16(u.in[i+1])
	}
	return uint16(u.in[i+1])<<8 | uint16(u.in[i])
}

// countingReader counts the bytes read through it (the compressed input).
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// limitReader stops decompressed input at max bytes, and with bomb set also
// once it passes bombMin bytes at more than bombRatio times the compressed
// size.
type limitReader struct {
	r          io.Reader
	compressed *countingReader
	max, n     int64
	bomb       bool
	bombMin    int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if int64(len(p)) > l.max-l.n+1 {
		p = p[:l.max-l.n+1]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return 0, &ParseError{Err: fmt.Errorf("%w: more than %d bytes (ReaderOptions.MaxDecompressedBytes)", ErrTooLarge, l.max)}
	}
	if l.bomb && l.n > l.bombMin && l.n > bombRatio*l.compressed.n {
		return 0, &ParseError{Err: fmt.Errorf("%w: %d bytes from %d compressed, more than %d times: a decompression bomb? (set ReaderOptions.MaxDecompressedBytes to read it)",
			ErrTooLarge, l.n, l.compressed.n, bombRatio)}
	}
	return n, err
}

// normalizeCurrency upper-cases a three-letter currency code; it reports
// false for anything else. Upper-case codes are returned as given, without
// allocating.
func normalizeCurrency(s string) (string, bool) {
	if len(s) != 3 {
		return "", false
	}
	upper := true
	for i := 0; i < 3; i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z':
		case 'a' <= c && c <= 'z':
			upper = false
		default:
			return "", false
		}
	}
	if upper {
		return s, true
	}
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b), true
}

// parseNumberComma parses a number of a semicolon-separated file, where
// Excel writes a decimal comma ("0,075", "5,64902E-05") and may group
// thousands with dots ("1.234,5"). A value without a comma is read as
// parseNumber reads it.
func parseNumberComma(b []byte) (billing.Decimal, error) {
	comma := -1
	for i, c := range b {
		if c == ',' {
			if comma >= 0 {
				return billing.Decimal{}, withCause(ErrBadDecimal, fmt.Errorf("two decimal commas"))
			}
			comma = i
		}
	}
	if comma < 0 {
		return parseNumber(b)
	}
	var tmp [64]byte
	out := tmp[:0]
	for i, c := range b {
		switch {
		case c == ',':
			out = append(out, '.')
		case c == '.':
			// A grouping dot: three digits follow it before the comma
			// or the next dot.
			if i > comma || !groupedDot(b, i) {
				return billing.Decimal{}, withCause(ErrBadDecimal, fmt.Errorf("a dot and a decimal comma"))
			}
		default:
			out = append(out, c)
		}
	}
	return parseNumber(out)
}

// groupedDot reports whether the dot at b[i] is followed by exactly three
// digits and then a dot or comma, and preceded by a digit.
func groupedDot(b []byte, i int) bool {
	if i == 0 || b[i-1] < '0' || b[i-1] > '9' || i+4 >= len(b) {
		return false
	}
	for _, c := range b[i+1 : i+4] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return b[i+4] == '.' || b[i+4] == ','
}
