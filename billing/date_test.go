package billing

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDateAcceptsWireForm(t *testing.T) {
	tests := []struct {
		in   string
		want Date
	}{
		{"2026-11-25", Date{2026, time.November, 25}},
		{"2024-02-29", Date{2024, time.February, 29}},
		{"2000-02-29", Date{2000, time.February, 29}},
		{"0001-01-01", Date{1, time.January, 1}},
		{"9999-12-31", Date{9999, time.December, 31}},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got)
		assert.Equal(t, tt.in, got.String())
	}
}

func TestParseDateRejectsOtherForms(t *testing.T) {
	tests := []struct{ in, reason string }{
		{"", "want YYYY-MM-DD"},
		{"2026-02-30", "day out of range"},
		{"2026-02-29", "day out of range"},
		{"1900-02-29", "day out of range"},
		{"2026-04-31", "day out of range"},
		{"2026-13-01", "month out of range"},
		{"2026-00-10", "month out of range"},
		{"2026-01-00", "day out of range"},
		{"09/21/2023", "want YYYY-MM-DD"},
		{"2026-1-05", "want YYYY-MM-DD"},
		{"2026-01-5", "want YYYY-MM-DD"},
		{"26-01-05", "want YYYY-MM-DD"},
		{"2026/01/05", "want YYYY-MM-DD"},
		{"2026-01-05T00:00:00Z", "want YYYY-MM-DD"},
		{"+026-01-05", "want YYYY-MM-DD"},
		{"2026-0a-05", "want YYYY-MM-DD"},
		{" 2026-01-05", "want YYYY-MM-DD"},
	}
	for _, tt := range tests {
		_, err := ParseDate(tt.in)
		require.Error(t, err, tt.in)
		assert.ErrorIs(t, err, ErrInvalidDate, tt.in)
		assert.Contains(t, err.Error(), tt.reason, tt.in)
		assert.Contains(t, err.Error(), `"`+tt.in+`"`, "the error quotes the text")
	}
}

func TestNewDateNormalizesLikeTimeDate(t *testing.T) {
	assert.Equal(t, Date{2026, time.March, 1}, NewDate(2026, time.February, 29))
	assert.Equal(t, Date{2025, time.December, 31}, NewDate(2026, time.January, 0))
	assert.Equal(t, Date{2027, time.January, 1}, NewDate(2026, 13, 1))
}

func TestDateOfUsesTheTimesOwnZone(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	ts := time.Date(2026, time.January, 31, 23, 0, 0, 0, est)
	assert.Equal(t, Date{2026, time.January, 31}, DateOf(ts))
	assert.Equal(t, Date{2026, time.February, 1}, DateOf(ts.UTC()))
}

func TestDateTimeIsMidnightUTC(t *testing.T) {
	d := NewDate(2026, time.November, 25)
	assert.Equal(t, time.Date(2026, time.November, 25, 0, 0, 0, 0, time.UTC), d.Time())
	assert.True(t, Date{}.Time().IsZero())
	assert.Equal(t, d, DateOf(d.Time()))
	loc := time.FixedZone("X", 3600)
	assert.Equal(t, time.Date(2026, time.November, 25, 0, 0, 0, 0, loc), d.In(loc))
}

func TestDateArithmetic(t *testing.T) {
	d := NewDate(2026, time.January, 31)
	assert.Equal(t, NewDate(2026, time.February, 1), d.AddDays(1))
	assert.Equal(t, NewDate(2025, time.December, 31), d.AddDays(-31))
	assert.Equal(t, NewDate(2026, time.February, 28), d.AddMonths(1))
	assert.Equal(t, NewDate(2024, time.February, 29), NewDate(2024, time.January, 31).AddMonths(1))
	assert.Equal(t, NewDate(2025, time.November, 30), NewDate(2026, time.November, 30).AddMonths(-12))
	assert.Equal(t, NewDate(2027, time.March, 31), d.AddMonths(14))
	assert.Equal(t, NewDate(2025, time.December, 31), d.AddMonths(-1))
	assert.Equal(t, 28, NewDate(2026, time.February, 1).DaysUntil(NewDate(2026, time.March, 1)))
	assert.Equal(t, -365, NewDate(2026, time.January, 1).DaysUntil(NewDate(2025, time.January, 1)))
	assert.Equal(t, 365*1000+242, NewDate(1000, time.January, 1).DaysUntil(NewDate(2000, time.January, 1)), "no Duration overflow")
	assert.Equal(t, time.Wednesday, NewDate(2026, time.November, 25).Weekday())
}

