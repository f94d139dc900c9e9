package invoice

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestBulkOptionsDefaultConcurrency pins the default that internal/bench measured: downloads
// are latency-bound, and 8 in flight is what beats a sequential loop by 5× or more.
func TestBulkOptionsDefaultConcurrency(t *testing.T) {
	assert.Equal(t, 8, (*BulkOptions)(nil).orDefault().Concurrency)
	assert.Equal(t, 8, (&BulkOptions{}).orDefault().Concurrency)
	assert.Equal(t, 8, (&BulkOptions{Concurrency: -1}).orDefault().Concurrency)
	assert.Equal(t, 3, (&BulkOptions{Concurrency: 3}).orDefault().Concurrency)
}
