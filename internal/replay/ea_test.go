package replay_test

import (
	"bytes"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/invoice"
	"github.com/azbilling/azbilling/roles"
)

func TestEAAccountsListAndGet(t *testing.T) {
	f := start(t, recordedAt, "ea_accounts")
	accts := collect(t, f.bc.Accounts(ctx(t)))
	require.Len(t, accts, 4)

	a := accts[0]
	assert.Equal(t, "6467779", a.Name)
	assert.Equal(t, "/providers/Microsoft.Billing/billingAccounts/6467779", a.ID)
	assert.Equal(t, billing.AgreementEA, a.Agreement)
	assert.Equal(t, "BVT EA RI VSOID#6684 Cust1 (DO NOT USE)", a.DisplayName)
	assert.Equal(t, "Extended", a.Status)
	assert.Equal(t, "Enterprise", a.AccountType)
	assert.True(t, a.HasReadAccess)
	require.NotNil(t, a.Enrollment)
	// "6/1/2020 12:00:00 AM +00:00" and "5/31/2023 12:00:00 AM +00:00"
	assert.Equal(t, time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC), a.Enrollment.Start.UTC())
	assert.Equal(t, time.Date(2023, 5, 31, 0, 0, 0, 0, time.UTC), a.Enrollment.End.UTC())
	assert.Equal(t, "IN", a.Enrollment.CountryCode, `"IN " trimmed`)
	assert.Equal(t, "USD", a.Enrollment.Currency)
	assert.Equal(t, "EaDirect", a.Enrollment.Channel)
	assert.Equal(t, "Monthly", a.Enrollment.BillingCycle)

	assert.Equal(t, "US", accts[1].Enrollment.CountryCode)
	assert.Equal(t, "8323948", accts[2].Name)
	assert.False(t, accts[2].HasReadAccess)
	assert.Nil(t, accts[2].Enrollment, "no enrollmentDetails in the answer")
	assert.Equal(t, "Disabled", accts[3].Status)
	assert.Equal(t, time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC), accts[3].Enrollment.Start.UTC())
	assert.Equal(t, time.Date(2023, 8, 31, 0, 0, 0, 0, time.UTC), accts[3].Enrollment.End.UTC())
	for _, a := range accts {
		assert.Nil(t, a.UnreadDates, a.Name)
	}

	g, err := f.bc.Account(ctx(t), "6467779")
	require.NoError(t, err)
	require.NotNil(t, g.Enrollment)
	assert.Equal(t, time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC), g.Enrollment.Start.UTC())
	assert.Equal(t, "6467779-O150", g.Enrollment.PONumber)
	assert.Equal(t, "invoice-recipient@example.com", g.Enrollment.InvoiceRecipient)
	assert.Equal(t, "IN", g.Enrollment.CountryCode)
	assert.False(t, g.HasReadAccess)
}

func TestEADepartmentsEveryPage(t *testing.T) {
	f := start(t, recordedAt, "ea_departments")
	deps := collect(t, f.bc.Departments(ctx(t), "6575495"))
	var names []string
	for _, d := range deps {
		names = append(names, d.Name)
	}
	// Four pages, to the end; the last page really lists 198528 twice.
	assert.Equal(t, []string{"127025", "134254", "144947", "144603", "150429", "145054", "158204",
		"158205", "178518", "198088", "198528", "198528", "199964"}, names)
	assert.Equal(t, "Test Department---", deps[0].DisplayName)
	assert.Equal(t, "", deps[0].CostCenter)
	assert.Equal(t, "Active", deps[0].Status)
	assert.Equal(t, "123", deps[1].CostCenter)
	assert.Equal(t, "Deleted", deps[1].Status)
	assert.Equal(t, "Future", deps[3].Status)
	assert.Equal(t, "P10209440", deps[3].CostCenter)
	assert.Equal(t, "的的的的的", deps[8].DisplayName)
	assert.Equal(t, "/providers/Microsoft.Billing/billingAccounts/6575495/departments/199964", deps[12].ID)

	// The relative nextLink's $skiptoken is sent as the service wrote it: %7E, %2F and %2B kept.
	reqs := f.requests("/departments")
	require.Len(t, reqs, 4)
	assert.Contains(t, reqs[1].URL, "skiptoken=%5B%7B%22token%22%3A%22%2BRID%3A%7EDDh7AJwRCQYSJQIAAAAAAA%3D%3D%23RT%3A1")
	assert.Contains(t, reqs[1].URL, "MwD9%2B%2F4HQ")
	assert.Contains(t, reqs[3].URL, "%23RT%3A3%23TRC%3A300")
}

