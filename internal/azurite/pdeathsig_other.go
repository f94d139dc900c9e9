//go:build !linux

package azurite

import "os/exec"

// dieWithParent is a no-op where the OS has no parent-death signal; Close stops Azurite.
func dieWithParent(*exec.Cmd) {}
