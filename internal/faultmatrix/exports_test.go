package faultmatrix

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/exports"
	"github.com/azbilling/azbilling/internal/azurite"
	"github.com/azbilling/azbilling/internal/leakcheck"
	"github.com/azbilling/azbilling/usage"
)

// The exports suite: an export is run by the emulator for one or two months, its output lands
// in Azurite, and exports.Reader reads it back while the storage account misbehaves: refresh
// runs of the same month, runs without rows, a run whose manifest.json is missing, blobs cut
// short, deleted or with a byte flipped (length and Content-MD5 kept) after they were written, and downloads that break off, fail with 5xx or 429,
// or answer short (faults of a billingtest.StorageFront between the reader and Azurite).
//
// What must happen:
//   - the listing counts, for each month, the latest run that has its manifest and rows; empty
//     runs are set aside, runs without a manifest are listed as incomplete and not read (the
//     service writes manifest.json last: a folder without one is a run still being written or
//     one that failed, and its blobs cannot be checked);
//   - the records then sum exactly to the emulator's ground truth for the months counted;
//   - or the read ends in a typed error that names the damaged blob (or the manifest, or the
//     listing) — never a wrong sum, never damage read through without a word;
//   - downloads that fail within the retry budgets (azcore's 3 retries, the retry reader's
//     resumes) change nothing; afterwards the export is run again for the damaged months and
//     the read must be exact for every month.

// storageRetries is the container client's azcore retry budget (MaxRetries), set explicitly in
// the suite; the reader resumes a broken download 5 times on top (ReaderOptions.MaxRetries).
// Faults that fire at most this many times in all are always recovered from, so their cost is
// counted in drawn.arm against budgetARM (the same 3).
const storageRetries = budgetARM

const (
	exportRoot   = "m"
	exportName   = "matrix"
	exportFolder = exportRoot + "/" + exportName
	storageID    = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/finops/providers/Microsoft.Storage/storageAccounts/costexports"
)

type exportScope struct {
	name      string
	principal billingtest.Principal
	id        string
	mosp      bool // no FocusCost
}

var exportScopes = []exportScope{
	{"EA enrollment", billingtest.PrincipalEAEnterpriseAdmin, eaAccountID, false},
	{"MCA profile", billingtest.PrincipalMCAProfileOwner, mcaProfileID, false},
	{"EA subscription", billingtest.PrincipalEAEnterpriseAdmin, "/subscriptions/" + billingtest.SubscriptionEAFinance, false},
	{"MOSP subscription", billingtest.PrincipalMOSPAccountAdmin, "/subscriptions/" + billingtest.SubscriptionPayAsYouGo, true},
}

type exportFormat struct {
	name string
	f    exports.Format
	c    exports.Compression
}

var exportFormats = []exportFormat{
	{"csv", exports.CSV, ""}, {"csv.gz", exports.CSV, exports.Gzip},
	{"parquet", exports.Parquet, exports.Snappy}, {"parquet-uncompressed", exports.Parquet, ""},
}

// TestMatrixExports reads exports back from Azurite under storage damage and faults and compares
// the sums with the emulator's ground truth. One Azurite serves every seed (a container each).
// It runs fewer seeds than the other suites by default (each seed writes and reads a few runs);
// -matrix.seeds runs more.
func TestMatrixExports(t *testing.T) {
	az := azurite.Start(t)
	suiteOf(t, "Exports", seedsOr(6, 3), func(t *testing.T, seed int64) (string, []string, []violation, string) {
		return runExportSeed(t, az, seed)
	})
}

// exportPlan is what a seed did to the export's storage, and what the listing must say.
type exportPlan struct {
	runs       []billingtest.ExportRun // every run, oldest first
	present    map[string]bool         // run folders in storage (an overwriting run deletes the earlier ones)
	noManifest map[string]bool         // folders whose manifest.json was deleted
	damaged    map[string]string       // folder → its data blob cut short or deleted
	parts      map[string][]string     // folder → its data blobs, sorted
}

