package invoice_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/invoice"
	"github.com/azbilling/azbilling/roles"
)

func listFiles(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

func TestDownloadAllFetchesEveryDocument(t *testing.T) {
	srv := newServer(t)
	c := usClient(t, srv, billingtest.MCAProfileOwner)
	dir := t.TempDir()
	var calls atomic.Int32
	var last invoice.Progress

	sum, err := c.DownloadAll(context.Background(), c.List(context.Background(), nil), dir, &invoice.BulkOptions{
		Progress: func(p invoice.Progress) { calls.Add(1); last = p },
	})

	require.NoError(t, err)
	want := 0
	for _, inv := range worldInvoices(srv, func(i billingtest.Invoice) bool { return i.Profile == billingtest.MCAProfileUS }) {
		want += len(inv.Documents)
		for _, d := range inv.Documents {
			got, err := os.ReadFile(filepath.Join(dir, invoice.FileName(invoice.Invoice{Name: inv.Name, Documents: toDocs(inv)}, invoice.Document{Name: d.Name, Kind: invoice.DocumentKind(d.Kind)})))
			require.NoError(t, err)
			assert.Equal(t, srv.DocumentBytes(inv.Name, d.Name), got)
		}
	}
	assert.Len(t, sum.Downloaded, want)
	assert.Empty(t, sum.Skipped)
	assert.Empty(t, sum.Failed)
	assert.Equal(t, int32(want), calls.Load())
	assert.Equal(t, want, last.Done)
	assert.Equal(t, want, last.Total)
	assert.Positive(t, sum.Bytes)
	assert.Contains(t, sum.String(), "downloaded")
	assert.True(t, sort.SliceIsSorted(sum.Downloaded, func(i, j int) bool { return sum.Downloaded[i].Path < sum.Downloaded[j].Path }),
		"sorted by path, not in completion order")
	for _, name := range listFiles(t, dir) {
		assert.NotContains(t, name, ".part", "no temporary file is left")
	}
	assert.Contains(t, listFiles(t, dir), "G000000001-invoice.pdf")
	assert.Contains(t, listFiles(t, dir), "G000000002-tax-receipt.pdf")
}

func toDocs(inv billingtest.Invoice) []invoice.Document {
	var out []invoice.Document
	for _, d := range inv.Documents {
		out = append(out, invoice.Document{Name: d.Name, Kind: invoice.DocumentKind(d.Kind)})
	}
	return out
}

func TestDownloadAllRerunAfterInterruptFinishesWithoutRefetching(t *testing.T) {
	srv := newServer(t)
	c := mospClient(t, srv)
	dir := t.TempDir()

	// First run: "Ctrl-C" after five documents.
	ctx, cancel := context.WithCancel(context.Background())
	var done atomic.Int32
	sum1, err := c.DownloadAll(ctx, c.List(ctx, nil), dir, &invoice.BulkOptions{
		Concurrency: 2,
		Progress: func(p invoice.Progress) {
			if done.Add(1) == 5 {
				cancel()
			}
		},
	})
	require.ErrorIs(t, err, context.Canceled)
	completed := len(sum1.Downloaded)
	require.GreaterOrEqual(t, completed, 5)
	require.Less(t, completed, 24)

	// Second run: everything else, nothing twice.
	srv.ResetRequests()
	sum2, err := c.DownloadAll(context.Background(), c.List(context.Background(), nil), dir, nil)
	require.NoError(t, err)
	assert.Len(t, sum2.Skipped, completed)
	assert.Len(t, sum2.Downloaded, 24-completed)
	assert.Len(t, srv.BlobRequests(), 24-completed)
	assert.Equal(t, 24-completed, distinctDownloadOps(srv))
	skipped := map[string]bool{}
	for _, f := range sum2.Skipped {
		skipped[f.Invoice] = true
	}
	for _, f := range sum1.Downloaded {
		assert.True(t, skipped[f.Invoice], "%s was completed in the first run", f.Invoice)
	}

	// Third run: nothing to do, no download operation at all.
	srv.ResetRequests()
	sum3, err := c.DownloadAll(context.Background(), c.List(context.Background(), nil), dir, nil)
	require.NoError(t, err)
	assert.Len(t, sum3.Skipped, 24)
	assert.Zero(t, countDownloadOps(srv))
	assert.Empty(t, srv.BlobRequests())
	for _, inv := range worldInvoices(srv, func(i billingtest.Invoice) bool { return i.Subscription != "" }) {
		got, err := os.ReadFile(filepath.Join(dir, inv.Name+"-invoice.pdf"))
		require.NoError(t, err)
		assert.Equal(t, srv.DocumentBytes(inv.Name, ""), got)
	}
}

func TestDownloadAllRefetchesFilesThatAreNotComplete(t *testing.T) {
	srv := newServer(t)
	c := mospClient(t, srv)
	dir := t.TempDir()
	ctx := context.Background()
	list := func() []invoice.Invoice { return collect(t, c, nil)[:3] }
	seq := func(invs []invoice.Invoice) func(func(invoice.Invoice, error) bool) {
		return func(yield func(invoice.Invoice, error) bool) {
			for _, inv := range invs {
				if !yield(inv, nil) {
					return
				}
			}
		}
	}
	_, err := c.DownloadAll(ctx, seq(list()), dir, nil)
	require.NoError(t, err)

	// Damage: one truncated, one with a changed byte (still a PDF header and trailer), one
	// replaced by an HTML page.
	p1 := filepath.Join(dir, "E000000001-invoice.pdf")
	b, err := os.ReadFile(p1)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p1, b[:len(b)/2], 0o644))
	p2 := filepath.Join(dir, "E000000002-invoice.pdf")
	b, err = os.ReadFile(p2)
	require.NoError(t, err)
	b[100] ^= 0x20
	require.NoError(t, os.WriteFile(p2, b, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "E000000003-invoice.pdf"), []byte("<html>oops</html>"), 0o644))

	sum, err := c.DownloadAll(ctx, seq(list()), dir, nil)

	require.NoError(t, err)
	assert.Len(t, sum.Downloaded, 3)
	for _, name := range []string{"E000000001", "E000000002", "E000000003"} {
		got, err := os.ReadFile(filepath.Join(dir, name+"-invoice.pdf"))
		require.NoError(t, err)
		assert.Equal(t, srv.DocumentBytes(name, ""), got)
	}
}

