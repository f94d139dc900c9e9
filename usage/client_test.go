package usage_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/roles"
	"github.com/azbilling/azbilling/usage"
)

// newClient returns a usage client for principal p on srv, with azcore retries that do not
// slow tests down (throttle headers still set the delay of a retry).
func newClient(t testing.TB, srv *billingtest.Server, p billingtest.Principal) *usage.Client {
	t.Helper()
	opts := srv.ClientOptions()
	opts.Retry.RetryDelay = 5 * time.Millisecond
	opts.Retry.MaxRetryDelay = 5 * time.Second
	opts.Download.RetryWaitMin = 5 * time.Millisecond
	opts.Download.RetryWaitMax = 20 * time.Millisecond
	bc, err := billing.NewClient(srv.Credential(p), opts)
	require.NoError(t, err)
	return usage.NewClient(bc)
}

func scope(t testing.TB, id string) billing.Scope {
	t.Helper()
	s, err := billing.ParseScope(id)
	require.NoError(t, err)
	return s
}

const (
	eaAccountID = "/providers/Microsoft.Billing/billingAccounts/" + billingtest.EAAccount
	mcaAccount  = "/providers/Microsoft.Billing/billingAccounts/" + billingtest.MCAAccount
	mcaProfile  = mcaAccount + "/billingProfiles/" + billingtest.MCAProfileUS
)

// collect reads every record, failing the test on an error, and sums Cost per currency.
func collect(t testing.TB, seq func(func(usage.Record, error) bool)) (map[string]billing.Decimal, int) {
	t.Helper()
	sums := map[string]billing.Decimal{}
	n := 0
	for rec, err := range seq {
		require.NoError(t, err)
		sums[rec.Currency] = sums[rec.Currency].Add(rec.Cost)
		n++
	}
	return sums, n
}

// requireTotals compares sums with the emulator's ground truth exactly.
func requireTotals(t testing.TB, want map[string]string, got map[string]billing.Decimal) {
	t.Helper()
	require.Len(t, got, len(want), "currencies: want %v, got %v", want, got)
	for cur, w := range want {
		wd, err := billing.ParseDecimal(w)
		require.NoError(t, err)
		g, ok := got[cur]
		require.True(t, ok, "no %s records", cur)
		assert.True(t, wd.Equal(g), "%s: want %s, got %s", cur, w, g)
	}
}

func period(srvp billingtest.Period) billing.Period {
	return billing.Period{Start: billing.DateOf(srvp.Start), End: billing.DateOf(srvp.End)}
}

func srvPeriod(p billing.Period) billingtest.Period {
	return billingtest.Period{Start: p.Start.Time(), End: p.End.Time()}
}

func countRequests(srv *billingtest.Server, method, pathPart string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == method && strings.Contains(strings.ToLower(r.Path), strings.ToLower(pathPart)) {
			n++
		}
	}
	return n
}

func TestEAOpenMonthMatchesGroundTruth(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)

	sums, n := collect(t, c.Records(context.Background(), scope(t, eaAccountID), nil))

	requireTotals(t, srv.UsageTotal(eaAccountID, srv.UsageOpenMonth(), "ActualCost"), sums)
	assert.Equal(t, srv.UsageRowCount(eaAccountID, srv.UsageOpenMonth(), "ActualCost"), n)
}

func TestEABillingPeriodMatchesGroundTruth(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)

	sums, _ := collect(t, c.Records(context.Background(), scope(t, eaAccountID), &usage.Options{BillingPeriod: "202610"}))

	requireTotals(t, srv.UsageTotal(eaAccountID, srvPeriod(billing.Month(2026, time.October)), "ActualCost"), sums)
}

