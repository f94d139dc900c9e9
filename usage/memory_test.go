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
	r := NewReader(newStreamGen(t, genHeader(t, "ea-c360"), 200_000), nil)
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
	assert.Less(t, float64(live()), float64(at50k)+512<<10, "live heap grew with the rows read")
}
