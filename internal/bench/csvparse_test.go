package bench

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/usage"
)

// Usage CSV parse: the same generated file of each dialect, parsed from memory.
//
//   - csv: encoding/csv with ReuseRecord, every row split into untyped strings (the baseline).
//   - azbilling: usage.Reader, every row typed into a usage.Record (decimals, dates, ...).

// csvDialect is a generated file's shape: the header as a dialect's files write it
// (../shared/reference/usage-data.md §4), how its dates look and its line ends.
type csvDialect struct {
	name   string
	want   usage.Dialect
	header string
	date   func(y, m, d int) string
	crlf   bool
	bom    bool
	// braceless tags, as EA files write them
	eaTags bool
}

func usDate(y, m, d int) string  { return fmt.Sprintf("%02d/%02d/%04d", m, d, y) }
func isoDate(y, m, d int) string { return fmt.Sprintf("%04d-%02d-%02d", y, m, d) }
func focusDate(y, m, d int) string {
	return fmt.Sprintf("%04d-%02d-%02dT00:00Z", y, m, d)
}

var csvDialects = []csvDialect{
	{name: "ea-c360", want: usage.DialectEAC360, date: usDate, eaTags: true, bom: true,
		header: "BillingAccountId,BillingAccountName,BillingPeriodStartDate,BillingPeriodEndDate,BillingProfileId,BillingProfileName,AccountOwnerId,AccountName,SubscriptionId,SubscriptionName,Date,Product,PartNumber,MeterId,ServiceFamily,MeterCategory,MeterSubCategory,MeterRegion,MeterName,Quantity,EffectivePrice,Cost,UnitPrice,BillingCurrency,ResourceLocation,AvailabilityZone,ConsumedService,ResourceId,ResourceName,ServiceInfo1,ServiceInfo2,AdditionalInfo,Tags,InvoiceSectionId,InvoiceSection,CostCenter,UnitOfMeasure,ResourceGroup,ReservationId,ReservationName,ProductOrderId,ProductOrderName,OfferId,IsAzureCreditEligible,Term,PublisherName,PlanName,ChargeType,Frequency,PublisherType,PayGPrice,PricingModel,CostAllocationRuleName,benefitId,benefitName"},
	{name: "ea-export-2024-08-01", want: usage.DialectEAExport, date: usDate, eaTags: true, crlf: true,
		header: "InvoiceSectionName,AccountName,AccountOwnerId,SubscriptionId,SubscriptionName,ResourceGroup,ResourceLocation,Date,ProductName,MeterCategory,MeterSubCategory,MeterId,MeterName,MeterRegion,UnitOfMeasure,Quantity,EffectivePrice,CostInBillingCurrency,CostCenter,ConsumedService,ResourceId,Tags,OfferId,AdditionalInfo,ServiceInfo1,ServiceInfo2,ResourceName,ReservationId,ReservationName,UnitPrice,ProductOrderId,ProductOrderName,Term,PublisherType,PublisherName,ChargeType,Frequency,PricingModel,AvailabilityZone,BillingAccountId,BillingAccountName,BillingCurrencyCode,BillingPeriodStartDate,BillingPeriodEndDate,BillingProfileId,BillingProfileName,InvoiceSectionId,IsAzureCreditEligible,PartNumber,PayGPrice,PlanName,ServiceFamily,CostAllocationRuleName,benefitId,benefitName,AccountId,ResourceLocationNormalized"},
	{name: "mca-2023-12-01-preview", want: usage.DialectMCA, date: usDate, crlf: true, bom: true,
		header: "invoiceId,previousInvoiceId,billingAccountId,billingAccountName,billingProfileId,billingProfileName,invoiceSectionId,invoiceSectionName,resellerName,resellerMpnId,costCenter,billingPeriodEndDate,billingPeriodStartDate,servicePeriodEndDate,servicePeriodStartDate,date,serviceFamily,productOrderId,productOrderName,consumedService,meterId,meterName,meterCategory,meterSubCategory,meterRegion,ProductId,ProductName,SubscriptionId,subscriptionName,publisherType,publisherId,publisherName,resourceGroupName,ResourceId,resourceLocation,location,effectivePrice,quantity,unitOfMeasure,chargeType,billingCurrency,pricingCurrency,costInBillingCurrency,costInPricingCurrency,costInUsd,paygCostInBillingCurrency,paygCostInUsd,exchangeRatePricingToBilling,exchangeRateDate,isAzureCreditEligible,serviceInfo1,serviceInfo2,additionalInfo,tags,PayGPrice,frequency,term,reservationId,reservationName,pricingModel,unitPrice,costAllocationRuleName,benefitId,benefitName,provider"},
	{name: "mpa", want: usage.DialectMPA, date: usDate, crlf: true,
		header: "billingAccountName,partnerName,resellerName,resellerMpnId,customerTenantId,customerName,costCenter,billingPeriodEndDate,billingPeriodStartDate,servicePeriodEndDate,servicePeriodStartDate,date,serviceFamily,productOrderId,productOrderName,consumedService,meterId,meterName,meterCategory,meterSubCategory,meterRegion,ProductId,ProductName,SubscriptionId,subscriptionName,publisherType,publisherId,publisherName,resourceGroupName,ResourceId,resourceLocation,location,effectivePrice,quantity,unitOfMeasure,chargeType,billingCurrency,pricingCurrency,costInBillingCurrency,costInUsd,exchangeRatePricingToBilling,exchangeRateDate,serviceInfo1,serviceInfo2,additionalInfo,tags,PayGPrice,frequency,term,reservationId,reservationName,pricingModel"},
	{name: "payg-2019-11-01", want: usage.DialectPAYG, date: isoDate, crlf: true, bom: true,
		header: "SubscriptionGuid,ResourceGroup,ResourceLocation,UsageDateTime,MeterCategory,MeterSubcategory,MeterId,MeterName,MeterRegion,UsageQuantity,ResourceRate,PreTaxCost,ConsumedService,ResourceType,InstanceId,Tags,OfferId,AdditionalInfo,ServiceInfo1,ServiceInfo2,ServiceName,ServiceTier,Currency,UnitOfMeasure"},
	{name: "payg-localized-de", want: usage.DialectPAYG, date: isoDate, crlf: true,
		header: "Abonnement-GUID (SubscriptionGuid),Ressourcengruppe (ResourceGroup),Ressourcenstandort (ResourceLocation),UsageDateTime (UsageDateTime),Kategorie der Verbrauchseinheit (MeterCategory),MeterSubcategory (MeterSubcategory),ID der Verbrauchseinheit (MeterId),Name der Verbrauchseinheit (MeterName),Region der Verbrauchseinheit (MeterRegion),UsageQuantity (UsageQuantity),Ressourcensatz (ResourceRate),PreTaxCost (PreTaxCost),Genutzter Dienst (ConsumedService),ResourceType (ResourceType),InstanceId (InstanceId),Tags (Tags),OfferId (OfferId),Zusätzliche Informationen (AdditionalInfo),Dienstinformation 1 (ServiceInfo1),Dienstinformation 2 (ServiceInfo2),ServiceName,ServiceTier,Currency,Maßeinheit (UnitOfMeasure)"},
	{name: "focus-1.0", want: usage.DialectFOCUS, date: focusDate,
		header: "BilledCost,BillingAccountId,BillingAccountName,BillingAccountType,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,ChargePeriodEnd,ChargePeriodStart,CommitmentDiscountCategory,CommitmentDiscountId,CommitmentDiscountName,CommitmentDiscountStatus,CommitmentDiscountType,ConsumedQuantity,ConsumedUnit,ContractedCost,ContractedUnitPrice,EffectiveCost,InvoiceIssuerName,ListCost,ListUnitPrice,PricingCategory,PricingQuantity,PricingUnit,ProviderName,PublisherName,RegionId,RegionName,ResourceId,ResourceName,ResourceType,ServiceCategory,ServiceName,SkuId,SkuPriceId,SubAccountId,SubAccountName,SubAccountType,Tags,x_AccountId,x_AccountName,x_AccountOwnerId,x_BilledCostInUsd,x_BilledUnitPrice,x_BillingAccountId,x_BillingAccountName,x_BillingExchangeRate,x_BillingExchangeRateDate,x_BillingProfileId,x_BillingProfileName,x_ContractedCostInUsd,x_CostAllocationRuleName,x_CostCenter,x_CustomerId,x_CustomerName,x_EffectiveCostInUsd,x_EffectiveUnitPrice,x_InvoiceId,x_InvoiceIssuerId,x_InvoiceSectionId,x_InvoiceSectionName,x_ListCostInUsd,x_PartnerCreditApplied,x_PartnerCreditRate,x_PricingBlockSize,x_PricingCurrency,x_PricingSubcategory,x_PricingUnitDescription,x_PublisherCategory,x_PublisherId,x_ResellerId,x_ResellerName,x_ResourceGroupName,x_ResourceType,x_ServicePeriodEnd,x_ServicePeriodStart,x_SkuDescription,x_SkuDetails,x_SkuIsCreditEligible,x_SkuMeterCategory,x_SkuMeterId,x_SkuMeterName,x_SkuMeterSubcategory,x_SkuOfferId,x_SkuOrderId,x_SkuOrderName,x_SkuPartNumber,x_SkuRegion,x_SkuServiceFamily,x_SkuTerm,x_SkuTier"},
}

