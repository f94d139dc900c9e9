// Package wire holds the decoders every package of the SDK uses for values of service answers
// that Azure writes in more than one way: dates and timestamps, padded text. It is internal: the
// public packages expose the results (billing.ParseTime, the UnreadDates fields).
package wire

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// ParseTime reads a date or timestamp in any form the billing, Consumption and Cost Management
// services write (each seen in recorded live answers):
//
//   - RFC 3339 / ISO 8601 with or without a zone and with fractional seconds (Azure sends up to 7
//     digits; nanoseconds are kept, further digits dropped):
//     "2020-05-31T23:59:59.9999999", "2020-05-01T00:00:00", "2023-01-16T00:00:00.0000000Z",
//     "2024-04-01T00:00:00+00:00"; 't', 'z' and a blank instead of 'T' are accepted, so is a
//     missing seconds field, and a zone written ±hh:mm, ±hhmm or ±hh;
//   - a plain date "2020-05-01";
//   - .NET's invariant text form "M/D/YYYY h:mm:ss AM ±hh:mm" ("6/1/2020 12:00:00 AM +00:00"),
//     also with a 24-hour clock, without the zone, or as a date only ("6/1/2020").
//
// Text without a zone is UTC. "Z" and a zero offset give time.UTC, other offsets a fixed zone, so
// that the date as written is the date of the result. Blanks around the text are ignored. The
// empty text and any timestamp on 0001-01-01 (.NET's DateTime.MinValue, which the services send
// for "none") give the zero time.Time with ok true. Anything else, including a day that does not
// exist, gives ok false.
func ParseTime(s string) (t time.Time, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	var p parser
	p.s = s
	var y, mo, d int
	if i := strings.IndexByte(s, '/'); i >= 0 && i <= 2 {
		// M/D/YYYY
		mo, ok = p.digits(1, 2)
		ok = ok && p.byte('/')
		d, ok = p.andDigits(ok, 1, 2)
		ok = ok && p.byte('/')
		y, ok = p.andDigits(ok, 4, 4)
		if !ok {
			return time.Time{}, false
		}
		return p.dotnetRest(y, mo, d)
	}
	y, ok = p.digits(4, 4)
	ok = ok && p.byte('-')
	mo, ok = p.andDigits(ok, 2, 2)
	ok = ok && p.byte('-')
	d, ok = p.andDigits(ok, 2, 2)
	if !ok {
		return time.Time{}, false
	}
	return p.isoRest(y, mo, d)
}

type parser struct {
	s string
	i int
}

func (p *parser) done() bool { return p.i >= len(p.s) }

func (p *parser) peek() byte {
	if p.done() {
		return 0
	}
	return p.s[p.i]
}

func (p *parser) byte(c byte) bool {
	if p.peek() == c && !p.done() {
		p.i++
		return true
	}
	return false
}

// digits reads between lo and hi decimal digits.
func (p *parser) digits(lo, hi int) (int, bool) {
	n, k := 0, 0
	for k < hi && !p.done() && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
		n = n*10 + int(p.s[p.i]-'0')
		p.i++
		k++
	}
	return n, k >= lo
}

func (p *parser) andDigits(ok bool, lo, hi int) (int, bool) {
	if !ok {
		return 0, false
	}
	return p.digits(lo, hi)
}

// fraction reads the digits after a decimal point as nanoseconds; digits beyond the ninth are
// read and dropped, as time.Parse does.
func (p *parser) fraction() (int, bool) {
	start := p.i
	n, ok := p.digits(1, 9)
	if !ok {
		return 0, false
	}
	for k := p.i - start; k < 9; k++ {
		n *= 10
	}
	for !p.done() && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
		p.i++
	}
	return n, true
}

// clock reads h:mm[:ss[.fffffff]]; it reports whether the hour had one or two digits.
func (p *parser) clock() (h, mi, sec, ns int, ok bool) {
	h, ok = p.digits(1, 2)
	ok = ok && p.byte(':')
	mi, ok = p.andDigits(ok, 2, 2)
	if ok && p.byte(':') {
		sec, ok = p.digits(2, 2)
		if ok && (p.byte('.') || p.byte(',')) {
			ns, ok = p.fraction()
		}
	}
	return h, mi, sec, ns, ok
}

