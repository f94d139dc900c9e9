package usage

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/internal/core"
)

// API versions the client pins. The Cost Details api-version also selects the CSV schema the
// service writes, so it is fixed rather than negotiated.
const (
	// CostDetailsAPIVersion is the Microsoft.CostManagement api-version of Cost Details requests.
	CostDetailsAPIVersion = "2025-03-01"
	// ConsumptionAPIVersion is the Microsoft.Consumption api-version of usage details requests.
	ConsumptionAPIVersion = "2024-08-01"
)

// Metric selects which cost a report holds. The CSV itself does not say, so a Report carries
// the metric it was requested with.
type Metric string

const (
	// ActualCost is cost as billed: reservation and savings plan purchases appear as purchase
	// rows, the usage they cover costs nothing.
	ActualCost Metric = "ActualCost"
	// AmortizedCost spreads reservation and savings plan purchases over their term and moves
	// the cost onto the usage they cover; unused commitment appears as its own rows.
	AmortizedCost Metric = "AmortizedCost"
)

// Source is the Azure API that serves a scope's usage.
type Source int

const (
	// SourceCostDetails is the Cost Management Cost Details report (EA, MCA, MPA).
	SourceCostDetails Source = iota + 1
	// SourceConsumption is the Consumption usage details list (pay-as-you-go, MOSP).
	SourceConsumption
)

// String returns "Cost Details" or "Consumption usage details".
func (s Source) String() string {
	switch s {
	case SourceCostDetails:
		return "Cost Details"
	case SourceConsumption:
		return "Consumption usage details"
	}
	return "unknown"
}

// Options select the usage to fetch. At most one of Period, BillingPeriod and InvoiceID may be
// set. The zero value (or nil) means the actual cost of the open billing period up to today (see
// billing.Period for the words): month to date for EA and MCA/MPA scopes, and for a pay-as-you-go
// subscription its current billing cycle, which starts on the day of the month it was created —
// so for such a subscription nil options and Period: bc.MonthToDate() cover different days.
// A Period (or BillingPeriod) that starts after today by the client's clock is a
// *billing.InputError, as it is for invoice.ListOptions; one that ends after today is cut at today
// by the service.
type Options struct {
	// Metric is ActualCost (the default when empty) or AmortizedCost.
	Metric Metric

	// Period selects usage by date, both ends included. Cost Details reports cover at most one
	// month and go back 13 months: Records and SaveCSV split a longer period at calendar month
	// boundaries and fetch one report per month, in order; Report refuses it. Pay-as-you-go
	// scopes have no such limit (one Consumption listing covers the whole period).
	Period billing.Period

	// BillingPeriod selects an EA billing period, "YYYYMM" (EA scopes only).
	BillingPeriod string

	// InvoiceID selects the charges billed on one MCA invoice (billing profile scope only).
	InvoiceID string

	// Agreement is the agreement of a subscription scope when the caller knows it. Empty means
	// the client asks the service (the subscription's billing property) before fetching usage,
	// to choose between Cost Details and the Consumption API. Ignored for billing scopes, whose
	// agreement shows in the account name.
	Agreement billing.Agreement

	// Reader configures how the usage CSV is parsed (SkipBadRows, CostColumn, ...). Its File is
	// set per blob. Nil means the Reader's defaults.
	Reader *ReaderOptions

	// BlobConcurrency is how many blobs of a Cost Details report are downloaded at once
	// (default 4; 1 downloads them one after the other). Records still come out in blob
	// order: the blobs after the one being read are fetched ahead. Each blob is held whole
	// until its length and MD5 are verified, its first MiB in memory and the rest in an
	// unnamed temporary file (os.TempDir), so memory stays flat whatever the report's size;
	// the disk holds up to BlobConcurrency blobs at a time.
	BlobConcurrency int
}

const defaultBlobConcurrency = 4

// Client fetches usage records for billing scopes and subscriptions: Cost Details reports for
// EA, MCA and MPA scopes, Consumption usage details for pay-as-you-go (MOSP) subscriptions. It is
// safe for concurrent use.
type Client struct {
	bc *billing.Client
	cc *core.Client
}

// NewClient returns a usage Client that sends its requests through bc.
func NewClient(bc *billing.Client) *Client {
	return &Client{bc: bc, cc: (*core.Client)(bc)}
}

// Records yields the usage records of scope selected by opts, in the service's order, read from
// the report blobs (or Consumption pages) with flat memory whatever the size. No record of a
// blob is yielded before the whole blob has arrived and passed its integrity check (the
// manifest's byte count, the host's MD5): a blob that fails it is fetched again from scratch,
// at most twice, before the error (a *billing.DownloadError of kind DownloadKindIntegrity). A report split over several blobs reads as
// one stream. A period longer than a month is fetched as one report per calendar month.
// A report the service refuses as too large (413, its 2 GB limit) is requested again as two
// halves of its date range, and so on down to single days; the parts are read in date order,
// so the records come out as one report's would. A selection that has no date range to split
// (BillingPeriod, InvoiceID) or a single day still too large is a *ReportError with TooLarge set.
//
// Validation errors (*billing.InputError, *billing.UnsupportedError) come before any request.
// Iteration stops at the first error, which is yielded once with a zero Record. Records with no
// usage yield nothing: a report with status NoDataFound, or a 204 answer, is empty, not an error.
func (c *Client) Records(ctx context.Context, scope billing.Scope, opts *Options) iter.Seq2[Record, error] {
	o := copyOptions(opts) // the caller may change opts while we iterate
	return func(yield func(Record, error) bool) {
		p, err := c.prepare(ctx, scope, &o)
		if err != nil {
			yield(Record{}, err)
			return
		}
		err = c.eachReport(ctx, p, func(rep *Report) bool {
			for rec, err := range rep.Records(ctx) {
				if !yield(rec, err) || err != nil {
					return false
				}
			}
			return true
		})
		if err != nil {
			yield(Record{}, err)
		}
	}
}

