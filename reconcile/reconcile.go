// Package reconcile checks an invoice against the usage it bills: it fetches that usage, totals
// it exactly per currency, and explains the difference to what the invoice charged line by line —
// rounding, credits, Azure prepayment, free credit, tax, charges that usage does not carry and
// usage another invoice bills — leaving an unexplained remainder that is zero when everything is
// accounted for.
//
//	rc := reconcile.NewClient(bc)
//	res, err := rc.Invoice(ctx, inv)          // inv from invoice.Client.List or Get
//	fmt.Println(res.Invoice.Name, res.Reconciled(), res.Unexplained)
//	for _, l := range res.Lines { fmt.Println(l.Kind, l.Amount, l.Text) }
//
// Which usage an invoice bills depends on the agreement:
//
//   - MCA/MPA: the Cost Details report of the invoice's billing profile selected by invoice id
//     (usage.Options.InvoiceID), which holds usage and purchases billed on it;
//   - EA: the Cost Details report of the enrollment for the invoice's billing period
//     (usage.Options.BillingPeriod, the calendar month);
//   - individual pay-as-you-go (MOSP): the Consumption usage of the invoice's subscription over
//     its invoice period (the subscription's billing period).
//
// The explanation follows the amounts the invoice shows (see invoice.Invoice):
//
//	Charged = usage + rounding + not in usage − credit − prepayment − free credit + tax
//
// where usage is the exact sum of the rows' cost in the invoice's currency, rounding is the sum of
// each row's cost rounded to the cent minus its cost (invoices bill lines at the cent), and a
// credit note, which bills no usage, is all "not in usage". Rows in another currency, or that name
// another invoice or billing period, are reported as LineUsageNotOnInvoice and left out. A usage row
// missing from the service's answer therefore shows as that row's billed amount unexplained; an
// amount field changed shows as the change.
//
// Cost Details keeps 13 months of usage: older EA and MCA invoices cannot be reconciled (their
// usage request fails with a *billing.InputError).
//
// What it cannot see on Azure, and reports rather than hides: invoices round per invoice line (a
// meter's charges over the period), which usage rows do not show, so there the rounding line is
// an estimate and a few cents may stay unexplained; a pay-as-you-go invoice shows only
// billedAmount, so any tax on it stays unexplained (Result.Notes says so); a credit note's amount
// is taken as stated, since no usage backs it. On the emulator (package billingtest), which
// rounds per row and itemises every step, every invoice closes at exactly zero.
package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/invoice"
	"github.com/azbilling/azbilling/usage"
)

// LineKind says what a Line accounts for.
type LineKind string

// Line kinds, in the order Result.Lines lists them.
const (
	// LineUsage is the exact total of the usage rows the invoice bills.
	LineUsage LineKind = "usage"
	// LineRounding is the sum over those rows of the cost rounded to the cent minus the cost.
	LineRounding LineKind = "rounding"
	// LineNotInUsage is charged on the invoice without usage rows: a credit note's amount.
	LineNotInUsage LineKind = "not-in-usage"
	// LineCredit is the invoice's creditAmount, negative.
	LineCredit LineKind = "credit"
	// LinePrepayment is the invoice's azurePrepaymentApplied, negative.
	LinePrepayment LineKind = "prepayment"
	// LineFreeCredit is the invoice's freeAzureCreditApplied, negative.
	LineFreeCredit LineKind = "free-credit"
	// LineTax is the invoice's taxAmount.
	LineTax LineKind = "tax"
	// LineUsageNotOnInvoice is usage the request returned that this invoice does not bill (rows
	// of another invoice, billing period or currency). It is informational: it is not part of
	// the sum, and its Amount may be in another currency.
	LineUsageNotOnInvoice LineKind = "usage-not-on-invoice"
)

// Line is one step from the usage to the charged amount.
type Line struct {
	Kind   LineKind       // what the step is
	Amount billing.Amount // signed: what the step adds to the charged amount
	Rows   int            // LineUsage, LineRounding, LineUsageNotOnInvoice: the rows counted
	Text   string         // one sentence for a person
}

