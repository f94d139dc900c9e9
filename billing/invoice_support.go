package billing

import "github.com/azbilling/azbilling/internal/blob"

// DownloadKind classifies a *DownloadError (its Kind field), so callers can tell an expired link
// from a document that is not a PDF without matching error text.
type DownloadKind = blob.Kind

// Kinds of download failure.
const (
	DownloadKindStatus      DownloadKind = blob.KindStatus      // the blob host answered an unexpected status
	DownloadKindUnavailable DownloadKind = blob.KindUnavailable // 429/5xx or network errors after all retries
	DownloadKindExpired     DownloadKind = blob.KindExpired     // the link expired and could not be refreshed
	DownloadKindIncomplete  DownloadKind = blob.KindIncomplete  // the transfer broke and could not be resumed
	DownloadKindIntegrity   DownloadKind = blob.KindIntegrity   // length, range, MD5 or archive checksum did not match
	DownloadKindTooLarge    DownloadKind = blob.KindTooLarge    // over a size limit (a document, or an archive's expanded size)
	DownloadKindBadURL      DownloadKind = blob.KindBadURL      // not https, loopback without opt-in, or malformed
	DownloadKindContent     DownloadKind = blob.KindContent     // not what was asked for, e.g. an HTML page instead of a PDF
)