func monthOf(r billingtest.ExportRun) billing.Period {
	return billing.MonthOf(billing.DateOf(r.Period.Start))
}

// counted returns, for each month with data, the run the listing must count: the latest run in
// storage that kept its manifest.
func (p *exportPlan) counted() map[billing.Period]billingtest.ExportRun {
	out := map[billing.Period]billingtest.ExportRun{}
	for _, r := range p.runs {
		if r.Rows > 0 && p.present[r.Folder] && !p.noManifest[r.Folder] {
			out[monthOf(r)] = r
		}
	}
	return out
}

// readable returns the runs with rows that still have their manifest, oldest first.
func (p *exportPlan) readable() []billingtest.ExportRun {
	var out []billingtest.ExportRun
	for _, r := range p.runs {
		if r.Rows > 0 && p.present[r.Folder] && !p.noManifest[r.Folder] {
			out = append(out, r)
		}
	}
	return out
}

// role says whether r is the run its month counts or one a later run replaced.
func (p *exportPlan) role(r billingtest.ExportRun) string {
	if p.counted()[monthOf(r)].Folder == r.Folder {
		return "counted"
	}
	return "superseded"
}

func runExportSeed(t *testing.T, az *azurite.Server, seed int64) (string, []string, []violation, string) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6578706f727473))
	sc := pick(rng, exportScopes...)
	ds := pick(rng, exports.ActualCost, exports.AmortizedCost, exports.FocusCost)
	if sc.mosp && ds == exports.FocusCost {
		ds = exports.ActualCost
	}
	ff := pick(rng, exportFormats...)
	overwrite := exports.CreateNewReport
	if rng.IntN(6) == 0 {
		overwrite = exports.OverwritePreviousReport
	}
	rowsPerDay := 1 + rng.IntN(3)
	partition := pick(rng, int64(6<<10), int64(16<<10), int64(64<<10))
	rowGroup := pick(rng, 50, 400, 0)
	concurrency := 1 + rng.IntN(4)
	if *flagSerial {
		concurrency = 1
	}
	var maxMemory int64
	if rng.IntN(3) == 0 {
		maxMemory = 1 << 10 // Parquet blobs spooled to temporary files
	}
	ctr := fmt.Sprintf("matrix%d", seed)
	metric := string(usage.ActualCost)
	if ds == exports.AmortizedCost {
		metric = string(usage.AmortizedCost)
	}
	desc := fmt.Sprintf("%s %s %s %s, %d rows/day, partitions of %d B, concurrency %d", sc.name, ds, ff.name, overwrite, rowsPerDay, partition, concurrency)
	if maxMemory > 0 {
		desc += ", Parquet spooled"
	}

	before := leakcheck.Take()
	e, err := newEnv(sc.principal, billingtest.WithSeed(seed), billingtest.WithNow(billingtest.ReferenceNow()), billingtest.WithUsageRowsPerDay(rowsPerDay))
	requireNoErr(t, err)
	// Transports of the suite's own, so that their idle connections can be closed before
	// goroutines are counted.
	storageTr, readerTr := plainTransport(), plainTransport()
	storage, err := azurite.NewClientAt(az.URL, &azblob.ClientOptions{ClientOptions: azcore.ClientOptions{Transport: &http.Client{Transport: storageTr}}})
	requireNoErr(t, err)
	e.srv.SetExportStorage(storage, &billingtest.ExportStorageOptions{PartitionBytes: partition, RowGroupRows: rowGroup})
	front, err := e.srv.StorageFront(az.URL)
	requireNoErr(t, err)
	readerClient, err := azurite.NewClientAt(front, &azblob.ClientOptions{ClientOptions: azcore.ClientOptions{
		Transport: &http.Client{Transport: readerTr},
		Retry:     policy.RetryOptions{MaxRetries: storageRetries, RetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond},
	}})
	requireNoErr(t, err)
	cc := storage.ServiceClient().NewContainerClient(ctr)
	dir := t.TempDir()
	rd := exports.NewReader(readerClient.ServiceClient().NewContainerClient(ctr), &exports.ReaderOptions{Concurrency: concurrency, MaxMemoryBlob: maxMemory, TempDir: dir})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// The export and its runs: one to three of each month (refresh runs), in shuffled order, and
	// sometimes a run of a month without usage.
	ec := exports.NewClient(e.bc)
	scope, err := billing.ParseScope(sc.id)
	requireNoErr(t, err)
	_, err = ec.CreateOrUpdate(ctx, scope, exportName, exports.Definition{Dataset: ds, Format: ff.f, Compression: ff.c, Overwrite: overwrite,
		Destination: exports.Destination{ResourceID: storageID, Container: ctr, RootFolder: exportRoot}})
	requireNoErr(t, err)
	ref := billing.DateOf(billingtest.ReferenceNow())
	var months []billing.Period
	for _, ago := range rng.Perm(8)[:1+rng.IntN(2)] {
		months = append(months, billing.MonthOf(ref.AddMonths(-1-ago)))
	}
	var queue []billing.Period
	var injected []string
	for _, m := range months {
		n := pick(rng, 1, 1, 2, 3)
		for range n {
			queue = append(queue, m)
		}
		if n > 1 {
			injected = append(injected, "refresh-runs")
		}
	}
	if rng.IntN(4) == 0 {
		empty := billing.Month(2020, time.January) // before any subscription of the world
		if e.srv.UsageRowCount(sc.id, billingtest.DayRange{Start: empty.Start.Time(), End: empty.End.Time()}, metric) != 0 {
			t.Fatalf("seed %d: %s has usage in %s; the suite needs a month without", seed, sc.name, empty)
		}
		queue = append(queue, empty)
		injected = append(injected, "empty-run")
	}
	rng.Shuffle(len(queue), func(i, j int) { queue[i], queue[j] = queue[j], queue[i] })
	for _, m := range queue {
		requireNoErr(t, ec.Run(ctx, scope, exportName, m))
	}
	plan := &exportPlan{runs: e.srv.ExportRuns(sc.id, exportName), present: map[string]bool{}, noManifest: map[string]bool{},
		damaged: map[string]string{}, parts: map[string][]string{}}
	sizes, err := listBlobs(ctx, cc)
	requireNoErr(t, err)
	minBody := int64(1 << 62)
	for name, size := range sizes {
		folder := path.Dir(name)
		plan.present[folder] = true
		if path.Base(name) != "manifest.json" {
			plan.parts[folder] = append(plan.parts[folder], name)
			minBody = min(minBody, size)
		}
	}
	for _, ps := range plan.parts {
		slices.Sort(ps)
	}
	desc += fmt.Sprintf(", months %v, %d runs", months, len(plan.runs))

	// Manifests that give a gzip blob's uncompressed size (the documentation does not say which
	// size): the reader can then tell a short blob by its stream alone.
	if ff.c == exports.Gzip && rng.IntN(2) == 0 {
		for _, r := range plan.readable() {
			requireNoErr(t, gunzippedSizes(ctx, cc, r.Folder+"/manifest.json"))
		}
		injected = append(injected, "manifest-sizes-uncompressed")
	}

	// Damage in storage, after the emulator wrote it: a manifest deleted (before the listing),
	// a data blob cut short or deleted (sometimes after the listing, whose sizes are then stale).
	if rs := plan.readable(); len(rs) > 0 && rng.IntN(4) == 0 {
		r := pick(rng, rs...)
		kind := plan.role(r)
		_, err := cc.NewBlobClient(r.Folder+"/manifest.json").Delete(ctx, nil)
		requireNoErr(t, err)
		plan.noManifest[r.Folder] = true
		if _, ok := plan.counted()[monthOf(r)]; kind == "counted" && !ok {
			kind = "only-run"
		} else if kind == "counted" {
			kind = "refreshed"
		}
		injected = append(injected, "manifest-missing/"+kind)
	}
	stale := rng.IntN(3) == 0
	var listing *exports.Listing
	var listErr error
	if stale {
		listing, listErr = rd.Runs(ctx, exportFolder)
	}
	if rs := plan.readable(); len(rs) > 0 && rng.IntN(3) == 0 {
		r := pick(rng, rs...)
		kind := plan.role(r)
		name := pick(rng, plan.parts[r.Folder]...)
		switch rng.IntN(5) {
		case 0:
			_, err := cc.NewBlobClient(name).Delete(ctx, nil)
			requireNoErr(t, err)
			injected = append(injected, "blob-deleted/"+kind)
		case 1:
			requireNoErr(t, flipByte(ctx, cc, name, rng.Int64N(sizes[name])))
			injected = append(injected, "blob-flipped/"+kind)
		default:
			requireNoErr(t, shorten(ctx, cc, name, rng.Int64N(sizes[name])))
			injected = append(injected, "blob-short/"+kind)
		}
		plan.damaged[r.Folder] = name
		if stale {
			injected = append(injected, "listed-before-damage")
		}
	}
	counted := plan.counted()
	var countedParts []string
	for _, r := range plan.readable() {
		if counted[monthOf(r)].Folder == r.Folder {
			countedParts = append(countedParts, plan.parts[r.Folder]...)
		}
	}

	// Faults between the reader and the storage account.
	var faults []drawn
	var suspects []string // the blobs a permanent fault aims at
	for i := range 2 {
		// At least one thing goes wrong in every seed: a fault when nothing else was drawn.
		if rng.IntN(2) == 0 && (i > 0 || len(injected) > 0) {
			continue
		}
		d, name := drawStorageFault(rng, ctr, minBody, countedParts)
		faults = append(faults, d)
		if name != "" {
			suspects = append(suspects, name)
		}
	}
	desc = describe(desc, strings.Join(injected, ", "), faultDescs(faults))
	e.install(faults)

	if !stale {
		listing, listErr = rd.Runs(ctx, exportFolder)
	}
	var vs []violation
	if listErr == nil {
		vs = append(vs, checkListing(listing, plan)...)
	}
	// A refresh run lands between the listing and the read: the listed run stays readable,
	// unless the export overwrites, which deletes it (an error naming one of its blobs, then).
	gone := ""
	if rng.IntN(5) == 0 && len(counted) > 0 {
		m := pick(rng, slices.SortedFunc(maps.Keys(counted), func(a, b billing.Period) int { return a.Start.Compare(b.Start) })...)
		requireNoErr(t, ec.Run(ctx, scope, exportName, m))
		injected = append(injected, "refresh-while-reading")
		if overwrite == exports.OverwritePreviousReport {
			gone = counted[m].Folder
			suspects = append(suspects, plan.parts[gone]...)
		}
		desc = describe(desc, "a refresh run of "+m.String()+" written after the listing")
	}
	runErr := listErr
	var sums map[string]billing.Decimal
	var n int
	if runErr == nil {
		sums, n, runErr = sumRecords(rd.Records(ctx, listing.Runs))
	}
	outcome, typed := classify(runErr)
	desc = describe(desc, fmt.Sprintf("faults fired %d", e.srv.FaultsFired()))

	damaged := ""
	for _, r := range counted {
		if name := plan.damaged[r.Folder]; name != "" {
			damaged = name
		}
	}

	if !typed {
		vs = append(vs, violation{vUntyped, fmt.Sprintf("%T: %v", runErr, runErr)})
	}
	switch {
	case runErr == nil && (damaged != "" || gone != ""):
		vs = append(vs, violation{vUndetected, fmt.Sprintf("the read completed although %q is damaged or run %q deleted", damaged, gone)})
	case runErr == nil:
		truth, rows := exportTruth(e.srv, sc.id, metric, counted)
		vs = append(vs, compareSums(truth, rows, sums, n)...)
	default:
		if damaged == "" && gone == "" && recoverable(faults) {
			vs = append(vs, violation{vUnexpected, fmt.Sprintf("recoverable faults, yet: %v", runErr)})
		}
		var broad []drawn
		for _, d := range faults {
			if d.name != "partition-fails" {
				broad = append(broad, d)
			}
		}
		if typed {
			vs = append(vs, checkNamed(runErr, append(suspects, damaged), !recoverable(broad))...)
		}
	}
	vs = append(vs, scanTemp(dir)...)

	// Recovery: with the faults cleared, the months that were damaged or had no readable run
	// are run again; then every month must read exactly.
	if runErr != nil || len(counted) < len(months) {
		e.uninstall()
		for _, m := range months {
			if r, ok := counted[m]; !ok || plan.damaged[r.Folder] != "" {
				if err := ec.Run(ctx, scope, exportName, m); err != nil {
					vs = append(vs, violation{vRecovery, fmt.Sprintf("running %s again: %v", m, err)})
				}
			}
		}
		plan.runs = e.srv.ExportRuns(sc.id, exportName)
		if sizes, err = listBlobs(ctx, cc); err != nil {
			vs = append(vs, violation{vRecovery, err.Error()})
		}
		clear(plan.present)
		for name := range sizes {
			plan.present[path.Dir(name)] = true
		}
		all := plan.counted()
		if len(all) != len(months) {
			vs = append(vs, violation{vRecovery, fmt.Sprintf("%d of %d months readable after running them again", len(all), len(months))})
		}
		l2, err := rd.Runs(ctx, exportFolder)
		var sums2 map[string]billing.Decimal
		var n2 int
		if err == nil {
			sums2, n2, err = sumRecords(rd.Records(ctx, l2.Runs))
		}
		if err != nil {
			vs = append(vs, violation{vRecovery, fmt.Sprintf("re-read failed: %v", err)})
		} else {
			truth, rows := exportTruth(e.srv, sc.id, metric, all)
			for _, v := range compareSums(truth, rows, sums2, n2) {
				vs = append(vs, violation{vRecovery, v.String()})
			}
		}
		vs = append(vs, scanTemp(dir)...)
	}

	if _, err := storage.DeleteContainer(context.Background(), ctr, nil); err != nil {
		t.Logf("seed %d: deleting container %s: %v", seed, ctr, err)
	}
	cancel()
	e.close()
	storageTr.CloseIdleConnections()
	readerTr.CloseIdleConnections()
	if left := leakcheck.Leaked(before, leakcheck.DefaultSettle); len(left) > 0 {
		vs = append(vs, violation{vLeak, fmt.Sprintf("%d goroutines left:\n%s", len(left), strings.Join(left, "\n\n"))})
	}
	return outcome, append(injected, faultNames(faults)...), vs, desc
}

