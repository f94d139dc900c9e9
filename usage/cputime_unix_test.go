//go:build unix

package usage

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system) the test process has used,
// all threads included (so the garbage collector's work counts too). The
// benchmarks report it besides wall time because a loaded machine inflates
// wall time but not CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
