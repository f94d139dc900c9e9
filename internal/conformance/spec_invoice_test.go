package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/email"
	"github.com/azbilling/azbilling/invoice"
)

// Our invoice and email packages against the published 2024-04-01 examples of Invoices_* and
// BillingProfiles_CreateOrUpdate. The long-running ones wait for the examples' Retry-After
// (10 s) and run in parallel.

func date(y int, m time.Month, d int) billing.Date { return billing.NewDate(y, m, d) }

func checkAmt(t *testing.T, what string, got billing.Amount, want string) {
	t.Helper()
	if want == "" {
		assert.Equal(t, billing.Amount{}, got, "%s: no amount in the example", what)
		return
	}
	d, err := billing.ParseDecimal(want)
	require.NoError(t, err)
	assert.True(t, d.Equal(got.Value), "%s: %s, want %s", what, got.Value, want)
	assert.Equal(t, "USD", got.Currency, what)
}

func TestSpecInvoiceLists(t *testing.T) {
	t.Parallel()
	s := newSpecServer(t)
	bc := s.client(t, exampleNow)
	ctx := context.Background()
	period := billing.Period{Start: date(2023, 1, 1), End: date(2023, 6, 30)}

	checkQuery := func(t *testing.T, ex *specExample) {
		t.Helper()
		reqs := s.requests()
		q, err := url.ParseQuery(reqs[len(reqs)-1].Query)
		require.NoError(t, err)
		assert.Equal(t, "2024-04-01", q.Get("api-version"))
		assert.Equal(t, ex.param(t, "periodStartDate"), q.Get("periodStartDate"))
		assert.Equal(t, ex.param(t, "periodEndDate"), q.Get("periodEndDate"))
	}

	t.Run("invoicesListByBillingSubscription", func(t *testing.T) {
		ex := loadExample(t, "billing/invoicesListByBillingSubscription.json")
		sub := ex.param(t, "subscriptionId")
		prefix := "/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/" + sub
		s.on(http.MethodGet, prefix+"/invoices", ex.reply(t, 200))
		got := collect(t, invoice.NewSubscriptionClient(bc, sub).List(ctx, &invoice.ListOptions{Period: period}))
		checkQuery(t, ex)
		require.Len(t, got, 3)
		e := got[0]
		assert.Equal(t, "E123456789", e.Name)
		assert.Equal(t, prefix+"/invoices/E123456789", e.ID)
		assert.Equal(t, billing.AgreementMOSP, e.Agreement)
		assert.Equal(t, invoice.StatusDue, e.Status)
		assert.Equal(t, invoice.TypeAzureServices, e.Type)
		assert.Equal(t, date(2023, 2, 1), e.Date, "invoiceDate is a timestamp on the wire")
		assert.Equal(t, date(2023, 2, 16), e.DueDate)
		assert.Equal(t, billing.Period{Start: date(2023, 2, 1), End: date(2023, 2, 15)}, e.Period)
		checkAmt(t, "amountDue", e.AmountDue, "8.53")
		checkAmt(t, "billedAmount", e.Billed, "33.99")
		checkAmt(t, "totalAmount", e.Total, "")
		assert.Equal(t, "123456", e.PurchaseOrder)
		assert.Equal(t, sub, e.SubscriptionID)
		assert.Equal(t, "Contoso Operations Billing", e.SubscriptionName)
		assert.Empty(t, e.Documents)
		assert.Empty(t, e.Payments)
		assert.Equal(t, invoice.TypeAzureMarketplace, got[1].Type)
		checkAmt(t, "amountDue", got[1].AmountDue, "15.53")

		last := got[2]
		assert.Equal(t, invoice.TypeAzureSupport, last.Type)
		require.Len(t, last.Documents, 1)
		assert.Equal(t, invoice.Document{Name: "12345678", Kind: invoice.KindInvoice}, last.Documents[0])
		require.Len(t, last.Payments, 1)
		pm := last.Payments[0]
		checkAmt(t, "payment", pm.Amount, "2000")
		assert.Equal(t, date(2023, 1, 14), pm.Date)
		assert.Equal(t, "CreditCard", pm.Family)
		assert.Equal(t, "visa", pm.MethodType)
		assert.Equal(t, "credited", pm.Type)
	})

	t.Run("invoicesGetByBillingSubscription", func(t *testing.T) {
		ex := loadExample(t, "billing/invoicesGetByBillingSubscription.json")
		sub := ex.param(t, "subscriptionId")
		s.on(http.MethodGet, "/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/"+sub+"/invoices/"+ex.param(t, "invoiceName"), ex.reply(t, 200))
		inv, err := invoice.NewSubscriptionClient(bc, sub).Get(ctx, ex.param(t, "invoiceName"))
		require.NoError(t, err)
		assert.Equal(t, "E123456789", inv.Name)
		checkAmt(t, "billedAmount", inv.Billed, "33.99")
		assert.Equal(t, billing.Period{Start: date(2023, 2, 1), End: date(2023, 2, 15)}, inv.Period)
	})

	t.Run("invoicesListByBillingProfile", func(t *testing.T) {
		ex := loadExample(t, "billing/invoicesListByBillingProfile.json")
		account, profile := ex.param(t, "billingAccountName"), ex.param(t, "billingProfileName")
		profileID := "/providers/Microsoft.Billing/billingAccounts/" + account + "/billingProfiles/" + profile
		s.on(http.MethodGet, profileID+"/invoices", ex.reply(t, 200))
		got := collect(t, invoice.NewProfileClient(bc, account, profile).List(ctx, &invoice.ListOptions{Period: period}))
		checkQuery(t, ex)
		require.Len(t, got, 2)
		g := got[0]
		assert.Equal(t, "/providers/Microsoft.Billing/billingAccounts/"+account+"/invoices/G123456789", g.ID)
		assert.Equal(t, billing.AgreementMCA, g.Agreement)
		assert.Equal(t, invoice.KindInvoice, g.DocumentType)
		assert.False(t, g.Monthly)
		assert.Empty(t, g.Type, "invoiceType is absent from the example")
		checkAmt(t, "amountDue", g.AmountDue, "8.53")
		checkAmt(t, "azurePrepaymentApplied", g.Prepayment, "25.46")
		checkAmt(t, "billedAmount", g.Billed, "33.99")
		checkAmt(t, "creditAmount", g.Credit, "0")
		checkAmt(t, "freeAzureCreditApplied", g.FreeCredit, "0")
		checkAmt(t, "subTotal", g.SubTotal, "33.99")
		checkAmt(t, "taxAmount", g.Tax, "1")
		checkAmt(t, "totalAmount", g.Total, "7.53")
		assert.Equal(t, profileID, g.BillingProfileID)
		assert.Equal(t, "Contoso Operations Billing", g.BillingProfileName)
		assert.Equal(t, []invoice.Document{{Name: "12345678", Kind: invoice.KindInvoice}, {Name: "22345678", Kind: invoice.KindTaxReceipt}}, g.Documents)
		assert.Equal(t, invoice.StatusPaid, got[1].Status)
		require.Len(t, got[1].Payments, 1)
		assert.Equal(t, "debited", got[1].Payments[0].Type)
		assert.Equal(t, "123455", got[1].PurchaseOrder)
	})

	t.Run("invoicesGetByBillingAccount", func(t *testing.T) {
		ex := loadExample(t, "billing/invoicesGetByBillingAccount.json")
		account := ex.param(t, "billingAccountName")
		s.on(http.MethodGet, "/providers/Microsoft.Billing/billingAccounts/"+account+"/invoices/"+ex.param(t, "invoiceName"), ex.reply(t, 200))
		inv, err := invoice.NewAccountClient(bc, account).Get(ctx, ex.param(t, "invoiceName"))
		require.NoError(t, err)
		checkAmt(t, "creditAmount 0.0", inv.Credit, "0")
		checkAmt(t, "freeAzureCreditApplied 0.00", inv.FreeCredit, "0")
		checkAmt(t, "taxAmount 1.00", inv.Tax, "1")
		assert.Equal(t, "1.00", inv.Tax.Value.String(), "the published text of the amount is kept")
		require.Len(t, inv.Documents, 2)
		assert.Equal(t, "DRS", inv.Documents[0].Source)
		d, ok := inv.Document(invoice.KindTaxReceipt)
		require.True(t, ok)
		assert.Equal(t, "22345678", d.Name)
	})

	t.Run("derived: unknown enums, missing fields, ids without a leading slash", func(t *testing.T) {
		ex := loadExample(t, "billing/invoicesListByBillingProfile.json")
		account, profile := ex.param(t, "billingAccountName"), ex.param(t, "billingProfileName")
		r := mutate(t, ex.reply(t, 200), func(v any) any {
			v = stripSlash(v)
			items := v.(map[string]any)["value"].([]any)
			p := items[0].(map[string]any)["properties"].(map[string]any)
			p["status"], p["invoiceType"], p["documentType"] = "PartiallyPaid", "AzureQuantum", "Statement"
			p["documents"].([]any)[1].(map[string]any)["kind"] = "Receipt"
			q := items[1].(map[string]any)["properties"].(map[string]any)
			for _, k := range []string{"amountDue", "documents", "payments", "dueDate", "totalAmount", "billingProfileId", "status"} {
				delete(q, k)
			}
			return v
		})
		s.on(http.MethodGet, "/providers/Microsoft.Billing/billingAccounts/"+account+"/billingProfiles/"+profile+"/invoices", r)
		got := collect(t, invoice.NewProfileClient(bc, account, profile).List(ctx, nil))
		require.Len(t, got, 2)
		assert.Equal(t, invoice.Status("PartiallyPaid"), got[0].Status)
		assert.Equal(t, invoice.Type("AzureQuantum"), got[0].Type)
		assert.Equal(t, invoice.DocumentKind("Statement"), got[0].DocumentType)
		assert.Equal(t, invoice.DocumentKind("Receipt"), got[0].Documents[1].Kind)
		assert.Equal(t, "providers/Microsoft.Billing/billingAccounts/"+account+"/billingProfiles/"+profile, got[0].BillingProfileID)
		assert.Equal(t, "G123456789", got[0].Name)
		assert.Equal(t, billing.Amount{}, got[1].AmountDue)
		assert.Equal(t, billing.Amount{}, got[1].Total)
		assert.True(t, got[1].DueDate.IsZero())
		assert.Empty(t, got[1].Documents)
		assert.Empty(t, got[1].Status)
		checkAmt(t, "billedAmount", got[1].Billed, "33.99")
	})
}

