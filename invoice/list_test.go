package invoice_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/invoice"
	"github.com/azbilling/azbilling/roles"
)

func TestProfileListMatchesTheWorldExactly(t *testing.T) {
	srv := newServer(t)
	c := invoice.NewProfileClient(newBilling(t, srv, billingtest.PrincipalMCAProfileOwner), billingtest.MCAAccount, billingtest.MCAProfileUS)

	got := collect(t, c, nil)
	want := worldInvoices(srv, func(i billingtest.Invoice) bool { return i.Profile == billingtest.MCAProfileUS })

	require.Len(t, got, len(want))
	for i, w := range want {
		g := got[i]
		assert.Equal(t, w.Name, g.Name)
		assert.Equal(t, billing.AgreementMCA, g.Agreement)
		assert.Equal(t, w.Status, string(g.Status))
		assert.Equal(t, w.DocumentType, string(g.DocumentType))
		assert.Equal(t, billing.DateOf(w.Date), g.Date)
		assert.Equal(t, billing.DateOf(w.DueDate), g.DueDate)
		assert.Equal(t, billing.Period{Start: billing.DateOf(w.PeriodStart), End: billing.DateOf(w.PeriodEnd)}, g.Period)
		// Exact decimals: the text the emulator sent comes back digit for digit.
		assert.Equal(t, w.Billed, g.Billed.Value.String())
		assert.Equal(t, w.AmountDue, g.AmountDue.Value.String())
		assert.Equal(t, w.Total, g.Total.Value.String())
		assert.Equal(t, w.Tax, g.Tax.Value.String())
		assert.Equal(t, w.SubTotal, g.SubTotal.Value.String())
		assert.Equal(t, w.Prepayment, g.Prepayment.Value.String())
		assert.Equal(t, w.FreeCredit, g.FreeCredit.Value.String())
		assert.Equal(t, "USD", g.Billed.Currency)
		assert.Equal(t, w.PurchaseOrder, g.PurchaseOrder)
		assert.Equal(t, "Contoso US", g.BillingProfileName)
		require.Len(t, g.Documents, len(w.Documents))
		for j, d := range w.Documents {
			assert.Equal(t, d.Name, g.Documents[j].Name)
			assert.Equal(t, d.Kind, string(g.Documents[j].Kind))
		}
	}
	// The seeded extras: a credit note, a void invoice, tax receipts, an unknown-to-old-clients kind.
	kinds := map[invoice.DocumentKind]int{}
	statuses := map[invoice.Status]int{}
	for _, inv := range got {
		statuses[inv.Status]++
		for _, d := range inv.Documents {
			kinds[d.Kind]++
		}
	}
	assert.Positive(t, kinds[invoice.KindCreditNote])
	assert.Positive(t, kinds[invoice.KindTaxReceipt])
	assert.Positive(t, kinds[invoice.KindVoidNote])
	assert.Positive(t, kinds[invoice.KindTransactions])
	assert.Positive(t, statuses[invoice.StatusVoid])
	assert.Positive(t, statuses[invoice.StatusDue])
}

func TestListSendsThePeriodWithoutDollarAndFiltersByIt(t *testing.T) {
	srv := newServer(t)
	c := invoice.NewProfileClient(newBilling(t, srv, billingtest.PrincipalMCAProfileReader), billingtest.MCAAccount, billingtest.MCAProfileUS)

	got := collect(t, c, &invoice.ListOptions{Period: billing.Month(2026, time.October)})

	require.Len(t, got, 1)
	assert.Equal(t, billing.Month(2026, time.October), got[0].Period)
	var seen bool
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/invoices") {
			seen = true
			assert.Equal(t, "2026-10-01", r.Query.Get("periodStartDate"))
			assert.Equal(t, "2026-10-31", r.Query.Get("periodEndDate"))
			assert.Equal(t, "2024-04-01", r.Query.Get("api-version"))
			assert.Empty(t, r.Query.Get("$periodStartDate"))
		}
	}
	assert.True(t, seen)
}

