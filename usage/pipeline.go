package usage

import (
	"bytes"
	"io"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Parallel reading. After the header, workers take turns reading the input
// into chunks that end at row boundaries, each parses the chunk it read into
// a batch of Records, and the Reader hands the batches out in file order.
//
// Where a row ends depends on quoting: a line break inside a quoted field
// does not end it. The sequential reader ends a row at the first line break
// after an even number of quotes in the row; as every row starts after such
// a break, that is the same as a line break with an even number of quotes
// before it since the end of the header. A worker counts quotes (a SIMD
// scan, much faster than parsing) and cuts each chunk after the last such
// line break, so chunks split exactly where the sequential reader would,
// and each chunk starts outside quotes. Line numbers are counted by the
// workers from 1 per chunk and shifted by the Reader, which knows how many
// lines the earlier chunks held.
//
// Memory: at most inFlight chunks are read ahead (each chunkSize bytes, more
// only for a longer row), and a chunk larger than the budget waits until
// everything before it is handed out, so a long row costs about twice its
// size, as on one goroutine.

const (
	defaultChunkSize = 512 << 10
	minChunkSize     = 64 << 10
	maxReadAhead     = 8 << 20
	inFlightPerCore  = 2
)

// chunk is one piece of input and, once parsed, its records.
type chunk struct {
	data []byte
	last bool  // no chunk follows
	err  error // after data's records: an I/O error
	// tailErr comes after data's records: a row too long; the worker sets
	// its line.
	tailErr *ParseError
	ready   chan struct{}

	// Set by the worker.
	recs        []Record
	folded      int   // records handed to the pipeline's fold instead of recs
	foldErr     error // what fold returned for the record at foldLine (relative to the chunk)
	foldLine    int
	lines       int   // line breaks in data
	perr        error // error that stops the Reader, line relative to the chunk
	skipped     int
	skippedErrs []*ParseError
}

type pipeline struct {
	src       io.Reader
	srcErr    error  // from src; nil while more may come
	pending   []byte // read, not yet in a chunk; starts at a row boundary
	chunkSize int
	maxRow    int
	file      string
	budget    int64

	mu    sync.Mutex  // held while a worker reads a chunk and queues it
	order chan *chunk // to the Reader, in file order
	sent  *chunk      // read, not yet queued (after a pause)
	ended bool        // the last chunk was queued

	workers  []*Reader
	inflight atomic.Int64  // bytes of chunks sent and not yet handed out
	released chan struct{} // a chunk was handed out
	freeBufs chan []byte
	freeRecs chan []Record

	quit    chan struct{}
	wg      sync.WaitGroup
	running bool

	// fold, when set, takes every record on the worker that parsed it (worker is the index in
	// workers) instead of the records being handed out: see Reader.each.
	fold func(worker int, rec *Record) error
}

// startPipeline decides, once, whether to parse in parallel, and starts it.
func (r *Reader) startPipeline() {
	workers := r.opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// Inputs of a chunk or two are not worth goroutines (one worker would
	// parse while the other waits): read two chunks ahead, within what a
	// row may hold, to see whether the input ends there.
	ahead := max(initialBufferSize/2, min(2*r.chunkSize, r.opts.MaxRowBytes))
	// A source that knows how much it holds (bytes.Reader, strings.Reader, a downloaded blob's
	// spool) says so without being read ahead.
	small := false
	if l, ok := r.src.(interface{ Len() int }); ok && workers > 1 && r.srcErr == nil && !r.forceParallel {
		small = r.end-r.start+l.Len() <= ahead
	}
	for workers > 1 && !small && !r.forceParallel && r.srcErr == nil && r.end-r.start < ahead {
		if r.end == len(r.buf) && len(r.buf) < ahead+initialBufferSize {
			// Grow once to what the look-ahead needs, not by doubling (each doubling
			// copies what was read so far and clears the new buffer).
			nb := make([]byte, ahead+initialBufferSize)
			r.end = copy(nb, r.buf[r.start:r.end])
			r.start, r.buf = 0, nb
		}
		if err := r.fill(); err != nil {
			break
		}
	}
	if workers <= 1 || small || (r.srcErr != nil && !r.forceParallel) {
		r.sequential = true
		return
	}
	n := inFlightPerCore * workers
	// Many cores: smaller chunks, so that what is read ahead (and the
	// records parsed from it) stays within maxReadAhead.
	chunkSize := r.chunkSize
	if n*chunkSize > maxReadAhead {
		chunkSize = max(maxReadAhead/n, minChunkSize)
	}
	p := &pipeline{
		src:       r.src,
		pending:   append(make([]byte, 0, max(chunkSize, 2*(r.end-r.start))), r.buf[r.start:r.end]...),
		chunkSize: chunkSize,
		maxRow:    r.opts.MaxRowBytes,
		file:      r.opts.File,
		budget:    int64(n+1) * int64(chunkSize),
		order:     make(chan *chunk, n),
		released:  make(chan struct{}, 1),
		freeBufs:  make(chan []byte, n+3), // room for every buffer in use, so none is dropped
		freeRecs:  make(chan []Record, n+3),
	}
	for range workers {
		p.workers = append(p.workers, &Reader{
			opts: r.opts, sniffed: true, schema: r.schema, layout: r.layout,
			bindings: slices.Clone(r.bindings), strBindings: r.strBindings,
			sep: r.sep, decComma: r.decComma, nullLit: r.nullLit,
			noCurrencyCol: r.noCurrencyCol, currency: r.currency, sequential: true,
		})
	}
	r.buf, r.start, r.end = nil, 0, 0
	r.pipe = p
	// A Reader dropped before its end must not leave goroutines blocked.
	runtime.AddCleanup(r, func(p *pipeline) { p.pause() }, p)
}

// Close stops the goroutines of a Reader that parses in parallel and
// releases its buffers; reading after Close returns an error. It does not
// close the underlying io.Reader. Reading to the end (or to an error) or
// returning from a loop over All also stops them, so Close is only needed
// for a Reader read with Read and left before its end.
func (r *Reader) Close() error {
	if r.pipe != nil {
		r.pipe.pause()
		r.pipe = nil
	}
	r.cur = nil
	if r.err == nil {
		r.err = errReaderClosed
	}
	return nil
}

// readPipeline returns the next record from the parsed chunks.
func (r *Reader) readPipeline(rec *Record) error {
	p := r.pipe
	for {
		if c := r.cur; c != nil {
			if r.curIdx < len(c.recs) {
				*rec = c.recs[r.curIdx]
				rec.Line += r.line - 1
				r.curIdx++
				r.rows++
				return nil
			}
			err := c.perr
			if err != nil {
				shiftLine(err, r.line-1)
			} else {
				err = c.err
			}
			r.line += c.lines
			r.cur = nil
			p.release(c)
			if err == nil && c.last {
				err = io.EOF
			}
			if err != nil {
				p.pause()
				r.pipe, r.err = nil, err
				return err
			}
		}
		if !p.running {
			p.start()
		}
		c := <-p.order
		<-c.ready
		r.cur, r.curIdx = c, 0
		r.skipped += c.skipped
		for _, e := range c.skippedErrs {
			shiftLine(e, r.line-1)
			if len(r.skippedErrs) < r.opts.MaxSkippedErrors {
				r.skippedErrs = append(r.skippedErrs, e)
			}
		}
	}
}

func shiftLine(err error, by int) {
	if pe, ok := err.(*ParseError); ok && pe.Line > 0 {
		pe.Line += by
	}
}

// start launches the workers.
func (p *pipeline) start() {
	p.quit = make(chan struct{})
	p.running = true
	for i, w := range p.workers {
		p.wg.Add(1)
		go p.work(i, w, p.quit)
	}
}

// pause stops the goroutines and waits for them; start resumes where they
// stopped (chunks already queued stay queued).
func (p *pipeline) pause() {
	if !p.running {
		return
	}
	close(p.quit)
	p.wg.Wait()
	p.running = false
}

// release returns a handed-out chunk's memory.
func (p *pipeline) release(c *chunk) {
	p.inflight.Add(-int64(len(c.data)))
	select {
	case p.released <- struct{}{}:
	default:
	}
	if c.recs != nil {
		select {
		case p.freeRecs <- c.recs[:0]:
		default:
		}
	}
}

// work claims chunks and parses them until the input ends or quit is
// closed. Each worker reads its own chunk from the source: the bytes it then
// parses are still in its core's cache, where a chunk read by another
// goroutine would first have to travel between cores (measured: copying
// rows out of such chunks took several times as long).
func (p *pipeline) work(i int, w *Reader, quit chan struct{}) {
	defer p.wg.Done()
	for {
		c := p.claim(quit)
		if c == nil {
			return
		}
		p.parse(i, w, c)
		close(c.ready)
	}
}

// claim reads the next chunk and queues it for the Reader in file order,
// both under the lock that keeps chunks in order; nil when the input has
// ended or quit was closed. A chunk interrupted by quit before it was
// queued is kept for the next claim.
func (p *pipeline) claim(quit chan struct{}) *chunk {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-quit:
		return nil
	default:
	}
	if p.ended {
		return nil
	}
	if p.sent == nil {
		p.sent = p.next()
	}
	c := p.sent
	// Bound the bytes read ahead: a chunk that does not fit waits until
	// the Reader has handed out everything before it.
	for p.inflight.Load() > 0 && p.inflight.Load()+int64(len(c.data)) > p.budget {
		select {
		case <-p.released:
		case <-quit:
			return nil
		}
	}
	p.inflight.Add(int64(len(c.data)))
	select {
	case p.order <- c:
	case <-quit:
		p.inflight.Add(-int64(len(c.data)))
		return nil
	}
	p.sent = nil
	p.ended = c.last
	return c
}

