package billing

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// decRatComparable reports whether s uses only the characters of a plain decimal with a short
// exponent, where math/big.Rat parsing is a fair oracle: Rat also accepts fractions, base
// prefixes and underscores, and computes huge exponents in full.
func decRatComparable(s string) bool {
	if strings.Trim(s, "0123456789.+-eE") != "" {
		return false
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 && len(strings.TrimLeft(s[i+1:], "+-")) > 5 {
		return false
	}
	return true
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{
		"0", "-1.50", "+3", ".5", "5.", "1E-7", "2.5e+3", "5.64902E-05", "0.40000",
		"0.0000000072922557592391990000", "-0.000000000000000000000123",
		"12345678901234.123456789012345678901234", "340282366920938463463374607431768211456",
		"1e1000", "1e-1000", "1e1001", "", " ", "1,5", "NaN", "Inf", "0x10", "1.2.3", "1e", "-", ".",
		"1/2", "1_000", "9" + strings.Repeat("9", 80) + ".5e-20",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDecimal(s)
		db, errb := ParseDecimalBytes([]byte(s))
		if (err == nil) != (errb == nil) || (err == nil && d.Cmp(db) != 0) {
			t.Fatalf("ParseDecimal and ParseDecimalBytes disagree on %q: %v / %v", s, err, errb)
		}
		if decRatComparable(s) {
			r, ok := new(big.Rat).SetString(s)
			switch {
			case err == nil && !ok:
				t.Fatalf("accepted %q, which math/big rejects", s)
			case err == nil && r.Cmp(decRatF(t, d)) != 0:
				t.Fatalf("%q parsed as %s, math/big says %s", s, d, r.FloatString(40))
			case err != nil && ok && !strings.Contains(err.Error(), "exponent out of range") &&
				!strings.Contains(err.Error(), "more than 1000 digits") &&
				!strings.HasSuffix(s, ".") && !strings.HasPrefix(strings.TrimLeft(s, "+-"), "."):
				t.Fatalf("rejected %q (%v), which math/big accepts", s, err)
			}
		}
		if err != nil {
			return
		}
		str := d.String()
		if strings.ContainsAny(str, "eE+") {
			t.Fatalf("String of %q has an exponent or plus: %s", s, str)
		}
		back, err := ParseDecimal(str)
		if err != nil {
			t.Fatalf("String %q of %q does not parse: %v", str, s, err)
		}
		if !back.Equal(d) || back.String() != str || back.Scale() != d.Scale() {
			t.Fatalf("round trip of %q: %s then %s", s, str, back)
		}
		if !d.Normalize().Equal(d) {
			t.Fatalf("Normalize changed the value of %q", s)
		}
		j, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var dj Decimal
		if err := json.Unmarshal(j, &dj); err != nil || !dj.Equal(d) {
			t.Fatalf("JSON round trip of %q via %s: %v", s, j, err)
		}
		_ = d.Round(2)
		_ = d.Float64()
	})
}

func FuzzDecimalArithmetic(f *testing.F) {
	f.Add("0.1", "0.2", int8(2))
	f.Add("-8.53", "8.53", int8(0))
	f.Add("340282366920938463463374607431768211455", "1", int8(-3))
	f.Add("99999999999999.999999999999999999999999", "-1e-24", int8(23))
	f.Fuzz(func(t *testing.T, as, bs string, places int8) {
		a, err1 := ParseDecimal(as)
		b, err2 := ParseDecimal(bs)
		if err1 != nil || err2 != nil || len(as)+len(bs) > 200 {
			return
		}
		ra, rb := decRatF(t, a), decRatF(t, b)
		check := func(op string, want *big.Rat, got Decimal) {
			if want.Cmp(decRatF(t, got)) != 0 {
				t.Fatalf("%s %s %s = %s, want %s", as, op, bs, got, want.FloatString(60))
			}
			if got.big != nil && got.big.BitLen() <= 128 {
				t.Fatalf("%s %s %s: big fallback for a value that fits inline", as, op, bs)
			}
		}
		check("+", new(big.Rat).Add(ra, rb), a.Add(b))
		check("-", new(big.Rat).Sub(ra, rb), a.Sub(b))
		check("×", new(big.Rat).Mul(ra, rb), a.Mul(b))
		check("round", decRatRoundHalfAway(ra, int32(places)), a.Round(int32(places)))
		if a.Cmp(b) != ra.Cmp(rb) {
			t.Fatalf("%s cmp %s = %d, want %d", as, bs, a.Cmp(b), ra.Cmp(rb))
		}
	})
}

func decRatF(t *testing.T, d Decimal) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(d.String())
	if !ok {
		t.Fatalf("math/big cannot parse String %q", d.String())
	}
	return r
}

// FuzzDecimalUnmarshalJSON: a JSON number, or a JSON string holding one (escaped or not), decodes
// to exactly what ParseDecimal gives for its text; anything else is an error, never a panic; and
// what MarshalJSON writes decodes back to an equal value.
func FuzzDecimalUnmarshalJSON(f *testing.F) {
	for _, s := range []string{`0`, `-1.50`, `"12.5"`, `"1E-7"`, `"\u0031.5"`, `null`, `"x"`, `"`, `""`, `1e1000`, `"1\"`, `[1]`, `{"a":1}`, `true`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var d Decimal
		err := d.UnmarshalJSON([]byte(s))
		if s == "null" {
			require.NoError(t, err)
			require.True(t, d.IsZero(), "null leaves the zero value")
			return
		}
		if strings.Trim(s, " \t\r\n") != s {
			return // encoding/json hands UnmarshalJSON a value without surrounding whitespace
		}
		text := s
		var str string
		if json.Valid([]byte(s)) && json.Unmarshal([]byte(s), &str) == nil {
			text = str // a JSON string: its decoded content is the number's text
		}
		want, werr := ParseDecimal(text)
		if werr != nil {
			require.Error(t, err, "%q decoded although %q is not a decimal", s, text)
			return
		}
		if err != nil {
			// A quoted text that is not a valid JSON string (e.g. a raw control character) may be
			// refused even though its content would parse.
			require.False(t, json.Valid([]byte(s)) && strings.HasPrefix(s, `"`), "%q refused: %v", s, err)
			return
		}
		require.True(t, want.Equal(d), "%q: got %s want %s", s, d, want)
		out, merr := d.MarshalJSON()
		require.NoError(t, merr)
		var back Decimal
		require.NoError(t, back.UnmarshalJSON(out))
		require.True(t, back.Equal(d), "round trip of %s through %s", d, out)
	})
}
