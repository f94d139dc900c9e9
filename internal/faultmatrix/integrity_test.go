package faultmatrix

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/invoice"
	"github.com/azbilling/azbilling/usage"
)

func requireKind(t *testing.T, err error, kind billing.DownloadKind) *billing.DownloadError {
	t.Helper()
	var de *billing.DownloadError
	require.ErrorAs(t, err, &de)
	require.Equal(t, kind, de.Kind, err.Error())
	return de
}

func requireEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Empty(t, names, "no file and no temporary file is left")
}

func mospDoc(t *testing.T) (*env, *invoice.Client, invoice.Invoice, []byte) {
	t.Helper()
	e := newTestEnv(t, billingtest.PrincipalMOSPAccountAdmin)
	e.srv.SetInvoiceDocumentPadding(20 << 10)
	c := invoice.NewSubscriptionClient(e.bc, billingtest.SubscriptionPayAsYouGo)
	inv, err := c.Get(context.Background(), "E000000001")
	require.NoError(t, err)
	return e, c, inv, e.srv.DocumentBytes("E000000001", "")
}

// A byte flipped on the way, with the length and the host's MD5 kept: the MD5 check fails the
// download and no file appears.
func TestIntegrityMD5MismatchIsCaught(t *testing.T) {
	e, c, inv, _ := mospDoc(t)
	e.tamper.Add(billingtest.CorruptByte(5000).Always()) // once would be fetched again: see TestIntegrityOneOffFaultsAreFetchedAgain
	dir := t.TempDir()

	_, err := c.DownloadFile(context.Background(), inv, invoice.KindInvoice, dir)

	requireKind(t, err, billing.DownloadKindIntegrity)
	assert.Contains(t, err.Error(), "MD5 mismatch")
	requireEmptyDir(t, dir)
}

// The same flip in a usage report blob: Records ends with an integrity error, SaveCSV leaves no file.
func TestIntegrityMD5MismatchInUsageIsCaught(t *testing.T) {
	e := newTestEnv(t, billingtest.PrincipalEAEnterpriseAdmin)
	uc := usage.NewClient(e.bc)
	s, _ := billing.ParseScope(eaAccountID)
	e.tamper.Add(billingtest.CorruptByte(3000).Always())

	// Every answer of the blob is damaged: it is fetched three times, then Records ends with
	// the integrity error, having yielded none of the damaged blob's records.
	recs, err := collect(uc.Records(context.Background(), s, nil))
	requireKind(t, err, billing.DownloadKindIntegrity)
	assert.Contains(t, err.Error(), "fetched 3 times")
	assert.Empty(t, recs, "records of a blob that failed its MD5 check were yielded")

	dir := t.TempDir()
	_, err = uc.SaveCSV(context.Background(), s, nil, filepath.Join(dir, "usage.csv"))
	requireKind(t, err, billing.DownloadKindIntegrity)
	requireEmptyDir(t, dir)
}

// Bodies shorter or longer than their Content-Length never pass, resumed or not.
func TestIntegrityContentLengthIsEnforced(t *testing.T) {
	for name, decl := range map[string]int64{"short": 1000, "long": 1 << 20} {
		t.Run(name, func(t *testing.T) {
			e, c, inv, _ := mospDoc(t)
			e.srv.InjectFault(billingtest.WrongContentLength(decl).Always())
			dir := t.TempDir()

			_, err := c.DownloadFile(context.Background(), inv, invoice.KindInvoice, dir)

			requireKind(t, err, billing.DownloadKindIntegrity)
			requireEmptyDir(t, dir)
		})
	}
}

// A connection cut mid-document is resumed with Range: the file is byte-identical.
func TestIntegrityResumedDownloadIsIdentical(t *testing.T) {
	e, c, inv, want := mospDoc(t)
	e.srv.InjectFault(billingtest.ResetAfterBytes(7000), billingtest.TruncateBody(3000).Nth(2))
	dir := t.TempDir()

	path, err := c.DownloadFile(context.Background(), inv, invoice.KindInvoice, dir)

	require.NoError(t, err)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	ranged := 0
	for _, r := range e.srv.BlobRequests() {
		if r.Header.Get("Range") != "" {
			ranged++
		}
	}
	assert.Equal(t, 2, ranged, "two resumptions")
}

// What is not a PDF is never written: the error says what came instead.
func TestIntegrityDocumentMustBeAPDF(t *testing.T) {
	e, c, inv, _ := mospDoc(t)
	e.srv.InjectFault(billingtest.HTMLBody().OnBlob())
	var buf bytes.Buffer

	n, err := c.Download(context.Background(), inv, invoice.KindInvoice, &buf)

	requireKind(t, err, billing.DownloadKindContent)
	assert.Contains(t, err.Error(), "HTML")
	assert.Zero(t, n)
	assert.Zero(t, buf.Len(), "nothing written")

	e.srv.InjectFault(billingtest.HTMLBody().OnBlob())
	dir := t.TempDir()
	_, err = c.DownloadFile(context.Background(), inv, invoice.KindInvoice, dir)
	requireKind(t, err, billing.DownloadKindContent)
	requireEmptyDir(t, dir)
}

