//go:build !plan9

package billing

import "syscall"

// repeatingErrors are the operating system errors that come back for every file of a folder.
func repeatingErrors() []error { return []error{syscall.EROFS, syscall.ENOSPC, syscall.EDQUOT} }
