package billing

// Internal tests: they also check the representation (inline or big fallback), which the
// exported API deliberately hides.

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustDec(t testing.TB, s string) Decimal {
	t.Helper()
	d, err := ParseDecimal(s)
	require.NoError(t, err, s)
	return d
}

func decRat(t testing.TB, d Decimal) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(d.String())
	require.True(t, ok, d.String())
	return r
}

func TestParseDecimalAcceptsAzureNumberForms(t *testing.T) {
	tests := []struct {
		in    string
		want  string
		scale int32
	}{
		{"0", "0", 0},
		{"-0", "0", 0},
		{"-0.00", "0.00", 2},
		{"1", "1", 0},
		{"+3", "3", 0},
		{"-1.50", "-1.50", 2},
		{"0.40000", "0.40000", 5},
		{"0.05890", "0.05890", 5},
		{".5", "0.5", 1},
		{"5.", "5", 0},
		{"-.5", "-0.5", 1},
		{"1E-7", "0.0000001", 7},
		{"1e-7", "0.0000001", 7},
		{"2.5e+3", "2500", 0},
		{"2.5E3", "2500", 0},
		{"1.2e+3", "1200", 0},
		{"5.64902E-05", "0.0000564902", 10},
		{"5.99772E-07", "0.000000599772", 12},
		{"1.5e1", "15", 0},
		{"1.55e1", "15.5", 1},
		{"0e5", "0", 0},
		{"-0.000000000000000000000123", "-0.000000000000000000000123", 24},
		{"0.000000144000000000000000", "0.000000144000000000000000", 24},
		{"0.0000000072922557592391990000", "0.0000000072922557592391990000", 28},
		{"12345678901234.123456789012345678901234", "12345678901234.123456789012345678901234", 24},
		{"99999999999999.999999999999999999999999", "99999999999999.999999999999999999999999", 24},
		{"-340282366920938463463374607431768211455", "-340282366920938463463374607431768211455", 0}, // 2^128-1
		{"340282366920938463463374607431768211456", "340282366920938463463374607431768211456", 0},   // 2^128: big
		{"123456789012345678901234567890123456789012345678901234567890.5", "123456789012345678901234567890123456789012345678901234567890.5", 1},
		{"0000000000000000000000000000000000000000000000001.25", "1.25", 2},
		{"1e1000", "1" + strings.Repeat("0", 1000), 0},
		{"1e-1000", "0." + strings.Repeat("0", 999) + "1", 1000},
		{"0." + strings.Repeat("0", 1000) + "1e1", "0." + strings.Repeat("0", 999) + "1", 1000},
		{"18446744073709551616", "18446744073709551616", 0}, // 2^64
		{"10000000000000000000", "10000000000000000000", 0}, // exactly 19 digits + 1
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, err := ParseDecimal(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, d.String())
			assert.Equal(t, tt.scale, d.Scale())

			b, err := ParseDecimalBytes([]byte(tt.in))
			require.NoError(t, err)
			assert.Equal(t, tt.want, b.String())

			want, ok := new(big.Rat).SetString(tt.in)
			require.True(t, ok)
			assert.Zero(t, want.Cmp(decRat(t, d)), "value differs from math/big")
		})
	}
}

func TestParseDecimalRejectsNonNumbers(t *testing.T) {
	tests := []struct{ in, reason string }{
		{"", "empty"},
		{" 1", "unexpected"},
		{"1 ", "unexpected"},
		{"1,5", `unexpected ","`},
		{"1.2.3", "more than one decimal point"},
		{"..5", "more than one decimal point"},
		{".", "no digits"},
		{"-", "no digits"},
		{"+", "no digits"},
		{"+-1", `unexpected "-" at offset 1`},
		{"--1", `unexpected "-"`},
		{"e5", "no digits"},
		{"1e", "exponent has no digits"},
		{"1e+", "exponent has no digits"},
		{"1e5.5", "in the exponent"},
		{"1e5e5", "in the exponent"},
		{"NaN", `unexpected "N" at offset 0`},
		{"Inf", `unexpected "I"`},
		{"-Infinity", `unexpected "I" at offset 1`},
		{"0x1F", `unexpected "x"`},
		{"1_000", `unexpected "_"`},
		{"1e1001", "exponent out of range"},
		{"1e-1001", "exponent out of range"},
		{"1e99999999999999999999", "exponent out of range"},
		{"0." + strings.Repeat("0", 1000) + "1", "more than 1000 digits after the decimal point"},
		{"0." + strings.Repeat("0", 1000) + "1e-1", "exponent out of range"},
		{"١", `unexpected "\xd9"`}, // Arabic-Indic digit one
		{"$5", `unexpected "$"`},
		{"5 USD", "unexpected"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseDecimal(tt.in)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidDecimal)
			assert.Contains(t, err.Error(), tt.reason)
			_, err = ParseDecimalBytes([]byte(tt.in))
			assert.ErrorIs(t, err, ErrInvalidDecimal)
		})
	}
}

