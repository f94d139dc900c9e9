package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/consumption/armconsumption"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/usage"
)

// Pay-as-you-go usage: a month of the MOSP pay-as-you-go subscription's usage details from the
// Consumption API (JSON pages of 1000 items, legacy kind).
//
//   - official: armconsumption's UsageDetailsClient.NewListPager with the same $filter,
//     $expand and metric as azbilling, and a type switch on *LegacyUsageDetail per item,
//     summing Cost.
//   - azbilling: usage.Client.Records for the subscription scope, summing Cost (exact decimals).
//
// Two paths: "emulator" (end to end: the emulator generates and encodes every page, over TLS on
// loopback, in the same process) and "replay" (the same pages recorded once and served from
// memory: only the clients' own work is timed).

var consumptionMonth = billing.Month(2026, time.October)

type consumptionSetup struct {
	srv   *billingtest.Server
	scope billing.Scope
	rows  int

	azb *usage.Client
	off *armconsumption.UsageDetailsClient
	// bytes read by each side (counting or replay transport)
	azbBytes, offBytes func() int64
}

// consumptionOptions are the options the official side passes: what azbilling sends.
func consumptionOptions() *armconsumption.UsageDetailsClientListOptions {
	p := consumptionMonth
	return &armconsumption.UsageDetailsClientListOptions{
		Expand: to.Ptr("properties/meterDetails,properties/additionalInfo"),
		Filter: to.Ptr(fmt.Sprintf("properties/usageStart ge '%s' and properties/usageEnd le '%s'", p.Start, p.End)),
		Metric: to.Ptr(armconsumption.MetrictypeActualCostMetricType),
	}
}

func newConsumptionSetup(tb testing.TB, rows int, replay bool, lat time.Duration) *consumptionSetup {
	tb.Helper()
	perDay := max(1, rows/consumptionMonth.Days())
	srv := billingtest.NewServer(tb, append(latencyOpts(lat), billingtest.WithUsageRowsPerDay(perDay))...)
	sc, err := billing.SubscriptionScope(billingtest.SubscriptionPayAsYouGo)
	require.NoError(tb, err)
	s := &consumptionSetup{srv: srv, scope: sc}

	var azbT, offT policy.Transporter
	if replay {
		rt := &replayTransport{inner: httpClient(srv), recording: true}
		azbT, offT = rt, rt
		s.azbBytes, s.offBytes = rt.n.Load, rt.n.Load
	} else {
		a, o := &countingTransport{inner: httpClient(srv)}, &countingTransport{inner: httpClient(srv)}
		azbT, offT = a, o
		s.azbBytes, s.offBytes = a.n.Load, o.n.Load
	}
	opts := clientOptions(srv)
	opts.Transport = azbT
	bc, err := billing.NewClient(srv.Credential(billingtest.MOSPAccountAdmin), opts)
	require.NoError(tb, err)
	s.azb = usage.NewClient(bc)
	s.off, err = armconsumption.NewUsageDetailsClient(srv.Credential(billingtest.MOSPAccountAdmin), armOptions(srv, offT))
	require.NoError(tb, err)

	if replay {
		n, _, err := s.azbilling(context.Background(), nil)
		require.NoError(tb, err)
		azbT.(*replayTransport).setRecording(false)
		s.rows = int(n)
	} else {
		s.rows = perDay * consumptionMonth.Days()
	}
	return s
}

// official reads the month with armconsumption's pager and returns the items and their cost.
// check (may be nil) is called after each page, while the page is still held.
func (s *consumptionSetup) official(ctx context.Context, check func()) (rows int64, cost float64, err error) {
	pager := s.off.NewListPager("subscriptions/"+billingtest.SubscriptionPayAsYouGo, consumptionOptions())
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return rows, cost, err
		}
		for _, it := range page.Value {
			switch d := it.(type) {
			case *armconsumption.LegacyUsageDetail:
				if d.Properties != nil && d.Properties.Cost != nil {
					cost += *d.Properties.Cost
				}
				rows++
			case *armconsumption.ModernUsageDetail:
				return rows, cost, fmt.Errorf("unexpected modern usage detail %s", deref(d.ID))
			}
		}
		if check != nil {
			check()
			runtime.KeepAlive(page.Value) // a user's loop holds the page until here
		}
	}
	return rows, cost, nil
}

