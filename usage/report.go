package usage

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/internal/blob"
	"github.com/azbilling/azbilling/internal/wire"
)

// Report is one usage report: for EA and MCA scopes a generated Cost Details report, whose
// manifest lists the CSV blobs to download; for pay-as-you-go scopes a handle on the
// Consumption usage details list (no manifest). Read it with Records, WriteCSV or SaveCSV,
// as often as needed: when the blob links have expired the report is requested again.
// A Report is safe for concurrent use.
type Report struct {
	// Scope is the scope the report covers.
	Scope billing.Scope
	// Agreement is the agreement of the scope's billing account; it chose the Source.
	Agreement billing.Agreement
	// Source is the API the data comes from: the Cost Details report (EA, MCA, MPA) or the
	// Consumption usage details list (pay-as-you-go).
	Source Source
	// Metric is ActualCost or AmortizedCost, as requested.
	Metric Metric
	// Request is what was asked for: at most one of its fields is set; none is the open month.
	Request ReportRequest
	// Status is the operation's final status: "Completed", "NoDataFound", or "NoContent" when
	// the service answered 204. Empty for the Consumption source.
	Status string
	// OperationID names the Cost Details operation ("" for Consumption).
	OperationID string
	// RequestID is the ARM request id of the final answer, for support cases.
	RequestID string
	// Manifest describes the report's blobs. It is zero for the Consumption source.
	Manifest Manifest

	c    *Client
	plan *plan
	part part

	// links sits behind a pointer: fmt prints unexported fields raw (even with %#v), and a
	// pointer prints as an address, so a printed Report never shows a SAS signature.
	links *reportLinks
}

// reportLinks are the blob links of a report and their validity. The URLs are reachable only
// through a function: fmt prints a func as an address at any depth and with any verb, so not
// even %#v of a dereferenced Report can show a SAS signature.
type reportLinks struct {
	mu        sync.Mutex
	url       func(i int) string // SAS URL of blob i (secret: never printed)
	validTill time.Time          // when links stop working
	gen       int                // incremented when links are refreshed
}

func (l *reportLinks) set(urls []string, validTill time.Time) {
	l.url = func(i int) string { return urls[i] }
	l.validTill = validTill
}

// ReportRequest echoes the selection a report was requested with.
type ReportRequest struct {
	// Period is the span of usage days asked for; zero when not set.
	Period billing.Period
	// BillingPeriod is the EA or MOSP billing period asked for ("202604"); empty when not set.
	BillingPeriod string
	// InvoiceID is the MCA invoice asked for; empty when not set.
	InvoiceID string
}

// Manifest describes a Cost Details report's data.
type Manifest struct {
	Version    string // manifestVersion, the api-version that wrote the report
	DataFormat string // "Csv"
	// BlobCount is the number of CSV blobs (blobCount); Blobs has one entry for each.
	BlobCount  int
	ByteCount  int64 // total size of the blobs
	Compressed bool  // compressData: blobs are gzip-compressed
	// Blobs describe the blobs, in the order the report lists them.
	Blobs []BlobInfo
	// ValidTill is when the blob links expire (UTC); the report is requested again after that
	// (see Report.ValidTill for the links in use).
	ValidTill time.Time
	// UnreadDates holds the text of each date the SDK could not read, keyed by its JSON name
	// ("validTill"); that field is left zero, which means "unknown": an expired link is then
	// noticed by the blob host's 403. Nil when every date was read.
	UnreadDates map[string]string
	// RequestScope and RequestBody echo the request as the service understood it (verbatim).
	RequestScope string
	// RequestBody is the body of the request as the service echoes it; see RequestScope.
	RequestBody string
}

// BlobInfo is one blob of a report. Its SAS link is not exposed: it is a credential.
type BlobInfo struct {
	Index int   // 0-based position in the report
	Size  int64 // byteCount from the manifest
}

// Empty reports whether the report is known to hold no usage (status NoDataFound, or a 204).
func (r *Report) Empty() bool {
	return r.Source == SourceCostDetails && (r.Status != statusCompleted || r.Manifest.BlobCount == 0)
}

