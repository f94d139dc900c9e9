package billingtest

import (
	"fmt"
	"math/bits"
	"strings"
)

// Invoices bill the emulator's own usage. Each invoice's charges are the usage rows (actual
// cost, reservation purchases included) it bills — an MCA invoice the rows of its billing
// profile's month (the rows that carry its invoiceId), an EA invoice the enrollment's calendar
// month, a pay-as-you-go invoice its subscription's billing period — each row's cost rounded to
// the cent as invoice lines are. From the charges:
//
//	subTotal    = charges − creditAmount − azurePrepaymentApplied − freeAzureCreditApplied
//	taxAmount   = subTotal × the tax rate of the sold-to country, rounded to the cent
//	totalAmount = subTotal + taxAmount = billedAmount
//	amountDue   = billedAmount while Due or OverDue, 0 once Paid or Void
//
// Which invoices get credits, prepayment or free credit is fixed by their position in the
// series, not by the seed (see the package documentation). A credit note bills no usage: its
// amounts are the negative of the part of the invoice it credits.

// taxRates are the emulator's tax rates in basis points per sold-to country (the billing
// profile's bill-to country for MCA, the enrollment's sold-to country for EA; pay-as-you-go
// invoices are not taxed, see computeInvoice). They are
// plausible, not real: real rates depend on the state, the service and exemptions.
var taxRates = map[string]int64{"US": 800, "DE": 1900}

// InvoiceTruth is the ground truth behind an invoice's amounts: what the emulator computed them
// from, as exact decimal strings in the invoice's currency. Server.InvoiceTruth returns it.
type InvoiceTruth struct {
	// UsageRows is how many usage rows the invoice bills; 0 for a credit note.
	UsageRows int
	// Usage is the exact sum of those rows' cost (actual cost, unrounded).
	Usage string
	// Rounding is Charges − Usage: the sum over the rows of each row's cost rounded to the cent
	// minus the cost.
	Rounding string
	// Charges is the sum of the rows' costs each rounded to the cent (for a credit note, the
	// negative of what it credits).
	Charges string
	// Credit, Prepayment and FreeCredit are what the invoice shows as creditAmount,
	// azurePrepaymentApplied and freeAzureCreditApplied.
	Credit, Prepayment, FreeCredit string
	// SubTotal, Tax, Total and Billed are subTotal, taxAmount, totalAmount and billedAmount.
	SubTotal, Tax, Total, Billed string
	// TaxRate is the rate applied, as a decimal fraction ("0.08").
	TaxRate string
	// Period is the span of days whose usage the invoice bills.
	Period Period
}

// InvoiceTruth returns the ground truth of an invoice's amounts, as computed before any
// AlterInvoiceAmount.
func (s *Server) InvoiceTruth(name string) (InvoiceTruth, bool) {
	inv := s.invoices.find(name, nil)
	if inv == nil {
		return InvoiceTruth{}, false
	}
	return inv.truth, true
}

// computeInvoiceAmounts fills the amounts of every invoice from the usage it bills. It runs once,
// on first use of the invoices, without holding the server's locks.
func (s *Server) computeInvoiceAmounts(list []*Invoice) {
	for _, inv := range list {
		if inv.creditOf != nil {
			continue // after the invoice it credits
		}
		s.computeInvoice(inv)
	}
	for _, inv := range list {
		if inv.creditOf != nil {
			creditNote(inv, inv.creditOf)
		}
	}
}

// invoiceSubs returns the subscriptions an invoice bills, the days, and the tax country.
func (s *Server) invoiceSubs(inv *Invoice) ([]*usageSub, Period, string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	per := Period{Start: inv.PeriodStart, End: inv.PeriodEnd}
	a := s.world.Account(inv.Account)
	if a == nil || s.usage == nil {
		return nil, per, ""
	}
	country := a.SoldTo.Country
	var sc scopeRef
	switch inv.Agreement {
	case AgreementMCA:
		sc = scopeRef{account: a.Name, profile: inv.Profile}
		if p := a.Profile(inv.Profile); p != nil && p.BillTo.Country != "" {
			country = p.BillTo.Country
		}
		// An MCA invoice bills its whole calendar month (the invoiceId of those rows).
		m := firstOfMonth(inv.PeriodStart)
		per = Period{Start: m, End: m.AddDate(0, 1, -1)}
	case AgreementMOSP:
		sub := s.world.Subscription(inv.Subscription)
		if sub == nil {
			return nil, per, country
		}
		sc = scopeOfSubscription(sub)
	default:
		sc = scopeRef{account: a.Name}
	}
	return s.usageSubsIn(sc), per, country
}

