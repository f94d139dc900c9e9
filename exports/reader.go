package exports

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"hash"
	"io"
	"iter"
	"net/http"
	"os"
	"path"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/azbilling/azbilling/usage"
)

// ReaderOptions configure a Reader. The zero value is ready to use.
type ReaderOptions struct {
	// Concurrency is how many partitions download and parse at once (Parquet
	// partitions download at once but decode one at a time, in order, each on
	// two goroutines); 0 means twice the number of CPUs, at least 2 and at
	// most 8. 1 reads one partition at a time on one goroutine.
	Concurrency int

	// AnyOrder lets Records interleave partitions: each partition's rows
	// still come in file order, but batches of different partitions come as
	// they are parsed. By default partitions come one after the other, so a
	// partition ahead of the one being yielded parses only a few batches and
	// then waits (its records are held in memory until their turn), while
	// the partition being handed out parses on every core. With AnyOrder
	// every CSV partition in flight parses at full speed, one goroutine each,
	// in the same bounded memory. For totals and other uses that do not need the
	// order.
	AnyOrder bool

	// CostColumn, if set, names the column Record.Cost is read from (see
	// usage.ReaderOptions.CostColumn), e.g. "EffectiveCost" for the
	// amortized cost of a FocusCost export.
	CostColumn string

	// MaxMemoryBlob is the largest Parquet blob held in memory while it is
	// read (Parquet is read from its end, so a blob is downloaded whole
	// before decoding); larger ones go to a temporary file in TempDir that
	// is removed when read. 0 means 64 MiB. CSV is streamed and never held.
	MaxMemoryBlob int64

	// TempDir is where large Parquet blobs are spooled; empty means
	// os.TempDir().
	TempDir string

	// MaxRetries is how often a download that breaks off is resumed from
	// where it stopped (azblob's retry reader); 0 means 5.
	MaxRetries int
}

// Reader reads the output of exports from a storage container with the
// azblob SDK. It is safe for concurrent use.
type Reader struct {
	cc   *container.Client
	opts ReaderOptions
}

// NewReader returns a Reader for the container the exports write to, e.g.
// container.NewClient(url, cred, nil) with an azcore.TokenCredential that has
// the Storage Blob Data Reader role, or container.NewClientWithNoCredential
// with a container SAS URL (read and list permissions). opts may be nil.
func NewReader(cc *container.Client, opts *ReaderOptions) *Reader {
	r := &Reader{cc: cc}
	if opts != nil {
		r.opts = *opts
	}
	if r.opts.Concurrency <= 0 {
		r.opts.Concurrency = min(max(2*runtime.GOMAXPROCS(0), 2), 8)
	}
	if r.opts.MaxMemoryBlob <= 0 {
		r.opts.MaxMemoryBlob = 64 << 20
	}
	if r.opts.MaxRetries <= 0 {
		r.opts.MaxRetries = 5
	}
	return r
}

// Run is one run of an export as found in storage: its manifest and where
// it is.
type Run struct {
	Manifest
	// Folder is the run's folder in the container (where manifest.json is).
	Folder string
	// PeriodFolder is the YYYYMMDD-YYYYMMDD folder the run is under, or ""
	// if the layout has none.
	PeriodFolder string

	listed map[string]int64 // sizes of the blobs in Folder, from the listing
}

// Listing is what Runs found under an export's folder.
type Listing struct {
	// Runs holds the run that counts for each period: the latest complete
	// run with rows. Oldest period first.
	Runs []Run
	// Superseded holds complete runs replaced by a later run of the same
	// period (refresh runs, reruns).
	Superseded []Run
	// Empty holds complete runs without rows; they are not read.
	Empty []Run
	// Incomplete lists folders holding blobs but no manifest: runs still
	// being written, or failed. They are not read.
	Incomplete []string
}

var periodFolder = regexp.MustCompile(`^[0-9]{8}-[0-9]{8}$`)

// maxManifestBytes bounds a manifest download.
const maxManifestBytes = 32 << 20

// Runs lists the runs under folder, an export's folder in the container
// ("RootFolder/ExportName"), reads their manifests and picks the run that
// counts for each period. A manifest that cannot be used is a
// *ManifestError; listing failures are *StorageError. A manifest that is
// listed but gone when it is read (its run being rewritten or deleted) makes
// Runs list again, at most twice; then it is a *ManifestError.
func (r *Reader) Runs(ctx context.Context, folder string) (*Listing, error) {
	for lists := 1; ; lists++ {
		l, err := r.runs(ctx, folder)
		var ie *IntegrityError
		if !errors.As(err, &ie) || ie.What != "missing" {
			return l, err
		}
		if lists > maxRefetches {
			return nil, &ManifestError{Blob: ie.Blob, Reason: fmt.Sprintf("was listed but gone when read, in %d listings: its run is being rewritten or deleted", lists), Err: ie.Err}
		}
	}
}