func TestDateComparisons(t *testing.T) {
	a, b := NewDate(2025, time.December, 31), NewDate(2026, time.January, 1)
	assert.Equal(t, -1, a.Compare(b))
	assert.Equal(t, 1, b.Compare(a))
	assert.Equal(t, 0, a.Compare(a))
	assert.True(t, a.Before(b))
	assert.True(t, b.After(a))
	assert.False(t, a.After(b))
	assert.True(t, a.Equal(NewDate(2025, time.December, 31)))
	assert.Equal(t, -1, NewDate(2026, time.January, 30).Compare(NewDate(2026, time.February, 1)))
	assert.Equal(t, -1, NewDate(2026, time.February, 1).Compare(NewDate(2026, time.February, 2)))
}

func TestZeroDateMeansNoDate(t *testing.T) {
	var d Date
	assert.True(t, d.IsZero())
	assert.False(t, d.IsValid())
	assert.Empty(t, d.String())
	b, err := d.MarshalText()
	require.NoError(t, err)
	assert.Empty(t, b)
	j, err := json.Marshal(d)
	require.NoError(t, err)
	assert.Equal(t, "null", string(j))
	assert.False(t, NewDate(0, time.January, 1).IsZero())
}

func TestDateValidity(t *testing.T) {
	assert.True(t, Date{2024, time.February, 29}.IsValid())
	assert.False(t, Date{2026, time.February, 29}.IsValid())
	assert.False(t, Date{2026, 13, 1}.IsValid())
	_, err := Date{2026, time.February, 30}.MarshalText()
	assert.ErrorIs(t, err, ErrInvalidDate)
	_, err = Date{10000, time.January, 1}.MarshalText()
	assert.ErrorIs(t, err, ErrInvalidDate)
	_, err = json.Marshal(Date{2026, time.February, 30})
	assert.Error(t, err)
	assert.Equal(t, "2026-02-30", Date{2026, time.February, 30}.String(), "String shows the fields as they are")
	assert.Equal(t, "-0001-01-01", Date{-1, time.January, 1}.String())
}

func TestDateTextRoundTrip(t *testing.T) {
	d := NewDate(2026, time.November, 5)
	b, err := d.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "2026-11-05", string(b))
	var back Date
	require.NoError(t, back.UnmarshalText(b))
	assert.Equal(t, d, back)
	require.NoError(t, back.UnmarshalText(nil))
	assert.True(t, back.IsZero())
	assert.ErrorIs(t, back.UnmarshalText([]byte("2026-11-31")), ErrInvalidDate)
	ab, err := d.AppendText([]byte("on "))
	require.NoError(t, err)
	assert.Equal(t, "on 2026-11-05", string(ab))
}

