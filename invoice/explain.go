package invoice

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/internal/arm"
	"github.com/azbilling/azbilling/internal/wire"
	"github.com/azbilling/azbilling/roles"
)

// ReasonKind says why an invoice is missing.
type ReasonKind string

// Reasons an invoice can be missing, after Microsoft's "why you might not get an invoice" list.
const (
	// ReasonNoAccess: the caller has no role that may view invoices on the scope.
	ReasonNoAccess ReasonKind = "no-access"
	// ReasonTooNew: the subscription is less than 30 days old; its first invoice comes after its
	// first billing period ends.
	ReasonTooNew ReasonKind = "subscription-too-new"
	// ReasonBeforeStart: the period ends before the subscription was created.
	ReasonBeforeStart ReasonKind = "before-start"
	// ReasonNotIssuedYet: the billing period has not ended, or the invoice is not generated yet.
	ReasonNotIssuedYet ReasonKind = "not-issued-yet"
	// ReasonWithinCredit: a free trial or monthly-credit offer (Visual Studio, ...) is invoiced
	// only when usage exceeds the credit.
	ReasonWithinCredit ReasonKind = "within-credit"
	// ReasonEmailed: Enterprise Agreement invoices are e-mailed to the enrollment's invoice
	// recipient.
	ReasonEmailed ReasonKind = "emailed"
	// ReasonBilledElsewhere: the subscription is billed through an MCA/MPA billing profile or an
	// EA enrollment, whose invoices carry its charges (Reason.Scope names it).
	ReasonBilledElsewhere ReasonKind = "billed-elsewhere"
	// ReasonUnexplained: the service lists no invoice and none of the known reasons applies.
	ReasonUnexplained ReasonKind = "unexplained"
)

// Reason is one cause of a missing invoice, with the facts behind it.
type Reason struct {
	Kind    ReasonKind
	Message string // one sentence for a person

	Required      []roles.Role  // ReasonNoAccess: roles that would allow viewing invoices
	Held          []roles.Role  // ReasonNoAccess: billing roles the caller holds there, when readable
	Created       billing.Date  // ReasonTooNew, ReasonBeforeStart: when the subscription was created
	ExpectedAfter billing.Date  // ReasonTooNew, ReasonNotIssuedYet: the earliest day the invoice can appear
	Offer         string        // ReasonWithinCredit: the offer, e.g. MS-AZR-0063P
	Recipient     string        // ReasonEmailed: the enrollment's invoice recipient, when readable
	Scope         billing.Scope // ReasonBilledElsewhere: the billing profile or account whose invoices to list
	Err           error         // ReasonNoAccess: the service's *roles.PermissionError; ReasonBilledElsewhere: the *BilledElsewhereError
}

// String returns the reason's message.
func (r Reason) String() string { return r.Message }

// Explanation answers "why is my invoice missing?" for a scope and a period.
type Explanation struct {
	Scope    billing.Scope
	Period   billing.Period
	Invoices []Invoice // what the service lists for the period
	Reasons  []Reason  // why (more) invoices are not there; empty when nothing is missing
}

// Missing reports whether invoices for the period are missing: none is listed, or part of the
// period is not invoiced yet.
func (e Explanation) Missing() bool {
	return len(e.Invoices) == 0 || e.Has(ReasonNotIssuedYet)
}

// Has reports whether one of the reasons is of kind k.
func (e Explanation) Has(k ReasonKind) bool {
	return slices.ContainsFunc(e.Reasons, func(r Reason) bool { return r.Kind == k })
}

// Reason returns the first reason of kind k.
func (e Explanation) Reason(k ReasonKind) (Reason, bool) {
	for _, r := range e.Reasons {
		if r.Kind == k {
			return r, true
		}
	}
	return Reason{}, false
}

// String is a short report: what was found and why anything is missing.
func (e Explanation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d invoice(s) for %s on %s", len(e.Invoices), e.Period, e.Scope.ID())
	for _, r := range e.Reasons {
		b.WriteString("\n- ")
		b.WriteString(r.Message)
	}
	return b.String()
}

// creditOffers are MOSP offers that come with a credit and are invoiced only past it (Free Trial,
// Visual Studio and MSDN subscriber offers, Azure for Students). The service's own signal,
// billingProperty's subscriptionBillingType "Benefit" or "Free", is checked first.
var creditOffers = []string{"MS-AZR-0044P", "MS-AZR-0029P", "MS-AZR-0059P", "MS-AZR-0060P", "MS-AZR-0062P",
	"MS-AZR-0063P", "MS-AZR-0064P", "MS-AZR-0144P", "MS-AZR-0170P"}