// columnKey is a header cell as the generator keys it: the English name of a localized
// "Name (EnglishName)" cell, lower case.
func columnKey(h string) string {
	if strings.HasSuffix(h, ")") {
		if i := strings.LastIndex(h, "("); i > 0 {
			h = h[i+1 : len(h)-1]
		}
	}
	return strings.ToLower(strings.TrimSpace(h))
}

type genMeter struct{ category, subcategory, name, unit, service string }

// Values shaped like the sample files: meters, locations, resource groups, amounts with many
// fractional digits, Excel's E-notation and trailing zeros.
var (
	genMeters = []genMeter{
		{"Virtual Machines", "Dv3/DSv3 Series", "D2s v3", "1 Hour", "Compute"},
		{"Storage", "Standard Page Blob", "LRS Data Stored", "1 GB/Month", "Storage"},
		{"Storage", "Tables", "Batch Write Operations", "10K", "Storage"},
		{"Bandwidth", "Inter-Region", "Intra Continent Data Transfer Out", "1 GB", "Networking"},
		{"Azure App Service", "Premium v3 Plan", "P1 v3 App", "1 Hour", "Compute"},
		{"Log Analytics", "", "Analytics Logs Data Ingestion", "1 GB", "Management and Governance"},
		{"Azure Cosmos DB", "RUs", "100 RU/s", "100 Hours", "Databases"},
	}
	genLocations = []string{"EastUS2", "westeurope", "uksouth", "SouthCentralUS", "US East 2", "Global", "Unassigned"}
	genGroups    = []string{"rg-web-prod", "MC_aks-prod_aks-cluster_eastus2", "databricks-rg-analytics-7f3kq2", "rg-data-dev", "NetworkWatcherRG"}
	genAmounts   = []string{"0.0004", "3.25", "8", "0.000000144000000000000000", "5.64902E-05", "0.40000", "0.0000000072922557592391990000", "12.5", "0.061644", "1", "171.2", "0.005890"}
)