// Result is the reconciliation of one invoice.
type Result struct {
	// Invoice is the invoice reconciled, as given.
	Invoice invoice.Invoice
	// Scope is the scope whose usage was read (zero for a credit note).
	Scope billing.Scope
	// Usage is the selection of the usage request: InvoiceID (MCA/MPA), BillingPeriod (EA) or
	// Period (MOSP).
	Usage usage.Options
	// UsageRows is the number of usage rows read (on the invoice or not).
	UsageRows int
	// UsageTotals is the exact total cost of every row read, per currency.
	UsageTotals map[string]billing.Decimal
	// Lines are the steps from usage to Charged, in the order of the LineKind constants.
	Lines []Line
	// Charged is what the invoice charged (invoice.Invoice.Charged).
	Charged billing.Amount
	// Explained is the sum of the lines (LineUsageNotOnInvoice excluded), in Charged's currency.
	Explained billing.Amount
	// Unexplained is Charged − Explained: zero when the invoice is fully accounted for.
	Unexplained billing.Amount
	// Notes say what the reconciliation could not see, e.g. an invoice that does not itemise tax.
	Notes []string
}

// Reconciled reports whether nothing is left unexplained.
func (r Result) Reconciled() bool { return r.Unexplained.Value.IsZero() }

// Line returns the first line of kind k.
func (r Result) Line(k LineKind) (Line, bool) {
	for _, l := range r.Lines {
		if l.Kind == k {
			return l, true
		}
	}
	return Line{}, false
}

// String is one line: invoice, period, charged, explained and unexplained.
func (r Result) String() string {
	state := "reconciled"
	if !r.Reconciled() {
		state = "UNEXPLAINED " + r.Unexplained.String()
	}
	return fmt.Sprintf("%s %s charged %s, usage %d rows: %s", r.Invoice.Name, r.Invoice.Period, r.Charged, r.UsageRows, state)
}

// Client reconciles invoices with usage. It is safe for concurrent use.
type Client struct {
	bc *billing.Client
	uc *usage.Client
}

// NewClient returns a Client that reads usage through bc.
func NewClient(bc *billing.Client) *Client { return &Client{bc: bc, uc: usage.NewClient(bc)} }

// usageFor works out which usage an invoice bills.
func usageFor(inv invoice.Invoice) (billing.Scope, usage.Options, error) {
	ag := inv.Agreement
	switch {
	case inv.BillingProfileID != "":
		if ag == "" || ag == billing.AgreementMOSP {
			ag = billing.AgreementMCA
		}
	case inv.SubscriptionID != "" && ag == "":
		ag = billing.AgreementMOSP
	}
	switch ag {
	case billing.AgreementMOSP:
		s, err := billing.SubscriptionScope(inv.SubscriptionID)
		return s, usage.Options{Period: inv.Period, Agreement: billing.AgreementMOSP}, err
	case billing.AgreementEA:
		account, _, ok := strings.Cut(inv.ID, "/invoices/")
		if !ok {
			return billing.Scope{}, usage.Options{}, &billing.InputError{Field: "invoice id", Value: inv.ID, Reason: "expected a billing account invoice id"}
		}
		s, err := billing.ParseScope(account)
		bp := fmt.Sprintf("%04d%02d", inv.Period.Start.Year, int(inv.Period.Start.Month))
		return s, usage.Options{BillingPeriod: bp}, err
	default:
		s, err := billing.ParseScope(inv.BillingProfileID)
		if err == nil && s.Kind() != billing.ScopeProfile {
			err = &billing.InputError{Field: "billing profile id", Value: inv.BillingProfileID, Reason: "not a billing profile"}
		}
		return s, usage.Options{InvoiceID: inv.Name}, err
	}
}

