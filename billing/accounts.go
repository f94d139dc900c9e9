package billing

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/azbilling/azbilling/internal/arm"
	"github.com/azbilling/azbilling/internal/wire"
	"github.com/azbilling/azbilling/roles"
)

// Agreement is the type of a billing account's agreement; see the roles package for the values.
// Unknown values from the service are kept as they are.
type Agreement = roles.Agreement

// Agreement types.
const (
	AgreementMOSP  = roles.AgreementMOSP  // individual pay-as-you-go (Microsoft Online Services Program)
	AgreementEA    = roles.AgreementEA    // Enterprise Agreement
	AgreementMCA   = roles.AgreementMCA   // Microsoft Customer Agreement
	AgreementMPA   = roles.AgreementMPA   // Microsoft Partner Agreement
	AgreementOther = roles.AgreementOther // anything else the service reports
)

// Account is a billing account. Its text fields are trimmed of the blanks the service pads some
// values with (see Enrollment).
type Account struct {
	// ID is the account's ARM id, /providers/Microsoft.Billing/billingAccounts/{name}.
	ID string
	// Name is the account's name as used in paths and scopes: a GUID-like key for MOSP ("…_2019-05-31")
	// and MCA, the enrollment number for EA.
	Name string
	// DisplayName is the account's display name, trimmed; may be empty.
	DisplayName string
	// Agreement is the account's agreementType; AgreementOther when the service sent none.
	Agreement   Agreement
	AccountType string // Individual, Enterprise, Business, Partner, ... (kept verbatim)
	// AccountSubType is the service's accountSubType verbatim (Individual, Enterprise, Professional,
	// Other, None); empty when not sent.
	AccountSubType string
	Status         string // Active, Disabled, ...
	// HasReadAccess reports whether the caller may read the account's properties (the service's
	// hasReadAccess); false when not sent.
	HasReadAccess     bool
	NotificationEmail string // MOSP account notifications (not invoice e-mail)
	// PrimaryTenantID is the Entra tenant that owns the account (primaryBillingTenantId), mostly MCA;
	// empty when not sent.
	PrimaryTenantID string
	Enrollment      *Enrollment // EA only
	// UnreadDates holds the text of each date the SDK could not read, keyed by its JSON path
	// ("enrollmentDetails.startDate"); that field is left zero. Nil when every date was read.
	UnreadDates map[string]string
}

// Enrollment holds an EA billing account's enrollment details.
type Enrollment struct {
	// Start and End are the enrollment's term. The service writes them as .NET text
	// ("6/1/2020 12:00:00 AM +00:00"); they are read with ParseTime and keep the offset written.
	Start time.Time
	// End is the last moment of the enrollment term; see Start.
	End time.Time
	// Currency is the enrollment's billing currency, an ISO 4217 code such as "USD".
	Currency string
	// Channel is how the enrollment was bought, as sent (EaDirect, EaIndirect, ...).
	Channel string
	// BillingCycle is how often the enrollment is invoiced, as sent (Monthly, Quarterly, ...).
	BillingCycle string
	// CountryCode is trimmed: EA answers pad it ("IN "). So are the other text fields.
	CountryCode string
	// PONumber is the purchase order number printed on the enrollment's invoices; empty when none.
	PONumber         string
	InvoiceRecipient string // who receives the enrollment's invoices by e-mail (read-only)
}

// Scope is the account's scope.
func (a Account) Scope() Scope { return Scope{kind: ScopeAccount, account: a.Name} }

type wireAccount struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Properties struct {
		DisplayName              wire.Text `json:"displayName"`
		AgreementType            wire.Text `json:"agreementType"`
		AccountType              wire.Text `json:"accountType"`
		AccountSubType           wire.Text `json:"accountSubType"`
		AccountStatus            wire.Text `json:"accountStatus"`
		HasReadAccess            bool      `json:"hasReadAccess"`
		NotificationEmailAddress string    `json:"notificationEmailAddress"`
		PrimaryBillingTenantID   string    `json:"primaryBillingTenantId"`
		EnrollmentDetails        *struct {
			StartDate        wire.Time `json:"startDate"`
			EndDate          wire.Time `json:"endDate"`
			Currency         wire.Text `json:"currency"`
			Channel          wire.Text `json:"channel"`
			BillingCycle     wire.Text `json:"billingCycle"`
			CountryCode      wire.Text `json:"countryCode"`
			PONumber         wire.Text `json:"poNumber"`
			InvoiceRecipient wire.Text `json:"invoiceRecipient"`
		} `json:"enrollmentDetails"`
	} `json:"properties"`
}