// Explain works out why invoices for period are missing on the client's scope, from what the
// service exposes: the invoice list, the caller's access, and for subscriptions the billing
// subscription (creation date, offer) and billing property (billing type). Each reason carries
// its facts. It fails only when the service cannot be asked at all (network, throttling, a bad
// period); a refusal to list invoices is itself a reason (ReasonNoAccess).
func (c *Client) Explain(ctx context.Context, period billing.Period) (Explanation, error) {
	if err := c.ready(); err != nil {
		return Explanation{}, err
	}
	if err := period.Validate(); err != nil {
		return Explanation{}, err
	}
	exp := Explanation{Scope: c.scope, Period: period}
	today := billing.DateOf(c.cc.ARM.Now().UTC())

	denied := false
	future := period.Start.After(today) // nothing can be listed yet; the reasons below say when
	for inv, err := range c.List(ctx, &ListOptions{Period: period}) {
		if future {
			break
		}
		if err != nil {
			var elsewhere *BilledElsewhereError
			if errors.As(err, &elsewhere) {
				exp.Reasons = append(exp.Reasons, Reason{Kind: ReasonBilledElsewhere, Scope: elsewhere.Scope, Err: err, Message: fmt.Sprintf(
					"The subscription is billed through a %s %s: its charges are on the invoices of %s, not on invoices of its own.",
					elsewhere.Agreement.String(), elsewhere.Scope.Kind().String(), elsewhere.Scope.ID())})
				return exp, nil
			}
			var perr *roles.PermissionError
			if !errors.As(err, &perr) {
				return exp, err
			}
			denied = true
			exp.Reasons = append(exp.Reasons, c.noAccess(ctx, perr, err))
			break
		}
		exp.Invoices = append(exp.Invoices, inv)
	}

	switch {
	case c.scope.Kind() == billing.ScopeBillingSubscription:
		c.explainSubscription(ctx, &exp, today, denied)
	case c.agreement == billing.AgreementEA:
		if pe := billing.MonthOf(period.End); !today.After(pe.End) {
			exp.Reasons = append(exp.Reasons, notIssued(period, pe.End.AddDays(1),
				"an Enterprise Agreement invoice is issued after the calendar month ends"))
		}
		if len(exp.Invoices) == 0 || denied {
			exp.Reasons = append(exp.Reasons, c.emailed(ctx))
		}
	default:
		c.explainProfile(ctx, &exp, today)
	}
	if len(exp.Invoices) == 0 && len(exp.Reasons) == 0 {
		exp.Reasons = append(exp.Reasons, Reason{Kind: ReasonUnexplained, Message: fmt.Sprintf(
			"The service lists no invoice for %s and none of the usual reasons applies: there may have been no charges in that period.", period)})
	}
	return exp, nil
}

func (c *Client) noAccess(ctx context.Context, perr *roles.PermissionError, err error) Reason {
	r := Reason{Kind: ReasonNoAccess, Required: perr.Required, Err: err}
	if c.scope.Kind() == billing.ScopeAccount || c.scope.Kind() == billing.ScopeProfile {
		// Which roles the caller does hold makes the advice concrete; it may be unreadable too.
		if acc, aerr := c.bc.Access(ctx, c.scope); aerr == nil {
			r.Held = acc.Roles
		}
	}
	var b strings.Builder
	b.WriteString("You cannot view invoices on " + c.scope.ID())
	if len(r.Held) > 0 {
		b.WriteString(" with your role(s) " + roleNames(r.Held))
	}
	if len(r.Required) > 0 {
		b.WriteString("; ask for one of: " + roleNames(r.Required))
	}
	if perr.Policy != roles.PolicyNone {
		b.WriteString("; " + perr.Policy.Description())
	} else {
		b.WriteString(".")
	}
	r.Message = b.String()
	return r
}

func roleNames(rs []roles.Role) string {
	names := make([]string, 0, len(rs))
	for _, r := range rs {
		if n := r.DisplayName(); n != "" {
			names = append(names, n)
		} else {
			names = append(names, string(r))
		}
	}
	return strings.Join(names, ", ")
}

func notIssued(period billing.Period, after billing.Date, why string) Reason {
	return Reason{Kind: ReasonNotIssuedYet, ExpectedAfter: after, Message: fmt.Sprintf(
		"The billing period that contains %s has not been invoiced yet: %s; expect it on or after %s.", period.End, why, after)}
}

func (c *Client) emailed(ctx context.Context) Reason {
	r := Reason{Kind: ReasonEmailed, Recipient: c.invoiceRecipient(ctx)}
	if r.Recipient != "" {
		r.Message = "Enterprise Agreement invoices are e-mailed to the enrollment's invoice recipient, " + r.Recipient + ", who can forward a copy."
	} else {
		r.Message = "Enterprise Agreement invoices are e-mailed to the enrollment's invoice recipient (an enterprise administrator can tell who it is), who can forward a copy."
	}
	return r
}