// drawStorageFault returns one fault of the storage front and, for a fault that aims at one
// blob for good, that blob's name. at is below the smallest data blob's size.
func drawStorageFault(rng *rand.Rand, ctr string, minBody int64, countedParts []string) (drawn, string) {
	at := rng.Int64N(max(minBody, 1))
	onParts := func(f billingtest.Fault) billingtest.Fault { return f.OnStorage().Path("/part_") } // data blobs only
	for {
		switch rng.IntN(8) {
		case 0, 1: // a download breaks off (reset, or closed early), within the budgets
			f, name := billingtest.ResetAfterBytes(at), "storage-reset"
			if rng.IntN(2) == 0 {
				f, name = billingtest.TruncateBody(at), "storage-truncate"
			}
			f, k, n := times(rng, onParts(f), storageRetries)
			return drawn{name: name, desc: fmt.Sprintf("%s after %d bytes %s", name, at, n), fault: &f, arm: k}, ""
		case 2: // 500, 503 or 429 from the storage account
			st := pick(rng, http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusTooManyRequests)
			f, k, n := times(rng, onParts(billingtest.ServerError(st)), storageRetries)
			return drawn{name: fmt.Sprintf("storage-%d", st), desc: fmt.Sprintf("storage %d %s", st, n), fault: &f, arm: k}, ""
		case 3: // the listing fails
			f := billingtest.ServerError(http.StatusServiceUnavailable).OnStorage().PathRegexp(regexp.MustCompile(`^/[^/]+/` + regexp.QuoteMeta(ctr) + `$`))
			f, k, n := times(rng, f, storageRetries)
			return drawn{name: "storage-list-503", desc: "listing 503 " + n, fault: &f, arm: k}, ""
		case 4: // a manifest download breaks off
			f, k, n := times(rng, billingtest.ResetAfterBytes(rng.Int64N(200)).OnStorage().Path("/manifest.json"), storageRetries)
			return drawn{name: "storage-manifest-reset", desc: "manifest download reset " + n, fault: &f, arm: k}, ""
		case 5: // an answer shorter than the blob, with a Content-Length to match
			f := onParts(billingtest.WrongContentLength(at))
			return drawn{name: "storage-short-answer", desc: fmt.Sprintf("a data blob answers %d bytes", at), fault: &f, fatal: true}, ""
		case 6, 7: // one partition fails for good: every answer 500, or cut every time
			if len(countedParts) == 0 {
				continue
			}
			name := pick(rng, countedParts...)
			f, what := billingtest.ServerError(http.StatusInternalServerError), "500"
			if rng.IntN(2) == 0 {
				f, what = billingtest.ResetAfterBytes(at/8), fmt.Sprintf("reset after %d bytes", at/8)
			}
			f = f.OnStorage().Path("/" + ctr + "/" + name).Always()
			return drawn{name: "partition-fails", desc: fmt.Sprintf("%s always %s", name, what), fault: &f, fatal: true}, name
		}
	}
}