func (w wireAccount) account() Account {
	p := w.Properties
	a := Account{
		ID: w.ID, Name: w.Name, DisplayName: string(p.DisplayName), Agreement: Agreement(p.AgreementType),
		AccountType: string(p.AccountType), AccountSubType: string(p.AccountSubType), Status: string(p.AccountStatus),
		HasReadAccess: p.HasReadAccess, NotificationEmail: p.NotificationEmailAddress, PrimaryTenantID: p.PrimaryBillingTenantID,
	}
	if e := p.EnrollmentDetails; e != nil {
		a.Enrollment = &Enrollment{
			Start:    wire.Note(&a.UnreadDates, "enrollmentDetails.startDate", e.StartDate),
			End:      wire.Note(&a.UnreadDates, "enrollmentDetails.endDate", e.EndDate),
			Currency: string(e.Currency), Channel: string(e.Channel),
			BillingCycle: string(e.BillingCycle), CountryCode: string(e.CountryCode), PONumber: string(e.PONumber), InvoiceRecipient: string(e.InvoiceRecipient)}
	}
	if a.Agreement == "" {
		a.Agreement = AgreementOther
	}
	return a
}

func (c *Client) get(ctx context.Context, path string, call arm.Call, out any) error {
	_, _, err := c.ARM.DoJSON(ctx, arm.Request{Method: http.MethodGet, Path: path, APIVersion: APIVersion, Call: call}, out)
	return err
}

// list yields the items of an ARM list, converting each wire item.
func list[W, T any](ctx context.Context, c *Client, path string, q url.Values, call arm.Call, conv func(W) T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for w, err := range arm.Items[W](ctx, c.ARM, arm.Request{Method: http.MethodGet, Path: path, APIVersion: APIVersion, Query: q, Call: call}) {
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			if !yield(conv(w), nil) {
				return
			}
		}
	}
}

// Accounts yields the billing accounts the caller can see, with their agreement types.
func (c *Client) Accounts(ctx context.Context) iter.Seq2[Account, error] {
	call := arm.Call{Action: roles.ViewBillingAccount, Scope: "/providers/Microsoft.Billing/billingAccounts"}
	return list(ctx, c, "/providers/Microsoft.Billing/billingAccounts", nil, call, wireAccount.account)
}

// Account returns one billing account by name.
func (c *Client) Account(ctx context.Context, name string) (Account, error) {
	s, err := AccountScope(name)
	if err != nil {
		return Account{}, err
	}
	var w wireAccount
	if err := c.get(ctx, s.ID(), arm.Call{Action: roles.ViewBillingAccount, Scope: s.ID(), Agreement: s.AgreementHint()}, &w); err != nil {
		return Account{}, err
	}
	return w.account(), nil
}

// Profile is an MCA or MPA billing profile: who is invoiced, in what currency, and who gets the
// invoice by e-mail. Its text fields other than ids and recipients are trimmed of surrounding
// blanks.
type Profile struct {
	// ID is the profile's ARM id, …/billingAccounts/{account}/billingProfiles/{name}.
	ID string
	// Name is the profile's name as used in paths and scopes ("xxxx-xxxx-xxx-xxx").
	Name string
	// DisplayName is the profile's display name, trimmed.
	DisplayName string
	// Currency is the profile's billing currency, an ISO 4217 code such as "USD"; every invoice of the
	// profile is in it.
	Currency string
	// InvoiceDay is the day of the month on which the profile's invoices are issued (1-31); 0 when not sent.
	InvoiceDay int
	// InvoiceEmailOptIn reports whether invoices are sent by e-mail (see the email package to change it).
	InvoiceEmailOptIn bool
	// InvoiceRecipients are the extra addresses that receive the profile's invoices by e-mail,
	// verbatim; nil with API versions before 2024-04-01 or when none are set.
	InvoiceRecipients []string
	// Status is the profile's status (Active, Disabled, Warned, Deleted, UnderReview, ...), trimmed.
	Status string
	// PONumber is the purchase order number printed on the profile's invoices; empty when none.
	PONumber string
	// SpendingLimit is "On" when a spending limit (free credit, Visual Studio, ...) caps the profile's
	// charges, "Off" otherwise; empty when not sent.
	SpendingLimit string
	// HasReadAccess reports whether the caller may read the profile (hasReadAccess).
	HasReadAccess bool
	// SystemID is the profile's system id, the identifier printed on its invoices (read-only).
	SystemID string
}

