package blob

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzParseContentRange feeds hostile Content-Range headers: the parser never panics and never
// accepts a negative start or total, so a host cannot move a resumed download backwards.
func FuzzParseContentRange(f *testing.F) {
	for _, s := range []string{"bytes 100-199/1000", "bytes 0-0/*", "bytes -1-5/10", "bytes 5-4/3", "items 1-2/3", "bytes 9223372036854775807-1/9223372036854775807", "", "bytes /", "bytes 1-/-2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start, total, ok := parseContentRange(s)
		if ok && (start < 0 || total < -1) {
			t.Fatalf("parseContentRange(%q) = %d, %d, true", s, start, total)
		}
	})
}

// FuzzCheckURL feeds hostile download URLs: only https URLs with a host pass, never the ARM
// host, and loopback only with the opt-in; errors never carry the query string.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"https://a.blob.core.windows.net/c/b?sig=x", "http://a/b?sig=x", "https://127.0.0.1:1/b?sig=x", "https://[::1]/x", "https://LOCALHOST/x",
		"https://management.azure.com/x?sig=x", "file:///etc/passwd", "//host/x", "https:///x?sig=x", "https://a\x00b/x", "javascript:alert(1)"} {
		f.Add(s)
	}
	strict := &Client{armHost: "management.azure.com"}
	loose := &Client{armHost: "management.azure.com", allowLoopback: true}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, c := range []*Client{strict, loose} {
			err := c.check(raw)
			if err == nil {
				if !strings.HasPrefix(strings.ToLower(raw), "https://") {
					t.Fatalf("accepted a URL that is not https: %q", raw)
				}
				continue
			}
			if q := strings.IndexAny(raw, "?"); q >= 0 && len(raw) > q+8 && strings.Contains(err.Error(), raw[q:]) {
				t.Fatalf("the error keeps the query string: %v", err)
			}
		}
		if strict.check(raw) == nil && isLoopback(hostOf(raw)) {
			t.Fatalf("accepted a loopback URL without the opt-in: %q", raw)
		}
	})
}

func hostOf(raw string) string {
	req, err := http.NewRequest(http.MethodGet, raw, nil)
	if err != nil {
		return ""
	}
	return req.URL.Hostname()
}

func FuzzSASExpiry(f *testing.F) {
	for _, s := range []string{"https://h/c/b.pdf?sv=2021-08-06&se=2026-01-01T12%3A30%3A00Z&sig=x", "https://h/?se=6/1/2020", "?se=", "https://h/?se=%zz", "no query"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := SASExpiry(s)
		if !e.IsZero() && e.Location() != time.UTC {
			t.Fatalf("SASExpiry(%q) = %v, not UTC", s, e)
		}
		if !strings.Contains(s, "?") && !e.IsZero() {
			t.Fatalf("SASExpiry(%q) = %v without a query", s, e)
		}
	})
}