// checkListing compares what Runs found with the plan: the run each month counts, the empty
// runs set aside, the folders without a manifest reported.
func checkListing(l *exports.Listing, plan *exportPlan) []violation {
	var vs []violation
	counted := plan.counted()
	got := map[billing.Period]string{}
	for _, r := range l.Runs {
		m := billing.MonthOf(r.Period.Start)
		if _, dup := got[m]; dup {
			vs = append(vs, violation{vWrongRun, fmt.Sprintf("two runs of %s counted", m)})
		}
		got[m] = r.RunID
		if want, ok := counted[m]; !ok {
			vs = append(vs, violation{vWrongRun, fmt.Sprintf("run %s of %s counted, the month has no complete run", r.RunID, m)})
		} else if want.RunID != r.RunID {
			vs = append(vs, violation{vWrongRun, fmt.Sprintf("run %s of %s counted, the latest complete run is %s", r.RunID, m, want.RunID)})
		}
	}
	for m, r := range counted {
		if _, ok := got[m]; !ok {
			vs = append(vs, violation{vWrongRun, fmt.Sprintf("run %s of %s not counted", r.RunID, m)})
		}
	}
	empty := 0
	for _, r := range plan.runs {
		if r.Rows == 0 && plan.present[r.Folder] && !plan.noManifest[r.Folder] {
			empty++
		}
	}
	if len(l.Empty) != empty {
		vs = append(vs, violation{vWrongRun, fmt.Sprintf("%d empty runs listed, storage holds %d", len(l.Empty), empty)})
	}
	for folder := range plan.noManifest {
		if !slices.Contains(l.Incomplete, folder) {
			vs = append(vs, violation{vWrongRun, "the run without a manifest in " + folder + " is not listed as incomplete"})
		}
	}
	return vs
}

