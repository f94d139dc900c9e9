package billingtest

import (
	"fmt"
	"time"
)

// WithEASubscriptions adds n subscriptions to the EA enrollment (Engineering department and
// enrollment account), named "Fan-out 0001", ..., with ids eeeeeeee-0000-4000-8000-000000000001
// onwards (FanOutSubscription), for tests and benchmarks that read usage for many scopes at
// once. Their usage is generated like every other subscription's; the enrollment's own totals
// grow with them.
func WithEASubscriptions(n int) Option { return func(c *config) { c.usage.extraSubs = n } }

// FanOutSubscription returns the id of the i-th subscription (1-based) WithEASubscriptions adds.
func FanOutSubscription(i int) string { return fmt.Sprintf("eeeeeeee-0000-4000-8000-%012d", i) }

// addEASubscriptions appends n subscriptions modelled on the EA production subscription.
func addEASubscriptions(w *World, n int) {
	base := w.Subscription(SubscriptionEAEngProd)
	if base == nil || n <= 0 {
		return
	}
	for i := 1; i <= n; i++ {
		s := *base
		s.ID = FanOutSubscription(i)
		s.DisplayName = fmt.Sprintf("Fan-out %04d", i)
		s.Created = base.Created.Add(time.Duration(i) * 24 * time.Hour)
		s.InvoicePeriods = append([]Period(nil), base.InvoicePeriods...)
		s.Credit = nil
		w.Subscriptions = append(w.Subscriptions, &s)
	}
}
