package usage

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
)

func TestParseDateFormats(t *testing.T) {
	d := func(y int, m time.Month, day int) billing.Date { return billing.NewDate(y, m, day) }
	for in, want := range map[string]billing.Date{
		"09/21/2023":                   d(2023, 9, 21),
		"9/2/2023":                     d(2023, 9, 2),
		"12/31/2023":                   d(2023, 12, 31),
		"3/1/21":                       d(2021, 3, 1), // Excel's two-digit year
		"2/29/2024":                    d(2024, 2, 29),
		"9/2/2023 0:00":                d(2023, 9, 2),
		"9/2/2023 12:00:00 AM":         d(2023, 9, 2),
		"9/2/2023 11:59 PM":            d(2023, 9, 2),
		"2023-09-21":                   d(2023, 9, 21),
		"2019-07-29 00:00:00":          d(2019, 7, 29),
		"2024-01-01T00:00Z":            d(2024, 1, 1), // FOCUS 1.0
		"2024-01-01T00:00:00Z":         d(2024, 1, 1), // FOCUS 1.0r2
		"2019-04-09T00:00:00.0000000Z": d(2019, 4, 9), // Consumption API JSON
		"2024-01-01T10:30:00+02:00":    d(2024, 1, 1),
		"2024-01-01T00:30:00+02:00":    d(2023, 12, 31), // UTC is the day before
		"2023-12-31T23:00:00-02:00":    d(2024, 1, 1),   // UTC is the day after
		"2024-02-28T22:00:00-0300":     d(2024, 2, 29),
		"2024-01-01T24:00:00Z":         d(2024, 1, 2),
		"  2023-09-21 ":                d(2023, 9, 21),
		"":                             {},
		"  ":                           {},
	} {
		got, err := ParseDate(in)
		if assert.NoError(t, err, "%q", in) {
			assert.Equal(t, want, got, "%q", in)
		}
	}
}

func TestParseDateRejects(t *testing.T) {
	for _, in := range []string{
		"2023-02-29", "2024-13-01", "2024-00-10", "2024-01-32", "13/01/2024", "0/1/2024", "1/0/2024",
		"1/2/023", "1/2/20233", "2024/01/02", "21.13.2023", "2023-9-21", "20230921", "yesterday",
		"2024-01-01T", "2024-01-01T25:00Z", "2024-01-01T10:61Z", "2024-01-01T10:00:00+25:00",
		"2024-01-01T10:00:00Zjunk", "2024-01-01T10:00:00.Z", "9/2/2023 13:00 PM", "9/2/2023 0:00 AM",
		"9/2/2023T00:00", "2024-01-01 10", "2024-01-01x",
	} {
		_, err := ParseDate(in)
		assert.ErrorIs(t, err, ErrBadDate, "%q", in)
	}
}

func TestStandaloneParseErrors(t *testing.T) {
	_, err := ParseDate("2023-02-30")
	assert.EqualError(t, err, `bad date: "2023-02-30"`)
	_, err = ParseNumber("1,5")
	assert.EqualError(t, err, `bad decimal: "1,5"`)
	_, err = ParseBool("yes")
	assert.EqualError(t, err, `bad boolean: "yes"`)
}

func TestParseDateDecidesPerValue(t *testing.T) {
	// A file may mix formats (kubecost#1988: header style ≠ data style);
	// each value is read on its own, never with a layout chosen earlier.
	for _, in := range []string{"2023-02-13", "02/13/2023", "2/13/2023", "2023-02-13T00:00Z", "2023-02-13"} {
		got, err := ParseDate(in)
		require.NoError(t, err)
		assert.Equal(t, billing.NewDate(2023, time.February, 13), got, in)
	}
}

func TestParseNumber(t *testing.T) {
	for in, want := range map[string]string{
		"0.000000144000000000000000":      "0.000000144000000000000000",
		"0.0000000072922557592391990000":  "0.0000000072922557592391990000",
		"5.64902E-05":                     "0.0000564902",
		"5.99772e-07":                     "0.000000599772",
		"1.2e+3":                          "1200",
		"-1.50":                           "-1.50",
		"+3":                              "3",
		"0.40000":                         "0.40000",
		"8":                               "8",
		"123456789012345678901234.123456": "123456789012345678901234.123456",
		" 3.25 ":                          "3.25",
		"":                                "0",
		"-0":                              "0",
		".5":                              "0.5",
	} {
		got, err := ParseNumber(in)
		if assert.NoError(t, err, "%q", in) {
			assert.Equal(t, want, got.String(), "%q", in)
		}
	}
	for _, in := range []string{"1,5", "1.2.3", "abc", "NaN", "Inf", "1e", "--1", "$3", "0x10"} {
		_, err := ParseNumber(in)
		assert.ErrorIs(t, err, ErrBadDecimal, "%q", in)
		assert.ErrorIs(t, err, billing.ErrInvalidDecimal, "%q", in)
	}
}