// runs lists once; a manifest that is listed but gone is an *IntegrityError "missing".
func (r *Reader) runs(ctx context.Context, folder string) (*Listing, error) {
	prefix := strings.Trim(folder, "/")
	if prefix != "" {
		prefix += "/"
	}
	type dirInfo struct {
		manifest string
		blobs    map[string]int64
	}
	dirs := map[string]*dirInfo{}
	pager := r.cc.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &prefix})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, &StorageError{Op: "list", Blob: prefix, Err: err}
		}
		for _, it := range page.Segment.BlobItems {
			if it.Name == nil {
				continue
			}
			name := *it.Name
			dir := path.Dir(name)
			d := dirs[dir]
			if d == nil {
				d = &dirInfo{blobs: map[string]int64{}}
				dirs[dir] = d
			}
			if base := path.Base(name); base == "manifest.json" || base == "_manifest.json" {
				d.manifest = name
				continue
			}
			var size int64
			if it.Properties != nil && it.Properties.ContentLength != nil {
				size = *it.Properties.ContentLength
			}
			d.blobs[name] = size
		}
	}
	l := &Listing{}
	byPeriod := map[string][]Run{}
	for dir, d := range dirs {
		if d.manifest == "" {
			if len(d.blobs) > 0 {
				l.Incomplete = append(l.Incomplete, dir)
			}
			continue
		}
		data, err := r.download(ctx, d.manifest, maxManifestBytes)
		if err != nil {
			return nil, err
		}
		m, err := ParseManifest(d.manifest, data)
		if err != nil {
			return nil, err
		}
		run := Run{Manifest: *m, Folder: dir, listed: d.blobs}
		for _, seg := range strings.Split(strings.TrimPrefix(dir, prefix), "/") {
			if periodFolder.MatchString(seg) {
				run.PeriodFolder = seg
				break
			}
		}
		// Blobs may sit beside the manifest or elsewhere; record the sizes
		// of those listed elsewhere too.
		for _, b := range m.Blobs {
			if _, ok := run.listed[b.Name]; !ok {
				if od := dirs[path.Dir(b.Name)]; od != nil {
					if sz, ok := od.blobs[b.Name]; ok {
						run.listed[b.Name] = sz
					}
				}
			}
		}
		key := run.PeriodFolder
		if key == "" {
			key = m.Period.Start.String() + "-" + m.Period.End.String()
		}
		if m.RowCount == 0 || len(m.Blobs) == 0 {
			l.Empty = append(l.Empty, run)
			continue
		}
		byPeriod[key] = append(byPeriod[key], run)
	}
	for _, runs := range byPeriod {
		sort.Slice(runs, func(i, j int) bool {
			if !runs[i].Submitted.Equal(runs[j].Submitted) {
				return runs[i].Submitted.After(runs[j].Submitted)
			}
			return runs[i].Folder > runs[j].Folder
		})
		l.Runs = append(l.Runs, runs[0])
		l.Superseded = append(l.Superseded, runs[1:]...)
	}
	byStart := func(a, b Run) int {
		if c := a.Period.Start.Compare(b.Period.Start); c != 0 {
			return c
		}
		if c := strings.Compare(a.PeriodFolder, b.PeriodFolder); c != 0 {
			return c
		}
		return strings.Compare(a.Folder, b.Folder)
	}
	slices.SortFunc(l.Runs, byStart)
	slices.SortFunc(l.Superseded, byStart)
	slices.SortFunc(l.Empty, byStart)
	sort.Strings(l.Incomplete)
	return l, nil
}

// download reads a small blob whole, up to limit bytes.
func (r *Reader) download(ctx context.Context, name string, limit int64) ([]byte, error) {
	resp, err := r.cc.NewBlobClient(name).DownloadStream(ctx, nil)
	if err != nil {
		return nil, storageErr(name, err)
	}
	rr := resp.NewRetryReader(ctx, &blob.RetryReaderOptions{MaxRetries: int32(r.opts.MaxRetries)})
	defer rr.Close()
	body := newSumReader(rr, resp.ContentMD5)
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, &StorageError{Op: "download", Blob: name, Err: err}
	}
	if int64(len(data)) > limit {
		return nil, &ManifestError{Blob: name, Reason: fmt.Sprintf("is larger than %d bytes", limit)}
	}
	return data, nil
}