// floor fetches the same pages with net/http and throws them away, finding each nextLink with
// a byte search: the emulator's and the network's share of every end-to-end run.
func (s *consumptionSetup) floor(ctx context.Context) (rows, bytes int64, err error) {
	q := url.Values{}
	o := consumptionOptions()
	q.Set("$expand", *o.Expand)
	q.Set("$filter", *o.Filter)
	q.Set("metric", string(*o.Metric))
	q.Set("api-version", usage.ConsumptionAPIVersion)
	next := s.srv.ARMEndpoint() + s.scope.ID() + "/providers/Microsoft.Consumption/usageDetails?" + q.Encode()
	hc := httpClient(s.srv)
	for next != "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return rows, bytes, err
		}
		req.Header.Set("Authorization", "Bearer "+string(billingtest.MOSPAccountAdmin))
		resp, err := hc.Do(req)
		if err != nil {
			return rows, bytes, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return rows, bytes, err
		}
		if resp.StatusCode != http.StatusOK {
			return rows, bytes, fmt.Errorf("usage details page: %s", resp.Status)
		}
		bytes += int64(len(body))
		rows += int64(strings.Count(string(body), `"kind":"legacy"`))
		next = ""
		if i := strings.LastIndex(string(body), `"nextLink":"`); i >= 0 {
			rest := body[i+len(`"nextLink":`):]
			if j := strings.IndexByte(string(rest[1:]), '"'); j >= 0 {
				if err := json.Unmarshal(rest[:j+2], &next); err != nil {
					return rows, bytes, err
				}
				// The service repeats $filter raw in its nextLinks (blanks, quotes): escape
				// what a URL may not hold, as any client must.
				next = strings.NewReplacer(" ", "%20", `"`, "%22").Replace(next)
			}
		}
	}
	return rows, bytes, nil
}

// azbilling reads the same month as typed records and returns their count and exact total.
// check (may be nil) is called every 1000 records (a page's worth).
func (s *consumptionSetup) azbilling(ctx context.Context, check func()) (rows int64, cost billing.Decimal, err error) {
	opts := &usage.Options{Period: consumptionMonth, Agreement: billing.AgreementMOSP}
	tick := every(1000, check)
	for rec, err := range s.azb.Records(ctx, s.scope, opts) {
		if err != nil {
			return rows, cost, err
		}
		cost = cost.Add(rec.Cost)
		rows++
		tick()
	}
	return rows, cost, nil
}

// BenchmarkConsumption compares a month of pay-as-you-go usage details: armconsumption's pager
// + type switch vs usage.Client.Records. Bar: x_faster ≥ 10, azb-heldMB flat as rows grow.
// The emulator paths also time a third side, "floor": the same pages fetched with net/http and
// thrown away, which is the emulator's (and the connection's) share of every end-to-end run.
func BenchmarkConsumption(b *testing.B) {
	sizes := []int{scale(6_200, 10_000)}
	if *full {
		sizes = append(sizes, 100_000)
	}
	type variant struct {
		path string
		lat  time.Duration
	}
	for _, v := range []variant{{"replay", 0}, {"emulator", 0}, {"emulator", *latency}} {
		path := v.path
		for _, rows := range sizes {
			name := fmt.Sprintf("path=%s/rows=%dk", path, rows/1000)
			if path == "emulator" {
				name = fmt.Sprintf("path=%s/%s/rows=%dk", path, latencyName(v.lat), rows/1000)
			}
			b.Run(name, func(b *testing.B) {
				s := newConsumptionSetup(b, rows, path == "replay", v.lat)
				ctx := context.Background()
				sides := []side{
					{"off", func() (int64, int64) {
						before := s.offBytes()
						n, _, err := s.official(ctx, nil)
						require.NoError(b, err)
						require.EqualValues(b, s.rows, n)
						return n, s.offBytes() - before
					}},
					{"azb", func() (int64, int64) {
						before := s.azbBytes()
						n, _, err := s.azbilling(ctx, nil)
						require.NoError(b, err)
						require.EqualValues(b, s.rows, n)
						return n, s.azbBytes() - before
					}},
				}
				if path == "emulator" {
					// The emulator's own time to serve the pages, measured the same way.
					sides = append(sides, side{"floor", func() (int64, int64) {
						n, bytes, err := s.floor(ctx)
						require.NoError(b, err)
						require.EqualValues(b, s.rows, n)
						return n, bytes
					}})
				}
				t := compare(b, nil, sides...)
				reportFaster(b, t[0], t[1])
				reportHeld(b, "off", func(check func()) { _, _, _ = s.official(ctx, check) })
				reportHeld(b, "azb", func(check func()) { _, _, _ = s.azbilling(ctx, check) })
			})
		}
	}
}

// TestConsumptionSidesAgree checks that both sides of BenchmarkConsumption read the same rows
// and the same total cost (the official side in float64), end to end and from the replay.
func TestConsumptionSidesAgree(t *testing.T) {
	for _, replay := range []bool{false, true} {
		s := newConsumptionSetup(t, 620, replay, 0)
		ctx := context.Background()
		on, oc, err := s.official(ctx, nil)
		require.NoError(t, err)
		an, ac, err := s.azbilling(ctx, nil)
		require.NoError(t, err)
		require.EqualValues(t, s.rows, on)
		require.Equal(t, on, an)
		require.InDelta(t, oc, ac.Float64(), 1e-6*max(1, oc))
	}
}
