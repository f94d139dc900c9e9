package bench

import (
	"context"
	"encoding/csv"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/exports"
	"github.com/azbilling/azbilling/internal/azurite"
)

// Exports read back from Azure Storage (Azurite on loopback): a month of the EA enrollment's
// actual cost, exported once as CSV, once as gzip CSV and once as Parquet (snappy), partitioned,
// then read by:
//
//   - raw: what a user writes today: the manifest's blobs downloaded with azblob one after the
//     other and split by encoding/csv with ReuseRecord (untyped fields, CSV only).
//   - csv, gz, pq: exports.Reader.Records over the run (typed usage.Records, exact decimals),
//     partitions in parallel (the default concurrency).
//   - csv1, pq1: the same with Concurrency 1, one partition at a time.
//   - csv-any, pq-any: the default concurrency with AnyOrder: partitions interleaved, each
//     parsing at full speed.
//
// Every iteration runs each side once, starting with a different side each time; ratios are of
// median times (run with -benchtime 3x or more), and each side's median CPU time of this process
// (prefix-cpu-ms: all threads, GC included; Azurite, a separate process, is not counted) is
// reported beside it, because on a shared machine wall-time ratios follow the other processes'
// load while CPU time hardly does.
//
// Full size (-bench.full): 1,004,400 rows (3 subscriptions × 31 days × 10,800 rows a day) in
// partitions of 64 MiB uncompressed; small: 1,860 rows in 64 KiB partitions.

type exportsSetup struct {
	az   *azurite.Server
	blob *azblob.Client
	runs map[string][]exports.Run // by format
	rows int
}

func setupExports(b *testing.B) *exportsSetup {
	b.Helper()
	az := azurite.Start(b)
	rpd := scale(20, 10800)
	srv := billingtest.NewServer(b, billingtest.WithUsageRowsPerDay(rpd))
	blobs := az.Client(b)
	srv.SetExportStorage(blobs, &billingtest.ExportStorageOptions{PartitionBytes: int64(scale(64<<10, 64<<20)), RowGroupRows: 1 << 16})
	bc, err := billing.NewClient(srv.Credential(billingtest.PrincipalEAEnterpriseAdmin), srv.ClientOptions())
	require.NoError(b, err)
	ec := exports.NewClient(bc)
	scope, err := billing.AccountScope(billingtest.EAAccount)
	require.NoError(b, err)
	ctx := context.Background()
	oct := billing.Month(2026, time.October)
	s := &exportsSetup{az: az, blob: blobs, runs: map[string][]exports.Run{}}
	for _, f := range []struct {
		name string
		f    exports.Format
		c    exports.Compression
	}{{"csv", exports.CSV, exports.NoCompression}, {"gz", exports.CSV, exports.Gzip}, {"pq", exports.Parquet, exports.Snappy}} {
		_, err := ec.CreateOrUpdate(ctx, scope, "bench-"+f.name, exports.Definition{Format: f.f, Compression: f.c,
			Destination: exports.Destination{ResourceID: "/subscriptions/0/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/a",
				Container: "bench", RootFolder: "r"}})
		require.NoError(b, err)
		require.NoError(b, ec.Run(ctx, scope, "bench-"+f.name, oct))
		l, err := exports.NewReader(az.Container(b, "bench"), nil).Runs(ctx, "r/bench-"+f.name)
		require.NoError(b, err)
		require.Len(b, l.Runs, 1)
		s.runs[f.name] = l.Runs
		s.rows = int(l.Runs[0].RowCount)
	}
	return s
}

// readRaw is the user's loop today: each blob downloaded and split, fields untyped.
func (s *exportsSetup) readRaw(b *testing.B, check func()) (rows, n int64) {
	ctx := context.Background()
	tick := every(10000, check)
	for _, bl := range s.runs["csv"][0].Blobs {
		resp, err := s.blob.DownloadStream(ctx, "bench", bl.Name, nil)
		require.NoError(b, err)
		cr := csv.NewReader(resp.Body)
		cr.ReuseRecord = true
		cr.FieldsPerRecord = -1
		first := true
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			require.NoError(b, err)
			if first {
				first = false
				continue
			}
			n += int64(len(rec[0]))
			rows++
			tick()
		}
		resp.Body.Close()
	}
	return rows, 0
}

func (s *exportsSetup) read(b *testing.B, format string, conc int, check func()) (rows, n int64) {
	return s.readOpts(b, format, exports.ReaderOptions{Concurrency: conc}, check)
}

