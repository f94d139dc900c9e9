// Package proctest tests the example programs as processes, the way scripts, cron, systemd and
// Kubernetes run them: it builds examples/invoices and examples/usage, points them at an
// emulator (in the test process, reached through the -emulator flags every example takes),
// kills them at random moments with SIGKILL and SIGTERM, runs them again, and checks what is
// on disk: no partial or wrong file under a final name after any death, no temporary file after
// the next run, every rerun byte-identical to an undisturbed run, exit codes non-zero whenever
// the job did not finish.
//
// The package has no API: it is its tests. `go test ./internal/proctest` runs a short seeded
// campaign (a few kills of each kind, seconds). The long mode runs as many as asked:
//
//	go test ./internal/proctest -run Campaign -proc.kills=200 -proc.seed=7 -v -timeout 30m
//
// and prints the counts. It needs a Unix system (signals) and the go command (to build).
package proctest
