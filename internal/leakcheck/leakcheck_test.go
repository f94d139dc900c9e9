package leakcheck

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func blockedForever(ch chan struct{}) { <-ch }

func TestLeakedFindsAGoroutineLeftRunning(t *testing.T) {
	before := Take()
	ch := make(chan struct{})
	go blockedForever(ch)

	left := Leaked(before, 50*time.Millisecond)
	require.Len(t, left, 1)
	assert.True(t, strings.Contains(left[0], "blockedForever"), left[0])

	close(ch)
	assert.Empty(t, Leaked(before, time.Second), "a goroutine that ends is not a leak")
}

func TestLeakedWaitsForGoroutinesThatAreFinishing(t *testing.T) {
	before := Take()
	go func() { time.Sleep(30 * time.Millisecond) }()
	assert.Empty(t, Leaked(before, 2*time.Second))
}

func TestSnapshotIgnoresExistingGoroutines(t *testing.T) {
	ch := make(chan struct{})
	defer close(ch)
	go blockedForever(ch)
	time.Sleep(time.Millisecond)
	before := Take()
	assert.Empty(t, Leaked(before, 10*time.Millisecond))
}

func TestVerifyPassesWhenNothingLeaks(t *testing.T) {
	before := Take()
	done := make(chan struct{})
	go func() { close(done) }()
	<-done
	Verify(t, before)
}
