package bench

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/costmanagement/armcostmanagement/v3"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/usage"
)

// Cost Details report end to end: a month of an EA enrollment's (or an MCA billing profile's)
// actual cost, requested, polled, downloaded and read.
//
//   - raw: armcostmanagement/v3 GenerateCostDetailsReportClient.BeginCreateOperation,
//     PollUntilDone with Frequency 1 ms, then every blob of the manifest fetched with a plain
//     http.Client (srv.HTTPClient()) and split by encoding/csv with ReuseRecord: untyped fields.
//   - azbilling: usage.Client.Records for the scope: typed records (exact decimals, dates),
//     summing Cost.
//
// Both sides pay the emulator's report generation (it walks every row once to plan and hash
// the blobs, then generates them again while serving), so the ratio is end to end.

var costDetailsMonth = billing.Month(2026, time.October)

// nomd5 adds a diagnostic side: azbilling with the blobs' MD5 headers removed, so that its
// reader verifies nothing. The difference to "azb" is what MD5 verification costs.
var nomd5 = flag.Bool("bench.nomd5", false, "BenchmarkCostDetails: also time azbilling without blob MD5 verification (diagnostic)")

type costDetailsCase struct {
	name      string
	principal billingtest.Principal
	scope     func() (billing.Scope, error)
	subs      int // subscriptions in the scope: rows = subs × days × rows/day (+ reservation rows)
}

var costDetailsCases = []costDetailsCase{
	{"EA", billingtest.EAEnterpriseAdmin, func() (billing.Scope, error) { return billing.AccountScope(billingtest.EAAccount) }, 3},
	{"MCA", billingtest.MCAAccountOwner, func() (billing.Scope, error) {
		return billing.ProfileScope(billingtest.MCAAccount, billingtest.MCAProfileUS)
	}, 3},
}

type costDetailsSetup struct {
	srv   *billingtest.Server
	scope billing.Scope
	rows  int

	azb      *usage.Client
	azbNoMD5 *usage.Client // blob MD5 headers removed: what verifying them costs
	off      *armcostmanagement.GenerateCostDetailsReportClient
	blobs    *http.Client
	azbBytes func() int64
}

func newCostDetailsSetup(tb testing.TB, c costDetailsCase, rows int, extra ...billingtest.Option) *costDetailsSetup {
	tb.Helper()
	perDay := max(1, rows/(c.subs*costDetailsMonth.Days()))
	srv := billingtest.NewServer(tb, append([]billingtest.Option{billingtest.WithUsageRowsPerDay(perDay)}, extra...)...)
	sc, err := c.scope()
	require.NoError(tb, err)
	s := &costDetailsSetup{srv: srv, scope: sc, blobs: httpClient(srv)}
	s.rows = srv.UsageRowCount(sc.ID(), billingtest.Period{Start: costDetailsMonth.Start.Time(), End: costDetailsMonth.End.Time()}, "ActualCost")
	require.NotZero(tb, s.rows)

	opts := clientOptions(srv)
	counter := &countingTransport{inner: httpClient(srv)}
	opts.Download.HTTPClient = &http.Client{Transport: counter}
	s.azbBytes = counter.n.Load
	bc, err := billing.NewClient(srv.Credential(c.principal), opts)
	require.NoError(tb, err)
	s.azb = usage.NewClient(bc)
	opts = clientOptions(srv)
	opts.Download.HTTPClient = &http.Client{Transport: stripMD5{httpClient(srv).Transport}}
	bc, err = billing.NewClient(srv.Credential(c.principal), opts)
	require.NoError(tb, err)
	s.azbNoMD5 = usage.NewClient(bc)
	s.off, err = armcostmanagement.NewGenerateCostDetailsReportClient(srv.Credential(c.principal), armOptions(srv, nil))
	require.NoError(tb, err)
	return s
}

// raw requests the report with armcostmanagement, downloads its blobs with net/http and splits
// them with encoding/csv: rows (header rows excluded) and CSV bytes. check (may be nil) is
// called every 10k rows.
func (s *costDetailsSetup) raw(ctx context.Context, check func()) (rows, bytes int64, err error) {
	p := costDetailsMonth
	poller, err := s.off.BeginCreateOperation(ctx, strings.TrimPrefix(s.scope.ID(), "/"), armcostmanagement.GenerateCostDetailsReportRequestDefinition{
		Metric:     to.Ptr(armcostmanagement.CostDetailsMetricTypeActualCostCostDetailsMetricType),
		TimePeriod: &armcostmanagement.CostDetailsTimePeriod{Start: to.Ptr(p.Start.String()), End: to.Ptr(p.End.String())},
	}, nil)
	if err != nil {
		return 0, 0, err
	}
	res, err := poller.PollUntilDone(ctx, pollFast)
	if err != nil {
		return 0, 0, err
	}
	if res.Status == nil || *res.Status != armcostmanagement.CostDetailsStatusTypeCompletedCostDetailsStatusType || res.Manifest == nil {
		return 0, 0, fmt.Errorf("report status %v", res.Status)
	}
	tick := every(10_000, check)
	for _, bl := range res.Manifest.Blobs {
		if bl == nil || bl.BlobLink == nil {
			continue
		}
		n, size, err := s.splitBlob(ctx, *bl.BlobLink, tick)
		if err != nil {
			return rows, bytes, err
		}
		rows += n
		bytes += size
	}
	return rows, bytes, nil
}