func TestParseDecimalErrorQuotesAndTruncatesText(t *testing.T) {
	_, err := ParseDecimal("12,50")
	assert.EqualError(t, err, `invalid decimal "12,50": unexpected "," at offset 2`)

	_, err = ParseDecimal(strings.Repeat("9", 100) + "x")
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 120)
	assert.Contains(t, err.Error(), strings.Repeat("9", 40)+"…")
}

func TestParseDecimalBytesDoesNotAllocate(t *testing.T) {
	inputs := []string{
		"0", "8.53", "-1.50", "0.40000", "1E-7", "5.64902E-05", "2.5e+3",
		"0.000000144000000000000000",
		"0.0000000072922557592391990000",
		"12345678901234.123456789012345678901234",
		"-0.000000000000000000000123",
		"340282366920938463463374607431768211455",
	}
	for _, in := range inputs {
		b := []byte(in)
		var sink Decimal
		allocs := testing.AllocsPerRun(100, func() {
			d, err := ParseDecimalBytes(b)
			if err != nil {
				t.Fatal(err)
			}
			sink = d
		})
		assert.Zero(t, allocs, in)
		assert.Nil(t, sink.big, in)
	}
}

func TestAddSubCmpDoNotAllocateWithoutOverflow(t *testing.T) {
	a := mustDec(t, "12345678901234.123456789012345678901234")
	b := mustDec(t, "-0.5")
	var sink Decimal
	var c int
	allocs := testing.AllocsPerRun(100, func() {
		sink = a.Add(b).Sub(b).Mul(NewDecimal(3, 0))
		c = a.Cmp(b)
		sink = sink.Round(2)
	})
	assert.Zero(t, allocs)
	assert.Equal(t, 1, c)
	assert.Equal(t, "37037036703702.37", sink.String())
}

func TestAppendDoesNotAllocate(t *testing.T) {
	d := mustDec(t, "-12345678901234.123456789012345678901234")
	buf := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(100, func() {
		buf = d.Append(buf[:0])
	})
	assert.Zero(t, allocs)
	assert.Equal(t, "-12345678901234.123456789012345678901234", string(buf))
}

func TestSumOfMillionCostsOverflowsToBigAndBack(t *testing.T) {
	// 38 significant digits each: the running total leaves 128 bits after a few additions.
	v := mustDec(t, "99999999999999.999999999999999999999999")
	const n = 1_000_000
	var sum Decimal
	for range n {
		sum = sum.Add(v)
	}
	require.NotNil(t, sum.big, "the sum must have moved to the big fallback")
	assert.Equal(t, "99999999999999999999.999999999999999999000000", sum.String())

	want := new(big.Rat).Mul(decRat(t, v), big.NewRat(n, 1))
	assert.Zero(t, want.Cmp(decRat(t, sum)))

	for range n - 1 {
		sum = sum.Sub(v)
	}
	assert.Nil(t, sum.big, "a result that fits again must move back inline")
	assert.True(t, sum.Equal(v))
	assert.Equal(t, v.String(), sum.String())
}