// Invoice reconciles one invoice (from invoice.Client.List or Get) with the usage it bills.
// Errors are those of the usage request (*roles.PermissionError, *billing.InputError for an
// invoice older than the usage history, ...).
func (c *Client) Invoice(ctx context.Context, inv invoice.Invoice) (Result, error) {
	res := Result{Invoice: inv, Charged: inv.Charged(), UsageTotals: map[string]billing.Decimal{}}
	cur := res.Charged.Currency
	amt := func(v billing.Decimal) billing.Amount { return billing.Amount{Value: v, Currency: cur} }
	var onInvoice, rounding billing.Decimal
	onRows := 0
	type off struct {
		v    billing.Decimal
		rows int
	}
	offInvoice := map[string]*off{}

	if inv.DocumentType == invoice.KindCreditNote {
		res.Lines = append(res.Lines, Line{Kind: LineNotInUsage, Amount: inv.SubTotal,
			Text: "a credit note bills no usage: it credits part of " + lastSegment(inv.CreditFor)})
	} else {
		scope, opts, err := usageFor(inv)
		if err != nil {
			return res, err
		}
		res.Scope, res.Usage = scope, opts
		for rec, err := range c.uc.Records(ctx, scope, &opts) {
			if err != nil {
				return res, err
			}
			res.UsageRows++
			res.UsageTotals[rec.Currency] = res.UsageTotals[rec.Currency].Add(rec.Cost)
			if !billedHere(inv, rec) || (cur != "" && rec.Currency != "" && !strings.EqualFold(rec.Currency, cur)) {
				o := offInvoice[rec.Currency]
				if o == nil {
					o = &off{}
					offInvoice[rec.Currency] = o
				}
				o.v, o.rows = o.v.Add(rec.Cost), o.rows+1
				continue
			}
			onRows++
			onInvoice = onInvoice.Add(rec.Cost)
			rounding = rounding.Add(rec.Cost.Round(2).Sub(rec.Cost))
		}
		res.Lines = append(res.Lines,
			Line{Kind: LineUsage, Amount: amt(onInvoice), Rows: onRows, Text: fmt.Sprintf("%d usage rows billed on the invoice", onRows)},
			Line{Kind: LineRounding, Amount: amt(rounding), Rows: onRows, Text: "each row's cost rounded to the cent"})
	}
	neg := func(k LineKind, a billing.Amount, text string) {
		if !a.Value.IsZero() {
			res.Lines = append(res.Lines, Line{Kind: k, Amount: a.Neg(), Text: text})
		}
	}
	neg(LineCredit, inv.Credit, "credits applied (creditAmount)")
	neg(LinePrepayment, inv.Prepayment, "Azure prepayment applied (azurePrepaymentApplied)")
	neg(LineFreeCredit, inv.FreeCredit, "free Azure credit applied (freeAzureCreditApplied)")
	if inv.DocumentType != invoice.KindCreditNote && !inv.Tax.Value.IsZero() {
		res.Lines = append(res.Lines, Line{Kind: LineTax, Amount: inv.Tax, Text: "tax (taxAmount)"})
	}
	if inv.DocumentType == invoice.KindCreditNote && !inv.Tax.Value.IsZero() {
		res.Lines = append(res.Lines, Line{Kind: LineTax, Amount: inv.Tax, Text: "tax credited (taxAmount)"})
	}
	if inv.Tax.Currency == "" && inv.Total.Currency == "" {
		res.Notes = append(res.Notes, "the invoice does not itemise tax, credits or prepayment (only billedAmount): any of them is left unexplained")
	}
	for c, o := range offInvoice {
		res.Lines = append(res.Lines, Line{Kind: LineUsageNotOnInvoice, Amount: billing.Amount{Value: o.v, Currency: c}, Rows: o.rows,
			Text: fmt.Sprintf("%d rows of the request that this invoice does not bill", o.rows)})
	}

	var sum billing.Decimal
	for _, l := range res.Lines {
		if l.Kind == LineUsageNotOnInvoice {
			continue
		}
		if l.Amount.Currency != "" && cur != "" && !strings.EqualFold(l.Amount.Currency, cur) {
			res.Notes = append(res.Notes, fmt.Sprintf("%s is in %s, the invoice in %s: left out", l.Kind, l.Amount.Currency, cur))
			continue
		}
		sum = sum.Add(l.Amount.Value)
	}
	res.Explained = amt(sum)
	res.Unexplained = amt(res.Charged.Value.Sub(sum))
	return res, nil
}

