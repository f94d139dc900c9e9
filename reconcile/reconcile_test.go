package reconcile_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/invoice"
	"github.com/azbilling/azbilling/reconcile"
)

func client(t *testing.T, srv *billingtest.Server, p billingtest.Principal) *billing.Client {
	t.Helper()
	bc, err := billing.NewClient(srv.Credential(p), srv.ClientOptions())
	require.NoError(t, err)
	return bc
}

func list(t *testing.T, c *invoice.Client, period billing.Period) []invoice.Invoice {
	t.Helper()
	var out []invoice.Invoice
	for inv, err := range c.List(context.Background(), &invoice.ListOptions{Period: period}) {
		require.NoError(t, err)
		out = append(out, inv)
	}
	require.NotEmpty(t, out)
	return out
}

func dec(t *testing.T, s string) billing.Decimal {
	t.Helper()
	d, err := billing.ParseDecimal(s)
	require.NoError(t, err)
	return d
}

// Every invoice of every agreement, on today's world and on one months ahead, closes with an
// unexplained remainder of exactly zero, and its lines are the emulator's ground truth.
func TestEveryInvoiceReconciles(t *testing.T) {
	for _, opts := range [][]billingtest.Option{nil, {billingtest.WithNow(time.Now().AddDate(0, 7, 3))}} {
		srv := billingtest.NewServer(t, opts...)
		cases := []struct {
			p billingtest.Principal
			c func(bc *billing.Client) *invoice.Client
		}{
			{billingtest.MCAAccountOwner, func(bc *billing.Client) *invoice.Client { return invoice.NewAccountClient(bc, billingtest.MCAAccount) }},
			{billingtest.EAEnterpriseAdmin, func(bc *billing.Client) *invoice.Client { return invoice.NewAccountClient(bc, billingtest.EAAccount) }},
			{billingtest.MOSPAccountAdmin, func(bc *billing.Client) *invoice.Client {
				return invoice.NewSubscriptionClient(bc, billingtest.SubscriptionPayAsYouGo)
			}},
		}
		for _, tc := range cases {
			bc := client(t, srv, tc.p)
			invs := list(t, tc.c(bc), bc.LastMonths(12))
			var calls atomic.Int32
			results, err := reconcile.NewClient(bc).Invoices(context.Background(), invs, &reconcile.Options{
				Concurrency: 3, Progress: func(p reconcile.Progress) { calls.Add(1); assert.Equal(t, len(invs), p.Total) }})
			require.NoError(t, err)
			assert.Equal(t, int32(len(invs)), calls.Load())
			for i, res := range results {
				inv := invs[i]
				require.Equal(t, inv.Name, res.Invoice.Name)
				assert.True(t, res.Reconciled(), "%s: %s %v", inv.Name, res, res.Lines)
				truth, ok := srv.InvoiceTruth(inv.Name)
				require.True(t, ok)
				assert.Equal(t, truth.UsageRows, res.UsageRows, inv.Name)
				if l, ok := res.Line(reconcile.LineUsage); ok {
					assert.True(t, dec(t, truth.Usage).Equal(l.Amount.Value), "%s usage %s, truth %s", inv.Name, l.Amount, truth.Usage)
					r, _ := res.Line(reconcile.LineRounding)
					assert.True(t, dec(t, truth.Rounding).Equal(r.Amount.Value), "%s rounding %s, truth %s", inv.Name, r.Amount, truth.Rounding)
				}
				assert.True(t, dec(t, truth.Billed).Equal(inv.Charged().Value), inv.Name)
			}
		}
	}
}

