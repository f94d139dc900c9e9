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

// Read the usage of many subscriptions at once, paced to the Cost Details rate limits (here
// the emulator enforces the published limits with one-minute windows scaled down to 60 ms,
// and the client paces to the same), into one CSV file per subscription. Running it again
// skips the files already there.
func ExampleClient_FanOut() {
	limits := billingtest.PublishedCostDetailsLimits().Scaled(0.001)
	c, srv := exampleClient(billingtest.EAEnterpriseAdmin, billingtest.WithEASubscriptions(25),
		billingtest.WithCostDetailsRateLimits(limits))
	defer srv.Close()
	ctx := context.Background()

	var scopes []billing.Scope
	for i := 1; i <= 25; i++ {
		s, _ := billing.SubscriptionScope(billingtest.FanOutSubscription(i))
		scopes = append(scopes, s)
	}
	dir, _ := os.MkdirTemp("", "usage-fanout")
	defer os.RemoveAll(dir)
	paced := usage.PublishedLimits().Scaled(0.001)
	opts := &usage.FanOutOptions{
		Usage:  &usage.Options{BillingPeriod: "202610", Agreement: billing.AgreementEA},
		Dir:    dir,
		Limits: &paced,
		Progress: func(p usage.FanOutProgress) {
			if p.Done%10 == 0 {
				fmt.Printf("%d/%d scopes\n", p.Done, p.Total)
			}
		},
	}
	sum, err := c.FanOut(ctx, scopes, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sum.Done, "done,", sum.Failed, "failed:", filepath.Base(sum.Scopes[0].Path), "...")

	opts.Progress = nil
	sum, _ = c.FanOut(ctx, scopes, opts) // a second run finds every file complete
	fmt.Println(sum.Done, "done,", sum.Skipped, "skipped")
	// Output:
	// 10/25 scopes
	// 20/25 scopes
	// 25 done, 0 failed: subscriptions_eeeeeeee-0000-4000-8000-000000000001.csv ...
	// 0 done, 25 skipped
}