func TestEAEnrollmentAccountsEveryPage(t *testing.T) {
	f := start(t, recordedAt, "ea_enrollment_accounts")
	eas := collect(t, f.bc.EnrollmentAccounts(ctx(t), "6575495"))
	var names []string
	for _, e := range eas {
		names = append(names, e.Name)
	}
	assert.Equal(t, []string{"264698", "276290", "279280", "295786", "297355", "376855", "377747", "378412"}, names)
	assert.Equal(t, "account-one", eas[0].DisplayName)
	assert.Equal(t, "owner1@example.com", eas[0].AccountOwner)
	assert.Equal(t, "198223", eas[0].DepartmentID)
	assert.Equal(t, "cc1", eas[0].CostCenter)
	// "2020-09-05T00:00:00.0000000Z" and "2025-05-31T00:00:00.0000000Z"
	assert.Equal(t, time.Date(2020, 9, 5, 0, 0, 0, 0, time.UTC), eas[0].Start.UTC())
	assert.Equal(t, time.Date(2025, 5, 31, 0, 0, 0, 0, time.UTC), eas[0].End.UTC())
	assert.Equal(t, time.Date(2024, 11, 11, 0, 0, 0, 0, time.UTC), eas[7].Start.UTC())
	for _, e := range eas {
		assert.Nil(t, e.UnreadDates, e.Name)
	}
	assert.Equal(t, "ABCD", eas[1].CostCenter, `"  ABCD" trimmed`)
	assert.Equal(t, "Pending", eas[2].Status)
	assert.Equal(t, "", eas[3].DepartmentID)
	assert.Equal(t, "UI test", eas[4].DisplayName)
	reqs := f.requests("/enrollmentAccounts")
	require.Len(t, reqs, 4)
	assert.Contains(t, reqs[1].URL, "skiptoken=100")
	assert.Contains(t, reqs[3].URL, "skiptoken=600")
}

func TestEABillingSubscriptionsEveryPageAndGet(t *testing.T) {
	f := start(t, recordedAt, "ea_billing_subscriptions")
	acct, err := billing.AccountScope("6575495")
	require.NoError(t, err)
	subs := collect(t, f.bc.BillingSubscriptions(ctx(t), acct))
	var ids []string
	for _, s := range subs {
		ids = append(ids, s.SubscriptionID)
	}
	assert.Equal(t, []string{"68848DFD-A104-409D-AC67-F875C4BB4F84", "1DD6372E-E810-419B-8C92-04520E2213CB",
		"4B735650-77DA-49D2-A922-C5651C57907D", "5C47C6B2-B70C-49FC-ACE7-34AD56982C8C",
		"AD59535B-DDAE-4565-B041-44E46FF073D8", "12C47464-6818-45BB-9B40-A6B80B8E8A59"}, ids)
	s := subs[1]
	assert.Equal(t, "/providers/Microsoft.Billing/billingAccounts/6575495/billingSubscriptions/1DD6372E-E810-419B-8C92-04520E2213CB", s.ID)
	assert.Equal(t, "sub2-from-overview", s.DisplayName)
	assert.Equal(t, "290876", s.EnrollmentAccount)
	assert.Equal(t, "MS-AZR-0017P", s.OfferID)
	assert.Equal(t, "UsageBased", s.ProductCategory)
	assert.Equal(t, "test1234567890", s.CostCenter)
	assert.Equal(t, "Other", s.Status)
	assert.True(t, s.CreatedAt.IsZero(), "purchaseDate 0001-01-01T00:00:00.0000000Z means none: %v", s.CreatedAt)
	for _, s := range subs {
		assert.Nil(t, s.UnreadDates, s.SubscriptionID)
	}
	assert.Equal(t, "1010", subs[2].CostCenter)
	// enrollmentAccountSubscriptionDetails: a bare date and a status.
	assert.Equal(t, time.Date(2021, 7, 16, 0, 0, 0, 0, time.UTC), s.EnrollmentAccountStart.UTC())
	assert.Equal(t, "Active", s.EnrollmentAccountStatus)
	assert.Equal(t, time.Date(2023, 12, 1, 0, 0, 0, 0, time.UTC), subs[0].EnrollmentAccountStart.UTC())
	assert.Equal(t, "Deleted", subs[0].EnrollmentAccountStatus)
	reqs := f.requests("/billingSubscriptions")
	require.Len(t, reqs, 3)
	assert.Contains(t, reqs[1].URL, "skiptoken=page")

	g, err := f.bc.BillingSubscription(ctx(t), "6575495", "97930e20-b87f-4f5f-8483-6132adf17c82")
	require.NoError(t, err)
	assert.Equal(t, "97930E20-B87F-4F5F-8483-6132ADF17C82", g.SubscriptionID)
	assert.Equal(t, "TenantUserSub9", g.DisplayName)
	assert.Equal(t, "307200", g.EnrollmentAccount)
	assert.Equal(t, "", g.OfferID)
	assert.True(t, g.CreatedAt.IsZero())
}

