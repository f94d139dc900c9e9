package usage

import (
	"bytes"
	"compress/gzip"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzReader feeds arbitrary bytes to the Reader, seeded with every sample
// and fixture plus malformed variants of them: it must never panic, every
// error must be a *ParseError, and every record must be self-consistent.
func FuzzReader(f *testing.F) {
	// Seeds are each file's header and first rows: the fuzzer mutates and
	// minimizes small inputs far faster, and every dialect is still covered.
	// (TestGolden reads the whole files.)
	var seeds [][]byte
	for _, path := range append(sharedSampleFiles(f), fixtureFiles(f)...) {
		seeds = append(seeds, firstLines(readSample(f, path), 3))
	}
	for _, s := range seeds[:] {
		nl := bytes.IndexByte(s, '\n')
		seeds = append(seeds,
			s[:len(s)/2], // cut mid-row
			s[:nl+1],     // header only
			bytes.Replace(s, []byte(","), []byte(`,"`), 3),    // unbalanced quotes
			bytes.Replace(s, []byte(","), nil, 40),            // missing fields
			bytes.ReplaceAll(s, []byte("/20"), []byte("/2O")), // bad dates
			bytes.ReplaceAll(s, []byte("0."), []byte("0,.")),  // bad numbers, shifted fields
			bytes.ReplaceAll(s, []byte("\n"), []byte("\r\n")), // CRLF
			bytes.ReplaceAll(s, []byte(`""`), []byte(`"`)),    // broken escapes
		)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(seeds[0])
	_ = zw.Close()
	seeds = append(seeds, gz.Bytes())
	for _, s := range seeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, skip bool) {
		r := NewReader(bytes.NewReader(data), &ReaderOptions{SkipBadRows: skip, MaxRowBytes: 1 << 16})
		n := 0
		for rec, err := range r.All() {
			if err != nil {
				// Bad CSV is a *ParseError; the only other errors come
				// from decompressing input that starts like gzip.
				var pe *ParseError
				if !errors.As(err, &pe) {
					require.True(t, bytes.HasPrefix(data, []byte{0x1f, 0x8b}), "error %v is not a *ParseError", err)
				}
				require.NotEmpty(t, err.Error())
				break
			}
			n++
			fields := rec.Fields(nil)
			require.Len(t, fields, rec.NumColumns())
			for i, f := range fields {
				require.Equal(t, f, rec.Raw(i))
			}
			_, _ = rec.Tags.Map()
			_, _ = rec.AdditionalInfo.Map()
			_, _ = rec.Tags.Get("env")
			require.LessOrEqual(t, rec.Line, bytes.Count(data, []byte{'\n'})+1)
		}
		require.Equal(t, n, r.Rows())
		if !skip {
			require.Zero(t, r.Skipped())
		}
	})
}

// firstLines returns the first n+1 lines of data (a header and n rows
// without line breaks in quotes).
func firstLines(data []byte, n int) []byte {
	end := 0
	for i := 0; i <= n; i++ {
		j := bytes.IndexByte(data[end:], '\n')
		if j < 0 {
			return data
		}
		end += j + 1
	}
	return data[:end]
}
