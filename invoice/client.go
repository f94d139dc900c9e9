package invoice

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/internal/arm"
	"github.com/azbilling/azbilling/internal/core"
	"github.com/azbilling/azbilling/roles"
)

// Client lists, reads and downloads the invoices of one billing scope. Each agreement keeps its
// invoices at a different place, so a Client is made for one of them:
//
//   - NewSubscriptionClient: an individual pay-as-you-go (MOSP) subscription
//     (billingAccounts/default/billingSubscriptions/{id}/invoices);
//   - NewProfileClient: an MCA or MPA billing profile;
//   - NewAccountClient: a billing account of any agreement (EA enrollments, MCA/MPA accounts, MOSP
//     accounts);
//   - NewClient: any of these from a billing.Scope.
//
// A Client is safe for concurrent use.
type Client struct {
	bc        *billing.Client
	cc        *core.Client
	scope     billing.Scope
	agreement billing.Agreement
	err       error // a construction error, returned by every method

	recipients recipientCache // EA invoice recipients, read once for EmailedError
}

// NewClient returns a Client for the invoices of scope: a billing account, a billing profile, a
// billing subscription or a subscription (the last two use the MOSP subscription route). Other
// scopes give an error that says where their invoices are.
func NewClient(bc *billing.Client, scope billing.Scope) (*Client, error) {
	c := newClient(bc, scope)
	return c, c.err
}

// NewAccountClient returns a Client for the invoices of a billing account (EA enrollment number,
// MCA/MPA account name or MOSP account GUID). An invalid name makes every call fail with a
// *billing.InputError.
func NewAccountClient(bc *billing.Client, account string) *Client {
	s, err := billing.AccountScope(account)
	if err != nil {
		return &Client{bc: bc, err: err}
	}
	return newClient(bc, s)
}

// NewProfileClient returns a Client for the invoices of an MCA or MPA billing profile.
func NewProfileClient(bc *billing.Client, account, profile string) *Client {
	s, err := billing.ProfileScope(account, profile)
	if err != nil {
		return &Client{bc: bc, err: err}
	}
	return newClient(bc, s)
}

// NewSubscriptionClient returns a Client for the invoices of an individual pay-as-you-go (MOSP)
// subscription, through the service's route for them
// (/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/{id}).
func NewSubscriptionClient(bc *billing.Client, subscriptionID string) *Client {
	s, err := billing.BillingSubscriptionScope("default", subscriptionID)
	if err != nil {
		return &Client{bc: bc, err: err}
	}
	return newClient(bc, s)
}

func newClient(bc *billing.Client, scope billing.Scope) *Client {
	c := &Client{bc: bc}
	if bc == nil {
		c.err = &billing.InputError{Field: "billing client", Reason: "nil; create one with billing.NewClient"}
		return c
	}
	c.cc = (*core.Client)(bc)
	switch scope.Kind() {
	case billing.ScopeAccount, billing.ScopeProfile:
		c.scope, c.agreement = scope, scope.AgreementHint()
	case billing.ScopeBillingSubscription, billing.ScopeSubscription:
		// The service offers subscription invoices only under the "default" account: the route
		// individual (MOSP) subscriptions use.
		s, err := billing.BillingSubscriptionScope("default", scope.Subscription())
		if err != nil {
			c.err = err
			return c
		}
		c.scope, c.agreement = s, billing.AgreementMOSP
	case billing.ScopeInvalid:
		c.err = &billing.InputError{Field: "scope", Reason: "the zero Scope; build one with billing.ParseScope or a constructor"}
	default:
		c.err = &billing.UnsupportedError{
			Operation: "list invoices of a " + scope.Kind().String(), Scope: scope.ID(), Agreement: scope.AgreementHint(),
			Reason:      "invoices belong to billing accounts, billing profiles and subscriptions",
			Alternative: "use the billing profile (MCA/MPA) or billing account (EA) that contains it",
		}
	}
	return c
}

// ready returns the construction error, or an error for a Client not made by a constructor.
func (c *Client) ready() error {
	switch {
	case c == nil || (c.err == nil && c.cc == nil):
		return &billing.InputError{Field: "invoice client", Reason: "not initialised; create one with NewClient, NewAccountClient, NewProfileClient or NewSubscriptionClient"}
	case c.err != nil:
		return c.err
	}
	return nil
}

// Scope is the billing scope the client reads.
func (c *Client) Scope() billing.Scope { return c.scope }

// Agreement is the agreement the client assumes: MOSP for subscription clients, otherwise what
// the account name's shape says (MPA accounts look like MCA ones), "" when unknown.
func (c *Client) Agreement() billing.Agreement { return c.agreement }

// ListOptions select invoices.
type ListOptions struct {
	// Period selects the invoices whose invoice period overlaps it by at least one day (sent
	// as periodStartDate and periodEndDate): Period: billing.Month(2026, time.October) returns
	// the October invoice of a calendar-month profile and both pay-as-you-go invoices whose
	// billing periods (say 3 September–2 October and 3 October–2 November) touch October. A
	// Period that starts after today by the client's clock is a *billing.InputError, as it is for
	// usage. The zero Period sends no range and the service chooses.
	Period billing.Period
}

func (o *ListOptions) orDefault() ListOptions {
	if o == nil {
		return ListOptions{}
	}
	return *o
}