func TestParseBool(t *testing.T) {
	for in, want := range map[string]bool{"True": true, "TRUE": true, "true": true, "False": false, "FALSE": false, "": false, " true ": true} {
		got, err := ParseBool(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := ParseBool("yes")
	assert.ErrorIs(t, err, ErrBadBool)
}

// checkNumber checks that parseNumber agrees with billing.ParseDecimal (same
// value, same scale, blanks trimmed) and with math/big.
func checkNumber(t *testing.T, s string) {
	got, err := parseNumber([]byte(s))
	trimmed := strings.Trim(s, " \t")
	if trimmed == "" {
		require.NoError(t, err)
		assert.True(t, got.IsZero())
		return
	}
	want, werr := billing.ParseDecimal(trimmed)
	if werr != nil {
		require.Error(t, err, "%q", s)
		require.ErrorIs(t, err, ErrBadDecimal)
		return
	}
	require.NoError(t, err, "%q", s)
	require.Equal(t, want.String(), got.String(), "%q", s)
	require.Equal(t, want.Scale(), got.Scale(), "%q", s)
	if r, ok := new(big.Rat).SetString(trimmed); ok && len(trimmed) < 60 {
		g, ok := new(big.Rat).SetString(got.String())
		require.True(t, ok)
		require.Zero(t, r.Cmp(g), "%q", s)
	}
}

func TestParseNumberMatchesBilling(t *testing.T) {
	for _, s := range []string{"0", "-0", "0.0", "1", "-1", "999999999999999999", "-999999999999999999", "1999999999999999999",
		"0.000000000000000001", "123.456", "5.", ".5", "-.5", "-", ".", "-.", "00012.3400", "1.2.3", "1e5", "+1",
		"0.000000144000000000000000", "0.0000000072922557592391990000", "5.64902E-05", "-5.99772e-07", "1e-3", "1E+2", "1.5e+1",
		"1e", "1e+", "1e-", "1e1234", "1e-999", "2.5E+0003", "0e-5", "-0.0e-2", "1.2e3.4", "e5", ".e5", "1x", "123456789012345678.9e-2"} {
		checkNumber(t, s)
	}
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"0.000000144000000000000000", "5.64902E-05", "-1.50", "0.40000", "", "1,5", "1e99999", "-0.0", "9999999999999999999999999999999999999999.9"} {
		f.Add(s)
	}
	f.Fuzz(checkNumber)
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"09/21/2023", "9/2/2023", "3/1/21", "2019-07-29 00:00:00", "2024-01-01T00:00Z",
		"2024-01-01T00:00:00Z", "2019-04-09T00:00:00.0000000Z", "2024-01-01T00:30:00+02:00", "9/2/2023 12:00:00 AM", "2023-02-30", "", "21.09.2023", "2-9-2023 0:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			require.ErrorIs(t, err, ErrBadDate)
			return
		}
		if d.IsZero() {
			require.Empty(t, strings.Trim(s, " \t"))
			return
		}
		// A valid calendar date, and ISO dates agree with package time.
		require.Equal(t, d, billing.DateOf(d.Time()))
		trimmed := strings.Trim(s, " \t")
		if len(trimmed) == 10 && trimmed[4] == '-' {
			tm, err := time.Parse(time.DateOnly, trimmed)
			require.NoError(t, err)
			require.Equal(t, billing.DateOf(tm), d)
		}
		// Day-first dates with dots or dashes agree with package time.
		for _, layout := range []string{"2.1.2006", "2-1-2006"} {
			if tm, err := time.Parse(layout, trimmed); err == nil {
				require.Equal(t, billing.DateOf(tm), d, "%q", s)
			}
		}
		if tm, err := time.Parse(time.RFC3339, trimmed); err == nil && tm.Year() > 0 && tm.Year() < 10000 {
			require.Equal(t, billing.DateOf(tm.UTC()), d, "%q", s)
		}
	})
}

// FuzzParseBool: exactly "true" and "false" in any case, or nothing, padded with spaces or tabs,
// are booleans; every other text is ErrBadBool.
func FuzzParseBool(f *testing.F) {
	for _, s := range []string{"True", "FALSE", "", " true\t", "yes", "1", "tru", "truee", "\x00true"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseBool(s)
		switch strings.ToLower(strings.Trim(s, " \t")) {
		case "true":
			require.NoError(t, err)
			require.True(t, v)
		case "false", "":
			require.NoError(t, err)
			require.False(t, v)
		default:
			require.ErrorIs(t, err, ErrBadBool)
		}
	})
}

// FuzzParseBillingPeriod: an EA billing period "YYYYMM" is accepted only as six digits naming a
// real month from 2000 on, and then it is that calendar month.
func FuzzParseBillingPeriod(f *testing.F) {
	for _, s := range []string{"202610", "202613", "202600", "199912", "20261", "2026-10", "２０２６10", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseBillingPeriod(s)
		want, perr := time.Parse("200601", s)
		if err != nil {
			var ie *billing.InputError
			require.ErrorAs(t, err, &ie)
			require.False(t, perr == nil && want.Year() >= 2000 && len(s) == 6, "%q refused", s)
			return
		}
		require.NoError(t, perr, "%q accepted but is not YYYYMM", s)
		require.Equal(t, billing.Month(want.Year(), want.Month()), p)
		require.Equal(t, s, p.Start.Time().Format("200601"))
	})
}
