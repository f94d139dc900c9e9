package billingtest

import (
	"testing"
	"time"
)

func FuzzParseUsageFilter(f *testing.F) {
	f.Add("properties/usageStart ge '2026-10-01' and properties/usageEnd le '2026-10-31'")
	f.Add("properties/usageEnd lt '2026-10-31T00:00:00Z' and properties/usageStart gt '2026-10-01'")
	f.Add("tags eq 'env:prod'")
	f.Fuzz(func(t *testing.T, s string) {
		start, end, ok := parseUsageFilter(s)
		if !ok {
			return
		}
		for _, d := range []time.Time{start, end} {
			if !d.IsZero() && d.Year() < 1 {
				t.Fatalf("%q: date %v", s, d)
			}
		}
	})
}

func TestParseUsageFilter(t *testing.T) {
	start, end, ok := parseUsageFilter("properties/usageStart ge '2026-10-01' and properties/usageEnd le '2026-10-31T23:59:59Z'")
	if !ok || !start.Equal(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)) || !end.Equal(time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("got %v %v %v", start, end, ok)
	}
	for _, bad := range []string{"", "properties/usageStart ne '2026-10-01'", "properties/usageStart ge 2026-10-01", "x and y"} {
		if _, _, ok := parseUsageFilter(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}