func TestEADepartmentAmortizedMatchesGroundTruth(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)
	dept := eaAccountID + "/departments/" + billingtest.EADepartmentEngineering
	p := billing.Period{Start: billing.NewDate(2026, time.October, 10), End: billing.NewDate(2026, time.November, 15)}

	sums, _ := collect(t, c.Records(context.Background(), scope(t, dept), &usage.Options{Metric: usage.AmortizedCost, Period: p}))

	requireTotals(t, srv.UsageTotal(dept, srvPeriod(p), "AmortizedCost"), sums)
	assert.NotEqual(t, srv.UsageTotal(dept, srvPeriod(p), "AmortizedCost"), srv.UsageTotal(dept, srvPeriod(p), "ActualCost"))
	assert.Equal(t, 2, countRequests(srv, "POST", "generateCostDetailsReport"), "a period over two months is two reports")
}

func TestEASubscriptionAgreementFromBillingProperty(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)
	sub := "/subscriptions/" + billingtest.SubscriptionEAFinance
	p := billing.Month(2026, time.September)

	sums, _ := collect(t, c.Records(context.Background(), scope(t, sub), &usage.Options{Period: p}))

	requireTotals(t, srv.UsageTotal(sub, srvPeriod(p), "ActualCost"), sums)
	assert.Equal(t, 1, countRequests(srv, "GET", "billingProperty"))
}

func TestMCAOpenMonthAtProfile(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.MCAProfileOwner)

	rep, err := c.Report(context.Background(), scope(t, mcaProfile), nil)
	require.NoError(t, err)
	sums, n := collect(t, rep.Records(context.Background()))

	requireTotals(t, srv.UsageTotal(mcaProfile, srv.UsageOpenMonth(), "ActualCost"), sums)
	assert.Equal(t, usage.SourceCostDetails, rep.Source)
	assert.Equal(t, "Completed", rep.Status)
	assert.Positive(t, n)
	lay, err := rep.Dialect(context.Background())
	require.NoError(t, err)
	assert.Equal(t, usage.DialectMCA, lay.Dialect)
}

func TestMCABilledInvoiceMatchesGroundTruth(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.MCAProfileOwner)
	invoices := srv.UsageInvoices(billingtest.MCAProfileUS)
	inv := invoices[len(invoices)-2]

	var n int
	sums := map[string]billing.Decimal{}
	for rec, err := range c.Records(context.Background(), scope(t, mcaProfile), &usage.Options{InvoiceID: inv.ID}) {
		require.NoError(t, err)
		require.Equal(t, inv.ID, rec.InvoiceID)
		sums[rec.Currency] = sums[rec.Currency].Add(rec.Cost)
		n++
	}

	requireTotals(t, srv.UsageTotal(mcaProfile, inv.Period, "ActualCost"), sums)
	assert.Equal(t, srv.UsageRowCount(mcaProfile, inv.Period, "ActualCost"), n)
}

func TestMCAAmortizedInvoiceSection(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.MCAInvoiceSectionOwner)
	sect := mcaProfile + "/invoiceSections/" + billingtest.MCASectionEngineering
	p := billing.Month(2026, time.October)

	sums, _ := collect(t, c.Records(context.Background(), scope(t, sect), &usage.Options{Metric: usage.AmortizedCost, Period: p}))

	requireTotals(t, srv.UsageTotal(sect, srvPeriod(p), "AmortizedCost"), sums)
}

func TestMultiBlobReportStreamsAsOne(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithUsageBlobSize(16<<10), billingtest.WithUsageRowsPerDay(6))
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)
	p := billing.Month(2026, time.October)

	rep, err := c.Report(context.Background(), scope(t, eaAccountID), &usage.Options{Period: p})
	require.NoError(t, err)
	require.Greater(t, rep.Manifest.BlobCount, 3)
	var total int64
	for _, b := range rep.Manifest.Blobs {
		total += b.Size
	}
	assert.Equal(t, rep.Manifest.ByteCount, total)
	assert.True(t, rep.Manifest.ValidTill.After(srv.Now()))
	assert.NotContains(t, rep.String(), "sig=")

	sums, n := collect(t, rep.Records(context.Background()))
	requireTotals(t, srv.UsageTotal(eaAccountID, srvPeriod(p), "ActualCost"), sums)
	assert.Equal(t, srv.UsageRowCount(eaAccountID, srvPeriod(p), "ActualCost"), n)
	assert.False(t, srv.SawAuthorizationOnBlob())
}