// String describes the report without its links, e.g. "Cost Details report of /providers/...:
// 3 blobs, 1048576 bytes, valid till 2026-11-25T13:00:00Z".
func (r *Report) String() string {
	if r.Source == SourceConsumption {
		return fmt.Sprintf("%s of %s (%s)", r.Source, r.Scope, r.Metric)
	}
	if r.Empty() {
		return fmt.Sprintf("Cost Details report of %s (%s): no data (%s)", r.Scope, r.Metric, r.Status)
	}
	blobs := "blobs"
	if r.Manifest.BlobCount == 1 {
		blobs = "blob"
	}
	return fmt.Sprintf("Cost Details report of %s (%s): %d %s, %d bytes, valid till %s", r.Scope, r.Metric,
		r.Manifest.BlobCount, blobs, r.Manifest.ByteCount, r.Manifest.ValidTill.Format(time.RFC3339))
}

// open starts one part of a plan: for Cost Details it requests the report and waits for it.
func (c *Client) open(ctx context.Context, p *plan, pt part) (*Report, error) {
	r := &Report{Scope: p.scope, Agreement: p.agreement, Source: p.source, Metric: p.metric,
		Request: ReportRequest{Period: pt.period, BillingPeriod: pt.billingPeriod, InvoiceID: pt.invoiceID},
		c:       c, plan: p, part: pt, links: &reportLinks{}}
	if p.source == SourceConsumption {
		return r, nil
	}
	if err := r.request(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// request generates the Cost Details report and fills the exported fields from its answer.
func (r *Report) request(ctx context.Context) error {
	status, man, links, res, reqID, err := r.generate(ctx)
	if err != nil {
		return err
	}
	r.RequestID, r.Status, r.Manifest = reqID, status, man
	r.links.set(links, man.ValidTill)
	if res != nil {
		r.OperationID = res.Name
	}
	return nil
}

// refresh requests the report again for fresh links. The exported fields keep describing the
// report as first generated; the new links and their validity are kept privately. The caller
// holds r.links.mu.
func (r *Report) refresh(ctx context.Context) error {
	status, man, links, _, reqID, err := r.generate(ctx)
	if err != nil {
		return err
	}
	if status != statusCompleted {
		return &ReportError{Scope: r.Scope.ID(), Status: status, RequestID: reqID,
			Reason: "changed while it was read: requested again for fresh links, it had no data any more; read it again"}
	}
	if err := sameData(r.Manifest, man); err != nil {
		return &ReportError{Scope: r.Scope.ID(), Status: status, RequestID: reqID, Reason: err.Error()}
	}
	r.links.set(links, man.ValidTill)
	r.links.gen++
	return nil
}

// generate runs the report request and reads its answer.
func (r *Report) generate(ctx context.Context) (status string, man Manifest, links []string, res *cdResult, reqID string, err error) {
	code, body, reqID, err := r.c.generate(ctx, r.plan, r.part)
	if err != nil {
		return "", Manifest{}, nil, nil, reqID, err
	}
	if code == http.StatusNoContent {
		return statusNoContent, Manifest{}, nil, nil, reqID, nil
	}
	res, err = parseCostDetailsResult(body)
	if err != nil {
		return "", Manifest{}, nil, nil, reqID, err
	}
	switch {
	case strings.EqualFold(res.Status, statusCompleted):
	case strings.EqualFold(res.Status, statusNoDataFound):
		if res.Manifest != nil {
			man.Version, man.DataFormat = res.Manifest.ManifestVersion, res.Manifest.DataFormat
		}
		return statusNoDataFound, man, nil, res, reqID, nil
	default:
		e := &ReportError{Scope: r.Scope.ID(), Status: res.Status, RequestID: reqID}
		if res.Error != nil {
			e.Code, e.Message = res.Error.Code, res.Error.Message
		}
		if !strings.EqualFold(res.Status, statusFailed) && e.Code == "" {
			e.Reason = fmt.Sprintf("ended with status %q, which the SDK does not know", res.Status)
		}
		return "", Manifest{}, nil, nil, reqID, e
	}
	m := res.Manifest
	man = Manifest{Version: m.ManifestVersion, DataFormat: m.DataFormat, BlobCount: len(m.Blobs), ByteCount: m.ByteCount,
		Compressed: m.CompressData, RequestScope: m.RequestContext.RequestScope}
	if len(m.RequestContext.RequestBody) > 0 && string(m.RequestContext.RequestBody) != "null" {
		man.RequestBody = string(m.RequestContext.RequestBody)
	}
	links = make([]string, len(m.Blobs))
	var total int64
	for i, bl := range m.Blobs {
		links[i] = bl.BlobLink
		man.Blobs = append(man.Blobs, BlobInfo{Index: i, Size: bl.ByteCount})
		total += bl.ByteCount
	}
	if man.ByteCount == 0 {
		man.ByteCount = total
	}
	if t, ok := wire.ParseTime(res.ValidTill); ok {
		man.ValidTill = t.UTC()
	} else {
		man.UnreadDates = map[string]string{"validTill": res.ValidTill}
	}
	return statusCompleted, man, links, res, reqID, nil
}

// ValidTill is when the report's current download links expire: Manifest.ValidTill until the
// report is requested again for fresh links, then the new links' expiry.
func (r *Report) ValidTill() time.Time {
	r.links.mu.Lock()
	defer r.links.mu.Unlock()
	return r.links.validTill
}

// sameData compares the blob layout of two manifests of the same request.
func sameData(old, cur Manifest) error {
	if len(old.Blobs) != len(cur.Blobs) {
		return fmt.Errorf("changed while it was read: requested again for fresh links, it has %d blobs instead of %d; read it again", len(cur.Blobs), len(old.Blobs))
	}
	for i := range old.Blobs {
		if old.Blobs[i].Size != cur.Blobs[i].Size {
			return fmt.Errorf("changed while it was read: requested again for fresh links, blob %d has %d bytes instead of %d; read it again", i+1, cur.Blobs[i].Size, old.Blobs[i].Size)
		}
	}
	return nil
}

// linkFunc returns the link getter of blob i for the blob downloader. Its first call hands out
// the current link; a later call means the link expired or was refused, so the report is
// requested again (once for all blobs: a getter that sees a newer generation than it handed
// out just takes the new link).
func (r *Report) linkFunc(i int) blob.LinkFunc {
	handed := -1
	return func(ctx context.Context) (blob.Link, error) {
		r.links.mu.Lock()
		defer r.links.mu.Unlock()
		if handed >= 0 && handed == r.links.gen {
			if err := r.refresh(ctx); err != nil {
				return blob.Link{}, err
			}
		}
		handed = r.links.gen
		return blob.Link{URL: r.links.url(i), Expiry: r.links.validTill}, nil
	}
}

// openBlob starts the download of blob i. The reader verifies the manifest's byte count.
func (r *Report) openBlob(ctx context.Context, i int) (*blob.Reader, error) {
	size := r.Manifest.Blobs[i].Size
	return r.c.cc.Blob.Open(ctx, r.linkFunc(i), &blob.ReadOptions{ExpectedSize: size})
}

// Records yields the report's records. A report split over several blobs reads as one stream:
// blobs are downloaded several at once (Options.BlobConcurrency), each held whole (memory,
// then an unnamed temporary file) until its length and MD5 are verified, fetched again from
// scratch at most twice when they are not, and parsed in order on the caller's goroutine,
// each with its own header row; all
// blobs must have the same layout. Iteration stops at the first error,
// which is yielded once with a zero Record; parse errors name the blob ("report blob 2 of 3")
// in ParseError.File.
func (r *Report) Records(ctx context.Context) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		if r.Source == SourceConsumption {
			r.c.consumptionRecords(ctx, r.plan, r.part, yield)
			return
		}
		if r.Empty() {
			return
		}
		if err := r.inlineBlobs(ctx, yield); err != nil {
			yield(Record{}, err)
		}
	}
}

