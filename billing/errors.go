package billing

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/azbilling/azbilling/internal/arm"
	"github.com/azbilling/azbilling/internal/blob"
	"github.com/azbilling/azbilling/roles"
)

// Sentinels that the typed errors of this SDK unwrap to, for errors.Is.
var (
	// ErrNotFound: the resource does not exist, or is not visible to the caller.
	ErrNotFound = errors.New("not found")
	// ErrThrottled: the service asked us to slow down and retries did not get through.
	ErrThrottled = errors.New("throttled")
	// ErrUnsupported: no Azure API offers this for the agreement or scope.
	ErrUnsupported = errors.New("not supported")
	// ErrNotAvailable: the data exists in principle but not (yet) for this scope and period.
	ErrNotAvailable = errors.New("not available")
	// ErrInvalidInput: a name, id, period or option was rejected before any request.
	ErrInvalidInput = errors.New("invalid input")
)

// NotFoundError is a 404 from the service: the resource does not exist or the caller cannot see it.
type NotFoundError struct {
	Resource  string // ARM id or path of what was asked for
	Code      string // ARM error code, verbatim
	Message   string // ARM error message, verbatim
	RequestID string
	Err       error // *azcore.ResponseError
}

func (e *NotFoundError) Error() string {
	s := fmt.Sprintf("azbilling: %s was not found", e.Resource)
	if e.Code != "" {
		s += " (" + e.Code + ")"
	}
	return s + requestSuffix(e.RequestID)
}
func (e *NotFoundError) Unwrap() error        { return e.Err }
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// ThrottledError is a 429 or 503 that azcore's retries did not get past.
type ThrottledError struct {
	StatusCode int
	RetryAfter time.Duration // the longest delay any throttle header asked for; 0 if none
	Code       string
	Message    string
	RequestID  string
	Err        error
}

func (e *ThrottledError) Error() string {
	s := fmt.Sprintf("azbilling: Azure is throttling requests (status %d)", e.StatusCode)
	if e.RetryAfter > 0 {
		s += fmt.Sprintf("; retry after %s", e.RetryAfter.Round(time.Millisecond))
	}
	return s + requestSuffix(e.RequestID)
}
func (e *ThrottledError) Unwrap() error        { return e.Err }
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// ServiceError is any other error answer from Azure (400, 409, 500 after retries, ...).
type ServiceError struct {
	StatusCode int
	Code       string
	Message    string
	Target     string
	RequestID  string
	Err        error // *azcore.ResponseError
}

func (e *ServiceError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "azbilling: Azure answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + blob.RedactText(e.Message))
	}
	b.WriteString(requestSuffix(e.RequestID))
	return b.String()
}
func (e *ServiceError) Unwrap() error { return e.Err }

// UnsupportedError says that no Azure API offers an operation for an agreement or scope, and
// where a person can do it instead.
type UnsupportedError struct {
	Operation   string          // what was asked, e.g. "update invoice e-mail preference"
	Agreement   roles.Agreement // the agreement it was asked for
	Scope       string
	Reason      string // why not
	Alternative string // where to do it instead, e.g. a portal path
	Err         error
}

func (e *UnsupportedError) Error() string {
	s := fmt.Sprintf("azbilling: cannot %s", e.Operation)
	if e.Agreement != "" {
		s += " for a " + e.Agreement.String() + " account"
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Alternative != "" {
		s += "; instead: " + e.Alternative
	}
	return s
}
func (e *UnsupportedError) Unwrap() error        { return e.Err }
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

// InputError rejects a name, id, period or option before any request is sent.
type InputError struct {
	Field  string // what was wrong, e.g. "billing profile name"
	Value  string // the offending value, truncated
	Reason string
}

func (e *InputError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("azbilling: invalid %s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("azbilling: invalid %s %q: %s", e.Field, e.Value, e.Reason)
}
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

func inputError(field, value, reason string) *InputError {
	const max = 80
	if len(value) > max {
		value = value[:max] + "…"
	}
	return &InputError{Field: field, Value: value, Reason: reason}
}

// ProtocolError is a response that does not follow the protocol: HTML where JSON was expected, a
// 202 without a Location, a body over the size limit.
type ProtocolError = arm.ProtocolError

// DownloadError is a failed document or usage-file download from a blob host. Its URL never
// contains the SAS query string.
type DownloadError = blob.Error

func requestSuffix(id string) string {
	if id == "" {
		return ""
	}
	return " (request " + id + ")"
}

// mapFailure turns a failed ARM response into the SDK's typed errors.
func mapFailure(f *arm.Failure) error {
	switch {
	case f.StatusCode == http.StatusUnauthorized || f.StatusCode == http.StatusForbidden:
		return &roles.PermissionError{
			Action:     f.Call.Action,
			Scope:      f.Call.Scope,
			Agreement:  f.Call.Agreement,
			Required:   roles.Allowing(f.Call.Agreement, f.Call.Action),
			Policy:     f.Call.Policy,
			StatusCode: f.StatusCode,
			Code:       f.Body.Code,
			Message:    blob.RedactText(f.Body.Message),
			RequestID:  f.RequestID,
			Err:        f.Err,
		}
	case f.StatusCode == http.StatusNotFound:
		res := f.Call.Scope
		if res == "" {
			res = "the resource"
		}
		return &NotFoundError{Resource: res, Code: f.Body.Code, Message: f.Body.Message, RequestID: f.RequestID, Err: f.Err}
	case f.StatusCode == http.StatusTooManyRequests || f.StatusCode == http.StatusServiceUnavailable:
		return &ThrottledError{StatusCode: f.StatusCode, RetryAfter: f.RetryAfter, Code: f.Body.Code, Message: f.Body.Message, RequestID: f.RequestID, Err: f.Err}
	}
	return &ServiceError{StatusCode: f.StatusCode, Code: f.Body.Code, Message: f.Body.Message, Target: f.Body.Target, RequestID: f.RequestID, Err: f.Err}
}

// FileError is local file trouble while the SDK writes a file you asked for: creating its folder,
// creating, writing, syncing or renaming it into place. Path is always the file you asked for —
// never the temporary file the SDK writes first — and Err is the operating system's error
// (usually an *fs.PathError, rebuilt to name Path as well), so errors.Is(err, fs.ErrPermission)
// and the like work.
type FileError struct {
	// Op is what failed: "create folder", "create", "write", "sync", "rename" or "read".
	Op string
	// Path is the final path of the file (or the folder, for "create folder").
	Path string
	// Err is the cause.
	Err error
}

// Error says what failed on which file, and the operating system's reason.
func (e *FileError) Error() string {
	msg := "unknown error"
	if e.Err != nil {
		msg = e.Err.Error()
		var pe *fs.PathError
		if errors.As(e.Err, &pe) && pe.Err != nil {
			msg = pe.Err.Error() // the path is already in the message
		}
	}
	return fmt.Sprintf("azbilling: %s %s: %s", e.Op, e.Path, msg)
}

// Unwrap returns the operating system's error.
func (e *FileError) Unwrap() error { return e.Err }

// Repeats reports whether the same error would come back for every other file written to the
// same folder: no permission, a read-only file system, a full disk, an exceeded quota. Bulk
// downloads stop at the first such error instead of trying every document.
func (e *FileError) Repeats() bool {
	if errors.Is(e.Err, fs.ErrPermission) {
		return true
	}
	for _, target := range repeatingErrors() {
		if errors.Is(e.Err, target) {
			return true
		}
	}
	return false
}
