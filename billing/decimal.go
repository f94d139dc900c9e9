package billing

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"
)

// ErrInvalidDecimal is wrapped by every error that reports text which is not a decimal number.
var ErrInvalidDecimal = errors.New("invalid decimal")

// maxParseScale bounds the scale (digits after the point) a parsed value may have, in both
// directions, so that text such as "1e999999999" cannot make later arithmetic allocate
// gigabytes. Azure files use at most 28 fractional digits.
const maxParseScale = 1000

// maxNormalizeExponent bounds the positive exponents that are multiplied out into the
// coefficient, so that a value never has a negative scale unless it was built with a huge
// exponent by NewDecimal.
const maxNormalizeExponent = 1000

// Decimal is an exact decimal number: coefficient × 10^-scale. The zero value is 0.
//
// The coefficient is held inline in 128 bits (38 significant digits, for example 14 integer
// digits with 24 fractional digits), so parsing and adding ordinary costs and quantities
// never allocates. A result that does not fit in 128 bits moves to a math/big fallback
// rather than wrapping, and moves back inline once it fits again: a sum of millions of
// costs is always exact.
//
// Decimal values are immutable; copying one is cheap. Compare values with Cmp or Equal, not
// with ==, because 1.5 and 1.50 are equal numbers with different scales.
type Decimal struct {
	hi, lo uint64   // coefficient magnitude when big is nil
	big    *big.Int // coefficient magnitude (> 0) when it does not fit in 128 bits; never mutated
	scale  int32    // digits after the decimal point; negative only for huge NewDecimal exponents
	neg    bool     // never true for zero
}

// NewDecimal returns coefficient × 10^exponent, for example NewDecimal(853, -2) is 8.53 and
// NewDecimal(15, 2) is 1500 (scale 0). Keep |exponent| within 1000, the range ParseDecimal
// accepts: larger exponents are stored as given, but printing or adding such a value is
// exact and so needs memory in proportion to the exponent.
func NewDecimal(coefficient int64, exponent int32) Decimal {
	mag := uint64(coefficient)
	if coefficient < 0 {
		mag = -mag // two's complement: also right for math.MinInt64
	}
	scale := int32(math.MaxInt32)
	if exponent != math.MinInt32 {
		scale = -exponent
	}
	d := Decimal{lo: mag, scale: scale, neg: coefficient < 0}
	if d.scale < 0 && d.scale >= -maxNormalizeExponent {
		d = d.rescale(0)
	}
	return d
}

// NewDecimalInt128 returns the 128-bit two's-complement integer hi:lo (hi holds the upper 64
// bits, with the sign) times 10^-scale: the form in which Parquet and Apache Arrow store DECIMAL
// values, so that a column of decimals is read without going through text. For example hi 0, lo
// 853, scale 2 is 8.53, and hi -1, lo 2^64-853, scale 2 is -8.53. The scale is kept as given
// (1.500 stays 1.500; see Normalize); it must lie within ±1000 like ParseDecimal's. It never
// allocates.
func NewDecimalInt128(hi int64, lo uint64, scale int32) Decimal {
	neg := hi < 0
	uhi := uint64(hi)
	if neg { // magnitude: two's complement negation; also right for the most negative value
		var borrow uint64
		lo, borrow = bits.Sub64(0, lo, 0)
		uhi, _ = bits.Sub64(0, uhi, borrow)
	}
	d := Decimal{hi: uhi, lo: lo, scale: scale, neg: neg && uhi|lo != 0}
	if d.scale < 0 && d.scale >= -maxNormalizeExponent {
		d = d.rescale(0)
	}
	return d
}

// ParseDecimal parses a decimal number exactly: an optional sign, digits with an optional
// point (".5" and "5." are accepted) and an optional exponent ("1E-7", "2.5e+3"). Spaces,
// thousands separators, "NaN", "Inf" and hexadecimal are rejected. The scale of the result
// is the number of fractional digits as written, adjusted by the exponent ("1.50" has scale
// 2, "2.5e+3" has scale 0), and must lie within ±1000.
// Errors wrap ErrInvalidDecimal and quote the text.
func ParseDecimal(s string) (Decimal, error) {
	return parseDecimal(s)
}

