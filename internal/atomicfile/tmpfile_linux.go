//go:build linux && (amd64 || arm64 || 386 || arm || riscv64 || loong64 || ppc64 || ppc64le || s390x)

package atomicfile

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"unsafe"
)

// oTmpfile is Linux's O_TMPFILE (__O_TMPFILE | O_DIRECTORY) on the architectures listed above.
const oTmpfile = 0o20000000 | syscall.O_DIRECTORY

const atSymlinkFollow = 0x400

// createUnnamed opens an unnamed file in dir (O_TMPFILE), locked. ok is false when the file
// system or kernel does not offer it, or /proc is not there to link it later.
func createUnnamed(dir string) (*os.File, bool) {
	fd, err := syscall.Open(dir, oTmpfile|syscall.O_RDWR|syscall.O_CLOEXEC, uint32(Mode))
	if err != nil {
		return nil, false
	}
	f := os.NewFile(uintptr(fd), filepath.Join(dir, "(unnamed)"))
	if _, err := os.Stat(procPath(f)); err != nil || !tryLock(f) {
		f.Close()
		return nil, false
	}
	return f, true
}

func procPath(f *os.File) string { return "/proc/self/fd/" + strconv.Itoa(int(f.Fd())) }

// linkUnnamed gives an unnamed file a name in dir.
func linkUnnamed(f *os.File, dir, prefix, suffix string) (string, error) {
	src, err := syscall.BytePtrFromString(procPath(f))
	if err != nil {
		return "", err
	}
	for range 16 {
		name := filepath.Join(dir, prefix+marker+randomHex()+suffix)
		dst, err := syscall.BytePtrFromString(name)
		if err != nil {
			return "", err
		}
		atFDCWD := -100
		_, _, errno := syscall.Syscall6(syscall.SYS_LINKAT, uintptr(atFDCWD), uintptr(unsafe.Pointer(src)),
			uintptr(atFDCWD), uintptr(unsafe.Pointer(dst)), atSymlinkFollow, 0)
		if errno == syscall.EEXIST {
			continue
		}
		if errno != 0 {
			return "", &os.LinkError{Op: "link", Old: procPath(f), New: name, Err: errno}
		}
		return name, nil
	}
	return "", syscall.EEXIST
}
