// Package faultmatrix holds the SDK's fault matrix: randomized, seeded and reproducible runs of
// the invoice bulk download (invoice.Client.DownloadAll) and the usage report download
// (usage.Client.Records and SaveCSV) against the emulator (billing/billingtest) while it injects
// faults: 429 with each kind of retry-after header, 5xx, connection resets and truncated bodies,
// wrong Content-Length, expired SAS links, slow first bytes, long-running operations that stay
// 202 past the caller's deadline, nextLink pages that fail, and bytes flipped on the wire.
// The exports suite reads Cost Management exports back (exports.Reader) from Azurite, where the
// emulator wrote them: refresh runs of a month, empty runs, a run whose manifest.json is missing,
// blobs cut short or deleted in storage, a refresh run written while a read is under way, and
// downloads that break off or fail (billingtest.StorageFront between the reader and Azurite).
// It needs Azurite (see internal/azurite) and skips without it, unless
// AZBILLING_REQUIRE_AZURITE is set.
//
// Every run must end in exactly one of two ways: complete, byte-identical files (compared with
// the emulator's documents) or exact usage sums (compared with the emulator's ground truth); or
// a typed error of the SDK (for exports, one naming the damaged blob). Never a partial or
// corrupt file at the destination, never a temporary file left behind, never a wrong sum, never
// a goroutine left running. After a failed run the faults are cleared and the download is run
// again: it must finish, skipping the files the first run completed (for exports, the damaged
// months are exported again first).
//
// The package has no API: it is its tests. `go test ./internal/faultmatrix` runs the CI subset
// (40 seeds per suite, 10 with -short; the exports suite, slower per seed, 6 and 3). The long
// mode runs as many seeds as asked:
//
//	go test ./internal/faultmatrix -run Matrix -matrix.seeds=1000 -timeout=2h -v
//
// and prints the outcome counts. A failing seed is reported with its scenario and can be run
// alone with -matrix.seed=N (the scenario is the same; which request a fault hits can still
// vary with goroutine scheduling, so use -matrix.serial to download one document at a time).
package faultmatrix