// A valid PDF at a final name that no record vouches for — another invoice's document, copied
// there by hand — is not taken as complete: it is downloaded again. With NoRecord, structure is
// all that can be checked, and it is kept.
func TestDownloadAllDoesNotTrustAFileWithoutRecord(t *testing.T) {
	srv := newServer(t)
	c := mospClient(t, srv)
	dir := t.TempDir()
	path := filepath.Join(dir, "E000000001-invoice.pdf")
	require.NoError(t, os.WriteFile(path, srv.DocumentBytes("E000000002", ""), 0o644))
	inv := get(t, c, "E000000001")
	one := func(yield func(invoice.Invoice, error) bool) { yield(inv, nil) }

	sum, err := c.DownloadAll(context.Background(), one, dir, &invoice.BulkOptions{NoRecord: true})
	require.NoError(t, err)
	assert.Len(t, sum.Skipped, 1)
	assert.Zero(t, countDownloadOps(srv))
	assert.NoFileExists(t, filepath.Join(dir, invoice.RecordFile))

	sum, err = c.DownloadAll(context.Background(), one, dir, nil)
	require.NoError(t, err)
	assert.Len(t, sum.Downloaded, 1)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, srv.DocumentBytes("E000000001", ""), got, "the right document replaced the wrong one")
	assert.Equal(t, []string{invoice.RecordFile, "E000000001-invoice.pdf"}, listAll(t, dir), "one bookkeeping file, nothing else")

	sum, err = c.DownloadAll(context.Background(), one, dir, nil)
	require.NoError(t, err)
	assert.Len(t, sum.Skipped, 1, "now the record proves it")
}

