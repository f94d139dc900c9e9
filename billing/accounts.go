package billing

import (
	"context"
	"iter"
	"net/http"
	"net/url"
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
	ID                string
	Name              string
	DisplayName       string
	Agreement         Agreement
	AccountType       string // Individual, Enterprise, Business, Partner, ... (kept verbatim)
	AccountSubType    string
	Status            string // Active, Disabled, ...
	HasReadAccess     bool
	NotificationEmail string // MOSP account notifications (not invoice e-mail)
	PrimaryTenantID   string
	Enrollment        *Enrollment // EA only
	// UnreadDates holds the text of each date the SDK could not read, keyed by its JSON path
	// ("enrollmentDetails.startDate"); that field is left zero. Nil when every date was read.
	UnreadDates map[string]string
}

// Enrollment holds an EA billing account's enrollment details.
type Enrollment struct {
	// Start and End are the enrollment's term. The service writes them as .NET text
	// ("6/1/2020 12:00:00 AM +00:00"); they are read with ParseTime and keep the offset written.
	Start        time.Time
	End          time.Time
	Currency     string
	Channel      string
	BillingCycle string
	// CountryCode is trimmed: EA answers pad it ("IN "). So are the other text fields.
	CountryCode      string
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
	ID                string
	Name              string
	DisplayName       string
	Currency          string
	InvoiceDay        int
	InvoiceEmailOptIn bool
	InvoiceRecipients []string
	Status            string
	PONumber          string
	SpendingLimit     string
	HasReadAccess     bool
	SystemID          string
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
	ID          string
	Name        string
	DisplayName string
	State       string
	SystemID    string
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
	ID          string
	Name        string
	DisplayName string
	// CostCenter is trimmed: EA answers pad it ("  ABCD").
	CostCenter string
	Status     string
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
	ID           string
	Name         string
	DisplayName  string
	AccountOwner string
	// CostCenter is trimmed: EA answers pad it ("  ABCD").
	CostCenter   string
	DepartmentID string
	Status       string
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
	// SubscriptionID is the service's subscriptionId, or the billing subscription's name when
	// the service leaves subscriptionId out. Billing subscriptions of seat-based products
	// (Microsoft 365 licences, ...), reservations, savings plans and software are no Azure
	// subscriptions: they have no subscriptionId (recorded at 2024-04-01 with productCategory
	// SeatBased), and their name is no Azure subscription id; check ProductCategory before
	// using it as one.
	SubscriptionID    string
	DisplayName       string
	Status            string
	BillingProfileID  string
	InvoiceSectionID  string
	EnrollmentAccount string
	SKU               string
	OfferID           string
	ProductCategory   string
	CreatedAt         time.Time // purchase date, when known
	CostCenter        string    // consumptionCostCenter, trimmed (EA cost centers come padded)
	BillingFrequency  string
	AutoRenew         string
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
	if sub == "" {
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
