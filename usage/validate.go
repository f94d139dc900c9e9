package usage

import (
	"context"
	"strings"
	"time"

	"github.com/azbilling/azbilling/billing"
)

// plan is a validated usage request: the scope to send, which API serves it and the requests
// (one per report or listing) to make, in order.
type plan struct {
	scope     billing.Scope // as sent (a billing subscription becomes its subscription)
	agreement billing.Agreement
	source    Source
	metric    Metric
	parts     []part
	reader    ReaderOptions
	blobs     int // blobs of a report downloaded at once (Options.BlobConcurrency)
}

// part is one report request: at most one field is set; none means the open month.
type part struct {
	period        billing.Period
	billingPeriod string
	invoiceID     string
}

// Limits of the services (usage-data.md §2.2, §2.6, §3).
const (
	historyMonths = 13 // Cost Details goes back 13 months
)

// consumptionFirstDay is the first day the Consumption API has data for.
func consumptionFirstDay() billing.Date { return billing.NewDate(2014, time.May, 1) }

// prepare validates scope and opts and plans the requests. Everything that can be checked
// without the service is checked first; only a subscription scope of unknown agreement costs a
// request (its billing property) before the agreement-specific checks.
func (c *Client) prepare(ctx context.Context, scope billing.Scope, o *Options) (*plan, error) {
	p := &plan{scope: scope}
	if o.Reader != nil {
		p.reader = *o.Reader
	}
	p.blobs = o.BlobConcurrency
	if p.blobs <= 0 {
		p.blobs = defaultBlobConcurrency
	}
	switch strings.ToLower(string(o.Metric)) {
	case "", "actualcost":
		p.metric = ActualCost
	case "amortizedcost":
		p.metric = AmortizedCost
	default:
		return nil, &billing.InputError{Field: "metric", Value: string(o.Metric), Reason: "expected ActualCost or AmortizedCost"}
	}
	set := 0
	for _, b := range []bool{!o.Period.IsZero(), o.BillingPeriod != "", o.InvoiceID != ""} {
		if b {
			set++
		}
	}
	if set > 1 {
		return nil, &billing.InputError{Field: "options", Reason: "set at most one of Period, BillingPeriod and InvoiceID"}
	}
	if !o.Period.IsZero() {
		if err := o.Period.Validate(); err != nil {
			return nil, err
		}
	}
	if err := checkScope(scope); err != nil {
		return nil, err
	}
	if scope.Kind() == billing.ScopeBillingSubscription {
		// Usage is reported per Azure subscription; the billing view of it names the same one.
		s, err := billing.SubscriptionScope(scope.Subscription())
		if err != nil {
			return nil, err
		}
		p.scope = s
		p.agreement = scope.AgreementHint()
	}
	if p.scope.Kind() == billing.ScopeSubscription && p.agreement == "" {
		p.agreement = o.Agreement
		if p.agreement == "" {
			sb, err := c.bc.SubscriptionBilling(ctx, p.scope.Subscription())
			if err != nil {
				return nil, err
			}
			p.agreement = sb.Agreement
		}
	}
	if p.agreement == "" {
		p.agreement = scope.AgreementHint()
	}
	if err := checkAgreement(p, scope, o); err != nil {
		return nil, err
	}
	today := billing.DateOf(c.cc.ARM.Now().UTC())
	parts, err := planParts(p, o, today)
	if err != nil {
		return nil, err
	}
	p.parts = parts
	return p, nil
}

// checkScope rejects scopes no usage API serves.
func checkScope(s billing.Scope) error {
	switch s.Kind() {
	case billing.ScopeInvalid:
		return &billing.InputError{Field: "scope", Reason: "the scope is not set; build one with billing.ParseScope or a scope constructor"}
	case billing.ScopeResourceGroup:
		return &billing.UnsupportedError{Operation: "fetch usage for a resource group", Scope: s.ID(),
			Reason:      "Cost Details reports are not available at resource group scope",
			Alternative: "request the subscription (SubscriptionScope) and keep the records whose ResourceGroup matches"}
	case billing.ScopeManagementGroup:
		return &billing.UnsupportedError{Operation: "fetch usage for a management group", Scope: s.ID(),
			Reason:      "Cost Details reports are not available at management group scope",
			Alternative: "request each subscription of the management group, or the billing account"}
	}
	return nil
}