// Scope is the profile's scope, parsed from its ARM id (the zero Scope if the service sent a
// malformed id).
func (p Profile) Scope() Scope { return scopeOf(p.ID) }

type wireProfile struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Properties struct {
		DisplayName       wire.Text `json:"displayName"`
		Currency          wire.Text `json:"currency"`
		InvoiceDay        int       `json:"invoiceDay"`
		InvoiceEmailOptIn bool      `json:"invoiceEmailOptIn"`
		InvoiceRecipients []string  `json:"invoiceRecipients"`
		Status            wire.Text `json:"status"`
		PONumber          wire.Text `json:"poNumber"`
		SpendingLimit     wire.Text `json:"spendingLimit"`
		HasReadAccess     bool      `json:"hasReadAccess"`
		SystemID          string    `json:"systemId"`
	} `json:"properties"`
}

func (w wireProfile) profile() Profile {
	p := w.Properties
	return Profile{ID: w.ID, Name: w.Name, DisplayName: string(p.DisplayName), Currency: string(p.Currency), InvoiceDay: p.InvoiceDay,
		InvoiceEmailOptIn: p.InvoiceEmailOptIn, InvoiceRecipients: p.InvoiceRecipients, Status: string(p.Status),
		PONumber: string(p.PONumber), SpendingLimit: string(p.SpendingLimit), HasReadAccess: p.HasReadAccess, SystemID: p.SystemID}
}

// Profiles yields the billing profiles of an MCA or MPA billing account.
func (c *Client) Profiles(ctx context.Context, account string) iter.Seq2[Profile, error] {
	s, err := AccountScope(account)
	if err != nil {
		return errSeq[Profile](err)
	}
	call := arm.Call{Action: roles.ViewBillingProfile, Scope: s.ID(), Agreement: s.AgreementHint()}
	return list(ctx, c, s.ID()+"/billingProfiles", nil, call, wireProfile.profile)
}

// Profile returns one billing profile.
func (c *Client) Profile(ctx context.Context, account, profile string) (Profile, error) {
	s, err := ProfileScope(account, profile)
	if err != nil {
		return Profile{}, err
	}
	var w wireProfile
	if err := c.get(ctx, s.ID(), arm.Call{Action: roles.ViewBillingProfile, Scope: s.ID(), Agreement: s.AgreementHint()}, &w); err != nil {
		return Profile{}, err
	}
	return w.profile(), nil
}

// InvoiceSection is a section of an MCA billing profile's invoice. DisplayName and State are
// trimmed of surrounding blanks.
type InvoiceSection struct {
	// ID is the section's ARM id, …/billingProfiles/{profile}/invoiceSections/{name}.
	ID string
	// Name is the section's name as used in paths and scopes.
	Name string
	// DisplayName is the section's display name, as it appears on the invoice.
	DisplayName string
	// State is the section's state (Active, Deleted, Restricted, ...).
	State string
	// SystemID is the section's system id, the identifier printed on invoices (read-only).
	SystemID string
}