// parse reads the records of one chunk with w (worker i), a sequential Reader set up for the
// file's header: into the chunk's batch, or, with a fold, each to the fold as soon as it is
// typed.
func (p *pipeline) parse(i int, w *Reader, c *chunk) {
	defer func() {
		if c.perr == nil && c.foldErr == nil && c.tailErr != nil {
			c.tailErr.Line = c.lines + 1
			c.perr = c.tailErr
		}
	}()
	if len(c.data) == 0 {
		return
	}
	w.buf, w.start, w.end, w.srcErr = c.data, 0, len(c.data), io.EOF
	w.line, w.err, w.skipped, w.skippedErrs = 1, nil, 0, nil
	if p.fold != nil {
		p.foldRows(i, w, c)
	} else {
		p.batchRows(w, c)
	}
	c.lines = w.line - 1
	c.skipped, c.skippedErrs = w.skipped, w.skippedErrs
	w.buf = nil
	if cap(c.data) == p.chunkSize {
		select {
		case p.freeBufs <- c.data[:0]:
		default:
		}
	}
}

// batchRows parses the chunk into its batch of records.
func (p *pipeline) batchRows(w *Reader, c *chunk) {
	var recs []Record
	select {
	case recs = <-p.freeRecs:
	default:
		// Usage rows are 400 bytes to 2 KB; a Record is about 1 KB, so
		// guessing short rows would hold megabytes of empty Records.
		recs = make([]Record, 0, len(c.data)/768+16)
	}
	for {
		if len(recs) == cap(recs) {
			recs = slices.Grow(recs, 1)
		}
		recs = recs[:len(recs)+1]
		if err := w.read(&recs[len(recs)-1]); err != nil {
			recs = recs[:len(recs)-1]
			if err != io.EOF {
				c.perr = err
			}
			break
		}
	}
	c.recs = recs
}