// ParseDecimalBytes is ParseDecimal for a byte slice. It does not allocate unless the
// coefficient needs more than 38 digits, the exponent is large, or the text is invalid,
// which makes it suitable for parsing millions of CSV fields.
func ParseDecimalBytes(b []byte) (Decimal, error) {
	return parseDecimal(b)
}

func parseDecimal[T string | []byte](s T) (Decimal, error) {
	n := len(s)
	if n == 0 {
		return Decimal{}, decimalError(s, "empty text")
	}
	i := 0
	neg := false
	if c := s[0]; c == '+' || c == '-' {
		neg = c == '-'
		i++
	}
	var (
		hi, lo   uint64
		acc      uint64 // up to 19 digits not yet folded into hi:lo
		accN     int
		digits   int
		frac     int
		dot      bool
		overflow bool
	)
	for ; i < n; i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			digits++
			if dot {
				frac++
			}
			acc = acc*10 + uint64(c-'0')
			accN++
			if accN == 19 {
				var ok bool
				if hi, lo, ok = mulAdd128(hi, lo, 1e19, acc); !ok {
					overflow = true // keep scanning: the text may still be invalid
				}
				acc, accN = 0, 0
			}
			continue
		}
		if c == '.' {
			if dot {
				return Decimal{}, decimalError(s, "more than one decimal point")
			}
			dot = true
			continue
		}
		break
	}
	if digits == 0 {
		if i < n && s[i] != 'e' && s[i] != 'E' {
			return Decimal{}, decimalError(s, fmt.Sprintf("unexpected %q at offset %d", string(s[i:i+1]), i))
		}
		return Decimal{}, decimalError(s, "no digits")
	}
	exp := 0
	if i < n {
		if c := s[i]; c != 'e' && c != 'E' {
			return Decimal{}, decimalError(s, fmt.Sprintf("unexpected %q at offset %d", string(s[i:i+1]), i))
		}
		i++
		eneg := false
		if i < n && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		if i == n {
			return Decimal{}, decimalError(s, "exponent has no digits")
		}
		for ; i < n; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return Decimal{}, decimalError(s, fmt.Sprintf("unexpected %q at offset %d in the exponent", string(s[i:i+1]), i))
			}
			if exp < 1e8 { // saturate: the scale check below rejects it anyway
				exp = exp*10 + int(c-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	scale := frac - exp
	if scale > maxParseScale || scale < -maxParseScale {
		if exp == 0 {
			return Decimal{}, decimalError(s, "more than 1000 digits after the decimal point")
		}
		return Decimal{}, decimalError(s, "exponent out of range")
	}
	if !overflow && accN > 0 {
		var ok bool
		if hi, lo, ok = mulAdd128(hi, lo, decPow10(accN), acc); !ok {
			overflow = true
		}
	}
	var d Decimal
	if overflow {
		d = parseBigDecimal(s, neg, int32(scale))
	} else {
		d = Decimal{hi: hi, lo: lo, scale: int32(scale), neg: neg && hi|lo != 0}
	}
	if d.scale < 0 {
		d = d.rescale(0)
	}
	return d, nil
}

// parseBigDecimal builds the fallback form of text already validated by parseDecimal.
func parseBigDecimal[T string | []byte](s T, neg bool, scale int32) Decimal {
	buf := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 'e' || c == 'E' {
			break
		}
		if c >= '0' && c <= '9' {
			buf = append(buf, c)
		}
	}
	x, _ := new(big.Int).SetString(string(buf), 10) // only digits: cannot fail
	if neg {
		x.Neg(x)
	}
	return decFromBig(x, scale)
}

func decimalError[T string | []byte](s T, reason string) error {
	const limit = 40 // keep messages about huge fields readable
	t := string(s)
	if len(t) > limit {
		t = t[:limit] + "…"
	}
	return fmt.Errorf("%w %q: %s", ErrInvalidDecimal, t, reason)
}

