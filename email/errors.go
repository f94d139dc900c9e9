package email

import (
	"errors"
	"fmt"
)

// Sentinels of this package, for errors.Is.
var (
	// ErrConflict: the billing profile changed between our read and our write, so nothing was
	// written. Read again and retry.
	ErrConflict = errors.New("changed concurrently")
	// ErrNotOptedIn: recipients can only be added to a billing profile that is opted in to
	// invoice e-mail (OptIn opts in and adds recipients in one call).
	ErrNotOptedIn = errors.New("not opted in to invoice e-mail")
)

// ConflictError reports that a billing profile was changed by someone else while an e-mail
// preference update was in progress, so the update was not written (it would have overwritten
// the other change). It matches ErrConflict with errors.Is.
type ConflictError struct {
	Scope string // ARM id of the billing profile
	// ETag is the version the update was based on; "" when the service gave none and the change
	// was found by reading the profile again.
	ETag string
	// StatusCode is 412 when the service refused the If-Match precondition, 0 when a re-read
	// showed the change.
	StatusCode int
	// RequestID is the x-ms-request-id of the refused update, for Azure support; empty without one.
	RequestID string
	Err       error // the service's error (a *billing.ServiceError wrapping *azcore.ResponseError), if any
}

// Error says which profile changed and that nothing was written.
func (e *ConflictError) Error() string {
	s := fmt.Sprintf("azbilling: the billing profile %s changed while its invoice e-mail preference was being updated, so nothing was written; read it again and retry", e.Scope)
	if e.RequestID != "" {
		s += " (request " + e.RequestID + ")"
	}
	return s
}

// Unwrap returns the service's error, if any.
func (e *ConflictError) Unwrap() error { return e.Err }

// Is reports whether target is ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }
