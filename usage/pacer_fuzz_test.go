package usage

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/azbilling/azbilling/billing"
)

// FuzzThrottleHeader feeds any value to the Cost Management retry-after headers the fan-out
// pacer reads: never a panic, never a negative or absurd wait, and whole or fractional
// seconds read as such.
func FuzzThrottleHeader(f *testing.F) {
	for _, s := range []string{"", "0", "1", "60", "0.125", " 7 ", "-3", "1e300", "NaN", "Inf", "abc", "Fri, 05 Dec 2026 00:00:00 GMT"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{}
		h.Set(hdrEntityRetryAfter, v)
		d := headerSeconds(h, hdrEntityRetryAfter)
		if d < 0 || d > 1e6*time.Second {
			t.Fatalf("%q: wait %s", v, d)
		}
		if n, err := strconv.Atoi(v); err == nil && n > 0 && n <= 1e6 && d != time.Duration(n)*time.Second {
			t.Fatalf("%q: wait %s, want %d s", v, d, n)
		}
		p := newPacer(PublishedLimits())
		resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: h}
		sc, err := billing.SubscriptionScope("44444444-4444-4444-4444-444444444444")
		if err != nil {
			t.Fatal(err)
		}
		p.observer(sc)(resp) // must not panic
	})
}
