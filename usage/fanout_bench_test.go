package usage_test

import (
	"context"
	"iter"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/usage"
)

// BenchmarkFanOut200 reads 200 subscriptions on an emulator enforcing the published Cost
// Details limits with windows scaled to 40 ms, with 20 ms added to every request, two ways in
// the same run:
//
//   - paced: FanOut at the published limits (scaled the same way), 16 scopes at once;
//   - unpaced: FanOut with no limits, 16 scopes at once — what a worker pool around Records
//     does — slowed down only by the 429s the emulator answers (azcore waits them out).
//
// It reports each side's time, the 429s the emulator answered per run (throttled/op), the
// pacing floor (19 full tenant windows: 200 reports at 10 a window) and x_time = paced ÷
// unpaced. The test TestFanOut200ScopesUnderRateLimits checks the totals.
func BenchmarkFanOut200(b *testing.B) {
	const n = 200
	limits := billingtest.PublishedCostDetailsLimits().Scaled(fanOutScale)
	window := limits.PerTenant[0].Per
	srv := billingtest.NewServer(b, billingtest.WithEASubscriptions(n), billingtest.WithCostDetailsRateLimits(limits),
		billingtest.WithFaults(billingtest.SlowFirstByte(20*time.Millisecond).Always()))
	c := newClient(b, srv, billingtest.EAEnterpriseAdmin)
	scopes := make([]billing.Scope, n)
	for i := range scopes {
		s, err := billing.SubscriptionScope(billingtest.FanOutSubscription(i + 1))
		require.NoError(b, err)
		scopes[i] = s
	}
	drain := func(_ context.Context, _ billing.Scope, recs iter.Seq2[usage.Record, error]) error {
		for _, err := range recs {
			if err != nil {
				return err
			}
		}
		return nil
	}
	paced := usage.PublishedLimits().Scaled(fanOutScale)
	run := func(l *usage.Limits) (time.Duration, int) {
		// Let the previous run's windows pass, so each run starts with full quotas.
		time.Sleep(2 * window)
		before := srv.Throttled()
		t0 := time.Now()
		sum, err := c.FanOut(context.Background(), scopes, &usage.FanOutOptions{
			Usage:       &usage.Options{Period: fanOutPeriod, Agreement: billing.AgreementEA},
			Concurrency: 16, Limits: l, Records: drain,
		})
		d := time.Since(t0)
		require.NoError(b, err)
		require.Equal(b, n, sum.Done)
		return d, srv.Throttled() - before
	}
	var pd, ud time.Duration
	var pt, ut int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d, t := run(&paced)
		pd, pt = pd+d, pt+t
		d, t = run(&usage.Limits{})
		ud, ut = ud+d, ut+t
	}
	b.StopTimer()
	nf := float64(b.N)
	b.ReportMetric(float64(pd.Milliseconds())/nf, "paced-ms/op")
	b.ReportMetric(float64(pt)/nf, "paced-throttled/op")
	b.ReportMetric(float64(ud.Milliseconds())/nf, "unpaced-ms/op")
	b.ReportMetric(float64(ut)/nf, "unpaced-throttled/op")
	b.ReportMetric(float64((n/limits.PerTenant[0].Requests-1)*int(window.Milliseconds())), "floor-ms")
	b.ReportMetric(float64(pd)/float64(ud), "x_time")
}
