package conformance

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/consumption/armconsumption"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/costmanagement/armcostmanagement/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	bt "github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/usage"
)

// Usage: the Cost Details report poller of armcostmanagement/v3 (api-version 2025-03-01) and the
// usage details pager of armconsumption v1.2.0 (api-version 2021-10-01) against the emulator.

// csvRows counts the data rows of a report blob (every record after the header).
func csvRows(t *testing.T, b []byte) int {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, recs, "a report blob starts with its header")
	return len(recs) - 1
}

func TestOfficialCostDetailsPoller(t *testing.T) {
	t.Parallel()
	srv := bt.NewServer(t, bt.WithUsageRowsPerDay(2), bt.WithLRODelay(0, 2))
	ctx := context.Background()
	now := srv.Now()
	lastMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	lastMonthEnd := lastMonth.AddDate(0, 1, -1)
	profileScope := "providers/Microsoft.Billing/billingAccounts/" + bt.MCAAccount + "/billingProfiles/" + bt.MCAProfileUS
	usInvoices := srv.UsageInvoices(bt.MCAProfileUS)
	require.NotEmpty(t, usInvoices)
	lastInvoice := usInvoices[len(usInvoices)-1]

	for _, c := range []struct {
		name   string
		p      bt.Principal
		scope  string
		req    armcostmanagement.GenerateCostDetailsReportRequestDefinition
		period bt.Period
		metric string
	}{
		{"MCA profile, time period", bt.MCAProfileOwner, profileScope,
			armcostmanagement.GenerateCostDetailsReportRequestDefinition{
				Metric:     to.Ptr(armcostmanagement.CostDetailsMetricTypeActualCostCostDetailsMetricType),
				TimePeriod: &armcostmanagement.CostDetailsTimePeriod{Start: to.Ptr(lastMonth.Format(time.DateOnly)), End: to.Ptr(lastMonthEnd.Format(time.DateOnly))},
			}, bt.Period{Start: lastMonth, End: lastMonthEnd}, "ActualCost"},
		{"MCA profile, invoice id", bt.MCAProfileOwner, profileScope,
			armcostmanagement.GenerateCostDetailsReportRequestDefinition{
				Metric:    to.Ptr(armcostmanagement.CostDetailsMetricTypeAmortizedCostCostDetailsMetricType),
				InvoiceID: to.Ptr(lastInvoice.ID),
			}, lastInvoice.Period, "AmortizedCost"},
		{"EA account, billing period", bt.EAEnterpriseAdmin, "providers/Microsoft.Billing/billingAccounts/" + bt.EAAccount,
			armcostmanagement.GenerateCostDetailsReportRequestDefinition{
				Metric:        to.Ptr(armcostmanagement.CostDetailsMetricTypeActualCostCostDetailsMetricType),
				BillingPeriod: to.Ptr(lastMonth.Format("200601")),
			}, bt.Period{Start: lastMonth, End: lastMonthEnd}, "ActualCost"},
		{"EA subscription, open month", bt.EAEnterpriseAdmin, "subscriptions/" + bt.SubscriptionEAEngProd,
			armcostmanagement.GenerateCostDetailsReportRequestDefinition{}, srv.UsageOpenMonth(), "ActualCost"},
		{"MCA invoice section", bt.MCAInvoiceSectionOwner, profileScope + "/invoiceSections/" + bt.MCASectionEngineering,
			armcostmanagement.GenerateCostDetailsReportRequestDefinition{
				TimePeriod: &armcostmanagement.CostDetailsTimePeriod{Start: to.Ptr(lastMonth.Format(time.DateOnly)), End: to.Ptr(lastMonth.AddDate(0, 0, 9).Format(time.DateOnly))},
			}, bt.Period{Start: lastMonth, End: lastMonth.AddDate(0, 0, 9)}, "ActualCost"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := newOfficial(t, srv, c.p)
			cl, err := armcostmanagement.NewGenerateCostDetailsReportClient(o.cred, o.opts)
			require.NoError(t, err)
			poller, err := cl.BeginCreateOperation(ctx, c.scope, c.req, nil)
			require.NoError(t, err)
			first := o.rec.last(t)
			assert.Equal(t, 202, first.Status)
			assert.Contains(t, first.Header.Get("Location"), "/providers/Microsoft.CostManagement/costDetailsOperationResults/")
			res, err := poller.PollUntilDone(ctx, poll)
			require.NoError(t, err)
			roundTrip(t, "GenerateCostDetailsReportClient.BeginCreateOperation result", o.rec.last(t).Body, res)

			require.NotNil(t, res.Status)
			assert.Equal(t, armcostmanagement.CostDetailsStatusTypeCompletedCostDetailsStatusType, *res.Status)
			require.NotNil(t, res.ID)
			assert.True(t, strings.HasPrefix(*res.ID, c.scope+"/providers/Microsoft.CostManagement/costDetailsOperationResults/"), *res.ID)
			assert.Equal(t, str(res.Name), (*res.ID)[strings.LastIndex(*res.ID, "/")+1:])
			require.NotNil(t, res.ValidTill)
			assert.True(t, res.ValidTill.After(srv.Now()))
			m := res.Manifest
			require.NotNil(t, m)
			assert.Equal(t, "2025-03-01", str(m.ManifestVersion))
			assert.Equal(t, armcostmanagement.CostDetailsDataFormatCSVCostDetailsDataFormat, *m.DataFormat)
			assert.False(t, boolOf(m.CompressData))
			require.NotNil(t, m.RequestContext)
			assert.Equal(t, c.scope, str(m.RequestContext.RequestScope))
			require.NotNil(t, m.RequestContext.RequestBody)
			if c.req.InvoiceID != nil {
				assert.Equal(t, *c.req.InvoiceID, str(m.RequestContext.RequestBody.InvoiceID))
			}
			if c.req.BillingPeriod != nil {
				assert.Equal(t, *c.req.BillingPeriod, str(m.RequestContext.RequestBody.BillingPeriod))
			}
			require.NotEmpty(t, m.Blobs)
			require.NotNil(t, m.BlobCount)
			assert.EqualValues(t, len(m.Blobs), *m.BlobCount)
			rows, bytes := 0, int64(0)
			for _, b := range m.Blobs {
				data := fetchBlob(t, srv, str(b.BlobLink))
				require.NotNil(t, b.ByteCount)
				assert.EqualValues(t, len(data), *b.ByteCount)
				bytes += int64(len(data))
				rows += csvRows(t, data)
			}
			require.NotNil(t, m.ByteCount)
			assert.Equal(t, bytes, *m.ByteCount)
			assert.Equal(t, srv.UsageRowCount("/"+c.scope, c.period, c.metric), rows)
			assert.False(t, srv.SawAuthorizationOnBlob())

			// The operation can be read again by its id (GenerateCostDetailsReport_GetOperationResults).
			again, err := cl.BeginGetOperationResults(ctx, c.scope, str(res.Name), nil)
			require.NoError(t, err)
			res2, err := again.PollUntilDone(ctx, poll)
			require.NoError(t, err)
			roundTrip(t, "GenerateCostDetailsReportClient.BeginGetOperationResults result", o.rec.last(t).Body, res2)
			assert.Equal(t, str(res.ID), str(res2.ID))
			assert.Equal(t, len(m.Blobs), len(res2.Manifest.Blobs))
		})
	}
}

