package readahead

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type closer struct {
	io.Reader
	closed bool
}

func (c *closer) Close() error { c.closed = true; return nil }

func TestReadsEverythingInOrder(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 100_000)
	src := &closer{Reader: iotest.HalfReader(bytes.NewReader(data))}
	r := New(src, 4096, 3)
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, data, got)
	require.NoError(t, r.Close())
	assert.True(t, src.closed)
}

func TestPassesErrorsAfterTheData(t *testing.T) {
	boom := errors.New("boom")
	src := &closer{Reader: io.MultiReader(bytes.NewReader([]byte("abc")), iotest.ErrReader(boom))}
	r := New(src, 2, 2)
	got, err := io.ReadAll(r)
	assert.Equal(t, "abc", string(got))
	assert.ErrorIs(t, err, boom)
	require.NoError(t, r.Close())
}

func TestCloseEarlyStopsTheGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 50 {
		r := New(&closer{Reader: bytes.NewReader(make([]byte, 1<<20))}, 1024, 2)
		buf := make([]byte, 10)
		_, err := r.Read(buf)
		require.NoError(t, err)
		require.NoError(t, r.Close())
		require.NoError(t, r.Close(), "Close twice is fine")
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before)
}
