package billingtest

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// usageState is the usage feature's state: its settings and the per-subscription strings rows
// repeat. Generated rows are never stored.
type usageState struct {
	cfg  usageConfig
	subs []*usageSub
	// reports counts Cost Details reports started (guarded by Server.mu), for WithUsageReportFailures.
	reports int
	// limiter enforces the Cost Details rate limits (nil: none); tooLarge counts 413 answers
	// (guarded by Server.mu).
	limiter  *cdLimiter
	tooLarge int
	// dropped are the rows DropUsageRow hides (guarded by Server.mu).
	dropped map[dropKey][]int
}

// mcaInvoices maps an MCA billing profile and billed month to the invoice that bills it (from
// the invoice feature's world; credit notes are left out), so closed-month usage rows carry the
// invoiceId of the invoice they appear on.
func (s *Server) mcaInvoices() map[invoiceMonth]string {
	out := map[invoiceMonth]string{}
	for _, inv := range s.invoices.names() { // names only: amounts are computed from usage
		if inv.Agreement == AgreementMCA && inv.DocumentType != "CreditNote" {
			out[invoiceMonth{strings.ToLower(inv.Profile), firstOfMonth(inv.PeriodStart)}] = inv.Name
		}
	}
	return out
}

type invoiceMonth struct {
	profile string // lower case
	month   time.Time
}

// usageInvoice finds the MCA invoice named id of a billing profile: the invoiceId a Cost Details
// report accepts.
func (s *Server) usageInvoice(profile, id string) (Invoice, bool) {
	// Names and periods only: computing invoice amounts would sum every invoice's usage.
	for _, inv := range s.invoices.names() {
		if strings.EqualFold(inv.Name, id) && inv.Agreement == AgreementMCA && strings.EqualFold(inv.Profile, profile) {
			// Only the fields fixed at start: the amounts may be being computed meanwhile.
			return Invoice{Name: inv.Name, Account: inv.Account, Agreement: inv.Agreement, Profile: inv.Profile,
				PeriodStart: inv.PeriodStart, PeriodEnd: inv.PeriodEnd}, true
		}
	}
	return Invoice{}, false
}

// UsageInvoice is an MCA invoice as the usage data sees it: the id a Cost Details report
// accepts as invoiceId (and that closed-month MCA usage rows carry) and the month it bills.
type UsageInvoice struct {
	ID      string
	Profile string
	Period  Period
}

// UsageInvoices lists the invoices (not credit notes) of an MCA billing profile whose billed
// month lies within the last 13 months (Cost Details' history), oldest first.
func (s *Server) UsageInvoices(profile string) []UsageInvoice {
	cutoff := day(s.Now()).AddDate(0, -13, 0)
	var out []UsageInvoice
	for _, inv := range s.invoices.names() {
		if inv.Agreement != AgreementMCA || inv.DocumentType == "CreditNote" || !strings.EqualFold(inv.Profile, profile) ||
			inv.PeriodEnd.Before(cutoff) {
			continue
		}
		out = append(out, UsageInvoice{ID: inv.Name, Profile: inv.Profile, Period: Period{Start: inv.PeriodStart, End: inv.PeriodEnd}})
	}
	return out
}

// UsageOpenMonth is the open month a Cost Details request without a period reports: the first
// of the current month (world clock) up to and including today.
func (s *Server) UsageOpenMonth() Period {
	today := day(s.Now())
	return Period{Start: firstOfMonth(today), End: today}
}

// usageScopeRef parses an ARM id of a usage scope (billing account, billing profile, invoice
// section, department, enrollment account, subscription) into a scopeRef with canonical names
// and ancestors filled in. Callers hold s.mu.
func (s *Server) usageScopeRef(id string) (scopeRef, *Account, error) {
	segs, err := splitPath(id)
	if err != nil || len(segs) < 2 {
		return scopeRef{}, nil, fmt.Errorf("billingtest: %q is not a usage scope", id)
	}
	eq := strings.EqualFold
	w := s.world
	if eq(segs[0], "subscriptions") && len(segs) == 2 {
		sub := w.Subscription(segs[1])
		if sub == nil {
			return scopeRef{}, nil, fmt.Errorf("billingtest: unknown subscription %q", segs[1])
		}
		return scopeOfSubscription(sub), w.Account(sub.Account), nil
	}
	if len(segs) < 4 || !eq(segs[0], "providers") || !eq(segs[1], "Microsoft.Billing") {
		return scopeRef{}, nil, fmt.Errorf("billingtest: %q is not a usage scope", id)
	}
	if len(segs) == 4 && (eq(segs[2], "departments") || eq(segs[2], "enrollmentAccounts")) {
		for _, a := range w.Accounts {
			if eq(segs[2], "departments") && a.Department(segs[3]) != nil {
				return scopeRef{account: a.Name, department: a.Department(segs[3]).Name}, a, nil
			}
			if eq(segs[2], "enrollmentAccounts") && a.EnrollmentAccount(segs[3]) != nil {
				e := a.EnrollmentAccount(segs[3])
				return scopeRef{account: a.Name, department: e.Department, enrollmentAccount: e.Name}, a, nil
			}
		}
		return scopeRef{}, nil, fmt.Errorf("billingtest: unknown %s %q", segs[2], segs[3])
	}
	if !eq(segs[2], "billingAccounts") {
		return scopeRef{}, nil, fmt.Errorf("billingtest: %q is not a usage scope", id)
	}
	a := w.Account(segs[3])
	if a == nil {
		return scopeRef{}, nil, fmt.Errorf("billingtest: unknown billing account %q", segs[3])
	}
	sc := scopeRef{account: a.Name}
	rest := segs[4:]
	switch {
	case len(rest) == 0:
	case len(rest) == 2 && eq(rest[0], "billingProfiles") && a.Profile(rest[1]) != nil:
		sc.profile = a.Profile(rest[1]).Name
	case len(rest) == 4 && eq(rest[0], "billingProfiles") && eq(rest[2], "invoiceSections") &&
		a.Profile(rest[1]) != nil && a.Profile(rest[1]).Section(rest[3]) != nil:
		p := a.Profile(rest[1])
		sc.profile, sc.section = p.Name, p.Section(rest[3]).Name
	case len(rest) == 2 && eq(rest[0], "departments") && a.Department(rest[1]) != nil:
		sc.department = a.Department(rest[1]).Name
	case len(rest) == 2 && eq(rest[0], "enrollmentAccounts") && a.EnrollmentAccount(rest[1]) != nil:
		e := a.EnrollmentAccount(rest[1])
		sc.department, sc.enrollmentAccount = e.Department, e.Name
	default:
		return scopeRef{}, nil, fmt.Errorf("billingtest: %q is not a usage scope of the seeded world", id)
	}
	return sc, a, nil
}

