package usage_test

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"

	"github.com/azbilling/azbilling/usage"
)

// An EA Cost Details file as Excel leaves it: US dates without zero padding,
// E-notation, and tags without their outer braces.
const eaExport = `InvoiceSectionName,AccountName,AccountOwnerId,SubscriptionId,SubscriptionName,ResourceGroup,ResourceLocation,Date,ProductName,MeterCategory,MeterSubCategory,MeterId,MeterName,MeterRegion,UnitOfMeasure,Quantity,EffectivePrice,CostInBillingCurrency,CostCenter,ConsumedService,ResourceId,Tags,OfferId,AdditionalInfo,ServiceInfo1,ServiceInfo2,ResourceName,ReservationId,ReservationName,UnitPrice,ProductOrderId,ProductOrderName,Term,PublisherType,PublisherName,ChargeType,Frequency,PricingModel,AvailabilityZone,BillingAccountId,BillingAccountName,BillingCurrencyCode,BillingPeriodStartDate,BillingPeriodEndDate,BillingProfileId,BillingProfileName,InvoiceSectionId,IsAzureCreditEligible,PartNumber,PayGPrice,PlanName,ServiceFamily,CostAllocationRuleName,benefitId,benefitName
Eng,Platform,ops@contoso.com,sub-1,Prod,rg-web,EastUS,9/2/2023,Storage - Queues,Storage,Queues v2,m-1,Class 2 Operations,US East,10K,0.0129,0.004379084,5.64902E-05,,Microsoft.Storage,/subscriptions/sub-1/resourceGroups/rg-web,"""env"": ""prod"",""team"": ""web""",MS-AZR-0017P,,,,,,,0.1,,,,Azure,Microsoft,Usage,UsageBased,OnDemand,,123,Contoso,USD,9/1/2023,9/30/2023,123,Contoso,,TRUE,ABC-1,0.40000,,Storage,,,
Eng,Platform,ops@contoso.com,sub-1,Prod,rg-db,EastUS,9/3/2023,Virtual Machines - D2s v3,Virtual Machines,Dv3 Series,m-2,D2s v3,US East,1 Hour,24,0.096,2.304,,Microsoft.Compute,/subscriptions/sub-1/resourceGroups/rg-db,"""env"": ""test""",MS-AZR-0017P,"{""VCPUs"":2}",,,,,,0.096,,,,Azure,Microsoft,Usage,UsageBased,OnDemand,,123,Contoso,USD,9/1/2023,9/30/2023,123,Contoso,,TRUE,ABC-2,0.12,,Compute,,,
`

func ExampleReader_All() {
	r := usage.NewReader(strings.NewReader(eaExport), &usage.ReaderOptions{File: "ea.csv"})
	for rec, err := range r.All() {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(rec.Date, rec.MeterCategory, rec.Quantity, rec.UnitOfMeasure, rec.Amount())
	}
	layout, _ := r.Layout()
	fmt.Println(layout, layout.Dialect.Agreement())
	// Output:
	// 2023-09-02 Storage 0.0129 10K 0.0000564902 USD
	// 2023-09-03 Virtual Machines 24 1 Hour 2.304 USD
	// ea-export 2023-12-01-preview EA
}

func ExampleTags_Get() {
	r := usage.NewReader(strings.NewReader(eaExport), nil)
	rec, _ := r.Read()
	env, _ := rec.Tags.Get("env") // EA tags lack their outer braces; they parse anyway
	fmt.Println(string(rec.Tags))
	fmt.Println(env, rec.Tags.JSON())
	// Output:
	// "env": "prod","team": "web"
	// prod {"env": "prod","team": "web"}
}

func ExampleRecord_Column() {
	r := usage.NewReader(strings.NewReader(eaExport), nil)
	rec, _ := r.Read()
	// PartNumber is not a Record field: it is still there by name.
	part, ok := rec.Column("partnumber")
	fmt.Println(part, ok)
	// Output: ABC-1 true
}