// Per-file records of earlier versions are read once into the folder's record and removed.
func TestDownloadAllFoldsInOldPerFileRecords(t *testing.T) {
	srv := newServer(t)
	c := mospClient(t, srv)
	dir := t.TempDir()
	doc := srv.DocumentBytes("E000000001", "")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "E000000001-invoice.pdf"), doc, 0o644))
	inv := get(t, c, "E000000001")
	sum := sha256.Sum256(doc)
	old := fmt.Sprintf(`{"version":1,"size":%d,"sha256":%q,"invoice":"E000000001","document":%q,"kind":"Invoice"}`, len(doc), hex.EncodeToString(sum[:]), inv.Documents[0].Name)
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".E000000001-invoice.pdf.azbilling"), []byte(old), 0o644))

	s, err := c.DownloadAll(context.Background(), func(yield func(invoice.Invoice, error) bool) { yield(inv, nil) }, dir, nil)

	require.NoError(t, err)
	assert.Len(t, s.Skipped, 1, "the old record vouches for the file")
	assert.Zero(t, countDownloadOps(srv))
	assert.Equal(t, []string{invoice.RecordFile, "E000000001-invoice.pdf"}, listAll(t, dir))
}

// listAll lists every name in dir, hidden ones included, sorted.
func listAll(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestDownloadAllOverwrite(t *testing.T) {
	srv := newServer(t)
	c := mospClient(t, srv)
	dir := t.TempDir()
	inv := get(t, c, "E000000001")
	one := func(yield func(invoice.Invoice, error) bool) { yield(inv, nil) }
	_, err := c.DownloadAll(context.Background(), one, dir, nil)
	require.NoError(t, err)

	sum, err := c.DownloadAll(context.Background(), one, dir, &invoice.BulkOptions{Overwrite: true})

	require.NoError(t, err)
	assert.Len(t, sum.Downloaded, 1)
}

func TestDownloadAllSelectsKinds(t *testing.T) {
	srv := newServer(t)
	c := usClient(t, srv, billingtest.MCAProfileOwner)
	dir := t.TempDir()

	sum, err := c.DownloadAll(context.Background(), c.List(context.Background(), nil), dir,
		&invoice.BulkOptions{Kinds: []invoice.DocumentKind{invoice.KindTaxReceipt, invoice.KindCreditNote}, Concurrency: 8})

	require.NoError(t, err)
	require.NotEmpty(t, sum.Downloaded)
	for _, f := range sum.Downloaded {
		assert.Contains(t, []invoice.DocumentKind{invoice.KindTaxReceipt, invoice.KindCreditNote}, f.Kind)
	}
	for _, name := range listFiles(t, dir) {
		if !strings.HasPrefix(name, ".") {
			assert.Regexp(t, `-(tax-receipt|credit-note)\.pdf$`, name)
		}
	}
}

func TestDownloadAllStopsEarlyOnAPermissionError(t *testing.T) {
	srv := newServer(t)
	owner := usClient(t, srv, billingtest.MCAProfileOwner)
	invs := collect(t, owner, nil)
	// The section owner may not download the profile's invoices: every document would fail alike.
	c := usClient(t, srv, billingtest.MCAInvoiceSectionOwner)
	srv.ResetRequests()
	seq := func(yield func(invoice.Invoice, error) bool) {
		for _, inv := range invs {
			if !yield(inv, nil) {
				return
			}
		}
	}

	sum, err := c.DownloadAll(context.Background(), seq, t.TempDir(), &invoice.BulkOptions{Concurrency: 1})

	var perr *roles.PermissionError
	require.ErrorAs(t, err, &perr)
	var be *invoice.BulkError
	require.ErrorAs(t, err, &be)
	assert.Len(t, sum.Failed, 1)
	assert.Equal(t, 1, countDownloadOps(srv))
}

func TestDownloadAllReportsAListingError(t *testing.T) {
	srv := newServer(t)
	c := usClient(t, srv, billingtest.NoRole)

	_, err := c.DownloadAll(context.Background(), c.List(context.Background(), nil), t.TempDir(), nil)

	var perr *roles.PermissionError
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, roles.ViewInvoices, perr.Action)
}