func storageErr(name string, err error) error {
	var re *azcore.ResponseError
	if errors.As(err, &re) && re.StatusCode == http.StatusNotFound {
		return &IntegrityError{Blob: name, What: "missing", Err: err}
	}
	return &StorageError{Op: "download", Blob: name, Err: err}
}

// part is one blob to read, with its run.
type part struct {
	run  *Run
	blob ManifestBlob
	// loose: the manifest's size of this gzip blob may be its uncompressed size (see
	// Run.looseSizes), so it is checked against both sizes after reading.
	loose bool
	// turn is closed when the partition may decode Parquet: Parquet partitions download
	// ahead but decode one at a time, in order, each on two cores (see parquetRows). More at
	// once measured slower: the partitions ahead of the one being yielded could only decode a
	// few batches before waiting for their turn, holding their decoders' memory meanwhile.
	turn <-chan struct{}
}

// isGzip reports whether a blob of run is gzip-compressed CSV.
func isGzip(run *Run, name string) bool {
	return run.Compression == Gzip || strings.HasSuffix(strings.ToLower(name), ".gz")
}

// looseSizes reports whether the manifest's byte counts of the run's gzip blobs may be their
// uncompressed sizes: none of them matches the stored size. (The documentation does not say
// which size a gzip manifest gives; a run is written by one service version, so either all
// stored sizes match or none does. When some match, the others are damaged.)
func (run *Run) looseSizes() bool {
	if run.listed == nil {
		return true
	}
	for _, b := range run.Blobs {
		if sz, ok := run.listed[b.Name]; ok && isGzip(run, b.Name) && sz == b.Size {
			return false
		}
	}
	return true
}

// batchSize is how many records a partition worker hands over at once.
const batchSize = 256

type batch struct {
	recs []usage.Record
	err  error
	last bool // the partition's final batch
	// recycle, if set, takes recs back once yielded (their records are copies by then), to
	// hold the partition's next records.
	recycle chan<- []usage.Record
}

// done hands b's records back to their producer, if it wants them.
func (b *batch) done() {
	if b.recycle != nil {
		select {
		case b.recycle <- b.recs:
		default:
		}
	}
}

// Records reads the runs' blobs and yields their rows as usage.Records: run
// by run in the order given, each run's blobs in manifest order, each blob's
// rows in file order, whatever the concurrency (with ReaderOptions.AnyOrder,
// blobs interleave, each still in file order). Before anything is yielded,
// every blob is checked against the listing Runs made (present, size as the
// manifest says); each download is checked again (size, and the Content-MD5
// the storage account keeps), and each blob's row count at its end. A
// partition whose download fails or fails those checks before any of its
// records was handed on is downloaded again, at most twice (Parquet is
// checked before it is decoded, so always; CSV when the failure comes within
// its first few hundred rows). On error it yields a zero Record and the error once and stops:
// the records yielded before are then incomplete. Breaking out of the loop
// stops every download. Memory is bounded by Concurrency partitions of a
// few thousand records each (and, for Parquet, each partition's file),
// whatever the size of the export.
func (r *Reader) Records(ctx context.Context, runs []Run) iter.Seq2[usage.Record, error] {
	runs = slices.Clone(runs)
	return func(yield func(usage.Record, error) bool) {
		var parts []part
		for i := range runs {
			run := &runs[i]
			loose := run.looseSizes()
			for _, b := range run.Blobs {
				if run.listed != nil {
					sz, ok := run.listed[b.Name]
					if !ok {
						yield(usage.Record{}, &IntegrityError{Blob: b.Name, What: "missing"})
						return
					}
					if b.Size > 0 && sz != b.Size && !(loose && isGzip(run, b.Name)) {
						yield(usage.Record{}, &IntegrityError{Blob: b.Name, What: "size", Want: b.Size, Got: sz})
						return
					}
				}
				parts = append(parts, part{run: run, blob: b, loose: loose && isGzip(run, b.Name)})
			}
		}
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		defer wg.Wait()
		defer cancel()
		outs := make([]chan batch, len(parts))
		for i := range outs {
			outs[i] = make(chan batch, 4)
		}
		var all chan batch // AnyOrder: every partition's batches, as they come
		if r.opts.AnyOrder {
			all = make(chan batch, 4*r.opts.Concurrency)
			for i := range outs {
				outs[i] = all
			}
		}
		sem := make(chan struct{}, r.opts.Concurrency)
		// turns[i] is closed when partition i may decode Parquet: when partition i-1 is done.
		turns := make([]chan struct{}, len(parts)+1)
		for i := range turns {
			turns[i] = make(chan struct{})
		}
		close(turns[0])
		wg.Add(1)
		go func() { // starts partitions in order, at most Concurrency at once
			defer wg.Done()
			for i, p := range parts {
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					return
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					if all == nil {
						defer close(outs[i])
					}
					defer close(turns[i+1])
					p.turn = turns[i]
					r.readPart(ctx, p, outs[i])
				}()
			}
		}()
		if all != nil {
			r.yieldAny(ctx, all, len(parts), yield)
			return
		}
		for i := range parts {
			for {
				var b batch
				var ok bool
				select {
				case b, ok = <-outs[i]:
				case <-ctx.Done():
					yield(usage.Record{}, ctx.Err())
					return
				}
				if !ok {
					break
				}
				if !yieldBatch(b, yield) {
					return
				}
			}
		}
	}
}