// checkNamed checks that a typed error names what failed: one of the blobs in names, or, when
// faults aimed at any blob, the listing or a manifest, any blob at all.
func checkNamed(err error, names []string, anyBlob bool) []violation {
	var (
		ie *exports.IntegrityError
		se *exports.StorageError
		fe *exports.FormatError
		me *exports.ManifestError
		pe *usage.ParseError
	)
	got := ""
	switch {
	case errors.As(err, &ie):
		got = ie.Blob
	case errors.As(err, &se):
		got = se.Blob
	case errors.As(err, &fe):
		got = fe.Blob
	case errors.As(err, &me):
		got = me.Blob
	case errors.As(err, &pe):
		got = pe.File
	}
	if got == "" || !(anyBlob || slices.Contains(names, got)) {
		return []violation{{vUnnamed, fmt.Sprintf("%v names %q; the blobs that failed are %q", err, got, names)}}
	}
	return nil
}

// exportTruth is the emulator's ground truth for the runs' days.
func exportTruth(srv *billingtest.Server, scope, metric string, runs map[billing.Period]billingtest.ExportRun) (map[string]string, int) {
	sums := map[string]billing.Decimal{}
	rows := 0
	for _, r := range runs {
		for cur, v := range srv.UsageTotal(scope, r.Period, metric) {
			d, err := billing.ParseDecimal(v)
			if err != nil {
				panic(err) // the emulator's own totals
			}
			sums[cur] = sums[cur].Add(d)
		}
		rows += srv.UsageRowCount(scope, r.Period, metric)
	}
	out := map[string]string{}
	for cur, d := range sums {
		out[cur] = d.String()
	}
	return out, rows
}