// Scale returns the number of digits after the decimal point, for example 2 for 1.50.
func (d Decimal) Scale() int32 { return d.scale }

// Sign returns -1, 0 or +1.
func (d Decimal) Sign() int {
	switch {
	case d.IsZero():
		return 0
	case d.neg:
		return -1
	}
	return 1
}

// IsZero reports whether d is 0, whatever its scale.
func (d Decimal) IsZero() bool { return d.big == nil && d.hi|d.lo == 0 }

// Neg returns -d.
func (d Decimal) Neg() Decimal {
	if !d.IsZero() {
		d.neg = !d.neg
	}
	return d
}

// Abs returns |d|.
func (d Decimal) Abs() Decimal {
	d.neg = false
	return d
}

// Add returns d + e exactly. Its scale is the larger of the two scales.
func (d Decimal) Add(e Decimal) Decimal {
	if d.big == nil && e.big == nil {
		if r, ok := decAddSmall(d, e); ok {
			return r
		}
	}
	x, y, scale := decAlignedBig(d, e)
	return decFromBig(x.Add(x, y), scale)
}

// Sub returns d - e exactly. Its scale is the larger of the two scales.
func (d Decimal) Sub(e Decimal) Decimal { return d.Add(e.Neg()) }

// Mul returns d × e exactly. Its scale is the sum of the two scales (saturating at the
// int32 range, which only values built with extreme NewDecimal exponents can reach).
func (d Decimal) Mul(e Decimal) Decimal {
	scale := decSatScale(int64(d.scale) + int64(e.scale))
	neg := d.neg != e.neg
	if d.big == nil && e.big == nil {
		var hi, lo uint64
		ok := true
		switch {
		case d.hi == 0:
			hi, lo, ok = mulAdd128(e.hi, e.lo, d.lo, 0)
		case e.hi == 0:
			hi, lo, ok = mulAdd128(d.hi, d.lo, e.lo, 0)
		default:
			ok = false
		}
		if ok {
			return Decimal{hi: hi, lo: lo, scale: scale, neg: neg && hi|lo != 0}
		}
	}
	x := d.bigCoef()
	return decFromBig(x.Mul(x, e.bigCoef()), scale)
}

// Cmp compares d and e numerically and returns -1, 0 or +1.
func (d Decimal) Cmp(e Decimal) int {
	ds, es := d.Sign(), e.Sign()
	if ds != es {
		if ds < es {
			return -1
		}
		return 1
	}
	if ds == 0 {
		return 0
	}
	return ds * decCmpMag(d, e)
}

// Equal reports whether d and e are the same number: 1.5 equals 1.50.
func (d Decimal) Equal(e Decimal) bool { return d.Cmp(e) == 0 }

// Round returns d rounded to places digits after the point, halves away from zero
// (2.345 → 2.35, -2.345 → -2.35), the rule commonly used for money. The result has exactly
// that scale, padding with zeros when d has fewer digits (1.5 → 1.50), so that
// Round(2).String() always shows two decimals. A negative places rounds to tens,
// hundreds and so on, with scale 0.
func (d Decimal) Round(places int32) Decimal {
	if places >= d.scale {
		return d.rescale(places)
	}
	drop := int64(d.scale) - int64(places) // > 0
	var r Decimal
	if d.big == nil {
		hi, lo := d.hi, d.lo
		if drop > 39 {
			hi, lo = 0, 0 // |coefficient| < 10^39/2: rounds to zero
		} else {
			hi, lo = divPow10(hi, lo, int(drop-1))
			var digit uint64
			hi, lo, digit = div128by64(hi, lo, 10)
			if digit >= 5 {
				hi, lo, _ = mulAdd128(hi, lo, 1, 1) // cannot overflow: hi:lo was divided by 10
			}
		}
		r = Decimal{hi: hi, lo: lo, scale: places, neg: d.neg && hi|lo != 0}
	} else {
		q, rem := new(big.Int), new(big.Int)
		p := decBigPow10(drop)
		q.QuoRem(d.big, p, rem)
		if rem.Lsh(rem, 1).Cmp(p) >= 0 {
			q.Add(q, big.NewInt(1))
		}
		if d.neg {
			q.Neg(q)
		}
		r = decFromBig(q, places)
	}
	if r.scale < 0 {
		r = r.rescale(0)
	}
	return r
}