// yieldBatch hands out a batch's records, then its error, if any; false when reading is to
// stop (the loop broke off, or the error was handed out).
func yieldBatch(b batch, yield func(usage.Record, error) bool) bool {
	for _, rec := range b.recs {
		if !yield(rec, nil) {
			return false
		}
	}
	b.done()
	if b.err != nil {
		yield(usage.Record{}, b.err)
		return false
	}
	return true
}

// yieldAny yields the batches of parts partitions from one channel as they
// come. Each partition ends with a batch holding its error or nil (see
// readPart), which counts it as done.
func (r *Reader) yieldAny(ctx context.Context, all <-chan batch, parts int, yield func(usage.Record, error) bool) {
	for done := 0; done < parts; {
		var b batch
		select {
		case b = <-all:
		case <-ctx.Done():
			yield(usage.Record{}, ctx.Err())
			return
		}
		if !yieldBatch(b, yield) {
			return
		}
		if b.last {
			done++
		}
	}
}

// maxRefetches is how often a partition that fails a download or integrity check is
// downloaded again from scratch, when none of its records has been handed on yet.
const maxRefetches = 2

// refetchable reports whether err may come from the copy on the way rather than from the stored
// blob: a download that broke off or kept failing with 408, 429 or 5xx after azblob's retries,
// a size that differs from the listing or the manifest, a checksum that does not match. A
// missing blob, a refusal (403 without the Storage Blob Data Reader role, other 4xx: the same
// answer again), a row count that differs from the manifest and malformed data that passes its
// checksum are what the storage account holds.
func refetchable(err error) bool {
	var se *StorageError
	if errors.As(err, &se) {
		var re *azcore.ResponseError
		return !errors.As(se.Err, &re) || re.StatusCode >= 500 ||
			re.StatusCode == http.StatusRequestTimeout || re.StatusCode == http.StatusTooManyRequests
	}
	var ie *IntegrityError
	return errors.As(err, &ie) && (ie.What == "size" || ie.What == "checksum")
}

// readPart downloads and parses one blob, sending batches to out. A partition that fails before
// any of its records was sent on is downloaded again (see refetchable), at most maxRefetches
// times; its error then says how often it was fetched.
func (r *Reader) readPart(ctx context.Context, p part, out chan<- batch) {
	sent := false
	send := func(b batch) bool {
		select {
		case out <- b:
			sent = true
			return true
		case <-ctx.Done():
			return false
		}
	}
	recs := make([]usage.Record, 0, batchSize)
	emit := func(rec usage.Record) bool {
		recs = append(recs, rec)
		if len(recs) == batchSize {
			if !send(batch{recs: recs}) {
				return false
			}
			recs = make([]usage.Record, 0, batchSize)
		}
		return true
	}
	// Parquet's records come in batches of their own: sent as they are, after any pending.
	emitBatch := func(b []usage.Record, recycle chan<- []usage.Record) bool {
		if len(recs) > 0 {
			if !send(batch{recs: recs}) {
				return false
			}
			recs = make([]usage.Record, 0, batchSize)
		}
		return send(batch{recs: b, recycle: recycle})
	}
	var n int64
	var err error
	for fetches := 1; ; fetches++ {
		n, err = r.parse(ctx, p, emit, emitBatch)
		if err == nil || sent || ctx.Err() != nil || !refetchable(err) {
			break
		}
		if fetches > maxRefetches {
			err = fetchedTimes(err, fetches)
			break
		}
		recs = recs[:0] // the failed download's records, never sent
	}
	if err == nil && ctx.Err() == nil && n != p.blob.Rows && (p.blob.Rows != 0 || p.run.RowCount != 0) {
		err = &IntegrityError{Blob: p.blob.Name, What: "rows", Want: p.blob.Rows, Got: n}
	}
	send(batch{recs: recs, err: err, last: true})
}

