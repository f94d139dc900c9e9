package billing

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/azbilling/azbilling/internal/wire"
)

// ErrInvalidDate is wrapped by every error that reports text which is not a date.
var ErrInvalidDate = errors.New("invalid date")

// Date is a calendar date without a time of day or a time zone, such as a usage date or
// the first day of a billing period. The zero value means "no date" (see IsZero).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date y-m-d. Out-of-range values are normalized the way time.Date
// does it, so NewDate(2026, time.February, 29) is 2026-03-01.
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// DateOf returns the date of t in t's own location: a timestamp of 2026-01-31T23:00:00-05:00
// is 2026-01-31, not the UTC date. Convert t first when another zone is meant.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses the wire form YYYY-MM-DD strictly: four-digit year, two-digit month and
// day, and a day that exists in that month (2026-02-30 is rejected). Errors wrap
// ErrInvalidDate. The many date forms found in usage CSV files are the usage reader's job.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, dateError(s, "want YYYY-MM-DD")
	}
	y, ok1 := dateDigits(s[0:4])
	m, ok2 := dateDigits(s[5:7])
	d, ok3 := dateDigits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, dateError(s, "want YYYY-MM-DD")
	}
	if m < 1 || m > 12 {
		return Date{}, dateError(s, "month out of range")
	}
	if d < 1 || d > dateDaysIn(time.Month(m), y) {
		return Date{}, dateError(s, "day out of range")
	}
	return Date{Year: y, Month: time.Month(m), Day: d}, nil
}

func dateDigits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func dateDaysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func dateError(s, reason string) error {
	const limit = 40 // keep messages about huge fields readable
	if len(s) > limit {
		s = s[:limit] + "…"
	}
	return fmt.Errorf("%w %q: %s", ErrInvalidDate, s, reason)
}

// IsZero reports whether d is the zero Date, meaning no date.
func (d Date) IsZero() bool { return d == Date{} }

// IsValid reports whether d names a day that exists, such as 2024-02-29 but not 2026-02-29.
func (d Date) IsValid() bool {
	return d.Month >= time.January && d.Month <= time.December && d.Day >= 1 && d.Day <= dateDaysIn(d.Month, d.Year)
}

// String returns d as YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	var buf [16]byte
	return string(d.appendTo(buf[:0]))
}

func (d Date) appendTo(b []byte) []byte {
	y := d.Year
	if y < 0 {
		b = append(b, '-')
		y = -y
	}
	b = dateAppendPadded(b, y, 4)
	b = append(b, '-')
	b = dateAppendPadded(b, int(d.Month), 2)
	b = append(b, '-')
	return dateAppendPadded(b, d.Day, 2)
}

func dateAppendPadded(b []byte, v, width int) []byte {
	if v < 0 { // only for invalid fields; keep the output readable
		return fmt.Appendf(b, "%d", v)
	}
	var tmp [20]byte
	i := len(tmp)
	for v >= 10 {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	i--
	tmp[i] = byte('0' + v)
	for range width - (len(tmp) - i) {
		b = append(b, '0')
	}
	return append(b, tmp[i:]...)
}

// Time returns midnight UTC at the start of d, or the zero time.Time for the zero Date.
func (d Date) Time() time.Time {
	if d.IsZero() {
		return time.Time{}
	}
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// In returns midnight at the start of d in loc, for example to query a day in local time.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays returns d moved by n days (n may be negative).
func (d Date) AddDays(n int) Date { return NewDate(d.Year, d.Month, d.Day+n) }

// AddMonths returns d moved by n months, keeping the day but clamping it to the last day of
// the target month: 2026-01-31 plus one month is 2026-02-28, not March 3 as time.AddDate
// would give, because billing periods end on the last day of a month.
func (d Date) AddMonths(n int) Date {
	first := NewDate(d.Year, d.Month+time.Month(n), 1)
	first.Day = min(max(d.Day, 1), dateDaysIn(first.Month, first.Year))
	return first
}

// DaysUntil returns the number of days from d to o, negative when o is before d.
func (d Date) DaysUntil(o Date) int {
	// Unix seconds rather than Sub: a time.Duration overflows beyond 292 years.
	return int((o.In(time.UTC).Unix() - d.In(time.UTC).Unix()) / 86400)
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.In(time.UTC).Weekday() }

// Compare returns -1 if d is before o, 0 if they are the same date, +1 if d is after o.
func (d Date) Compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return dateCmpInt(d.Year, o.Year)
	case d.Month != o.Month:
		return dateCmpInt(int(d.Month), int(o.Month))
	}
	return dateCmpInt(d.Day, o.Day)
}

func dateCmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// Equal reports whether d and o are the same date.
func (d Date) Equal(o Date) bool { return d == o }

// AppendText implements encoding.TextAppender; see MarshalText.
func (d Date) AppendText(b []byte) ([]byte, error) {
	if d.IsZero() {
		return b, nil
	}
	if !d.IsValid() || d.Year < 0 || d.Year > 9999 {
		return b, fmt.Errorf("%w: cannot encode %04d-%02d-%02d as YYYY-MM-DD", ErrInvalidDate, d.Year, int(d.Month), d.Day)
	}
	return d.appendTo(b), nil
}

// MarshalText implements encoding.TextMarshaler: YYYY-MM-DD, or empty for the zero Date.
// A date that is not valid or whose year has more than four digits is an error, because it
// could not be parsed back.
func (d Date) MarshalText() ([]byte, error) { return d.AppendText(nil) }

// UnmarshalText implements encoding.TextUnmarshaler with ParseDate; empty text gives the
// zero Date, the counterpart of MarshalText.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON writes "YYYY-MM-DD", or null for the zero Date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	b, err := d.AppendText([]byte{'"'})
	if err != nil {
		return nil, err
	}
	return append(b, '"'), nil
}

// UnmarshalJSON accepts every date and timestamp form ParseTime reads ("2023-01-16",
// "2023-01-16T17:32:28Z", "2020-05-31T23:59:59.9999999", "6/1/2020 12:00:00 AM +00:00", ...)
// and takes the date as written. "", blanks and .NET's DateTime.MinValue
// ("0001-01-01T00:00:00.0000000Z", Azure's "none") give the zero Date; null leaves d unchanged.
// Other text is an error wrapping ErrInvalidDate. (The SDK's own decoders of service answers
// never fail on a date: they leave it zero and keep its text in an UnreadDates field.)
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%w: want a JSON string, got %s", ErrInvalidDate, dateTruncJSON(b))
	}
	t, err := ParseTime(s)
	if err != nil {
		return err
	}
	*d = Date{}
	if !t.IsZero() { // "none"
		*d = DateOf(t)
	}
	return nil
}

// ParseTime reads a date or timestamp in any of the forms Azure's billing, Consumption and Cost
// Management answers use, as recorded from the live services:
//
//   - RFC 3339 with or without a zone and with up to 7 (or 9) fractional digits:
//     "2020-05-31T23:59:59.9999999", "2020-05-01T00:00:00", "2023-01-16T00:00:00.0000000Z",
//     "2024-04-01T00:00:00+00:00" (also with 't', 'z', a blank for 'T', no seconds);
//   - a plain date, "2020-05-01";
//   - .NET's invariant text, "M/D/YYYY h:mm:ss AM/PM ±hh:mm", as EA enrollment dates come
//     ("6/1/2020 12:00:00 AM +00:00"), also with a 24-hour clock, no zone, or no time.
//
// Text without a zone is UTC; a zone keeps its offset, so DateOf gives the date as written.
// Blanks around the text are ignored. "" and any timestamp on 0001-01-01 (.NET's
// DateTime.MinValue, which the services send for "none") give the zero time.Time. Other text,
// including a day that does not exist, is an error wrapping ErrInvalidDate.
func ParseTime(s string) (time.Time, error) {
	t, ok := wire.ParseTime(s)
	if !ok {
		return time.Time{}, dateError(s, "not a date or timestamp form Azure uses")
	}
	return t, nil
}

func dateTruncJSON(b []byte) string {
	const limit = 40
	if len(b) > limit {
		return string(b[:limit]) + "…"
	}
	return string(b)
}
