package arm

import (
	"net/url"
	"strings"
)

// ResolveLink turns a link the service handed out (a nextLink, a Location header) into the
// absolute URL to request:
//
//   - a link relative to the host ("/providers/Microsoft.Billing/...?api-version=...&skiptoken=...",
//     as the 2024-04-01 departments, enrollment accounts and billing subscriptions lists send it)
//     is resolved against the Resource Manager endpoint;
//   - bytes that may not appear in a URL (raw spaces and double quotes in an invoices or
//     Consumption nextLink's query, non-ASCII, control characters, a '%' not followed by two hex
//     digits) are percent-encoded, and nothing else is touched: escapes already present,
//     parameter order, "$skiptoken" and every other valid byte stay as sent (see NormalizeLink).
//
// The host is not judged here: the host guard in the pipeline still refuses any URL that is not
// on the Resource Manager endpoint, so a link resolving elsewhere never receives the token. A
// link that is still not a URL gives a *ProtocolError.
func (c *Client) ResolveLink(link string) (string, error) {
	s := NormalizeLink(link)
	if s == "" {
		return "", &ProtocolError{Reason: "the service sent an empty link to follow"}
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", &ProtocolError{Reason: "the service sent a link that is not a URL", Err: err}
	}
	if !u.IsAbs() {
		u = c.endpoint.ResolveReference(u)
	}
	return u.String(), nil
}

// NormalizeLink makes a link the service sent into valid URI text (RFC 3986) with the least
// change: surrounding blanks are trimmed, then in the path and query every byte that a
// URI may not hold is percent-encoded (a space as %20, '"' as %22, '#' as %23 because a link
// to follow has no fragment, a stray '%' as %25, each byte of a non-ASCII character). Valid bytes, escapes already
// present and the order of the query are kept, so a link that is already valid comes back
// unchanged and decoding the result gives the same bytes as decoding the input. The scheme and
// host are left alone for the host guard to judge.
func NormalizeLink(link string) string {
	s := strings.TrimSpace(link)
	start := authorityEnd(s)
	if linkValid(s[start:]) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:start])
	for i := start; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(c)
		case c == '#' || !uriByte(c):
			// '#' would start a fragment that is never sent: a nextLink has none, so a '#' is data.
			const hex = "0123456789ABCDEF"
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// authorityEnd returns where the path of s starts: after "scheme://host" for an absolute or
// scheme-relative link, 0 for a link relative to the host.
func authorityEnd(s string) int {
	rest := 0
	if i := strings.Index(s, "://"); i > 0 && isScheme(s[:i]) {
		rest = i + 3
	} else if strings.HasPrefix(s, "//") {
		rest = 2
	} else {
		return 0
	}
	if j := strings.IndexAny(s[rest:], "/?#"); j >= 0 {
		return rest + j
	}
	return len(s)
}

func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return s != ""
}

// linkValid reports whether the path-and-query p needs no change.
func linkValid(p string) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '%':
			if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
				return false
			}
		case c == '#' || !uriByte(c):
			return false
		}
	}
	return true
}

// uriByte reports whether c may appear literally in a URI's path or query: unreserved,
// sub-delims, ':', '@', '/', '?' (RFC 3986 §3.3, §3.4). A '%' is valid only as the start of an
// escape, which the callers check.
func uriByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '_', '~', // unreserved
		'!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', // sub-delims
		':', '@', '/', '?':
		return true
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