func TestSaveCSVConcatenatesBlobsUnderOneHeader(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithUsageBlobSize(16<<10))
	c := newClient(t, srv, billingtest.MCAProfileOwner)
	p := billing.Month(2026, time.October)
	path := filepath.Join(t.TempDir(), "usage.csv")

	n, err := c.SaveCSV(context.Background(), scope(t, mcaProfile), &usage.Options{Period: p}, path)
	require.NoError(t, err)

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.EqualValues(t, len(data), n)
	assert.Equal(t, 1, strings.Count(string(data), "invoiceId,previousInvoiceId"), "one header row")
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rd := usage.NewReader(f, nil)
	sums, rows := collect(t, rd.All())
	requireTotals(t, srv.UsageTotal(mcaProfile, srvPeriod(p), "ActualCost"), sums)
	assert.Equal(t, srv.UsageRowCount(mcaProfile, srvPeriod(p), "ActualCost"), rows)
}

func TestSaveCSVLeavesNoFileOnFailure(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithUsageBlobSize(16<<10),
		billingtest.WithFaults(billingtest.ServerError(http.StatusInternalServerError).OnBlob().Nth(2)))
	opts := srv.ClientOptions()
	opts.Download.MaxRetries = -1
	bc, err := billing.NewClient(srv.Credential(billingtest.EAEnterpriseAdmin), opts)
	require.NoError(t, err)
	c := usage.NewClient(bc)
	dir := t.TempDir()
	path := filepath.Join(dir, "usage.csv")

	_, err = c.SaveCSV(context.Background(), scope(t, eaAccountID), &usage.Options{BillingPeriod: "202610"}, path)

	var derr *billing.DownloadError
	require.ErrorAs(t, err, &derr)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "neither the file nor a temporary file is left")
}

func TestNoDataFoundIsEmptyNotAnError(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.MCAProfileOwner)
	// The marketing subscription is 9 months old: nothing in its section 11 months ago.
	sect := mcaProfile + "/invoiceSections/" + billingtest.MCASectionMarketing
	p := billing.MonthOf(billing.DateOf(srv.Now()).AddMonths(-11))

	rep, err := c.Report(context.Background(), scope(t, sect), &usage.Options{Period: p})
	require.NoError(t, err)
	assert.True(t, rep.Empty())
	assert.Equal(t, "NoDataFound", rep.Status)
	_, n := collect(t, rep.Records(context.Background()))
	assert.Zero(t, n)

	path := filepath.Join(t.TempDir(), "empty.csv")
	written, err := rep.SaveCSV(context.Background(), path)
	require.NoError(t, err)
	assert.Zero(t, written)
	assert.FileExists(t, path)
}

func TestNoContentIsEmptyNotAnError(t *testing.T) {
	for _, mode := range []billingtest.UsageNoData{billingtest.NoDataNoContent, billingtest.NoDataNoContentOnPoll} {
		srv := billingtest.NewServer(t, billingtest.WithUsageNoData(mode))
		c := newClient(t, srv, billingtest.MCAProfileOwner)
		sect := mcaProfile + "/invoiceSections/" + billingtest.MCASectionMarketing
		p := billing.MonthOf(billing.DateOf(srv.Now()).AddMonths(-11))

		rep, err := c.Report(context.Background(), scope(t, sect), &usage.Options{Period: p})
		require.NoError(t, err)
		assert.True(t, rep.Empty())
		assert.Equal(t, "NoContent", rep.Status)
		_, n := collect(t, c.Records(context.Background(), scope(t, sect), &usage.Options{Period: p}))
		assert.Zero(t, n)
	}
}

func TestExpiredLinkIsRefreshedByRequestingTheReportAgain(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithUsageBlobSize(16<<10),
		billingtest.WithFaults(billingtest.ExpireSAS().Nth(2)))
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)
	p := billing.Month(2026, time.October)

	sums, n := collect(t, c.Records(context.Background(), scope(t, eaAccountID), &usage.Options{Period: p}))

	requireTotals(t, srv.UsageTotal(eaAccountID, srvPeriod(p), "ActualCost"), sums)
	assert.Equal(t, srv.UsageRowCount(eaAccountID, srvPeriod(p), "ActualCost"), n)
	assert.Equal(t, 2, countRequests(srv, "POST", "generateCostDetailsReport"), "the 403 on blob 2 requested the report again")
}