func TestAddAlignsScales(t *testing.T) {
	tests := []struct{ a, b, sum, diff string }{
		{"0.1", "0.2", "0.3", "-0.1"},
		{"1.50", "1.5", "3.00", "0.00"},
		{"1", "0.000000000000000000000001", "1.000000000000000000000001", "0.999999999999999999999999"},
		{"-8.53", "8.53", "0.00", "-17.06"},
		{"-1", "-2.5", "-3.5", "1.5"},
		{"2.5e3", "-0.01", "2499.99", "2500.01"},
		{"0", "0", "0", "0"},
		{"340282366920938463463374607431768211455", "1", "340282366920938463463374607431768211456", "340282366920938463463374607431768211454"},
		{"-340282366920938463463374607431768211455", "-1", "-340282366920938463463374607431768211456", "-340282366920938463463374607431768211454"},
	}
	for _, tt := range tests {
		a, b := mustDec(t, tt.a), mustDec(t, tt.b)
		assert.Equal(t, tt.sum, a.Add(b).String(), "%s + %s", tt.a, tt.b)
		assert.Equal(t, tt.sum, b.Add(a).String(), "%s + %s", tt.b, tt.a)
		assert.Equal(t, tt.diff, a.Sub(b).String(), "%s - %s", tt.a, tt.b)
	}
}

func TestZeroValueIsZero(t *testing.T) {
	var d Decimal
	assert.True(t, d.IsZero())
	assert.Equal(t, "0", d.String())
	assert.Equal(t, 0, d.Sign())
	assert.Equal(t, int32(0), d.Scale())
	assert.True(t, d.Equal(mustDec(t, "0.000")))
	assert.Equal(t, "1.5", d.Add(mustDec(t, "1.5")).String())
}

func TestCmpAndEqualCompareNumbersNotScales(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.5", "1.50", 0},
		{"1.50", "1.5", 0},
		{"0", "-0.000", 0},
		{"1", "2", -1},
		{"-1", "-2", 1},
		{"-1", "1", -1},
		{"0", "-0.0001", 1},
		{"0.000000000000000000000001", "0", 1},
		{"1e-1000", "0", 1},
		{"1e1000", "1e999", 1},
		{"1e-1000", "1e-999", -1},
		{"99999999999999.999999999999999999999999", "100000000000000", -1},
		{"340282366920938463463374607431768211456", "340282366920938463463374607431768211455", 1},
		{"340282366920938463463374607431768211456", "340282366920938463463374607431768211456.0", 0},
		{"-340282366920938463463374607431768211456", "3", -1},
		{"3402823669209384634633746074317682114560", "340282366920938463463374607431768211456.1", 1},
	}
	for _, tt := range tests {
		a, b := mustDec(t, tt.a), mustDec(t, tt.b)
		assert.Equal(t, tt.want, a.Cmp(b), "%s cmp %s", tt.a, tt.b)
		assert.Equal(t, -tt.want, b.Cmp(a), "%s cmp %s", tt.b, tt.a)
		assert.Equal(t, tt.want == 0, a.Equal(b))
	}
}

func TestSignNegAbs(t *testing.T) {
	d := mustDec(t, "-2.50")
	assert.Equal(t, -1, d.Sign())
	assert.Equal(t, "2.50", d.Neg().String())
	assert.Equal(t, "2.50", d.Abs().String())
	assert.Equal(t, 1, d.Abs().Sign())
	assert.Equal(t, "0.00", mustDec(t, "0.00").Neg().String(), "no negative zero")
	big := mustDec(t, "-1"+strings.Repeat("0", 50))
	assert.Equal(t, "1"+strings.Repeat("0", 50), big.Neg().String())
	assert.Equal(t, "-1"+strings.Repeat("0", 50), big.String(), "Neg must not change the original")
}