// Report requests the usage report of scope and returns a handle to it, for callers that need
// the manifest (blob count, bytes, link validity, request echo) or want to read the same
// report more than once. For pay-as-you-go scopes there is no report to generate: the handle
// (Source SourceConsumption) lists the Consumption API when read.
//
// A report covers at most one month: a longer opts.Period is an *billing.InputError here (use
// Records or SaveCSV, which split it, or call Report per month with Period.Months). A Report
// is one operation with one manifest, so a report the service refuses as too large is not
// split here: the answer is a *ReportError with TooLarge set (Records, SaveCSV and
// Scopes split it by date; or call Report for shorter periods).
func (c *Client) Report(ctx context.Context, scope billing.Scope, opts *Options) (*Report, error) {
	o := copyOptions(opts)
	p, err := c.prepare(ctx, scope, &o)
	if err != nil {
		return nil, err
	}
	if len(p.parts) > 1 {
		return nil, &billing.InputError{Field: "period", Value: o.Period.String(),
			Reason: "a Cost Details report covers at most one month; use Records or SaveCSV, which fetch one report per month, or call Report for each of Period.Months()"}
	}
	rep, err := c.open(ctx, p, p.parts[0])
	if err != nil && isTooLarge(err) {
		return nil, tooLargeError(p, p.parts[0], err,
			"is larger than the service's report size limit; Records and SaveCSV split it by date, or request shorter periods")
	}
	return rep, err
}

// SaveCSV saves the usage of scope selected by opts as one CSV file at path and returns the
// number of bytes written. The file holds the report's blobs in order under one header row:
// the first blob as the service wrote it (byte order mark included), every later blob without
// its own header row. A period longer than a month is saved as its months' reports, likewise
// under one header, and so is a report split by date because the service refused it as too
// large (see Records). Pay-as-you-go usage, which comes as JSON, is written in the pay-as-you-go
// "usage only" CSV layout. When there is no usage the file is empty (0 bytes).
//
// The file is written atomically: to a temporary file in the same folder (created if missing;
// an unnamed one where Linux offers O_TMPFILE, so even a killed process leaves nothing),
// synced, then renamed over path, with mode 0644 before the umask. On any error no file is left
// at path (an existing file there is kept); temporary files that killed processes left in the
// folder are removed, never one another live process is writing. A blob that fails its
// integrity check (MD5, length) is fetched again from scratch, at most twice; the save goes on. Local trouble is a
// *billing.FileError naming path.
func (c *Client) SaveCSV(ctx context.Context, scope billing.Scope, opts *Options, path string) (int64, error) {
	o := copyOptions(opts)
	p, err := c.prepare(ctx, scope, &o)
	if err != nil {
		return 0, err
	}
	return writeFileAtomic(path, func(cw *csvConcat) error {
		var werr error
		err := c.eachReport(ctx, p, func(rep *Report) bool {
			werr = rep.writeCSV(ctx, cw)
			return werr == nil
		})
		if err != nil {
			return err
		}
		return werr
	})
}

func copyOptions(opts *Options) Options {
	if opts == nil {
		return Options{}
	}
	o := *opts
	if opts.Reader != nil {
		r := *opts.Reader
		o.Reader = &r
	}
	return o
}

// ErrReportFailed is the sentinel of a *ReportError.
var ErrReportFailed = errors.New("usage report failed")

// ReportError reports a Cost Details report that the service could not produce (status
// Failed), one that changed when it was requested again for fresh download links, or one the
// service refused as too large where the SDK could not split it further (TooLarge).
type ReportError struct {
	Scope   string // ARM id of the scope
	Status  string // the operation's status, e.g. "Failed"
	Code    string // error.code of the operation, verbatim
	Message string // error.message of the operation, verbatim
	Reason  string // what the SDK concluded, when it is not the service's own failure
	// RequestID is the x-ms-request-id of the request that failed, for Azure support.
	RequestID string
	// TooLarge is set when the service refused the report as larger than its size limit (413,
	// "2Gb") and the selection could not be split further: a single day, an EA billing period,
	// an MCA invoice, or a Report handle. Cost Management exports have no such limit.
	TooLarge bool
	// Period is the date range that was refused, when TooLarge is set and the request had one.
	Period billing.Period
	// Err is the service's answer that the SDK concluded from (e.g. the 413 *billing.ServiceError),
	// or nil.
	Err error
}

// Error says which report failed and why, in one sentence.
func (e *ReportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "azbilling: the usage report for %s ", e.Scope)
	switch {
	case e.Reason != "":
		b.WriteString(e.Reason)
	default:
		fmt.Fprintf(&b, "ended with status %s", e.Status)
		if e.Code != "" {
			b.WriteString(" (" + e.Code + ")")
		}
		if e.Message != "" {
			b.WriteString(": " + strings.TrimRight(e.Message, ". "))
		}
		b.WriteString("; request it again later")
	}
	if e.RequestID != "" {
		b.WriteString(" (request " + e.RequestID + ")")
	}
	return b.String()
}

// Is reports whether target is ErrReportFailed.
func (e *ReportError) Is(target error) bool { return target == ErrReportFailed }

// Unwrap returns Err.
func (e *ReportError) Unwrap() error { return e.Err }