func TestReportPastValidTillIsRequestedAgain(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithUsageLinkTTL(10*time.Minute))
	c := newClient(t, srv, billingtest.MCAProfileOwner)

	rep, err := c.Report(context.Background(), scope(t, mcaProfile), &usage.Options{Period: billing.Month(2026, time.October)})
	require.NoError(t, err)
	srv.AdvanceClock(time.Hour) // every link of the manifest is now past validTill

	sums, _ := collect(t, rep.Records(context.Background()))

	requireTotals(t, srv.UsageTotal(mcaProfile, srvPeriod(billing.Month(2026, time.October)), "ActualCost"), sums)
	assert.Equal(t, 2, countRequests(srv, "POST", "generateCostDetailsReport"))
	assert.True(t, rep.ValidTill().After(srv.Now()), "fresh links")
	assert.False(t, rep.Manifest.ValidTill.After(srv.Now()), "the manifest as first generated")
}

func TestCostManagementThrottleHeaderIsHonoured(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithFaults(
		billingtest.Throttle(1, billingtest.HeaderCostManagementQPURetryAfter).Path("generateCostDetailsReport")))
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)

	start := time.Now()
	sums, _ := collect(t, c.Records(context.Background(), scope(t, eaAccountID), nil))
	elapsed := time.Since(start)

	requireTotals(t, srv.UsageTotal(eaAccountID, srv.UsageOpenMonth(), "ActualCost"), sums)
	assert.GreaterOrEqual(t, elapsed, time.Second, "the retry waited for the Cost Management retry-after header")
	assert.Equal(t, 1, srv.FaultsFired())
}

func TestThrottledBeyondRetriesIsThrottledError(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithFaults(
		billingtest.Throttle(30, billingtest.HeaderCostManagementTenantRetryAfter).Path("generateCostDetailsReport").Always()))
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin) // MaxRetryDelay 5s < 30s: no retry

	_, err := c.Report(context.Background(), scope(t, eaAccountID), nil)

	var terr *billing.ThrottledError
	require.ErrorAs(t, err, &terr)
	assert.Equal(t, 30*time.Second, terr.RetryAfter)
	assert.ErrorIs(t, err, billing.ErrThrottled)
}

func TestViewChargesPolicyDenialNamesThePolicy(t *testing.T) {
	t.Run("account owner, AO view charges off (default)", func(t *testing.T) {
		srv := billingtest.NewServer(t)
		c := newClient(t, srv, billingtest.EAAccountOwner)
		ea := eaAccountID + "/enrollmentAccounts/" + billingtest.EAEnrollmentAccountEngineering

		_, err := c.Report(context.Background(), scope(t, ea), nil)

		var perr *roles.PermissionError
		require.ErrorAs(t, err, &perr)
		assert.Equal(t, roles.PolicyEAAccountOwnerViewCharges, perr.Policy)
		assert.Equal(t, roles.ViewUsage, perr.Action)
		assert.ErrorIs(t, err, roles.ErrPermissionDenied)
		assert.Contains(t, err.Error(), "AO view charges")
	})
	t.Run("department admin, DA view charges off", func(t *testing.T) {
		srv := billingtest.NewServer(t, billingtest.WithPolicy(billingtest.EAPolicy{DepartmentAdminViewCharges: billingtest.PolicyDisabled}))
		c := newClient(t, srv, billingtest.EADepartmentAdmin)
		dept := eaAccountID + "/departments/" + billingtest.EADepartmentEngineering

		var err error
		for _, e := range c.Records(context.Background(), scope(t, dept), nil) {
			err = e
		}

		var perr *roles.PermissionError
		require.ErrorAs(t, err, &perr)
		assert.Equal(t, roles.PolicyEADepartmentAdminViewCharges, perr.Policy)
	})
	t.Run("department admin, DA view charges on", func(t *testing.T) {
		srv := billingtest.NewServer(t)
		c := newClient(t, srv, billingtest.EADepartmentAdmin)
		dept := eaAccountID + "/departments/" + billingtest.EADepartmentEngineering

		sums, _ := collect(t, c.Records(context.Background(), scope(t, dept), nil))

		requireTotals(t, srv.UsageTotal(dept, srv.UsageOpenMonth(), "ActualCost"), sums)
	})
}

