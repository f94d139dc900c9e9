package email

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/internal/arm"
	"github.com/azbilling/azbilling/internal/core"
	"github.com/azbilling/azbilling/roles"
)

// MOSPPortalPath is where the Azure portal offers invoice e-mail for an individual (MOSP)
// subscription, which no public API reaches.
const MOSPPortalPath = `Azure portal → Subscriptions → (the subscription) → Invoices → "Email my invoice"`

// Operations as error messages name them.
const (
	opGet    = "read the invoice e-mail preference"
	opOptIn  = "opt in to invoice e-mail"
	opOptOut = "opt out of invoice e-mail"
	opAdd    = "add invoice e-mail recipients"
	opRemove = "remove invoice e-mail recipients"
)

// Preference is who receives a billing scope's invoices by e-mail.
type Preference struct {
	// Scope is what the preference belongs to: an MCA/MPA billing profile, or an EA billing
	// account (the enrollment).
	Scope billing.Scope
	// Agreement is MCA for a billing profile named by its scope (an MPA account's names look the
	// same), or the agreement the service reported for a subscription.
	Agreement billing.Agreement
	// OptedIn says whether invoices are sent by e-mail. For EA it is true when the enrollment
	// has an invoice recipient.
	OptedIn bool
	// Recipients are the addresses that get the invoices: for MCA/MPA the additional recipients
	// of the billing profile (invoiceRecipients), for EA the enrollment's invoice recipient.
	Recipients []string
	// RoleRecipients are the roles whose holders also get the invoices, as the service documents
	// it: while an MCA/MPA billing profile is opted in, every billing profile owner, contributor,
	// reader and invoice manager receives them. Empty when opted out and for EA.
	RoleRecipients []roles.Role
	// ReadOnly is true when no API can change the preference (EA).
	ReadOnly bool
	// ETag is the version of the billing profile the preference was read from; "" when the
	// service gave none.
	ETag string
}

// HasRecipient reports whether addr is one of the recipients, compared case-insensitively.
func (p Preference) HasRecipient(addr string) bool {
	return containsFold(p.Recipients, strings.TrimSpace(addr))
}

// profileRoleRecipients are the billing profile roles that receive invoice e-mail while the
// profile is opted in (Azure docs, "Get your Microsoft Customer Agreement invoices in email").
func profileRoleRecipients() []roles.Role {
	return []roles.Role{roles.MCABillingProfileOwner, roles.MCABillingProfileContributor,
		roles.MCABillingProfileReader, roles.MCAInvoiceManager}
}

// UpdateOptions configure a change of the preference. Nil means the defaults.
type UpdateOptions struct {
	// SkipAccessCheck skips the role check made before writing. By default the caller's roles on
	// the billing profile are worked out first (billing.Client.Access), and a caller whose
	// roles are known and do not allow the change, such as a billing profile reader, gets a
	// *roles.PermissionError without any write being sent. The check costs two requests; when it
	// cannot tell (the caller may not list role definitions), the service decides.
	SkipAccessCheck bool
	// MaxRereads bounds how many times the profile is read again when the service gives no ETag
	// and the profile keeps changing between reads. 0 means 3.
	MaxRereads int
}

func (o *UpdateOptions) orDefault() UpdateOptions {
	var c UpdateOptions
	if o != nil {
		c = *o
	}
	if c.MaxRereads <= 0 {
		c.MaxRereads = 3
	}
	return c
}

// Client reads and changes invoice e-mail preferences. It is safe for concurrent use.
//
// Which API serves a scope depends on the agreement:
//   - MCA and MPA: the billing profile's invoiceEmailOptIn and invoiceRecipients. Changing them
//     is a read-modify-write of the whole profile (the service has no PATCH): the profile is read,
//     only those two fields are changed, and it is written back with a long-running PUT. When the
//     service gives an ETag the PUT carries If-Match, so a concurrent change of the profile makes
//     it fail with a *ConflictError instead of being overwritten. When it gives none, the profile
//     is read a second time just before the PUT and the write happens only if nothing changed;
//     a change made in the short window between that read and the PUT is still lost, which is
//     the best the API allows.
//   - EA: the enrollment's invoice recipient, read-only. Changes give a *billing.UnsupportedError.
//   - MOSP (individual pay-as-you-go subscriptions): no public API exists. Every operation gives a
//     *billing.UnsupportedError naming the portal page (MOSPPortalPath). The account notification
//     address, which the API does expose, is available with NotificationEmail.
type Client struct {
	bc *billing.Client
}

// NewClient returns a Client that uses bc.
func NewClient(bc *billing.Client) *Client { return &Client{bc: bc} }

