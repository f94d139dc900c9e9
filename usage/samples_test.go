package usage

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/roles"
)

func dec(t testing.TB, s string) billing.Decimal {
	t.Helper()
	d, err := billing.ParseDecimal(s)
	require.NoError(t, err)
	return d
}

func assertDec(t testing.TB, want string, got billing.Decimal, msgAndArgs ...any) {
	t.Helper()
	assert.Truef(t, dec(t, want).Equal(got), "want %s, got %s %v", want, got, msgAndArgs)
}

func sum(recs []Record, f func(Record) billing.Decimal) billing.Decimal {
	var s billing.Decimal
	for _, r := range recs {
		s = s.Add(f(r))
	}
	return s
}

// The sums below were computed independently from the files with Python's
// csv module and decimal arithmetic.
func TestSamplesParseWithExactTotals(t *testing.T) {
	for _, tc := range []struct {
		file     string
		layout   Layout
		rows     int
		cost     string
		quantity string
		currency string
	}{
		{"EA_actual_c360-costdetails_finops-toolkit.csv", Layout{Dialect: DialectEAC360}, 11, "8.5450077867419368", "54.07079406", "USD"},
		{"EA_amortized_c360-costdetails_finops-toolkit.csv", Layout{Dialect: DialectEAC360}, 28, "16.2969321366366446274854190000", "185.35816553", "USD"},
		{"EA_actual_export-2023-12-01-preview-layout_excel-resaved_focus-converters.csv", Layout{Dialect: DialectEAExport, Version: "2023-12-01-preview"}, 27, "1.26136926505726", "43.834164336466", "CAD"},
		{"MCA_actual_2019-11-01-camelCase_koku.csv", Layout{Dialect: DialectMCA, Version: "2019-11-01"}, 4, "0.000026241200000000000000", "0.002148", "USD"},
		{"PAYG-MOSP_usage-only_2019-11-01_koku.csv", Layout{Dialect: DialectPAYG, Version: "2019-11-01"}, 3, "0.00011016", "0.288148", "USD"},
		{"PAYG-MOSP_usage-only_localized-German-headers_opencost.csv", Layout{Dialect: DialectPAYG, Version: "2019-11-01", Localized: true}, 1, "0.075", "3", "USD"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			r, recs := readFile(t, sharedSample(t, tc.file))
			layout, err := r.Layout()
			require.NoError(t, err)
			assert.Equal(t, tc.layout, layout)
			require.Len(t, recs, tc.rows)
			assert.Equal(t, tc.rows, r.Rows())
			assert.Zero(t, r.Skipped())
			assertDec(t, tc.cost, sum(recs, func(r Record) billing.Decimal { return r.Cost }), "cost")
			assertDec(t, tc.quantity, sum(recs, func(r Record) billing.Decimal { return r.Quantity }), "quantity")
			for _, rec := range recs {
				assert.Equal(t, tc.currency, rec.Currency)
				assert.Equal(t, layout, rec.Layout)
				assert.False(t, rec.Date.IsZero(), "line %d has no date", rec.Line)
				assert.Equal(t, len(rec.Fields(nil)), rec.NumColumns())
			}
		})
	}
}

func TestEAActualReservationPurchaseRow(t *testing.T) {
	_, recs := readFile(t, sharedSample(t, "EA_actual_c360-costdetails_finops-toolkit.csv"))
	rec := recs[0]
	assert.Equal(t, 2, rec.Line)
	assert.Equal(t, billing.NewDate(2023, time.September, 21), rec.Date)
	assert.Equal(t, billing.NewDate(2023, time.September, 1), rec.BillingPeriodStart)
	assert.Equal(t, billing.NewDate(2023, time.September, 30), rec.BillingPeriodEnd)
	assert.Equal(t, roles.AgreementEA, rec.Agreement())
	assert.Equal(t, "Purchase", rec.ChargeType)
	assert.Equal(t, "Reservation", rec.PricingModel)
	assert.Equal(t, "Recurring", rec.Frequency)
	assert.Equal(t, "36", rec.Term)
	assertDec(t, "3.25", rec.Cost)
	assert.Equal(t, "3.25 USD", rec.Amount().String())
	// The purchase row holds the reservation order id, and benefitId ends
	// in "/reservations/" with no reservation id.
	assert.Equal(t, "49ed0e4d-8e0c-4f1f-af2c-67c865056615", rec.ReservationID)
	assert.Equal(t, "VM_RI_06-21-2023_18-56", rec.ReservationName)
	assert.Equal(t, "/providers/Microsoft.Capacity/reservationOrders/49ed0e4d-8e0c-4f1f-af2c-67c865056615/reservations/", rec.BenefitID)
	assert.Equal(t, "Reserved VM Instance, Standard_B1s, UK South, 3 Years", rec.ProductOrderName)
	assert.True(t, rec.CreditEligible)
	assert.Equal(t, "ACM", rec.InvoiceSectionName) // the c360 "InvoiceSection" column
	assert.Equal(t, "acm@testea.onmicrosoft.com", rec.AccountOwnerID)
	assert.Empty(t, string(rec.Tags))
}