func TestDownloadAllCollectsFailures(t *testing.T) {
	srv := newServer(t, billingtest.WithFaults(billingtest.HTMLBody().OnBlob().Times(2)))
	c := mospClient(t, srv)
	invs := collect(t, c, nil)[:5]
	seq := func(yield func(invoice.Invoice, error) bool) {
		for _, inv := range invs {
			if !yield(inv, nil) {
				return
			}
		}
	}
	dir := t.TempDir()

	sum, err := c.DownloadAll(context.Background(), seq, dir, &invoice.BulkOptions{Concurrency: 1})

	var be *invoice.BulkError
	require.ErrorAs(t, err, &be)
	assert.Len(t, be.Failed, 2)
	assert.Len(t, sum.Failed, 2)
	assert.Len(t, sum.Downloaded, 3)
	assert.Len(t, listFilesWithSuffix(t, dir, ".pdf"), 3)

	// The re-run fetches the two that failed.
	sum, err = c.DownloadAll(context.Background(), seq, dir, nil)
	require.NoError(t, err)
	assert.Len(t, sum.Downloaded, 2)
	assert.Len(t, sum.Skipped, 3)
}

func listFilesWithSuffix(t testing.TB, dir, suffix string) []string {
	var out []string
	for _, n := range listFiles(t, dir) {
		if strings.HasSuffix(n, suffix) && !strings.HasPrefix(n, ".") {
			out = append(out, n)
		}
	}
	return out
}

func TestDownloadAllReportsUnsafeDocumentNamesAsFailures(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := usClient(t, srv, billingtest.MCAProfileOwner)
	bad := invoice.Invoice{Name: "G000000001", Documents: []invoice.Document{{Name: "../../etc/passwd", Kind: invoice.KindInvoice}}}
	seq := func(yield func(invoice.Invoice, error) bool) { yield(bad, nil) }
	dir := t.TempDir()
	sum, err := c.DownloadAll(context.Background(), seq, dir, nil)
	require.Error(t, err)
	require.Len(t, sum.Failed, 1, "an unsafe name is a failure the caller sees, not a silent skip")
	assert.ErrorIs(t, sum.Failed[0].Err, billing.ErrInvalidInput)
	assert.Empty(t, listFiles(t, dir))
}

// Temporary files an interrupted run left behind are swept once per batch: old ones go, recent
// ones (another process may be writing them) and unrelated files stay.
func TestDownloadAllSweepsStaleTemporaryFiles(t *testing.T) {
	srv := newServer(t)
	c := usClient(t, srv, billingtest.MCAProfileOwner)
	dir := t.TempDir()
	stale := filepath.Join(dir, ".G000000001-invoice.pdf.123.part")
	recent := filepath.Join(dir, ".G000000002-invoice.pdf.456.part")
	staleSidecar := filepath.Join(dir, ".G000000001-invoice.pdf.azbilling.789.part")
	other := filepath.Join(dir, "notes.part")
	hiddenOther := filepath.Join(dir, ".draft.docx.42.part")
	for _, p := range []string{stale, staleSidecar, recent, other, hiddenOther} {
		require.NoError(t, os.WriteFile(p, []byte("%PDF-half"), 0o644))
	}
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(stale, old, old))
	for _, p := range []string{staleSidecar, other, hiddenOther} {
		require.NoError(t, os.Chtimes(p, old, old))
	}

	_, err := c.DownloadAll(context.Background(), c.List(context.Background(), nil), dir, nil)

	require.NoError(t, err)
	assert.NoFileExists(t, stale)
	assert.NoFileExists(t, staleSidecar)
	assert.FileExists(t, recent)
	assert.FileExists(t, other, "not a name DownloadAll writes")
	assert.FileExists(t, hiddenOther, "not a name DownloadAll writes")
	assert.Contains(t, listFiles(t, dir), "G000000001-invoice.pdf")
}

// DownloadFile, alone, sweeps the stale temporary files of the one name it writes.
func TestDownloadFileSweepsItsStaleTemporaryFile(t *testing.T) {
	srv := newServer(t)
	c := usClient(t, srv, billingtest.MCAProfileOwner)
	inv := get(t, c, "G000000001")
	dir := t.TempDir()
	stale := filepath.Join(dir, "."+invoice.FileName(inv, inv.Documents[0])+".123.part")
	require.NoError(t, os.WriteFile(stale, []byte("%PDF-half"), 0o644))
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(stale, old, old))

	path, err := c.DownloadFile(context.Background(), inv, inv.Documents[0].Kind, dir)

	require.NoError(t, err)
	assert.FileExists(t, path)
	assert.NoFileExists(t, stale)
}

