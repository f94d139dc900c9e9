package replay_test

import (
	"bytes"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/email"
	"github.com/azbilling/azbilling/invoice"
	"github.com/azbilling/azbilling/roles"
)

const mcaPS = "c017063b-18ad-5e26-f4af-a4d7eff204cb:171df24e-c924-4c58-9daa-a0bdb1686fef_2019-05-31"

func TestMCAProfilesInvoiceEmailAndInvoices(t *testing.T) {
	f := start(t, time.Date(2020, 6, 27, 6, 6, 0, 0, time.UTC), "mca_profiles_invoices")
	profs := collect(t, f.bc.Profiles(ctx(t), mcaPS))
	require.Len(t, profs, 4)
	p := profs[0]
	assert.Equal(t, "RZKZ-H3N4-BG7-TGB", p.Name)
	assert.Equal(t, "Billing profile 01", p.DisplayName)
	assert.Equal(t, "USD", p.Currency)
	assert.Equal(t, 5, p.InvoiceDay)
	assert.True(t, p.InvoiceEmailOptIn)
	assert.Empty(t, p.InvoiceRecipients)
	assert.Equal(t, "Warned", p.Status)
	assert.Equal(t, "399cnn3132", p.PONumber)
	assert.Equal(t, "Off", p.SpendingLimit)
	assert.True(t, p.HasReadAccess)
	assert.Equal(t, "RZKZ-H3N4-BG7-TGB", p.SystemID)
	assert.False(t, profs[2].InvoiceEmailOptIn)
	assert.Equal(t, "Billing profile - 4282", profs[3].DisplayName)

	g, err := f.bc.Profile(ctx(t), mcaPS, "RZKZ-H3N4-BG7-TGB")
	require.NoError(t, err)
	assert.Equal(t, p, g)

	scope, err := billing.ProfileScope(mcaPS, "RZKZ-H3N4-BG7-TGB")
	require.NoError(t, err)
	pref, err := email.NewClient(f.bc).Get(ctx(t), scope)
	require.NoError(t, err)
	assert.True(t, pref.OptedIn)
	assert.Empty(t, pref.Recipients)
	assert.Equal(t, billing.AgreementMCA, pref.Agreement)
	assert.False(t, pref.ReadOnly)
	assert.Contains(t, pref.RoleRecipients, roles.MCAInvoiceManager)

	ic := invoice.NewProfileClient(f.bc, mcaPS, "PO6F-IWMU-BG7-TGB")
	invs := collect(t, ic.List(ctx(t), &invoice.ListOptions{Period: billing.Period{Start: billing.NewDate(2019, time.June, 1), End: billing.NewDate(2020, time.June, 26)}}))
	require.Len(t, invs, 1)
	inv := invs[0]
	assert.Equal(t, "T000492132", inv.Name)
	// "2020-05-01T00:00:00" and "2020-05-31T23:59:59.9999999": no zone.
	assert.Equal(t, billing.NewDate(2020, time.May, 1), inv.Period.Start)
	assert.Equal(t, billing.NewDate(2020, time.May, 31), inv.Period.End)
	assert.Equal(t, billing.NewDate(2020, time.June, 5), inv.Date)
	assert.Equal(t, billing.NewDate(2020, time.July, 5), inv.DueDate)
	assert.True(t, inv.Monthly)
	assert.Equal(t, invoice.Status("Paid"), inv.Status)
	assert.Equal(t, "Billing profile - 4282", inv.BillingProfileName)
	assert.Equal(t, "/providers/Microsoft.Billing/billingAccounts/"+mcaPS+"/billingProfiles/PO6F-IWMU-BG7-TGB", inv.BillingProfileID)
	assert.Equal(t, "32863285", inv.PurchaseOrder)
	assert.True(t, inv.Total.Value.IsZero())
	assert.Equal(t, "USD", inv.Total.Currency)
	require.Len(t, inv.Documents, 1)
	assert.Equal(t, invoice.KindInvoice, inv.Documents[0].Kind)
	assert.Equal(t, "DRS", inv.Documents[0].Source)
	u, err := url.Parse(inv.Documents[0].URL)
	require.NoError(t, err)
	assert.Equal(t, "Drs_5380563725", u.Query().Get("downloadToken"))
	assert.Contains(t, f.requests("/invoices?")[0].URL, "periodStartDate=2019-06-01")
}

const mcaDL = "db038d21-b0d2-463c-942f-b09127c6f4e4:7c9c4a38-593e-479e-8958-9a338a0d8d02_2019-05-31"

func TestMCAInvoiceGetAndDownloadRetryAfter(t *testing.T) {
	t.Parallel() // the service asks for a 10 s wait
	f := start(t, time.Date(2020, 6, 27, 5, 50, 8, 0, time.UTC), "mca_invoice_download")
	ic := invoice.NewAccountClient(f.bc, mcaDL)
	inv, err := ic.Get(ctx(t), "T000512627")
	require.NoError(t, err)
	assert.False(t, inv.Monthly)
	assert.Equal(t, billing.NewDate(2020, time.June, 16), inv.Period.Start)
	assert.Equal(t, billing.NewDate(2020, time.June, 16), inv.Period.End)
	assert.Equal(t, billing.NewDate(2020, time.July, 16), inv.DueDate)
	assert.Equal(t, "Ibiza One", inv.BillingProfileName)

	var buf bytes.Buffer
	began := time.Now()
	_, err = ic.Download(ctx(t), inv, invoice.KindInvoice, &buf)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(began), 9*time.Second, "Retry-After: 10 is honoured")
	assert.Equal(t, pdf, buf.Bytes())
	blobs := f.blobs()
	require.Len(t, blobs, 1)
	u, _ := url.Parse(blobs[0].URL)
	assert.Equal(t, "/billingrppub/invoices/T000512627_6390568816.pdf", u.Path)
	assert.Equal(t, "2020-06-27T06:00:10Z", u.Query().Get("se"))
	assert.Empty(t, blobs[0].Authorization)
}

func TestEAPoliciesAndInvoiceRecipient(t *testing.T) {
	f := start(t, recordedAt, "ea_policies", "ea_accounts")
	p, err := f.bc.EAPolicies(ctx(t), "6575495")
	require.NoError(t, err)
	assert.Equal(t, billing.EAPolicies{AccountOwnerViewCharges: "Allowed", DepartmentAdminViewCharges: "Allowed",
		MarketplacePurchases: "AllAllowed", ReservationPurchases: "Allowed", SavingsPlanPurchases: "Allowed"}, p)
	assert.True(t, p.AccountOwnerCanViewCharges())
	assert.True(t, p.DepartmentAdminCanViewCharges())

	scope, _ := billing.AccountScope("6467779")
	pref, err := email.NewClient(f.bc).Get(ctx(t), scope)
	require.NoError(t, err)
	assert.True(t, pref.ReadOnly)
	assert.True(t, pref.OptedIn)
	assert.Equal(t, []string{"invoice-recipient@example.com"}, pref.Recipients)
	_ = collect(t, f.bc.Accounts(ctx(t)))
}
