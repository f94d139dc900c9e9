// Package faultmatrix holds the SDK's fault matrix: randomized, seeded and reproducible runs of
// the invoice bulk download (invoice.Client.DownloadAll) and the usage report download
// (usage.Client.Records and SaveCSV) against the emulator (billing/billingtest) while it injects
// faults: 429 with each kind of retry-after header, 5xx, connection resets and truncated bodies,
// wrong Content-Length, expired SAS links, slow first bytes, long-running operations that stay
// 202 past the caller's deadline, nextLink pages that fail, and bytes flipped on the wire.
//
// Every run must end in exactly one of two ways: complete, byte-identical files (compared with
// the emulator's documents) or exact usage sums (compared with the emulator's ground truth); or
// a typed error of the SDK. Never a partial or corrupt file at the destination, never a
// temporary file left behind, never a wrong sum, never a goroutine left running. After a failed
// run the faults are cleared and the download is run again: it must finish, skipping the files
// the first run completed.
//
// The package has no API: it is its tests. `go test ./internal/faultmatrix` runs the CI subset
// (40 seeds per suite, 10 with -short). The long mode runs as many seeds as asked:
//
//	go test ./internal/faultmatrix -run Matrix -matrix.seeds=1000 -timeout=2h -v
//
// and prints the outcome counts. A failing seed is reported with its scenario and can be run
// alone with -matrix.seed=N (the scenario is the same; which request a fault hits can still
// vary with goroutine scheduling, so use -matrix.serial to download one document at a time).
package faultmatrix