func TestListFollowsNextLinkAcrossPages(t *testing.T) {
	srv := newServer(t, billingtest.WithPageSize(4))
	c := invoice.NewSubscriptionClient(newBilling(t, srv, billingtest.PrincipalMOSPAccountAdmin), billingtest.SubscriptionPayAsYouGo)

	got := collect(t, c, nil)

	assert.Len(t, got, 24)
	pages := 0
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/invoices") {
			pages++
		}
	}
	assert.Equal(t, 6, pages)
}

func TestListStopsFetchingWhenTheCallerBreaks(t *testing.T) {
	srv := newServer(t, billingtest.WithPageSize(2))
	c := invoice.NewSubscriptionClient(newBilling(t, srv, billingtest.PrincipalMOSPAccountAdmin), billingtest.SubscriptionPayAsYouGo)

	n := 0
	for _, err := range c.List(context.Background(), nil) {
		require.NoError(t, err)
		n++
		if n == 3 {
			break
		}
	}

	pages := 0
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/invoices") {
			pages++
		}
	}
	assert.Equal(t, 2, pages)
}

func TestListCopiesItsOptions(t *testing.T) {
	srv := newServer(t)
	c := invoice.NewProfileClient(newBilling(t, srv, billingtest.PrincipalMCAProfileOwner), billingtest.MCAAccount, billingtest.MCAProfileUS)
	opts := &invoice.ListOptions{Period: billing.Month(2026, time.October)}
	seq := c.List(context.Background(), opts)
	opts.Period = billing.Period{} // changed after List: must not matter

	n := 0
	for _, err := range seq {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 1, n)
}

func TestMOSPSubscriptionInvoicesCarryTheirSubscription(t *testing.T) {
	srv := newServer(t)
	c := invoice.NewSubscriptionClient(newBilling(t, srv, billingtest.PrincipalMOSPAccountAdmin), billingtest.SubscriptionPayAsYouGo)

	got := collect(t, c, nil)

	require.Len(t, got, 24)
	for _, inv := range got {
		assert.Equal(t, billingtest.SubscriptionPayAsYouGo, inv.SubscriptionID)
		assert.Equal(t, "Contoso Pay-As-You-Go", inv.SubscriptionName)
		assert.Equal(t, billing.AgreementMOSP, inv.Agreement)
		assert.True(t, inv.Total.IsZero(), "MOSP invoices carry only amount due and billed")
		assert.Contains(t, inv.ID, "/billingAccounts/default/billingSubscriptions/")
	}
	assert.Equal(t, invoice.StatusDue, got[23].Status)
	assert.Equal(t, invoice.StatusPaid, got[0].Status)
	require.Len(t, got[0].Payments, 1)
	assert.Equal(t, got[0].Billed, got[0].Payments[0].Amount)
}

func TestGetReturnsOneInvoicePerShape(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	cases := []struct {
		name      string
		principal billingtest.Principal
		client    func(*billing.Client) *invoice.Client
		invoice   func(billingtest.Invoice) bool
	}{
		{"MOSP subscription", billingtest.PrincipalMOSPAccountAdmin,
			func(bc *billing.Client) *invoice.Client {
				return invoice.NewSubscriptionClient(bc, billingtest.SubscriptionPayAsYouGo)
			},
			func(i billingtest.Invoice) bool { return i.Agreement == billingtest.AgreementMOSP }},
		{"MOSP account", billingtest.PrincipalMOSPAccountAdmin,
			func(bc *billing.Client) *invoice.Client { return invoice.NewAccountClient(bc, billingtest.MOSPAccount) },
			func(i billingtest.Invoice) bool { return i.Agreement == billingtest.AgreementMOSP }},
		{"MCA profile", billingtest.PrincipalMCAProfileReader,
			func(bc *billing.Client) *invoice.Client {
				return invoice.NewProfileClient(bc, billingtest.MCAAccount, billingtest.MCAProfileUS)
			},
			func(i billingtest.Invoice) bool { return i.Profile == billingtest.MCAProfileUS }},
		{"MCA account", billingtest.PrincipalMCAAccountOwner,
			func(bc *billing.Client) *invoice.Client { return invoice.NewAccountClient(bc, billingtest.MCAAccount) },
			func(i billingtest.Invoice) bool { return i.Profile == billingtest.MCAProfileEU }},
		{"EA account", billingtest.PrincipalEAEnterpriseReader,
			func(bc *billing.Client) *invoice.Client { return invoice.NewAccountClient(bc, billingtest.EAAccount) },
			func(i billingtest.Invoice) bool { return i.Agreement == billingtest.AgreementEA }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.client(newBilling(t, srv, tc.principal))
			want := worldInvoices(srv, tc.invoice)[3]

			got, err := c.Get(ctx, want.Name)

			require.NoError(t, err)
			assert.Equal(t, want.Name, got.Name)
			assert.Equal(t, want.Billed, got.Billed.Value.String())
		})
	}
}