// examplePDF is what the blob host of the download examples serves.
var examplePDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// pollPath is the path of a Location header.
func pollPath(t *testing.T, loc string) string {
	t.Helper()
	u, err := url.Parse(loc)
	require.NoError(t, err)
	require.Equal(t, "management.azure.com", u.Host)
	return u.Path
}

func TestSpecInvoiceDownloadByBillingAccount(t *testing.T) {
	t.Parallel()
	s := newSpecServer(t)
	bc := s.client(t, exampleNow)
	ctx := context.Background()
	get := loadExample(t, "billing/invoicesGetByBillingAccount.json")
	ex := loadExample(t, "billing/invoicesDownloadByBillingAccount.json")
	account, name := ex.param(t, "billingAccountName"), ex.param(t, "invoiceName")
	base := "/providers/Microsoft.Billing/billingAccounts/" + account + "/invoices/" + name
	accepted := ex.reply(t, 202)
	s.on(http.MethodGet, base, get.reply(t, 200))
	s.on(http.MethodPost, base+"/download", accepted)
	s.on(http.MethodGet, pollPath(t, accepted.header["Location"]), ex.reply(t, 200))
	s.on(http.MethodGet, "/invoices/1383724.pdf", reply{status: 200, header: map[string]string{"Content-Type": "application/pdf"}, body: examplePDF})

	ic := invoice.NewAccountClient(bc, account)
	inv, err := ic.Get(ctx, name)
	require.NoError(t, err)
	var buf bytes.Buffer
	start := time.Now()
	n, err := ic.Download(ctx, inv, invoice.KindInvoice, &buf)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 10*time.Second, "Retry-After: 10 is honoured")
	assert.EqualValues(t, len(examplePDF), n)
	assert.Equal(t, examplePDF, buf.Bytes())

	reqs := s.requests()
	require.Len(t, reqs, 4)
	post := reqs[1]
	assert.Equal(t, http.MethodPost, post.Method)
	q, _ := url.ParseQuery(post.Query)
	assert.Equal(t, ex.param(t, "documentName"), q.Get("documentName"))
	assert.Equal(t, "2024-04-01", q.Get("api-version"))
	poll := reqs[2]
	assert.Equal(t, "management.azure.com", poll.Host)
	assert.Equal(t, "api-version=2024-04-01", poll.Query, "the Location is polled verbatim")
	assert.NotEmpty(t, poll.Header.Get("Authorization"))
	dl := reqs[3]
	assert.Equal(t, "myaccount.blob.core.windows.net", dl.Host)
	assert.Equal(t, "sv=2019-02-02&sr=b&sp=r", dl.Query)
	assert.Empty(t, dl.Header.Get("Authorization"), "no bearer token on the blob host")
}

