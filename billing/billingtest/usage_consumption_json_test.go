package billingtest

import (
	"bytes"
	"encoding/json"
	"testing"
)

// encodeLikeWriteResponse is what writeResponse sends for a body: encoding/json without HTML
// escaping, the trailing newline cut.
func encodeLikeWriteResponse(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// The hand-written page encoder must write exactly what encoding/json writes, for every kind of
// row the emulator generates (usage, reservation purchase, reserved and unused hours, amortized
// or not, with and without $expand) in every subscription that has Consumption usage.
func TestUsageDetailJSONMatchesEncodingJSON(t *testing.T) {
	srv, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	today := day(srv.Now())
	start := firstOfMonth(today).AddDate(0, -3, 0)
	seen := map[rowKind]int{}
	checked := 0
	for _, us := range srv.usage.subs {
		for _, amortized := range []bool{false, true} {
			plan := srv.newUsagePlan([]*usageSub{us}, start, today, amortized)
			pos, _ := plan.locate(0)
			var page []wireUsageDetail
			plan.each(pos, func(_ rowPos, r *usageRow) bool {
				seen[r.kind]++
				for _, expand := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
					d := legacyUsageDetail(r, expand[0], expand[1])
					want := encodeLikeWriteResponse(t, d)
					if got := d.appendJSON(nil); !bytes.Equal(got, want) {
						t.Fatalf("row %d of %s (kind %d, expand %v):\n got %s\nwant %s", r.ordinal, us.s.ID, r.kind, expand, got, want)
					}
					checked++
				}
				if len(page) < 50 {
					page = append(page, legacyUsageDetail(r, true, true))
				}
				return checked < 40000
			})
			if len(page) == 0 {
				continue
			}
			items := make([]any, len(page))
			for i := range page {
				items[i] = page[i]
			}
			for _, next := range []string{"", "https://127.0.0.1/subscriptions/x/providers/Microsoft.Consumption/usageDetails?$skiptoken=b2Zm&api-version=2024-08-01"} {
				want := encodeLikeWriteResponse(t, wireList{Value: items, NextLink: next})
				if got := appendUsagePage(nil, page, next); !bytes.Equal(got, want) {
					t.Fatalf("page of %s (nextLink %q) differs from encoding/json", us.s.ID, next)
				}
			}
		}
	}
	if checked == 0 || seen[rowUsage] == 0 {
		t.Fatalf("no rows checked (%d, kinds %v)", checked, seen)
	}
	t.Logf("%d items compared; row kinds %v", checked, seen)
}

// A tag map with characters that need escaping, keys out of order, and meter details with some
// fields empty.
func TestUsageDetailJSONEscapesAndOmits(t *testing.T) {
	d := wireUsageDetail{ID: "a\"b\\c", Name: "<n>&", Tags: map[string]string{"z": "\x00\x1f\u2028", "a": "\xff\t", "M": ""},
		Properties: wireLegacyUsageDetail{MeterDetails: &wireMeterDetailsResponse{UnitOfMeasure: "1 Hour"}, Cost: "-1.5E-7", IsAzureCreditEligible: false}}
	if got, want := d.appendJSON(nil), encodeLikeWriteResponse(t, d); !bytes.Equal(got, want) {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	d.Properties.MeterDetails = &wireMeterDetailsResponse{}
	if got, want := d.appendJSON(nil), encodeLikeWriteResponse(t, d); !bytes.Equal(got, want) {
		t.Fatalf("empty meterDetails:\ngot  %s\nwant %s", got, want)
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "q\"b\\", "\x00\b\f\n\r\t\x7f", "\xff\xfe", "\u2028\u2029", "é€😀", "<>&", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := appendJSONString(nil, s), encodeLikeWriteResponse(t, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s want %s", s, got, want)
		}
	})
}

// BenchmarkUsagePageJSON compares rendering a page of 1,000 items by hand with encoding/json.
func BenchmarkUsagePageJSON(b *testing.B) {
	srv, err := Start()
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	today := day(srv.Now())
	var page []wireUsageDetail
	for _, us := range srv.usage.subs {
		plan := srv.newUsagePlan([]*usageSub{us}, today.AddDate(0, -1, 0), today, false)
		pos, _ := plan.locate(0)
		plan.each(pos, func(_ rowPos, r *usageRow) bool {
			page = append(page, legacyUsageDetail(r, true, true))
			return len(page) < 1000
		})
		if len(page) == 1000 {
			break
		}
	}
	items := make([]any, len(page))
	for i := range page {
		items[i] = page[i]
	}
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			_ = encodeLikeWriteResponse(b, wireList{Value: items})
		}
	})
	b.Run("by-hand", func(b *testing.B) {
		buf := make([]byte, 0, 4<<20)
		for b.Loop() {
			buf = appendUsagePage(buf[:0], page, "")
		}
	})
}
