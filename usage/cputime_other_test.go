//go:build !unix

package usage

import "time"

// processCPU is not available here; the cpu-ms/op metric reads 0.
func processCPU() time.Duration { return 0 }