func (s *exportsSetup) readOpts(b *testing.B, format string, opts exports.ReaderOptions, check func()) (rows, n int64) {
	rd := exports.NewReader(s.az.Container(b, "bench"), &opts)
	tick := every(10000, check)
	var sum billing.Decimal
	for rec, err := range rd.Records(context.Background(), s.runs[format]) {
		require.NoError(b, err)
		sum = sum.Add(rec.Cost)
		rows++
		tick()
	}
	require.False(b, sum.IsZero())
	return rows, 0
}

// readFirst reads only the first k partitions of the format's run.
func (s *exportsSetup) readFirst(b *testing.B, format string, k int, check func()) {
	runs := slices.Clone(s.runs[format])
	runs[0].Blobs = runs[0].Blobs[:min(k, len(runs[0].Blobs))]
	rd := exports.NewReader(s.az.Container(b, "bench"), nil)
	tick := every(10000, check)
	for _, err := range rd.Records(context.Background(), runs) {
		require.NoError(b, err)
		tick()
	}
}

func BenchmarkExports(b *testing.B) {
	s := setupExports(b)
	sides := []side{
		{"raw", func() (int64, int64) { return s.readRaw(b, nil) }},
		{"csv", func() (int64, int64) { return s.read(b, "csv", 0, nil) }},
		{"gz", func() (int64, int64) { return s.read(b, "gz", 0, nil) }},
		{"pq", func() (int64, int64) { return s.read(b, "pq", 0, nil) }},
		{"csv1", func() (int64, int64) { return s.read(b, "csv", 1, nil) }},
		{"pq1", func() (int64, int64) { return s.read(b, "pq", 1, nil) }},
		{"csv-any", func() (int64, int64) { return s.readOpts(b, "csv", exports.ReaderOptions{AnyOrder: true}, nil) }},
		{"pq-any", func() (int64, int64) { return s.readOpts(b, "pq", exports.ReaderOptions{AnyOrder: true}, nil) }},
	}
	t := compare(b, nil, sides...)
	for _, x := range t {
		require.EqualValues(b, int64(s.rows)*int64(x.n), x.rows)
	}
	ratio := func(a, c int) float64 { return t[c].median().Seconds() / t[a].median().Seconds() }
	cpuRatio := func(a, c int) float64 { return t[c].cpuMedian().Seconds() / t[a].cpuMedian().Seconds() }
	for i, sd := range sides {
		b.ReportMetric(float64(t[i].cpuMedian().Microseconds())/1e3, sd.prefix+"-cpu-ms")
	}
	b.ReportMetric(cpuRatio(3, 1), "pq/csv-cpu-x")  // the same in this process's CPU time (Azurite's not counted)
	b.ReportMetric(ratio(3, 1), "pq/csv-x")         // Parquet rows/s over CSV rows/s (bar ≥ 2)
	b.ReportMetric(ratio(1, 0), "csv/raw-x")        // typed CSV over the raw loop
	b.ReportMetric(ratio(1, 4), "csv-par/seq-x")    // parallel partitions over one at a time (bar ≥ 1.6)
	b.ReportMetric(ratio(3, 5), "pq-par/seq-x")     // likewise for Parquet
	b.ReportMetric(ratio(6, 4), "csv-any/seq-x")    // partitions in parallel, any order, over one at a time
	b.ReportMetric(ratio(7, 5), "pq-any/seq-x")     // likewise for Parquet
	b.ReportMetric(ratio(7, 6), "pq-any/csv-any-x") // Parquet over CSV, both in any order
	b.ReportMetric(float64(s.rows), "rows")
	b.ReportMetric(float64(len(s.runs["csv"][0].Blobs)), "partitions")
	reportHeld(b, "csv", func(check func()) { s.read(b, "csv", 0, check) })
	reportHeld(b, "pq", func(check func()) { s.read(b, "pq", 0, check) })
	// Memory flat with size: the same reads over the first two partitions only (about 2/13 of
	// the rows, partitions of the same size) hold about as much as over all of them.
	reportHeld(b, "csv-2parts", func(check func()) { s.readFirst(b, "csv", 2, check) })
	reportHeld(b, "pq-2parts", func(check func()) { s.readFirst(b, "pq", 2, check) })
	reportHeld(b, "raw", func(check func()) { s.readRaw(b, check) })
}
