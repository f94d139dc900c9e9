package usage

import (
	"time"

	"github.com/azbilling/azbilling/billing"
)

// The value parsers below work on the reader's buffer and never allocate on
// success: they run for several columns of every row.

// ParseDate parses a date as usage files write it, deciding the format from
// the value itself:
//
//	09/21/2023, 9/2/2023, 3/1/21          month first (US), 2-digit years are 20xx
//	21.09.2023, 21-9-2023                 day first (Excel saving with a German or Dutch locale)
//	2023-09-21, 2023-09-21 00:00:00       ISO date, optional time
//	2024-01-01T00:00Z, 2024-01-01T00:00:00Z, 2019-04-09T00:00:00.0000000Z, RFC 3339
//
// A time of day is ignored except that a zone offset moves the instant to UTC
// first, so "2024-01-01T00:00:00+02:00" is 2023-12-31. An empty (or blank)
// value is the zero Date and no error. Errors wrap ErrBadDate.
func ParseDate(s string) (billing.Date, error) {
	d, _, err := parseDate([]byte(s))
	if err != nil {
		return billing.Date{}, &ParseError{Text: truncateText([]byte(s)), Err: err}
	}
	return d, nil
}

// parseDate also reports whether the value fell on midnight (UTC), which
// FOCUS's exclusive period ends need.
func parseDate(b []byte) (billing.Date, bool, error) {
	b = trimSpace(b)
	if len(b) == 0 {
		return billing.Date{}, true, nil
	}
	var y, m, d, i int
	var ok bool
	if len(b) >= 10 && b[4] == '-' && b[7] == '-' {
		y, ok1 := fixedDigits(b[0:4])
		m, ok2 := fixedDigits(b[5:7])
		d, ok3 := fixedDigits(b[8:10])
		if !ok1 || !ok2 || !ok3 {
			return billing.Date{}, false, ErrBadDate
		}
		return finishDate(b, 10, y, m, d, true)
	}
	// Month first: M/D/YYYY or M/D/YY, as EA and MCA files and Excel write
	// it. Day first with dots or dashes, D.M.YYYY or D-M-YYYY, as Excel
	// writes dates when it saves with a German or Dutch locale.
	if m, i, ok = varDigits(b, 0, 2); !ok || i >= len(b) || (b[i] != '/' && b[i] != '.' && b[i] != '-') {
		return billing.Date{}, false, ErrBadDate
	}
	sep := b[i]
	if d, i, ok = varDigits(b, i+1, 2); !ok || i >= len(b) || b[i] != sep {
		return billing.Date{}, false, ErrBadDate
	}
	if sep != '/' {
		m, d = d, m
	}
	start := i + 1
	if y, i, ok = varDigits(b, start, 4); !ok {
		return billing.Date{}, false, ErrBadDate
	}
	switch i - start {
	case 2:
		y += 2000 // Azure usage data starts in 2014; Excel wrote 3/1/21 for 2021
	case 4:
	default:
		return billing.Date{}, false, ErrBadDate
	}
	return finishDate(b, i, y, m, d, false)
}