// explainProfile covers MCA/MPA billing profiles and accounts (and MOSP accounts): invoices are
// monthly, issued on the profile's invoice day of the following month.
func (c *Client) explainProfile(ctx context.Context, exp *Explanation, today billing.Date) {
	invoiceDay := 0
	if c.scope.Kind() == billing.ScopeProfile {
		if p, err := c.bc.Profile(ctx, c.scope.BillingAccount(), c.scope.BillingProfile()); err == nil {
			invoiceDay = p.InvoiceDay
		}
	}
	month := billing.MonthOf(exp.Period.End)
	issue := month.End.AddDays(max(invoiceDay, 1))
	if today.Before(issue) {
		why := "the billing period ends on " + month.End.String()
		if !today.After(month.End) {
			why = "the billing period is still open until " + month.End.String()
		}
		if invoiceDay > 0 {
			why += fmt.Sprintf(" and the billing profile is invoiced on day %d of the following month", invoiceDay)
		}
		exp.Reasons = append(exp.Reasons, notIssued(exp.Period, issue, why))
	}
}

// subscriptionFacts are what the service says about a MOSP subscription.
type subscriptionFacts struct {
	created     time.Time
	offer       string
	billingType string // billingProperty subscriptionBillingType: Paid, Free, Benefit, ...
}

func (c *Client) subscriptionFacts(ctx context.Context) subscriptionFacts {
	var f subscriptionFacts
	var w struct {
		Properties struct {
			PurchaseDate string `json:"purchaseDate"`
			CreatedOn    string `json:"createdOn"`
			OfferID      string `json:"offerId"`
		} `json:"properties"`
	}
	req := arm.Request{Method: http.MethodGet, Path: c.scope.ID(), APIVersion: billing.APIVersion,
		Call: arm.Call{Action: roles.ViewBillingAccount, Scope: c.scope.ID(), Agreement: c.agreement}}
	if _, _, err := c.cc.ARM.DoJSON(ctx, req, &w); err == nil {
		f.created, _ = wire.ParseTime(w.Properties.PurchaseDate)
		if f.created.IsZero() {
			f.created, _ = wire.ParseTime(w.Properties.CreatedOn)
		}
		f.offer = w.Properties.OfferID
	}
	if sb, err := c.bc.SubscriptionBilling(ctx, c.scope.Subscription()); err == nil {
		f.billingType = sb.SubscriptionBillingType
	}
	return f
}

// explainSubscription covers individual (MOSP) subscriptions: billing periods run monthly from
// the day the subscription was created; the first invoice follows the first full period.
func (c *Client) explainSubscription(ctx context.Context, exp *Explanation, today billing.Date, denied bool) {
	f := c.subscriptionFacts(ctx)
	if !f.created.IsZero() {
		created := billing.DateOf(f.created)
		first := created.AddMonths(1)
		switch {
		case today.Before(created.AddDays(30)):
			exp.Reasons = append(exp.Reasons, Reason{Kind: ReasonTooNew, Created: created, ExpectedAfter: first, Message: fmt.Sprintf(
				"The subscription was created on %s, less than 30 days ago: its first invoice comes after its first billing period ends, on or after %s.", created, first)})
		case exp.Period.End.Before(created):
			exp.Reasons = append(exp.Reasons, Reason{Kind: ReasonBeforeStart, Created: created, Message: fmt.Sprintf(
				"The subscription was created on %s, after the period %s.", created, exp.Period)})
		default:
			// The billing period that holds the period's last day, and whether it has ended.
			i := 0
			for i < 1200 && !created.AddMonths(i+1).After(exp.Period.End) {
				i++
			}
			start, end := created.AddMonths(i), created.AddMonths(i+1).AddDays(-1)
			if !today.After(end) {
				exp.Reasons = append(exp.Reasons, notIssued(exp.Period, end.AddDays(1),
					fmt.Sprintf("the subscription's billing period %s..%s has not ended", start, end)))
			}
		}
	}
	credit := strings.EqualFold(f.billingType, "Benefit") || strings.EqualFold(f.billingType, "Free") ||
		slices.ContainsFunc(creditOffers, func(o string) bool { return strings.EqualFold(o, f.offer) })
	if credit && len(exp.Invoices) == 0 && !denied {
		offer := f.offer
		if offer == "" {
			offer = "a credit offer"
		}
		exp.Reasons = append(exp.Reasons, Reason{Kind: ReasonWithinCredit, Offer: f.offer, Message: fmt.Sprintf(
			"The subscription is on %s, which comes with a monthly credit or free trial: an invoice is issued only when usage exceeds the credit.", offer)})
	}
}
