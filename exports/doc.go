// Package exports manages Cost Management exports and reads what they write.
//
// Exports are Azure's path for usage data too large or too old for a Cost
// Details report: Cost Management writes a dataset (actual cost, amortized
// cost or FOCUS) into the customer's storage account, on a schedule or once,
// partitioned into blobs with a manifest.json per run, as CSV, gzip CSV or
// Parquet. History up to seven years back is reached by running an export for
// a past month through the run API, which Backfill does month by month,
// resumably.
//
// A Client (built on a billing.Client) creates, lists, runs and deletes
// exports through Azure Resource Manager. A Reader reads an export's output
// from the storage account with the azblob SDK: it lists the runs, picks the
// latest complete run of each period (a refresh run replaces the earlier one,
// runs without rows and runs whose manifest is missing are skipped and
// reported), checks every blob against its manifest, and streams the rows as
// usage.Record values, the type the usage package's CSV reader yields, with
// several partitions downloading and parsing in parallel and memory bounded
// whatever the export's size.
//
// Parquet is read column by column without going through text: text columns
// as dictionaries (each distinct value of a row group is one string that every
// row holding it shares), DECIMAL columns (users report that the service
// writes its cost columns as DECIMAL with precision 38) straight into
// billing.Decimal, floating-point, integer, date and time-stamp columns
// likewise. A decimal keeps its column's scale, as a CSV value keeps the
// digits written: compare amounts with Cmp and print sums with Normalize when
// files of both formats are read.
//
//	ec := exports.NewClient(bc)
//	_, err := ec.CreateOrUpdate(ctx, scope, "monthly-actual", exports.Definition{
//		Dataset:     exports.ActualCost,
//		Format:      exports.Parquet,
//		Compression: exports.Snappy,
//		Destination: exports.Destination{ResourceID: storageID, Container: "exports", RootFolder: "cost"},
//	})
//	err = ec.Backfill(ctx, scope, "monthly-actual", from, to, &exports.BackfillOptions{Checkpoint: "backfill.json"})
//
//	rd := exports.NewReader(containerClient, nil)
//	listing, err := rd.Runs(ctx, "cost/monthly-actual")
//	for rec, err := range rd.Records(ctx, listing.Runs) { ... }
package exports