// fetchedTimes records in err how often its blob was downloaded.
func fetchedTimes(err error, fetches int) error {
	var ie *IntegrityError
	if errors.As(err, &ie) {
		e := *ie
		e.Fetches = fetches
		return &e
	}
	var se *StorageError
	if errors.As(err, &se) {
		e := *se
		e.Fetches = fetches
		return &e
	}
	return err
}

func (r *Reader) parse(ctx context.Context, p part, emit func(usage.Record) bool, emitBatch func([]usage.Record, chan<- []usage.Record) bool) (int64, error) {
	name := p.blob.Name
	resp, err := r.cc.NewBlobClient(name).DownloadStream(ctx, nil)
	if err != nil {
		return 0, storageErr(name, err)
	}
	rr := resp.NewRetryReader(ctx, &blob.RetryReaderOptions{MaxRetries: int32(r.opts.MaxRetries)})
	defer rr.Close()
	body := newSumReader(rr, resp.ContentMD5)
	var size int64 = -1
	if resp.ContentLength != nil {
		size = *resp.ContentLength
	}
	if p.blob.Size > 0 && size >= 0 && size != p.blob.Size && !p.loose {
		return 0, &IntegrityError{Blob: name, What: "size", Want: p.blob.Size, Got: size}
	}
	isParquet := strings.EqualFold(string(p.run.Format), string(Parquet)) || strings.HasSuffix(strings.ToLower(name), ".parquet")
	if isParquet {
		return r.parseParquet(ctx, p, body, size, emitBatch)
	}
	// gzip is undone here rather than by the usage reader, to count the uncompressed bytes and
	// to tell a cut-off stream from a malformed one.
	cr := &countReader{r: body}
	var src io.Reader = cr
	var dr *countReader
	if isGzip(p.run, name) {
		zr, err := gzip.NewReader(cr)
		if err != nil {
			return 0, damaged(body, cr, name, r.csvError(name, p, cr, nil, err))
		}
		defer zr.Close()
		dr = &countReader{r: zr}
		src = dr
	}
	// With AnyOrder the partitions in flight keep the cores busy: one goroutine each. In order,
	// only the partition being handed out can go further than a few batches ahead, so it
	// parses on every core. Concurrency 1 is the plain sequential reader.
	workers := 0
	if r.opts.AnyOrder || r.opts.Concurrency == 1 {
		workers = 1
	}
	rd := usage.NewReader(src, &usage.ReaderOptions{File: name, CostColumn: r.opts.CostColumn, Workers: workers})
	var n int64
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, damaged(body, cr, name, r.csvError(name, p, cr, dr, err))
		}
		n++
		if !emit(rec) {
			return n, nil
		}
	}
	if want := p.blob.Size; want > 0 && cr.n != want && (dr == nil || !p.loose || dr.n != want) {
		got := cr.n
		if p.loose && dr != nil {
			got = dr.n
		}
		return n, &IntegrityError{Blob: name, What: "size", Want: want, Got: got}
	}
	// The parser stops at the last row; whatever follows it still counts for the checksum.
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return n, &StorageError{Op: "download", Blob: name, Err: err}
	}
	if !body.ok() {
		return n, &IntegrityError{Blob: name, What: "checksum"}
	}
	return n, nil
}

// csvError explains a failed CSV read: the download failing is a *StorageError, a stream that
// ends early (a short blob) an *IntegrityError, malformed gzip a *FormatError; bad rows stay
// the usage reader's *usage.ParseError.
func (r *Reader) csvError(name string, p part, cr, dr *countReader, err error) error {
	switch {
	case cr.err != nil && cr.err != io.EOF:
		return &StorageError{Op: "download", Blob: name, Err: cr.err}
	case dr == nil && (errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)):
		return &FormatError{Blob: name, Format: CSV, Err: err} // not gzip at all
	case dr != nil && dr.err != nil && dr.err != io.EOF:
		if p.blob.Size > 0 && cr.n != p.blob.Size && !p.loose {
			return &IntegrityError{Blob: name, What: "size", Want: p.blob.Size, Got: cr.n}
		}
		if errors.Is(dr.err, io.ErrUnexpectedEOF) {
			return &IntegrityError{Blob: name, What: "size", Want: p.blob.Size, Got: cr.n, Err: dr.err}
		}
		return &FormatError{Blob: name, Format: CSV, Err: dr.err}
	}
	return err
}

