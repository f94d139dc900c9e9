package exports_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/exports"
	"github.com/azbilling/azbilling/internal/azurite"
	"github.com/azbilling/azbilling/internal/leakcheck"
)

func define(t *testing.T, ec *exports.Client, scope, name string, f exports.Format, c exports.Compression, ow exports.Overwrite) {
	t.Helper()
	_, err := ec.CreateOrUpdate(context.Background(), scopeOf(t, scope), name, exports.Definition{Dataset: exports.ActualCost,
		Format: f, Compression: c, Overwrite: ow,
		Destination: exports.Destination{ResourceID: storageID, Container: ctr, RootFolder: "faults"}})
	require.NoError(t, err)
}

// TestExportFaults covers what exports' users report going wrong: refresh runs read twice,
// empty runs, a manifest missing, blobs shorter than their manifest, downloads breaking off.
// Each ends in exact sums or a typed error, never in a wrong sum.
func TestExportFaults(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ec := e.client(t, billingtest.PrincipalEAEnterpriseAdmin)
	sep := billing.Month(2026, time.September)
	want, wantRows := truth(t, e.srv, eaAccount, sep, exports.ActualCost)
	// runOnce defines an export writing f and runs it for September.
	runOnce := func(t *testing.T, f output) {
		t.Helper()
		define(t, ec, eaAccount, f.name, f.format, f.comp, exports.CreateNewReport)
		require.NoError(t, ec.Run(ctx, scopeOf(t, eaAccount), f.name, sep))
	}

	t.Run("refresh runs count once", func(t *testing.T) {
		define(t, ec, eaAccount, "refresh", exports.CSV, exports.Gzip, exports.CreateNewReport)
		for range 3 {
			require.NoError(t, ec.Run(ctx, scopeOf(t, eaAccount), "refresh", sep))
		}
		l, err := e.reader(t, nil).Runs(ctx, "faults/refresh")
		require.NoError(t, err)
		require.Len(t, l.Runs, 1)
		require.Len(t, l.Superseded, 2)
		runs := e.srv.ExportRuns(eaAccount, "refresh")
		require.Len(t, runs, 3)
		require.Equal(t, runs[2].RunID, l.Runs[0].RunID, "the latest run counts")
		got, n := sum(t, e.reader(t, nil).Records(ctx, l.Runs))
		require.Equal(t, wantRows, n)
		requireSums(t, want, got)
	})

	t.Run("overwrite leaves one run", func(t *testing.T) {
		define(t, ec, eaAccount, "overwrite", exports.Parquet, exports.Snappy, exports.OverwritePreviousReport)
		for range 2 {
			require.NoError(t, ec.Run(ctx, scopeOf(t, eaAccount), "overwrite", sep))
		}
		l, err := e.reader(t, nil).Runs(ctx, "faults/overwrite")
		require.NoError(t, err)
		require.Len(t, l.Runs, 1)
		require.Empty(t, l.Superseded)
		got, n := sum(t, e.reader(t, nil).Records(ctx, l.Runs))
		require.Equal(t, wantRows, n)
		requireSums(t, want, got)
	})

	t.Run("empty runs are skipped", func(t *testing.T) {
		define(t, ec, eaAccount, "empty", exports.CSV, "", exports.CreateNewReport)
		old := billing.Month(2020, time.January) // before any subscription of the world existed
		require.NoError(t, ec.Run(ctx, scopeOf(t, eaAccount), "empty", old))
		require.NoError(t, ec.Run(ctx, scopeOf(t, eaAccount), "empty", sep))
		l, err := e.reader(t, nil).Runs(ctx, "faults/empty")
		require.NoError(t, err)
		require.Len(t, l.Empty, 1)
		require.Zero(t, l.Empty[0].RowCount)
		require.Len(t, l.Runs, 1)
		got, n := sum(t, e.reader(t, nil).Records(ctx, l.Runs))
		require.Equal(t, wantRows, n)
		requireSums(t, want, got)
	})

	t.Run("a run without its manifest is not read", func(t *testing.T) {
		define(t, ec, eaAccount, "nomanifest", exports.CSV, "", exports.CreateNewReport)
		require.NoError(t, ec.Run(ctx, scopeOf(t, eaAccount), "nomanifest", sep))
		require.NoError(t, ec.Run(ctx, scopeOf(t, eaAccount), "nomanifest", sep))
		runs := e.srv.ExportRuns(eaAccount, "nomanifest")
		// The latest run's manifest never arrived: it is still being written, or failed.
		_, err := e.az.Client(t).DeleteBlob(ctx, ctr, runs[1].Folder+"/manifest.json", nil)
		require.NoError(t, err)
		l, err := e.reader(t, nil).Runs(ctx, "faults/nomanifest")
		require.NoError(t, err)
		require.Equal(t, []string{runs[1].Folder}, l.Incomplete)
		require.Len(t, l.Runs, 1)
		require.Equal(t, runs[0].RunID, l.Runs[0].RunID, "the complete run counts")
		got, _ := sum(t, e.reader(t, nil).Records(ctx, l.Runs))
		requireSums(t, want, got)
	})

	t.Run("a blob shorter than its manifest is an integrity error", func(t *testing.T) {
		define(t, ec, eaAccount, "short", exports.CSV, exports.Gzip, exports.CreateNewReport)
		require.NoError(t, ec.Run(ctx, scopeOf(t, eaAccount), "short", sep))
		rd := e.reader(t, nil)
		l, err := rd.Runs(ctx, "faults/short")
		require.NoError(t, err)
		last := l.Runs[0].Blobs[len(l.Runs[0].Blobs)-1]
		truncate(t, e.az, last.Name, last.Size-7)

		// Listed after the damage: refused before any record is yielded.
		l2, err := rd.Runs(ctx, "faults/short")
		require.NoError(t, err)
		var ie *exports.IntegrityError
		n := 0
		for _, err := range rd.Records(ctx, l2.Runs) {
			if err != nil {
				require.True(t, errors.As(err, &ie), "%v", err)
				break
			}
			n++
		}
		require.Zero(t, n)
		require.Equal(t, "size", ie.What)
		require.Equal(t, last.Size, ie.Want)
		require.Equal(t, last.Size-7, ie.Got)
		require.ErrorIs(t, ie, exports.ErrIntegrity)

		// Listed before the damage: the download's length gives it away.
		var last2 error
		for _, err := range rd.Records(ctx, l.Runs) {
			last2 = err
		}
		require.True(t, errors.As(last2, &ie), "%v", last2)
	})

	t.Run("a blob damaged at rest is caught by its Content-MD5", func(t *testing.T) {
		for _, f := range outputs("flip-", csvPlain, csvGzip, parquet) {
			runOnce(t, f)
			rd := e.reader(t, nil)
			l, err := rd.Runs(ctx, "faults/"+f.name)
			require.NoError(t, err)
			victim := l.Runs[0].Blobs[0]
			damage(t, e.az, victim.Name)
			var ie *exports.IntegrityError
			var last error
			for _, err := range rd.Records(ctx, l.Runs) {
				last = err
			}
			require.True(t, errors.As(last, &ie), "%s: %v", f.name, last)
			require.Equal(t, "checksum", ie.What, f.name)
			require.Equal(t, victim.Name, ie.Blob)
			require.ErrorIs(t, last, exports.ErrIntegrity)
		}
	})

	t.Run("gzip sizes the manifest gives uncompressed are accepted", func(t *testing.T) {
		define(t, ec, eaAccount, "gzsizes", exports.CSV, exports.Gzip, exports.CreateNewReport)
		require.NoError(t, ec.Run(ctx, scopeOf(t, eaAccount), "gzsizes", sep))
		runs := e.srv.ExportRuns(eaAccount, "gzsizes")
		rewriteManifest(t, e.az, runs[0].Folder+"/manifest.json", func(m map[string]any) {
			var total float64
			for _, b := range m["blobs"].([]any) {
				bl := b.(map[string]any)
				bl["byteCount"] = float64(gunzippedSize(t, e.az, bl["blobName"].(string)))
				total += bl["byteCount"].(float64)
			}
			m["byteCount"] = total
		})
		l, err := e.reader(t, nil).Runs(ctx, "faults/gzsizes")
		require.NoError(t, err)
		got, n := sum(t, e.reader(t, nil).Records(ctx, l.Runs))
		require.Equal(t, wantRows, n)
		requireSums(t, want, got)

		// Then a cut-off blob can only be told by its stream: still a typed error.
		last := l.Runs[0].Blobs[len(l.Runs[0].Blobs)-1]
		truncate(t, e.az, last.Name, 200)
		l, err = e.reader(t, nil).Runs(ctx, "faults/gzsizes")
		require.NoError(t, err)
		var lastErr error
		for _, err := range e.reader(t, nil).Records(ctx, l.Runs) {
			lastErr = err
		}
		var ie *exports.IntegrityError
		require.True(t, errors.As(lastErr, &ie), "%v", lastErr)
	})

	t.Run("a blob the manifest lists is missing", func(t *testing.T) {
		define(t, ec, eaAccount, "missing", exports.Parquet, "", exports.CreateNewReport)
		require.NoError(t, ec.Run(ctx, scopeOf(t, eaAccount), "missing", sep))
		rd := e.reader(t, nil)
		l, err := rd.Runs(ctx, "faults/missing")
		require.NoError(t, err)
		_, err = e.az.Client(t).DeleteBlob(ctx, ctr, l.Runs[0].Blobs[0].Name, nil)
		require.NoError(t, err)
		var ie *exports.IntegrityError
		for _, err := range rd.Records(ctx, l.Runs) {
			if err != nil {
				require.True(t, errors.As(err, &ie), "%v", err)
			}
		}
		require.NotNil(t, ie)
		require.Equal(t, "missing", ie.What)
	})

	t.Run("downloads that break off are resumed", func(t *testing.T) {
		for _, f := range outputs("cut-", csvPlain, csvGzip, parquet) {
			runOnce(t, f)
			p := newCutProxy(t, e.az, 1000, 1)
			rd := exports.NewReader(p.container(t), &exports.ReaderOptions{Concurrency: 3})
			l, err := rd.Runs(ctx, "faults/"+f.name)
			require.NoError(t, err)
			got, n := sum(t, rd.Records(ctx, l.Runs))
			require.Equal(t, wantRows, n)
			requireSums(t, want, got)
			require.Positive(t, p.cuts.Load(), "the proxy cut downloads")
		}
	})

	t.Run("a partition failing for good is a storage error", func(t *testing.T) {
		p := newCutProxy(t, e.az, 0, 1000) // no progress at all: the retries give up
		rd := exports.NewReader(p.container(t), &exports.ReaderOptions{MaxRetries: 2})
		l, err := exports.NewReader(e.az.Container(t, ctr), nil).Runs(ctx, "faults/cut-csv")
		require.NoError(t, err)
		var last error
		for _, err := range rd.Records(ctx, l.Runs) {
			last = err
		}
		var se *exports.StorageError
		require.True(t, errors.As(last, &se), "%v", last)
		require.Equal(t, 3, se.Fetches, "downloaded once and fetched again twice: %v", last)
		require.Contains(t, last.Error(), "downloaded 3 times")

		// A refusal is the same answer again: not downloaded again.
		refused := newCutProxy(t, e.az, 0, 0)
		refused.refuse = http.StatusForbidden
		last = nil
		for _, err := range exports.NewReader(refused.container(t), &exports.ReaderOptions{Concurrency: 1}).Records(ctx, l.Runs) {
			last = err
		}
		require.True(t, errors.As(last, &se), "%v", last)
		require.Zero(t, se.Fetches, "%v", last)
		var re *azcore.ResponseError
		require.True(t, errors.As(last, &re), "%v", last)
		require.Equal(t, http.StatusForbidden, re.StatusCode)
		refused.mu.Lock()
		defer refused.mu.Unlock()
		require.Equal(t, 1, refused.count["/"+azurite.Account+"/"+ctr+"/"+l.Runs[0].Blobs[0].Name], "one GET of the first blob")
	})

	t.Run("a manifest gone between listing and reading", func(t *testing.T) {
		define(t, ec, eaAccount, "gone", exports.CSV, "", exports.CreateNewReport)
		require.NoError(t, ec.Run(ctx, scopeOf(t, eaAccount), "gone", sep))
		p := newCutProxy(t, e.az, 0, 0)
		p.goneManifest = 2 // gone twice, then back (a rerun wrote it again)
		l, err := exports.NewReader(p.container(t), nil).Runs(ctx, "faults/gone")
		require.NoError(t, err)
		require.Len(t, l.Runs, 1)

		p = newCutProxy(t, e.az, 0, 0)
		p.goneManifest = 1000
		_, err = exports.NewReader(p.container(t), nil).Runs(ctx, "faults/gone")
		var me *exports.ManifestError
		require.True(t, errors.As(err, &me), "%v", err)
		require.Contains(t, me.Error(), "manifest.json was listed but gone when read, in 3 listings")
		var re *azcore.ResponseError
		require.True(t, errors.As(err, &re), "wraps the storage answer: %v", err)
		require.Equal(t, http.StatusNotFound, re.StatusCode)
	})

	t.Run("a byte damaged on the way is fetched again", func(t *testing.T) {
		for _, f := range outputs("way-", csvGzip, parquet) {
			runOnce(t, f)
			l, err := e.reader(t, nil).Runs(ctx, "faults/"+f.name)
			require.NoError(t, err)

			once := newCutProxy(t, e.az, 0, 2)
			once.flipAt = 200 // the first two answers to each blob GET have a byte flipped
			got, n := sum(t, exports.NewReader(once.container(t), nil).Records(ctx, l.Runs))
			require.Equal(t, wantRows, n, f.name)
			requireSums(t, want, got)
			require.Positive(t, once.cuts.Load(), "the proxy damaged answers")

			always := newCutProxy(t, e.az, 0, 1000)
			always.flipAt = 200
			var last error
			for _, err := range exports.NewReader(always.container(t), nil).Records(ctx, l.Runs) {
				last = err
			}
			var ie *exports.IntegrityError
			require.True(t, errors.As(last, &ie), "%s: %v", f.name, last)
			require.Equal(t, "checksum", ie.What)
			require.Equal(t, 3, ie.Fetches, "%v", last)
		}
	})

	t.Run("stopping early releases everything", func(t *testing.T) {
		l, err := e.reader(t, nil).Runs(ctx, "faults/refresh")
		require.NoError(t, err)
		// A transport of its own, so that its idle keep-alive connections (pooled, not leaked)
		// can be closed before counting goroutines.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		cred, err := container.NewSharedKeyCredential(azurite.Account, azurite.Key)
		require.NoError(t, err)
		cc, err := container.NewClientWithSharedKeyCredential(e.az.URL+"/"+ctr, cred,
			&container.ClientOptions{ClientOptions: azcore.ClientOptions{Transport: &http.Client{Transport: tr}}})
		require.NoError(t, err)
		before := leakcheck.Take()
		defer func() {
			tr.CloseIdleConnections()
			leakcheck.Verify(t, before)
		}()
		n := 0
		for _, err := range exports.NewReader(cc, &exports.ReaderOptions{Concurrency: 4}).Records(ctx, l.Runs) {
			require.NoError(t, err)
			n++
			if n == 10 {
				break
			}
		}
		require.Equal(t, 10, n)
	})
}

