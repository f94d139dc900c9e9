package billing

import (
	"net/url"
	"regexp"
	"strings"
)

// ScopeKind says what a Scope points at.
type ScopeKind int

const (
	ScopeInvalid             ScopeKind = iota // the zero Scope
	ScopeAccount                              // a billing account (any agreement)
	ScopeProfile                              // an MCA/MPA billing profile
	ScopeInvoiceSection                       // an MCA invoice section
	ScopeCustomer                             // an MPA customer
	ScopeDepartment                           // an EA department
	ScopeEnrollmentAccount                    // an EA enrollment account
	ScopeBillingSubscription                  // a subscription seen through Microsoft.Billing (billingAccounts/{ba}/billingSubscriptions/{sub})
	ScopeSubscription                         // an Azure subscription (/subscriptions/{sub})
	ScopeResourceGroup                        // a resource group: parsed so that callers get a clear "not supported" error
	ScopeManagementGroup                      // a management group: likewise
)

var scopeKindNames = [...]string{"invalid", "billing account", "billing profile", "invoice section", "customer",
	"department", "enrollment account", "billing subscription", "subscription", "resource group", "management group"}

// String is the kind's name in words, "billing profile"; "unknown" for an out-of-range value.
func (k ScopeKind) String() string {
	if k < 0 || int(k) >= len(scopeKindNames) {
		return "unknown"
	}
	return scopeKindNames[k]
}

// Scope is a validated billing scope: a billing account or something inside it, or a subscription.
// Build one with the constructors (AccountScope, ProfileScope, ...) or ParseScope; the zero value is
// invalid. Scopes are comparable values.
type Scope struct {
	kind              ScopeKind
	account           string
	profile           string
	section           string
	customer          string
	department        string
	enrollmentAccount string
	subscription      string
	resourceGroup     string
	managementGroup   string
}

