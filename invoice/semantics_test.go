package invoice_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/invoice"
	"github.com/azbilling/azbilling/usage"
)

// ListOptions.Period selects invoices whose invoice period overlaps it: a calendar month returns
// both pay-as-you-go invoices whose billing periods (the 3rd to the 2nd) touch it.
func TestListPeriodOverlaps(t *testing.T) {
	srv := newServer(t)
	bc := newBilling(t, srv, billingtest.MOSPAccountAdmin)
	month := bc.LastMonths(2)
	month.End = month.Start.AddMonths(1).AddDays(-1) // the calendar month before last
	got := collect(t, invoice.NewSubscriptionClient(bc, billingtest.SubscriptionPayAsYouGo), &invoice.ListOptions{Period: month})
	require.Len(t, got, 2, "%v", got)
	for _, inv := range got {
		assert.True(t, inv.Period.Overlaps(month), "%s %s", inv.Name, inv.Period)
		assert.NotEqual(t, month, inv.Period, "a pay-as-you-go billing period is not the calendar month")
	}
	assert.True(t, got[0].Period.Start.Before(month.Start))
	assert.True(t, got[1].Period.End.After(month.End))

	// A calendar-month profile: exactly that month's invoice (and a credit note for it, if any).
	mca := newBilling(t, srv, billingtest.MCAProfileReader)
	for _, inv := range collect(t, invoice.NewProfileClient(mca, billingtest.MCAAccount, billingtest.MCAProfileUS), &invoice.ListOptions{Period: month}) {
		assert.Equal(t, month, inv.Period)
	}
}

// A period that starts after today fails the same way for invoices and for usage.
func TestFuturePeriodIsTheSameErrorForInvoicesAndUsage(t *testing.T) {
	srv := newServer(t)
	bc := newBilling(t, srv, billingtest.MCAProfileOwner)
	next := billing.MonthOf(bc.Today().AddMonths(1))

	var invErr error
	for _, err := range invoice.NewProfileClient(bc, billingtest.MCAAccount, billingtest.MCAProfileUS).List(context.Background(), &invoice.ListOptions{Period: next}) {
		invErr = err
	}
	scope, err := billing.ProfileScope(billingtest.MCAAccount, billingtest.MCAProfileUS)
	require.NoError(t, err)
	var useErr error
	for _, err := range usage.NewClient(bc).Records(context.Background(), scope, &usage.Options{Period: next}) {
		useErr = err
	}
	var a, b *billing.InputError
	require.ErrorAs(t, invErr, &a)
	require.ErrorAs(t, useErr, &b)
	assert.Equal(t, a.Error(), b.Error())
	assert.Contains(t, a.Error(), "starts after today ("+bc.Today().String())

	// A period that runs into the future is fine for both: today is its last day with data.
	open := billing.Period{Start: bc.Today().AddDays(-3), End: bc.Today().AddDays(3)}
	for _, err := range invoice.NewProfileClient(bc, billingtest.MCAAccount, billingtest.MCAProfileUS).List(context.Background(), &invoice.ListOptions{Period: open}) {
		require.NoError(t, err)
	}
	for _, err := range usage.NewClient(bc).Records(context.Background(), scope, &usage.Options{Period: open}) {
		require.NoError(t, err)
	}
}

// Charged is billedAmount, which is subtotal plus tax after credits, prepayment and free credit,
// for every agreement; a credit note's is negative.
func TestChargedAndTheAmountFields(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct {
		p billingtest.Principal
		c func(*billing.Client) *invoice.Client
	}{
		{billingtest.MCAProfileReader, func(bc *billing.Client) *invoice.Client {
			return invoice.NewProfileClient(bc, billingtest.MCAAccount, billingtest.MCAProfileUS)
		}},
		{billingtest.EAEnterpriseAdmin, func(bc *billing.Client) *invoice.Client { return invoice.NewAccountClient(bc, billingtest.EAAccount) }},
		{billingtest.MOSPAccountAdmin, func(bc *billing.Client) *invoice.Client {
			return invoice.NewSubscriptionClient(bc, billingtest.SubscriptionPayAsYouGo)
		}},
	} {
		bc := newBilling(t, srv, tc.p)
		invs := collect(t, tc.c(bc), &invoice.ListOptions{Period: bc.LastMonths(12)})
		require.NotEmpty(t, invs)
		for _, inv := range invs {
			truth, ok := srv.InvoiceTruth(inv.Name)
			require.True(t, ok)
			assert.Equal(t, truth.Billed, inv.Charged().Value.String(), inv.Name)
			if inv.Agreement == billing.AgreementMOSP {
				// Pay-as-you-go invoices show amountDue and billedAmount only.
				assert.True(t, inv.Total.IsZero() && inv.Tax.IsZero() && inv.SubTotal.IsZero(), inv.Name)
				assert.Equal(t, truth.Charges, inv.Billed.Value.String(), inv.Name)
				continue
			}
			assert.True(t, inv.Charged().Value.Equal(inv.Total.Value), inv.Name)
			assert.True(t, inv.Total.Value.Equal(inv.SubTotal.Value.Add(inv.Tax.Value)), inv.Name)
			charges := inv.SubTotal.Value.Add(inv.Credit.Value).Add(inv.Prepayment.Value).Add(inv.FreeCredit.Value)
			assert.Equal(t, truth.Charges, charges.String(), inv.Name)
			if inv.DocumentType == invoice.KindCreditNote {
				assert.Negative(t, inv.Charged().Value.Sign(), inv.Name)
			}
			if inv.Status == invoice.StatusPaid || inv.Status == invoice.StatusVoid {
				assert.True(t, inv.AmountDue.Value.IsZero(), inv.Name)
			} else {
				assert.True(t, inv.AmountDue.Value.Equal(inv.Billed.Value), inv.Name)
			}
		}
	}
	// Without billedAmount (an older answer), Charged falls back to totalAmount.
	inv, err := invoice.DecodeInvoice([]byte(`{"name":"X1","properties":{"totalAmount":{"currency":"EUR","value":12.5}}}`))
	require.NoError(t, err)
	assert.Equal(t, "12.5 EUR", inv.Charged().String())
}