func TestProfileGetRefusesAnotherProfilesInvoice(t *testing.T) {
	srv := newServer(t)
	c := invoice.NewProfileClient(newBilling(t, srv, billingtest.PrincipalMCAAccountOwner), billingtest.MCAAccount, billingtest.MCAProfileUS)
	eu := worldInvoices(srv, func(i billingtest.Invoice) bool { return i.Profile == billingtest.MCAProfileEU })[0]

	_, err := c.Get(context.Background(), eu.Name)

	assert.ErrorIs(t, err, billing.ErrNotFound)
}

func TestGetUnknownInvoiceIsNotFound(t *testing.T) {
	srv := newServer(t)
	c := invoice.NewAccountClient(newBilling(t, srv, billingtest.PrincipalMCAAccountOwner), billingtest.MCAAccount)

	_, err := c.Get(context.Background(), "G999999999")

	var nf *billing.NotFoundError
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, "InvoiceNotFound", nf.Code)
}

func TestInvalidNamesAreRejectedBeforeAnyRequest(t *testing.T) {
	srv := newServer(t)
	bc := newBilling(t, srv, billingtest.PrincipalMCAAccountOwner)
	ctx := context.Background()

	_, err := invoice.NewAccountClient(bc, billingtest.MCAAccount).Get(ctx, "../../billingProfiles")
	assert.ErrorIs(t, err, billing.ErrInvalidInput)

	for _, err := range invoice.NewProfileClient(bc, billingtest.MCAAccount, "bad/profile").List(ctx, nil) {
		assert.ErrorIs(t, err, billing.ErrInvalidInput)
	}
	_, err = invoice.NewSubscriptionClient(bc, "not-a-guid").Get(ctx, "E000000001")
	assert.ErrorIs(t, err, billing.ErrInvalidInput)

	dept, err := billing.DepartmentScope(billingtest.EAAccount, billingtest.EADepartmentEngineering)
	require.NoError(t, err)
	_, err = invoice.NewClient(bc, dept)
	assert.ErrorIs(t, err, billing.ErrUnsupported)

	assert.Empty(t, srv.Requests())
}

func TestNewClientRoutesSubscriptionScopesToTheMOSPRoute(t *testing.T) {
	srv := newServer(t)
	bc := newBilling(t, srv, billingtest.PrincipalMOSPAccountAdmin)
	scope, err := billing.ParseScope("/subscriptions/" + billingtest.SubscriptionPayAsYouGo)
	require.NoError(t, err)

	c, err := invoice.NewClient(bc, scope)
	require.NoError(t, err)

	assert.Equal(t, billing.AgreementMOSP, c.Agreement())
	assert.Equal(t, "/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/"+billingtest.SubscriptionPayAsYouGo, c.Scope().ID())
	assert.Len(t, collect(t, c, nil), 24)
}

func TestReaderCanListAndDownload(t *testing.T) {
	srv := newServer(t)
	c := invoice.NewProfileClient(newBilling(t, srv, billingtest.PrincipalMCAProfileReader), billingtest.MCAAccount, billingtest.MCAProfileUS)

	invs := collect(t, c, &invoice.ListOptions{Period: billing.LastMonthsAt(srv.Now(), 2)})
	require.NotEmpty(t, invs)
	path, err := c.DownloadFile(context.Background(), invs[0], invoice.KindInvoice, t.TempDir())

	require.NoError(t, err)
	assert.FileExists(t, path)
}