// inlineBlobs parses the blobs on the caller's goroutine, one after the other, while eachBlob
// downloads up to plan.blobs of them ahead. (Parsing several blobs at once on their own
// goroutines was tried: on two cores shared with the in-process emulator it was no faster,
// and slower under load, because every batch of records handed over waits for the scheduler.)
func (r *Report) inlineBlobs(ctx context.Context, yield func(Record, error) bool) error {
	var first Layout
	n := len(r.Manifest.Blobs)
	return r.eachBlob(ctx, false, func(i int, src io.Reader) (bool, error) {
		ro := r.plan.reader
		ro.File = fmt.Sprintf("report blob %d of %d", i+1, n)
		rd := NewReader(src, &ro)
		lay, err := rd.Layout()
		if err == nil && i > 0 && lay != first {
			err = &ReportError{Scope: r.Scope.ID(), Status: r.Status,
				Reason: fmt.Sprintf("has blobs of different layouts: blob 1 is %s, blob %d is %s", first, i+1, lay)}
		}
		if err != nil {
			return false, err
		}
		first = lay
		for rec, err := range rd.All() {
			if err != nil {
				return false, err
			}
			if !yield(rec, nil) {
				return false, nil
			}
		}
		return true, nil
	})
}

// fetched is a blob download started ahead of its turn: a verified spool, or the error that
// ended it.
type fetched struct {
	rc  io.ReadCloser
	err error
}