func TestEABracelessTags(t *testing.T) {
	_, recs := readFile(t, sharedSample(t, "EA_actual_c360-costdetails_finops-toolkit.csv"))
	rec := recs[1]
	assert.True(t, strings.HasPrefix(string(rec.Tags), `"CostCenter": "1234",`), "EA tags have no outer braces")
	v, ok := rec.Tags.Get("env")
	assert.True(t, ok)
	assert.Equal(t, "prod", v)
	v, ok = rec.Tags.Get("costcenter") // tag names are case-insensitive
	assert.True(t, ok)
	assert.Equal(t, "1234", v)
	m, err := rec.Tags.Map()
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"CostCenter": "1234", "env": "prod", "org": "trey", "application": "databricks", "databricks-environment": "true"}, m)
	assert.Equal(t, "10K", rec.UnitOfMeasure)
	assertDec(t, "0.00004", rec.Cost)
}

func TestEAAmortizedCommitmentRows(t *testing.T) {
	_, recs := readFile(t, sharedSample(t, "EA_amortized_c360-costdetails_finops-toolkit.csv"))
	ri := recs[0]
	assert.Equal(t, "Reservation", ri.PricingModel)
	assert.Equal(t, billing.NewDate(2023, time.September, 22), ri.Date)
	assertDec(t, "8", ri.Quantity)
	assertDec(t, "0.061644", ri.EffectivePrice)
	assertDec(t, "0.146", ri.UnitPrice)
	assertDec(t, "0.493152", ri.Cost)
	assert.True(t, ri.Quantity.Mul(ri.EffectivePrice).Equal(ri.Cost), "amortized cost = quantity x effective price")
	assert.Equal(t, "ProdDS1VMReservation", ri.BenefitName)
	assert.True(t, strings.HasPrefix(ri.BenefitID, "/providers/Microsoft.Capacity/reservationOrders/a965d46f-"))
	v, ok := ri.AdditionalInfo.Get("VCPUs")
	assert.True(t, ok)
	assert.Equal(t, "2", v)
	v, _ = ri.AdditionalInfo.Get("vmname")
	assert.Equal(t, "aks-agentpool-42850074-vmss_1", v)
	// Tags with empty values.
	v, ok = ri.Tags.Get("aks-managed-createOperationID")
	assert.True(t, ok)
	assert.Empty(t, v)

	sp := recs[1]
	assert.Equal(t, "SavingsPlan", sp.PricingModel)
	assert.Equal(t, "Compute_SavingsPlan_11-07-2022_09-55", sp.BenefitName)
	assert.True(t, strings.HasPrefix(sp.BenefitID, "/providers/Microsoft.BillingBenefits/savingsPlanOrders/"))
	assertDec(t, "0.006000000468", sp.Cost)
}

func TestEAExportExcelDamage(t *testing.T) {
	_, recs := readFile(t, sharedSample(t, "EA_actual_export-2023-12-01-preview-layout_excel-resaved_focus-converters.csv"))
	rec := recs[1]
	assert.Equal(t, billing.NewDate(2023, time.September, 2), rec.Date) // written 9/2/2023
	assert.Equal(t, billing.NewDate(2023, time.September, 30), rec.BillingPeriodEnd)
	assertDec(t, "0.0000564902", rec.Cost) // written 5.64902E-05
	assert.True(t, rec.CreditEligible)     // written TRUE
	assert.Equal(t, "0.40000", rec.PayGPrice.String(), "trailing zeros are kept")
	v, ok := rec.AdditionalInfo.Get("key") // {  "additional": "meta-data", ...}
	assert.True(t, ok)
	assert.Equal(t, "value pairs", v)
	v, _ = rec.Tags.Get("tagB")
	assert.Equal(t, "valueB", v)
	spot := 0
	for _, r := range recs {
		if r.PricingModel == "Spot" {
			spot++
		}
	}
	assert.Equal(t, 3, spot)
}

