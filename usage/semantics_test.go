package usage_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/usage"
)

// Options{} means the open billing period to date: month to date for EA and MCA, the current
// billing cycle (from the day of the month the subscription was created) for pay-as-you-go. The
// world is pinned to the 25th so the pay-as-you-go cycle (from the 3rd) and the calendar month
// differ.
func TestOpenBillingPeriodVersusMonthToDate(t *testing.T) {
	now := time.Date(2027, time.March, 25, 12, 0, 0, 0, time.UTC)
	srv := billingtest.NewServer(t, billingtest.WithNow(now))
	bc, err := billing.NewClient(srv.Credential(billingtest.MOSPAccountAdmin), srv.ClientOptions())
	require.NoError(t, err)
	uc := usage.NewClient(bc)
	sub := scope(t, "/subscriptions/"+billingtest.SubscriptionPayAsYouGo)

	first := func(opts *usage.Options) billing.Date {
		var min billing.Date
		for rec, err := range uc.Records(context.Background(), sub, opts) {
			require.NoError(t, err)
			if min.IsZero() || rec.Date.Before(min) {
				min = rec.Date
			}
		}
		return min
	}
	assert.Equal(t, billing.NewDate(2027, time.March, 3), first(nil), "the open billing period starts on the 3rd")
	assert.Equal(t, billing.NewDate(2027, time.March, 1), first(&usage.Options{Period: bc.MonthToDate()}), "month to date starts on the 1st")
	assert.Equal(t, billing.Period{Start: billing.NewDate(2027, time.March, 1), End: billing.NewDate(2027, time.March, 25)}, bc.MonthToDate())

	// For EA the two are the same days.
	ea := newClient(t, srv, billingtest.EAEnterpriseAdmin)
	acct := scope(t, "/providers/Microsoft.Billing/billingAccounts/"+billingtest.EAAccount)
	a, _ := collect(t, ea.Records(context.Background(), acct, nil))
	b, _ := collect(t, ea.Records(context.Background(), acct, &usage.Options{Period: bc.MonthToDate()}))
	assert.Equal(t, a, b)
}