// zone reads Z, z, ±hh:mm, ±hhmm or ±hh and returns the location.
func (p *parser) zone() (*time.Location, bool) {
	switch c := p.peek(); {
	case p.done():
		return time.UTC, true
	case c == 'Z' || c == 'z':
		p.i++
		return time.UTC, true
	case c == '+' || c == '-':
		p.i++
		h, ok := p.digits(2, 2)
		m := 0
		if ok && !p.done() {
			p.byte(':')
			m, ok = p.digits(2, 2)
		}
		if !ok || h > 23 || m > 59 {
			return nil, false
		}
		off := h*3600 + m*60
		if off == 0 {
			return time.UTC, true
		}
		if c == '-' {
			off = -off
		}
		return time.FixedZone("", off), true
	}
	return nil, false
}

func (p *parser) isoRest(y, mo, d int) (time.Time, bool) {
	loc := time.UTC
	var h, mi, sec, ns int
	if !p.done() {
		if c := p.peek(); c != 'T' && c != 't' && c != ' ' {
			return time.Time{}, false
		}
		p.i++
		var ok bool
		if h, mi, sec, ns, ok = p.clock(); !ok {
			return time.Time{}, false
		}
		if loc, ok = p.zone(); !ok {
			return time.Time{}, false
		}
	}
	return build(p, y, mo, d, h, mi, sec, ns, loc)
}

func (p *parser) dotnetRest(y, mo, d int) (time.Time, bool) {
	loc := time.UTC
	var h, mi, sec, ns int
	if !p.done() {
		if !p.byte(' ') {
			return time.Time{}, false
		}
		var ok bool
		if h, mi, sec, ns, ok = p.clock(); !ok {
			return time.Time{}, false
		}
		if p.byte(' ') {
			switch strings.ToUpper(p.s[p.i:min(p.i+2, len(p.s))]) {
			case "AM", "PM":
				pm := p.s[p.i] == 'P' || p.s[p.i] == 'p'
				p.i += 2
				if h < 1 || h > 12 {
					return time.Time{}, false
				}
				h %= 12
				if pm {
					h += 12
				}
				if !p.done() && !p.byte(' ') {
					return time.Time{}, false
				}
			}
		}
		if !p.done() {
			c := p.peek()
			if c != '+' && c != '-' && c != 'Z' && c != 'z' {
				return time.Time{}, false
			}
			if loc, ok = p.zone(); !ok {
				return time.Time{}, false
			}
		}
	}
	return build(p, y, mo, d, h, mi, sec, ns, loc)
}

func build(p *parser, y, mo, d, h, mi, sec, ns int, loc *time.Location) (time.Time, bool) {
	if !p.done() || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	if d > time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return time.Time{}, false
	}
	if y == 1 && mo == 1 && d == 1 {
		return time.Time{}, true // DateTime.MinValue: no value
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, ns, loc), true
}

// Time is a date or timestamp field of a service answer. Decoding never fails: a value ParseTime
// cannot read leaves Time zero and keeps its text in Raw (the JSON text itself when it was not a
// string), so that one odd field never costs a whole list.
type Time struct {
	Time time.Time
	Raw  string // set only when the value could not be read
}

// UnmarshalJSON implements json.Unmarshaler; it never returns an error.
func (t *Time) UnmarshalJSON(b []byte) error {
	*t = Time{}
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		t.Raw = string(b)
		return nil
	}
	v, ok := ParseTime(s)
	if !ok {
		t.Raw = s
		return nil
	}
	t.Time = v
	return nil
}

// Unread reports whether the value was present but could not be read.
func (t Time) Unread() bool { return t.Raw != "" }

// Note records t's text under name in *m when t could not be read, allocating the map on first
// use, and returns t.Time.
func Note(m *map[string]string, name string, t Time) time.Time {
	if t.Raw != "" {
		if *m == nil {
			*m = map[string]string{}
		}
		(*m)[name] = t.Raw
	}
	return t.Time
}