func TestOfficialConsumptionUsageDetailsPager(t *testing.T) {
	t.Parallel()
	srv := bt.NewServer(t, bt.WithUsageRowsPerDay(3), bt.WithUsagePageSize(25))
	ctx := context.Background()
	now := srv.Now()
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	to := from.AddDate(0, 0, 13)
	filter := "properties/usageStart ge '" + from.Format(time.DateOnly) + "' and properties/usageEnd le '" + to.Format(time.DateOnly) + "'"

	for _, c := range []struct {
		p   bt.Principal
		sub string
	}{{bt.MOSPAccountAdmin, bt.SubscriptionPayAsYouGo}, {bt.EAEnterpriseAdmin, bt.SubscriptionEAFinance}} {
		t.Run(c.sub, func(t *testing.T) {
			o := newOfficial(t, srv, c.p)
			cl, err := armconsumption.NewUsageDetailsClient(o.cred, o.opts)
			require.NoError(t, err)
			scope := "/subscriptions/" + c.sub
			pager := cl.NewListPager(scope, &armconsumption.UsageDetailsClientListOptions{
				Filter: &filter,
				Expand: toPtr("properties/meterDetails,properties/additionalInfo"),
			})
			rows, pages := 0, 0
			sum := 0.0
			w := srv.World().Subscription(c.sub)
			for pager.More() {
				page, err := pager.NextPage(ctx)
				require.NoError(t, err)
				pages++
				roundTrip(t, "UsageDetailsClient.NewListPager page", o.rec.last(t).Body, page)
				for _, item := range page.Value {
					d, ok := item.(*armconsumption.LegacyUsageDetail)
					require.True(t, ok, "kind legacy decodes as LegacyUsageDetail, got %T", item)
					require.NotNil(t, d.Properties)
					p := d.Properties
					rows++
					assert.Equal(t, c.sub, str(p.SubscriptionID))
					assert.Equal(t, w.DisplayName, str(p.SubscriptionName))
					assert.Equal(t, w.Currency, str(p.BillingCurrency))
					require.NotNil(t, p.Date)
					assert.False(t, p.Date.Before(from) || p.Date.After(to), "date %v outside the filter", p.Date)
					require.NotNil(t, p.Cost)
					sum += *p.Cost
					assert.NotNil(t, p.MeterDetails, "$expand=properties/meterDetails")
					require.NotNil(t, d.ID)
					assert.True(t, strings.HasPrefix(*d.ID, scope+"/providers/Microsoft.Billing/billingPeriods/"), *d.ID)
				}
			}
			assert.Greater(t, pages, 1, "the list pages with nextLink")
			period := bt.Period{Start: from, End: to}
			assert.Equal(t, srv.UsageRowCount(scope, period, "ActualCost"), rows)
			total, err := strconv.ParseFloat(srv.UsageTotal(scope, period, "ActualCost")[w.Currency], 64)
			require.NoError(t, err)
			assert.InDelta(t, total, sum, math.Max(1e-6, total*1e-9), "sum of cost")
			first := o.rec.all()[0].URL
			assert.Contains(t, first, "%24filter=", "Consumption keeps the '$' of OData names")
			assert.Contains(t, first, "api-version=2021-10-01")
		})
	}
}