func ExampleDailyBreakdown() {
	r := usage.NewReader(strings.NewReader(eaExport), nil)
	b, err := usage.DailyBreakdown(r.All(), &usage.BreakdownOptions{ByTag: "env"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range b.Totals() {
		fmt.Printf("%s %-4s %s %s\n", d.Date, d.Tag, d.Cost, d.Currency)
	}
	fmt.Println("total", b.Cost())
	// Output:
	// 2023-09-02 prod 0.0000564902 USD
	// 2023-09-03 test 2.304 USD
	// total [2.3040564902 USD]
}

// AddAll sums a file of any size: on several cores each one adds the records it parses, and
// files of a few megabytes and more parse on every core.
func ExampleBreakdown_AddAll() {
	b := usage.NewBreakdown(&usage.BreakdownOptions{ByTag: "env"})
	for _, file := range []string{"september.csv", "october.csv"} {
		r := usage.NewReader(strings.NewReader(eaExport), &usage.ReaderOptions{File: file})
		if err := b.AddAll(r); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(b.Rows(), "rows", b.Cost())
	bad := strings.Replace(eaExport, `"""env"": ""test"""`, `"""env"" ""test"""`, 1)
	err := b.AddAll(usage.NewReader(strings.NewReader(bad), &usage.ReaderOptions{File: "november.csv"}))
	fmt.Println(err)
	fmt.Println(errors.Is(err, usage.ErrBadTags), b.Rows(), "rows: unchanged")
	// Output:
	// 4 rows [4.6081129804 USD]
	// november.csv: line 3: bad tags: expected ':' at byte 6
	// true 4 rows: unchanged
}

// Fold counts distinct resources on every core: each goroutine keeps its own set, merged at
// the end. Record strings are only valid during the call, so the kept ones are cloned.
func ExampleFold() {
	r := usage.NewReader(strings.NewReader(eaExport), nil)
	sets, err := usage.Fold(r, func() map[string]bool { return map[string]bool{} },
		func(seen map[string]bool, rec *usage.Record) error {
			if !seen[rec.ResourceID] {
				seen[strings.Clone(rec.ResourceID)] = true
			}
			return nil
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	all := map[string]bool{}
	for _, s := range sets {
		maps.Copy(all, s)
	}
	fmt.Println(len(all), "resources in", r.Rows(), "rows")
	// Output:
	// 2 resources in 2 rows
}

func ExampleParseError() {
	bad := strings.Replace(eaExport, "9/3/2023", "9/31/2023", 1)
	r := usage.NewReader(strings.NewReader(bad), &usage.ReaderOptions{File: "ea.csv"})
	for _, err := range r.All() {
		var pe *usage.ParseError
		if errors.As(err, &pe) {
			fmt.Println(err)
			fmt.Println(errors.Is(err, usage.ErrBadDate), pe.Line, pe.Header)
		}
	}
	// Output:
	// ea.csv: line 3, column 8 (Date): bad date: "9/31/2023"
	// true 3 Date
}

func ExampleReaderOptions_skipBadRows() {
	bad := strings.Replace(eaExport, "2.304,", "2,304,", 1) // one field too many
	r := usage.NewReader(strings.NewReader(bad), &usage.ReaderOptions{SkipBadRows: true})
	n := 0
	for _, err := range r.All() {
		if err != nil {
			fmt.Println(err)
			return
		}
		n++
	}
	fmt.Println(n, "read,", r.Skipped(), "skipped")
	for _, e := range r.SkippedErrors() {
		fmt.Println(e.Line, errors.Is(e, usage.ErrFieldCount))
	}
	// Output:
	// 1 read, 1 skipped
	// 3 true
}

func ExampleNewReader_file() {
	f, err := os.Open("testdata/fixtures/mca-2023-12-01-preview.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	r := usage.NewReader(f, &usage.ReaderOptions{File: f.Name()})
	for rec, err := range r.All() {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(rec.Line, rec.Date, rec.ResourceGroup, rec.Cost)
	}
	// Output:
	// 2 2024-02-29 rg-app 0.000020497200000000000000
	// 3 2024-02-01 rg-app 0
}

// Grouping by the categories a FinOps user filters on: here meter category and service family,
// each day. The switches combine; fields not grouped by stay empty.
func ExampleBreakdownOptions_meterCategory() {
	r := usage.NewReader(strings.NewReader(eaExport), nil)
	b, err := usage.DailyBreakdown(r.All(), &usage.BreakdownOptions{ByMeterCategory: true, ByServiceFamily: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range b.Totals() {
		fmt.Printf("%s %-16s %-8s %s\n", d.Date, d.MeterCategory, d.ServiceFamily, d.Amount())
	}
	// Output:
	// 2023-09-02 Storage          Storage  0.0000564902 USD
	// 2023-09-03 Virtual Machines Compute  2.304 USD
}