// foldRows hands each record of the chunk to the fold as soon as it is typed, in one Record
// reused for the next row; the chunk keeps none.
func (p *pipeline) foldRows(i int, w *Reader, c *chunk) {
	w.borrow = true // each record is folded before the next row is read
	defer func() { w.borrow = false }()
	var rec Record
	for {
		if err := w.read(&rec); err != nil {
			if err != io.EOF {
				c.perr = err
			}
			return
		}
		c.folded++
		if err := p.fold(i, &rec); err != nil {
			c.foldErr, c.foldLine = err, rec.Line
			return
		}
	}
}

// next reads the next chunk: whole rows from the pending bytes and the
// source, or the rows before an error.
func (p *pipeline) next() *chunk {
	c := &chunk{ready: make(chan struct{})}
	buf := p.pending
	for {
		for len(buf) < cap(buf) && p.srcErr == nil {
			n, err := readSome(p.src, buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			p.srcErr = err
		}
		if p.srcErr != nil {
			c.last = true
			cut := rowsEnd(buf)
			if p.srcErr == io.EOF {
				c.data, p.pending = buf, nil
				if len(buf)-cut > p.maxRow {
					// As on one goroutine: the row is too long before the
					// end of the input shows.
					c.data, c.tailErr = buf[:cut], tooLongError(p.file, 0, p.maxRow, buf[cut:])
				}
				return c
			}
			c.data, c.err, p.pending = buf[:cut], ioError(p.file, p.srcErr), nil
			return c
		}
		cut := rowsEnd(buf)
		if cut > 0 {
			next := p.newBuf(len(buf) - cut)
			p.pending = append(next, buf[cut:]...)
			c.data = buf[:cut]
			return c
		}
		// No row ends in buf: one row is longer than it.
		if len(buf) > p.maxRow {
			c.last = true
			c.tailErr = tooLongError(p.file, 0, p.maxRow, buf)
			p.pending = nil
			return c
		}
		grown := make([]byte, len(buf), min(2*cap(buf), p.maxRow+p.chunkSize))
		copy(grown, buf)
		buf = grown
	}
}

// newBuf returns an empty buffer for a chunk that starts with carry bytes.
func (p *pipeline) newBuf(carry int) []byte {
	if carry <= p.chunkSize/2 {
		select {
		case b := <-p.freeBufs:
			return b
		default:
		}
		return make([]byte, 0, p.chunkSize)
	}
	return make([]byte, 0, 2*carry)
}

// readSome reads into b once, retrying reads that return nothing.
func readSome(r io.Reader, b []byte) (int, error) {
	for range 100 {
		n, err := r.Read(b)
		if n > 0 || err != nil {
			return n, err
		}
	}
	return 0, io.ErrNoProgress
}

// rowsEnd returns the length of the rows that end in b: the position after
// the last line break with an even number of quotes before it, or 0.
func rowsEnd(b []byte) int {
	q := bytes.Count(b, []byte{'"'})
	end := len(b)
	for {
		nl := bytes.LastIndexByte(b[:end], '\n')
		if nl < 0 {
			return 0
		}
		q -= countQuotes(b[nl+1 : end])
		if q%2 == 0 {
			return nl + 1
		}
		end = nl
	}
}