func (c *Client) arm() *arm.Client { return (*core.Client)(c.bc).ARM }

// targetKind is which API serves a scope.
type targetKind int

const (
	kindProfile    targetKind = iota + 1 // MCA/MPA billing profile
	kindEnrollment                       // EA billing account
	kindMOSP                             // no API
)

type target struct {
	kind      targetKind
	scope     billing.Scope // the profile, the EA account, or the MOSP scope as given
	agreement billing.Agreement
}

// resolve finds the API for scope. Billing profile, billing account, department and enrollment
// account scopes are resolved from their names; a subscription is looked up (billingProperty)
// to find its billing profile or enrollment.
func (c *Client) resolve(ctx context.Context, scope billing.Scope) (target, error) {
	switch scope.Kind() {
	case billing.ScopeProfile:
		ag := scope.AgreementHint()
		if ag == billing.AgreementEA || ag == billing.AgreementMOSP {
			return target{}, &billing.InputError{Field: "scope", Value: scope.ID(), Reason: "billing profiles exist only on MCA and MPA billing accounts"}
		}
		return target{kind: kindProfile, scope: scope, agreement: billing.AgreementMCA}, nil
	case billing.ScopeAccount, billing.ScopeDepartment, billing.ScopeEnrollmentAccount:
		if scope.BillingAccount() == "" {
			return target{}, &billing.InputError{Field: "scope", Value: scope.ID(), Reason: "the scope id must name its billing account"}
		}
		acct, _ := scope.Account()
		switch scope.AgreementHint() {
		case billing.AgreementEA:
			return target{kind: kindEnrollment, scope: acct, agreement: billing.AgreementEA}, nil
		case billing.AgreementMOSP:
			return target{kind: kindMOSP, scope: scope, agreement: billing.AgreementMOSP}, nil
		}
		return target{}, &billing.InputError{Field: "scope", Value: scope.ID(),
			Reason: "MCA and MPA invoice e-mail is set per billing profile: pass a billing profile scope (billing.ProfileScope)"}
	case billing.ScopeBillingSubscription:
		if scope.AgreementHint() == billing.AgreementMOSP {
			return target{kind: kindMOSP, scope: scope, agreement: billing.AgreementMOSP}, nil
		}
		return c.resolveSubscription(ctx, scope, scope.Subscription())
	case billing.ScopeSubscription:
		return c.resolveSubscription(ctx, scope, scope.Subscription())
	case billing.ScopeInvoiceSection, billing.ScopeCustomer:
		return target{}, &billing.InputError{Field: "scope", Value: scope.ID(),
			Reason: "invoice e-mail is set per billing profile: pass the billing profile that contains this scope"}
	}
	return target{}, &billing.InputError{Field: "scope", Value: scope.ID(),
		Reason: "invoice e-mail belongs to a billing profile (MCA/MPA), an EA billing account or a subscription"}
}

func (c *Client) resolveSubscription(ctx context.Context, scope billing.Scope, sub string) (target, error) {
	sb, err := c.bc.SubscriptionBilling(ctx, sub)
	if err != nil {
		return target{}, err
	}
	switch sb.Agreement {
	case billing.AgreementMOSP:
		return target{kind: kindMOSP, scope: scope, agreement: billing.AgreementMOSP}, nil
	case billing.AgreementEA:
		if s, err := billing.ParseScope(sb.BillingAccountID); err == nil && s.Kind() == billing.ScopeAccount {
			return target{kind: kindEnrollment, scope: s, agreement: billing.AgreementEA}, nil
		}
	case billing.AgreementMCA, billing.AgreementMPA:
		if s, err := billing.ParseScope(sb.BillingProfileID); err == nil && s.Kind() == billing.ScopeProfile {
			return target{kind: kindProfile, scope: s, agreement: sb.Agreement}, nil
		}
	default:
		return target{}, &billing.UnsupportedError{Operation: "find the invoice e-mail preference", Agreement: sb.Agreement, Scope: scope.ID(),
			Reason: "the subscription's billing account has an agreement type without an invoice e-mail API"}
	}
	return target{}, &billing.ProtocolError{StatusCode: http.StatusOK,
		Reason: fmt.Sprintf("the billing property of subscription %s names no usable billing account or billing profile", sub)}
}

// mospError is the answer to every invoice e-mail operation on an individual subscription.
func mospError(op string, scope billing.Scope) error {
	return &billing.UnsupportedError{
		Operation: op, Agreement: billing.AgreementMOSP, Scope: scope.ID(),
		Reason:      "no public Azure API reads or changes invoice e-mail for individual (MOSP) subscriptions",
		Alternative: "use the " + MOSPPortalPath + "; the account's notification address (not invoice e-mail) is available with email.Client.NotificationEmail",
	}
}

