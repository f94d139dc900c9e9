package conformance

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/billing/armbilling"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	bt "github.com/azbilling/azbilling/billing/billingtest"
)

// Invoices (Invoices_* of 2024-04-01) driven by armbilling against the emulator: lists by billing
// account, billing profile and billing subscription, the three gets, and the download pollers.

// invoicesWhere returns the emulator's invoices that match, in its order.
func invoicesWhere(srv *bt.Server, match func(bt.Invoice) bool) []bt.Invoice {
	var out []bt.Invoice
	for _, inv := range srv.Invoices() {
		if match(inv) {
			out = append(out, inv)
		}
	}
	return out
}

func overlaps(inv bt.Invoice, from, to time.Time) bool {
	return !inv.PeriodEnd.Before(from) && !inv.PeriodStart.After(to)
}

// checkAmount compares one of the generated amount types (all {currency, value float32}) with a
// decimal string of the world.
func checkAmount(t *testing.T, what, want, currency string, got any) {
	t.Helper()
	b, err := json.Marshal(got)
	require.NoError(t, err)
	if want == "" {
		assert.Equal(t, "null", string(b), "%s: no amount expected", what)
		return
	}
	var a struct {
		Currency string      `json:"currency"`
		Value    json.Number `json:"value"`
	}
	require.NoError(t, json.Unmarshal(b, &a), "%s: %s", what, b)
	assert.Equal(t, currency, a.Currency, what)
	assert.True(t, sameNumber(json.Number(want), a.Value), "%s: %s, want %s", what, a.Value, want)
}

func checkInvoice(t *testing.T, want bt.Invoice, idPrefix string, got *armbilling.Invoice) {
	t.Helper()
	what := want.Name
	require.NotNil(t, got.Properties, what)
	p := got.Properties
	assert.Equal(t, want.Name, str(got.Name), what)
	assert.Equal(t, idPrefix+"/invoices/"+want.Name, str(got.ID), what)
	assert.Equal(t, want.Status, strOf(p.Status), what)
	assert.Equal(t, want.Type, strOf(p.InvoiceType), what)
	assert.Equal(t, want.DocumentType, strOf(p.DocumentType), what)
	assert.Equal(t, want.PurchaseOrder, str(p.PurchaseOrderNumber), what)
	for name, c := range map[string]struct {
		want time.Time
		got  *time.Time
	}{
		"invoiceDate": {want.Date, p.InvoiceDate}, "dueDate": {want.DueDate, p.DueDate},
		"invoicePeriodStartDate": {want.PeriodStart, p.InvoicePeriodStartDate}, "invoicePeriodEndDate": {want.PeriodEnd, p.InvoicePeriodEndDate},
	} {
		require.NotNil(t, c.got, "%s %s", what, name)
		assert.True(t, c.want.Equal(*c.got), "%s %s: %v, want %v", what, name, *c.got, c.want)
	}
	checkAmount(t, what+" amountDue", want.AmountDue, want.Currency, p.AmountDue)
	checkAmount(t, what+" billedAmount", want.Billed, want.Currency, p.BilledAmount)
	if want.Agreement != bt.AgreementMOSP {
		checkAmount(t, what+" subTotal", want.SubTotal, want.Currency, p.SubTotal)
		checkAmount(t, what+" taxAmount", want.Tax, want.Currency, p.TaxAmount)
		checkAmount(t, what+" totalAmount", want.Total, want.Currency, p.TotalAmount)
		checkAmount(t, what+" creditAmount", want.Credit, want.Currency, p.CreditAmount)
		checkAmount(t, what+" freeAzureCreditApplied", want.FreeCredit, want.Currency, p.FreeAzureCreditApplied)
		checkAmount(t, what+" azurePrepaymentApplied", want.Prepayment, want.Currency, p.AzurePrepaymentApplied)
	}
	var docs []bt.InvoiceDocument
	for _, d := range p.Documents {
		docs = append(docs, bt.InvoiceDocument{Name: str(d.Name), Kind: strOf(d.Kind)})
	}
	assert.Equal(t, want.Documents, docs, what)
	if want.Profile != "" {
		assert.Equal(t, accountsPrefix+want.Account+"/billingProfiles/"+want.Profile, str(p.BillingProfileID), what)
	}
	if want.Subscription != "" {
		assert.Equal(t, want.Subscription, str(p.SubscriptionID), what)
	}
	if want.CreditFor != "" {
		assert.Equal(t, accountsPrefix+want.Account+"/invoices/"+want.CreditFor, str(p.CreditForDocumentID), what)
	}
	if !want.PaidOn.IsZero() {
		require.Len(t, p.Payments, 1, what)
		require.NotNil(t, p.Payments[0].Date, what)
		assert.True(t, want.PaidOn.Equal(*p.Payments[0].Date), what)
		checkAmount(t, what+" payment", want.Billed, want.Currency, p.Payments[0].Amount)
	} else {
		assert.Empty(t, p.Payments, what)
	}
}

