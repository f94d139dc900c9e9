package billingtest

import "time"

// Option configures a Server at start.
type Option func(*config)

type config struct {
	seed       int64
	pageSize   int
	retryAfter int       // seconds sent in Retry-After of LRO 202 answers
	lroPolls   int       // 202 answers on the operation URL before the 200
	now        time.Time // zero: the real clock at Start (see WithNow)
	faults     []Fault
	addr       string
	blobAddr   string
	eaPolicy   EAPolicy
	usage      usageConfig // usage feature settings (usage_options.go)
	// specShapes switches the wire back from the shapes the live service was recorded answering
	// (the default) to the REST spec's reading of them (WithSpecShapes).
	specShapes bool
}

func defaultConfig() config {
	return config{
		seed:     1,
		pageSize: 50,
		lroPolls: 1,
		addr:     "127.0.0.1:0",
		blobAddr: "127.0.0.1:0",
		eaPolicy: EAPolicy{}.withDefaults(),
	}
}

// WithSeed sets the seed of the generated parts of the world (amounts, system ids, operation
// ids). The fixed names listed in the package documentation do not depend on it. Default 1.
func WithSeed(seed int64) Option { return func(c *config) { c.seed = seed } }

// WithPageSize sets how many items a list answers per page before it adds a nextLink
// (default 50, the service's maximum `top`). Values below 1 make Start fail.
func WithPageSize(n int) Option { return func(c *config) { c.pageSize = n } }

// WithLRODelay sets the Retry-After value (seconds) of long-running operation answers and how
// many times polling the operation URL answers 202 before it answers 200. The default is
// Retry-After 0 and one extra 202, so a client sees 202 → 202 → 200 without waiting.
func WithLRODelay(retryAfterSeconds, pollsBefore200 int) Option {
	return func(c *config) { c.retryAfter, c.lroPolls = retryAfterSeconds, pollsBefore200 }
}

// WithNow pins the world clock: it starts at t (and runs on in real time) and the world —
// subscription ages, invoice periods, usage, the open month — is laid out relative to t. Without
// it the world clock is the real clock and the world is laid out as of noon UTC of the current
// date, so a world is the same for a given date and seed. Tests whose expectations name dates
// pin it, for example to ReferenceNow().
func WithNow(t time.Time) Option { return func(c *config) { c.now = t.UTC() } }

// ReferenceNow is the fixed instant the package's examples and the SDK's own date-specific
// tests pin the world clock to (WithNow(ReferenceNow())): 2026-11-25T12:00:00Z.
func ReferenceNow() time.Time { return time.Date(2026, time.November, 25, 12, 0, 0, 0, time.UTC) }

// WithFaults installs faults from the start; see Fault. Faults added later with InjectFault are
// matched after these.
func WithFaults(f ...Fault) Option {
	return func(c *config) { c.faults = append(c.faults, f...) }
}

// WithSpecShapes makes the server answer in the REST specification's shapes instead of the
// shapes the live service was recorded answering (the default, listed in the package
// documentation under "Real shapes"): RFC 3339 dates, unpadded text, absolute nextLinks whose
// queries are fully escaped, Retry-After on every 202 and expiryTime in every download result,
// and EA invoice documents with a name and no url. Useful to test that a client also accepts the
// documented form.
func WithSpecShapes() Option { return func(c *config) { c.specShapes = true } }

// WithAddr sets the listen address of the ARM listener (default 127.0.0.1:0, a free port).
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithBlobAddr sets the listen address of the blob listener (default 127.0.0.1:0).
func WithBlobAddr(addr string) Option { return func(c *config) { c.blobAddr = addr } }

// WithPolicy sets the EA enrollment's view-charges policies (default: department administrators
// may view charges, account owners may not).
func WithPolicy(p EAPolicy) Option { return func(c *config) { c.eaPolicy = p.withDefaults() } }

// EAPolicy holds the EA "view charges" policies, with the wire values of
// enterpriseAgreementPolicies.accountOwnerViewCharges / departmentAdminViewCharges
// (PolicyAllowed, PolicyDisabled, PolicyNotAllowed). An empty field keeps its default.
type EAPolicy struct {
	AccountOwnerViewCharges    string
	DepartmentAdminViewCharges string
}

// Wire values of the EA view-charges policies.
const (
	PolicyAllowed    = "Allowed"
	PolicyDisabled   = "Disabled"
	PolicyNotAllowed = "NotAllowed"
)

func (p EAPolicy) withDefaults() EAPolicy {
	if p.AccountOwnerViewCharges == "" {
		p.AccountOwnerViewCharges = PolicyDisabled
	}
	if p.DepartmentAdminViewCharges == "" {
		p.DepartmentAdminViewCharges = PolicyAllowed
	}
	return p
}