func TestEAInvoicesListGetAndDownload(t *testing.T) {
	f := start(t, recordedAt, "ea_invoices")
	ic := invoice.NewAccountClient(f.bc, "6575495")
	period := billing.Period{Start: billing.NewDate(2024, time.January, 1), End: billing.NewDate(2024, time.June, 30)}
	invs := collect(t, ic.List(ctx(t), &invoice.ListOptions{Period: period}))
	require.Len(t, invs, 3)
	inv := invs[0]
	assert.Equal(t, "EA02268641", inv.Name)
	assert.Equal(t, invoice.Status("Paid"), inv.Status)
	assert.Equal(t, billing.NewDate(2024, time.February, 10), inv.Date)
	assert.Equal(t, billing.NewDate(2024, time.March, 11), inv.DueDate)
	assert.Equal(t, billing.NewDate(2024, time.January, 1), inv.Period.Start)
	assert.Equal(t, billing.NewDate(2024, time.January, 31), inv.Period.End)
	assert.Equal(t, "730.8900", inv.Billed.Value.String())
	assert.Equal(t, "USD", inv.Billed.Currency)
	assert.Equal(t, "730.8900", inv.Total.Value.String())
	assert.True(t, inv.AmountDue.Value.IsZero())
	assert.Equal(t, "PO Test 02/06/24", inv.PurchaseOrder)
	require.Len(t, inv.Payments, 1)
	assert.Equal(t, "730.8900", inv.Payments[0].Amount.Value.String())
	assert.Equal(t, billing.NewDate(2024, time.March, 28), inv.Payments[0].Date)
	require.Len(t, inv.Documents, 3)
	for i, k := range []invoice.DocumentKind{"Invoice", "Summary", "Transactions"} {
		assert.Equal(t, k, inv.Documents[i].Kind)
		assert.Equal(t, []string{"9882787315"}, inv.Documents[i].Numbers)
		assert.Equal(t, "Other", inv.Documents[i].Source)
	}
	assert.Equal(t, "2976.6600", invs[1].AmountDue.Value.String())
	assert.Equal(t, invoice.Status("OverDue"), invs[1].Status)
	assert.Equal(t, billing.NewDate(2024, time.June, 30), invs[2].Period.End)
	assert.Equal(t, "3355.7600", invs[2].Billed.Value.String())
	assert.Contains(t, f.requests("/invoices?")[0].URL, "periodStartDate=2024-01-01")

	got, err := ic.Get(ctx(t), "EA02268641")
	require.NoError(t, err)
	assert.Equal(t, inv.Billed, got.Billed)
	assert.Equal(t, inv.Period, got.Period)

	// POST download → 202 (no Retry-After) → 202 → 200 {url} with no expiryTime.
	var buf bytes.Buffer
	began := time.Now()
	n, err := ic.Download(ctx(t), got, invoice.KindInvoice, &buf)
	require.NoError(t, err)
	took := time.Since(began)
	assert.Equal(t, int64(len(pdf)), n)
	assert.Equal(t, pdf, buf.Bytes())

	// The EA summary: POST downloadSummary → 202 with an account-level operationResults URL → 200 {url}.
	buf.Reset()
	_, err = ic.DownloadSummary(ctx(t), got, &buf)
	require.NoError(t, err)
	assert.Equal(t, pdf, buf.Bytes())

	// The listed Summary document is the same summary: Download by kind must not fetch the
	// invoice PDF in its place (EA documents have no name to ask /download for).
	buf.Reset()
	_, err = ic.Download(ctx(t), got, invoice.KindSummary, &buf)
	require.NoError(t, err)
	assert.Equal(t, pdf, buf.Bytes())

	// Transactions are a CSV, from POST transactionsDownload and an account-level operation.
	buf.Reset()
	_, err = ic.Download(ctx(t), invs[2], invoice.KindTransactions, &buf)
	require.NoError(t, err)
	assert.Equal(t, csv, buf.Bytes())

	assert.Equal(t, "EA02510779-transactions.csv", invoice.FileName(invs[2], invs[2].Documents[2]))
	assert.Equal(t, "EA02510779-invoice.pdf", invoice.FileName(invs[2], invs[2].Documents[0]))

	blobs := f.blobs()
	require.Len(t, blobs, 4)
	u0, _ := url.Parse(blobs[0].URL)
	assert.Equal(t, "/billingrppub/invoices/6575495/9882787315.pdf", u0.Path)
	assert.Equal(t, "2024-11-18T07:00:01Z", u0.Query().Get("se"))
	assert.Equal(t, "+PI/nooNhOKjNZqtQdEUJbsY07BZiaUmJ2uK9KIMzgU=", u0.Query().Get("sig"))
	for _, b := range blobs[1:3] {
		u, _ := url.Parse(b.URL)
		assert.Equal(t, "/billingrppub/invoicesummaries/6575495/9882787315_invoice_summary.pdf", u.Path)
	}
	u3, _ := url.Parse(blobs[3].URL)
	assert.Equal(t, "/billingrppub/invoicetransactions/6575495/9883234458_invoice_transactions.csv", u3.Path)
	assert.Equal(t, "2024-11-18T07:02:49Z", u3.Query().Get("se"))
	for _, b := range blobs {
		assert.Empty(t, b.Authorization, "blob requests carry no token")
	}
	polls := f.requests("/operationResults/invoiceDownload_e56822c3")
	require.Len(t, polls, 2)
	assert.Contains(t, polls[0].URL, "t=638675094002319150", "the Location is polled as given")
	assert.Contains(t, polls[1].URL, "t=638675094006231448", "the second 202's Location is followed")
	require.Len(t, f.requests("/operationResults/invoiceSummaryDownload_f4622502"), 2)
	require.Len(t, f.requests("/invoices/EA02268641/download?"), 1, "the Summary document is not fetched with /download")
	require.Len(t, f.requests("/operationResults/transactionsDownload_27da8b92"), 2)
	// Two polls without Retry-After must not wait the 5 s default each (issue 12, item 4).
	assert.Less(t, took, 3*time.Second, "polling without Retry-After")

	// Saved to a folder, the transactions keep their format; a second run finds them complete.
	dir := t.TempDir()
	p, err := ic.DownloadFile(ctx(t), invs[2], invoice.KindTransactions, dir)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "EA02510779-transactions.csv"), p)
	got2, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, csv, got2)
	sum, err := ic.DownloadAll(ctx(t), func(yield func(invoice.Invoice, error) bool) { yield(invs[2], nil) }, dir, &invoice.BulkOptions{Kinds: []invoice.DocumentKind{invoice.KindTransactions}})
	require.NoError(t, err)
	require.Empty(t, sum.Failed)
	var skipped []string
	for _, f := range sum.Skipped {
		skipped = append(skipped, filepath.Base(f.Path))
	}
	assert.Contains(t, skipped, "EA02510779-transactions.csv", "the CSV already in the folder is complete")
	var downloaded []string
	for _, f := range sum.Downloaded {
		downloaded = append(downloaded, filepath.Base(f.Path))
	}
	assert.NotContains(t, downloaded, "EA02510779-transactions.csv")
}