// Name patterns from the 2024-04-01 spec (types.json).
var (
	guidPattern        = `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`
	accountNameRE      = regexp.MustCompile(`^([0-9]+|[Pp][Cc][Nn]\.[A-Za-z0-9]+|` + guidPattern + `(:` + guidPattern + `_[0-9]{4}(-[0-9]{2}){2})?)$`)
	childNameRE        = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`)
	guidRE             = regexp.MustCompile(`^` + guidPattern + `$`)
	resourceGroupRE    = regexp.MustCompile(`^[-\w._()]{1,90}$`)
	managementGroupRE  = regexp.MustCompile(`^[-\w._()]{1,90}$`)
	mcaAccountNameRE   = regexp.MustCompile(`^` + guidPattern + `:` + guidPattern + `_[0-9]{4}(-[0-9]{2}){2}$`)
	eaAccountNameRE    = regexp.MustCompile(`^([0-9]+|[Pp][Cc][Nn]\.[A-Za-z0-9]+)$`)
	mospAccountNameRE  = regexp.MustCompile(`^` + guidPattern + `$`)
	billingProvidersID = "/providers/Microsoft.Billing/billingAccounts/"
)

func checkAccountName(name string) error {
	if name == "default" || accountNameRE.MatchString(name) {
		return nil
	}
	return inputError("billing account name", name,
		"expected an EA enrollment number (digits), a MOSP GUID, or an MCA/MPA name like GUID:GUID_YYYY-MM-DD")
}

func checkChild(field, name string) error {
	if childNameRE.MatchString(name) {
		return nil
	}
	return inputError(field, name, "expected 1 to 128 letters, digits, '-' or '_'")
}

func checkSubscription(id string) error {
	if guidRE.MatchString(id) {
		return nil
	}
	return inputError("subscription id", id, "expected a GUID")
}

// AccountScope is the billing account named account.
func AccountScope(account string) (Scope, error) {
	if err := checkAccountName(account); err != nil {
		return Scope{}, err
	}
	return Scope{kind: ScopeAccount, account: account}, nil
}

// ProfileScope is billing profile profile of an MCA or MPA billing account.
func ProfileScope(account, profile string) (Scope, error) {
	if err := checkAccountName(account); err != nil {
		return Scope{}, err
	}
	if err := checkChild("billing profile name", profile); err != nil {
		return Scope{}, err
	}
	return Scope{kind: ScopeProfile, account: account, profile: profile}, nil
}

// InvoiceSectionScope is an invoice section of an MCA billing profile.
func InvoiceSectionScope(account, profile, section string) (Scope, error) {
	s, err := ProfileScope(account, profile)
	if err != nil {
		return Scope{}, err
	}
	if err := checkChild("invoice section name", section); err != nil {
		return Scope{}, err
	}
	s.kind, s.section = ScopeInvoiceSection, section
	return s, nil
}

// CustomerScope is an MPA customer under a billing profile.
func CustomerScope(account, profile, customer string) (Scope, error) {
	s, err := ProfileScope(account, profile)
	if err != nil {
		return Scope{}, err
	}
	if err := checkChild("customer name", customer); err != nil {
		return Scope{}, err
	}
	s.kind, s.customer = ScopeCustomer, customer
	return s, nil
}

// DepartmentScope is an EA department of enrollment account.
func DepartmentScope(account, department string) (Scope, error) {
	if err := checkAccountName(account); err != nil {
		return Scope{}, err
	}
	if err := checkChild("department name", department); err != nil {
		return Scope{}, err
	}
	return Scope{kind: ScopeDepartment, account: account, department: department}, nil
}

// EnrollmentAccountScope is an EA enrollment account.
func EnrollmentAccountScope(account, enrollmentAccount string) (Scope, error) {
	if err := checkAccountName(account); err != nil {
		return Scope{}, err
	}
	if err := checkChild("enrollment account name", enrollmentAccount); err != nil {
		return Scope{}, err
	}
	return Scope{kind: ScopeEnrollmentAccount, account: account, enrollmentAccount: enrollmentAccount}, nil
}

// BillingSubscriptionScope is a subscription as Microsoft.Billing sees it. For individual
// pay-as-you-go (MOSP) subscriptions use account "default": that is the route the service offers
// for their invoices.
func BillingSubscriptionScope(account, subscriptionID string) (Scope, error) {
	if err := checkAccountName(account); err != nil {
		return Scope{}, err
	}
	if err := checkSubscription(subscriptionID); err != nil {
		return Scope{}, err
	}
	return Scope{kind: ScopeBillingSubscription, account: account, subscription: strings.ToLower(subscriptionID)}, nil
}

// SubscriptionScope is an Azure subscription (/subscriptions/{id}).
func SubscriptionScope(subscriptionID string) (Scope, error) {
	if err := checkSubscription(subscriptionID); err != nil {
		return Scope{}, err
	}
	return Scope{kind: ScopeSubscription, subscription: strings.ToLower(subscriptionID)}, nil
}

// ParseScope parses an ARM id of a billing scope, a subscription, a resource group or a
// management group. It is tolerant where Azure is inconsistent (missing leading slash, any case of
// the fixed segments, a trailing slash, a percent-encoded ':') and strict about names.
func ParseScope(id string) (Scope, error) {
	orig := id
	if len(id) > 2048 {
		return Scope{}, inputError("scope id", id, "longer than 2048 characters")
	}
	if strings.ContainsAny(id, "?#\x00") {
		return Scope{}, inputError("scope id", id, "an ARM id has no query, fragment or NUL")
	}
	id = strings.Trim(strings.TrimSpace(id), "/")
	if id == "" {
		return Scope{}, inputError("scope id", orig, "empty")
	}
	raw := strings.Split(id, "/")
	segs := make([]string, len(raw))
	for i, s := range raw {
		u, err := url.PathUnescape(s)
		if err != nil || u == "" {
			return Scope{}, inputError("scope id", orig, "malformed path segment")
		}
		segs[i] = u
	}
	bad := func(reason string) (Scope, error) { return Scope{}, inputError("scope id", orig, reason) }
	eq := strings.EqualFold
	switch {
	case eq(segs[0], "subscriptions"):
		if len(segs) < 2 {
			return bad("missing the subscription id after /subscriptions")
		}
		s, err := SubscriptionScope(segs[1])
		if err != nil {
			return Scope{}, err
		}
		switch {
		case len(segs) == 2:
			return s, nil
		case len(segs) == 4 && eq(segs[2], "resourceGroups"):
			if !resourceGroupRE.MatchString(segs[3]) {
				return bad("invalid resource group name")
			}
			s.kind, s.resourceGroup = ScopeResourceGroup, segs[3]
			return s, nil
		}
		return bad("expected /subscriptions/{id} or /subscriptions/{id}/resourceGroups/{name}")
	case len(segs) >= 2 && eq(segs[0], "providers") && eq(segs[1], "Microsoft.Management"):
		if len(segs) == 4 && eq(segs[2], "managementGroups") && managementGroupRE.MatchString(segs[3]) {
			return Scope{kind: ScopeManagementGroup, managementGroup: segs[3]}, nil
		}
		return bad("expected /providers/Microsoft.Management/managementGroups/{name}")
	case len(segs) >= 2 && eq(segs[0], "providers") && eq(segs[1], "Microsoft.Billing"):
	default:
		return bad("expected an id under /providers/Microsoft.Billing, /subscriptions or /providers/Microsoft.Management")
	}
	rest := segs[2:]
	if len(rest) != 2 && len(rest) != 4 && len(rest) != 6 {
		return bad("unexpected number of path segments")
	}
	// Legacy EA usage scopes: /providers/Microsoft.Billing/departments/{id} and .../enrollmentAccounts/{id}.
	if len(rest) == 2 && (eq(rest[0], "departments") || eq(rest[0], "enrollmentAccounts")) {
		if err := checkChild(strings.TrimSuffix(strings.ToLower(rest[0]), "s")+" name", rest[1]); err != nil {
			return Scope{}, err
		}
		if eq(rest[0], "departments") {
			return Scope{kind: ScopeDepartment, department: rest[1]}, nil
		}
		return Scope{kind: ScopeEnrollmentAccount, enrollmentAccount: rest[1]}, nil
	}
	if !eq(rest[0], "billingAccounts") {
		return bad("expected billingAccounts after /providers/Microsoft.Billing")
	}
	account := rest[1]
	if len(rest) == 2 {
		return AccountScope(account)
	}
	switch {
	case len(rest) == 4 && eq(rest[2], "billingProfiles"):
		return ProfileScope(account, rest[3])
	case len(rest) == 4 && eq(rest[2], "departments"):
		return DepartmentScope(account, rest[3])
	case len(rest) == 4 && eq(rest[2], "enrollmentAccounts"):
		return EnrollmentAccountScope(account, rest[3])
	case len(rest) == 4 && eq(rest[2], "billingSubscriptions"):
		return BillingSubscriptionScope(account, rest[3])
	case len(rest) == 4 && eq(rest[2], "customers"):
		if err := checkAccountName(account); err != nil {
			return Scope{}, err
		}
		if err := checkChild("customer name", rest[3]); err != nil {
			return Scope{}, err
		}
		return Scope{kind: ScopeCustomer, account: account, customer: rest[3]}, nil
	case len(rest) == 6 && eq(rest[2], "billingProfiles") && eq(rest[4], "invoiceSections"):
		return InvoiceSectionScope(account, rest[3], rest[5])
	case len(rest) == 6 && eq(rest[2], "billingProfiles") && eq(rest[4], "customers"):
		return CustomerScope(account, rest[3], rest[5])
	}
	return bad("not a billing account, billing profile, invoice section, customer, department, enrollment account or billing subscription")
}

// scopeOf parses an id that the service handed out; a malformed one gives the zero Scope (whose
// Kind is ScopeInvalid) rather than an error, since there is nothing a caller could correct.
func scopeOf(id string) Scope {
	s, _ := ParseScope(id)
	return s
}

// Kind says what the scope points at.
func (s Scope) Kind() ScopeKind { return s.kind }

// IsZero reports whether s is the zero (invalid) Scope.
func (s Scope) IsZero() bool { return s.kind == ScopeInvalid }

// BillingAccount is the billing account name ("" for subscription, resource group, management
// group and legacy EA department/enrollment account ids).
func (s Scope) BillingAccount() string { return s.account }

// BillingProfile is the billing profile name, if any.
func (s Scope) BillingProfile() string { return s.profile }

// InvoiceSection is the invoice section name, if any.
func (s Scope) InvoiceSection() string { return s.section }

// Customer is the MPA customer name, if any.
func (s Scope) Customer() string { return s.customer }

// Department is the EA department name, if any.
func (s Scope) Department() string { return s.department }

// EnrollmentAccount is the EA enrollment account name, if any.
func (s Scope) EnrollmentAccount() string { return s.enrollmentAccount }

// Subscription is the subscription id (lower case), if any.
func (s Scope) Subscription() string { return s.subscription }

// ResourceGroup is the resource group name, if any.
func (s Scope) ResourceGroup() string { return s.resourceGroup }

// ManagementGroup is the management group name, if any.
func (s Scope) ManagementGroup() string { return s.managementGroup }

// AgreementHint guesses the agreement from the account name's shape: digits or pcn.* are EA, a
// bare GUID is MOSP, GUID:GUID_date is MCA (or MPA, which has the same shape). "" when unknown.
func (s Scope) AgreementHint() Agreement {
	switch {
	case s.account == "default":
		return AgreementMOSP
	case eaAccountNameRE.MatchString(s.account):
		return AgreementEA
	case mcaAccountNameRE.MatchString(s.account):
		return AgreementMCA
	case mospAccountNameRE.MatchString(s.account):
		return AgreementMOSP
	case s.account == "" && (s.kind == ScopeDepartment || s.kind == ScopeEnrollmentAccount):
		return AgreementEA
	}
	return ""
}

// ID is the scope's ARM id, e.g. /providers/Microsoft.Billing/billingAccounts/{ba}/billingProfiles/{bp}.
func (s Scope) ID() string {
	var b strings.Builder
	acct := func() { b.WriteString(billingProvidersID); b.WriteString(s.account) }
	switch s.kind {
	case ScopeAccount:
		acct()
	case ScopeProfile:
		acct()
		b.WriteString("/billingProfiles/" + s.profile)
	case ScopeInvoiceSection:
		acct()
		b.WriteString("/billingProfiles/" + s.profile + "/invoiceSections/" + s.section)
	case ScopeCustomer:
		acct()
		if s.profile != "" {
			b.WriteString("/billingProfiles/" + s.profile)
		}
		b.WriteString("/customers/" + s.customer)
	case ScopeDepartment:
		if s.account == "" {
			return "/providers/Microsoft.Billing/departments/" + s.department
		}
		acct()
		b.WriteString("/departments/" + s.department)
	case ScopeEnrollmentAccount:
		if s.account == "" {
			return "/providers/Microsoft.Billing/enrollmentAccounts/" + s.enrollmentAccount
		}
		acct()
		b.WriteString("/enrollmentAccounts/" + s.enrollmentAccount)
	case ScopeBillingSubscription:
		acct()
		b.WriteString("/billingSubscriptions/" + s.subscription)
	case ScopeSubscription:
		return "/subscriptions/" + s.subscription
	case ScopeResourceGroup:
		return "/subscriptions/" + s.subscription + "/resourceGroups/" + s.resourceGroup
	case ScopeManagementGroup:
		return "/providers/Microsoft.Management/managementGroups/" + s.managementGroup
	default:
		return ""
	}
	return b.String()
}

// String is the scope's ARM id.
func (s Scope) String() string { return s.ID() }

// MarshalText encodes the scope as its ARM id.
func (s Scope) MarshalText() ([]byte, error) { return []byte(s.ID()), nil }

// UnmarshalText parses an ARM id (see ParseScope).
func (s *Scope) UnmarshalText(b []byte) error {
	p, err := ParseScope(string(b))
	if err != nil {
		return err
	}
	*s = p
	return nil
}

// Account returns the billing account scope that contains s; false when s has no account.
func (s Scope) Account() (Scope, bool) {
	if s.account == "" {
		return Scope{}, false
	}
	return Scope{kind: ScopeAccount, account: s.account}, true
}

// Profile returns the billing profile scope that contains s (or s itself); false when none.
func (s Scope) Profile() (Scope, bool) {
	if s.profile == "" {
		return Scope{}, false
	}
	return Scope{kind: ScopeProfile, account: s.account, profile: s.profile}, true
}