func (c *Client) call(action roles.Action) arm.Call {
	call := arm.Call{Action: action, Scope: c.scope.ID(), Agreement: c.agreement}
	if c.agreement == billing.AgreementMOSP && c.scope.Kind() == billing.ScopeBillingSubscription {
		// Other people's access to a MOSP subscription's invoices hangs on this portal setting.
		call.Policy = roles.PolicyMOSPInvoiceAccess
	}
	return call
}

// accountPath is the billing account (or, for subscription clients, the subscription route)
// that the invoice operations hang off: invoices are read and downloaded per billing account
// even when they are listed per billing profile.
func (c *Client) accountPath() string {
	if c.scope.Kind() == billing.ScopeBillingSubscription {
		return c.scope.ID()
	}
	a, _ := c.scope.Account()
	return a.ID()
}

// invoiceNameRE accepts the service's invoice and document names (G123456789, E987654321,
// legacy 2017-02-05-123456789, 12345678) and nothing that could change a URL path.
var invoiceNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$`)

func checkName(field, name string) error {
	if !invoiceNameRE.MatchString(name) || strings.Contains(name, "..") {
		v := name
		if len(v) > 80 {
			v = v[:80] + "…"
		}
		return &billing.InputError{Field: field, Value: v, Reason: "expected letters, digits, '-', '_', '.' or ':' (an invoice or document number)"}
	}
	return nil
}

// List yields the invoices of the client's scope whose invoice period overlaps opts.Period.
// Iteration stops at the first error, which is yielded once with a zero Invoice: a
// *roles.PermissionError when the caller has no role that may view invoices there.
func (c *Client) List(ctx context.Context, opts *ListOptions) iter.Seq2[Invoice, error] {
	o := opts.orDefault() // a copy: the caller may change opts while we iterate
	return func(yield func(Invoice, error) bool) {
		if err := c.ready(); err != nil {
			yield(Invoice{}, err)
			return
		}
		q := url.Values{}
		if !o.Period.IsZero() {
			if err := o.Period.ValidateAt(billing.DateOf(c.cc.ARM.Now().UTC())); err != nil {
				yield(Invoice{}, err)
				return
			}
			// 2024-04-01 has no '$' on these names; the spec text says MM-DD-YYYY but the schema,
			// Azure's SDKs and examples use YYYY-MM-DD.
			q.Set("periodStartDate", o.Period.Start.String())
			q.Set("periodEndDate", o.Period.End.String())
		}
		req := arm.Request{Method: http.MethodGet, Path: c.scope.ID() + "/invoices", APIVersion: billing.APIVersion,
			Query: q, Call: c.call(roles.ViewInvoices)}
		n := 0
		for page, err := range arm.Pages[wireInvoice](ctx, c.cc.ARM, req) {
			if err != nil {
				yield(Invoice{}, err)
				return
			}
			for i := range page {
				n++
				if !yield(page[i].invoice(c.agreement), nil) {
					return // the caller broke out: fetch no more pages
				}
			}
		}
		if n == 0 {
			// The subscription route answers an empty list for a subscription billed through
			// an MCA or EA agreement: its invoices live elsewhere, which the billing property says.
			if err := c.billedElsewhere(ctx); err != nil {
				yield(Invoice{}, err)
			}
		}
	}
}

// billedElsewhere returns a *BilledElsewhereError when the client is a subscription client for a
// subscription billed through an MCA/MPA billing profile or an EA enrollment. It asks the
// service only then, and only once an empty answer makes it worth asking; when the billing
// property cannot be read it says nothing.
func (c *Client) billedElsewhere(ctx context.Context) error {
	if c.scope.Kind() != billing.ScopeBillingSubscription {
		return nil
	}
	sb, err := c.bc.SubscriptionBilling(ctx, c.scope.Subscription())
	if err != nil {
		return nil
	}
	id := sb.BillingProfileID
	switch sb.Agreement {
	case "", billing.AgreementMOSP:
		return nil
	case billing.AgreementEA:
		id = sb.BillingAccountID
	}
	if id == "" {
		id = sb.BillingAccountID
	}
	scope, err := billing.ParseScope(id)
	if err != nil {
		return nil
	}
	return &BilledElsewhereError{Subscription: sb.SubscriptionID, Agreement: sb.Agreement, Scope: scope}
}

// Get returns one invoice by name. A profile client also checks that the invoice belongs to
// its billing profile, and answers *billing.NotFoundError when it does not.
func (c *Client) Get(ctx context.Context, name string) (Invoice, error) {
	if err := c.ready(); err != nil {
		return Invoice{}, err
	}
	if err := checkName("invoice name", name); err != nil {
		return Invoice{}, err
	}
	// Invoices_GetByBillingAccount serves billing profiles too: there is no per-profile get.
	path := c.accountPath() + "/invoices/" + name
	var w wireInvoice
	call := c.call(roles.ViewInvoices)
	if _, _, err := c.cc.ARM.DoJSON(ctx, arm.Request{Method: http.MethodGet, Path: path, APIVersion: billing.APIVersion, Call: call}, &w); err != nil {
		return Invoice{}, err
	}
	inv := w.invoice(c.agreement)
	if c.scope.Kind() == billing.ScopeProfile && inv.BillingProfileID != "" &&
		!strings.EqualFold(lastSegment(inv.BillingProfileID), c.scope.BillingProfile()) {
		return Invoice{}, &billing.NotFoundError{Resource: c.scope.ID() + "/invoices/" + name, Code: "InvoiceNotInBillingProfile",
			Message: "the invoice belongs to billing profile " + lastSegment(inv.BillingProfileID)}
	}
	return inv, nil
}