func (r *Reader) parseParquet(ctx context.Context, p part, body *sumReader, size int64, emit func([]usage.Record, chan<- []usage.Record) bool) (int64, error) {
	name := p.blob.Name
	want := p.blob.Size
	if want <= 0 {
		want = size
	}
	var ra io.ReadSeeker
	var n int64
	if want >= 0 && want <= r.opts.MaxMemoryBlob {
		// Read into a buffer of the expected size (io.ReadAll would grow and copy it a few
		// times), then make sure the blob ends there.
		data := make([]byte, want)
		k, err := io.ReadFull(body, data)
		if err == nil {
			var one [1]byte
			var m int
			m, err = io.ReadFull(body, one[:])
			if m == 1 {
				data, err = append(data, one[0]), nil // longer than expected: the size check says so
			} else if err == io.EOF {
				err = nil
			}
		} else if err == io.ErrUnexpectedEOF || err == io.EOF {
			data, err = data[:k], nil // shorter than expected: the size check below says so
		}
		if err != nil {
			return 0, &StorageError{Op: "download", Blob: name, Err: err}
		}
		ra, n = bytes.NewReader(data), int64(len(data))
	} else {
		f, err := os.CreateTemp(r.opts.TempDir, ".azbilling-export-*.parquet")
		if err != nil {
			return 0, fmt.Errorf("azbilling: spooling export blob %s: %w", name, err)
		}
		defer func() { f.Close(); os.Remove(f.Name()) }()
		if n, err = io.Copy(f, body); err != nil {
			return 0, &StorageError{Op: "download", Blob: name, Err: err}
		}
		ra = f
	}
	if p.blob.Size > 0 && n != p.blob.Size {
		return 0, &IntegrityError{Blob: name, What: "size", Want: p.blob.Size, Got: n}
	}
	// The whole file is here: check it before decoding any of it.
	if _, err := io.Copy(io.Discard, body); err != nil {
		return 0, &StorageError{Op: "download", Blob: name, Err: err}
	}
	if !body.ok() {
		return 0, &IntegrityError{Blob: name, What: "checksum"}
	}
	if p.turn != nil {
		select {
		case <-p.turn:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return parquetRows(ctx, ra.(parquetSource), name, &usage.ReaderOptions{CostColumn: r.opts.CostColumn}, emit)
}

// parquetSource is what the Parquet reader reads from: a bytes.Reader or an *os.File.
type parquetSource interface {
	io.ReaderAt
	io.Seeker
	io.Reader
}

// countReader counts the bytes read and keeps the error that ended them.
type countReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil {
		c.err = err
	}
	return n, err
}

// damaged turns a read error of a blob that fails its Content-MD5 into an *IntegrityError
// wrapping it: a byte damaged at rest or on the way shows as malformed gzip or a bad row, and
// the checksum tells that it is the copy, not the export, that is wrong. The rest of the blob
// is read for that; storage errors and blobs without a Content-MD5 are returned as they are.
func damaged(body *sumReader, cr *countReader, name string, err error) error {
	var se *StorageError
	if body.h == nil || errors.As(err, &se) {
		return err
	}
	if _, cerr := io.Copy(io.Discard, cr); cerr != nil || body.ok() {
		return err
	}
	return &IntegrityError{Blob: name, What: "checksum", Err: err}
}

// sumReader computes the MD5 of what is read through it, to compare with the Content-MD5 the
// storage account returns for the whole blob. Blobs stored without one (uploaded in blocks
// without it) are read unchecked, as before: size and row count still apply.
type sumReader struct {
	r    io.Reader
	want []byte
	h    hash.Hash
}

func newSumReader(r io.Reader, want []byte) *sumReader {
	s := &sumReader{r: r}
	if len(want) == md5.Size {
		s.want, s.h = want, md5.New()
	}
	return s
}

func (s *sumReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if s.h != nil && n > 0 {
		s.h.Write(p[:n])
	}
	return n, err
}

// ok reports whether everything read matches the blob's Content-MD5 (true without one). Call it
// after the blob was read to its end.
func (s *sumReader) ok() bool {
	return s.h == nil || bytes.Equal(s.h.Sum(nil), s.want)
}