// Zips must open, hold safe names and stay under the expanded-size limit; a damaged archive is
// not kept.
func TestIntegrityZipIsCheckedBeforeItIsKept(t *testing.T) {
	e := newTestEnv(t, billingtest.PrincipalMCAProfileOwner)
	c := profileClient(e.bc)
	refs := []invoice.DocumentRef{{Invoice: "G000000001"}, {Invoice: "G000000002"}}
	dir := t.TempDir()

	arc, err := c.DownloadZip(context.Background(), refs, filepath.Join(dir, "ok.zip"), nil)
	require.NoError(t, err)
	require.Len(t, arc.Files, 2)
	zr, err := zip.OpenReader(arc.Path)
	require.NoError(t, err)
	zr.Close()

	_, err = c.DownloadZip(context.Background(), refs, filepath.Join(dir, "bomb.zip"), &invoice.ZipOptions{MaxExpanded: 500})
	requireKind(t, err, billing.DownloadKindTooLarge)

	// A byte of the first file's compressed data flipped, with no MD5 to catch it: decompressing
	// every file (CRC-32) does.
	e.tamper.Add(billingtest.StripMD5().Always(), billingtest.CorruptByte(100).Always())
	_, err = c.DownloadZip(context.Background(), refs, filepath.Join(dir, "bad.zip"), nil)
	var de *billing.DownloadError
	require.ErrorAs(t, err, &de)
	assert.Contains(t, []billing.DownloadKind{billing.DownloadKindContent, billing.DownloadKindIntegrity}, de.Kind, err.Error())

	entries, _ := os.ReadDir(dir)
	require.Len(t, entries, 1, "only the good archive is kept")
	assert.Equal(t, "ok.zip", entries[0].Name())
}

// A usage blob cut short under a matching Content-Length and without MD5 is still caught: the
// manifest's byte count is checked. What SaveCSV keeps parses to its end with exact sums.
func TestIntegrityUsageCSVParsesToTheEnd(t *testing.T) {
	e := newTestEnv(t, billingtest.PrincipalEAEnterpriseAdmin, billingtest.WithUsageBlobSize(16<<10), billingtest.WithUsageRowsPerDay(5))
	uc := usage.NewClient(e.bc)
	s, _ := billing.ParseScope(eaAccountID)
	e.tamper.Add(billingtest.StripMD5().Always())
	// Every answer cut short: the blob and both of its refetches fail. (Once would be fetched
	// again: see TestIntegrityOneOffFaultsAreFetchedAgain.)
	e.srv.InjectFault(billingtest.WrongContentLength(5000).Always())
	dir := t.TempDir()
	path := filepath.Join(dir, "usage.csv")

	_, err := uc.SaveCSV(context.Background(), s, nil, path)
	requireKind(t, err, billing.DownloadKindIntegrity)
	requireEmptyDir(t, dir)

	e.srv.ClearFaults()
	_, err = uc.SaveCSV(context.Background(), s, nil, path)
	require.NoError(t, err)
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	sums, n, err := sumRecords(usage.NewReader(f, nil).All())
	require.NoError(t, err)
	open := e.srv.UsageOpenMonth()
	assert.Empty(t, compareSums(e.srv.UsageTotal(eaAccountID, open, "ActualCost"), e.srv.UsageRowCount(eaAccountID, open, "ActualCost"), sums, n))
}

