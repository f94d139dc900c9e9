package faultmatrix

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/internal/leakcheck"
	"github.com/azbilling/azbilling/invoice"
	"github.com/azbilling/azbilling/usage"
)

// withLeakCheck runs fn against a fresh emulator and fails when a goroutine outlives it.
func withLeakCheck(t *testing.T, p billingtest.Principal, fn func(e *env), opts ...billingtest.Option) {
	t.Helper()
	before := leakcheck.Take()
	e, err := newEnv(p, opts...)
	require.NoError(t, err)
	fn(e)
	e.close()
	if left := leakcheck.Leaked(before, leakcheck.DefaultSettle); len(left) > 0 {
		t.Fatalf("%d goroutines left running:\n%s", len(left), strings.Join(left, "\n\n"))
	}
}

// Cancelling DownloadAll mid-way stops every worker before it returns.
func TestLeakDownloadAllCancelled(t *testing.T) {
	withLeakCheck(t, billingtest.PrincipalMCAProfileOwner, func(e *env) {
		e.srv.InjectFault(billingtest.SlowFirstByte(50 * time.Millisecond).OnBlob().Always())
		c := profileClient(e.bc)
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		_, err := c.DownloadAll(ctx, c.List(ctx, nil), t.TempDir(), &invoice.BulkOptions{Concurrency: 8, Progress: func(invoice.Progress) {
			if n++; n == 3 {
				cancel()
			}
		}})
		require.ErrorIs(t, err, context.Canceled)
	})
}

// A caller that stops iterating early leaves nothing running: the list stops paging, the
// report's blob connection is released.
func TestLeakIteratorsStoppedEarly(t *testing.T) {
	withLeakCheck(t, billingtest.PrincipalMCAProfileOwner, func(e *env) {
		for range profileClient(e.bc).List(context.Background(), nil) {
			break
		}
		s, _ := billing.ParseScope(mcaProfileID)
		for _, err := range usage.NewClient(e.bc).Records(context.Background(), s, nil) {
			require.NoError(t, err)
			break
		}
	}, billingtest.WithPageSize(3), billingtest.WithUsageRowsPerDay(50))
}

// A download cut by its context, in the middle of a long body, releases its connection.
func TestLeakDownloadCutByDeadline(t *testing.T) {
	withLeakCheck(t, billingtest.PrincipalEAEnterpriseAdmin, func(e *env) {
		s, _ := billing.ParseScope(eaAccountID)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		e.srv.InjectFault(billingtest.SlowFirstByte(time.Second).OnBlob())
		_, err := usage.NewClient(e.bc).SaveCSV(ctx, s, nil, t.TempDir()+"/u.csv")
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
}
