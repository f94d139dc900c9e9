package billingtest

import "time"

// usageConfig holds the usage feature's settings. The zero value means the defaults below.
type usageConfig struct {
	rowsPerDay int           // usage rows per subscription per day; 0 = defaultUsageRowsPerDay
	blobSize   int64         // a report blob is cut before it exceeds this size; 0 = defaultUsageBlobSize
	linkTTL    time.Duration // lifetime of a report's blob links (validTill); 0 = one hour
	noData     UsageNoData
	failures   int  // the first failures reports end with status Failed
	pageSize   int  // Consumption usageDetails page size; 0 = defaultUsagePageSize
	olderShape bool // WithOlderConsumptionShape
	// limits are the Cost Details request rate limits (usage_limits.go); zero = none.
	limits CostDetailsLimits
	// reportLimit is the largest Cost Details report in bytes; 0 = defaultUsageReportLimit.
	reportLimit int64
	// extraSubs is the number of EA subscriptions WithEASubscriptions adds.
	extraSubs int
	// inMemory renders report blobs once, when the report completes (WithUsageBlobsInMemory).
	inMemory bool
}

const (
	defaultUsageRowsPerDay = 4
	defaultUsageBlobSize   = 64 << 20
	defaultUsagePageSize   = 1000
)

func (c usageConfig) withDefaults() usageConfig {
	if c.rowsPerDay <= 0 {
		c.rowsPerDay = defaultUsageRowsPerDay
	}
	if c.blobSize <= 0 {
		c.blobSize = defaultUsageBlobSize
	}
	if c.linkTTL <= 0 {
		c.linkTTL = time.Hour
	}
	if c.pageSize <= 0 {
		c.pageSize = defaultUsagePageSize
	}
	if c.reportLimit <= 0 {
		c.reportLimit = defaultUsageReportLimit
	}
	return c
}

// UsageNoData selects how a Cost Details report without any cost data is answered.
type UsageNoData int

const (
	// NoDataFound completes the operation with status NoDataFound (the default).
	NoDataFound UsageNoData = iota
	// NoDataNoContent answers the generateCostDetailsReport POST itself with 204 No Content.
	NoDataNoContent
	// NoDataNoContentOnPoll answers the final poll of the operation with 204 No Content.
	NoDataNoContentOnPoll
)

// WithUsageRowsPerDay sets how many usage rows each subscription produces per day (default 4).
// Reports and usage pages are generated on the fly, so a month can reach millions of rows
// without being stored: rows/day × days × subscriptions in scope, plus a few reservation rows.
func WithUsageRowsPerDay(n int) Option { return func(c *config) { c.usage.rowsPerDay = n } }

// WithUsageBlobSize sets the size above which a Cost Details report is split into several
// blobs (default 64 MiB). Each blob carries its own header row, as partitioned reports do.
func WithUsageBlobSize(bytes int64) Option { return func(c *config) { c.usage.blobSize = bytes } }

// WithUsageLinkTTL sets how long a report's blob links stay valid, in world time (default one
// hour). The manifest's validTill is the links' expiry.
func WithUsageLinkTTL(d time.Duration) Option { return func(c *config) { c.usage.linkTTL = d } }

// WithUsageNoData selects how a Cost Details report without cost data is answered (default
// NoDataFound).
func WithUsageNoData(mode UsageNoData) Option { return func(c *config) { c.usage.noData = mode } }

// WithUsageReportFailures makes the first n Cost Details reports end with status Failed.
func WithUsageReportFailures(n int) Option { return func(c *config) { c.usage.failures = n } }

// WithUsagePageSize sets how many usage details a Consumption page holds before its nextLink
// (default 1000, the service's maximum $top).
func WithUsagePageSize(n int) Option { return func(c *config) { c.usage.pageSize = n } }

// WithUsageBlobsInMemory renders each Cost Details report blob once, when the report
// completes, and serves it from memory, instead of generating its rows again on every
// download. Memory grows by the size of every report requested; use it for benchmarks whose
// clients should not pay, on their own cores, for the emulator's row generation (the real
// service renders reports on its own machines).
func WithUsageBlobsInMemory() Option { return func(c *config) { c.usage.inMemory = true } }