// billedHere reports whether a usage row belongs to the invoice, by what the row says: its
// invoice id (MCA), or its billing period (EA, MOSP). Rows that say nothing are taken as billed.
func billedHere(inv invoice.Invoice, rec usage.Record) bool {
	if rec.InvoiceID != "" && !strings.EqualFold(lastSegment(rec.InvoiceID), inv.Name) {
		return false
	}
	if inv.BillingProfileID == "" && !rec.BillingPeriodStart.IsZero() && !inv.Period.Start.IsZero() &&
		rec.BillingPeriodStart != inv.Period.Start {
		return false
	}
	return true
}

func lastSegment(id string) string {
	if i := strings.LastIndexByte(strings.TrimRight(id, "/"), '/'); i >= 0 {
		return strings.TrimRight(id, "/")[i+1:]
	}
	return id
}

// Options configure Invoices.
type Options struct {
	// Concurrency bounds how many invoices are reconciled at once (each is one usage request,
	// which for Cost Details is a report the service generates). 0 means 4.
	Concurrency int
	// Progress, when set, is called after each invoice, from one goroutine at a time.
	Progress func(Progress)
}

// Progress reports one finished invoice of an Invoices call.
type Progress struct {
	Done, Total int    // invoices finished so far (this one included) and in all
	Result      Result // this invoice's result
	Err         error  // this invoice's error, if any
}

// InvoiceError is the failure of one invoice in Invoices.
type InvoiceError struct {
	Invoice string // the invoice name
	Err     error  // why it failed, e.g. a *roles.PermissionError from the usage request
}

// Error names the invoice and the cause.
func (e *InvoiceError) Error() string {
	return "azbilling: reconciling invoice " + e.Invoice + ": " + strings.TrimPrefix(e.Err.Error(), "azbilling: ")
}

// Unwrap returns the cause.
func (e *InvoiceError) Unwrap() error { return e.Err }

// Invoices reconciles a set of invoices (a year of them, every profile's) with at most
// Options.Concurrency at once. It returns one Result per invoice, in the order given (a failed
// invoice's Result has only Invoice and Charged set), and the failures joined as *InvoiceError
// (errors.Join), or the context's error when it ends first.
func (c *Client) Invoices(ctx context.Context, invs []invoice.Invoice, opts *Options) ([]Result, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	type done struct {
		i   int
		res Result
		err error
	}
	results := make([]Result, len(invs))
	errs := make([]error, len(invs))
	work := make(chan int)
	out := make(chan done)
	var wg sync.WaitGroup
	for range min(o.Concurrency, len(invs)) {
		wg.Go(func() {
			for i := range work {
				res, err := c.Invoice(ctx, invs[i])
				out <- done{i, res, err}
			}
		})
	}
	go func() {
		defer close(work)
		for i := range invs {
			select {
			case work <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(out) }()
	// Every goroutine has ended once out is closed: the feeder stops at the context's end and the
	// workers when it closes work.
	finished := 0
	for d := range out {
		finished++
		results[d.i] = d.res
		if d.err != nil {
			errs[d.i] = &InvoiceError{Invoice: invs[d.i].Name, Err: d.err}
		}
		if o.Progress != nil {
			o.Progress(Progress{Done: finished, Total: len(invs), Result: d.res, Err: errs[d.i]})
		}
	}
	if err := ctx.Err(); err != nil {
		return results, err
	}
	return results, errors.Join(errs...)
}
