package usage

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// TestSmallSourceIsNotReadAhead checks how the Reader decides between one goroutine and
// several: a source that tells its length (a bytes.Reader, a downloaded blob's spool) is
// parsed on the calling goroutine when small, without the look-ahead buffer; one that does not
// is read ahead into a buffer grown once, not by doubling (each doubling copied what was read
// and cleared a new buffer: measured as the largest CPU cost of a 4-blob Cost Details report
// after MD5).
func TestSmallSourceIsNotReadAhead(t *testing.T) {
	data := genFile(t, genHeader(t, "ea-c360"), 800, false, false)
	require.Greater(t, len(data), 2*initialBufferSize)
	require.Less(t, len(data), 2*defaultChunkSize)

	first := func(src io.Reader) *Reader {
		r := NewReader(src, &ReaderOptions{Workers: 2})
		_, err := r.Read()
		require.NoError(t, err)
		return r
	}
	r := first(bytes.NewReader(data))
	require.True(t, r.sequential)
	require.Equal(t, initialBufferSize, len(r.buf), "a small source of known length is not read ahead")

	r = first(iotest.HalfReader(bytes.NewReader(data))) // no Len: read ahead to find the end
	require.True(t, r.sequential)
	require.Equal(t, 2*defaultChunkSize+initialBufferSize, len(r.buf), "the look-ahead buffer is allocated once")

	big := genFile(t, genHeader(t, "ea-c360"), 6000, false, false)
	require.Greater(t, len(big), 2*defaultChunkSize)
	r = first(bytes.NewReader(big))
	require.False(t, r.sequential, "a large source parses on every core")
	r.Close()
}