// listBlobs returns the sizes of every blob in the container.
func listBlobs(ctx context.Context, cc *container.Client) (map[string]int64, error) {
	out := map[string]int64{}
	pager := cc.NewListBlobsFlatPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range page.Segment.BlobItems {
			out[*it.Name] = *it.Properties.ContentLength
		}
	}
	return out, nil
}

// readBlob returns a blob's first n bytes, or all of it when n is 0.
func readBlob(ctx context.Context, cc *container.Client, name string, n int64) ([]byte, error) {
	resp, err := cc.NewBlobClient(name).DownloadStream(ctx, &blob.DownloadStreamOptions{Range: blob.HTTPRange{Count: n}})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// flipByte inverts the byte at offset at of a blob, keeping its length and the Content-MD5 the
// account holds for it, as damage at rest leaves a blob.
func flipByte(ctx context.Context, cc *container.Client, name string, at int64) error {
	bc := cc.NewBlockBlobClient(name)
	props, err := bc.GetProperties(ctx, nil)
	if err != nil {
		return err
	}
	data, err := readBlob(ctx, cc, name, 0)
	if err != nil {
		return err
	}
	data[at] ^= 0xff
	if _, err = bc.UploadBuffer(ctx, data, nil); err != nil {
		return err
	}
	// An MD5 sent with the upload would be checked; one set as a property is kept as given.
	_, err = bc.SetHTTPHeaders(ctx, blob.HTTPHeaders{BlobContentMD5: props.ContentMD5, BlobContentType: props.ContentType}, nil)
	return err
}

// shorten replaces a blob with its first n bytes, as a write that stopped early leaves it.
func shorten(ctx context.Context, cc *container.Client, name string, n int64) error {
	var data []byte
	var err error
	if n > 0 {
		if data, err = readBlob(ctx, cc, name, n); err != nil {
			return err
		}
	}
	_, err = cc.NewBlockBlobClient(name).UploadBuffer(ctx, data, nil)
	return err
}

// gunzippedSizes rewrites a manifest so that each blob's byteCount, and the total, is the
// blob's uncompressed size.
func gunzippedSizes(ctx context.Context, cc *container.Client, manifest string) error {
	data, err := readBlob(ctx, cc, manifest, 0)
	if err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	var total int64
	for _, entry := range m["blobs"].([]any) {
		b := entry.(map[string]any)
		gz, err := readBlob(ctx, cc, b["blobName"].(string), 0)
		if err != nil {
			return err
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			return err
		}
		n, err := io.Copy(io.Discard, zr)
		if err != nil {
			return err
		}
		b["byteCount"] = n
		total += n
	}
	m["byteCount"] = total
	if data, err = json.Marshal(m); err != nil {
		return err
	}
	_, err = cc.NewBlockBlobClient(manifest).UploadBuffer(ctx, data, nil)
	return err
}

// plainTransport is an HTTP transport of its own for Azurite (plain HTTP on loopback).
func plainTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	return tr
}