func TestFailedReportIsReportError(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithUsageReportFailures(1))
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)

	_, err := c.Report(context.Background(), scope(t, eaAccountID), nil)

	var rerr *usage.ReportError
	require.ErrorAs(t, err, &rerr)
	assert.Equal(t, "Failed", rerr.Status)
	assert.NotEmpty(t, rerr.Code)
	assert.ErrorIs(t, err, usage.ErrReportFailed)

	_, err = c.Report(context.Background(), scope(t, eaAccountID), nil)
	assert.NoError(t, err, "the next report succeeds")
}

func TestPayAsYouGoThroughConsumptionPages(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithUsagePageSize(9))
	c := newClient(t, srv, billingtest.MOSPAccountAdmin)
	sub := "/subscriptions/" + billingtest.SubscriptionPayAsYouGo
	p := billing.Period{Start: billing.NewDate(2026, time.August, 20), End: billing.NewDate(2026, time.October, 31)}

	var n int
	sums := map[string]billing.Decimal{}
	for rec, err := range c.Records(context.Background(), scope(t, sub), &usage.Options{Period: p}) {
		require.NoError(t, err)
		require.False(t, rec.Date.Before(p.Start) || rec.Date.After(p.End), rec.Date)
		require.Equal(t, billingtest.SubscriptionPayAsYouGo, rec.SubscriptionID)
		require.NotEmpty(t, rec.MeterCategory, "meterDetails were expanded")
		sums[rec.Currency] = sums[rec.Currency].Add(rec.Cost)
		n++
	}

	requireTotals(t, srv.UsageTotal(sub, srvPeriod(p), "ActualCost"), sums)
	assert.Equal(t, srv.UsageRowCount(sub, srvPeriod(p), "ActualCost"), n)
	assert.Greater(t, countRequests(srv, "GET", "usageDetails"), 2)
	assert.Zero(t, countRequests(srv, "POST", "generateCostDetailsReport"))
}

func TestPayAsYouGoTags(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.MOSPAccountAdmin)
	sub := "/subscriptions/" + billingtest.SubscriptionPayAsYouGo

	for rec, err := range c.Records(context.Background(), scope(t, sub), &usage.Options{Agreement: billing.AgreementMOSP}) {
		require.NoError(t, err)
		env, ok := rec.Tags.Get("env")
		require.True(t, ok)
		assert.Contains(t, []string{"prod", "dev"}, env)
		break
	}
	assert.Zero(t, countRequests(srv, "GET", "billingProperty"), "Options.Agreement skips the lookup")
}

func TestPayAsYouGoNoContentIsEmpty(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.MOSPAccountAdmin)
	sub := "/subscriptions/" + billingtest.SubscriptionNew // created 12 days ago

	_, n := collect(t, c.Records(context.Background(), scope(t, sub), &usage.Options{Period: billing.Month(2026, time.September)}))

	assert.Zero(t, n)
}

func TestPayAsYouGoSaveCSV(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithUsagePageSize(25))
	c := newClient(t, srv, billingtest.MOSPAccountAdmin)
	sub := "/subscriptions/" + billingtest.SubscriptionPayAsYouGo
	p := billing.Month(2026, time.October)
	path := filepath.Join(t.TempDir(), "payg.csv")

	_, err := c.SaveCSV(context.Background(), scope(t, sub), &usage.Options{Period: p}, path)
	require.NoError(t, err)

	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rd := usage.NewReader(f, nil)
	lay, err := rd.Layout()
	require.NoError(t, err)
	assert.Equal(t, usage.DialectPAYG, lay.Dialect)
	sums, n := collect(t, rd.All())
	requireTotals(t, srv.UsageTotal(sub, srvPeriod(p), "ActualCost"), sums)
	assert.Equal(t, srv.UsageRowCount(sub, srvPeriod(p), "ActualCost"), n)
}