func TestSpecInvoiceDownloadSummaryByBillingAccount(t *testing.T) {
	t.Parallel()
	s := newSpecServer(t)
	bc := s.client(t, exampleNow)
	ex := loadExample(t, "billing/invoicesDownloadSummaryByBillingAccount.json")
	account, name := ex.param(t, "billingAccountName"), ex.param(t, "invoiceName")
	accepted := ex.reply(t, 202)
	s.on(http.MethodPost, "/providers/Microsoft.Billing/billingAccounts/"+account+"/invoices/"+name+"/downloadSummary", accepted)
	s.on(http.MethodGet, pollPath(t, accepted.header["Location"]), ex.reply(t, 200))
	s.on(http.MethodGet, "/invoices/1383724_summary.pdf", reply{status: 200, header: map[string]string{"Content-Type": "application/pdf"}, body: examplePDF})

	var buf bytes.Buffer
	inv := invoice.Invoice{Name: name, Agreement: billing.AgreementEA}
	_, err := invoice.NewAccountClient(bc, account).DownloadSummary(context.Background(), inv, &buf)
	require.NoError(t, err)
	assert.Equal(t, examplePDF, buf.Bytes())
}

func TestSpecEmailProfilePut(t *testing.T) {
	t.Parallel()
	s := newSpecServer(t)
	bc := s.client(t, exampleNow)
	ctx := context.Background()
	get := loadExample(t, "billing/billingProfilesGet.json")
	put := loadExample(t, "billing/billingProfilesCreateOrUpdate.json")
	account, profile := put.param(t, "billingAccountName"), put.param(t, "billingProfileName")
	sc, err := billing.ProfileScope(account, profile)
	require.NoError(t, err)
	accepted := put.reply(t, 202)
	_, canonical := accepted.header["Location"]
	require.False(t, canonical, "the example spells its headers in lower case")
	s.on(http.MethodGet, sc.ID(), get.reply(t, 200))
	s.on(http.MethodPut, sc.ID(), accepted)
	s.on(http.MethodGet, pollPath(t, accepted.header["location"]), put.reply(t, 200))

	ec := email.NewClient(bc)
	pref, err := ec.Get(ctx, sc)
	require.NoError(t, err)
	assert.True(t, pref.OptedIn)
	assert.Equal(t, []string{"abc@contoso.com", "xyz@contoso.com"}, pref.Recipients)

	start := time.Now()
	after, err := ec.RemoveRecipients(ctx, sc, []string{"XYZ@contoso.com"}, &email.UpdateOptions{SkipAccessCheck: true})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 10*time.Second, "retry-after: 10 (lower case) is honoured")
	// The operation's result is the example's 200 body: opted in, no invoiceRecipients field.
	assert.True(t, after.OptedIn)
	assert.Empty(t, after.Recipients)

	var sent *seen
	for _, r := range s.requests() {
		if r.Method == http.MethodPut {
			sent = &r
		}
	}
	require.NotNil(t, sent)
	var body struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(sent.Body, &body))
	assert.JSONEq(t, `["abc@contoso.com"]`, string(body.Properties["invoiceRecipients"]))
	assert.JSONEq(t, `true`, string(body.Properties["invoiceEmailOptIn"]))
	for _, k := range []string{"billTo", "shipTo", "soldTo", "displayName", "poNumber"} {
		assert.Contains(t, body.Properties, k, "the PUT sends the whole profile back")
	}
	polled := false
	for _, r := range s.requests() {
		polled = polled || (r.Method == http.MethodGet && strings.Contains(r.Path, "/operationResults/putBillingProfile_"))
	}
	assert.True(t, polled, "the lower-case location header was followed")
}

