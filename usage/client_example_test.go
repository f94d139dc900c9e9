package usage_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/usage"
)

// exampleClient starts an emulator and returns a usage client for principal p on it.
func exampleClient(p billingtest.Principal, opts ...billingtest.Option) (*usage.Client, *billingtest.Server) {
	srv, err := billingtest.Start(opts...)
	if err != nil {
		panic(err)
	}
	bc, err := billing.NewClient(srv.Credential(p), srv.ClientOptions())
	if err != nil {
		panic(err)
	}
	return usage.NewClient(bc), srv
}

// Sum an EA enrollment's cost for one billing period, streamed record by record.
func ExampleClient_Records() {
	c, srv := exampleClient(billingtest.EAEnterpriseAdmin)
	defer srv.Close()
	ctx := context.Background()

	enrollment, _ := billing.AccountScope(billingtest.EAAccount)
	var cost billing.Decimal
	rows := 0
	for rec, err := range c.Records(ctx, enrollment, &usage.Options{BillingPeriod: "202610"}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		cost = cost.Add(rec.Cost)
		rows++
	}
	fmt.Println(rows, "rows,", cost.Round(2), "USD")
	// Output:
	// 373 rows, 197.48 USD
}

// Inspect a report's manifest before reading it: here the emulator splits it into blobs of at
// most 32 KiB, each with its own header row; Records reads them as one stream.
func ExampleClient_Report() {
	c, srv := exampleClient(billingtest.MCAProfileOwner, billingtest.WithUsageBlobSize(32<<10))
	defer srv.Close()
	ctx := context.Background()

	profile, _ := billing.ProfileScope(billingtest.MCAAccount, billingtest.MCAProfileUS)
	rep, err := c.Report(ctx, profile, &usage.Options{Metric: usage.AmortizedCost, Period: billing.Month(2026, time.October)})
	if err != nil {
		fmt.Println(err)
		return
	}
	layout, _ := rep.Dialect(ctx)
	fmt.Println(rep.Source, rep.Status, rep.Manifest.BlobCount, "blobs,", rep.Manifest.ByteCount, "bytes,", layout)
	rows := 0
	for _, err := range rep.Records(ctx) {
		if err != nil {
			fmt.Println(err)
			return
		}
		rows++
	}
	fmt.Println(rows, "rows")
	// Output:
	// Cost Details Completed 13 blobs, 399616 bytes, mca 2023-12-01-preview
	// 403 rows
}

// Save a pay-as-you-go subscription's usage as CSV: it comes from the Consumption API as JSON
// and is written in the pay-as-you-go "usage only" layout.
func ExampleClient_SaveCSV() {
	c, srv := exampleClient(billingtest.MOSPAccountAdmin)
	defer srv.Close()
	ctx := context.Background()

	sub, _ := billing.SubscriptionScope(billingtest.SubscriptionPayAsYouGo)
	dir, _ := os.MkdirTemp("", "usage")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "payg-2026-10.csv")
	n, err := c.SaveCSV(ctx, sub, &usage.Options{Period: billing.Month(2026, time.October)}, path)
	if err != nil {
		fmt.Println(err)
		return
	}
	f, _ := os.Open(path)
	defer f.Close()
	rd := usage.NewReader(f, nil)
	layout, _ := rd.Layout()
	rows := 0
	for _, err := range rd.All() {
		if err != nil {
			fmt.Println(err)
			return
		}
		rows++
	}
	fmt.Println(n, "bytes,", layout, rows, "rows")
	// Output:
	// 61362 bytes, payg 2019-11-01 124 rows
}
