// Package readahead overlaps reading a stream with consuming it: a goroutine fills buffers from
// the source (network reads, TLS decryption and integrity hashing happen there) while the caller
// parses the previous buffer on its own core.
package readahead

import (
	"errors"
	"io"
	"sync"
)

type chunk struct {
	b   []byte
	err error
}

// Reader reads src ahead of its caller. Close must be called; it stops the goroutine. Reader is
// for one consumer goroutine; src is only ever used by the read-ahead goroutine and, after it has
// ended, by Close.
type Reader struct {
	src    io.ReadCloser
	full   chan chunk
	free   chan []byte
	done   chan struct{}
	exited chan struct{}
	once   sync.Once

	cur []byte // unread part of the current buffer
	buf []byte // the current buffer, returned to free when consumed
	err error
}

// New starts reading src in buffers of size bytes, at most n buffers ahead.
func New(src io.ReadCloser, size, n int) *Reader {
	if size <= 0 {
		size = 256 << 10
	}
	if n < 2 {
		n = 2
	}
	r := &Reader{src: src, full: make(chan chunk, n), free: make(chan []byte, n), done: make(chan struct{}), exited: make(chan struct{})}
	for range n {
		r.free <- make([]byte, size)
	}
	go r.fill()
	return r
}

func (r *Reader) fill() {
	defer close(r.exited)
	for {
		var buf []byte
		select {
		case buf = <-r.free:
		case <-r.done:
			return
		}
		n, err := io.ReadFull(r.src, buf)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = io.EOF
		}
		select {
		case r.full <- chunk{b: buf[:n], err: err}:
		case <-r.done:
			return
		}
		if err != nil {
			return
		}
	}
}

// Read implements io.Reader.
func (r *Reader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.buf != nil {
			r.free <- r.buf[:cap(r.buf)]
			r.buf = nil
		}
		select {
		case c := <-r.full:
			r.buf, r.cur, r.err = c.b, c.b, c.err
		case <-r.exited:
			// The goroutine ended without a chunk for us: it was closed.
			select {
			case c := <-r.full:
				r.buf, r.cur, r.err = c.b, c.b, c.err
			default:
				r.err = errClosed
			}
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

var errClosed = errors.New("readahead: reader closed")

// Close stops the read-ahead, waits for the goroutine to end and closes the source. A read in
// progress is finished first: cancel its context to cut it short.
func (r *Reader) Close() error {
	var err error
	r.once.Do(func() {
		close(r.done)
		<-r.exited
		err = r.src.Close()
	})
	return err
}