// readOnlyEAError is the answer to a change of an EA enrollment's invoice recipient.
func readOnlyEAError(op string, scope billing.Scope) error {
	return &billing.UnsupportedError{
		Operation: op, Agreement: billing.AgreementEA, Scope: scope.ID(),
		Reason:      "the enrollment's invoice recipient (enrollmentDetails.invoiceRecipient) is read-only in the Azure API",
		Alternative: "an enterprise administrator manages the enrollment's contacts in the Azure portal (Cost Management + Billing)",
	}
}

// Get returns the invoice e-mail preference of scope: an MCA/MPA billing profile, an EA billing
// account (or one of its departments or enrollment accounts), or a subscription (looked up to
// find its billing profile or enrollment). For MOSP it returns a *billing.UnsupportedError.
func (c *Client) Get(ctx context.Context, scope billing.Scope) (Preference, error) {
	t, err := c.resolve(ctx, scope)
	if err != nil {
		return Preference{}, err
	}
	switch t.kind {
	case kindMOSP:
		return Preference{}, mospError(opGet, scope)
	case kindEnrollment:
		return c.getEnrollment(ctx, t)
	}
	raw, etag, err := c.getProfileRaw(ctx, t)
	if err != nil {
		return Preference{}, err
	}
	doc, err := parseProfile(raw)
	if err != nil {
		return Preference{}, profileProtocolError(t, err)
	}
	return preference(t, doc, etag)
}

func (c *Client) getEnrollment(ctx context.Context, t target) (Preference, error) {
	acct, err := c.bc.Account(ctx, t.scope.BillingAccount())
	if err != nil {
		return Preference{}, err
	}
	switch acct.Agreement {
	case billing.AgreementMOSP:
		return Preference{}, mospError(opGet, t.scope)
	case billing.AgreementMCA, billing.AgreementMPA:
		return Preference{}, &billing.InputError{Field: "scope", Value: t.scope.ID(),
			Reason: "MCA and MPA invoice e-mail is set per billing profile: pass a billing profile scope (billing.ProfileScope)"}
	}
	p := Preference{Scope: t.scope, Agreement: acct.Agreement, ReadOnly: true}
	if e := acct.Enrollment; e != nil && e.InvoiceRecipient != "" {
		p.OptedIn, p.Recipients = true, []string{e.InvoiceRecipient}
	}
	return p, nil
}

// OptIn opts the billing profile of scope in to invoice e-mail and adds recipients (which may be
// empty) to its recipients. The addresses are checked first (see ValidateAddresses); an invalid
// one gives an *AddressError and nothing is sent. While opted in, the profile's owners,
// contributors, readers and invoice managers receive the invoices too.
func (c *Client) OptIn(ctx context.Context, scope billing.Scope, recipients []string, opts *UpdateOptions) (Preference, error) {
	addrs, err := ValidateAddresses(recipients)
	if err != nil {
		return Preference{}, err
	}
	return c.update(ctx, scope, opOptIn, opts, func(_ bool, cur []string) (bool, []string, error) {
		return true, union(cur, addrs), nil
	})
}

// OptOut opts the billing profile of scope out of invoice e-mail and removes every recipient, as
// the Azure portal does; the profile's role holders stop receiving invoices too.
func (c *Client) OptOut(ctx context.Context, scope billing.Scope, opts *UpdateOptions) (Preference, error) {
	return c.update(ctx, scope, opOptOut, opts, func(bool, []string) (bool, []string, error) {
		return false, []string{}, nil
	})
}

// AddRecipients adds addresses to the recipients of an opted-in billing profile; addresses it
// already has (compared case-insensitively) are left as they are. The addresses are checked
// first (see ValidateAddresses). A profile that is opted out gives an error matching
// ErrNotOptedIn: use OptIn, which opts in and adds recipients.
func (c *Client) AddRecipients(ctx context.Context, scope billing.Scope, addrs []string, opts *UpdateOptions) (Preference, error) {
	add, err := ValidateAddresses(addrs)
	if err != nil {
		return Preference{}, err
	}
	if len(add) == 0 {
		return Preference{}, &billing.InputError{Field: "recipients", Reason: "no addresses given"}
	}
	return c.update(ctx, scope, opAdd, opts, func(optIn bool, cur []string) (bool, []string, error) {
		if !optIn {
			return false, nil, fmt.Errorf("azbilling: cannot add invoice recipients to %s: %w; OptIn opts in and adds recipients", scope.ID(), ErrNotOptedIn)
		}
		return true, union(cur, add), nil
	})
}