type wireNamed struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Properties struct {
		DisplayName    wire.Text `json:"displayName"`
		State          wire.Text `json:"state"`
		Status         wire.Text `json:"status"`
		SystemID       string    `json:"systemId"`
		CostCenter     wire.Text `json:"costCenter"`
		AccountOwner   wire.Text `json:"accountOwner"`
		DepartmentID   string    `json:"departmentId"`
		DepartmentName wire.Text `json:"departmentName"`
		AccountName    wire.Text `json:"accountName"`
		StartDate      wire.Time `json:"startDate"`
		EndDate        wire.Time `json:"endDate"`
	} `json:"properties"`
}

func (w wireNamed) section() InvoiceSection {
	return InvoiceSection{ID: w.ID, Name: w.Name, DisplayName: string(w.Properties.DisplayName), State: string(w.Properties.State), SystemID: w.Properties.SystemID}
}

// InvoiceSections yields the invoice sections of an MCA billing profile.
func (c *Client) InvoiceSections(ctx context.Context, account, profile string) iter.Seq2[InvoiceSection, error] {
	s, err := ProfileScope(account, profile)
	if err != nil {
		return errSeq[InvoiceSection](err)
	}
	call := arm.Call{Action: roles.ViewBillingProfile, Scope: s.ID(), Agreement: s.AgreementHint()}
	return list(ctx, c, s.ID()+"/invoiceSections", nil, call, wireNamed.section)
}

// Department is an EA department. Its text fields are trimmed of surrounding blanks.
type Department struct {
	// ID is the department's ARM id, …/billingAccounts/{enrollment}/departments/{name}.
	ID string
	// Name is the department's name (a number) as used in paths and scopes.
	Name string
	// DisplayName is the department's name as shown in the portal (displayName, or departmentName when
	// the service sends only that).
	DisplayName string
	// CostCenter is trimmed: EA answers pad it ("  ABCD").
	CostCenter string
	// Status is the department's status (Active, Deleted, ...).
	Status string
}

func (w wireNamed) department() Department {
	p := w.Properties
	name := string(p.DisplayName)
	if name == "" {
		name = string(p.DepartmentName)
	}
	return Department{ID: w.ID, Name: w.Name, DisplayName: name, CostCenter: string(p.CostCenter), Status: string(p.Status)}
}

// Departments yields the departments of an EA billing account.
func (c *Client) Departments(ctx context.Context, account string) iter.Seq2[Department, error] {
	s, err := AccountScope(account)
	if err != nil {
		return errSeq[Department](err)
	}
	call := arm.Call{Action: roles.ViewBillingAccount, Scope: s.ID(), Agreement: AgreementEA}
	return list(ctx, c, s.ID()+"/departments", nil, call, wireNamed.department)
}

// EnrollmentAccount is an EA enrollment account (an "account" in EA terms, owned by an account
// owner). Its text fields are trimmed of surrounding blanks.
type EnrollmentAccount struct {
	// ID is the enrollment account's ARM id, …/billingAccounts/{enrollment}/enrollmentAccounts/{name}.
	ID string
	// Name is the enrollment account's name (a number) as used in paths and scopes.
	Name string
	// DisplayName is the enrollment account's name as shown in the portal (displayName, or accountName
	// when the service sends only that).
	DisplayName string
	// AccountOwner is the account owner's sign-in address (accountOwner).
	AccountOwner string
	// CostCenter is trimmed: EA answers pad it ("  ABCD").
	CostCenter string
	// DepartmentID is the name of the department the account belongs to; empty when it belongs to none.
	DepartmentID string
	// Status is the enrollment account's status (Active, Pending, Deleted, ...).
	Status string
	// Start and End are the account's term (startDate, endDate), zero when not sent.
	Start, End time.Time
	// UnreadDates holds the text of each date the SDK could not read, keyed by its JSON name
	// ("startDate"); that field is left zero. Nil when every date was read.
	UnreadDates map[string]string
}

func (w wireNamed) enrollmentAccount() EnrollmentAccount {
	p := w.Properties
	name := string(p.DisplayName)
	if name == "" {
		name = string(p.AccountName)
	}
	ea := EnrollmentAccount{ID: w.ID, Name: w.Name, DisplayName: name, AccountOwner: string(p.AccountOwner),
		CostCenter: string(p.CostCenter), DepartmentID: p.DepartmentID, Status: string(p.Status)}
	ea.Start = wire.Note(&ea.UnreadDates, "startDate", p.StartDate)
	ea.End = wire.Note(&ea.UnreadDates, "endDate", p.EndDate)
	return ea
}

