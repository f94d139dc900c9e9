package invoice

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzCheckName feeds hostile invoice and document names, which go into URL paths: a name that
// passes can neither leave its path segment nor add a query or fragment.
func FuzzCheckName(f *testing.F) {
	for _, s := range []string{"G123456789", "2017-02-05-123456789", "../x", "a/b", "a?b", "a#b", "a%2Fb", "..", "a..b", "a\x00", "a b", ":x", "x:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if checkName("invoice name", name) != nil {
			return
		}
		if strings.Contains(name, "..") || strings.ContainsAny(name, "/\\?#% \t\r\n\x00") {
			t.Fatalf("accepted %q", name)
		}
		if esc := strings.ReplaceAll(url.PathEscape(name), "%3A", ":"); esc != name {
			t.Fatalf("accepted %q, which needs escaping (%q)", name, esc)
		}
	})
}

// FuzzParseExpiry feeds hostile expiryTime values: never a panic, always UTC or zero.
func FuzzParseExpiry(f *testing.F) {
	for _, s := range []string{"2026-11-25T13:00:00Z", "2026-11-25T13:00:00", "2026-11-25 13:00:00+01:00", "", "soon", "9999-99-99T99:99:99Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if e := parseExpiry(s); !e.IsZero() && e.Location() != e.UTC().Location() {
			t.Fatalf("parseExpiry(%q) = %v, not UTC", s, e)
		}
	})
}