func (s *costDetailsSetup) splitBlob(ctx context.Context, link string, tick func()) (rows, bytes int64, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := s.blobs.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("GET blob: %s", resp.Status)
	}
	cr := &countingBody{ReadCloser: resp.Body, n: new(atomic.Int64)}
	r := csv.NewReader(cr)
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil { // header
		return 0, cr.n.Load(), err
	}
	for {
		_, err := r.Read()
		if err == io.EOF {
			return rows, cr.n.Load(), nil
		}
		if err != nil {
			return rows, cr.n.Load(), err
		}
		rows++
		tick()
	}
}

// azbilling reads the same month as typed records: rows and their exact total cost.
func (s *costDetailsSetup) azbilling(ctx context.Context) (rows int64, cost billing.Decimal, err error) {
	return s.records(ctx, s.azb, nil)
}

// records reads the report with c; check (may be nil) is called every 10k records.
func (s *costDetailsSetup) records(ctx context.Context, c *usage.Client, check func()) (rows int64, cost billing.Decimal, err error) {
	tick := every(10_000, check)
	for rec, err := range c.Records(ctx, s.scope, &usage.Options{Period: costDetailsMonth}) {
		if err != nil {
			return rows, cost, err
		}
		cost = cost.Add(rec.Cost)
		rows++
		tick()
	}
	return rows, cost, nil
}

// BenchmarkCostDetails compares a month's Cost Details report end to end: armcostmanagement
// poller + http GET + encoding/csv (untyped) vs usage.Client.Records (typed). Bar:
// x_time = azbilling time ÷ raw time ≤ 1.2; azb-heldMB flat as rows grow.
func BenchmarkCostDetails(b *testing.B) {
	sizes := []int{scale(20_000, 100_000)}
	if *full {
		sizes = append(sizes, 1_000_000)
	}
	for _, c := range costDetailsCases {
		for _, rows := range sizes {
			b.Run(fmt.Sprintf("%s/rows=%dk", c.name, rows/1000), func(b *testing.B) {
				s := newCostDetailsSetup(b, c, rows)
				ctx := context.Background()
				typed := func(c *usage.Client) func() (int64, int64) {
					return func() (int64, int64) {
						before := s.azbBytes()
						n, _, err := s.records(ctx, c, nil)
						require.NoError(b, err)
						require.EqualValues(b, s.rows, n)
						return n, s.azbBytes() - before
					}
				}
				sides := []side{
					{"off", func() (int64, int64) {
						n, bytes, err := s.raw(ctx, nil)
						require.NoError(b, err)
						require.EqualValues(b, s.rows, n)
						return n, bytes
					}},
					{"azb", typed(s.azb)},
				}
				if *nomd5 {
					sides = append(sides, side{"azbnomd5", typed(s.azbNoMD5)})
				}
				t := compare(b, nil, sides...)
				b.ReportMetric(ratio(t[1], t[0]), "x_time") // median azbilling time ÷ median raw time
				if len(t) == 3 {
					b.ReportMetric(ratio(t[2], t[0]), "x_time_nomd5")
				}
				reportHeld(b, "off", func(check func()) { _, _, _ = s.raw(ctx, check) })
				reportHeld(b, "azb", func(check func()) { _, _, _ = s.records(ctx, s.azb, check) })
			})
		}
	}
}

// TestCostDetailsSidesAgree checks that both sides of BenchmarkCostDetails read the same rows,
// and that azbilling's total is the emulator's ground truth.
func TestCostDetailsSidesAgree(t *testing.T) {
	for _, c := range costDetailsCases {
		t.Run(c.name, func(t *testing.T) {
			s := newCostDetailsSetup(t, c, 500)
			ctx := context.Background()
			rn, _, err := s.raw(ctx, nil)
			require.NoError(t, err)
			an, cost, err := s.azbilling(ctx)
			require.NoError(t, err)
			require.EqualValues(t, s.rows, rn)
			require.Equal(t, rn, an)
			truth := s.srv.UsageTotal(s.scope.ID(), billingtest.Period{Start: costDetailsMonth.Start.Time(), End: costDetailsMonth.End.Time()}, "ActualCost")
			require.Len(t, truth, 1)
			for _, want := range truth {
				w, err := billing.ParseDecimal(want)
				require.NoError(t, err)
				require.True(t, w.Equal(cost), "total %s, ground truth %s", cost, want)
			}
		})
	}
}
