package usage

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestMemoryStaysFlat streams 200k generated rows (never held in memory)
// and checks that the live heap after 200k rows is no larger than after
// 50k: the Reader keeps nothing per row once a record is dropped.
func TestMemoryStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 200k rows")
	}
	live := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	// On one goroutine the Reader holds one buffer; in parallel also up to
	// 8 MiB read ahead and the records parsed from it, which come and go,
	// while 150k rows kept would be 150 MB.
	for _, tc := range []struct {
		workers int
		slack   float64
	}{{1, 512 << 10}, {2, 24 << 20}} {
		r := NewReader(newStreamGen(t, genHeader(t, "ea-c360"), 200_000), &ReaderOptions{Workers: tc.workers})
		n := 0
		var at50k uint64
		for _, err := range r.All() {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == 50_000 {
				at50k = live()
			}
		}
		assert.Equal(t, 200_000, n)
		assert.Less(t, float64(live()), float64(at50k)+tc.slack, "workers %d: live heap grew with the rows read", tc.workers)
	}
}