// EnrollmentAccounts yields the enrollment accounts of an EA billing account.
func (c *Client) EnrollmentAccounts(ctx context.Context, account string) iter.Seq2[EnrollmentAccount, error] {
	s, err := AccountScope(account)
	if err != nil {
		return errSeq[EnrollmentAccount](err)
	}
	call := arm.Call{Action: roles.ViewBillingAccount, Scope: s.ID(), Agreement: AgreementEA}
	return list(ctx, c, s.ID()+"/enrollmentAccounts", nil, call, wireNamed.enrollmentAccount)
}

// Subscription is an Azure subscription as the billing service sees it. Its text fields other
// than ids are trimmed of surrounding blanks.
type Subscription struct {
	ID string // ARM id of the billing subscription
	// SubscriptionID is the Azure subscription's id: the service's subscriptionId, or, when the
	// service leaves it out of an Azure subscription (ProductCategory empty, "Azure" or
	// "UsageBased"), the billing subscription's name, which is then that id. Empty for billing
	// subscriptions that are no Azure subscriptions: seat-based products (Microsoft 365
	// licences, ...), software, reservations, savings plans; they come without subscriptionId
	// (recorded at 2024-04-01 with productCategory SeatBased) and their name, although
	// GUID-shaped, names no Azure subscription (ID still identifies them).
	SubscriptionID string
	// DisplayName is the subscription's display name.
	DisplayName string
	// Status is the billing subscription's status (Active, Disabled, Deleted, Warned, ...), as sent.
	Status string
	// BillingProfileID is the ARM id of the MCA/MPA billing profile the subscription is billed to; empty
	// for MOSP and EA.
	BillingProfileID string
	// InvoiceSectionID is the ARM id of the MCA invoice section the subscription is billed to; empty
	// for MOSP and EA.
	InvoiceSectionID string
	// EnrollmentAccount is the ARM id of the EA enrollment account that owns the subscription
	// (enrollmentAccountId); empty for other agreements.
	EnrollmentAccount string
	// SKU is the product SKU id (skuId), such as "0001" for the Azure plan; empty when not sent.
	SKU string
	// OfferID is the Azure offer (offerId), such as "MS-AZR-0003P" for pay-as-you-go; empty when not sent.
	OfferID string
	// ProductCategory is the kind of product (productCategory): "Azure" for an Azure subscription,
	// "SeatBased", "Software", "ReservationOrder", "SavingsPlanOrder", ...
	ProductCategory string
	CreatedAt       time.Time // purchase date, when known
	CostCenter      string    // consumptionCostCenter, trimmed (EA cost centers come padded)
	// BillingFrequency is how often the subscription is charged (P1M monthly, P1Y yearly, OneTime), as sent.
	BillingFrequency string
	// AutoRenew is the renewal setting of a term subscription (On or Off), as sent; empty for Azure
	// subscriptions.
	AutoRenew string
	// UnreadDates holds the text of each date the SDK could not read, keyed by its JSON name
	// ("purchaseDate"); that field is left zero. Nil when every date was read.
	UnreadDates map[string]string
	// EnrollmentAccountStart is when the subscription joined its EA enrollment account
	// (enrollmentAccountSubscriptionDetails.enrollmentAccountStartDate, sent as a bare date such
	// as "2023-12-01"), zero when not sent.
	EnrollmentAccountStart time.Time
	// EnrollmentAccountStatus is the subscription's status in its EA enrollment account
	// (subscriptionEnrollmentAccountStatus: Active, Deleted, ...), as sent but trimmed.
	EnrollmentAccountStatus string
}