func TestValidationBeforeAnyRequest(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)
	today := billing.DateOf(srv.Now())
	cases := []struct {
		name  string
		scope string
		opts  *usage.Options
		want  error
	}{
		{"resource group", "/subscriptions/" + billingtest.SubscriptionEAEngProd + "/resourceGroups/rg1", nil, billing.ErrUnsupported},
		{"management group", "/providers/Microsoft.Management/managementGroups/mg1", nil, billing.ErrUnsupported},
		{"MOSP billing account", "/providers/Microsoft.Billing/billingAccounts/" + billingtest.MOSPAccount, nil, billing.ErrUnsupported},
		{"MOSP with an EA billing period", "/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/" + billingtest.SubscriptionPayAsYouGo,
			&usage.Options{BillingPeriod: "202610"}, billing.ErrUnsupported},
		{"EA billing period on MCA", mcaProfile, &usage.Options{BillingPeriod: "202610"}, billing.ErrUnsupported},
		{"invoice id on EA", eaAccountID, &usage.Options{InvoiceID: "G001202610"}, billing.ErrUnsupported},
		{"invoice id on an MCA account", mcaAccount, &usage.Options{InvoiceID: "G001202610"}, billing.ErrInvalidInput},
		{"billing profile of an EA account", eaAccountID + "/billingProfiles/ABC", nil, billing.ErrUnsupported},
		{"department of an MCA account", mcaAccount + "/departments/1", nil, billing.ErrUnsupported},
		{"older than 13 months", eaAccountID, &usage.Options{Period: billing.MonthOf(today.AddMonths(-14))}, billing.ErrInvalidInput},
		{"billing period older than 13 months", eaAccountID, &usage.Options{BillingPeriod: "202409"}, billing.ErrInvalidInput},
		{"bad billing period", eaAccountID, &usage.Options{BillingPeriod: "2026-10"}, billing.ErrInvalidInput},
		{"future period", eaAccountID, &usage.Options{Period: billing.MonthOf(today.AddMonths(2))}, billing.ErrInvalidInput},
		{"two selections", eaAccountID, &usage.Options{BillingPeriod: "202610", Period: billing.Month(2026, time.October)}, billing.ErrInvalidInput},
		{"bad metric", eaAccountID, &usage.Options{Metric: "Usage"}, billing.ErrInvalidInput},
		{"zero scope", "", nil, billing.ErrInvalidInput},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetRequests()
			s, _ := billing.ParseScope(tc.scope)
			var err error
			for _, e := range c.Records(context.Background(), s, tc.opts) {
				err = e
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			assert.Empty(t, srv.Requests(), "no request before validation passed")
		})
	}
}

func TestReportRefusesMoreThanAMonth(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)
	p := billing.Period{Start: billing.NewDate(2026, time.September, 1), End: billing.NewDate(2026, time.October, 31)}

	_, err := c.Report(context.Background(), scope(t, eaAccountID), &usage.Options{Period: p})

	var ierr *billing.InputError
	require.ErrorAs(t, err, &ierr)
	assert.Contains(t, ierr.Reason, "one month")
}

func TestRecordsStopsWhenTheCallerBreaks(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithUsageBlobSize(16<<10))
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)

	rep, err := c.Report(context.Background(), scope(t, eaAccountID), &usage.Options{BillingPeriod: "202610"})
	require.NoError(t, err)
	require.Greater(t, rep.Manifest.BlobCount, 5)
	for _, err := range c.Records(context.Background(), scope(t, eaAccountID), &usage.Options{BillingPeriod: "202610", BlobConcurrency: 1}) {
		require.NoError(t, err)
		break
	}
	assert.Equal(t, 1, len(srv.BlobRequests()), "one at a time: no further blob is fetched")

	// With blobs fetched ahead, no more than the window is requested.
	for _, err := range c.Records(context.Background(), scope(t, eaAccountID), &usage.Options{BillingPeriod: "202610", BlobConcurrency: 3}) {
		require.NoError(t, err)
		break
	}
	assert.LessOrEqual(t, len(srv.BlobRequests()), 1+3, "only the read-ahead window is fetched")
}

