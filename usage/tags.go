package usage

import (
	"encoding/json"
	"fmt"
	"iter"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Tags is the raw text of a usage row's Tags column. EA files write it without
// the outer braces ("CostCenter": "1234","env": "prod"), MCA and pay-as-you-go
// files as a JSON object ({"project":"p1"}); both parse. Values that are not
// strings (numbers, true, nested objects) are kept as their JSON text, and
// null reads as "".
//
// The text is parsed on each call and nothing is allocated unless a key or
// value contains a JSON escape, so reading one tag per row stays cheap.
type Tags string

// Pair is one key and value of Tags or AdditionalInfo.
type Pair struct {
	// Key is the tag name or AdditionalInfo property, as written (tag names keep their case).
	Key string
	// Value is the value as text: a JSON string unquoted, null as "", any other JSON value (number,
	// object, ...) as written.
	Value string
}

// Get returns the value of the tag named key. Azure tag names are
// case-insensitive, so an exact match is preferred but any case matches
// (among duplicates the last wins, as in Map). It reports false if there is
// no such tag or the text does not parse.
func (t Tags) Get(key string) (string, bool) {
	return lookup(string(t), key, ErrBadTags)
}

// All yields the tags in file order. On malformed text it yields one error
// wrapping ErrBadTags, with a zero Pair, and stops.
func (t Tags) All() iter.Seq2[Pair, error] {
	return pairs(string(t), ErrBadTags)
}

// Map returns the tags as a map (a later duplicate key wins). Empty text
// gives an empty map. Errors wrap ErrBadTags.
func (t Tags) Map() (map[string]string, error) {
	m := map[string]string{}
	for p, err := range t.All() {
		if err != nil {
			return nil, err
		}
		m[p.Key] = p.Value
	}
	return m, nil
}

// JSON returns the tags as a JSON object, adding the outer braces EA files
// leave out. It does not check the text; see Map for that.
func (t Tags) JSON() string {
	s := strings.TrimSpace(string(t))
	if s == "" {
		return "{}"
	}
	if s[0] == '{' {
		return s
	}
	return "{" + s + "}"
}

// AdditionalInfo is the raw JSON text of a usage row's AdditionalInfo column
// (FOCUS: x_SkuDetails), e.g. {"UsageType": "DataTrOut", "VCPUs": "0", "ImageType": null}.
// Value types are mixed in real files, so Get returns strings unquoted,
// null as "", and everything else (numbers, true, objects) as JSON text.
type AdditionalInfo string

// Get returns the value of key, preferring an exact match but accepting any
// case (files write both VMName and VmName). It reports false if the key is
// absent or the text does not parse.
func (a AdditionalInfo) Get(key string) (string, bool) {
	return lookup(string(a), key, ErrBadAdditionalInfo)
}

// All yields the top-level keys and values in file order. On malformed text
// it yields one error wrapping ErrBadAdditionalInfo and stops.
func (a AdditionalInfo) All() iter.Seq2[Pair, error] {
	return pairs(string(a), ErrBadAdditionalInfo)
}

// Map decodes the text with encoding/json, numbers as json.Number so no
// precision is lost. Empty text gives an empty map. Errors wrap ErrBadAdditionalInfo.
func (a AdditionalInfo) Map() (map[string]any, error) {
	m := map[string]any{}
	s := strings.TrimSpace(string(a))
	if s == "" {
		return m, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, withCause(ErrBadAdditionalInfo, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: text after the object", ErrBadAdditionalInfo)
	}
	return m, nil
}

func lookup(s, key string, sentinel error) (string, bool) {
	sc := newObjScanner(s, sentinel)
	exact, exactOK := "", false
	fold, foldOK := "", false
	for {
		k, v, ok := sc.next()
		if !ok {
			break
		}
		// Keep scanning after a match: malformed text must not answer, and
		// a later duplicate wins, as in Map and encoding/json.
		switch {
		case k == key:
			exact, exactOK = v, true
		case strings.EqualFold(k, key):
			fold, foldOK = v, true
		}
	}
	switch {
	case sc.err != nil:
		return "", false
	case exactOK:
		return exact, true
	}
	return fold, foldOK
}

func pairs(s string, sentinel error) iter.Seq2[Pair, error] {
	return func(yield func(Pair, error) bool) {
		sc := newObjScanner(s, sentinel)
		for {
			k, v, ok := sc.next()
			if !ok {
				break
			}
			if !yield(Pair{Key: k, Value: v}, nil) {
				return
			}
		}
		if sc.err != nil {
			yield(Pair{}, sc.err)
		}
	}
}

// objScanner walks the members of one JSON object, with or without its outer
// braces. It is lenient only where real files need it (missing braces, mixed
// value types); anything else is an error, reported once.
type objScanner struct {
	s        string
	i        int
	err      error
	sentinel error
	started  bool
}

func newObjScanner(s string, sentinel error) objScanner {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") {
		if !strings.HasSuffix(s, "}") || len(s) < 2 {
			return objScanner{err: fmt.Errorf("%w: no closing brace", sentinel), sentinel: sentinel}
		}
		s = s[1 : len(s)-1]
	}
	return objScanner{s: s, sentinel: sentinel}
}

func (sc *objScanner) fail(what string) {
	sc.err = fmt.Errorf("%w: %s at byte %d", sc.sentinel, what, sc.i)
}

func (sc *objScanner) skipSpace() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

// next returns the next member; ok is false at the end or on error (sc.err).
func (sc *objScanner) next() (key, value string, ok bool) {
	if sc.err != nil {
		return "", "", false
	}
	sc.skipSpace()
	if sc.started {
		if sc.i == len(sc.s) {
			return "", "", false
		}
		if sc.s[sc.i] != ',' {
			sc.fail("expected ','")
			return "", "", false
		}
		sc.i++
		sc.skipSpace()
	} else if sc.i == len(sc.s) {
		return "", "", false
	}
	sc.started = true
	if sc.i == len(sc.s) || sc.s[sc.i] != '"' {
		sc.fail("expected a quoted key")
		return "", "", false
	}
	if key, ok = sc.str(); !ok {
		return "", "", false
	}
	sc.skipSpace()
	if sc.i == len(sc.s) || sc.s[sc.i] != ':' {
		sc.fail("expected ':'")
		return "", "", false
	}
	sc.i++
	sc.skipSpace()
	if sc.i == len(sc.s) {
		sc.fail("missing value")
		return "", "", false
	}
	switch c := sc.s[sc.i]; c {
	case '"':
		value, ok = sc.str()
	case '{', '[':
		value, ok = sc.nested()
	default:
		start := sc.i
		for sc.i < len(sc.s) {
			c := sc.s[sc.i]
			if c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' || c == '{' || c == '}' || c == '[' || c == ']' || c == ':' {
				break
			}
			sc.i++
		}
		value, ok = sc.s[start:sc.i], sc.i > start
		if !ok {
			sc.fail("bad value")
		}
		if value == "null" {
			value = "" // null reads as empty: present, but no value
		}
	}
	return key, value, ok
}

// str reads a JSON string at sc.i and returns it unescaped; it allocates
// only if the string holds an escape.
func (sc *objScanner) str() (string, bool) {
	start := sc.i + 1
	escaped := false
	for j := start; j < len(sc.s); j++ {
		switch sc.s[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			sc.i = j + 1
			if !escaped {
				return sc.s[start:j], true
			}
			v, ok := unescape(sc.s[start:j])
			if !ok {
				sc.i = start
				sc.fail("bad escape")
			}
			return v, ok
		}
	}
	sc.fail("unterminated string")
	return "", false
}

// nested skips a nested object or array and returns its text.
func (sc *objScanner) nested() (string, bool) {
	start, depth := sc.i, 0
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case '"':
			if _, ok := sc.str(); !ok {
				return "", false
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				sc.i++
				return sc.s[start:sc.i], true
			}
		}
		sc.i++
	}
	sc.fail("unterminated object or array")
	return "", false
}

func unescape(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(s) {
			return "", false
		}
		switch s[i] {
		case '"', '\\', '/':
			b.WriteByte(s[i])
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := hex4(s, i+1)
			if !ok {
				return "", false
			}
			i += 4
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(s, i+3); ok && i+2 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						b.WriteRune(d)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	return b.String(), true
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
