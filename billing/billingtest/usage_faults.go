package billingtest

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// DroppedRow describes a usage row hidden by DropUsageRow.
type DroppedRow struct {
	// Cost is the row's exact actual cost, a decimal string in Currency.
	Cost string
	// Billed is the cost rounded to the cent: what the row adds to the invoice that bills it.
	Billed string
	// Currency is the subscription's billing currency.
	Currency string
}

// DropUsageRow is a fault hook for reconciliation tests: from now on the usage APIs (Cost
// Details reports and Consumption usage details, actual cost) leave out one row — the row with
// that ordinal among the subscription's rows of that day (0-based, in the order the reports list
// them; on the 1st of a month the reservation purchase comes first for the subscription that
// holds the account's reservation). Invoices keep billing it, so a reconciliation of the invoice
// finds exactly the row's billed amount unexplained. UsageTotal and UsageRowCount leave it out
// too. Amortized cost is not affected.
func (s *Server) DropUsageRow(subscriptionID string, date time.Time, ordinal int) (DroppedRow, error) {
	d := day(date)
	s.mu.Lock()
	defer s.mu.Unlock()
	var us *usageSub
	for _, u := range s.usage.subs {
		if strings.EqualFold(u.s.ID, subscriptionID) {
			us = u
		}
	}
	if us == nil {
		return DroppedRow{}, fmt.Errorf("billingtest: unknown subscription %q", subscriptionID)
	}
	p := &usagePlan{seed: uint64(s.cfg.seed), start: d, days: 1, subs: []*usageSub{us}, rowsPerDay: s.usage.cfg.rowsPerDay}
	n := p.allRowsOf(us, d)
	if d.After(day(s.Now())) || ordinal < 0 || ordinal >= n {
		return DroppedRow{}, fmt.Errorf("billingtest: subscription %s has %d usage rows on %s; no row %d", subscriptionID, n, d.Format(time.DateOnly), ordinal)
	}
	k := dropKey{us.idx, d.Unix() / 86400}
	if slices.Contains(s.usage.dropped[k], ordinal) {
		return DroppedRow{}, fmt.Errorf("billingtest: row %d of %s on %s is already dropped", ordinal, subscriptionID, d.Format(time.DateOnly))
	}
	var r usageRow
	p.fill(&r, us, d, 0, ordinal, n)
	if s.usage.dropped == nil {
		s.usage.dropped = map[dropKey][]int{}
	}
	s.usage.dropped[k] = append(s.usage.dropped[k], ordinal)
	slices.Sort(s.usage.dropped[k])
	var c u128
	c.add(r.costHi, r.costLo)
	return DroppedRow{Cost: c.decimal(costScale), Billed: money(roundCents(&r)), Currency: us.s.Currency}, nil
}