func (s *Server) computeInvoice(inv *Invoice) {
	subs, per, country := s.invoiceSubs(inv)
	rate := taxRates[strings.ToUpper(country)]
	if inv.Agreement == AgreementMOSP {
		// Pay-as-you-go invoices show amountDue and billedAmount only: there is no field to show
		// tax in, so the emulator bills none (see the package documentation).
		rate = 0
	}
	var exact u128
	var charges int64
	rows := 0
	if len(subs) > 0 {
		plan := s.newUsagePlan(subs, per.Start, per.End, false)
		plan.dropped = nil // an invoice bills what was used, whatever a fault hides later
		plan.each(rowPos{}, func(_ rowPos, r *usageRow) bool {
			exact.add(r.costHi, r.costLo)
			charges += roundCents(r)
			rows++
			return true
		})
	}
	var credit, prepay, free int64
	switch inv.Agreement {
	case AgreementMCA:
		if inv.profileIndex == 0 {
			if inv.index%5 == 2 {
				credit = (charges + 5) / 10 // a 10% service credit
			}
			if inv.index%3 == 0 {
				prepay = min(10000, charges-credit)
			}
			if inv.index == 13 { // a sign-up credit, within the last year of invoices
				free = min(5000, charges-credit-prepay)
			}
		} else if inv.index%4 == 3 {
			credit = min(2500, charges)
		}
	case AgreementEA:
		// The enrollment's Azure prepayment covers up to 150.00 a month until it runs out every
		// fourth month; a goodwill credit of 20.00 every sixth month.
		if inv.index%6 == 1 {
			credit = min(2000, charges)
		}
		if inv.index%4 != 3 {
			prepay = min(15000, charges-credit)
		}
	}
	sub := charges - credit - prepay - free
	tax := (sub*rate + 5000) / 10000
	total := sub + tax
	inv.SubTotal, inv.Tax, inv.Total, inv.Billed = money(sub), money(tax), money(total), money(total)
	inv.Credit, inv.Prepayment, inv.FreeCredit = money(credit), money(prepay), money(free)
	switch {
	case inv.void:
		inv.Status, inv.AmountDue = "Void", money(0)
	default:
		settle(inv, inv.settleOpen, inv.settleOverdue, total)
	}
	inv.truth = InvoiceTruth{
		UsageRows: rows, Usage: exact.decimal(costScale), Charges: money(charges),
		Rounding: roundingOf(charges, exact),
		Credit:   inv.Credit, Prepayment: inv.Prepayment, FreeCredit: inv.FreeCredit,
		SubTotal: inv.SubTotal, Tax: inv.Tax, Total: inv.Total, Billed: inv.Billed,
		TaxRate: fmt.Sprintf("%d.%04d", rate/10000, rate%10000), Period: per,
	}
	inv.truth.TaxRate = strings.TrimRight(strings.TrimRight(inv.truth.TaxRate, "0"), ".")
}

// creditNote credits a tenth of the invoice's subtotal and its tax: it bills no usage.
func creditNote(cn, of *Invoice) {
	sub, tax := (cents(of.SubTotal)+5)/10, (cents(of.Tax)+5)/10
	cn.SubTotal, cn.Tax, cn.Total, cn.Billed = money(-sub), money(-tax), money(-sub-tax), money(-sub-tax)
	cn.Credit, cn.Prepayment, cn.FreeCredit, cn.AmountDue = money(0), money(0), money(0), money(0)
	cn.truth = InvoiceTruth{Usage: "0", Rounding: "0", Charges: money(-sub), Credit: cn.Credit, Prepayment: cn.Prepayment,
		FreeCredit: cn.FreeCredit, SubTotal: cn.SubTotal, Tax: cn.Tax, Total: cn.Total, Billed: cn.Billed, TaxRate: of.truth.TaxRate,
		Period: Period{Start: cn.PeriodStart, End: cn.PeriodEnd}}
}