func TestDateJSONAcceptsDatesAndAzureTimestamps(t *testing.T) {
	tests := []struct {
		in   string
		want Date
	}{
		{`"2026-11-25"`, NewDate(2026, time.November, 25)},
		{`"2023-01-16T17:32:28Z"`, NewDate(2023, time.January, 16)},
		{`"2023-01-16T00:00:00"`, NewDate(2023, time.January, 16)},
		{`"2023-01-16T00:00:00.0000000Z"`, NewDate(2023, time.January, 16)},
		{`"2023-01-16T00:00:00.123+01:00"`, NewDate(2023, time.January, 16)},
		{`"2023-01-16T23:30:00-05:00"`, NewDate(2023, time.January, 16)},
		{`"2023-01-16 00:00:00"`, NewDate(2023, time.January, 16)},
		{`"2023-01-16t00:00:00z"`, NewDate(2023, time.January, 16)},
		{`"2020-05-31T23:59:59.9999999"`, NewDate(2020, time.May, 31)},
		{`"6/1/2020 12:00:00 AM +00:00"`, NewDate(2020, time.June, 1)},
		{`"5/31/2021 11:59:59 PM -08:00"`, NewDate(2021, time.May, 31)},
		{`"11/25/2026"`, NewDate(2026, time.November, 25)},
		{`" 2023-01-16 "`, NewDate(2023, time.January, 16)},
		{`"0001-01-01T00:00:00.0000000Z"`, Date{}},
		{`"1/1/0001 12:00:00 AM +00:00"`, Date{}},
		{`""`, Date{}},
	}
	for _, tt := range tests {
		var d Date
		require.NoError(t, json.Unmarshal([]byte(tt.in), &d), tt.in)
		assert.Equal(t, tt.want, d, tt.in)
	}

	type period struct {
		Start Date  `json:"start"`
		End   *Date `json:"end"`
	}
	var p period
	require.NoError(t, json.Unmarshal([]byte(`{"start":"2026-11-01T00:00:00Z","end":null}`), &p))
	assert.Equal(t, NewDate(2026, time.November, 1), p.Start)
	assert.Nil(t, p.End)
	out, err := json.Marshal(p)
	require.NoError(t, err)
	assert.Equal(t, `{"start":"2026-11-01","end":null}`, string(out))

	d := NewDate(2026, time.May, 1)
	require.NoError(t, json.Unmarshal([]byte(`null`), &d))
	assert.Equal(t, NewDate(2026, time.May, 1), d, "null leaves the date alone")
}

func TestDateJSONRejectsGarbage(t *testing.T) {
	for _, in := range []string{`20261125`, `"2026-11-25X"`, `"2026-11-25Tnoon"`, `"2026-02-30T00:00:00Z"`, `"2026-11-25T25:00:00Z"`, `true`, `"13/25/2026"`, `"6/31/2020 12:00:00 AM +00:00"`} {
		var d Date
		err := d.UnmarshalJSON([]byte(in))
		require.Error(t, err, in)
		assert.ErrorIs(t, err, ErrInvalidDate, in)
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-11-25", "2024-02-29", "2026-02-30", "0000-01-01", "9999-12-31", "", "2026-1-1", "09/21/2023", "2026-11-25T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		_, terr := time.Parse(time.DateOnly, s)
		if (err == nil) != (terr == nil) {
			t.Fatalf("ParseDate(%q) error %v, time.Parse error %v", s, err, terr)
		}
		if err != nil {
			return
		}
		if !d.IsValid() || d.String() != s {
			t.Fatalf("ParseDate(%q) = %+v, String %q", s, d, d.String())
		}
		back, err := ParseDate(d.String())
		if err != nil || back != d {
			t.Fatalf("round trip of %q: %v", s, err)
		}
	})
}

func FuzzDateUnmarshalJSON(f *testing.F) {
	for _, s := range []string{`"2026-11-25"`, `"2023-01-16T17:32:28Z"`, `"2023-01-16T00:00:00"`, `null`, `""`, `"2026-02-30"`, `1`, `"2023-01-16t00:00:00z"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Date
		if err := d.UnmarshalJSON(b); err != nil || d.IsZero() {
			return
		}
		if !d.IsValid() {
			t.Fatalf("UnmarshalJSON(%s) gave an invalid date %+v", b, d)
		}
		j, err := d.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON of %+v from %s: %v", d, b, err)
		}
		var back Date
		if err := back.UnmarshalJSON(j); err != nil || back != d {
			t.Fatalf("JSON round trip of %s via %s: %v", b, j, err)
		}
	})
}