// A download result without expiryTime still expires: its SAS se= says when. A client whose clock
// is past it asks for a fresh link instead of fetching an expired one.
func TestEADownloadLinkExpiryFromSAS(t *testing.T) {
	f := start(t, time.Date(2024, 11, 18, 7, 5, 0, 0, time.UTC), "ea_invoices")
	ic := invoice.NewAccountClient(f.bc, "6575495")
	inv, err := ic.Get(ctx(t), "EA02268641")
	require.NoError(t, err)
	// The listing and the summary are not part of this scenario: serve them to keep the
	// every-interaction check of the fixture meaningful.
	listed := collect(t, ic.List(ctx(t), &invoice.ListOptions{Period: billing.Period{Start: billing.NewDate(2024, time.January, 1), End: billing.NewDate(2024, time.June, 30)}}))
	var buf bytes.Buffer
	_, err = ic.Download(ctx(t), inv, invoice.KindInvoice, &buf)
	var de *billing.DownloadError
	require.True(t, errors.As(err, &de), "want a DownloadError, got %v", err)
	assert.Equal(t, billing.DownloadKindExpired, de.Kind)
	assert.Empty(t, f.blobs(), "an expired link is never fetched")
	_, _ = ic.DownloadSummary(ctx(t), inv, &buf)
	_, err = ic.Download(ctx(t), listed[2], invoice.KindTransactions, &buf)
	require.True(t, errors.As(err, &de), "want a DownloadError, got %v", err)
	assert.Equal(t, billing.DownloadKindExpired, de.Kind)
	assert.Empty(t, f.blobs())
}