// roundCents is a row's cost rounded to the cent, halves away from zero (costs are never
// negative here).
func roundCents(r *usageRow) int64 {
	const unit = 1e10 // 1e-12 → 1e-2
	c := r.costLo     // every row's cost fits in 64 bits: qty ≤ 1e6, price ≤ 1e10
	return int64((c + unit/2) / unit)
}

// cents parses a money string of at most two decimals back into cents.
func cents(v string) int64 {
	neg := strings.HasPrefix(v, "-")
	v = strings.TrimPrefix(v, "-")
	whole, frac, _ := strings.Cut(v, ".")
	for len(frac) < 2 {
		frac += "0"
	}
	var n int64
	for _, c := range whole + frac[:2] {
		n = n*10 + int64(c-'0')
	}
	if neg {
		return -n
	}
	return n
}

// roundingOf is charges (in cents) minus the exact usage total (1e-12 units), as a decimal
// string trimmed like u128.decimal.
func roundingOf(charges int64, exact u128) string {
	hi, lo := bits.Mul64(uint64(charges), 1e10)
	c := u128{hi: hi, lo: lo}
	neg := c.hi < exact.hi || (c.hi == exact.hi && c.lo < exact.lo)
	if neg {
		c, exact = exact, c
	}
	var d u128
	var borrow uint64
	d.lo, borrow = bits.Sub64(c.lo, exact.lo, 0)
	d.hi, _ = bits.Sub64(c.hi, exact.hi, borrow)
	out := d.decimal(costScale)
	if neg && out != "0" {
		out = "-" + out
	}
	return out
}

// invoiceAmountFields are the names AlterInvoiceAmount accepts: the invoice's wire amount fields.
var invoiceAmountFields = []string{"amountDue", "billedAmount", "subTotal", "taxAmount", "totalAmount",
	"creditAmount", "azurePrepaymentApplied", "freeAzureCreditApplied"}

// AlterInvoiceAmount is a fault hook for reconciliation tests: it adds delta (a decimal with at
// most two places, e.g. "1.25" or "-0.01") to one amount field of an invoice as the invoice
// routes serve it — field is a wire name: amountDue, billedAmount, subTotal, taxAmount,
// totalAmount, creditAmount, azurePrepaymentApplied or freeAzureCreditApplied. InvoiceTruth
// keeps the computed values, so the change is exactly what a reconciliation should find
// unexplained.
func (s *Server) AlterInvoiceAmount(name, field, delta string) error {
	if !validMoney(delta) {
		return fmt.Errorf("billingtest: delta %q: expected a decimal with at most two places", delta)
	}
	s.invoices.all() // amounts first
	st := s.invoices
	st.mu.Lock()
	defer st.mu.Unlock()
	for i, inv := range st.list {
		if !strings.EqualFold(inv.Name, name) {
			continue
		}
		c := *inv
		var f *string
		switch field {
		case "amountDue":
			f = &c.AmountDue
		case "billedAmount":
			f = &c.Billed
		case "subTotal":
			f = &c.SubTotal
		case "taxAmount":
			f = &c.Tax
		case "totalAmount":
			f = &c.Total
		case "creditAmount":
			f = &c.Credit
		case "azurePrepaymentApplied":
			f = &c.Prepayment
		case "freeAzureCreditApplied":
			f = &c.FreeCredit
		default:
			return fmt.Errorf("billingtest: unknown invoice amount field %q (one of %s)", field, strings.Join(invoiceAmountFields, ", "))
		}
		*f = money(cents(*f) + cents(delta))
		st.list[i] = &c
		return nil
	}
	return fmt.Errorf("billingtest: no invoice %q", name)
}

func validMoney(v string) bool {
	v = strings.TrimPrefix(v, "-")
	whole, frac, dot := strings.Cut(v, ".")
	if whole == "" || len(whole) > 12 || (dot && (frac == "" || len(frac) > 2)) {
		return false
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