// eachBlob hands the report's blobs to fn in order (with gunzip, decompressed when the manifest
// says so; the CSV Reader detects gzip itself), until fn returns false or an error. Up to
// plan.blobs downloads run at once: blob i+k is fetched while blob i is read. Each blob is
// downloaded whole into a spool (memory up to spoolMem, then an unnamed temporary file) and
// verified (length, and MD5 when the host announces one) before fn sees a byte of it, so no
// record of a damaged blob is ever handed out; a blob that fails its integrity check is fetched
// again from scratch, at most maxRefetches times, on its own goroutine while earlier blobs are
// read. When eachBlob returns, every download it started has been cancelled and closed and its
// goroutine has ended.
func (r *Report) eachBlob(ctx context.Context, gunzip bool, fn func(i int, src io.Reader) (bool, error)) error {
	n := len(r.Manifest.Blobs)
	ahead := max(1, r.plan.blobs)
	slots := make([]chan fetched, n)
	cancels := make([]context.CancelFunc, n)
	start := func(i int) {
		bctx, cancel := context.WithCancel(ctx)
		ch := make(chan fetched, 1)
		slots[i], cancels[i] = ch, cancel
		go func() {
			sp, err := r.fetchVerified(bctx, i)
			if err != nil {
				ch <- fetched{err: err}
				return
			}
			ch <- fetched{rc: sp}
		}()
	}
	next := 0 // next blob to start
	defer func() {
		// Release every download started and not consumed.
		for i := range next {
			if slots[i] == nil {
				continue
			}
			cancels[i]()
			if f := <-slots[i]; f.rc != nil {
				f.rc.Close()
			}
		}
	}()
	for i := range n {
		for next < n && next < i+ahead {
			start(next)
			next++
		}
		f := <-slots[i]
		slots[i] = nil
		cancels[i]() // the spool is complete: its download is over
		if f.err != nil {
			return f.err
		}
		var src io.Reader = f.rc
		if gunzip && r.Manifest.Compressed {
			gz, err := newGzipReader(f.rc)
			if err != nil {
				f.rc.Close()
				return err
			}
			src = gz
		}
		more, err := fn(i, src)
		f.rc.Close()
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// fetchVerified downloads blob i whole into a spool, fetching it again from scratch (with a
// fresh link when the old one has expired) when it fails its integrity check, at most
// maxRefetches times; then the error is the last *billing.DownloadError of kind
// DownloadKindIntegrity, saying how often the blob was fetched.
func (r *Report) fetchVerified(ctx context.Context, i int) (*spool, error) {
	for attempt := 0; ; attempt++ {
		sp, err := r.spoolBlob(ctx, i)
		if err == nil {
			return sp, nil
		}
		var be *blob.Error
		if !errors.As(err, &be) || be.Kind != blob.KindIntegrity {
			return nil, err
		}
		if attempt >= maxRefetches {
			e := *be
			e.Reason = fmt.Sprintf("%s (report blob %d of %d, fetched %d times)", e.Reason, i+1, len(r.Manifest.Blobs), attempt+1)
			return nil, &e
		}
	}
}

// spoolBlob downloads blob i into a spool. The blob reader verifies the manifest's byte count
// and the host's MD5 at the end, so a spool returned without error holds exactly the blob.
func (r *Report) spoolBlob(ctx context.Context, i int) (*spool, error) {
	br, err := r.openBlob(ctx, i)
	if err != nil {
		return nil, err
	}
	defer br.Close()
	sp := &spool{}
	if size := r.Manifest.Blobs[i].Size; size > 0 {
		sp.mem = make([]byte, 0, min(size, spoolMem))
	}
	buf := make([]byte, 64<<10)
	if _, err := io.CopyBuffer(sp, br, buf); err != nil {
		sp.Close()
		return nil, err
	}
	if err := sp.rewind(); err != nil {
		sp.Close()
		return nil, err
	}
	return sp, nil
}

// spoolMem is how much of one blob a spool keeps in memory; the rest goes to a temporary file.
// With plan.blobs spools at once (4 by default) that bounds the memory of a report's reading.
const spoolMem = 1 << 20

// spool holds one downloaded blob: its first spoolMem bytes in memory, the rest in a temporary
// file that has no name (it is removed as soon as it is created, where the system allows that
// for an open file; otherwise on Close), so a killed process leaves nothing behind.
type spool struct {
	mem  []byte
	f    *os.File
	name string // the file's name while it still has one (Windows), to remove on Close
	rd   io.Reader
	size int64 // bytes written
	read int64 // bytes read since rewind
}

// Len is how many bytes are left to read: the CSV Reader parses a blob that small on the
// caller's goroutine without reading it ahead to find out.
func (s *spool) Len() int { return int(s.size - s.read) }

func (s *spool) Write(p []byte) (int, error) {
	n := 0
	if room := spoolMem - len(s.mem); room > 0 && s.f == nil {
		n = min(room, len(p))
		s.mem = append(s.mem, p[:n]...)
		s.size += int64(n)
		p = p[n:]
	}
	if len(p) == 0 {
		return n, nil
	}
	if s.f == nil {
		f, err := os.CreateTemp("", ".azbilling-blob-*")
		if err != nil {
			return n, &billing.FileError{Op: "create", Path: os.TempDir(), Err: err}
		}
		s.f = f
		if os.Remove(f.Name()) != nil {
			s.name = f.Name()
		}
	}
	m, err := s.f.Write(p)
	s.size += int64(m)
	if err != nil {
		err = &billing.FileError{Op: "write", Path: os.TempDir(), Err: err}
	}
	return n + m, err
}

// rewind makes the spool readable from its first byte.
func (s *spool) rewind() error {
	s.rd, s.read = bytes.NewReader(s.mem), 0
	if s.f != nil {
		if _, err := s.f.Seek(0, io.SeekStart); err != nil {
			return &billing.FileError{Op: "read", Path: os.TempDir(), Err: err}
		}
		s.rd = io.MultiReader(s.rd, bufio.NewReaderSize(s.f, 64<<10))
	}
	return nil
}

func (s *spool) Read(p []byte) (int, error) {
	if s.rd == nil {
		return 0, io.EOF
	}
	n, err := s.rd.Read(p)
	s.read += int64(n)
	return n, err
}

// Close removes the temporary file, if any.
func (s *spool) Close() error {
	s.rd, s.mem = nil, nil
	if s.f != nil {
		s.f.Close()
		if s.name != "" {
			os.Remove(s.name)
		}
		s.f = nil
	}
	return nil
}

// Dialect returns the layout of the report's CSV, read from the first blob's header (only the
// header is downloaded). For the Consumption source it is the pay-as-you-go layout that
// WriteCSV writes. An empty report has no layout: the zero Layout and nil.
func (r *Report) Dialect(ctx context.Context) (Layout, error) {
	if r.Source == SourceConsumption {
		return consumptionLayout(), nil
	}
	if r.Empty() {
		return Layout{}, nil
	}
	br, err := r.openBlob(ctx, 0)
	if err != nil {
		return Layout{}, err
	}
	defer br.Close()
	return NewReader(br, nil).Layout()
}

// WriteCSV writes the report as one CSV to w, as SaveCSV describes, and returns the number of
// bytes written. It takes a context, unlike io.WriterTo, because it downloads.
func (r *Report) WriteCSV(ctx context.Context, w io.Writer) (int64, error) {
	cw := &csvConcat{w: w}
	err := r.writeCSV(ctx, cw)
	return cw.n, err
}

// SaveCSV writes the report as one CSV file at path, atomically (see Client.SaveCSV), and
// returns the number of bytes written.
func (r *Report) SaveCSV(ctx context.Context, path string) (int64, error) {
	return writeFileAtomic(path, func(cw *csvConcat) error { return r.writeCSV(ctx, cw) })
}

func (r *Report) writeCSV(ctx context.Context, cw *csvConcat) error {
	if r.Source == SourceConsumption {
		return r.c.consumptionCSV(ctx, r.plan, r.part, cw)
	}
	if r.Empty() {
		return nil
	}
	n := len(r.Manifest.Blobs)
	return r.eachBlob(ctx, true, func(i int, src io.Reader) (bool, error) {
		if err := cw.add(src, fmt.Sprintf("report blob %d of %d", i+1, n)); err != nil {
			return false, err
		}
		return true, nil
	})
}
