// Package leakcheck finds goroutines that a piece of code started and left running. It is a
// small stand-in for go.uber.org/goleak, for the SDK's own tests: take a Snapshot before the code
// runs, tear down what the test owns (servers, idle connections), then call Leaked or Verify.
//
// Goroutines that existed at the snapshot, the calling goroutine and the testing package's own
// goroutines are ignored. Goroutines get time to finish (connections closing, timers firing)
// before they count as leaked.
package leakcheck

import (
	"bytes"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// DefaultSettle is how long Verify waits for goroutines to finish before calling them leaked.
const DefaultSettle = 5 * time.Second

// Snapshot is the set of goroutines running at one moment, by id.
type Snapshot map[uint64]bool

// Take records the goroutines running now.
func Take() Snapshot {
	s := Snapshot{}
	for _, g := range goroutines() {
		s[g.id] = true
	}
	return s
}

type goroutine struct {
	id    uint64
	stack string
}

// goroutines parses runtime.Stack(all) into one entry per goroutine.
func goroutines() []goroutine {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []goroutine
	for block := range bytes.SplitSeq(buf, []byte("\n\n")) {
		text := string(bytes.TrimSpace(block))
		head, _, _ := strings.Cut(text, "\n")
		// "goroutine 123 [running]:"
		f := strings.Fields(head)
		if len(f) < 2 || f[0] != "goroutine" {
			continue
		}
		id, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			continue
		}
		out = append(out, goroutine{id: id, stack: text})
	}
	return out
}

// currentID is the id of the calling goroutine.
func currentID() uint64 {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	f := strings.Fields(string(buf))
	if len(f) < 2 {
		return 0
	}
	id, _ := strconv.ParseUint(f[1], 10, 64)
	return id
}

// ignored are goroutines of the test framework and the runtime that come and go on their own.
var ignoredFrames = []string{
	"testing.tRunner(",
	"testing.(*T).Run(",
	"testing.(*M).",
	"testing.runFuzzing(",
	"testing.(*F).",
	"os/signal.signal_recv(",
	"os/signal.loop(",
	"runtime.ensureSigM(",
	"runtime/trace.",
}

func isIgnored(stack string) bool {
	for _, f := range ignoredFrames {
		if strings.Contains(stack, f) {
			return true
		}
	}
	return false
}

// Leaked waits up to settle for goroutines started since before to finish and returns the
// stacks of those still running (nil when none are).
func Leaked(before Snapshot, settle time.Duration) []string {
	self := currentID()
	deadline := time.Now().Add(settle)
	wait := time.Millisecond
	for {
		var left []string
		for _, g := range goroutines() {
			if before[g.id] || g.id == self || isIgnored(g.stack) {
				continue
			}
			left = append(left, g.stack)
		}
		if len(left) == 0 || time.Now().After(deadline) {
			slices.Sort(left)
			return left
		}
		time.Sleep(wait)
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// Verify fails t when goroutines started since before are still running after DefaultSettle,
// and prints their stacks.
func Verify(t testing.TB, before Snapshot) {
	t.Helper()
	if left := Leaked(before, DefaultSettle); len(left) > 0 {
		t.Errorf("leakcheck: %d goroutine(s) left running:\n\n%s", len(left), strings.Join(left, "\n\n"))
	}
}