func TestMul(t *testing.T) {
	tests := []struct{ a, b, want string }{
		{"1.5", "2", "3.0"},
		{"0.1", "0.1", "0.01"},
		{"-8.53", "3", "-25.59"},
		{"-8.53", "-3", "25.59"},
		{"0", "-3", "0"},
		{"0.000000144000000000000000", "1000000", "0.144000000000000000000000"},
		{"18446744073709551616", "18446744073709551616", "340282366920938463463374607431768211456"}, // 2^128: big
		{"18446744073709551615", "18446744073709551617", "340282366920938463463374607431768211455"}, // 2^128-1: inline
		{"99999999999999.999999999999999999999999", "99999999999999.999999999999999999999999",
			"9999999999999999999999999999.999999999800000000000000000000000000000000000001"},
	}
	for _, tt := range tests {
		a, b := mustDec(t, tt.a), mustDec(t, tt.b)
		got := a.Mul(b)
		assert.Equal(t, tt.want, got.String(), "%s × %s", tt.a, tt.b)
		assert.Equal(t, tt.want, b.Mul(a).String(), "%s × %s", tt.b, tt.a)
		want := new(big.Rat).Mul(decRat(t, a), decRat(t, b))
		assert.Zero(t, want.Cmp(decRat(t, got)))
	}
	assert.Nil(t, mustDec(t, "18446744073709551615").Mul(mustDec(t, "18446744073709551617")).big)
	assert.NotNil(t, mustDec(t, "18446744073709551616").Mul(mustDec(t, "18446744073709551616")).big)
}

func TestRoundHalfAwayFromZeroToExactScale(t *testing.T) {
	tests := []struct {
		in     string
		places int32
		want   string
	}{
		{"2.345", 2, "2.35"},
		{"-2.345", 2, "-2.35"},
		{"2.344999", 2, "2.34"},
		{"2.5", 0, "3"},
		{"-2.5", 0, "-3"},
		{"3.5", 0, "4"},
		{"0.4999", 0, "0"},
		{"-0.4999", 0, "0"},
		{"1.5", 2, "1.50"},
		{"7", 2, "7.00"},
		{"8.53", 2, "8.53"},
		{"1234.5", -2, "1200"},
		{"1250", -2, "1300"},
		{"-1250", -2, "-1300"},
		{"49", -2, "0"},
		{"0.000000144000000000000000", 6, "0.000000"},
		{"0.000000144000000000000000", 7, "0.0000001"},
		{"0.0000000072922557592391990000", 10, "0.0000000073"},
		{"99999999999999.999999999999999999999999", 2, "100000000000000.00"},
		{"99999999999999.999999999999999999999999", 23, "100000000000000.00000000000000000000000"},
		{"340282366920938463463374607431768211455", -39, "0"},
		{"340282366920938463463374607431768211455", -38, "300000000000000000000000000000000000000"},
		{"0.000000000000000000000000000000000000000000000000005", 50, "0.00000000000000000000000000000000000000000000000001"},
		{"-123456789012345678901234567890123456789012345678901234567890.55", 1, "-123456789012345678901234567890123456789012345678901234567890.6"},
		{"123456789012345678901234567890123456789012345678901234567890.549", 1, "123456789012345678901234567890123456789012345678901234567890.5"},
		{"123456789012345678901234567890123456789012345678901234567890.5", -60, "0"},
		{"523456789012345678901234567890123456789012345678901234567890.5", -60, "1000000000000000000000000000000000000000000000000000000000000"},
	}
	for _, tt := range tests {
		got := mustDec(t, tt.in).Round(tt.places)
		assert.Equal(t, tt.want, got.String(), "%s round %d", tt.in, tt.places)
	}
}

func TestNormalizeDropsTrailingZeros(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1.500", "1.5"},
		{"2.000", "2"},
		{"0.000", "0"},
		{"-0.0100", "-0.01"},
		{"100", "100"},
		{"0.000000144000000000000000", "0.000000144"},
		{"1" + strings.Repeat("0", 50) + ".5000", "1" + strings.Repeat("0", 50) + ".5"},
		{"1" + strings.Repeat("0", 50) + ".000", "1" + strings.Repeat("0", 50)},
	}
	for _, tt := range tests {
		got := mustDec(t, tt.in).Normalize()
		assert.Equal(t, tt.want, got.String(), tt.in)
	}
}

func TestNewDecimal(t *testing.T) {
	assert.Equal(t, "8.53", NewDecimal(853, -2).String())
	assert.Equal(t, "-8.53", NewDecimal(-853, -2).String())
	assert.Equal(t, "1500", NewDecimal(15, 2).String())
	assert.Equal(t, int32(0), NewDecimal(15, 2).Scale())
	assert.Equal(t, "0.000", NewDecimal(0, -3).String())
	assert.Equal(t, "-9223372036854775808", NewDecimal(math.MinInt64, 0).String())
	assert.Equal(t, "-0.000000000000000000000001", NewDecimal(-1, -24).String())
	// Huge exponents stay unexpanded until printed or aligned; they must not panic.
	huge := NewDecimal(1, math.MaxInt32)
	assert.Equal(t, 1, huge.Sign())
	assert.Equal(t, 1, huge.Cmp(NewDecimal(1, 0)))
	tiny := NewDecimal(1, math.MinInt32)
	assert.Equal(t, -1, tiny.Cmp(NewDecimal(1, -1000)))
	assert.Equal(t, 1, tiny.Mul(tiny).Sign())
}