// usageSubsIn lists the subscriptions under sc. Callers hold s.mu.
func (s *Server) usageSubsIn(sc scopeRef) []*usageSub {
	var out []*usageSub
	for _, us := range s.usage.subs {
		if sc.covers(scopeOfSubscription(us.s)) {
			out = append(out, us)
		}
	}
	return out
}

// newUsagePlan builds the row sequence for subscriptions subs over [start, end], cut at today.
func (s *Server) newUsagePlan(subs []*usageSub, start, end time.Time, amortized bool) *usagePlan {
	today := day(s.Now())
	start, end = day(start), day(end)
	if end.After(today) {
		end = today
	}
	days := 0
	if !end.Before(start) {
		days = int(end.Sub(start).Hours()/24) + 1
	}
	p := &usagePlan{
		seed: uint64(s.cfg.seed), start: start, days: days, subs: subs,
		rowsPerDay: s.usage.cfg.rowsPerDay, amortized: amortized, openFrom: firstOfMonth(today),
	}
	for _, us := range subs {
		if us.agreement == AgreementMCA {
			p.invoices = s.mcaInvoices()
			break
		}
	}
	s.mu.RLock()
	if len(s.usage.dropped) > 0 {
		p.dropped = make(map[dropKey][]int, len(s.usage.dropped))
		for k, v := range s.usage.dropped {
			p.dropped[k] = slices.Clone(v)
		}
	}
	s.mu.RUnlock()
	return p
}

// UsageTotal is the ground truth of a usage query: the exact sum of the cost column per
// currency over the rows a Cost Details report (or Consumption listing) of scope (an ARM id)
// for the days of p would contain, for metric "ActualCost" or "AmortizedCost" (any case). It is
// computed from the generator's integers, never from rendered CSV. Days after today (world
// clock) have no usage. An unknown scope or metric yields nil.
func (s *Server) UsageTotal(scope string, p Period, metric string) map[string]string {
	plan, ok := s.truthPlan(scope, p, metric)
	if !ok {
		return nil
	}
	sums := map[string]*u128{}
	plan.each(rowPos{}, func(_ rowPos, r *usageRow) bool {
		cur := r.sub.s.Currency
		a := sums[cur]
		if a == nil {
			a = &u128{}
			sums[cur] = a
		}
		a.add(r.costHi, r.costLo)
		return true
	})
	out := make(map[string]string, len(sums))
	for cur, a := range sums {
		out[cur] = a.decimal(costScale)
	}
	return out
}

// UsageRowCount is how many rows the query of UsageTotal covers.
func (s *Server) UsageRowCount(scope string, p Period, metric string) int {
	plan, ok := s.truthPlan(scope, p, metric)
	if !ok {
		return 0
	}
	return plan.count()
}

func (s *Server) truthPlan(scope string, p Period, metric string) (*usagePlan, bool) {
	amortized := strings.EqualFold(metric, "AmortizedCost")
	if !amortized && !strings.EqualFold(metric, "ActualCost") && metric != "" {
		return nil, false
	}
	s.mu.RLock()
	sc, _, err := s.usageScopeRef(scope)
	var subs []*usageSub
	if err == nil {
		subs = s.usageSubsIn(sc)
	}
	s.mu.RUnlock()
	if err != nil {
		return nil, false
	}
	return s.newUsagePlan(subs, p.Start, p.End, amortized), true
}

// escapedScopePath escapes an ARM path segment by segment, keeping ':' literal.
func escapedScopePath(segs []string) string {
	var b strings.Builder
	for _, sg := range segs {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(url.PathEscape(sg), "%3A", ":"))
	}
	return b.String()
}