func TestCancelledContextStopsPolling(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithLRODelay(30, 1))
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()

	_, err := c.Report(ctx, scope(t, eaAccountID), nil)

	assert.True(t, errors.Is(err, context.DeadlineExceeded), err)
}

func TestReportIsSafeForConcurrentReads(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithUsageBlobSize(16<<10),
		billingtest.WithFaults(billingtest.ExpireSAS().Nth(3), billingtest.ExpireSAS().Nth(7)))
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)
	p := billing.Month(2026, time.October)
	rep, err := c.Report(context.Background(), scope(t, eaAccountID), &usage.Options{Period: p})
	require.NoError(t, err)
	want := srv.UsageTotal(eaAccountID, srvPeriod(p), "ActualCost")

	errs := make(chan error, 3)
	for range 3 {
		go func() {
			sums := map[string]billing.Decimal{}
			for rec, err := range rep.Records(context.Background()) {
				if err != nil {
					errs <- err
					return
				}
				sums[rec.Currency] = sums[rec.Currency].Add(rec.Cost)
			}
			w, _ := billing.ParseDecimal(want["USD"])
			if !w.Equal(sums["USD"]) {
				errs <- errors.New("wrong total " + sums["USD"].String())
				return
			}
			errs <- nil
		}()
	}
	for range 3 {
		assert.NoError(t, <-errs)
	}
}

func TestReportEchoesTheRequest(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.EAEnterpriseAdmin)

	rep, err := c.Report(context.Background(), scope(t, eaAccountID), &usage.Options{BillingPeriod: "202610", Metric: usage.AmortizedCost})
	require.NoError(t, err)

	assert.Equal(t, usage.CostDetailsAPIVersion, rep.Manifest.Version)
	assert.Equal(t, "Csv", rep.Manifest.DataFormat)
	assert.Equal(t, strings.TrimPrefix(eaAccountID, "/"), rep.Manifest.RequestScope)
	assert.JSONEq(t, `{"metric":"AmortizedCost","billingPeriod":"202610"}`, rep.Manifest.RequestBody)
	assert.Equal(t, "202610", rep.Request.BillingPeriod)
	assert.Equal(t, usage.AmortizedCost, rep.Metric)
	assert.NotEmpty(t, rep.OperationID)
}

func TestPayAsYouGoOpenBillingPeriod(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.MOSPAccountAdmin)
	sub := "/subscriptions/" + billingtest.SubscriptionPayAsYouGo
	// Without a period the service reports the open billing period, which for pay-as-you-go
	// starts on the subscription's creation day of the month.
	created := srv.World().Subscription(billingtest.SubscriptionPayAsYouGo).Created
	now := srv.Now()
	open := billingtest.Period{Start: time.Date(now.Year(), now.Month(), created.Day(), 0, 0, 0, 0, time.UTC), End: now}
	require.False(t, open.Start.After(now), "the seeded subscription's billing day is before the world clock's day")

	sums, n := collect(t, c.Records(context.Background(), scope(t, sub), nil))

	requireTotals(t, srv.UsageTotal(sub, open, "ActualCost"), sums)
	assert.Equal(t, srv.UsageRowCount(sub, open, "ActualCost"), n)
}

