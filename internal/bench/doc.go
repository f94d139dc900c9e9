// Package bench holds benchmarks that run azbilling and the paths Go users take today with
// Azure's generated clients (armbilling, armconsumption, armcostmanagement/v3) side by side, in
// one process, on the same emulator data (billing/billingtest), and report how much faster (or
// slower) azbilling is as a metric of the same run. Results and analysis: BENCHMARKS.md at the
// repository root.
//
// It is a nested module so that the SDK's own go.mod does not carry the generated clients.
// Every benchmark is in a _test.go file; there is no code to import here.
//
//	BenchmarkConsumption   pay-as-you-go usage pages: armconsumption pager vs usage.Client.Records   (bar x_faster ≥ 10)
//	BenchmarkCostDetails   Cost Details report end to end: armcostmanagement + GET + encoding/csv
//	                       vs usage.Client.Records                                                   (bar x_time ≤ 1.2)
//	BenchmarkCostDetailsBlobs  a 4-blob Cost Details report at 20 ms per request: the raw path
//	                       (blobs one after the other) vs usage.Client.Records (blobs at once)       (bar x_time ≤ 0.6)
//	BenchmarkUsageCSV      usage CSV per dialect: encoding/csv (ReuseRecord) vs usage.Reader         (bar x_faster ≥ 1)
//	BenchmarkInvoices      a year of invoices: armbilling pollers + http.Get in a loop
//	                       vs invoice.DownloadAll at its default concurrency                          (bar x_faster ≥ 5)
//
// Smoke run (CI; small data, one iteration, well under a minute):
//
//	cd internal/bench && go test -run '^$' -bench . -benchtime=1x ./...
//
// Full run (the numbers in BENCHMARKS.md):
//
//	cd internal/bench && go test -run '^$' -bench . -benchtime=5x -timeout 90m ./... -args -bench.full
//
// Flags (after -args): -bench.full (full-size data), -bench.latency (delay the emulator adds to
// every request in the with-latency variants, default 20ms), -bench.nomd5 (BenchmarkCostDetails
// also times azbilling with the blobs' MD5 headers removed: what verifying them costs).
//
// Each benchmark times its sides in turn in every iteration, rotating which goes first, after a
// garbage collection, and reports per side (off- for the official path, azb- for azbilling,
// floor- for the emulator's own share where measured): ms/op, rows/s, MB/s, allocs/op and B/op,
// then heldMB (the most live heap the side held at once, measured in an extra untimed pass with
// forced collections), and the ratio of the sides' median times: x_faster (official ÷
// azbilling) or x_time (azbilling ÷ raw). The usual ns/op and allocs/op cover all sides of an
// iteration together. Allocation counts are process-wide: in the emulator benchmarks they
// include the emulator's own, which are the same for both sides.
package bench
