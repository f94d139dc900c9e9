package wire

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTimeForms(t *testing.T) {
	utc := func(y int, m time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, m, d, h, mi, s, ns, time.UTC)
	}
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		// Forms seen in recorded live answers.
		{"2020-05-31T23:59:59.9999999", utc(2020, 5, 31, 23, 59, 59, 999999900)},
		{"2020-05-01T00:00:00", utc(2020, 5, 1, 0, 0, 0, 0)},
		{"2023-01-16T00:00:00.0000000Z", utc(2023, 1, 16, 0, 0, 0, 0)},
		{"2024-04-01T00:00:00+00:00", utc(2024, 4, 1, 0, 0, 0, 0)},
		{"6/1/2020 12:00:00 AM +00:00", utc(2020, 6, 1, 0, 0, 0, 0)},
		{"5/31/2021 12:00:00 AM +00:00", utc(2021, 5, 31, 0, 0, 0, 0)},
		{"2021-11-02", utc(2021, 11, 2, 0, 0, 0, 0)},
		// Variants of them.
		{"  2023-01-16T17:32:28Z ", utc(2023, 1, 16, 17, 32, 28, 0)},
		{"2023-01-16t17:32:28z", utc(2023, 1, 16, 17, 32, 28, 0)},
		{"2023-01-16 17:32", utc(2023, 1, 16, 17, 32, 0, 0)},
		{"2023-01-16T17:32:28.5", utc(2023, 1, 16, 17, 32, 28, 500000000)},
		{"2023-01-16T17:32:28.1234567891234Z", utc(2023, 1, 16, 17, 32, 28, 123456789)},
		{"12/31/2020 11:59:59 PM", utc(2020, 12, 31, 23, 59, 59, 0)},
		{"12/31/2020 12:30:00 PM Z", utc(2020, 12, 31, 12, 30, 0, 0)},
		{"1/2/2020 13:05:00", utc(2020, 1, 2, 13, 5, 0, 0)},
		{"01/02/2020", utc(2020, 1, 2, 0, 0, 0, 0)},
		{"2/29/2024 1:00:00 am", utc(2024, 2, 29, 1, 0, 0, 0)},
		// None.
		{"", time.Time{}},
		{"   ", time.Time{}},
		{"0001-01-01T00:00:00.0000000Z", time.Time{}},
		{"0001-01-01T00:00:00", time.Time{}},
		{"1/1/0001 12:00:00 AM +00:00", time.Time{}},
	} {
		got, ok := ParseTime(tc.in)
		require.True(t, ok, "ParseTime(%q)", tc.in)
		assert.True(t, tc.want.Equal(got), "ParseTime(%q) = %v, want %v", tc.in, got, tc.want)
		assert.Equal(t, tc.want.Location(), got.Location(), "ParseTime(%q) location", tc.in)
	}
}

func TestParseTimeKeepsTheOffset(t *testing.T) {
	got, ok := ParseTime("5/31/2021 11:30:00 PM -05:00")
	require.True(t, ok)
	_, off := got.Zone()
	assert.Equal(t, -5*3600, off)
	y, m, d := got.Date()
	assert.Equal(t, []int{2021, 5, 31}, []int{y, int(m), d}, "the date as written, not the UTC one")
	got, ok = ParseTime("2023-01-16T00:30:00+0530")
	require.True(t, ok)
	assert.Equal(t, "2023-01-15T19:00:00Z", got.UTC().Format(time.RFC3339))
}

func TestParseTimeRefuses(t *testing.T) {
	for _, in := range []string{
		"2026-02-30", "2026-02-30T00:00:00Z", "2026-13-01", "2026-1-1", "20260101", "2026-01-01X",
		"2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z", "2026-01-01T23:59:60Z", "2026-01-01T10:00:00+24:00",
		"2026-01-01T10:00:00.Z", "2026-01-01T10", "13/1/2020", "2/30/2020", "6/1/20", "6/1/2020 0:00:00 AM",
		"6/1/2020 13:00:00 PM", "6/1/2020 12:00:00 XM", "6/1/2020 12:00:00 AM +00:00 x", "6/1/2020T00:00:00",
		"yesterday", "-", " - ", "2026-01-01T10:00:00 +01:00",
	} {
		_, ok := ParseTime(in)
		assert.False(t, ok, "ParseTime(%q)", in)
	}
}

func TestTimeNeverFailsAndKeepsRawText(t *testing.T) {
	var v struct {
		A, B, C, D, E Time
	}
	require.NoError(t, json.Unmarshal([]byte(`{"A":"6/1/2020 12:00:00 AM +00:00","B":"soon","C":12,"D":null,"E":"0001-01-01T00:00:00.0000000Z"}`), &v))
	assert.Equal(t, "2020-06-01T00:00:00Z", v.A.Time.Format(time.RFC3339))
	assert.False(t, v.A.Unread())
	assert.True(t, v.B.Time.IsZero())
	assert.Equal(t, "soon", v.B.Raw)
	assert.Equal(t, "12", v.C.Raw, "a non-string keeps its JSON text")
	assert.Equal(t, Time{}, v.D)
	assert.Equal(t, Time{}, v.E, "the none sentinel is not unread")

	var m map[string]string
	assert.True(t, Note(&m, "a", v.A).Equal(v.A.Time))
	assert.Nil(t, m, "no map while every date reads")
	Note(&m, "b", v.B)
	assert.Equal(t, map[string]string{"b": "soon"}, m)
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2020-05-31T23:59:59.9999999", "2020-05-01T00:00:00", "2023-01-16T00:00:00.0000000Z", "2024-04-01T00:00:00+00:00",
		"6/1/2020 12:00:00 AM +00:00", "0001-01-01T00:00:00.0000000Z", "2021-11-02", "12/31/2020 11:59:59 PM -08:00",
		"2026-02-30", "", "1/1/0001", "2023-01-16T00:30:00+0530", "2023-01-16T00:30:00,5-01",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseTime(s)
		if !ok {
			if got != (time.Time{}) {
				t.Fatalf("ParseTime(%q) refused but returned %v", s, got)
			}
		} else if !got.IsZero() {
			// What it reads survives a round trip through the canonical form.
			back, ok := ParseTime(got.Format(time.RFC3339Nano))
			if !ok || !back.Equal(got) {
				t.Fatalf("round trip of %q via %q: %v %v", s, got.Format(time.RFC3339Nano), back, ok)
			}
			if y, m, d := got.Date(); y == 1 && m == 1 && d == 1 {
				t.Fatalf("ParseTime(%q) = %v, want none", s, got)
			}
		}
		// It agrees with the standard library wherever that reads RFC 3339.
		if want, err := time.Parse(time.RFC3339Nano, s); err == nil {
			if y, m, d := want.Date(); y == 1 && m == 1 && d == 1 {
				return
			}
			if !ok || !want.Equal(got) {
				t.Fatalf("ParseTime(%q) = %v, %v; time.Parse gives %v", s, got, ok, want)
			}
		}
	})
}

func TestTextIsTrimmed(t *testing.T) {
	var v struct {
		A, B, C, D Text
	}
	require.NoError(t, json.Unmarshal([]byte(`{"A":"IN ","B":"  ABCD","C":" - ","D":null}`), &v))
	assert.Equal(t, Text("IN"), v.A)
	assert.Equal(t, Text("ABCD"), v.B)
	assert.Equal(t, Text("-"), v.C)
	assert.Equal(t, Text(""), v.D)
	assert.Error(t, json.Unmarshal([]byte(`{"A":12}`), &v))
}
