package exports

import (
	"time"

	"github.com/azbilling/azbilling/billing"
)

// APIVersion is the Microsoft.CostManagement api-version of every export
// request: 2025-03-01, the version in which FOCUS, Parquet, compression and
// partitioning are generally available.
const APIVersion = "2025-03-01"

// Dataset is what an export holds. Values the SDK does not know are kept as
// the service wrote them.
type Dataset string

// The cost and usage datasets.
const (
	// ActualCost is cost as billed.
	ActualCost Dataset = "ActualCost"
	// AmortizedCost spreads reservation and savings plan purchases over their term.
	AmortizedCost Dataset = "AmortizedCost"
	// FocusCost is the FinOps FOCUS dataset (actual and amortized cost in one).
	// Not offered for pay-as-you-go (MOSP) scopes nor management groups.
	FocusCost Dataset = "FocusCost"
)

// DefaultDataVersion is the dataset version an export gets when
// Definition.DataVersion is empty: the current version of each dataset.
func DefaultDataVersion(d Dataset) string {
	if d == FocusCost {
		return "1.0r2"
	}
	return "2023-05-01"
}

// Format is the file format of an export's blobs.
type Format string

// Formats.
const (
	CSV     Format = "Csv"     // comma-separated values, a header row in every blob
	Parquet Format = "Parquet" // Apache Parquet
)

// Compression is how an export's blobs are compressed: gzip for CSV, snappy
// (inside the file) for Parquet.
type Compression string

// Compressions, spelled as the service spells them.
const (
	NoCompression Compression = "none"   // plain files
	Gzip          Compression = "gzip"   // CSV blobs gzip-compressed (.csv.gz)
	Snappy        Compression = "snappy" // Parquet pages snappy-compressed
)

// Recurrence is how often a scheduled export runs.
type Recurrence string

// Recurrences.
const (
	Daily    Recurrence = "Daily"    // every day (month to date: the open month so far)
	Weekly   Recurrence = "Weekly"   // every week
	Monthly  Recurrence = "Monthly"  // every month
	Annually Recurrence = "Annually" // every year
)

// Timeframe is the period an export run covers.
type Timeframe string

// Timeframes.
const (
	MonthToDate  Timeframe = "MonthToDate"  // the open month up to the run
	TheLastMonth Timeframe = "TheLastMonth" // the previous calendar month
	Custom       Timeframe = "Custom"       // Definition.Period
)

// Overwrite says what a run does to the output of an earlier run of the
// same period.
type Overwrite string

// Overwrite behaviours.
const (
	// OverwritePreviousReport replaces the period's earlier output.
	OverwritePreviousReport Overwrite = "OverwritePreviousReport"
	// CreateNewReport keeps every run's output side by side (the service's default).
	CreateNewReport Overwrite = "CreateNewReport"
)

// Destination is the storage account, container and folder an export writes to.
type Destination struct {
	// ResourceID is the ARM id of the storage account.
	ResourceID string
	// Container is the blob container; the service creates it if missing.
	Container string
	// RootFolder is the folder inside the container; runs are written under
	// RootFolder/ExportName/YYYYMMDD-YYYYMMDD/.
	RootFolder string
}

// Schedule makes an export run on its own.
type Schedule struct {
	// Recurrence is how often it runs; empty means Daily.
	Recurrence Recurrence
	// From is when the schedule starts (must be in the future when created);
	// zero means now.
	From time.Time
	// To is when the schedule ends; zero means one year after From.
	To time.Time
	// Inactive pauses the schedule.
	Inactive bool
}

// Definition is what an export is: which data, for which period, in which
// format, delivered where. Its zero value (with a Destination) is a one-time
// export of the actual cost, month to date, as CSV.
type Definition struct {
	// Dataset is ActualCost (the default), AmortizedCost or FocusCost.
	Dataset Dataset
	// DataVersion is the dataset's schema version; empty means
	// DefaultDataVersion(Dataset).
	DataVersion string
	// Timeframe is the period a run covers; empty means MonthToDate, or
	// Custom when Period is set.
	Timeframe Timeframe
	// Period is the range of a Custom timeframe (at most one month).
	Period billing.Period
	// Schedule, if not nil, runs the export on a schedule; nil is a one-time export.
	Schedule *Schedule
	// Format is CSV (the default) or Parquet.
	Format Format
	// Compression is Gzip for CSV or Snappy for Parquet; empty means none.
	Compression Compression
	// Overwrite is what a run does to an earlier run's output of the same
	// period; empty means the service's default (CreateNewReport).
	Overwrite Overwrite
	// Destination is where the export writes. Required.
	Destination Destination
	// Description is free text shown in the portal.
	Description string
	// Location, if set, gives the export a system-assigned managed identity
	// in that Azure region, which a storage account behind a firewall needs
	// (grant it access on the account).
	Location string
}

// Export is an export as the service holds it.
type Export struct {
	// ID is the export's ARM id.
	ID string
	// Name is the export's name.
	Name string
	// ETag changes with every update.
	ETag string
	// Definition is the export's settings as the service reports them.
	Definition Definition
	// NextRun is the service's estimate of the next scheduled run; zero if none.
	NextRun time.Time
	// History holds the most recent runs when asked for (Get with history).
	History []RunInfo
}

// RunStatus is the state of one export run.
type RunStatus string

// Run statuses.
const (
	RunQueued              RunStatus = "Queued"              // accepted, not started
	RunInProgress          RunStatus = "InProgress"          // writing
	RunCompleted           RunStatus = "Completed"           // its manifest and blobs are written
	RunFailed              RunStatus = "Failed"              // ended with an error (RunInfo.ErrorCode)
	RunTimeout             RunStatus = "Timeout"             // took too long and was stopped
	RunNewDataNotAvailable RunStatus = "NewDataNotAvailable" // nothing new since the last run
	RunDataNotAvailable    RunStatus = "DataNotAvailable"    // no data for the period
)

// Done reports whether the run has ended, successfully or not.
func (s RunStatus) Done() bool {
	switch s {
	case RunQueued, RunInProgress, "":
		return false
	}
	return true
}

// RunInfo is one entry of an export's run history.
type RunInfo struct {
	// ID is the run's ARM id; its last segment is the run id.
	ID string
	// RunID is the last segment of ID, the folder the run's blobs are in.
	RunID string
	// ExecutionType is "OnDemand" or "Scheduled".
	ExecutionType string
	// Status is the run's last known state.
	Status RunStatus
	// SubmittedBy is the user who asked for it, or "System".
	SubmittedBy string
	// Submitted, Started and Ended are when it was queued, picked up and finished.
	Submitted, Started, Ended time.Time
	// Period is the range of data it covers.
	Period billing.Period
	// ManifestFile is where its manifest is, as the service reports it.
	ManifestFile string
	// ErrorCode and ErrorMessage say why it failed, when it did.
	ErrorCode, ErrorMessage string
}
