package arm

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"
)

// FuzzRetryAfter feeds hostile throttle headers: the delay is never negative and never more than
// the one-million-second cap on numeric values (an HTTP date far ahead is capped by the retry
// policy's MaxRetryDelay, which does not retry past it).
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "1", "-5", "1e308", "NaN", "+Inf", "0x10", "Wed, 21 Oct 2015 07:28:00 GMT", "999999", "1.5", " 3 "} {
		f.Add("Retry-After", s)
		f.Add("x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after", s)
	}
	f.Add("retry-after-ms", "9223372036854775807")
	f.Fuzz(func(t *testing.T, name, value string) {
		h := http.Header{}
		h.Set(name, value)
		d := RetryAfter(h)
		if d < 0 {
			t.Fatalf("RetryAfter(%s: %q) = %s", name, value, d)
		}
		if isRetryAfterHeader(name) {
			if _, err := http.ParseTime(value); err != nil && d > time.Duration(1e6*float64(time.Second)) {
				t.Fatalf("RetryAfter(%s: %q) = %s", name, value, d)
			}
		}
	})
}

// FuzzDecodeJSON feeds hostile bodies to the JSON decoder every list and operation uses: it
// never panics and reports anything that is not the expected JSON as a *ProtocolError.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"value":[],"nextLink":""}`, `<!DOCTYPE html>`, ``, `{"value":{}}`, "{\"value\":[\"\x00\"]}", `[[[[[[[[`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		resp := &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(b))}
		var p Page[map[string]any]
		err := DecodeJSON(resp, &p)
		if err != nil {
			if _, ok := err.(*ProtocolError); !ok {
				t.Fatalf("DecodeJSON: %T %v", err, err)
			}
		}
	})
}