// A document broken off by a killed process is continued from its bytes with a Range request;
// a partial file whose bytes are not the document's is caught by the MD5 and fetched again
// from scratch. Either way the file is byte-identical and no temporary file is left.
func TestDownloadAllContinuesACrashBrokenDocument(t *testing.T) {
	for name, corrupt := range map[string]bool{"resumed": false, "wrong bytes": true} {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t)
			srv.SetInvoiceDocumentPadding(64 << 10)
			c := mospClient(t, srv)
			dir := t.TempDir()
			inv := get(t, c, "E000000001")
			doc := srv.DocumentBytes("E000000001", inv.Documents[0].Name)
			half := append([]byte(nil), doc[:len(doc)/2]...)
			if corrupt {
				half[len(half)-10] ^= 0xff
			}
			final := invoice.FileName(inv, inv.Documents[0])
			partial := filepath.Join(dir, fmt.Sprintf(".%s.s%d.azb0123456789abcdef.part", final, len(doc)))
			require.NoError(t, os.WriteFile(partial, half, 0o644))

			sum, err := c.DownloadAll(context.Background(), func(yield func(invoice.Invoice, error) bool) { yield(inv, nil) }, dir, nil)

			require.NoError(t, err)
			assert.Len(t, sum.Downloaded, 1)
			got, err := os.ReadFile(filepath.Join(dir, final))
			require.NoError(t, err)
			assert.Equal(t, doc, got)
			var ranges []string
			for _, r := range srv.BlobRequests() {
				if h := r.Header.Get("Range"); h != "" {
					ranges = append(ranges, h)
				}
			}
			assert.Equal(t, []string{fmt.Sprintf("bytes=%d-", len(half))}, ranges, "continued after the bytes on disk")
			assert.Equal(t, []string{invoice.RecordFile, final}, listAll(t, dir))
		})
	}
}

// Files are created 0644 before the umask, like any file a program writes.
func TestDownloadedFilesHaveTheUsualMode(t *testing.T) {
	srv := newServer(t)
	c := mospClient(t, srv)
	dir := t.TempDir()
	inv := get(t, c, "E000000001")
	path, err := c.DownloadFile(context.Background(), inv, invoice.KindInvoice, dir)
	require.NoError(t, err)
	st, err := os.Stat(path)
	require.NoError(t, err)
	umask := 0o022 // the usual; compare with what the OS gives a plain new file
	probe := filepath.Join(t.TempDir(), "probe")
	require.NoError(t, os.WriteFile(probe, nil, 0o644))
	if pst, err := os.Stat(probe); err == nil {
		umask = int(0o644 &^ pst.Mode().Perm())
	}
	assert.Equal(t, os.FileMode(0o644&^umask), st.Mode().Perm())
}

// Two downloads into one folder at once (two processes, say) both finish: neither removes the
// other's temporary files, and the folder ends with every document and one record.
func TestTwoDownloadsIntoOneFolder(t *testing.T) {
	srv := newServer(t)
	srv.SetInvoiceDocumentPadding(32 << 10)
	dir := t.TempDir()
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			c := usClient(t, srv, billingtest.MCAProfileOwner)
			_, err := c.DownloadAll(context.Background(), c.List(context.Background(), nil), dir, &invoice.BulkOptions{Concurrency: 3})
			errs <- err
		}()
	}
	require.NoError(t, <-errs)
	require.NoError(t, <-errs)
	c := usClient(t, srv, billingtest.MCAProfileOwner)
	sum, err := c.DownloadAll(context.Background(), c.List(context.Background(), nil), dir, nil)
	require.NoError(t, err)
	assert.Empty(t, sum.Downloaded, "the record vouches for every file either run wrote")
	for _, name := range listAll(t, dir) {
		assert.False(t, strings.HasSuffix(name, ".part") || strings.HasSuffix(name, ".tmp"), name)
	}
}