// output is an export's format and compression, under an export name.
type output struct {
	name   string
	format exports.Format
	comp   exports.Compression
}

var (
	csvPlain = output{"csv", exports.CSV, ""}
	csvGzip  = output{"gz", exports.CSV, exports.Gzip}
	parquet  = output{"parquet", exports.Parquet, exports.Snappy}
)

// outputs names each of outs with prefix.
func outputs(prefix string, outs ...output) []output {
	for i := range outs {
		outs[i].name = prefix + outs[i].name
	}
	return outs
}

// rewriteManifest edits a manifest.json in place.
func rewriteManifest(t *testing.T, az *azurite.Server, name string, edit func(map[string]any)) {
	t.Helper()
	c := az.Client(t)
	resp, err := c.DownloadStream(context.Background(), ctr, name, nil)
	require.NoError(t, err)
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	var m map[string]any
	require.NoError(t, json.Unmarshal(data, &m))
	edit(m)
	data, err = json.Marshal(m)
	require.NoError(t, err)
	_, err = c.UploadBuffer(context.Background(), ctr, name, data, nil)
	require.NoError(t, err)
}

// gunzippedSize is the uncompressed size of a gzip blob.
func gunzippedSize(t *testing.T, az *azurite.Server, name string) int64 {
	t.Helper()
	resp, err := az.Client(t).DownloadStream(context.Background(), ctr, name, nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	zr, err := gzip.NewReader(resp.Body)
	require.NoError(t, err)
	n, err := io.Copy(io.Discard, zr)
	require.NoError(t, err)
	return n
}

// damage flips one byte in the middle of a blob, keeping its length and the Content-MD5 the
// storage account holds for it, as a blob damaged at rest would be.
func damage(t *testing.T, az *azurite.Server, name string) {
	t.Helper()
	c := az.Client(t)
	resp, err := c.DownloadStream(context.Background(), ctr, name, nil)
	require.NoError(t, err)
	require.Len(t, resp.ContentMD5, 16, "the emulator's blobs carry a Content-MD5")
	sum := resp.ContentMD5
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	data[len(data)/2] ^= 0xff
	_, err = c.UploadBuffer(context.Background(), ctr, name, data, nil)
	require.NoError(t, err)
	// Storage checks an MD5 sent with an upload, but keeps whatever properties say.
	_, err = c.ServiceClient().NewContainerClient(ctr).NewBlobClient(name).SetHTTPHeaders(context.Background(),
		blob.HTTPHeaders{BlobContentMD5: sum}, nil)
	require.NoError(t, err)
}

// truncate replaces a blob with its first n bytes.
func truncate(t *testing.T, az *azurite.Server, name string, n int64) {
	t.Helper()
	c := az.Client(t)
	resp, err := c.DownloadStream(context.Background(), ctr, name, nil)
	require.NoError(t, err)
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	_, err = c.UploadBuffer(context.Background(), ctr, name, data[:n], nil)
	require.NoError(t, err)
}

// cutProxy forwards to Azurite and breaks off the first cutTimes answers to each blob GET after
// cutAt bytes of body; with flipAt set, it flips the byte at that offset of those answers
// instead (headers, length and Content-MD5 kept).
type cutProxy struct {
	srv    *httptest.Server
	cuts   atomic.Int64
	flipAt int64
	// goneManifest is how many GETs of each manifest.json answer 404 BlobNotFound (the run
	// deleted between listing and reading).
	goneManifest int
	// refuse, if set, is the status every blob GET answers (with the service's error body).
	refuse int
	mu     sync.Mutex
	count  map[string]int
}

func newCutProxy(t *testing.T, az *azurite.Server, cutAt int64, cutTimes int) *cutProxy {
	t.Helper()
	target, err := url.Parse(az.URL)
	require.NoError(t, err)
	target.Path = ""
	p := &cutProxy{count: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(target)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/manifest.json") {
			p.mu.Lock()
			p.count[r.URL.Path]++
			k := p.count[r.URL.Path]
			p.mu.Unlock()
			if k <= p.goneManifest {
				w.Header().Set("x-ms-error-code", "BlobNotFound")
				http.Error(w, "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>BlobNotFound</Code><Message>The specified blob does not exist.</Message></Error>", http.StatusNotFound)
				return
			}
		}
		isBlobGet := r.Method == http.MethodGet && r.URL.Query().Get("comp") == "" && r.URL.Query().Get("restype") == "" &&
			!strings.HasSuffix(r.URL.Path, "manifest.json")
		if isBlobGet {
			p.mu.Lock()
			p.count[r.URL.Path]++
			k := p.count[r.URL.Path]
			p.mu.Unlock()
			switch {
			case p.refuse != 0:
				w.Header().Set("x-ms-error-code", "AuthorizationPermissionMismatch")
				http.Error(w, "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthorizationPermissionMismatch</Code><Message>This request is not authorized to perform this operation using this permission.</Message></Error>", p.refuse)
				return
			case k <= cutTimes && p.flipAt > 0:
				w = &flipWriter{ResponseWriter: w, at: p.flipAt, p: p}
			case k <= cutTimes:
				w = &cutWriter{ResponseWriter: w, left: cutAt, p: p}
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *cutProxy) container(t *testing.T) *container.Client {
	t.Helper()
	cred, err := container.NewSharedKeyCredential(azurite.Account, azurite.Key)
	require.NoError(t, err)
	c, err := container.NewClientWithSharedKeyCredential(p.srv.URL+"/"+azurite.Account+"/"+ctr, cred, nil)
	require.NoError(t, err)
	return c
}

// cutWriter passes left bytes of body, then hijacks and closes the connection.
type cutWriter struct {
	http.ResponseWriter
	left int64
	p    *cutProxy
	done bool
}

func (c *cutWriter) Write(b []byte) (int, error) {
	if c.done {
		return 0, io.ErrClosedPipe
	}
	if int64(len(b)) <= c.left {
		c.left -= int64(len(b))
		return c.ResponseWriter.Write(b)
	}
	n, _ := c.ResponseWriter.Write(b[:c.left])
	c.ResponseWriter.(http.Flusher).Flush()
	c.done = true
	c.p.cuts.Add(1)
	if hj, ok := c.ResponseWriter.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
		}
	}
	return n, io.ErrClosedPipe
}

// flipWriter passes the body with the byte at offset at inverted.
type flipWriter struct {
	http.ResponseWriter
	at, off int64
	p       *cutProxy
}

func (f *flipWriter) Write(b []byte) (int, error) {
	if i := f.at - f.off; i >= 0 && i < int64(len(b)) {
		b = bytes.Clone(b)
		b[i] ^= 0xff
		f.p.cuts.Add(1)
	}
	f.off += int64(len(b))
	return f.ResponseWriter.Write(b)
}