// checkAgreement picks the API for the agreement and rejects option and scope combinations the
// service does not support.
func checkAgreement(p *plan, orig billing.Scope, o *Options) error {
	s := p.scope
	unsupported := func(op, reason, alt string) error {
		return &billing.UnsupportedError{Operation: op, Agreement: p.agreement, Scope: orig.ID(), Reason: reason, Alternative: alt}
	}
	switch p.agreement {
	case billing.AgreementMOSP:
		if s.Kind() != billing.ScopeSubscription {
			return unsupported("fetch usage for a pay-as-you-go billing account",
				"Cost Details reports are not available for Microsoft Online Services Program (pay-as-you-go) accounts, and their usage is listed per subscription",
				"request each subscription (SubscriptionScope), which the SDK serves from the Consumption usage details API")
		}
		p.source = SourceConsumption
		if o.BillingPeriod != "" {
			return unsupported("select usage by EA billing period", "BillingPeriod is an Enterprise Agreement option",
				"set Period to the days you need")
		}
		if o.InvoiceID != "" {
			return unsupported("select usage by invoice", "InvoiceID selects the charges of a Microsoft Customer Agreement invoice",
				"set Period to the invoice's billing period")
		}
		return nil
	case billing.AgreementEA:
		switch s.Kind() {
		case billing.ScopeProfile, billing.ScopeInvoiceSection, billing.ScopeCustomer:
			return unsupported("fetch usage for a "+s.Kind().String(),
				"Enterprise Agreement enrollments have no billing profiles, invoice sections or customers",
				"use the enrollment (AccountScope), a department (DepartmentScope) or an enrollment account (EnrollmentAccountScope)")
		}
		if o.InvoiceID != "" {
			return unsupported("select usage by invoice", "InvoiceID selects the charges of a Microsoft Customer Agreement invoice",
				`set BillingPeriod ("YYYYMM") or Period`)
		}
	default: // MCA, MPA and agreements the SDK does not know: Cost Details decides
		switch s.Kind() {
		case billing.ScopeDepartment, billing.ScopeEnrollmentAccount:
			return unsupported("fetch usage for a "+s.Kind().String(),
				"departments and enrollment accounts exist only in Enterprise Agreement enrollments",
				"use the billing account, a billing profile or an invoice section")
		}
		if o.BillingPeriod != "" {
			return unsupported("select usage by EA billing period", "BillingPeriod is an Enterprise Agreement option",
				"set Period, or InvoiceID for the charges of one invoice")
		}
		if o.InvoiceID != "" && s.Kind() != billing.ScopeProfile && s.Kind() != billing.ScopeCustomer {
			return &billing.InputError{Field: "invoice id", Value: o.InvoiceID,
				Reason: "Cost Details selects an invoice's charges only at billing profile or customer scope; use the invoice's billing profile (ProfileScope)"}
		}
	}
	p.source = SourceCostDetails
	return nil
}

// planParts turns the period options into requests, checking the services' limits.
func planParts(p *plan, o *Options, today billing.Date) ([]part, error) {
	cutoff := today.AddMonths(-historyMonths)
	switch {
	case o.BillingPeriod != "":
		m, err := parseBillingPeriod(o.BillingPeriod)
		if err != nil {
			return nil, err
		}
		if m.End.Before(cutoff) {
			return nil, &billing.InputError{Field: "billing period", Value: o.BillingPeriod,
				Reason: "Cost Details keeps 13 months of data (from " + cutoff.String() + "); use Cost Management exports for older usage"}
		}
		if m.Start.After(today) {
			return nil, &billing.InputError{Field: "billing period", Value: o.BillingPeriod,
				Reason: "the billing period starts after today (" + today.String() + " by the client's clock)"}
		}
		return []part{{billingPeriod: o.BillingPeriod}}, nil
	case o.InvoiceID != "":
		if len(o.InvoiceID) > 64 || strings.ContainsAny(o.InvoiceID, "/?#% \t\r\n\"") {
			return nil, &billing.InputError{Field: "invoice id", Value: o.InvoiceID, Reason: "expected an invoice name such as G123456789"}
		}
		return []part{{invoiceID: o.InvoiceID}}, nil
	case o.Period.IsZero():
		return []part{{}}, nil // the open month
	}
	per := o.Period
	if err := per.ValidateAt(today); err != nil {
		return nil, err // a future period fails here as it does for invoice lists
	}
	if p.source == SourceConsumption {
		if per.End.Before(consumptionFirstDay()) {
			return nil, &billing.InputError{Field: "period", Value: per.String(), Reason: "usage details exist from 2014-05-01 on"}
		}
		return []part{{period: per}}, nil
	}
	if per.Start.Before(cutoff) {
		return nil, &billing.InputError{Field: "period", Value: per.String(),
			Reason: "Cost Details keeps 13 months of data: the period must start on or after " + cutoff.String() + "; use Cost Management exports for older usage"}
	}
	if per.End.Before(per.Start.AddMonths(1)) {
		return []part{{period: per}}, nil
	}
	var parts []part
	for _, m := range per.Months() {
		parts = append(parts, part{period: m})
	}
	return parts, nil
}

// parseBillingPeriod reads an EA billing period "YYYYMM" as its calendar month.
func parseBillingPeriod(s string) (billing.Period, error) {
	bad := &billing.InputError{Field: "billing period", Value: s, Reason: `expected "YYYYMM", e.g. "202610"`}
	if len(s) != 6 {
		return billing.Period{}, bad
	}
	y, m := 0, 0
	for i, c := range s {
		if c < '0' || c > '9' {
			return billing.Period{}, bad
		}
		if i < 4 {
			y = y*10 + int(c-'0')
		} else {
			m = m*10 + int(c-'0')
		}
	}
	if y < 2000 || m < 1 || m > 12 {
		return billing.Period{}, bad
	}
	return billing.Month(y, time.Month(m)), nil
}
