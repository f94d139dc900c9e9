package usage

import (
	"fmt"
	"io"
)

// Fold hands every record r has left to add, the way a loop over r.All() would but on every
// core: when r parses in parallel (see ReaderOptions.Workers), add runs on the goroutine that
// parsed the record, right after typing it, with that goroutine's own state, so that records
// never travel between cores nor wait in batches. newState makes one state per goroutine
// before any record is added; Fold returns them all, for the caller to merge. Records come in
// file order on each goroutine, not across them: Fold suits sums, counts, sets — whatever
// does not depend on the order.
//
// A record, and every string in it, is valid only during its call: it points into a buffer
// that the next rows reuse. Copy what you keep (strings.Clone); this saves the copy of every
// row that All makes.
//
// Fold returns the first error in file order: r's (a *ParseError for bad input) or add's, as a
// *RecordError naming the record's line. Records after that one may have been handed to add on
// other goroutines before the error was found: on error, discard the states. After an error r
// is not to be read further. When r has handed out records in parallel already, the rest are
// added on the calling goroutine (one state).
func Fold[S any](r *Reader, newState func() S, add func(state S, rec *Record) error) ([]S, error) {
	var states []S
	err := r.each(func(n int) {
		states = make([]S, n)
		for i := range states {
			states[i] = newState()
		}
	}, func(w int, rec *Record) error { return add(states[w], rec) })
	return states, err
}

// each hands every record the Reader has left to add. When the Reader parses on several cores
// and has handed out no record yet, add runs on the worker goroutines, each with its index
// (below the count prepare was told), right after the record was typed: the records never
// travel between cores, nor wait in batches. Otherwise add runs on the calling goroutine as
// worker 0 of 1. A record is valid only during its call.
//
// It returns the first error in file order: the Reader's (a *ParseError, an I/O error) or
// add's, as a *RecordError naming the record's line. In parallel, workers may have handed
// records after that one to add before the error was found: on error, the caller discards what
// add built. After an error the Reader is not to be read further (it returns the error again).
func (r *Reader) each(prepare func(workers int), add func(worker int, rec *Record) error) error {
	if r.err == nil {
		if err := r.readHeader(); err != nil {
			return err
		}
		if !r.sequential && r.pipe == nil {
			r.startPipeline()
		}
	}
	if p := r.pipe; r.err == nil && p != nil && !p.running && r.cur == nil && p.sent == nil && len(p.order) == 0 {
		return r.eachParallel(p, prepare, add)
	}
	prepare(1)
	r.borrow = true // each record is handed to add before the next row is read
	defer func() { r.borrow = false }()
	var rec Record
	for {
		err := r.read(&rec)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := add(0, &rec); err != nil {
			r.err = &RecordError{File: r.opts.File, Line: rec.Line, Err: err}
			return r.err
		}
	}
}

// eachParallel is each on a pipeline that has not started: its workers fold, and this goroutine
// takes the chunks in file order to count lines, rows and skipped rows and to find the first
// error.
func (r *Reader) eachParallel(p *pipeline, prepare func(int), add func(int, *Record) error) error {
	prepare(len(p.workers))
	p.fold = add
	p.start()
	for {
		c := <-p.order
		<-c.ready
		r.skipped += c.skipped
		for _, e := range c.skippedErrs {
			shiftLine(e, r.line-1)
			if len(r.skippedErrs) < r.opts.MaxSkippedErrors {
				r.skippedErrs = append(r.skippedErrs, e)
			}
		}
		r.rows += c.folded
		var err error
		switch {
		case c.foldErr != nil:
			err = &RecordError{File: r.opts.File, Line: c.foldLine + r.line - 1, Err: c.foldErr}
		case c.perr != nil:
			shiftLine(c.perr, r.line-1)
			err = c.perr
		default:
			err = c.err
		}
		r.line += c.lines
		p.release(c)
		if err == nil && c.last {
			err = io.EOF
		}
		if err != nil {
			p.pause() // every worker has returned: add is no longer called
			p.fold = nil
			r.pipe, r.err = nil, err
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// RecordError says that a record was read but could not be used: what Fold returns for an
// error of its add function, and Breakdown.Add and AddAll when a record's tags do not parse
// while grouping by tag. It names the record's file (when ReaderOptions.File was set) and line.
type RecordError struct {
	File string // ReaderOptions.File of the Reader that read the record; may be empty
	Line int    // the record's first line in the file
	Err  error  // why (wraps ErrBadTags for tags that do not parse)
}

// Error names the line (and the file, if known) and the cause.
func (e *RecordError) Error() string {
	if e.File != "" {
		return fmt.Sprintf("%s: line %d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("line %d: %v", e.Line, e.Err)
}

// Unwrap returns the cause.
func (e *RecordError) Unwrap() error { return e.Err }