// Normalize returns d without trailing zeros after the point: 1.500 → 1.5, 2.000 → 2.
func (d Decimal) Normalize() Decimal {
	if d.IsZero() {
		return Decimal{}
	}
	if d.big == nil {
		for d.scale > 0 {
			hi, lo, rem := div128by64(d.hi, d.lo, 10)
			if rem != 0 {
				break
			}
			d.hi, d.lo, d.scale = hi, lo, d.scale-1
		}
		return d
	}
	x, rem, ten := new(big.Int).Set(d.big), new(big.Int), big.NewInt(10)
	q := new(big.Int)
	scale := d.scale
	for scale > 0 {
		q.QuoRem(x, ten, rem)
		if rem.Sign() != 0 {
			break
		}
		x, q = q, x
		scale--
	}
	if d.neg {
		x.Neg(x)
	}
	return decFromBig(x, scale)
}

// Float64 returns the nearest float64, for display and plotting only: never compute
// money with it.
func (d Decimal) Float64() float64 {
	var buf [64]byte
	f, _ := strconv.ParseFloat(string(d.Append(buf[:0])), 64) // out of range gives ±Inf
	return f
}

// String returns d in plain notation, never with an exponent, keeping the scale: 1.50
// stays "1.50" and 1E-7 is "0.0000001". Use Normalize to drop trailing zeros.
func (d Decimal) String() string {
	var buf [64]byte
	return string(d.Append(buf[:0]))
}

// Append appends the String form of d to b; it does not allocate when b has room.
func (d Decimal) Append(b []byte) []byte {
	var dbuf [40]byte
	var ds []byte
	if d.big == nil {
		ds = appendU128(dbuf[:0], d.hi, d.lo)
	} else {
		ds = d.big.Append(dbuf[:0], 10)
	}
	if d.neg {
		b = append(b, '-')
	}
	s := int(d.scale)
	switch {
	case s <= 0:
		b = append(b, ds...)
		if !d.IsZero() {
			for range -s {
				b = append(b, '0')
			}
		}
	case len(ds) <= s:
		b = append(b, '0', '.')
		for range s - len(ds) {
			b = append(b, '0')
		}
		b = append(b, ds...)
	default:
		b = append(b, ds[:len(ds)-s]...)
		b = append(b, '.')
		b = append(b, ds[len(ds)-s:]...)
	}
	return b
}

// AppendText implements encoding.TextAppender.
func (d Decimal) AppendText(b []byte) ([]byte, error) { return d.Append(b), nil }