// genRows writes a header and rows generated rows of dialect d with encoding/csv (so quoting
// is valid by construction).
func genRows(d csvDialect, rows int) []byte {
	var buf bytes.Buffer
	if d.bom {
		buf.WriteString("\ufeff")
	}
	cells := strings.Split(d.header, ",")
	w := csv.NewWriter(&buf)
	w.UseCRLF = d.crlf
	_ = w.Write(cells)
	keys := make([]string, len(cells))
	for i, c := range cells {
		keys[i] = columnKey(c)
	}
	rnd := rand.New(rand.NewPCG(7, uint64(len(d.header))))
	rec := make([]string, len(cells))
	for i := range rows {
		m := genMeters[rnd.IntN(len(genMeters))]
		sub := fmt.Sprintf("%08x-4b1c-4a3e-9d2f-5c6b7a8e9f01", rnd.IntN(6))
		rg := genGroups[rnd.IntN(len(genGroups))]
		res := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/vm-%04d", sub, rg, rnd.IntN(500))
		day := 1 + i%28
		for j, k := range keys {
			var v string
			switch k {
			case "date", "usagedatetime", "chargeperiodstart":
				v = d.date(2026, 10, day)
			case "chargeperiodend":
				v = d.date(2026, 10, day+1)
			case "billingperiodstartdate", "billingperiodstart", "serviceperiodstartdate", "x_serviceperiodstart":
				v = d.date(2026, 10, 1)
			case "billingperiodenddate", "serviceperiodenddate", "x_serviceperiodend", "exchangeratedate", "x_billingexchangeratedate":
				v = d.date(2026, 10, 31)
			case "billingperiodend":
				v = d.date(2026, 11, 1)
			case "quantity", "usagequantity", "consumedquantity", "pricingquantity", "effectiveprice", "resourcerate",
				"unitprice", "paygprice", "contractedunitprice", "listunitprice", "x_effectiveunitprice", "x_billedunitprice",
				"cost", "costinbillingcurrency", "pretaxcost", "billedcost", "effectivecost", "listcost", "contractedcost",
				"costinpricingcurrency", "costinusd", "paygcostinbillingcurrency", "paygcostinusd",
				"x_billedcostinusd", "x_effectivecostinusd", "x_contractedcostinusd", "x_listcostinusd":
				v = genAmounts[rnd.IntN(len(genAmounts))]
			case "exchangeratepricingtobilling", "x_billingexchangerate", "x_pricingblocksize":
				v = "1"
			case "isazurecrediteligible", "x_skuiscrediteligible":
				v = []string{"True", "False", "TRUE"}[rnd.IntN(3)]
			case "subscriptionid", "subscriptionguid", "x_accountownerid":
				v = sub
			case "subaccountid":
				v = "/subscriptions/" + sub
			case "resourceid", "instanceid", "instancename":
				v = res
			case "resourcename":
				v = res[strings.LastIndexByte(res, '/')+1:]
			case "resourcegroup", "resourcegroupname", "x_resourcegroupname":
				v = rg
			case "resourcelocation", "regionid", "location", "meterregion", "regionname":
				v = genLocations[rnd.IntN(len(genLocations))]
			case "metercategory", "x_skumetercategory", "servicename":
				v = m.category
			case "metersubcategory", "x_skumetersubcategory":
				v = m.subcategory
			case "metername", "x_skumetername":
				v = m.name
			case "unitofmeasure", "consumedunit", "pricingunit", "x_pricingunitdescription":
				v = m.unit
			case "servicefamily", "x_skuservicefamily", "servicecategory":
				v = m.service
			case "meterid", "x_skumeterid", "skuid":
				v = fmt.Sprintf("%08x-9c2f-4e7b-8a61-0d3e5f7a9b2c", rnd.Uint32())
			case "billingcurrency", "billingcurrencycode", "currency", "pricingcurrency", "x_pricingcurrency":
				v = "USD"
			case "chargetype", "chargecategory":
				v = []string{"Usage", "Usage", "Usage", "Usage", "Purchase"}[rnd.IntN(5)]
			case "pricingmodel", "pricingcategory":
				v = []string{"OnDemand", "OnDemand", "Reservation", "SavingsPlan", "Spot"}[rnd.IntN(5)]
			case "frequency", "chargefrequency":
				v = "UsageBased"
			case "term", "x_skuterm":
				v = []string{"", "", "12", "36"}[rnd.IntN(4)]
			case "tags":
				n := 1000 + rnd.IntN(9000)
				if d.eaTags {
					v = fmt.Sprintf(`"CostCenter": "%d","env": "prod","owner": "team-%d@contoso.example"`, n, n%7)
				} else {
					v = fmt.Sprintf(`{"CostCenter":"%d","env":"prod","owner":"team-%d@contoso.example"}`, n, n%7)
				}
			case "additionalinfo", "x_skudetails":
				v = fmt.Sprintf(`{  "UsageType": "ComputeHR",  "ImageType": null,  "ServiceType": "Standard_D2s_v3",  "VMName": "vm-%04d",  "VCPUs": %d}`, rnd.IntN(500), 1+rnd.IntN(8))
			case "productname", "product", "chargedescription", "x_skudescription":
				v = m.category + " " + m.subcategory + " - " + m.name + " - US East 2"
			case "productordername", "x_skuordername":
				v = "Reserved VM Instance, Standard_D2s_v3, US East 2, 1 Year"
			case "invoiceid", "x_invoiceid":
				v = "G000000013"
			case "consumedservice", "resourcetype", "x_resourcetype":
				v = "Microsoft.Compute"
			case "offerid", "x_skuofferid":
				v = "MS-AZR-0017P"
			case "billingaccountid", "x_billingaccountid":
				v = "6575495"
			case "providername", "publishername", "invoiceissuername":
				v = "Microsoft"
			default:
				if rnd.IntN(3) == 0 {
					v = ""
				} else {
					v = fmt.Sprintf("%s %d", k, rnd.IntN(50))
				}
			}
			rec[j] = v
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return buf.Bytes()
}

// csvFiles caches generated files: the benchmark functions run more than once per process.
var (
	csvFilesMu sync.Mutex
	csvFiles   = map[string][]byte{}
)

func csvFile(d csvDialect, rows int) []byte {
	csvFilesMu.Lock()
	defer csvFilesMu.Unlock()
	k := fmt.Sprint(d.name, rows)
	if f, ok := csvFiles[k]; ok {
		return f
	}
	f := genRows(d, rows)
	csvFiles[k] = f
	return f
}

// splitCSV is the baseline: encoding/csv with ReuseRecord, header excluded from the count.
// check (may be nil) is called every 10k rows.
func splitCSV(data []byte, check func()) (int64, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = true
	n := int64(-1)
	tick := every(10_000, check)
	for {
		_, err := r.Read()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
		tick()
	}
}

// readTyped parses every row into a usage.Record, on every core; check (may be nil) is called
// every 10k rows.
func readTyped(data []byte, check func()) (int64, error) {
	return readTypedWorkers(data, -1, check)
}

// readTyped1 is readTyped on one goroutine (ReaderOptions.Workers 1).
func readTyped1(data []byte, check func()) (int64, error) {
	return readTypedWorkers(data, 1, check)
}

func readTypedWorkers(data []byte, workers int, check func()) (int64, error) {
	r := usage.NewReader(bytes.NewReader(data), &usage.ReaderOptions{Workers: workers})
	n := int64(0)
	tick := every(10_000, check)
	for _, err := range r.All() {
		if err != nil {
			return n, err
		}
		n++
		tick()
	}
	return n, nil
}

// foldTyped reads data with usage.Fold on every core: each goroutine counts its records and
// sums their cost (records borrowed, not copied; see usage.Fold).
func foldTyped(data []byte, _ func()) (int64, error) {
	type tally struct {
		n    int64
		cost billing.Decimal
	}
	r := usage.NewReader(bytes.NewReader(data), nil)
	states, err := usage.Fold(r, func() *tally { return &tally{} }, func(t *tally, rec *usage.Record) error {
		t.n++
		t.cost = t.cost.Add(rec.Cost)
		return nil
	})
	var n int64
	for _, t := range states {
		n += t.n
	}
	return n, err
}

// BenchmarkUsageCSV compares parsing a generated usage file of each dialect: encoding/csv with
// ReuseRecord (untyped) vs usage.Reader (typed records) on every core ("azb") and on one
// goroutine ("azb1"). Bar (issue 15): x_faster ≥ 2.0 at 1M rows (-bench.full) on a 2-core
// machine; x_faster_1core is the single-goroutine reader's ratio.
func BenchmarkUsageCSV(b *testing.B) {
	rows := scale(10_000, 1_000_000)
	for _, d := range csvDialects {
		b.Run(fmt.Sprintf("%s/rows=%dk", d.name, rows/1000), func(b *testing.B) {
			data := csvFile(d, rows)
			run := func(parse func([]byte, func()) (int64, error)) func() (int64, int64) {
				return func() (int64, int64) {
					n, err := parse(data, nil)
					require.NoError(b, err)
					require.EqualValues(b, rows, n)
					return n, int64(len(data))
				}
			}
			t := compare(b, nil, side{"off", run(splitCSV)}, side{"azb", run(readTyped)}, side{"azb1", run(readTyped1)}, side{"fold", run(foldTyped)})
			reportFaster(b, t[0], t[1])
			b.ReportMetric(ratio(t[0], t[2]), "x_faster_1core")
			b.ReportMetric(ratio(t[0], t[3]), "x_faster_fold")
			// The file itself is in memory before either side starts, so it is not counted.
			reportHeld(b, "off", func(check func()) { _, _ = splitCSV(data, check) })
			reportHeld(b, "azb", func(check func()) { _, _ = readTyped(data, check) })
		})
	}
}

// TestUsageCSVDialects checks that each generated file is read as the dialect it imitates,
// with every row typed.
func TestUsageCSVDialects(t *testing.T) {
	for _, d := range csvDialects {
		t.Run(d.name, func(t *testing.T) {
			data := csvFile(d, 200)
			r := usage.NewReader(bytes.NewReader(data), nil)
			lay, err := r.Layout()
			require.NoError(t, err)
			require.Equal(t, d.want, lay.Dialect, lay.String())
			n, err := readTyped(data, nil)
			require.NoError(t, err)
			require.EqualValues(t, 200, n)
			n, err = foldTyped(data, nil)
			require.NoError(t, err)
			require.EqualValues(t, 200, n)
			m, err := splitCSV(data, nil)
			require.NoError(t, err)
			require.EqualValues(t, 200, m)
		})
	}
}
