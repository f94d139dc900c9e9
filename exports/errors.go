package exports

import (
	"errors"
	"fmt"
)

// ErrIntegrity is what an *IntegrityError unwraps to, for errors.Is.
var ErrIntegrity = errors.New("export data does not match its manifest")

// IntegrityError says that a blob does not match what its run's manifest
// says about it: missing, another size, or another number of rows. No
// records of a blob whose size is wrong are yielded; a wrong row count is
// found at the blob's end, after its records.
type IntegrityError struct {
	Blob string // the blob's name in the container
	What string // "missing", "size", "rows" or "checksum"
	Want int64  // what the manifest says (bytes or rows); 0 for "checksum"
	Got  int64  // what the blob has; 0 for "checksum"
	Err  error  // the storage error for a missing blob; for "checksum", the read error the damage caused, if any
	// Fetches is how often the blob was downloaded before giving up (a partition that fails
	// its size or checksum before any of its records was handed out is downloaded again);
	// 0 when the check failed on the listing, before any download.
	Fetches int
}

// Error says which blob and what differs.
func (e *IntegrityError) Error() string {
	var msg string
	switch e.What {
	case "missing":
		return fmt.Sprintf("azbilling: export blob %s is listed in its manifest but missing from the container", e.Blob)
	case "checksum":
		msg = fmt.Sprintf("azbilling: export blob %s does not match the Content-MD5 the storage account keeps for it (damaged at rest or on the way)", e.Blob)
		if e.Err != nil {
			msg += "; reading it failed: " + e.Err.Error()
		}
	default:
		unit := "bytes"
		if e.What == "rows" {
			unit = "rows"
		}
		msg = fmt.Sprintf("azbilling: export blob %s has %d %s, its manifest says %d", e.Blob, e.Got, unit, e.Want)
	}
	if e.Fetches > 1 {
		msg += fmt.Sprintf(" (downloaded %d times)", e.Fetches)
	}
	return msg
}

// Unwrap returns the storage error of a missing blob, or the read error a damaged blob caused.
func (e *IntegrityError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrIntegrity) true.
func (e *IntegrityError) Is(target error) bool { return target == ErrIntegrity }

// ManifestError says that a manifest.json cannot be used: not JSON, or
// inconsistent (blob count, byte or row totals, names).
type ManifestError struct {
	Blob   string // the manifest's name in the container
	Reason string // what is wrong
	Err    error  // the JSON error, if any
}

// Error names the manifest and what is wrong with it.
func (e *ManifestError) Error() string {
	return fmt.Sprintf("azbilling: export manifest %s %s", e.Blob, e.Reason)
}

// Unwrap returns the JSON error, if any.
func (e *ManifestError) Unwrap() error { return e.Err }

// FormatError says that a blob's content is not what its format promises
// (a Parquet file that does not open, a nested schema).
type FormatError struct {
	Blob   string // the blob's name in the container
	Format Format // the format it was read as
	Err    error  // the decoder's error
}

// Error names the blob and the decoder's complaint.
func (e *FormatError) Error() string {
	return fmt.Sprintf("azbilling: export blob %s is not readable as %s: %v", e.Blob, e.Format, e.Err)
}

// Unwrap returns the decoder's error.
func (e *FormatError) Unwrap() error { return e.Err }

// StorageError says that reading from the storage account failed (after
// the azblob SDK's retries): listing, or downloading a blob.
type StorageError struct {
	Op   string // "list", "download"
	Blob string // the blob or prefix
	Err  error  // the azblob error (*azcore.ResponseError for an answer)
	// Fetches is how often a partition's download was started from scratch before giving up
	// (see IntegrityError.Fetches); 0 for listings and manifests.
	Fetches int
}

// Error names the operation and the blob.
func (e *StorageError) Error() string {
	msg := fmt.Sprintf("azbilling: export storage %s of %s failed: %v", e.Op, e.Blob, e.Err)
	if e.Fetches > 1 {
		msg += fmt.Sprintf(" (downloaded %d times)", e.Fetches)
	}
	return msg
}

// Unwrap returns the azblob error.
func (e *StorageError) Unwrap() error { return e.Err }