func TestEAPermissionsCheckAccessAndRoleDefinitions(t *testing.T) {
	f := start(t, recordedAt, "ea_roles_permissions")
	acct, _ := billing.AccountScope("6575495")
	dept, err := billing.DepartmentScope("6575495", "148446")
	require.NoError(t, err)
	ea, err := billing.EnrollmentAccountScope("6575495", "261569")
	require.NoError(t, err)

	perms := collect(t, f.bc.Permissions(ctx(t), acct))
	require.Len(t, perms, 1)
	assert.Len(t, perms[0].Actions, 23)
	assert.Equal(t, "Microsoft.Billing/billingAccounts/read", perms[0].Actions[0])
	assert.Equal(t, "Microsoft.Billing/billingAccounts/commitments/read", perms[0].Actions[22])
	for _, a := range perms[0].Actions {
		assert.NotContains(t, a, "invoices/read", "EA permission lists hold no invoice action")
	}
	assert.Len(t, collect(t, f.bc.Permissions(ctx(t), dept))[0].Actions, 11)
	eaPerms := collect(t, f.bc.Permissions(ctx(t), ea))[0].Actions
	assert.Len(t, eaPerms, 8)
	assert.Equal(t, "Microsoft.Subscription/subscriptions/write", eaPerms[7])

	for _, c := range []struct {
		scope billing.Scope
		read  string
	}{
		{acct, "Microsoft.Billing/billingAccounts/read"},
		{dept, "Microsoft.Billing/billingAccounts/departments/read"},
		{ea, "Microsoft.Billing/billingAccounts/enrollmentAccounts/read"},
	} {
		noAction := strings.TrimSuffix(c.read, "read") + "noAction"
		ds, err := f.bc.CheckServiceAccess(ctx(t), c.scope, c.read, noAction)
		require.NoError(t, err, c.scope.ID())
		assert.Equal(t, []billing.AccessDecision{
			{Action: c.read, Allowed: true, Decision: "Allowed"},
			{Action: noAction, Allowed: false, Decision: "NotAllowed"},
		}, ds)
	}

	defs := collect(t, f.bc.RoleDefinitions(ctx(t), acct))
	require.Len(t, defs, 3)
	assert.Equal(t, "Enrollment administrator", defs[0].RoleName)
	assert.Equal(t, roles.EAEnterpriseAdmin, defs[0].Role)
	assert.Len(t, defs[0].Actions, 23)
	assert.Equal(t, roles.EAEnterpriseAdminReadOnly, defs[1].Role)
	assert.Equal(t, "EaRoleId_da6647fb765149eebe91c43c4877f0c4", defs[2].RoleName)
	assert.Equal(t, roles.EAPurchaser, defs[2].Role, "the purchaser's unlocalized role name")

	ddefs := collect(t, f.bc.RoleDefinitions(ctx(t), dept))
	require.Len(t, ddefs, 2)
	assert.Equal(t, roles.EADepartmentAdmin, ddefs[0].Role)
	assert.Equal(t, roles.EADepartmentReader, ddefs[1].Role)

	edefs := collect(t, f.bc.RoleDefinitions(ctx(t), ea))
	require.Len(t, edefs, 2)
	assert.Equal(t, roles.EAAccountOwner, edefs[0].Role)
	assert.Equal(t, roles.EASubscriptionCreator, edefs[1].Role)
}
