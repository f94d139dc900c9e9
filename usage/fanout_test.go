package usage_test

import (
	"context"
	"errors"
	"iter"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/roles"
	"github.com/azbilling/azbilling/usage"
)

// fanOutScale turns the published one-minute windows into 40 ms, so that 200 scopes at ten
// reports a window take under a second.
const fanOutScale = 0.04 / 60

var fanOutPeriod = billing.Period{Start: billing.NewDate(2026, time.October, 1), End: billing.NewDate(2026, time.October, 3)}

func fanOutScopes(t *testing.T, n int) []billing.Scope {
	out := make([]billing.Scope, n)
	for i := range out {
		s, err := billing.SubscriptionScope(billingtest.FanOutSubscription(i + 1))
		require.NoError(t, err)
		out[i] = s
	}
	return out
}

// TestFanOut200ScopesUnderRateLimits is the bar: 200 scopes on an emulator enforcing the
// published per-scope and per-tenant limits (windows scaled down): no 429 reaches the caller
// and every scope's total is exact.
func TestFanOut200ScopesUnderRateLimits(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithEASubscriptions(200),
		billingtest.WithCostDetailsRateLimits(billingtest.PublishedCostDetailsLimits().Scaled(fanOutScale)))
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)
	scopes := fanOutScopes(t, 200)
	limits := usage.PublishedLimits().Scaled(fanOutScale)

	var mu sync.Mutex
	totals := map[string]billing.Decimal{}
	rows := map[string]int{}
	var progress []usage.FanOutProgress
	sum, err := c.FanOut(context.Background(), scopes, &usage.FanOutOptions{
		Usage:       &usage.Options{Period: fanOutPeriod, Agreement: billing.AgreementEA},
		Concurrency: 16,
		Limits:      &limits,
		Records: func(ctx context.Context, s billing.Scope, recs iter.Seq2[usage.Record, error]) error {
			var tot billing.Decimal
			n := 0
			for rec, err := range recs {
				if err != nil {
					return err
				}
				tot = tot.Add(rec.Cost)
				n++
			}
			mu.Lock()
			totals[s.ID()], rows[s.ID()] = tot, n
			mu.Unlock()
			return nil
		},
		Progress: func(p usage.FanOutProgress) { progress = append(progress, p) },
	})
	require.NoError(t, err, "no 429 (nor anything else) reaches the caller")
	assert.Equal(t, 200, sum.Done)
	assert.Len(t, progress, 200)
	assert.Equal(t, 200, progress[len(progress)-1].Done)
	for i, r := range sum.Scopes {
		require.Equal(t, scopes[i], r.Scope, "results in the order given")
		require.Equal(t, usage.ScopeDone, r.State)
		wantRows, want := truthOf(t, srv, r.Scope.ID(), fanOutPeriod)
		require.Equal(t, wantRows, rows[r.Scope.ID()], r.Scope.ID())
		require.EqualValues(t, wantRows, r.Records)
		require.True(t, want.Equal(totals[r.Scope.ID()]), "%s: total %s, ground truth %s", r.Scope, totals[r.Scope.ID()], want)
	}
	assert.Equal(t, srv.Throttled(), sum.Throttled, "the pacer saw every 429 the emulator answered")
	assert.Equal(t, 200+sum.Throttled, posts(srv), "one report request per scope, and one more per 429 waited out")
	t.Logf("%s; waited %s for the limits; emulator answered %d × 429", sum, sum.RateWait, srv.Throttled())
}

// TestFanOutWithoutPacingIsThrottled shows that the emulator's limits bite: with pacing off,
// the service throttles, and the fan-out still completes by honouring its headers.
func TestFanOutWithoutPacingIsThrottled(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithEASubscriptions(30),
		billingtest.WithCostDetailsRateLimits(billingtest.PublishedCostDetailsLimits().Scaled(1.0/60))) // 1 s windows
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)
	sum, err := c.FanOut(context.Background(), fanOutScopes(t, 30), &usage.FanOutOptions{
		Usage:       &usage.Options{Period: fanOutPeriod, Agreement: billing.AgreementEA},
		Concurrency: 30,
		Limits:      &usage.Limits{}, // no pacing: only the service's 429s slow us down
		Records: func(_ context.Context, _ billing.Scope, recs iter.Seq2[usage.Record, error]) error {
			for _, err := range recs {
				if err != nil {
					return err
				}
			}
			return nil
		},
	})
	require.NoError(t, err)
	assert.Equal(t, 30, sum.Done)
	assert.Positive(t, srv.Throttled(), "30 requests at once exceed ten a window")
	assert.Equal(t, srv.Throttled(), sum.Throttled)
}