func TestFloat64IsForDisplay(t *testing.T) {
	assert.InDelta(t, 8.53, mustDec(t, "8.53").Float64(), 0)
	assert.InDelta(t, -1e-24, mustDec(t, "-0.000000000000000000000001").Float64(), 0)
	assert.True(t, math.IsInf(mustDec(t, "1e400").Float64(), 1))
}

func TestJSONRoundTripIsExact(t *testing.T) {
	type cost struct {
		Cost     Decimal  `json:"cost"`
		Quantity Decimal  `json:"quantity"`
		Price    *Decimal `json:"price"`
	}
	var c cost
	err := json.Unmarshal([]byte(`{"cost": 0.1, "quantity": "0.2", "price": null}`), &c)
	require.NoError(t, err)
	assert.Equal(t, "0.3", c.Cost.Add(c.Quantity).String())
	assert.True(t, c.Cost.Add(c.Quantity).Equal(mustDec(t, "0.3")))
	assert.Nil(t, c.Price)

	in := `{"cost":-0.000000000000000000000123,"quantity":12345678901234.123456789012345678901234,"price":1.50}`
	require.NoError(t, json.Unmarshal([]byte(in), &c))
	out, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, in, string(out))
	assert.Equal(t, in, string(out), "exact text, trailing zeros kept")

	require.NoError(t, json.Unmarshal([]byte(`{"cost":5.64902E-05,"quantity":"1e3"}`), &c))
	assert.Equal(t, "0.0000564902", c.Cost.String())
	assert.Equal(t, "1000", c.Quantity.String())
}

func TestUnmarshalJSONEdgeCases(t *testing.T) {
	d := mustDec(t, "7")
	require.NoError(t, d.UnmarshalJSON([]byte("null")))
	assert.Equal(t, "7", d.String(), "null leaves the value alone")

	require.NoError(t, json.Unmarshal([]byte(`"\u0031.5"`), &d)) // escaped "1"
	assert.Equal(t, "1.5", d.String())

	for _, bad := range []string{`""`, `"abc"`, `"1,5"`, `true`, `"1.5 "`, `{}`} {
		var d Decimal
		err := json.Unmarshal([]byte(bad), &d)
		assert.Error(t, err, bad)
	}
	var d2 Decimal
	assert.ErrorIs(t, d2.UnmarshalJSON([]byte(`"x"`)), ErrInvalidDecimal)
}

func TestTextRoundTrip(t *testing.T) {
	for _, s := range []string{"0", "-1.50", "0.000000144000000000000000", "1" + strings.Repeat("0", 60) + ".01"} {
		d := mustDec(t, s)
		b, err := d.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, s, string(b))
		var back Decimal
		require.NoError(t, back.UnmarshalText(b))
		assert.True(t, back.Equal(d))
		ab, err := d.AppendText([]byte("x="))
		require.NoError(t, err)
		assert.Equal(t, "x="+s, string(ab))
	}
	var d Decimal
	assert.ErrorIs(t, d.UnmarshalText(nil), ErrInvalidDecimal)
}