// RemoveRecipients removes addresses (compared case-insensitively) from the recipients of a
// billing profile. A removed address is not kept anywhere: adding it again means calling
// AddRecipients. Addresses the profile does not have are ignored. The addresses are checked
// first (see ValidateAddresses).
func (c *Client) RemoveRecipients(ctx context.Context, scope billing.Scope, addrs []string, opts *UpdateOptions) (Preference, error) {
	rm, err := ValidateAddresses(addrs)
	if err != nil {
		return Preference{}, err
	}
	if len(rm) == 0 {
		return Preference{}, &billing.InputError{Field: "recipients", Reason: "no addresses given"}
	}
	return c.update(ctx, scope, opRemove, opts, func(optIn bool, cur []string) (bool, []string, error) {
		return optIn, slices.DeleteFunc(slices.Clone(cur), func(a string) bool { return containsFold(rm, a) }), nil
	})
}

// union appends to cur the addresses of add it does not hold (case-insensitively).
func union(cur, add []string) []string {
	out := slices.Clone(cur)
	for _, a := range add {
		if !containsFold(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// change computes the new preference from the current one.
type change func(optIn bool, recipients []string) (bool, []string, error)

// update is the read-modify-write of a billing profile's e-mail preference (see Client).
func (c *Client) update(ctx context.Context, scope billing.Scope, op string, opts *UpdateOptions, ch change) (Preference, error) {
	o := opts.orDefault()
	t, err := c.resolve(ctx, scope)
	if err != nil {
		return Preference{}, err
	}
	switch t.kind {
	case kindMOSP:
		return Preference{}, mospError(op, scope)
	case kindEnrollment:
		return Preference{}, readOnlyEAError(op, t.scope)
	}
	if !o.SkipAccessCheck {
		if err := c.checkUpdate(ctx, t); err != nil {
			return Preference{}, err
		}
	}
	raw, etag, err := c.getProfileRaw(ctx, t)
	if err != nil {
		return Preference{}, err
	}
	for rereads := 0; ; rereads++ {
		doc, err := parseProfile(raw)
		if err != nil {
			return Preference{}, profileProtocolError(t, err)
		}
		cur, err := preference(t, doc, etag)
		if err != nil {
			return Preference{}, err
		}
		optIn, recips, err := ch(cur.OptedIn, cur.Recipients)
		if err != nil {
			return Preference{}, err
		}
		if optIn == cur.OptedIn && slices.Equal(recips, cur.Recipients) {
			return cur, nil // nothing to change: no write
		}
		body, err := doc.withEmail(optIn, recips)
		if err != nil {
			return Preference{}, profileProtocolError(t, err)
		}
		if etag == "" {
			// No ETag to make the PUT conditional: read again and write only if nothing changed.
			again, etag2, err := c.getProfileRaw(ctx, t)
			if err != nil {
				return Preference{}, err
			}
			if !sameProfile(raw, again) {
				if rereads >= o.MaxRereads {
					return Preference{}, &ConflictError{Scope: t.scope.ID()}
				}
				raw, etag = again, etag2
				continue // recompute the change on the newer profile
			}
			etag = etag2
		}
		return c.putProfile(ctx, t, body, etag)
	}
}

// checkUpdate refuses the change before any write when the caller's roles on the profile are
// known and none of them allows it (a billing profile reader). When the roles cannot be worked
// out (an invoice manager may not list role definitions), the service decides.
func (c *Client) checkUpdate(ctx context.Context, t target) error {
	acc, err := c.bc.Access(ctx, t.scope)
	if err != nil {
		if arm.IsContextError(err) {
			return err
		}
		return nil
	}
	if len(acc.Roles) == 0 || acc.Allows(roles.UpdateInvoiceEmail) {
		return nil
	}
	return roles.NewPermissionError(roles.UpdateInvoiceEmail, t.scope.ID(), t.agreement, 0, nil)
}

func (c *Client) getProfileRaw(ctx context.Context, t target) ([]byte, string, error) {
	var raw json.RawMessage
	_, h, err := c.arm().DoJSON(ctx, arm.Request{Method: http.MethodGet, Path: t.scope.ID(), APIVersion: billing.APIVersion,
		Call: arm.Call{Action: roles.ReadInvoiceEmail, Scope: t.scope.ID(), Agreement: t.agreement}}, &raw)
	if err != nil {
		return nil, "", err
	}
	return raw, h.Get("ETag"), nil
}

// preference reads the e-mail preference out of a profile document.
func preference(t target, doc *profileDoc, etag string) (Preference, error) {
	if read, known := doc.readAccess(); known && !read {
		// The service hides the preference (and other fields) from callers without read access
		// at the profile, such as invoice section owners: never report or rewrite a partial view.
		return Preference{}, roles.NewPermissionError(roles.ReadInvoiceEmail, t.scope.ID(), t.agreement, 0, nil)
	}
	optIn, recips, err := doc.email()
	if err != nil {
		return Preference{}, profileProtocolError(t, err)
	}
	if etag == "" {
		etag = doc.etag()
	}
	p := Preference{Scope: t.scope, Agreement: t.agreement, OptedIn: optIn, Recipients: recips, ETag: etag}
	if optIn {
		p.RoleRecipients = profileRoleRecipients()
	}
	return p, nil
}

func profileProtocolError(t target, err error) error {
	return &billing.ProtocolError{StatusCode: http.StatusOK,
		Reason: fmt.Sprintf("the billing profile %s could not be read as JSON: %v", t.scope.ID(), err), Err: err}
}

// putProfile writes the profile (conditionally when etag is set) and waits for the operation.
func (c *Client) putProfile(ctx context.Context, t target, body []byte, etag string) (Preference, error) {
	call := arm.Call{Action: roles.UpdateInvoiceEmail, Scope: t.scope.ID(), Agreement: t.agreement}
	pctx := ctx
	if etag != "" {
		// Only the PUT is conditional: the polls of its operation are not the profile.
		pctx = policy.WithHTTPHeader(ctx, http.Header{"If-Match": {etag}})
	}
	resp, err := c.arm().Do(pctx, arm.Request{Method: http.MethodPut, Path: t.scope.ID(), APIVersion: billing.APIVersion,
		Body: json.RawMessage(body), Call: call})
	if err != nil {
		var se *billing.ServiceError
		if errors.As(err, &se) && se.StatusCode == http.StatusPreconditionFailed {
			return Preference{}, &ConflictError{Scope: t.scope.ID(), ETag: etag, StatusCode: se.StatusCode, RequestID: se.RequestID, Err: err}
		}
		return Preference{}, err
	}
	final, hdr, err := c.finish(ctx, resp, call)
	if err != nil {
		return Preference{}, err
	}
	if doc, err := parseProfile(final); err == nil {
		if _, ok := doc.props[propOptIn]; ok {
			return preference(t, doc, hdr.Get("ETag"))
		}
	}
	// The operation's result is not the profile (empty, or another shape): read it.
	return c.Get(ctx, t.scope)
}

// finish returns the final body of a PUT: its own body on 200/201, or, on 202, the body of the
// operation polled at its Location (final-state-via location).
func (c *Client) finish(ctx context.Context, resp *http.Response, call arm.Call) ([]byte, http.Header, error) {
	if resp.StatusCode != http.StatusAccepted {
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusNoContent {
			return nil, resp.Header, nil
		}
		var raw json.RawMessage
		if err := arm.DecodeJSON(resp, &raw); err != nil {
			return nil, resp.Header, err
		}
		return raw, resp.Header, nil
	}
	resp.Body.Close()
	loc, err := c.pollURL(resp)
	if err != nil {
		return nil, nil, err
	}
	if err := arm.Sleep(ctx, firstWait(resp.Header)); err != nil {
		return nil, nil, err
	}
	var raw json.RawMessage
	op, err := c.arm().LRO(ctx, arm.Request{Method: http.MethodGet, Path: loc, Call: call}, &raw)
	if err != nil {
		return nil, nil, err
	}
	return raw, op.Header, nil
}

// pollURL is the 202's Location, resolved against the ARM endpoint when relative.
func (c *Client) pollURL(resp *http.Response) (string, error) {
	loc := strings.TrimSpace(resp.Header.Get("Location"))
	if loc == "" {
		return "", &billing.ProtocolError{StatusCode: resp.StatusCode, RequestID: arm.RequestID(resp.Header),
			Reason: "202 Accepted without a Location header to poll"}
	}
	u, err := c.arm().ResolveLink(loc)
	if err != nil {
		return "", &billing.ProtocolError{StatusCode: resp.StatusCode, RequestID: arm.RequestID(resp.Header),
			Reason: "the Location header is not a URL", Err: err}
	}
	return u, nil
}

// firstWait is how long to wait before the first poll: Retry-After (0 means at once),
// arm.FirstPoll when the service says nothing (the later polls back off, see arm.PollWait),
// never more than a minute.
func firstWait(h http.Header) time.Duration {
	d := arm.RetryAfter(h)
	if d <= 0 && h.Get("Retry-After") == "" {
		d = arm.FirstPoll
	}
	return min(d, time.Minute)
}