func TestFanOutToFolderResumesAndReportsFailures(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithEASubscriptions(12))
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)
	dir := t.TempDir()
	scopes := fanOutScopes(t, 12)
	mca, err := billing.SubscriptionScope(billingtest.SubscriptionMCAWeb) // not the EA admin's
	require.NoError(t, err)
	all := append(append([]billing.Scope(nil), scopes...), mca)
	none := usage.Limits{}
	opts := &usage.FanOutOptions{Usage: &usage.Options{Period: fanOutPeriod}, Dir: dir, Limits: &none, Concurrency: 4}

	sum, err := c.FanOut(context.Background(), all, opts)
	var ferr *usage.FanOutError
	require.ErrorAs(t, err, &ferr)
	require.Len(t, ferr.Failed, 1)
	assert.Equal(t, mca, ferr.Failed[0].Scope)
	var perr *roles.PermissionError
	assert.ErrorAs(t, err, &perr, "the scope's typed error is reachable")
	assert.Equal(t, 12, sum.Done)
	assert.Equal(t, 1, sum.Failed)
	assert.NoFileExists(t, filepath.Join(dir, usage.ScopeFileName(mca)))
	for _, r := range sum.Scopes[:12] {
		wantRows, want := truthOf(t, srv, r.Scope.ID(), fanOutPeriod)
		f, err := os.Open(r.Path)
		require.NoError(t, err)
		n := 0
		var tot billing.Decimal
		for rec, err := range usage.NewReader(f, nil).All() {
			require.NoError(t, err)
			n++
			tot = tot.Add(rec.Cost)
		}
		f.Close()
		require.Equal(t, wantRows, n)
		require.True(t, want.Equal(tot))
	}

	// A second run after losing three files fetches only those.
	for _, s := range scopes[3:6] {
		require.NoError(t, os.Remove(filepath.Join(dir, usage.ScopeFileName(s))))
	}
	srv.ResetRequests()
	sum, err = c.FanOut(context.Background(), scopes, opts)
	require.NoError(t, err)
	assert.Equal(t, 3, sum.Done)
	assert.Equal(t, 9, sum.Skipped)
	assert.Equal(t, 3, posts(srv))
	for i, r := range sum.Scopes {
		if i >= 3 && i < 6 {
			assert.Equal(t, usage.ScopeDone, r.State)
		} else {
			assert.Equal(t, usage.ScopeSkipped, r.State)
		}
	}
}

func TestFanOutInput(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)
	s := scope(t, eaAccountID)
	_, err := c.FanOut(context.Background(), []billing.Scope{s}, nil)
	var ierr *billing.InputError
	require.ErrorAs(t, err, &ierr, "no sink")
	_, err = c.FanOut(context.Background(), []billing.Scope{s, s}, &usage.FanOutOptions{Dir: t.TempDir()})
	require.ErrorAs(t, err, &ierr, "a scope twice")
	_, err = c.FanOut(context.Background(), []billing.Scope{{}}, &usage.FanOutOptions{Dir: t.TempDir()})
	require.ErrorAs(t, err, &ierr, "an invalid scope")
	assert.Empty(t, srv.Requests())
}

func TestFanOutCancelled(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithEASubscriptions(20),
		billingtest.WithCostDetailsRateLimits(billingtest.PublishedCostDetailsLimits().Scaled(1.0/60))) // 1 s windows
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)
	limits := usage.PublishedLimits().Scaled(1.0 / 60)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	dir := t.TempDir()
	sum, err := c.FanOut(ctx, fanOutScopes(t, 20), &usage.FanOutOptions{
		Usage: &usage.Options{Period: fanOutPeriod, Agreement: billing.AgreementEA}, Dir: dir, Limits: &limits,
	})
	require.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
	assert.Less(t, sum.Done, 20)
	assert.Equal(t, 20, sum.Done+sum.Failed)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, sum.Done, "only complete files, no temporary ones")
}

func TestScopeFileName(t *testing.T) {
	const (
		mcaName = "12345678-1234-1234-1234-123456789012:12345678-1234-1234-1234-123456789012_2019-05-31"
		mcaFile = "12345678-1234-1234-1234-123456789012-12345678-1234-1234-1234-123456789012_2019-05-31"
	)
	for id, want := range map[string]string{
		"/subscriptions/44444444-4444-4444-4444-444444444444":                                    "subscriptions_44444444-4444-4444-4444-444444444444.csv",
		"/providers/Microsoft.Billing/billingAccounts/1234/departments/ENG":                      "billingAccounts_1234_departments_ENG.csv",
		"/providers/Microsoft.Billing/billingAccounts/" + mcaName + "/billingProfiles/AB12-CD34": "billingAccounts_" + mcaFile + "_billingProfiles_AB12-CD34.csv",
	} {
		assert.Equal(t, want, usage.ScopeFileName(scope(t, id)))
	}
}