func TestNoRoleGetsPermissionErrorNamingTheRolesThatWouldAllowIt(t *testing.T) {
	srv := newServer(t)
	bc := newBilling(t, srv, billingtest.PrincipalNoRole)
	ctx := context.Background()

	var listErr error
	for _, err := range invoice.NewProfileClient(bc, billingtest.MCAAccount, billingtest.MCAProfileUS).List(ctx, nil) {
		listErr = err
	}
	var perr *roles.PermissionError
	require.ErrorAs(t, listErr, &perr)
	assert.Equal(t, roles.ViewInvoices, perr.Action)
	assert.Contains(t, perr.Required, roles.MCABillingProfileReader)
	assert.Contains(t, perr.Required, roles.MCAInvoiceManager)
	assert.Equal(t, 403, perr.StatusCode)
	assert.Contains(t, listErr.Error(), "Billing profile reader")
	assert.True(t, errors.Is(listErr, roles.ErrPermissionDenied))

	_, err := invoice.NewSubscriptionClient(bc, billingtest.SubscriptionPayAsYouGo).Download(ctx, invoice.Invoice{Name: "E000000001"}, invoice.KindInvoice, &strings.Builder{})
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, roles.DownloadInvoice, perr.Action)
	assert.Contains(t, perr.Required, roles.MOSPAccountAdmin)
	assert.Equal(t, roles.PolicyMOSPInvoiceAccess, perr.Policy)
}

func TestSectionOwnerCannotListProfileInvoices(t *testing.T) {
	srv := newServer(t)
	c := invoice.NewProfileClient(newBilling(t, srv, billingtest.PrincipalMCAInvoiceSectionOwner), billingtest.MCAAccount, billingtest.MCAProfileUS)

	for _, err := range c.List(context.Background(), nil) {
		var perr *roles.PermissionError
		require.ErrorAs(t, err, &perr)
		assert.NotContains(t, perr.Required, roles.MCAInvoiceSectionOwner)
	}
}

func TestThrottledListSucceedsAfterRetry(t *testing.T) {
	srv := newServer(t, billingtest.WithFaults(billingtest.Throttle(0).Method("GET").Path("/invoices").Times(2)))
	c := invoice.NewProfileClient(newBilling(t, srv, billingtest.PrincipalMCAProfileOwner), billingtest.MCAAccount, billingtest.MCAProfileUS)

	got := collect(t, c, nil)

	assert.Len(t, got, 25)
	assert.Equal(t, 2, srv.FaultsFired())
}

func TestThrottledDownloadOperationSucceedsAfterRetry(t *testing.T) {
	srv := newServer(t, billingtest.WithFaults(billingtest.Throttle(0, billingtest.HeaderRetryAfter).Method("POST").Path("/download")))
	c := invoice.NewSubscriptionClient(newBilling(t, srv, billingtest.PrincipalMOSPAccountAdmin), billingtest.SubscriptionPayAsYouGo)
	var buf strings.Builder

	_, err := c.Download(context.Background(), invoice.Invoice{Name: "E000000005"}, invoice.KindInvoice, &buf)

	require.NoError(t, err)
	assert.Equal(t, string(srv.DocumentBytes("E000000005", "")), buf.String())
	assert.Equal(t, 1, srv.FaultsFired())
}

func TestPersistentThrottlingIsATypedError(t *testing.T) {
	srv := newServer(t, billingtest.WithFaults(billingtest.Throttle(7).Path("/invoices").Always()))
	c := invoice.NewAccountClient(newBilling(t, srv, billingtest.PrincipalMCAAccountOwner), billingtest.MCAAccount)

	_, err := c.Get(context.Background(), "G000000001")

	var te *billing.ThrottledError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 7*time.Second, te.RetryAfter)
}

func TestZeroClientAndNilInputsFailCleanly(t *testing.T) {
	var c invoice.Client
	ctx := context.Background()
	for _, err := range c.List(ctx, nil) {
		assert.ErrorIs(t, err, billing.ErrInvalidInput)
	}
	_, err := c.Get(ctx, "G000000001")
	assert.ErrorIs(t, err, billing.ErrInvalidInput)
	_, err = invoice.NewClient(nil, billing.Scope{})
	assert.ErrorIs(t, err, billing.ErrInvalidInput)

	srv := newServer(t)
	real := mospClient(t, srv)
	_, err = real.DownloadAll(ctx, nil, t.TempDir(), nil)
	assert.ErrorIs(t, err, billing.ErrInvalidInput)
}
