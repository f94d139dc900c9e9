//go:build unix

package atomicfile

import (
	"os"
	"syscall"
)

const locksWork = true

// tryLock takes an exclusive flock on f without waiting. The lock lives as long as the open
// file: the kernel drops it when the process dies, however it dies.
func tryLock(f *os.File) bool {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == syscall.EINTR {
			continue
		}
		return err == nil
	}
}

// lockWait takes an exclusive flock on f, waiting for it.
func lockWait(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			return err
		}
	}
}