// A subscription billed through an MCA billing profile or an EA enrollment has no invoices of its
// own: List says where they are with a typed error, and Explain gives that as the reason.
func TestSubscriptionBilledElsewhere(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct {
		p         billingtest.Principal
		sub       string
		agreement billing.Agreement
		scope     string
	}{
		{billingtest.MCAProfileOwner, billingtest.SubscriptionMCAWeb, billing.AgreementMCA,
			"/providers/Microsoft.Billing/billingAccounts/" + billingtest.MCAAccount + "/billingProfiles/" + billingtest.MCAProfileUS},
		{billingtest.EAEnterpriseAdmin, billingtest.SubscriptionEAEngProd, billing.AgreementEA,
			"/providers/Microsoft.Billing/billingAccounts/" + billingtest.EAAccount},
	} {
		bc := newBilling(t, srv, tc.p)
		scope, err := billing.SubscriptionScope(tc.sub)
		require.NoError(t, err)
		c, err := invoice.NewClient(bc, scope)
		require.NoError(t, err)
		var got error
		n := 0
		for _, err := range c.List(context.Background(), &invoice.ListOptions{Period: bc.LastMonths(3)}) {
			got = err
			n++
		}
		assert.Equal(t, 1, n, "one error, no invoice")
		var be *invoice.BilledElsewhereError
		require.ErrorAs(t, got, &be)
		assert.True(t, errors.Is(got, billing.ErrUnsupported))
		assert.Equal(t, tc.agreement, be.Agreement)
		assert.Equal(t, tc.scope, be.Scope.ID())
		assert.Contains(t, be.Error(), tc.scope)

		// The scope it names does list the invoices.
		there, err := invoice.NewClient(bc, be.Scope)
		require.NoError(t, err)
		assert.NotEmpty(t, collect(t, there, &invoice.ListOptions{Period: bc.LastMonths(3)}))

		exp, err := invoice.NewSubscriptionClient(bc, tc.sub).Explain(context.Background(), bc.LastMonths(1))
		require.NoError(t, err)
		r, ok := exp.Reason(invoice.ReasonBilledElsewhere)
		require.True(t, ok, "%v", exp.Reasons)
		assert.Equal(t, tc.scope, r.Scope.ID())
		assert.False(t, exp.Has(invoice.ReasonUnexplained))
	}
}

// The package documentation's example, run as written on the emulator today and with its clock
// months ahead: six months of invoices, each downloaded. On the unpinned emulator the package
// functions that read time.Now (billing.LastMonths, billing.MonthToDate) agree with it too.
func TestPackageDocExampleOnAnyDate(t *testing.T) {
	noon := time.Now().UTC().Truncate(24 * time.Hour).Add(12 * time.Hour)
	for _, ahead := range []int{0, 5, 11} {
		srv := newServer(t, billingtest.WithNow(noon.AddDate(0, ahead, 0)))
		bc := newBilling(t, srv, billingtest.MCAProfileOwner)
		ctx := context.Background()
		c := invoice.NewProfileClient(bc, billingtest.MCAAccount, billingtest.MCAProfileUS)
		dir := t.TempDir()
		n := 0
		for inv, err := range c.List(ctx, &invoice.ListOptions{Period: bc.LastMonths(6)}) {
			require.NoError(t, err)
			if inv.DocumentType != invoice.KindInvoice {
				continue // the credit note, when one falls in the period
			}
			n++
			_, err = c.DownloadFile(ctx, inv, invoice.KindInvoice, dir)
			require.NoError(t, err)
			assert.Positive(t, inv.Charged().Value.Sign(), inv.Name)
		}
		// Six, or five in the first days of a month before the last one is issued (invoice day 5).
		period := bc.LastMonths(6)
		want := worldInvoices(srv, func(inv billingtest.Invoice) bool {
			return inv.Profile == billingtest.MCAProfileUS && inv.DocumentType == "Invoice" &&
				!inv.PeriodEnd.Before(period.Start.Time()) && !inv.PeriodStart.After(period.End.Time())
		})
		assert.Equal(t, len(want), n, "%d months ahead", ahead)
		assert.GreaterOrEqual(t, n, 5)
	}

	srv := newServer(t) // today's date
	bc := newBilling(t, srv, billingtest.MCAProfileOwner)
	assert.Equal(t, billing.LastMonths(6), bc.LastMonths(6))
	last := collect(t, invoice.NewProfileClient(bc, billingtest.MCAAccount, billingtest.MCAProfileUS), &invoice.ListOptions{Period: billing.LastMonths(1)})
	assert.NotEmpty(t, last, "last month's invoice is listed")
	scope, err := billing.ProfileScope(billingtest.MCAAccount, billingtest.MCAProfileUS)
	require.NoError(t, err)
	for _, err := range usage.NewClient(bc).Records(context.Background(), scope, &usage.Options{Period: billing.MonthToDate(time.Now())}) {
		require.NoError(t, err)
	}
}