func toPtr[T any](v T) *T { return &v }

// TestOfficialConsumptionOlderShapeLosesEveryValue: on the older item shape the service was
// recorded sending (no kind; pretaxCost, usageQuantity, instanceId), armconsumption v1.2.0 falls
// back to its base UsageDetail, which has no properties: every row decodes, without an error,
// to an id, a name and a type — no cost, no quantity, no date (README: where azbilling works and
// the official client does not).
func TestOfficialConsumptionOlderShapeLosesEveryValue(t *testing.T) {
	t.Parallel()
	srv := bt.NewServer(t, bt.WithOlderConsumptionShape())
	now := srv.Now()
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	to := from.AddDate(0, 0, 6)
	filter := "properties/usageStart ge '" + from.Format(time.DateOnly) + "' and properties/usageEnd le '" + to.Format(time.DateOnly) + "'"
	o := newOfficial(t, srv, bt.MOSPAccountAdmin)
	cl, err := armconsumption.NewUsageDetailsClient(o.cred, o.opts)
	require.NoError(t, err)
	scope := "/subscriptions/" + bt.SubscriptionPayAsYouGo
	rows := 0
	for pager := cl.NewListPager(scope, &armconsumption.UsageDetailsClientListOptions{Filter: &filter}); pager.More(); {
		page, err := pager.NextPage(context.Background())
		require.NoError(t, err)
		assert.Contains(t, string(o.rec.last(t).Body), `"pretaxCost":`)
		for _, item := range page.Value {
			d, ok := item.(*armconsumption.UsageDetail)
			require.True(t, ok, "an item without kind decodes as the base UsageDetail, got %T", item)
			assert.Nil(t, d.Kind)
			assert.NotEmpty(t, str(d.ID))
			rows++
		}
	}
	assert.Equal(t, srv.UsageRowCount(scope, bt.Period{Start: from, End: to}, "ActualCost"), rows)

	// azbilling on the same answers: every row with its cost (exact total), date and ARM id.
	bc, err := billing.NewClient(srv.Credential(bt.MOSPAccountAdmin), srv.ClientOptions())
	require.NoError(t, err)
	sc, err := billing.SubscriptionScope(bt.SubscriptionPayAsYouGo)
	require.NoError(t, err)
	period := billing.Period{Start: billing.DateOf(from), End: billing.DateOf(to)}
	n, total := 0, billing.Decimal{}
	for rec, err := range usage.NewClient(bc).Records(context.Background(), sc, &usage.Options{Period: period, Agreement: billing.AgreementMOSP}) {
		require.NoError(t, err)
		n++
		total = total.Add(rec.Cost)
		assert.False(t, rec.Date.IsZero())
		if rec.ResourceID != "" {
			assert.True(t, strings.HasPrefix(rec.ResourceID, "/subscriptions/"), rec.ResourceID)
		}
	}
	assert.Equal(t, rows, n)
	want, err := billing.ParseDecimal(srv.UsageTotal(scope, bt.Period{Start: from, End: to}, "ActualCost")["USD"])
	require.NoError(t, err)
	assert.True(t, want.Equal(total), "total %s, want %s", total, want)
}
