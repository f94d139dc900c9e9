package usage

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// splitAll runs the Reader's row finder and splitter over data without a
// header, returning every row's fields as encoding/csv would.
func splitAll(data []byte) ([][]string, error) {
	r := NewReader(bytes.NewReader(data), nil)
	var rows [][]string
	for {
		s, e, line, err := r.nextRow()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		if perr := r.split(s, e, line); perr != nil {
			return rows, perr
		}
		row := make([]string, len(r.spans))
		for i, sp := range r.spans {
			row[i] = r.fieldText(sp)
		}
		rows = append(rows, row)
	}
}

// decodeUTF16Text returns data decoded from UTF-16 when it starts with a
// UTF-16 byte order mark, and data itself otherwise. A trailing odd byte
// becomes U+FFFD, as unicode/utf16 does for an unpaired surrogate.
func decodeUTF16Text(data []byte) []byte {
	if len(data) < 2 || !(data[0] == 0xff && data[1] == 0xfe || data[0] == 0xfe && data[1] == 0xff) {
		return data
	}
	order := binary.ByteOrder(binary.LittleEndian)
	if data[0] == 0xfe {
		order = binary.BigEndian
	}
	body := data[2:]
	units := make([]uint16, len(body)/2)
	for i := range units {
		units[i] = order.Uint16(body[2*i:])
	}
	text := string(utf16.Decode(units))
	if len(body)%2 == 1 {
		text += "\uFFFD"
	}
	return []byte(text)
}

func csvAll(data []byte) ([][]string, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	var rows [][]string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, rec)
	}
}

// checkSameAsEncodingCSV asserts the splitter agrees with encoding/csv:
// the same rows up to the first error, and an error on the same row.
// Input with a UTF-16 byte order mark is compared with encoding/csv on the
// text unicode/utf16 decodes from it (the Reader decodes UTF-16 itself).
func checkSameAsEncodingCSV(t *testing.T, data []byte) {
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) || bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		return // the Reader strips a BOM and decompresses gzip; encoding/csv does neither
	}
	got, gotErr := splitAll(data)
	want, wantErr := csvAll(decodeUTF16Text(data))
	require.Equal(t, want, got, "rows")
	if wantErr != nil {
		require.Error(t, gotErr, "encoding/csv failed with %v", wantErr)
		assert.ErrorIs(t, gotErr, ErrQuote)
	} else {
		require.NoError(t, gotErr)
	}
}

func TestSplitMatchesEncodingCSV(t *testing.T) {
	for name, in := range map[string]string{
		"plain":                   "a,b,c\n1,2,3\n",
		"no final newline":        "a,b\n1,2",
		"crlf":                    "a,b\r\n1,2\r\n",
		"mixed endings":           "a,b\r\n1,2\n3,4\r\n",
		"final cr":                "a,b\n1,2\r",
		"blank lines":             "a,b\n\n\r\n1,2\n\n",
		"empty fields":            ",,\n,\n",
		"trailing comma":          "a,b,\n1,2,\n",
		"quoted":                  `"a","b,c"` + "\n",
		"doubled quotes":          `"say ""hi""",x` + "\n",
		"only doubled":            `""""` + "\n",
		"empty quoted":            `"",""` + "\n",
		"quoted then trailing":    `"a",` + "\n",
		"newline in quotes":       "\"a\nb\",c\n",
		"crlf in quotes":          "\"a\r\nb\",c\r\n",
		"cr in quotes":            "\"a\rb\",c\n",
		"lone cr unquoted":        "a\rb,c\n",
		"braceless ea tags":       `x,"""k"": ""v"",""k2"": ""v2""",y` + "\n",
		"bare quote":              "a\"b,c\n",
		"text after quote":        "\"a\"b,c\n",
		"unclosed quote":          "\"abc,d\n",
		"unclosed quote at eof":   "a\n\"abc",
		"quote after space":       "a, \"b\"\n",
		"quote at end":            "a,b\"\n",
		"bare quote later row":    "a,b\n1,2\"\n3,4\n",
		"multiline many":          "\"1\n2\n3\",\"4\r\n5\"\n6,7\n",
		"just newline":            "\n",
		"quoted empty line inner": "\"\n\n\",x\n",
		"utf-16le bom only":       "\xff\xfe",
		"utf-16le":                "\xff\xfea\x00,\x00\"\x00b\x00\n\x00\"\x00\n\x00",
		"utf-16be odd byte":       "\xfe\xff\x00a\x00,\xd8\x00\x00\n\x01",
	} {
		t.Run(name, func(t *testing.T) { checkSameAsEncodingCSV(t, []byte(in)) })
	}
}

func TestSplitSamplesMatchEncodingCSV(t *testing.T) {
	for _, f := range sharedSampleFiles(t) {
		data := readSample(t, f)
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		checkSameAsEncodingCSV(t, data)
	}
}

func FuzzSplitMatchesEncodingCSV(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", `"a""b",c` + "\r\n", "\"a\nb\",c", "a\"b\n", `x,"""k"": ""v""",y`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSameAsEncodingCSV(t, data)
	})
}

func TestSplitLongRowsAcrossRefills(t *testing.T) {
	// Rows far larger than the initial buffer, with quotes and line breaks
	// inside, read through a reader that returns one byte at a time.
	long := strings.Repeat("x", 3*initialBufferSize)
	data := "a,b\n\"" + long + "\n\"\"q\"\"\"," + long + "\n1,2\n"
	got, err := splitAll([]byte(data))
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, long+"\n\"q\"", got[1][0])
	assert.Equal(t, long, got[1][1])

	r := NewReader(iotestOneByte(strings.NewReader(data)), nil)
	var rows int
	for {
		s, e, line, err := r.nextRow()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		require.Nil(t, r.split(s, e, line))
		rows++
	}
	assert.Equal(t, 3, rows)
}

// TestSplitWideRowsMatchEncodingCSV checks the 64-byte separator scan at
// every alignment: rows of 0 to 300 bytes with separators, empty fields,
// quoted fields and stray quotes at random places (half the rows without
// quotes, so that long runs go through the wide scan), compared with
// encoding/csv.
func TestSplitWideRowsMatchEncodingCSV(t *testing.T) {
	rnd := rand.New(rand.NewPCG(15, 64))
	pieces := []string{",", ",", ",,", "a", "bc", "defghijk", "1.5", ",,,,,,,,,", "lmnopqrstuvwxyz", `"q,x"`, `"a""b"`, "x\"y"}
	for n := range 2000 {
		var row strings.Builder
		for row.Len() < n%301 {
			p := pieces[rnd.IntN(len(pieces))]
			if n%2 == 0 && strings.Contains(p, `"`) {
				continue // half the rows without quotes, and long runs between quotes in the others
			}
			row.WriteString(p)
		}
		data := row.String() + "\n" + row.String() + ",z\n"
		checkSameAsEncodingCSV(t, []byte(data))
	}
}