// TestOfficialInvoiceListsRecordedShapes: on the recorded shapes armbilling reads the first
// page of invoices (seven-digit dates decode; EA documents come without a name, with
// documentNumbers, a url and source "Other") but cannot follow the relative nextLink.
func TestOfficialInvoiceListsRecordedShapes(t *testing.T) {
	t.Parallel()
	srv := bt.NewServer(t, bt.WithPageSize(7))
	now := srv.Now()
	from := time.Date(now.Year()-1, now.Month(), 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(1, 0, -1)
	for _, c := range []struct {
		p       bt.Principal
		account string
	}{{bt.EAEnterpriseAdmin, bt.EAAccount}, {bt.MCAAccountOwner, bt.MCAAccount}} {
		o := newOfficial(t, srv, c.p)
		first := secondPageFails(t, "InvoicesClient.NewListByBillingAccountPager "+c.account, o.billing(t, "").NewInvoicesClient().NewListByBillingAccountPager(c.account,
			&armbilling.InvoicesClientListByBillingAccountOptions{PeriodStartDate: &from, PeriodEndDate: &to}))
		require.Len(t, first.Value, 7)
		for _, inv := range first.Value {
			want, ok := srv.Invoice(str(inv.Name))
			require.True(t, ok)
			require.NotNil(t, inv.Properties.InvoiceDate)
			assert.True(t, want.Date.Equal(*inv.Properties.InvoiceDate))
			if c.account != bt.EAAccount {
				continue
			}
			var kinds []string
			for _, d := range inv.Properties.Documents {
				assert.Nil(t, d.Name)
				assert.Equal(t, "Other", strOf(d.Source))
				assert.NotEmpty(t, str(d.URL))
				require.Len(t, d.DocumentNumbers, 1)
				kinds = append(kinds, strOf(d.Kind))
			}
			assert.Contains(t, kinds, "Invoice")
			assert.Contains(t, kinds, "Summary")
		}
	}
}

func TestOfficialInvoiceLists(t *testing.T) {
	t.Parallel()
	srv := bt.NewServer(t, bt.WithPageSize(7), bt.WithSpecShapes())
	ctx := context.Background()
	now := srv.Now()
	from := time.Date(now.Year()-1, now.Month(), 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 6, -1)

	for _, c := range []struct {
		p       bt.Principal
		account string
	}{{bt.EAEnterpriseAdmin, bt.EAAccount}, {bt.MCAAccountOwner, bt.MCAAccount}} {
		t.Run("account "+c.account, func(t *testing.T) {
			o := newOfficial(t, srv, c.p)
			ic := o.billing(t, "").NewInvoicesClient()
			want := invoicesWhere(srv, func(inv bt.Invoice) bool { return inv.Account == c.account && overlaps(inv, from, to) })
			require.NotEmpty(t, want)
			var got []string
			for _, page := range drain(t, o, "InvoicesClient.NewListByBillingAccountPager",
				ic.NewListByBillingAccountPager(c.account, &armbilling.InvoicesClientListByBillingAccountOptions{PeriodStartDate: &from, PeriodEndDate: &to})) {
				for _, inv := range page.Value {
					got = append(got, str(inv.Name))
					w, ok := srv.Invoice(str(inv.Name))
					require.True(t, ok)
					checkInvoice(t, w, accountsPrefix+c.account, inv)
				}
			}
			var names []string
			for _, inv := range want {
				names = append(names, inv.Name)
			}
			assert.Equal(t, names, got)
			// The request carried the period as the spec names it (no '$', YYYY-MM-DD).
			first := o.rec.all()[0].URL
			assert.Contains(t, first, "periodStartDate="+from.Format(time.DateOnly))
			assert.Contains(t, first, "periodEndDate="+to.Format(time.DateOnly))

			for _, inv := range want[:2] {
				res, err := ic.GetByBillingAccount(ctx, c.account, inv.Name, nil)
				require.NoError(t, err)
				roundTrip(t, "InvoicesClient.GetByBillingAccount", o.rec.last(t).Body, res)
				checkInvoice(t, inv, accountsPrefix+c.account, &res.Invoice)
			}
		})
	}

	t.Run("profile", func(t *testing.T) {
		o := newOfficial(t, srv, bt.MCAProfileReader)
		ic := o.billing(t, "").NewInvoicesClient()
		want := invoicesWhere(srv, func(inv bt.Invoice) bool { return inv.Profile == bt.MCAProfileUS })
		var got []string
		for _, page := range drain(t, o, "InvoicesClient.NewListByBillingProfilePager", ic.NewListByBillingProfilePager(bt.MCAAccount, bt.MCAProfileUS, nil)) {
			for _, inv := range page.Value {
				got = append(got, str(inv.Name))
				w, _ := srv.Invoice(str(inv.Name))
				checkInvoice(t, w, accountsPrefix+bt.MCAAccount, inv)
			}
		}
		require.Len(t, got, len(want))
		// Invoices_Get: an MCA invoice by name alone, under billingAccounts/default.
		res, err := ic.Get(ctx, want[0].Name, nil)
		require.NoError(t, err)
		roundTrip(t, "InvoicesClient.Get", o.rec.last(t).Body, res)
		checkInvoice(t, want[0], accountsPrefix+bt.MCAAccount, &res.Invoice)
	})

	t.Run("billing subscription", func(t *testing.T) {
		o := newOfficial(t, srv, bt.MOSPAccountAdmin)
		ic := o.billing(t, bt.SubscriptionPayAsYouGo).NewInvoicesClient()
		prefix := accountsPrefix + "default/billingSubscriptions/" + bt.SubscriptionPayAsYouGo
		want := invoicesWhere(srv, func(inv bt.Invoice) bool { return inv.Subscription == bt.SubscriptionPayAsYouGo })
		require.Len(t, want, 24)
		var got []string
		for _, page := range drain(t, o, "InvoicesClient.NewListByBillingSubscriptionPager", ic.NewListByBillingSubscriptionPager(nil)) {
			for _, inv := range page.Value {
				got = append(got, str(inv.Name))
				w, _ := srv.Invoice(str(inv.Name))
				checkInvoice(t, w, prefix, inv)
				assert.Equal(t, "Microsoft.Billing/billingAccounts/billingSubscriptions/invoices", str(inv.Type))
			}
		}
		assert.Len(t, got, 24)
		res, err := ic.GetByBillingSubscription(ctx, want[3].Name, nil)
		require.NoError(t, err)
		roundTrip(t, "InvoicesClient.GetByBillingSubscription", o.rec.last(t).Body, res)
		checkInvoice(t, want[3], prefix, &res.Invoice)

		// A subscription without invoices lists none.
		empty := newOfficial(t, srv, bt.MOSPAccountAdmin)
		pages := drain(t, empty, "InvoicesClient.NewListByBillingSubscriptionPager (new subscription)",
			empty.billing(t, bt.SubscriptionNew).NewInvoicesClient().NewListByBillingSubscriptionPager(nil))
		n := 0
		for _, p := range pages {
			n += len(p.Value)
		}
		assert.Zero(t, n)
	})
}

// fetchBlob downloads a SAS URL the way a user of armbilling would, with a plain HTTP client
// (no bearer token).
func fetchBlob(t *testing.T, srv *bt.Server, url string) []byte {
	t.Helper()
	resp, err := srv.HTTPClient().Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	return b
}

func checkDownloadResult(t *testing.T, srv *bt.Server, what string, r armbilling.DocumentDownloadResult) []byte {
	t.Helper()
	require.NotNil(t, r.URL, what)
	require.NotNil(t, r.ExpiryTime, what)
	exp, err := time.Parse(time.RFC3339, *r.ExpiryTime)
	require.NoError(t, err, "%s expiryTime %q", what, *r.ExpiryTime)
	assert.True(t, exp.After(srv.Now()), "%s: link expires %v, before now %v", what, exp, srv.Now())
	assert.True(t, strings.HasPrefix(*r.URL, srv.BlobEndpoint()+"/"), "%s: %s", what, *r.URL)
	assert.Contains(t, *r.URL, "sig=")
	return fetchBlob(t, srv, *r.URL)
}

// TestOfficialInvoiceDownloadEARecordedShapes: armbilling's pollers finish EA downloads whose
// 202s carry no Retry-After (they poll at the caller's frequency) and whose result is {"url"}
// alone; the model then has no ExpiryTime (azbilling reads it from the SAS link's se=).
func TestOfficialInvoiceDownloadEARecordedShapes(t *testing.T) {
	t.Parallel()
	srv := bt.NewServer(t)
	ctx := context.Background()
	o := newOfficial(t, srv, bt.EAEnterpriseAdmin)
	ic := o.billing(t, "").NewInvoicesClient()
	inv := invoicesWhere(srv, func(inv bt.Invoice) bool { return inv.Account == bt.EAAccount })[0]
	poller, err := ic.BeginDownloadSummaryByBillingAccount(ctx, bt.EAAccount, inv.Name, nil)
	require.NoError(t, err)
	first := o.rec.last(t)
	assert.Equal(t, http.StatusAccepted, first.Status)
	res, err := poller.PollUntilDone(ctx, poll)
	require.NoError(t, err)
	assert.Nil(t, res.ExpiryTime)
	require.NotNil(t, res.URL)
	u, err := url.Parse(*res.URL)
	require.NoError(t, err)
	se, err := time.Parse(time.RFC3339, u.Query().Get("se"))
	require.NoError(t, err)
	assert.True(t, se.After(srv.Now()))
	assert.Equal(t, srv.DocumentBytes(inv.Name, "Summary"), fetchBlob(t, srv, *res.URL))

	poller2, err := ic.BeginDownloadByBillingAccount(ctx, bt.EAAccount, inv.Name,
		&armbilling.InvoicesClientBeginDownloadByBillingAccountOptions{DocumentName: to.Ptr(inv.Documents[0].Name)})
	require.NoError(t, err)
	res2, err := poller2.PollUntilDone(ctx, poll)
	require.NoError(t, err)
	assert.Nil(t, res2.ExpiryTime)
	assert.Equal(t, srv.DocumentBytes(inv.Name, inv.Documents[0].Name), fetchBlob(t, srv, *res2.URL))
}

func TestOfficialInvoiceDownloadPollers(t *testing.T) {
	t.Parallel()
	srv := bt.NewServer(t, bt.WithSpecShapes())
	ctx := context.Background()

	t.Run("BeginDownloadByBillingAccount", func(t *testing.T) {
		o := newOfficial(t, srv, bt.MCAProfileOwner)
		ic := o.billing(t, "").NewInvoicesClient()
		var inv bt.Invoice
		for _, x := range invoicesWhere(srv, func(inv bt.Invoice) bool { return inv.Profile == bt.MCAProfileUS }) {
			if len(x.Documents) > 1 {
				inv = x
				break
			}
		}
		require.NotEmpty(t, inv.Name)
		for _, d := range inv.Documents {
			poller, err := ic.BeginDownloadByBillingAccount(ctx, bt.MCAAccount, inv.Name,
				&armbilling.InvoicesClientBeginDownloadByBillingAccountOptions{DocumentName: to.Ptr(d.Name)})
			require.NoError(t, err)
			assert.Equal(t, http.StatusAccepted, o.rec.last(t).Status)
			res, err := poller.PollUntilDone(ctx, poll)
			require.NoError(t, err)
			roundTrip(t, "InvoicesClient.BeginDownloadByBillingAccount result", o.rec.last(t).Body, res)
			assert.Equal(t, srv.DocumentBytes(inv.Name, d.Name), checkDownloadResult(t, srv, d.Kind, res.DocumentDownloadResult))
		}
	})

	t.Run("BeginDownloadByBillingSubscription", func(t *testing.T) {
		o := newOfficial(t, srv, bt.MOSPAccountAdmin)
		ic := o.billing(t, bt.SubscriptionPayAsYouGo).NewInvoicesClient()
		inv := invoicesWhere(srv, func(inv bt.Invoice) bool { return inv.Subscription == bt.SubscriptionPayAsYouGo })[5]
		poller, err := ic.BeginDownloadByBillingSubscription(ctx, inv.Name,
			&armbilling.InvoicesClientBeginDownloadByBillingSubscriptionOptions{DocumentName: to.Ptr(inv.Documents[0].Name)})
		require.NoError(t, err)
		res, err := poller.PollUntilDone(ctx, poll)
		require.NoError(t, err)
		roundTrip(t, "InvoicesClient.BeginDownloadByBillingSubscription result", o.rec.last(t).Body, res)
		assert.Equal(t, srv.DocumentBytes(inv.Name, ""), checkDownloadResult(t, srv, inv.Name, res.DocumentDownloadResult))
	})

	t.Run("BeginDownloadSummaryByBillingAccount", func(t *testing.T) {
		o := newOfficial(t, srv, bt.EAEnterpriseAdmin)
		ic := o.billing(t, "").NewInvoicesClient()
		inv := invoicesWhere(srv, func(inv bt.Invoice) bool { return inv.Account == bt.EAAccount })[0]
		poller, err := ic.BeginDownloadSummaryByBillingAccount(ctx, bt.EAAccount, inv.Name, nil)
		require.NoError(t, err)
		res, err := poller.PollUntilDone(ctx, poll)
		require.NoError(t, err)
		roundTrip(t, "InvoicesClient.BeginDownloadSummaryByBillingAccount result", o.rec.last(t).Body, res)
		assert.Equal(t, srv.DocumentBytes(inv.Name, "Summary"), checkDownloadResult(t, srv, "summary", res.DocumentDownloadResult))
	})

	zipped := func(t *testing.T, b []byte) map[string][]byte {
		t.Helper()
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		require.NoError(t, err)
		out := map[string][]byte{}
		for _, f := range zr.File {
			rc, err := f.Open()
			require.NoError(t, err)
			data, err := io.ReadAll(rc)
			require.NoError(t, err)
			_ = rc.Close()
			out[f.Name] = data
		}
		return out
	}

	t.Run("BeginDownloadDocumentsByBillingAccount", func(t *testing.T) {
		o := newOfficial(t, srv, bt.MCAAccountOwner)
		ic := o.billing(t, "").NewInvoicesClient()
		invs := invoicesWhere(srv, func(inv bt.Invoice) bool { return inv.Account == bt.MCAAccount })[:3]
		var req []*armbilling.DocumentDownloadRequest
		for _, inv := range invs {
			req = append(req, &armbilling.DocumentDownloadRequest{InvoiceName: to.Ptr(inv.Name), DocumentName: to.Ptr(inv.Documents[0].Name)})
		}
		poller, err := ic.BeginDownloadDocumentsByBillingAccount(ctx, bt.MCAAccount, req, nil)
		require.NoError(t, err)
		res, err := poller.PollUntilDone(ctx, poll)
		require.NoError(t, err)
		roundTrip(t, "InvoicesClient.BeginDownloadDocumentsByBillingAccount result", o.rec.last(t).Body, res)
		files := zipped(t, checkDownloadResult(t, srv, "zip", res.DocumentDownloadResult))
		require.Len(t, files, len(invs))
		for _, inv := range invs {
			found := false
			for name, data := range files {
				if strings.HasPrefix(name, inv.Name) {
					found = true
					assert.Equal(t, srv.DocumentBytes(inv.Name, inv.Documents[0].Name), data, name)
				}
			}
			assert.True(t, found, inv.Name)
		}
	})

	t.Run("BeginDownloadDocumentsByBillingSubscription", func(t *testing.T) {
		o := newOfficial(t, srv, bt.MOSPAccountAdmin)
		ic := o.billing(t, bt.SubscriptionPayAsYouGo).NewInvoicesClient()
		invs := invoicesWhere(srv, func(inv bt.Invoice) bool { return inv.Subscription == bt.SubscriptionPayAsYouGo })[:2]
		var req []*armbilling.DocumentDownloadRequest
		for _, inv := range invs {
			req = append(req, &armbilling.DocumentDownloadRequest{InvoiceName: to.Ptr(inv.Name), DocumentName: to.Ptr(inv.Documents[0].Name)})
		}
		poller, err := ic.BeginDownloadDocumentsByBillingSubscription(ctx, req, nil)
		require.NoError(t, err)
		res, err := poller.PollUntilDone(ctx, poll)
		require.NoError(t, err)
		roundTrip(t, "InvoicesClient.BeginDownloadDocumentsByBillingSubscription result", o.rec.last(t).Body, res)
		assert.Len(t, zipped(t, checkDownloadResult(t, srv, "zip", res.DocumentDownloadResult)), 2)
	})
}
