package usage

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// FuzzParseNumberComma: a value with one decimal comma and no dots reads as
// parseNumber reads it with a dot; without a comma it reads exactly as
// parseNumber; grouping dots only ever come before the comma in threes.
// Every error wraps ErrBadDecimal.
func FuzzParseNumberComma(f *testing.F) {
	for _, s := range []string{"0,075", "-1,5", "5,64902E-05", "1.234,5", "1.234.567,25", "0.5", "", "1,2,3", "12.34,5", ",", "1,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseNumberComma([]byte(s))
		if err != nil {
			require.ErrorIs(t, err, ErrBadDecimal)
		}
		switch {
		case !strings.Contains(s, ","):
			want, werr := parseNumber([]byte(s))
			require.Equal(t, werr == nil, err == nil, "%q", s)
			if err == nil {
				require.True(t, want.Equal(d), "%q", s)
			}
		case strings.Count(s, ",") == 1 && !strings.Contains(s, "."):
			want, werr := parseNumber([]byte(strings.Replace(s, ",", ".", 1)))
			require.Equal(t, werr == nil, err == nil, "%q", s)
			if err == nil {
				require.True(t, want.Equal(d), "%q", s)
			}
		case err == nil:
			// Grouping dots removed: the same as the value without them.
			want, werr := parseNumber([]byte(strings.Replace(strings.ReplaceAll(s, ".", ""), ",", ".", 1)))
			require.NoError(t, werr, "%q", s)
			require.True(t, want.Equal(d), "%q", s)
		}
	})
}

// FuzzUTF16Reader: any bytes decode to valid UTF-8, the same whatever the
// size of the reads, and equal to unicode/utf16's decoding (an odd last
// byte is one more U+FFFD).
func FuzzUTF16Reader(f *testing.F) {
	f.Add([]byte("a\x00,\x00\n\x00"), false, uint8(1))
	f.Add([]byte("\x00a\x00,\xd8\x35\xdd\x38"), true, uint8(3))
	f.Add([]byte("\x3d\xd8\x00\xde\x41"), false, uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, be bool, step uint8) {
		got, err := io.ReadAll(newUTF16Reader(&stepReader{data: data, step: 1 + int(step)}, be))
		require.NoError(t, err)
		require.True(t, utf8.Valid(got))
		units := make([]uint16, len(data)/2)
		for i := range units {
			if be {
				units[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
			} else {
				units[i] = uint16(data[2*i+1])<<8 | uint16(data[2*i])
			}
		}
		want := []byte(string(utf16.Decode(units)))
		if len(data)%2 == 1 {
			want = append(want, "\uFFFD"...)
		}
		require.True(t, bytes.Equal(want, got), "%q: got %q, want %q", data, got, want)
	})
}