// One answer that fails its integrity check — a byte flipped under the host's MD5, a wrong
// Content-Length, a body cut short without an MD5 — is fetched again from scratch: the file is
// complete and byte-identical, and nothing else is left in the folder.
func TestIntegrityOneOffFaultsAreFetchedAgain(t *testing.T) {
	faults := map[string]func(e *env, size int64){
		"md5 mismatch": func(e *env, size int64) { e.tamper.Add(billingtest.CorruptByte(size / 2)) },
		"short length": func(e *env, size int64) { e.srv.InjectFault(billingtest.WrongContentLength(size - 10)) },
		"cut short without md5": func(e *env, size int64) {
			e.tamper.Add(billingtest.StripMD5().Always())
			e.srv.InjectFault(billingtest.WrongContentLength(size - 100))
		},
	}
	for name, inject := range faults {
		t.Run("DownloadFile/"+name, func(t *testing.T) {
			e, c, inv, want := mospDoc(t)
			inject(e, int64(len(want)))
			dir := t.TempDir()

			path, err := c.DownloadFile(context.Background(), inv, invoice.KindInvoice, dir)

			require.NoError(t, err)
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, want, got)
			assert.Positive(t, e.srv.FaultsFired()+e.tamper.Fired(), "the fault hit the download")
			requireOnly(t, dir, filepath.Base(path), invoice.RecordFile)
		})
		t.Run("SaveCSV/"+name, func(t *testing.T) {
			e := newTestEnv(t, billingtest.PrincipalEAEnterpriseAdmin, billingtest.WithUsageBlobSize(16<<10), billingtest.WithUsageRowsPerDay(5))
			uc := usage.NewClient(e.bc)
			s, _ := billing.ParseScope(eaAccountID)
			dir := t.TempDir()
			clean := filepath.Join(dir, "clean.csv")
			_, err := uc.SaveCSV(context.Background(), s, nil, clean)
			require.NoError(t, err)
			inject(e, 8<<10)
			path := filepath.Join(dir, "usage.csv")

			_, err = uc.SaveCSV(context.Background(), s, nil, path)

			require.NoError(t, err)
			assert.Positive(t, e.srv.FaultsFired()+e.tamper.Fired(), "the fault hit the download")
			want, _ := os.ReadFile(clean)
			got, _ := os.ReadFile(path)
			assert.Equal(t, want, got)
			requireOnly(t, dir, "clean.csv", "usage.csv")
		})
		t.Run("Records/"+name, func(t *testing.T) {
			e := newTestEnv(t, billingtest.PrincipalEAEnterpriseAdmin, billingtest.WithUsageBlobSize(16<<10), billingtest.WithUsageRowsPerDay(5))
			uc := usage.NewClient(e.bc)
			s, _ := billing.ParseScope(eaAccountID)
			want, err := collect(uc.Records(context.Background(), s, nil))
			require.NoError(t, err)
			inject(e, 8<<10)

			got, err := collect(uc.Records(context.Background(), s, nil))

			require.NoError(t, err)
			assert.Positive(t, e.srv.FaultsFired()+e.tamper.Fired(), "the fault hit the download")
			assert.Equal(t, want, got)
		})
	}
}

// A blob larger than what a spool keeps in memory goes to a temporary file, which is gone
// afterwards, whether the blob was fetched again or failed for good.
func TestIntegrityLargeBlobIsSpooledAndFetchedAgain(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	e := newTestEnv(t, billingtest.PrincipalEAEnterpriseAdmin, billingtest.WithUsageBlobSize(8<<20), billingtest.WithUsageRowsPerDay(2000))
	uc := usage.NewClient(e.bc)
	s, _ := billing.ParseScope(eaAccountID)
	rep, err := uc.Report(context.Background(), s, nil)
	require.NoError(t, err)
	require.Greater(t, rep.Manifest.Blobs[0].Size, int64(3<<20), "the first blob must exceed the spool's memory")
	want, err := collect(rep.Records(context.Background()))
	require.NoError(t, err)

	e.tamper.Add(billingtest.CorruptByte(2 << 20)) // past the first MiB: in the temporary file
	got, err := collect(rep.Records(context.Background()))
	require.NoError(t, err)
	assert.Equal(t, 1, e.tamper.Fired())
	assert.Equal(t, want, got)
	requireEmptyDir(t, tmp)

	e.tamper.Add(billingtest.CorruptByte(2 << 20).Always())
	got, err = collect(rep.Records(context.Background()))
	requireKind(t, err, billing.DownloadKindIntegrity)
	assert.Empty(t, got)
	requireEmptyDir(t, tmp)
}

// collect gathers the records of seq up to its first error.
func collect(seq func(func(usage.Record, error) bool)) ([]usage.Record, error) {
	var recs []usage.Record
	for rec, err := range seq {
		if err != nil {
			return recs, err
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

// requireOnly fails unless dir holds exactly the given names.
func requireOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	assert.ElementsMatch(t, names, got)
}

// A zip damaged once in transit (no MD5 to catch it; the CRC check does) is fetched again.
func TestIntegrityOneOffDamagedZipIsFetchedAgain(t *testing.T) {
	e := newTestEnv(t, billingtest.PrincipalMCAProfileOwner)
	c := profileClient(e.bc)
	refs := []invoice.DocumentRef{{Invoice: "G000000001"}, {Invoice: "G000000002"}}
	dir := t.TempDir()
	e.tamper.Add(billingtest.StripMD5(), billingtest.CorruptByte(100))

	arc, err := c.DownloadZip(context.Background(), refs, filepath.Join(dir, "docs.zip"), nil)

	require.NoError(t, err)
	assert.Len(t, arc.Files, 2)
	assert.Equal(t, 1, e.tamper.Fired(), "one answer damaged")
	assert.Len(t, e.srv.BlobRequests(), 2, "and fetched again")
	requireOnly(t, dir, "docs.zip")
}
