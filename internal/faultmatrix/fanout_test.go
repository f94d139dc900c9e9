package faultmatrix

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/internal/leakcheck"
	"github.com/azbilling/azbilling/usage"
)

// TestMatrixFanOut reads usage for several scopes at once with usage.Client.FanOut, on an
// emulator enforcing the Cost Details rate limits (windows scaled down) and sometimes a report
// size limit, under random faults: every scope done is exact, every failure typed, and a
// second run completes the rest.
func TestMatrixFanOut(t *testing.T) {
	suite(t, "FanOut", runFanOutSeed)
}

func runFanOutSeed(t *testing.T, seed int64) (string, []string, []violation, string) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x66616e6f7574))
	nSubs := 3 + rng.IntN(8)
	rowsPerDay := 1 + rng.IntN(6)
	blobSize := pick(rng, int64(6<<10), int64(24<<10), int64(1<<20))
	window := time.Duration(20+rng.IntN(60)) * time.Millisecond
	paced := rng.IntN(4) != 0
	toDir := rng.IntN(2) == 0
	dept := rng.IntN(3) == 0
	conc := 1 + rng.IntN(8)
	desc := fmt.Sprintf("%d subscriptions (department too: %v), %d rows/day, blob size %d, window %s, paced %v, dir %v, concurrency %d",
		nSubs, dept, rowsPerDay, blobSize, window, paced, toDir, conc)

	before := leakcheck.Take()
	scale := float64(window) / float64(time.Minute)
	e, err := newEnv(billingtest.EAEnterpriseAdmin, billingtest.WithSeed(seed), billingtest.WithEASubscriptions(nSubs),
		billingtest.WithUsageRowsPerDay(rowsPerDay), billingtest.WithUsageBlobSize(blobSize), billingtest.WithLRODelay(0, rng.IntN(2)),
		billingtest.WithCostDetailsRateLimits(billingtest.PublishedCostDetailsLimits().Scaled(scale)))
	requireNoErr(t, err)
	today := billing.DateOf(e.srv.Now())
	start := today.AddDays(-rng.IntN(30))
	period := billing.Period{Start: start, End: start.AddDays(rng.IntN(8))}
	if period.End.After(today) {
		period.End = today
	}
	tp := billingtest.Period{Start: period.Start.Time(), End: period.End.Time()}
	desc += ", " + period.String()

	var scopes []billing.Scope
	for i := 1; i <= nSubs; i++ {
		s, err := billing.SubscriptionScope(billingtest.FanOutSubscription(i))
		requireNoErr(t, err)
		scopes = append(scopes, s)
	}
	if dept {
		s, err := billing.ParseScope(eaAccountID + "/departments/" + billingtest.EADepartmentFinance)
		requireNoErr(t, err)
		scopes = append(scopes, s)
	}
	if rng.IntN(3) == 0 { // per-scope splits: a day's rows at 3000 bytes each fit, the period may not
		n := e.srv.UsageRowCount(scopes[0].ID(), tp, "ActualCost")
		limit := int64(max(1, n/period.Days())) * 3000
		e.srv.SetUsageReportLimit(limit)
		desc += fmt.Sprintf(", report limit %d B", limit)
	}

	cat := catalog{armPaths: []string{"", "/generateCostDetailsReport", "/costDetailsOperationResults"}, minBody: min(blobSize, 4096)}
	var faults []drawn
	for _, d := range cat.drawFaults(rng) {
		if d.name != "arm-429-too-long" { // a fan-out waits such a throttle out: too slow here
			faults = append(faults, d)
		}
	}
	desc = describe(desc, faultDescs(faults))
	uc := usage.NewClient(e.bc)
	e.install(faults)

	dir := t.TempDir()
	limits := usage.PublishedLimits().Scaled(scale)
	if !paced {
		limits = usage.Limits{}
	}
	var mu sync.Mutex
	sums := map[string]map[string]billing.Decimal{}
	counts := map[string]int{}
	opts := &usage.FanOutOptions{Usage: &usage.Options{Period: period, Agreement: billing.AgreementEA}, Concurrency: conc, Limits: &limits}
	if toDir {
		opts.Dir = dir
	} else {
		opts.Records = func(_ context.Context, s billing.Scope, recs iter.Seq2[usage.Record, error]) error {
			m, n, err := sumRecords(recs)
			if err != nil {
				return err
			}
			mu.Lock()
			sums[s.ID()], counts[s.ID()] = m, n
			mu.Unlock()
			return nil
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	sum, runErr := uc.FanOut(ctx, scopes, opts)
	cancel()
	outcome, typed := classify(runErr)
	desc = describe(desc, fmt.Sprintf("faults fired %d+%d, 429s %d", e.srv.FaultsFired(), e.tamper.Fired(), e.srv.Throttled()))

	var vs []violation
	if !typed {
		vs = append(vs, violation{vUntyped, fmt.Sprintf("%T: %v", runErr, runErr)})
	}
	var ferr *usage.FanOutError
	if runErr != nil && !errors.As(runErr, &ferr) {
		vs = append(vs, violation{vUnexpected, "not a *usage.FanOutError: " + runErr.Error()})
	}
	// The rate limits' own 429s spend the same azcore retries as the faults, so the retry
	// budget only promises recovery when the service throttled nothing.
	if runErr != nil && recoverable(faults) && e.srv.Throttled() == 0 {
		vs = append(vs, violation{vUnexpected, fmt.Sprintf("recoverable faults, yet: %v", runErr)})
	}
	if sum.Throttled < e.srv.Throttled() { // the summary also counts 429s injected as faults
		vs = append(vs, violation{vSummary, fmt.Sprintf("the summary counts %d 429s, the emulator's rate limits answered %d", sum.Throttled, e.srv.Throttled())})
	}
	check := func(res []usage.ScopeResult, kind string) {
		for _, r := range res {
			id := r.Scope.ID()
			truth, rows := e.srv.UsageTotal(id, tp, "ActualCost"), e.srv.UsageRowCount(id, tp, "ActualCost")
			switch r.State {
			case usage.ScopeDone:
				got, n := sums[id], counts[id]
				if toDir {
					var err error
					got, n, err = readSums(r.Path)
					if err != nil {
						vs = append(vs, violation{kind, fmt.Sprintf("%s: %v", id, err)})
						continue
					}
				}
				for _, v := range compareSums(truth, rows, got, n) {
					vs = append(vs, violation{kind, id + ": " + v.String()})
				}
			case usage.ScopeFailed:
				if _, ok := classify(r.Err); !ok {
					vs = append(vs, violation{vUntyped, fmt.Sprintf("%s: %T: %v", id, r.Err, r.Err)})
				}
				if toDir {
					if _, err := os.Stat(r.Path); err == nil {
						vs = append(vs, violation{vPartial, id + " failed but its file is there"})
					}
				}
			case usage.ScopeSkipped:
				if kind == vWrongSum {
					vs = append(vs, violation{vSummary, id + " skipped in a first run"})
				}
			default:
				vs = append(vs, violation{vSummary, fmt.Sprintf("%s: state %v", id, r.State)})
			}
		}
	}
	check(sum.Scopes, vWrongSum)
	vs = append(vs, scanTemp(dir)...)

	if runErr != nil {
		e.uninstall()
		if !toDir {
			done := map[string]bool{}
			for _, r := range sum.Scopes {
				done[r.Scope.ID()] = r.State == usage.ScopeDone
			}
			opts.Complete = func(s billing.Scope) bool { return done[s.ID()] }
		}
		rctx, rcancel := context.WithTimeout(context.Background(), time.Minute)
		sum2, err2 := uc.FanOut(rctx, scopes, opts)
		rcancel()
		if err2 != nil {
			vs = append(vs, violation{vRecovery, fmt.Sprintf("re-run failed: %v", err2)})
		}
		for i, r := range sum2.Scopes {
			if want := sum.Scopes[i].State == usage.ScopeDone; want != (r.State == usage.ScopeSkipped) {
				vs = append(vs, violation{vRecovery, fmt.Sprintf("%s: %v in the first run, %v in the second", r.Scope.ID(), sum.Scopes[i].State, r.State)})
			}
		}
		check(sum2.Scopes, vRecovery)
		vs = append(vs, scanTemp(dir)...)
	}

	e.close()
	if left := leakcheck.Leaked(before, leakcheck.DefaultSettle); len(left) > 0 {
		vs = append(vs, violation{vLeak, fmt.Sprintf("%d goroutines left:\n%s", len(left), strings.Join(left, "\n\n"))})
	}
	return outcome, faultNames(faults), vs, desc
}

// readSums sums a saved CSV per currency (an empty file has no usage).
func readSums(path string) (map[string]billing.Decimal, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.Size() == 0 {
		return map[string]billing.Decimal{}, 0, err
	}
	return sumRecords(usage.NewReader(f, &usage.ReaderOptions{File: filepath.Base(path)}).All())
}