// finishDate validates the calendar date and parses what follows it: nothing,
// or a space or 'T' and a time of day, with an optional zone for ISO dates.
func finishDate(b []byte, i, y, m, d int, iso bool) (billing.Date, bool, error) {
	if m < 1 || m > 12 || d < 1 || d > daysIn(time.Month(m), y) || y < 1 {
		return billing.Date{}, false, ErrBadDate
	}
	date := billing.Date{Year: y, Month: time.Month(m), Day: d}
	if i == len(b) {
		return date, true, nil
	}
	if b[i] != ' ' && !(iso && (b[i] == 'T' || b[i] == 't')) {
		return billing.Date{}, false, ErrBadDate
	}
	i++
	hh, i, ok := varDigits(b, i, 2)
	if !ok || i >= len(b) || b[i] != ':' {
		return billing.Date{}, false, ErrBadDate
	}
	mm, j, ok := varDigits(b, i+1, 2)
	if !ok || j-i-1 != 2 {
		return billing.Date{}, false, ErrBadDate
	}
	i = j
	ss, frac := 0, false
	if i < len(b) && b[i] == ':' {
		if ss, j, ok = varDigits(b, i+1, 2); !ok || j-i-1 != 2 {
			return billing.Date{}, false, ErrBadDate
		}
		i = j
		if i < len(b) && b[i] == '.' {
			j = i + 1
			for j < len(b) && b[j] >= '0' && b[j] <= '9' {
				frac = frac || b[j] != '0'
				j++
			}
			if j == i+1 {
				return billing.Date{}, false, ErrBadDate
			}
			i = j
		}
	}
	if hh > 24 || mm > 59 || ss > 60 || (hh == 24 && (mm != 0 || ss != 0 || frac)) {
		return billing.Date{}, false, ErrBadDate
	}
	minutes := hh*60 + mm
	rest := b[i:]
	if !iso {
		// Excel's US date-time: "9/2/2023 0:00" or "9/2/2023 12:00:00 AM".
		if len(rest) == 3 && rest[0] == ' ' && (rest[2] == 'M' || rest[2] == 'm') {
			switch rest[1] {
			case 'A', 'a':
				if hh == 12 {
					minutes -= 12 * 60
				}
			case 'P', 'p':
				if hh != 12 {
					minutes += 12 * 60
				}
			default:
				return billing.Date{}, false, ErrBadDate
			}
			if hh == 0 || hh > 12 {
				return billing.Date{}, false, ErrBadDate
			}
		} else if len(rest) != 0 {
			return billing.Date{}, false, ErrBadDate
		}
	} else if len(rest) > 0 {
		switch rest[0] {
		case 'Z', 'z':
			if len(rest) != 1 {
				return billing.Date{}, false, ErrBadDate
			}
		case '+', '-':
			oh, k, ok := varDigits(rest, 1, 2)
			if !ok || k != 3 {
				return billing.Date{}, false, ErrBadDate
			}
			if k < len(rest) && rest[k] == ':' {
				k++
			}
			om, k2, ok := varDigits(rest, k, 2)
			if !ok || k2 != k+2 || k2 != len(rest) || oh > 23 || om > 59 {
				return billing.Date{}, false, ErrBadDate
			}
			off := oh*60 + om
			if rest[0] == '-' {
				off = -off
			}
			minutes -= off
		default:
			return billing.Date{}, false, ErrBadDate
		}
	}
	switch {
	case minutes < 0:
		date, minutes = prevDay(date), minutes+24*60
	case minutes >= 24*60:
		date, minutes = nextDay(date), minutes-24*60
	}
	return date, minutes == 0 && ss == 0 && !frac, nil
}

func daysIn(m time.Month, y int) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

func prevDay(d billing.Date) billing.Date {
	if d.Day > 1 {
		d.Day--
		return d
	}
	if d.Month == time.January {
		return billing.Date{Year: d.Year - 1, Month: time.December, Day: 31}
	}
	d.Month--
	d.Day = daysIn(d.Month, d.Year)
	return d
}

func nextDay(d billing.Date) billing.Date {
	if d.Day < daysIn(d.Month, d.Year) {
		d.Day++
		return d
	}
	if d.Month == time.December {
		return billing.Date{Year: d.Year + 1, Month: time.January, Day: 1}
	}
	d.Month++
	d.Day = 1
	return d
}

// fixedDigits parses b, which must be all ASCII digits.
func fixedDigits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(b) > 0
}

// varDigits parses 1 to max digits starting at b[i] and returns the value
// and the index after them.
func varDigits(b []byte, i, max int) (int, int, bool) {
	n, j := 0, i
	for j < len(b) && j-i < max && b[j] >= '0' && b[j] <= '9' {
		n = n*10 + int(b[j]-'0')
		j++
	}
	return n, j, j > i
}

// ParseNumber parses a quantity, price or cost as usage files write it:
// "0.000000144000000000000000", "5.64902E-05", "-1.5", "3". Surrounding blanks
// are ignored and an empty value is zero. Errors wrap ErrBadDecimal and
// billing.ErrInvalidDecimal.
func ParseNumber(s string) (billing.Decimal, error) {
	d, err := parseNumber([]byte(s))
	if err != nil {
		return billing.Decimal{}, &ParseError{Text: truncateText([]byte(s)), Err: err}
	}
	return d, nil
}

func parseNumber(b []byte) (billing.Decimal, error) {
	if len(b) == 0 {
		return billing.Decimal{}, nil
	}
	if c, d := b[0], b[len(b)-1]; c == ' ' || c == '\t' || d == ' ' || d == '\t' {
		if b = trimSpace(b); len(b) == 0 {
			return billing.Decimal{}, nil
		}
	}
	d, err := billing.ParseDecimalBytes(b)
	if err != nil {
		return billing.Decimal{}, withCause(ErrBadDecimal, err)
	}
	return d, nil
}

// ParseBool parses a boolean column: "True", "FALSE", "true" (any case), or
// empty for false. Errors wrap ErrBadBool.
func ParseBool(s string) (bool, error) {
	v, err := parseBool([]byte(s))
	if err != nil {
		return false, &ParseError{Text: truncateText([]byte(s)), Err: err}
	}
	return v, nil
}

func parseBool(b []byte) (bool, error) {
	b = trimSpace(b)
	switch {
	case len(b) == 0, equalFoldASCII(b, "false"):
		return false, nil
	case equalFoldASCII(b, "true"):
		return true, nil
	}
	return false, ErrBadBool
}

func equalFoldASCII(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}