func TestEveryScopeKindMatchesGroundTruth(t *testing.T) {
	srv := billingtest.NewServer(t)
	p := billing.Month(2026, time.October)
	cases := []struct {
		principal billingtest.Principal
		scope     string
	}{
		{billingtest.EAEnterpriseReader, eaAccountID},
		{billingtest.EAEnterpriseAdmin, eaAccountID + "/departments/" + billingtest.EADepartmentFinance},
		{billingtest.EAEnterpriseAdmin, eaAccountID + "/enrollmentAccounts/" + billingtest.EAEnrollmentAccountEngineering},
		{billingtest.EAEnterpriseAdmin, "/providers/Microsoft.Billing/departments/" + billingtest.EADepartmentEngineering},
		{billingtest.EAEnterpriseAdmin, "/subscriptions/" + billingtest.SubscriptionEAEngDevTest},
		{billingtest.MCAAccountOwner, mcaAccount},
		{billingtest.MCAProfileReader, mcaProfile},
		{billingtest.MCAAccountOwner, mcaAccount + "/billingProfiles/" + billingtest.MCAProfileEU + "/invoiceSections/" + billingtest.MCASectionEurope},
		{billingtest.MCAAccountOwner, "/subscriptions/" + billingtest.SubscriptionMCAEurope},
		{billingtest.MOSPAccountAdmin, "/subscriptions/" + billingtest.SubscriptionCredit},
	}
	for _, tc := range cases {
		t.Run(string(tc.principal)+" "+tc.scope, func(t *testing.T) {
			c := newClient(t, srv, tc.principal)

			sums, n := collect(t, c.Records(context.Background(), scope(t, tc.scope), &usage.Options{Period: p}))

			requireTotals(t, srv.UsageTotal(tc.scope, srvPeriod(p), "ActualCost"), sums)
			assert.Equal(t, srv.UsageRowCount(tc.scope, srvPeriod(p), "ActualCost"), n)
		})
	}
}

// Pages stream into the decoder; a connection that breaks mid-page is re-requested and the items
// already delivered are skipped, so nothing is lost or counted twice.
func TestPayAsYouGoPageCutMidBodyIsRequestedAgain(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithUsagePageSize(50),
		billingtest.WithFaults(billingtest.ResetAfterBytes(20_000).OnARM().Path("usageDetails").Nth(2)))
	c := newClient(t, srv, billingtest.MOSPAccountAdmin)
	sub := "/subscriptions/" + billingtest.SubscriptionPayAsYouGo
	p := billing.Period{Start: billing.NewDate(2026, time.October, 1), End: billing.NewDate(2026, time.October, 31)}

	var n int
	sums := map[string]billing.Decimal{}
	for rec, err := range c.Records(context.Background(), scope(t, sub), &usage.Options{Period: p}) {
		require.NoError(t, err)
		sums[rec.Currency] = sums[rec.Currency].Add(rec.Cost)
		n++
	}
	requireTotals(t, srv.UsageTotal(sub, srvPeriod(p), "ActualCost"), sums)
	assert.Equal(t, srv.UsageRowCount(sub, srvPeriod(p), "ActualCost"), n)
	assert.Equal(t, 1, srv.FaultsFired(), "the cut happened")
}

// SaveCSV creates a missing folder like every writer of the SDK, sweeps what a killed save left
// there, and reports local trouble as a *billing.FileError naming the final path.
func TestSaveCSVFolderHandling(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithUsageBlobSize(16<<10))
	c := newClient(t, srv, billingtest.MCAProfileOwner)
	opts := &usage.Options{Period: billing.Month(2026, time.October)}
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "usage.csv")
	_, err := c.SaveCSV(context.Background(), scope(t, mcaProfile), opts, path)
	require.NoError(t, err)

	// What earlier versions left when killed (old enough that no live save can own it), and
	// what this version leaves: a named temporary file nobody holds.
	old := time.Now().Add(-time.Hour)
	for _, name := range []string{".usage.csv.123456.tmp", ".usage.csv.azb0123456789abcdef.tmp"} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte("invoiceId,"), 0o644))
		require.NoError(t, os.Chtimes(p, old, old))
	}
	require.NoError(t, os.Mkdir(filepath.Join(dir, "blocked.csv"), 0o755))

	_, err = c.SaveCSV(context.Background(), scope(t, mcaProfile), opts, filepath.Join(dir, "blocked.csv"))

	var fe *billing.FileError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, filepath.Join(dir, "blocked.csv"), fe.Path)
	assert.NotContains(t, err.Error(), ".tmp")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"usage.csv", "blocked.csv"}, names, "the leftovers were swept, nothing new left")
}