func TestMCAOpenMonthAndLongDecimals(t *testing.T) {
	_, recs := readFile(t, sharedSample(t, "MCA_actual_2019-11-01-camelCase_koku.csv"))
	first, last := recs[0], recs[3]
	assert.True(t, first.BillingPeriodStart.IsZero(), "open month: empty billing period")
	assert.True(t, first.BillingPeriodEnd.IsZero())
	assert.Equal(t, billing.NewDate(2023, time.August, 1), first.ServicePeriodStart)
	assert.Equal(t, billing.NewDate(2023, time.September, 1), first.ServicePeriodEnd)
	assert.Equal(t, "HCE R&D Content, Subscriptions & Insights (CC 734)", first.BillingProfileName)
	assert.Equal(t, "/subscriptions/2639de71-ca37-4a17-a104-17665a50e7fc/resourceGroups/filtered-group-demo/providers/Microsoft.Storage/storageAccounts/filtereddatademo", first.ResourceID) // from InstanceName
	assert.Equal(t, "Blob Storage - Hot RA-GRS - US East", first.ProductName)                                                                                                                // from "product"
	assert.Equal(t, "0.000000144000000000000000", last.Cost.String(), "24 fractional digits, kept exactly")
	assert.Equal(t, 5, last.Line)
	v, ok := last.Tags.Get("project")
	assert.True(t, ok)
	assert.Equal(t, "p1", v)
	// Columns the record does not name stay reachable.
	usd, ok := last.Column("costInUsd")
	assert.True(t, ok)
	assert.Equal(t, "0.000000144000000000000000", usd)
	loc, _ := last.Column("Location")
	assert.Equal(t, "US East 2", loc)
}

func TestPAYGDateTimesAndNulls(t *testing.T) {
	_, recs := readFile(t, sharedSample(t, "PAYG-MOSP_usage-only_2019-11-01_koku.csv"))
	assert.Equal(t, billing.NewDate(2019, time.July, 29), recs[0].Date) // 2019-07-29 00:00:00
	assert.Equal(t, billing.NewDate(2019, time.July, 28), recs[1].Date)
	assert.Equal(t, "0039de71-ca37-4a17-a104-17665a50e7fc", recs[0].SubscriptionID) // from SubscriptionGuid
	assert.Equal(t, "US East 2", recs[0].ResourceLocation)
	assert.Equal(t, "Standard Page Blob", recs[1].MeterSubcategory) // MeterSubcategory spelling
	v, ok := recs[0].AdditionalInfo.Get("ImageType")                // null
	assert.True(t, ok)
	assert.Empty(t, v)
	v, _ = recs[0].AdditionalInfo.Get("VCPUs") // a number written as a string
	assert.Equal(t, "0", v)
	info, err := recs[0].AdditionalInfo.Map()
	require.NoError(t, err)
	assert.Equal(t, "DataTrOut", info["UsageType"])
	assert.Nil(t, info["VMName"])
}

func TestLocalizedGermanHeaders(t *testing.T) {
	r, recs := readFile(t, sharedSample(t, "PAYG-MOSP_usage-only_localized-German-headers_opencost.csv"))
	header, err := r.Header()
	require.NoError(t, err)
	assert.Equal(t, "Maßeinheit (UnitOfMeasure)", header[23])
	rec := recs[0]
	assert.Equal(t, "100 Hours", rec.UnitOfMeasure)
	assert.Equal(t, "Example-Resource-Group", rec.ResourceGroup)
	assert.Equal(t, billing.NewDate(2021, time.February, 2), rec.Date)
	v, ok := rec.Column("UnitOfMeasure") // by English name
	assert.True(t, ok)
	assert.Equal(t, "100 Hours", v)
	v, ok = rec.Column("Maßeinheit (UnitOfMeasure)") // or as written
	assert.True(t, ok)
	assert.Equal(t, "100 Hours", v)
	v, _ = rec.Column("servicetier") // unlocalized column, any case
	assert.Equal(t, "Std Load Balancer", v)
	assert.Equal(t, 23, r.ColumnIndex("unitofmeasure"))
	assert.Equal(t, "100 Hours", rec.Raw(23))
	_, ok = rec.Column("NoSuchColumn")
	assert.False(t, ok)
}
