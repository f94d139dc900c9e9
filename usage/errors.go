package usage

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Sentinel errors. A *ParseError unwraps to one of them, so callers can write
// errors.Is(err, usage.ErrBadDecimal).
var (
	// ErrUnknownHeader means the header row matches no known usage file layout,
	// or lacks a column every layout needs.
	ErrUnknownHeader = errors.New("unrecognised usage file header")
	// ErrNoHeader means the input holds no header row (it is empty).
	ErrNoHeader = errors.New("no header row")
	// ErrFieldCount means a row has a different number of fields than the header.
	ErrFieldCount = errors.New("wrong number of fields")
	// ErrQuote means a field's quoting breaks RFC 4180: a bare quote in an
	// unquoted field, text after a closing quote, or a quote never closed.
	ErrQuote = errors.New("bad quoting")
	// ErrRowTooLong means a row exceeds ReaderOptions.MaxRowBytes, which
	// usually means an unclosed quote swallowed the rest of the file.
	ErrRowTooLong = errors.New("row too long")
	// ErrBadDecimal means a quantity, price or cost is not a decimal number.
	ErrBadDecimal = errors.New("bad decimal")
	// ErrBadDate means a date is in none of the accepted formats or does not exist.
	ErrBadDate = errors.New("bad date")
	// ErrBadBool means a boolean column holds something other than true or false.
	ErrBadBool = errors.New("bad boolean")
	// ErrBadTags means a Tags or AdditionalInfo value is not a (possibly
	// brace-less) JSON object.
	ErrBadTags = errors.New("bad tags")
	// ErrBadAdditionalInfo means an AdditionalInfo value is not a JSON object.
	ErrBadAdditionalInfo = errors.New("bad additional info")
	// ErrBadCurrency means a currency code is not three letters.
	ErrBadCurrency = errors.New("bad currency code")
	// ErrTooLarge means gzip input decompressed to more than
	// ReaderOptions.MaxDecompressedBytes (or looked like a decompression bomb).
	ErrTooLarge = errors.New("decompressed input too large")
	// ErrMissingField means a Consumption usage detail has no date or no cost under any name
	// the SDK knows (date/usageStart; cost/costInBillingCurrency/pretaxCost): an item shape it
	// cannot read, which must not become a row of zeros.
	ErrMissingField = errors.New("usage detail without a date or a cost")
)

// ParseError describes a row or header that could not be read or typed.
// It unwraps to one of the package's sentinel errors (and to the cause, such
// as billing.ErrInvalidDecimal, where there is one).
type ParseError struct {
	File   string // ReaderOptions.File; empty if not set
	Line   int    // 1-based line where the row starts; 0 from ParseDate and the like
	Column int    // 1-based column (field) number; 0 when the error concerns the whole row
	Header string // the column's header as written in the file; empty when Column is 0
	Text   string // the offending text, truncated to about 80 bytes
	Err    error  // a sentinel such as ErrBadDecimal, possibly wrapping a cause
}

// Error says where the problem is and what text caused it, in one line.
func (e *ParseError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ", column %d", e.Column)
			if e.Header != "" {
				fmt.Fprintf(&b, " (%s)", e.Header)
			}
		}
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("parse error")
	}
	if e.Text != "" {
		fmt.Fprintf(&b, ": %q", e.Text)
	}
	return b.String()
}

// Unwrap returns the sentinel (or wrapped cause).
func (e *ParseError) Unwrap() error { return e.Err }

// causeError pairs a sentinel with the lower-level error that triggered it,
// so errors.Is matches both while the message stays short.
type causeError struct {
	sentinel error
	cause    error
}

func (e *causeError) Error() string   { return e.sentinel.Error() }
func (e *causeError) Unwrap() []error { return []error{e.sentinel, e.cause} }

func withCause(sentinel, cause error) error {
	if cause == nil {
		return sentinel
	}
	return &causeError{sentinel: sentinel, cause: cause}
}

// maxErrorText bounds ParseError.Text: a broken quote can make a "field"
// megabytes long, and an error message should stay readable.
const maxErrorText = 80

func truncateText(b []byte) string {
	if len(b) <= maxErrorText {
		return string(b)
	}
	n := maxErrorText
	// Do not cut a multi-byte character in half.
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return string(b[:n]) + "…"
}