// TestSpecInvoiceDownloadDoneAt200 serves the download example's 200 as the first answer: an
// operation that is already done is not polled.
func TestSpecInvoiceDownloadDoneAt200(t *testing.T) {
	t.Parallel()
	s := newSpecServer(t)
	bc := s.client(t, exampleNow)
	ex := loadExample(t, "billing/invoicesDownloadByBillingAccount.json")
	account, name := ex.param(t, "billingAccountName"), ex.param(t, "invoiceName")
	s.on(http.MethodPost, "/providers/Microsoft.Billing/billingAccounts/"+account+"/invoices/"+name+"/download", ex.reply(t, 200))
	s.on(http.MethodGet, "/invoices/1383724.pdf", reply{status: 200, header: map[string]string{"Content-Type": "application/pdf"}, body: examplePDF})
	inv := invoice.Invoice{Name: name, Documents: []invoice.Document{{Name: ex.param(t, "documentName"), Kind: invoice.KindInvoice}}}
	var buf bytes.Buffer
	_, err := invoice.NewAccountClient(bc, account).Download(context.Background(), inv, invoice.KindInvoice, &buf)
	require.NoError(t, err)
	assert.Equal(t, examplePDF, buf.Bytes())
	assert.Len(t, s.requests(), 2, "one POST, one blob GET")
}
