package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/usage"
)

// A Cost Details report cut into four blobs, with 20 ms added to every request (ARM and blob):
//
//   - raw: the sequential path of BenchmarkCostDetails — armcostmanagement poller, then each
//     blob fetched with net/http and split by encoding/csv, one after the other;
//   - azb: usage.Client.Records at its default BlobConcurrency (4): the blobs are requested
//     together and read ahead into bounded buffers while the records come out in order;
//   - azbseq: the same with BlobConcurrency 1, to show what the parallel download buys.
//
// The emulator's blob size is set from a probe of the same report so that it has exactly four
// blobs. Bar: x_time = azb ÷ raw ≤ 0.6.

// fourBlobSetup is a costDetailsSetup whose report has four blobs and whose emulator adds lat.
func fourBlobSetup(tb testing.TB, c costDetailsCase, rows int, extra ...billingtest.Option) *costDetailsSetup {
	tb.Helper()
	probe := newCostDetailsSetup(tb, c, rows)
	rep, err := probe.azb.Report(context.Background(), probe.scope, &usage.Options{Period: costDetailsMonth})
	require.NoError(tb, err)
	size := rep.Manifest.ByteCount
	probe.srv.Close()
	s := newCostDetailsSetup(tb, c, rows, append(extra, billingtest.WithUsageBlobSize(size/4+size/64))...)
	rep, err = s.azb.Report(context.Background(), s.scope, &usage.Options{Period: costDetailsMonth})
	require.NoError(tb, err)
	require.Equal(tb, 4, rep.Manifest.BlobCount)
	return s
}

// recordsWith reads the month with BlobConcurrency n: rows and total cost.
func (s *costDetailsSetup) recordsWith(ctx context.Context, n int) (rows int64, cost billing.Decimal, err error) {
	for rec, err := range s.azb.Records(ctx, s.scope, &usage.Options{Period: costDetailsMonth, BlobConcurrency: n}) {
		if err != nil {
			return rows, cost, err
		}
		cost = cost.Add(rec.Cost)
		rows++
	}
	return rows, cost, nil
}

func BenchmarkCostDetailsBlobs(b *testing.B) {
	sizes := []int{500, 2_000, 20_000}
	if *full {
		sizes = append(sizes, 100_000)
	}
	c := costDetailsCases[0] // EA
	for _, serve := range []string{"generated", "memory"} {
		for _, rows := range sizes {
			benchFourBlobs(b, c, rows, serve)
		}
	}
}

func benchFourBlobs(b *testing.B, c costDetailsCase, rows int, serve string) {
	b.Run(fmt.Sprintf("%s/blobs=4/%s/rows=%d/blobs=%s", c.name, latencyName(*latency), rows, serve), func(b *testing.B) {
		opts := latencyOpts(*latency)
		if serve == "memory" {
			opts = append(opts, billingtest.WithUsageBlobsInMemory())
		}
		s := fourBlobSetup(b, c, rows, opts...)
		ctx := context.Background()
		typed := func(n int) func() (int64, int64) {
			return func() (int64, int64) {
				before := s.azbBytes()
				got, _, err := s.recordsWith(ctx, n)
				require.NoError(b, err)
				require.EqualValues(b, s.rows, got)
				return got, s.azbBytes() - before
			}
		}
		t := compare(b, nil,
			side{"off", func() (int64, int64) {
				n, bytes, err := s.raw(ctx, nil)
				require.NoError(b, err)
				require.EqualValues(b, s.rows, n)
				return n, bytes
			}},
			side{"azb", typed(0)},
			side{"azbseq", typed(1)},
		)
		b.ReportMetric(ratio(t[1], t[0]), "x_time")
		b.ReportMetric(ratio(t[2], t[0]), "x_time_seq")
		reportHeld(b, "azb", func(check func()) {
			tick := every(10_000, check)
			for _, err := range s.azb.Records(ctx, s.scope, &usage.Options{Period: costDetailsMonth}) {
				if err != nil {
					return
				}
				tick()
			}
		})
	})
}

// TestFourBlobSidesAgree checks that the four-blob report reads the same rows both ways and
// that azbilling's total is the emulator's ground truth.
func TestFourBlobSidesAgree(t *testing.T) {
	s := fourBlobSetup(t, costDetailsCases[0], 2000)
	ctx := context.Background()
	rn, _, err := s.raw(ctx, nil)
	require.NoError(t, err)
	an, cost, err := s.recordsWith(ctx, 0)
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
}