// MarshalText implements encoding.TextMarshaler with the String form.
func (d Decimal) MarshalText() ([]byte, error) { return d.Append(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseDecimalBytes.
func (d *Decimal) UnmarshalText(b []byte) error {
	v, err := ParseDecimalBytes(b)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON writes d as a JSON number in plain notation, exactly.
func (d Decimal) MarshalJSON() ([]byte, error) { return d.Append(nil), nil }

// UnmarshalJSON accepts a JSON number or a string holding one, exactly (never through
// float64), because Azure APIs send amounts both ways. null leaves d unchanged.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		inner := b[1 : len(b)-1]
		for _, c := range inner {
			if c == '\\' { // rare: escaped characters need the JSON decoder
				var s string
				if err := json.Unmarshal(b, &s); err != nil {
					return decimalError(b, "bad JSON string")
				}
				inner = []byte(s)
				break
			}
		}
		b = inner
	}
	return d.UnmarshalText(b)
}

// rescale returns d with the given scale, multiplying the coefficient when the scale grows.
// It must not be called to shrink the scale (that would lose digits; Round does that).
func (d Decimal) rescale(scale int32) Decimal {
	if scale <= d.scale {
		return d
	}
	diff := int64(scale) - int64(d.scale)
	if d.IsZero() {
		return Decimal{scale: scale}
	}
	if d.big == nil {
		if hi, lo, ok := mulPow10(d.hi, d.lo, diff); ok {
			return Decimal{hi: hi, lo: lo, scale: scale, neg: d.neg}
		}
	}
	x := d.bigCoef()
	return decFromBig(x.Mul(x, decBigPow10(diff)), scale)
}

// bigCoef returns the signed coefficient as a new big.Int the caller may modify.
func (d Decimal) bigCoef() *big.Int {
	var x *big.Int
	if d.big != nil {
		x = new(big.Int).Set(d.big)
	} else {
		x = new(big.Int).SetUint64(d.hi)
		x.Lsh(x, 64)
		x.Or(x, new(big.Int).SetUint64(d.lo))
	}
	if d.neg {
		x.Neg(x)
	}
	return x
}

// decFromBig returns x × 10^-scale, taking ownership of x and moving back inline if it fits.
func decFromBig(x *big.Int, scale int32) Decimal {
	neg := x.Sign() < 0
	if x.BitLen() <= 128 {
		var b [16]byte
		x.FillBytes(b[:]) // magnitude, big-endian
		hi, lo := decBEUint64(b[:8]), decBEUint64(b[8:])
		return Decimal{hi: hi, lo: lo, scale: scale, neg: neg}
	}
	return Decimal{big: x.Abs(x), scale: scale, neg: neg}
}

func decBEUint64(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// decAlignedBig returns the signed coefficients of d and e at their common (larger) scale.
func decAlignedBig(d, e Decimal) (x, y *big.Int, scale int32) {
	x, y = d.bigCoef(), e.bigCoef()
	switch {
	case d.scale < e.scale:
		x.Mul(x, decBigPow10(int64(e.scale)-int64(d.scale)))
		return x, y, e.scale
	case e.scale < d.scale:
		y.Mul(y, decBigPow10(int64(d.scale)-int64(e.scale)))
	}
	return x, y, d.scale
}

// decAddSmall adds two inline values; ok is false when the result needs the big form.
func decAddSmall(d, e Decimal) (Decimal, bool) {
	if d.scale != e.scale {
		var ok bool
		if d.scale < e.scale {
			d.hi, d.lo, ok = mulPow10(d.hi, d.lo, int64(e.scale)-int64(d.scale))
			d.scale = e.scale
		} else {
			e.hi, e.lo, ok = mulPow10(e.hi, e.lo, int64(d.scale)-int64(e.scale))
			e.scale = d.scale
		}
		if !ok {
			return Decimal{}, false
		}
	}
	if d.neg == e.neg {
		lo, c := bits.Add64(d.lo, e.lo, 0)
		hi, c := bits.Add64(d.hi, e.hi, c)
		if c != 0 {
			return Decimal{}, false
		}
		return Decimal{hi: hi, lo: lo, scale: d.scale, neg: d.neg && hi|lo != 0}, true
	}
	// Opposite signs: subtract the smaller magnitude from the larger.
	if d.hi < e.hi || (d.hi == e.hi && d.lo < e.lo) {
		d, e = e, d
	}
	lo, b := bits.Sub64(d.lo, e.lo, 0)
	hi, _ := bits.Sub64(d.hi, e.hi, b)
	return Decimal{hi: hi, lo: lo, scale: d.scale, neg: d.neg && hi|lo != 0}, true
}

// decCmpMag compares |d| and |e|.
func decCmpMag(d, e Decimal) int {
	if d.big == nil && e.big == nil {
		swapped := false
		if d.scale > e.scale {
			d, e, swapped = e, d, true
		}
		hi, lo, ok := mulPow10(d.hi, d.lo, int64(e.scale)-int64(d.scale))
		r := 1 // overflow: |d| at e's scale exceeds every 128-bit value
		if ok {
			switch {
			case hi < e.hi || (hi == e.hi && lo < e.lo):
				r = -1
			case hi == e.hi && lo == e.lo:
				r = 0
			}
		}
		if swapped {
			r = -r
		}
		return r
	}
	x, y, _ := decAlignedBig(d.Abs(), e.Abs())
	return x.Cmp(y)
}

func decSatScale(s int64) int32 {
	return int32(max(math.MinInt32, min(math.MaxInt32, s)))
}

// mulAdd128 returns hi:lo × m + a; ok is false on overflow of 128 bits.
func mulAdd128(hi, lo, m, a uint64) (rhi, rlo uint64, ok bool) {
	h1, l1 := bits.Mul64(lo, m)
	h2, l2 := bits.Mul64(hi, m)
	if h2 != 0 {
		return 0, 0, false
	}
	rhi, c := bits.Add64(l2, h1, 0)
	if c != 0 {
		return 0, 0, false
	}
	rlo, c = bits.Add64(l1, a, 0)
	rhi, c = bits.Add64(rhi, 0, c)
	if c != 0 {
		return 0, 0, false
	}
	return rhi, rlo, true
}

// mulPow10 returns hi:lo × 10^n; ok is false on overflow of 128 bits.
func mulPow10(hi, lo uint64, n int64) (uint64, uint64, bool) {
	if hi|lo == 0 {
		return 0, 0, true
	}
	if n > 39 {
		return 0, 0, false // 10^39 > 2^128
	}
	for n > 0 {
		k := min(n, 19)
		var ok bool
		if hi, lo, ok = mulAdd128(hi, lo, decPow10(int(k)), 0); !ok {
			return 0, 0, false
		}
		n -= k
	}
	return hi, lo, true
}

// div128by64 returns hi:lo / m and the remainder.
func div128by64(hi, lo, m uint64) (qhi, qlo, rem uint64) {
	qhi, r := hi/m, hi%m
	qlo, rem = bits.Div64(r, lo, m)
	return qhi, qlo, rem
}

// divPow10 returns hi:lo / 10^n, truncated, for n ≥ 0.
func divPow10(hi, lo uint64, n int) (uint64, uint64) {
	for n > 0 {
		k := min(n, 19)
		hi, lo, _ = div128by64(hi, lo, decPow10(k))
		n -= k
	}
	return hi, lo
}

// appendU128 appends the decimal digits of hi:lo.
func appendU128(b []byte, hi, lo uint64) []byte {
	if hi == 0 {
		return strconv.AppendUint(b, lo, 10)
	}
	// At most three chunks of 19 digits; the lower ones are zero-padded.
	var chunks [3]uint64
	n := 0
	for hi != 0 {
		var r uint64
		hi, lo, r = div128by64(hi, lo, 1e19)
		chunks[n] = r
		n++
	}
	b = strconv.AppendUint(b, lo, 10)
	for i := n - 1; i >= 0; i-- {
		var tmp [20]byte
		t := strconv.AppendUint(tmp[:0], chunks[i], 10)
		for range 19 - len(t) {
			b = append(b, '0')
		}
		b = append(b, t...)
	}
	return b
}

// decPow10 returns 10^n for 0 ≤ n ≤ 19.
func decPow10(n int) uint64 {
	switch n {
	case 0:
		return 1
	case 1:
		return 10
	case 2:
		return 100
	case 3:
		return 1e3
	case 4:
		return 1e4
	case 5:
		return 1e5
	case 6:
		return 1e6
	case 7:
		return 1e7
	case 8:
		return 1e8
	case 9:
		return 1e9
	case 10:
		return 1e10
	case 11:
		return 1e11
	case 12:
		return 1e12
	case 13:
		return 1e13
	case 14:
		return 1e14
	case 15:
		return 1e15
	case 16:
		return 1e16
	case 17:
		return 1e17
	case 18:
		return 1e18
	}
	return 1e19
}

func decBigPow10(n int64) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(n), nil)
}