type wireSubscription struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Properties struct {
		SubscriptionID      string    `json:"subscriptionId"`
		DisplayName         wire.Text `json:"displayName"`
		Status              wire.Text `json:"status"`
		BillingProfileID    string    `json:"billingProfileId"`
		InvoiceSectionID    string    `json:"invoiceSectionId"`
		EnrollmentAccountID string    `json:"enrollmentAccountId"`
		SKUID               wire.Text `json:"skuId"`
		OfferID             wire.Text `json:"offerId"`
		ProductCategory     wire.Text `json:"productCategory"`
		PurchaseDate        wire.Time `json:"purchaseDate"`
		CostCenter          wire.Text `json:"consumptionCostCenter"`
		BillingFrequency    wire.Text `json:"billingFrequency"`
		AutoRenew           wire.Text `json:"autoRenew"`
		// EA only.
		EnrollmentAccountSubscriptionDetails *struct {
			EnrollmentAccountStartDate          wire.Time `json:"enrollmentAccountStartDate"`
			SubscriptionEnrollmentAccountStatus wire.Text `json:"subscriptionEnrollmentAccountStatus"`
		} `json:"enrollmentAccountSubscriptionDetails"`
	} `json:"properties"`
}

func (w wireSubscription) subscription() Subscription {
	p := w.Properties
	sub := p.SubscriptionID
	if sub == "" && isAzureProduct(string(p.ProductCategory)) {
		sub = w.Name
	}
	s := Subscription{ID: w.ID, SubscriptionID: sub, DisplayName: string(p.DisplayName), Status: string(p.Status),
		BillingProfileID: p.BillingProfileID, InvoiceSectionID: p.InvoiceSectionID, EnrollmentAccount: p.EnrollmentAccountID,
		SKU: string(p.SKUID), OfferID: string(p.OfferID), ProductCategory: string(p.ProductCategory), CostCenter: string(p.CostCenter),
		BillingFrequency: string(p.BillingFrequency), AutoRenew: string(p.AutoRenew)}
	s.CreatedAt = wire.Note(&s.UnreadDates, "purchaseDate", p.PurchaseDate)
	if d := p.EnrollmentAccountSubscriptionDetails; d != nil {
		s.EnrollmentAccountStart = wire.Note(&s.UnreadDates, "enrollmentAccountSubscriptionDetails.enrollmentAccountStartDate", d.EnrollmentAccountStartDate)
		s.EnrollmentAccountStatus = string(d.SubscriptionEnrollmentAccountStatus)
	}
	return s
}

// isAzureProduct reports whether a billing subscription of this productCategory is an Azure
// subscription (EA subscriptions are sent without a category, the emulator's as UsageBased).
func isAzureProduct(category string) bool {
	return category == "" || strings.EqualFold(category, "Azure") || strings.EqualFold(category, "UsageBased")
}

// BillingSubscriptions yields the subscriptions billed to a billing account, billing profile or
// invoice section. This is how a pay-as-you-go (MOSP) user finds their subscriptions: list them
// under their billing account.
func (c *Client) BillingSubscriptions(ctx context.Context, scope Scope) iter.Seq2[Subscription, error] {
	switch scope.Kind() {
	case ScopeAccount, ScopeProfile, ScopeInvoiceSection, ScopeEnrollmentAccount, ScopeCustomer:
	default:
		return errSeq[Subscription](inputError("scope", scope.ID(), "billing subscriptions are listed per billing account, billing profile, invoice section, customer or enrollment account"))
	}
	call := arm.Call{Action: roles.ViewBillingAccount, Scope: scope.ID(), Agreement: scope.AgreementHint()}
	return list(ctx, c, scope.ID()+"/billingSubscriptions", nil, call, wireSubscription.subscription)
}

// BillingSubscription returns one subscription as the billing service sees it. For an individual
// pay-as-you-go subscription pass account "default".
func (c *Client) BillingSubscription(ctx context.Context, account, subscriptionID string) (Subscription, error) {
	s, err := BillingSubscriptionScope(account, subscriptionID)
	if err != nil {
		return Subscription{}, err
	}
	var w wireSubscription
	if err := c.get(ctx, s.ID(), arm.Call{Action: roles.ViewBillingAccount, Scope: s.ID(), Agreement: s.AgreementHint()}, &w); err != nil {
		return Subscription{}, err
	}
	return w.subscription(), nil
}

// errSeq is a sequence that yields err once.
func errSeq[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}
