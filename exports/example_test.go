package exports_test

import (
	"context"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/exports"
)

// Define a daily FOCUS export as Parquet at an MCA billing profile, on the emulator.
func ExampleClient_CreateOrUpdate() {
	srv, _ := billingtest.Start()
	defer srv.Close()
	bc, _ := billing.NewClient(srv.Credential(billingtest.MCAProfileOwner), srv.ClientOptions())
	ec := exports.NewClient(bc)
	scope, _ := billing.ProfileScope(billingtest.MCAAccount, billingtest.MCAProfileUS)

	e, err := ec.CreateOrUpdate(context.Background(), scope, "daily-focus", exports.Definition{
		Dataset:     exports.FocusCost,
		Format:      exports.Parquet,
		Compression: exports.Snappy,
		Schedule:    &exports.Schedule{Recurrence: exports.Daily, From: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		Destination: exports.Destination{
			ResourceID: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/finops/providers/Microsoft.Storage/storageAccounts/costexports",
			Container:  "exports",
			RootFolder: "focus",
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	d := e.Definition
	fmt.Println(e.Name, d.Dataset, d.DataVersion, d.Timeframe, d.Format, d.Compression, d.Schedule.Recurrence)
	// Output: daily-focus FocusCost 1.0r2 MonthToDate Parquet snappy Daily
}

// Read every period's latest complete run of an export from its storage container, with a
// container SAS URL (read and list permissions).
func ExampleReader_Records() {
	ctx := context.Background()
	cc, err := container.NewClientWithNoCredential("https://costexports.blob.core.windows.net/exports?sv=...", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	rd := exports.NewReader(cc, nil)
	listing, err := rd.Runs(ctx, "focus/daily-focus")
	if err != nil {
		fmt.Println(err)
		return
	}
	sums := map[string]billing.Decimal{}
	for rec, err := range rd.Records(ctx, listing.Runs) {
		if err != nil {
			fmt.Println(err)
			return
		}
		sums[rec.Currency] = sums[rec.Currency].Add(rec.Cost)
	}
	fmt.Println(sums)
}
