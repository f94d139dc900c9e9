//go:build !(linux && (amd64 || arm64 || 386 || arm || riscv64 || loong64 || ppc64 || ppc64le || s390x))

package atomicfile

import (
	"errors"
	"os"
)

func createUnnamed(string) (*os.File, bool) { return nil, false }

func linkUnnamed(*os.File, string, string, string) (string, error) {
	return "", errors.New("atomicfile: unnamed files are not available here") // createUnnamed never succeeds
}
