package invoice_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/invoice"
	"github.com/azbilling/azbilling/roles"
)

func TestExplainNewSubscription(t *testing.T) {
	srv := newServer(t)
	c := invoice.NewSubscriptionClient(newBilling(t, srv, billingtest.PrincipalMOSPAccountAdmin), billingtest.SubscriptionNew)

	exp, err := c.Explain(context.Background(), billing.MonthToDate(srv.Now()))

	require.NoError(t, err)
	assert.True(t, exp.Missing())
	assert.Empty(t, exp.Invoices)
	r, ok := exp.Reason(invoice.ReasonTooNew)
	require.True(t, ok, exp.String())
	created := billing.DateOf(srv.World().Subscription(billingtest.SubscriptionNew).Created)
	assert.Equal(t, created, r.Created)
	assert.Equal(t, created.AddMonths(1), r.ExpectedAfter)
	assert.Contains(t, r.Message, "less than 30 days")
	assert.False(t, exp.Has(invoice.ReasonWithinCredit))
}

func TestExplainCreditOffer(t *testing.T) {
	srv := newServer(t)
	c := invoice.NewSubscriptionClient(newBilling(t, srv, billingtest.PrincipalMOSPAccountAdmin), billingtest.SubscriptionCredit)

	exp, err := c.Explain(context.Background(), billing.LastMonthsAt(srv.Now(), 1))

	require.NoError(t, err)
	r, ok := exp.Reason(invoice.ReasonWithinCredit)
	require.True(t, ok, exp.String())
	assert.Equal(t, "MS-AZR-0063P", r.Offer)
	assert.False(t, exp.Has(invoice.ReasonTooNew))
}

func TestExplainFindsTheInvoiceWhenItExists(t *testing.T) {
	srv := newServer(t)
	c := invoice.NewSubscriptionClient(newBilling(t, srv, billingtest.PrincipalMOSPAccountAdmin), billingtest.SubscriptionPayAsYouGo)

	exp, err := c.Explain(context.Background(), billing.LastMonthsAt(srv.Now(), 1))

	require.NoError(t, err)
	assert.False(t, exp.Missing(), exp.String())
	assert.NotEmpty(t, exp.Invoices)
	assert.Empty(t, exp.Reasons)
}

func TestExplainOpenPeriod(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()

	mosp := invoice.NewSubscriptionClient(newBilling(t, srv, billingtest.PrincipalMOSPAccountAdmin), billingtest.SubscriptionPayAsYouGo)
	exp, err := mosp.Explain(ctx, billing.MonthToDate(srv.Now()))
	require.NoError(t, err)
	r, ok := exp.Reason(invoice.ReasonNotIssuedYet)
	require.True(t, ok, exp.String())
	// Billing periods of this subscription start on the 3rd (the day it was created).
	assert.Equal(t, 3, r.ExpectedAfter.Day)
	assert.True(t, r.ExpectedAfter.After(billing.DateOf(srv.Now())))

	mca := usClient(t, srv, billingtest.PrincipalMCAProfileReader)
	exp, err = mca.Explain(ctx, billing.MonthToDate(srv.Now()))
	require.NoError(t, err)
	assert.True(t, exp.Missing())
	r, ok = exp.Reason(invoice.ReasonNotIssuedYet)
	require.True(t, ok, exp.String())
	now := srv.Now()
	assert.Equal(t, billing.NewDate(now.Year(), now.Month()+1, 5), r.ExpectedAfter, "issued on the profile's invoice day")
	assert.Contains(t, r.Message, "invoiced on day 5")
}

func TestExplainMissingRole(t *testing.T) {
	srv := newServer(t)
	c := usClient(t, srv, billingtest.PrincipalMCAInvoiceSectionOwner)

	exp, err := c.Explain(context.Background(), billing.Month(2026, time.September))

	require.NoError(t, err)
	r, ok := exp.Reason(invoice.ReasonNoAccess)
	require.True(t, ok, exp.String())
	assert.Contains(t, r.Required, roles.MCABillingProfileReader)
	var perr *roles.PermissionError
	assert.ErrorAs(t, r.Err, &perr)
	assert.Contains(t, r.Message, "Billing profile reader")
}

func TestExplainNoRoleOnMOSPSubscription(t *testing.T) {
	srv := newServer(t)
	c := invoice.NewSubscriptionClient(newBilling(t, srv, billingtest.PrincipalNoRole), billingtest.SubscriptionPayAsYouGo)

	exp, err := c.Explain(context.Background(), billing.Month(2026, time.September))

	require.NoError(t, err)
	r, ok := exp.Reason(invoice.ReasonNoAccess)
	require.True(t, ok, exp.String())
	assert.Contains(t, r.Required, roles.MOSPAccountAdmin)
	assert.Contains(t, r.Message, "Allow others to download invoice")
}

func TestExplainEAIsEmailedToTheRecipient(t *testing.T) {
	srv := newServer(t)
	c := invoice.NewAccountClient(newBilling(t, srv, billingtest.PrincipalEADepartmentAdmin), billingtest.EAAccount)

	exp, err := c.Explain(context.Background(), billing.Month(2026, time.September))

	require.NoError(t, err)
	assert.True(t, exp.Has(invoice.ReasonNoAccess), exp.String())
	r, ok := exp.Reason(invoice.ReasonEmailed)
	require.True(t, ok, exp.String())
	assert.Equal(t, billingtest.EAInvoiceRecipient, r.Recipient)
	assert.Contains(t, r.Message, billingtest.EAInvoiceRecipient)
}

func TestExplainPeriodBeforeTheSubscription(t *testing.T) {
	srv := newServer(t)
	c := invoice.NewSubscriptionClient(newBilling(t, srv, billingtest.PrincipalMOSPAccountAdmin), billingtest.SubscriptionPayAsYouGo)

	exp, err := c.Explain(context.Background(), billing.Month(2020, time.January))

	require.NoError(t, err)
	assert.True(t, exp.Has(invoice.ReasonBeforeStart), exp.String())
}

func TestExplainRejectsAnInvalidPeriod(t *testing.T) {
	srv := newServer(t)
	c := usClient(t, srv, billingtest.PrincipalMCAProfileReader)

	_, err := c.Explain(context.Background(), billing.Period{})

	assert.ErrorIs(t, err, billing.ErrInvalidInput)
}