func TestFaultsShowExactlyAsUnexplained(t *testing.T) {
	srv := billingtest.NewServer(t)
	bc := client(t, srv, billingtest.MCAProfileOwner)
	invs := list(t, invoice.NewProfileClient(bc, billingtest.MCAAccount, billingtest.MCAProfileUS), bc.LastMonths(3))
	inv := invs[len(invs)-1]
	rc := reconcile.NewClient(bc)

	// A usage row the service no longer reports: its billed amount is unexplained.
	row, err := srv.DropUsageRow(billingtest.SubscriptionMCAData, inv.Period.Start.Time().AddDate(0, 0, 4), 2)
	require.NoError(t, err)
	res, err := rc.Invoice(context.Background(), inv)
	require.NoError(t, err)
	assert.True(t, dec(t, row.Billed).Equal(res.Unexplained.Value), "dropped %s, unexplained %s", row.Billed, res.Unexplained)

	// The reservation purchase (a whole amount) of the designated subscription on the 1st.
	purchase, err := srv.DropUsageRow(billingtest.SubscriptionMCAWeb, inv.Period.Start.Time(), 0)
	require.NoError(t, err)
	res, err = rc.Invoice(context.Background(), inv)
	require.NoError(t, err)
	want := dec(t, row.Billed).Add(dec(t, purchase.Cost))
	assert.True(t, want.Equal(res.Unexplained.Value), "want %s, unexplained %s", want, res.Unexplained)

	// An altered amount field of another invoice: exactly the change.
	other := invs[len(invs)-2]
	require.NoError(t, srv.AlterInvoiceAmount(other.Name, "billedAmount", "0.07"))
	got, err := invoice.NewProfileClient(bc, billingtest.MCAAccount, billingtest.MCAProfileUS).Get(context.Background(), other.Name)
	require.NoError(t, err)
	res, err = rc.Invoice(context.Background(), got)
	require.NoError(t, err)
	assert.True(t, dec(t, "0.07").Equal(res.Unexplained.Value), "unexplained %s", res.Unexplained)
	require.NoError(t, srv.AlterInvoiceAmount(other.Name, "taxAmount", "-1.5"))
	got, _ = invoice.NewProfileClient(bc, billingtest.MCAAccount, billingtest.MCAProfileUS).Get(context.Background(), other.Name)
	res, err = rc.Invoice(context.Background(), got)
	require.NoError(t, err)
	assert.True(t, dec(t, "1.57").Equal(res.Unexplained.Value), "unexplained %s", res.Unexplained)
}

func TestInvoicesStopsWithTheContextAndReportsFailures(t *testing.T) {
	srv := billingtest.NewServer(t)
	bc := client(t, srv, billingtest.MOSPAccountAdmin)
	invs := list(t, invoice.NewSubscriptionClient(bc, billingtest.SubscriptionPayAsYouGo), bc.LastMonths(6))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := reconcile.NewClient(bc).Invoices(ctx, invs, nil)
	assert.ErrorIs(t, err, context.Canceled)

	// A principal without access to usage: every invoice fails with a typed error naming it.
	nobody := client(t, srv, billingtest.NoRole)
	_, err = reconcile.NewClient(nobody).Invoices(context.Background(), invs[:2], &reconcile.Options{Concurrency: 1})
	var ie *reconcile.InvoiceError
	require.True(t, errors.As(err, &ie), "%v", err)
	assert.Equal(t, invs[0].Name, ie.Invoice)
}

// countingTransport counts Resource Manager requests in flight.
type countingTransport struct {
	next          *http.Client
	inflight, max atomic.Int32
}

func (c *countingTransport) Do(req *http.Request) (*http.Response, error) {
	n := c.inflight.Add(1)
	defer c.inflight.Add(-1)
	for {
		m := c.max.Load()
		if n <= m || c.max.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(2 * time.Millisecond) // let requests overlap when they can
	return c.next.Do(req)
}

func TestInvoicesBoundsConcurrency(t *testing.T) {
	srv := billingtest.NewServer(t)
	opts := srv.ClientOptions()
	ct := &countingTransport{next: srv.HTTPClient()}
	opts.Transport = ct
	bc, err := billing.NewClient(srv.Credential(billingtest.MCAProfileReader), opts)
	require.NoError(t, err)
	invs := list(t, invoice.NewProfileClient(bc, billingtest.MCAAccount, billingtest.MCAProfileUS), bc.LastMonths(8))
	ct.max.Store(0)
	results, err := reconcile.NewClient(bc).Invoices(context.Background(), invs, &reconcile.Options{Concurrency: 2})
	require.NoError(t, err)
	assert.LessOrEqual(t, ct.max.Load(), int32(2))
	assert.Len(t, results, len(invs))
}

// Rows the usage request returns that another billing period bills are reported, not counted.
func TestUsageOfAnotherBillingPeriodIsNotOnTheInvoice(t *testing.T) {
	srv := billingtest.NewServer(t)
	bc := client(t, srv, billingtest.MOSPAccountAdmin)
	invs := list(t, invoice.NewSubscriptionClient(bc, billingtest.SubscriptionPayAsYouGo), bc.LastMonths(3))
	inv := invs[0]
	wider := inv
	wider.Period.End = inv.Period.End.AddDays(3) // three days of the next billing period
	res, err := reconcile.NewClient(bc).Invoice(context.Background(), wider)
	require.NoError(t, err)
	assert.True(t, res.Reconciled(), "%s %v", res, res.Lines)
	off, ok := res.Line(reconcile.LineUsageNotOnInvoice)
	require.True(t, ok, "%v", res.Lines)
	assert.Positive(t, off.Rows)
	truth, _ := srv.InvoiceTruth(inv.Name)
	assert.Equal(t, truth.UsageRows+off.Rows, res.UsageRows)
	assert.NotEmpty(t, res.Notes, "pay-as-you-go invoices do not itemise tax")
}