// TestArithmeticMatchesMathBig checks random operands of every size class against
// math/big.Rat, including the 128-bit boundary and the big fallback.
func TestArithmeticMatchesMathBig(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	randDec := func() string {
		var sb strings.Builder
		if rng.IntN(2) == 0 {
			sb.WriteByte('-')
		}
		n := 1 + rng.IntN(45)
		for range n {
			sb.WriteByte(byte('0' + rng.IntN(10)))
		}
		if rng.IntN(3) > 0 {
			sb.WriteByte('.')
			for range rng.IntN(30) {
				sb.WriteByte(byte('0' + rng.IntN(10)))
			}
		}
		if rng.IntN(5) == 0 {
			sb.WriteString("e" + strconv.Itoa(rng.IntN(60)-30))
		}
		return sb.String()
	}
	for range 20000 {
		as, bs := randDec(), randDec()
		a, b := mustDec(t, as), mustDec(t, bs)
		ra, rb := decRat(t, a), decRat(t, b)
		want, _ := new(big.Rat).SetString(as)
		require.Zero(t, want.Cmp(ra), as)

		require.Zero(t, new(big.Rat).Add(ra, rb).Cmp(decRat(t, a.Add(b))), "%s + %s", as, bs)
		require.Zero(t, new(big.Rat).Sub(ra, rb).Cmp(decRat(t, a.Sub(b))), "%s - %s", as, bs)
		require.Zero(t, new(big.Rat).Mul(ra, rb).Cmp(decRat(t, a.Mul(b))), "%s × %s", as, bs)
		require.Equal(t, ra.Cmp(rb), a.Cmp(b), "%s cmp %s", as, bs)
		require.Zero(t, ra.Cmp(decRat(t, a.Normalize())), "normalize %s", as)

		places := int32(rng.IntN(40) - 5)
		require.Zero(t, decRatRoundHalfAway(ra, places).Cmp(decRat(t, a.Round(places))), "%s round %d", as, places)

		for _, d := range []Decimal{a.Add(b), a.Mul(b), a.Round(places)} {
			if d.big != nil {
				require.Greater(t, d.big.BitLen(), 128, "big fallback holding a value that fits inline")
				require.Positive(t, d.big.Sign())
			}
		}
	}
}

// decRatRoundHalfAway is the reference rounding: sign × floor(|r| × 10^p + 1/2) / 10^p.
func decRatRoundHalfAway(r *big.Rat, places int32) *big.Rat {
	p := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decAbs32(places))), nil))
	x := new(big.Rat).Abs(r)
	if places >= 0 {
		x.Mul(x, p)
	} else {
		x.Quo(x, p)
	}
	x.Add(x, big.NewRat(1, 2))
	q := new(big.Int).Quo(x.Num(), x.Denom())
	res := new(big.Rat).SetInt(q)
	if places >= 0 {
		res.Quo(res, p)
	} else {
		res.Mul(res, p)
	}
	if r.Sign() < 0 {
		res.Neg(res)
	}
	return res
}

func decAbs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

func TestErrorsIsThroughWrapping(t *testing.T) {
	_, err := ParseDecimal("nope")
	wrapped := errors.Join(errors.New("line 3"), err)
	assert.ErrorIs(t, wrapped, ErrInvalidDecimal)
}

func TestNewDecimalInt128(t *testing.T) {
	assert.Equal(t, "8.53", NewDecimalInt128(0, 853, 2).String())
	assert.Equal(t, "-8.53", NewDecimalInt128(-1, math.MaxUint64-852, 2).String())
	assert.Equal(t, "0.500000000000000000", NewDecimalInt128(0, 5e17, 18).String())
	assert.Equal(t, "0", NewDecimalInt128(0, 0, 0).String())
	assert.Equal(t, 0, NewDecimalInt128(0, 0, 5).Sign())
	assert.Equal(t, "1500", NewDecimalInt128(0, 15, -2).String())
	// Every 128-bit value, including the extremes, is exact: compare with math/big.
	two64 := new(big.Int).Lsh(big.NewInt(1), 64)
	for _, c := range []struct {
		hi int64
		lo uint64
	}{{math.MaxInt64, math.MaxUint64}, {math.MinInt64, 0}, {-1, 0}, {0, math.MaxUint64}, {-1, 1}, {12345, 678}} {
		want := new(big.Int).Mul(big.NewInt(c.hi), two64)
		want.Add(want, new(big.Int).SetUint64(c.lo))
		d := NewDecimalInt128(c.hi, c.lo, 3)
		w, err := ParseDecimal(want.String() + "e-3")
		require.NoError(t, err)
		assert.Zero(t, d.Cmp(w), "%d:%d: got %s want %s", c.hi, c.lo, d, w)
		assert.Equal(t, int32(3), d.Scale())
	}
}
