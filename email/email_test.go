package email_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/email"
	"github.com/azbilling/azbilling/roles"
)

func newClient(t *testing.T, srv *billingtest.Server, p billingtest.Principal) *email.Client {
	t.Helper()
	bc, err := billing.NewClient(srv.Credential(p), srv.ClientOptions())
	require.NoError(t, err)
	return email.NewClient(bc)
}

func profileScope(t *testing.T, profile string) billing.Scope {
	t.Helper()
	s, err := billing.ProfileScope(billingtest.MCAAccount, profile)
	require.NoError(t, err)
	return s
}

func storedProfile(t *testing.T, srv *billingtest.Server, profile string) *billingtest.Profile {
	t.Helper()
	p := srv.World().Account(billingtest.MCAAccount).Profile(profile)
	require.NotNil(t, p)
	return p
}

// writes counts the PUT and PATCH requests that reached the emulator.
func writes(srv *billingtest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPut || r.Method == http.MethodPatch {
			n++
		}
	}
	return n
}

func TestGetReturnsOptedInProfileWithRecipientsAndRoles(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMCAProfileReader)

	p, err := c.Get(context.Background(), profileScope(t, billingtest.MCAProfileUS))

	require.NoError(t, err)
	assert.True(t, p.OptedIn)
	assert.Equal(t, []string{"billing@contoso.example", "finance@contoso.example"}, p.Recipients)
	assert.Equal(t, []roles.Role{roles.MCABillingProfileOwner, roles.MCABillingProfileContributor,
		roles.MCABillingProfileReader, roles.MCAInvoiceManager}, p.RoleRecipients)
	assert.Equal(t, billing.AgreementMCA, p.Agreement)
	assert.Equal(t, profileScope(t, billingtest.MCAProfileUS), p.Scope)
	assert.NotEmpty(t, p.ETag)
	assert.False(t, p.ReadOnly)
	assert.True(t, p.HasRecipient(" FINANCE@contoso.example "))
}

func TestGetOfOptedOutProfileHasNoRoleRecipients(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMCAAccountOwner)

	p, err := c.Get(context.Background(), profileScope(t, billingtest.MCAProfileEU))

	require.NoError(t, err)
	assert.False(t, p.OptedIn)
	assert.Empty(t, p.Recipients)
	assert.Empty(t, p.RoleRecipients)
}

func TestGetBySubscriptionFindsItsBillingProfile(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMCAProfileOwner)
	sub, err := billing.SubscriptionScope(billingtest.SubscriptionMCAWeb)
	require.NoError(t, err)

	p, err := c.Get(context.Background(), sub)

	require.NoError(t, err)
	assert.Equal(t, profileScope(t, billingtest.MCAProfileUS), p.Scope)
	assert.True(t, p.OptedIn)
}

func TestGetWithoutReadAccessIsAPermissionError(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMCAInvoiceSectionOwner) // sees the profile's name only

	_, err := c.Get(context.Background(), profileScope(t, billingtest.MCAProfileUS))

	var perr *roles.PermissionError
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, roles.ReadInvoiceEmail, perr.Action)
}

func TestOptInWithRecipients(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMCAAccountOwner)
	scope := profileScope(t, billingtest.MCAProfileEU)

	p, err := c.OptIn(context.Background(), scope, []string{"ap@contoso.example", " eu-finance@contoso.example"}, nil)

	require.NoError(t, err)
	assert.True(t, p.OptedIn)
	assert.Equal(t, []string{"ap@contoso.example", "eu-finance@contoso.example"}, p.Recipients)
	assert.NotEmpty(t, p.RoleRecipients)
	stored := storedProfile(t, srv, billingtest.MCAProfileEU)
	assert.True(t, stored.InvoiceEmailOptIn)
	assert.Equal(t, []string{"ap@contoso.example", "eu-finance@contoso.example"}, stored.InvoiceRecipients)
}

func TestAddRecipientsKeepsExistingAndSkipsKnownAddresses(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMCAProfileOwner)

	p, err := c.AddRecipients(context.Background(), profileScope(t, billingtest.MCAProfileUS),
		[]string{"cfo@contoso.example", "BILLING@contoso.example"}, nil)

	require.NoError(t, err)
	want := []string{"billing@contoso.example", "finance@contoso.example", "cfo@contoso.example"}
	assert.Equal(t, want, p.Recipients)
	assert.Equal(t, want, storedProfile(t, srv, billingtest.MCAProfileUS).InvoiceRecipients)
}

func TestRemoveRecipientsDropsTheAddress(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMCAProfileContributor)

	p, err := c.RemoveRecipients(context.Background(), profileScope(t, billingtest.MCAProfileUS),
		[]string{"FINANCE@contoso.example", "unknown@contoso.example"}, nil)

	require.NoError(t, err)
	assert.True(t, p.OptedIn)
	assert.Equal(t, []string{"billing@contoso.example"}, p.Recipients)
	stored := storedProfile(t, srv, billingtest.MCAProfileUS)
	assert.NotContains(t, stored.InvoiceRecipients, "finance@contoso.example")
}

func TestOptOutClearsEveryRecipient(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMCAProfileOwner)

	p, err := c.OptOut(context.Background(), profileScope(t, billingtest.MCAProfileUS), nil)

	require.NoError(t, err)
	assert.False(t, p.OptedIn)
	assert.Empty(t, p.Recipients)
	assert.Empty(t, p.RoleRecipients)
	stored := storedProfile(t, srv, billingtest.MCAProfileUS)
	assert.False(t, stored.InvoiceEmailOptIn)
	assert.Empty(t, stored.InvoiceRecipients)
}

func TestInvoiceManagerMayChangeThePreference(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMCAInvoiceManager)

	p, err := c.AddRecipients(context.Background(), profileScope(t, billingtest.MCAProfileUS), []string{"ap@contoso.example"}, nil)

	require.NoError(t, err)
	assert.True(t, p.HasRecipient("ap@contoso.example"))
}

func TestReaderIsDeniedBeforeAnyWrite(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMCAProfileReader)
	before := storedProfile(t, srv, billingtest.MCAProfileUS)

	_, err := c.AddRecipients(context.Background(), profileScope(t, billingtest.MCAProfileUS), []string{"ap@contoso.example"}, nil)

	var perr *roles.PermissionError
	require.ErrorAs(t, err, &perr)
	assert.ErrorIs(t, err, roles.ErrPermissionDenied)
	assert.Equal(t, roles.UpdateInvoiceEmail, perr.Action)
	assert.Zero(t, perr.StatusCode, "decided before the request")
	assert.Contains(t, perr.Required, roles.MCABillingProfileOwner)
	assert.Contains(t, perr.Required, roles.MCAInvoiceManager)
	assert.NotContains(t, perr.Required, roles.MCABillingProfileReader)
	assert.Zero(t, writes(srv), "no PUT reached the service")
	assert.Equal(t, before, storedProfile(t, srv, billingtest.MCAProfileUS))
}

func TestServiceRefusalOfReaderMapsToPermissionError(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMCAProfileReader)

	_, err := c.OptOut(context.Background(), profileScope(t, billingtest.MCAProfileUS), &email.UpdateOptions{SkipAccessCheck: true})

	var perr *roles.PermissionError
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, http.StatusForbidden, perr.StatusCode)
	assert.Equal(t, "AuthorizationFailed", perr.Code)
	assert.Equal(t, roles.UpdateInvoiceEmail, perr.Action)
	assert.Equal(t, 1, writes(srv), "the PUT was sent and refused")
	assert.True(t, storedProfile(t, srv, billingtest.MCAProfileUS).InvoiceEmailOptIn)
}

func TestForced403OnPutMapsToPermissionError(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithFaults(billingtest.ServerError(http.StatusForbidden).Method(http.MethodPut).Path("/billingProfiles/")))
	c := newClient(t, srv, billingtest.PrincipalMCAProfileOwner)

	_, err := c.AddRecipients(context.Background(), profileScope(t, billingtest.MCAProfileUS), []string{"ap@contoso.example"}, nil)

	var perr *roles.PermissionError
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, http.StatusForbidden, perr.StatusCode)
	assert.Equal(t, profileScope(t, billingtest.MCAProfileUS).ID(), perr.Scope)
	assert.NotContains(t, storedProfile(t, srv, billingtest.MCAProfileUS).InvoiceRecipients, "ap@contoso.example")
}

func TestInvalidAddressesAreRejectedWithNothingSent(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMCAProfileOwner)
	scope := profileScope(t, billingtest.MCAProfileUS)
	bad := []string{"ok@contoso.example", "not-an-address", "Alex <alex@contoso.example>", "OK@contoso.example", "x@localhost"}

	calls := map[string]func() error{
		"OptIn": func() error { _, err := c.OptIn(context.Background(), scope, bad, nil); return err },
		"AddRecipients": func() error {
			_, err := c.AddRecipients(context.Background(), scope, bad, nil)
			return err
		},
		"RemoveRecipients": func() error {
			_, err := c.RemoveRecipients(context.Background(), scope, bad, nil)
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()

			var aerr *email.AddressError
			require.ErrorAs(t, err, &aerr)
			assert.ErrorIs(t, err, billing.ErrInvalidInput)
			var got []string
			for _, a := range aerr.Invalid {
				got = append(got, a.Address)
			}
			assert.Equal(t, []string{"not-an-address", "Alex <alex@contoso.example>", "OK@contoso.example", "x@localhost"}, got)
			assert.Contains(t, err.Error(), "nothing was sent")
		})
	}
	assert.Empty(t, srv.Requests(), "no request at all")
}

func TestTooManyAddressesAreRejected(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMCAProfileOwner)
	many := make([]string, email.MaxRecipients+1)
	for i := range many {
		many[i] = "user" + strings.Repeat("x", i) + "@contoso.example"
	}

	_, err := c.AddRecipients(context.Background(), profileScope(t, billingtest.MCAProfileUS), many, nil)

	var aerr *email.AddressError
	require.ErrorAs(t, err, &aerr)
	assert.Equal(t, email.MaxRecipients+1, aerr.Count)
	assert.Empty(t, srv.Requests())
}

func TestConcurrentChangeWithETagGivesConflictAndKeepsTheOtherChange(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMCAProfileOwner)
	srv.OnProfileRequest(func(r billingtest.ProfileRequest) {
		if r.Method == http.MethodPut && r.N == 1 { // someone else writes between our read and our write
			assert.NoError(t, srv.SetProfileField(r.Account, r.Profile, "poNumber", "PO-OTHER"))
		}
	})

	_, err := c.AddRecipients(context.Background(), profileScope(t, billingtest.MCAProfileUS), []string{"ap@contoso.example"}, nil)

	var cerr *email.ConflictError
	require.ErrorAs(t, err, &cerr)
	assert.ErrorIs(t, err, email.ErrConflict)
	assert.Equal(t, http.StatusPreconditionFailed, cerr.StatusCode)
	assert.NotEmpty(t, cerr.ETag)
	stored := storedProfile(t, srv, billingtest.MCAProfileUS)
	assert.Equal(t, "PO-OTHER", stored.PONumber)
	assert.NotContains(t, stored.InvoiceRecipients, "ap@contoso.example")
	var sent bool
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPut {
			sent = true
			assert.Equal(t, cerr.ETag, r.Header.Get("If-Match"))
		}
	}
	assert.True(t, sent)
}

func TestIfMatchIsNotSentOnPolls(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMCAProfileOwner)

	_, err := c.OptOut(context.Background(), profileScope(t, billingtest.MCAProfileUS), &email.UpdateOptions{SkipAccessCheck: true})

	require.NoError(t, err)
	for _, r := range srv.Requests() {
		if strings.Contains(r.Path, "/operationResults/") {
			assert.Empty(t, r.Header.Get("If-Match"), r.Path)
		}
	}
}

func TestConcurrentChangeWithoutETagIsFoundByRereading(t *testing.T) {
	srv := billingtest.NewServer(t)
	srv.SetProfileETags(false)
	c := newClient(t, srv, billingtest.PrincipalMCAProfileOwner)
	srv.OnProfileRequest(func(r billingtest.ProfileRequest) {
		if r.Method == http.MethodGet && r.N == 2 { // the change lands between our first read and the re-read
			assert.NoError(t, srv.SetProfileField(r.Account, r.Profile, "tags.costCenter", "CC-42"))
		}
	})

	p, err := c.AddRecipients(context.Background(), profileScope(t, billingtest.MCAProfileUS), []string{"ap@contoso.example"},
		&email.UpdateOptions{SkipAccessCheck: true})

	require.NoError(t, err)
	assert.Empty(t, p.ETag)
	stored := storedProfile(t, srv, billingtest.MCAProfileUS)
	assert.Equal(t, "CC-42", stored.Tags["costCenter"], "the other change is kept")
	assert.Contains(t, stored.InvoiceRecipients, "ap@contoso.example")
	for _, r := range srv.Requests() {
		assert.Empty(t, r.Header.Get("If-Match"))
	}
}

func TestProfileThatKeepsChangingWithoutETagGivesConflict(t *testing.T) {
	srv := billingtest.NewServer(t)
	srv.SetProfileETags(false)
	c := newClient(t, srv, billingtest.PrincipalMCAProfileOwner)
	srv.OnProfileRequest(func(r billingtest.ProfileRequest) {
		if r.Method == http.MethodGet {
			assert.NoError(t, srv.SetProfileField(r.Account, r.Profile, "poNumber", "PO-"+strings.Repeat("x", r.N)))
		}
	})

	_, err := c.OptOut(context.Background(), profileScope(t, billingtest.MCAProfileUS),
		&email.UpdateOptions{SkipAccessCheck: true, MaxRereads: 2})

	var cerr *email.ConflictError
	require.ErrorAs(t, err, &cerr)
	assert.Zero(t, cerr.StatusCode)
	assert.Zero(t, writes(srv))
	assert.True(t, storedProfile(t, srv, billingtest.MCAProfileUS).InvoiceEmailOptIn)
}

func TestLongRunningPutIsPolledToCompletion(t *testing.T) {
	// One 202 from the PUT, one from its operation, then 200. (More 202s work too, but
	// arm.LRO waits its 5 s default after a later "Retry-After: 0", which would slow the test.)
	srv := billingtest.NewServer(t, billingtest.WithLRODelay(0, 1))
	c := newClient(t, srv, billingtest.PrincipalMCAProfileOwner)

	p, err := c.AddRecipients(context.Background(), profileScope(t, billingtest.MCAProfileUS), []string{"ap@contoso.example"}, nil)

	require.NoError(t, err)
	assert.True(t, p.HasRecipient("ap@contoso.example"))
	assert.NotEmpty(t, p.ETag)
	var putStatus int
	var polls []int
	for _, r := range srv.Requests() {
		switch {
		case r.Method == http.MethodPut:
			putStatus = r.Status
		case strings.Contains(r.Path, "/operationResults/putBillingProfile_"):
			polls = append(polls, r.Status)
		}
	}
	assert.Equal(t, http.StatusAccepted, putStatus)
	assert.Equal(t, []int{http.StatusAccepted, http.StatusOK}, polls)
}

func TestChangeKeepsEveryOtherProfileField(t *testing.T) {
	srv := billingtest.NewServer(t)
	require.NoError(t, srv.SetProfileField(billingtest.MCAAccount, billingtest.MCAProfileUS, "tags.team", "finops"))
	before := storedProfile(t, srv, billingtest.MCAProfileUS)
	c := newClient(t, srv, billingtest.PrincipalMCAProfileOwner)

	_, err := c.OptOut(context.Background(), profileScope(t, billingtest.MCAProfileUS), nil)

	require.NoError(t, err)
	after := storedProfile(t, srv, billingtest.MCAProfileUS)
	after.InvoiceEmailOptIn, after.InvoiceRecipients = before.InvoiceEmailOptIn, before.InvoiceRecipients
	assert.Equal(t, before, after)
}

func TestUnchangedPreferenceSendsNoWrite(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMCAProfileOwner)

	p, err := c.AddRecipients(context.Background(), profileScope(t, billingtest.MCAProfileUS), []string{"Billing@Contoso.example"}, nil)

	require.NoError(t, err)
	assert.Len(t, p.Recipients, 2)
	assert.Zero(t, writes(srv))
}

func TestAddRecipientsToOptedOutProfileAsksToOptIn(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMCAAccountOwner)

	_, err := c.AddRecipients(context.Background(), profileScope(t, billingtest.MCAProfileEU), []string{"ap@contoso.example"}, nil)

	require.ErrorIs(t, err, email.ErrNotOptedIn)
	assert.Zero(t, writes(srv))
}

func TestMOSPHasNoInvoiceEmailAPI(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMOSPAccountAdmin)
	acct, err := billing.AccountScope(billingtest.MOSPAccount)
	require.NoError(t, err)
	bsub, err := billing.BillingSubscriptionScope("default", billingtest.SubscriptionPayAsYouGo)
	require.NoError(t, err)
	sub, err := billing.SubscriptionScope(billingtest.SubscriptionPayAsYouGo)
	require.NoError(t, err)
	ctx := context.Background()

	for _, scope := range []billing.Scope{acct, bsub, sub} {
		ops := map[string]func() error{
			"Get":   func() error { _, err := c.Get(ctx, scope); return err },
			"OptIn": func() error { _, err := c.OptIn(ctx, scope, []string{"alex@contoso.example"}, nil); return err },
			"OptOut": func() error {
				_, err := c.OptOut(ctx, scope, nil)
				return err
			},
			"AddRecipients": func() error {
				_, err := c.AddRecipients(ctx, scope, []string{"alex@contoso.example"}, nil)
				return err
			},
			"RemoveRecipients": func() error {
				_, err := c.RemoveRecipients(ctx, scope, []string{"alex@contoso.example"}, nil)
				return err
			},
		}
		for name, op := range ops {
			t.Run(scope.Kind().String()+"/"+name, func(t *testing.T) {
				err := op()

				var uerr *billing.UnsupportedError
				require.ErrorAs(t, err, &uerr)
				assert.ErrorIs(t, err, billing.ErrUnsupported)
				assert.Equal(t, billing.AgreementMOSP, uerr.Agreement)
				assert.Contains(t, uerr.Alternative, `Invoices → "Email my invoice"`)
				assert.Contains(t, err.Error(), "no public Azure API")
			})
		}
	}
	for _, r := range srv.Requests() {
		assert.Equal(t, http.MethodGet, r.Method)
		assert.Contains(t, r.Path, "/billingProperty/default", "only the subscription lookup is sent")
	}
}

func TestMOSPNotificationEmailCanBeReadAndChanged(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithLRODelay(0, 0)) // PATCH 202 → poll → 200
	c := newClient(t, srv, billingtest.PrincipalMOSPAccountAdmin)
	ctx := context.Background()

	addr, err := c.NotificationEmail(ctx, billingtest.MOSPAccount)
	require.NoError(t, err)
	assert.Equal(t, "alex@contoso.example", addr)

	addr, err = c.SetNotificationEmail(ctx, billingtest.MOSPAccount, "alex.new@contoso.example")
	require.NoError(t, err)
	assert.Equal(t, "alex.new@contoso.example", addr)
	assert.Equal(t, "alex.new@contoso.example", srv.World().Account(billingtest.MOSPAccount).NotificationEmail)

	admin, err := c.AccountAdminEmail(ctx, billingtest.SubscriptionPayAsYouGo)
	require.NoError(t, err)
	assert.Equal(t, "alex.new@contoso.example", admin)
}

func TestMOSPNotificationEmailChangeNeedsTheAccountAdmin(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMCAProfileOwner)

	_, err := c.SetNotificationEmail(context.Background(), billingtest.MOSPAccount, "x@contoso.example")

	var perr *roles.PermissionError
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, []roles.Role{roles.MOSPAccountAdmin}, perr.Required)
	assert.Equal(t, "alex@contoso.example", srv.World().Account(billingtest.MOSPAccount).NotificationEmail)
}

func TestNotificationEmailIsRejectedBeforeAnyRequest(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMOSPAccountAdmin)

	_, err := c.SetNotificationEmail(context.Background(), billingtest.MOSPAccount, "Alex <alex@contoso.example>")

	require.ErrorIs(t, err, billing.ErrInvalidInput)
	_, err = c.SetNotificationEmail(context.Background(), billingtest.EAAccount, "alex@contoso.example")
	require.ErrorIs(t, err, billing.ErrUnsupported)
	assert.Empty(t, srv.Requests())
}

func TestEAInvoiceRecipientIsReadOnly(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalEAEnterpriseAdmin)
	acct, err := billing.AccountScope(billingtest.EAAccount)
	require.NoError(t, err)
	dept, err := billing.DepartmentScope(billingtest.EAAccount, billingtest.EADepartmentEngineering)
	require.NoError(t, err)
	ctx := context.Background()

	for _, scope := range []billing.Scope{acct, dept} {
		p, err := c.Get(ctx, scope)
		require.NoError(t, err)
		assert.True(t, p.ReadOnly)
		assert.True(t, p.OptedIn)
		assert.Equal(t, []string{billingtest.EAInvoiceRecipient}, p.Recipients)
		assert.Equal(t, acct, p.Scope)
		assert.Equal(t, billing.AgreementEA, p.Agreement)
	}

	changes := []func() error{
		func() error { _, err := c.OptIn(ctx, acct, nil, nil); return err },
		func() error { _, err := c.OptOut(ctx, acct, nil); return err },
		func() error { _, err := c.AddRecipients(ctx, dept, []string{"ap@contoso.example"}, nil); return err },
		func() error { _, err := c.RemoveRecipients(ctx, acct, []string{"ap@contoso.example"}, nil); return err },
	}
	for _, change := range changes {
		err := change()
		var uerr *billing.UnsupportedError
		require.ErrorAs(t, err, &uerr)
		assert.Equal(t, billing.AgreementEA, uerr.Agreement)
		assert.Contains(t, uerr.Reason, "read-only")
	}
	assert.Zero(t, writes(srv))
}

func TestMCAAccountScopeAsksForAProfile(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := newClient(t, srv, billingtest.PrincipalMCAAccountOwner)
	acct, err := billing.AccountScope(billingtest.MCAAccount)
	require.NoError(t, err)

	_, err = c.Get(context.Background(), acct)

	var ierr *billing.InputError
	require.ErrorAs(t, err, &ierr)
	assert.Contains(t, ierr.Reason, "billing profile")
	assert.Empty(t, srv.Requests())
}

func TestEmulatorRefusesInvalidRecipientsSentDirectly(t *testing.T) {
	// A client that skipped validation is caught by the emulator: the PUT is refused with 400.
	srv := billingtest.NewServer(t)
	require.NoError(t, srv.SetProfileField(billingtest.MCAAccount, billingtest.MCAProfileUS, "invoiceRecipients", "a@contoso.example,A@contoso.example"))
	c := newClient(t, srv, billingtest.PrincipalMCAProfileOwner)

	_, err := c.AddRecipients(context.Background(), profileScope(t, billingtest.MCAProfileUS), []string{"b@contoso.example"}, nil)

	var serr *billing.ServiceError
	require.ErrorAs(t, err, &serr)
	assert.Equal(t, http.StatusBadRequest, serr.StatusCode)
	assert.Equal(t, "InvalidInvoiceRecipients", serr.Code)
}

func TestContextCancellationStopsTheWait(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithLRODelay(30, 1))
	c := newClient(t, srv, billingtest.PrincipalMCAProfileOwner)
	ctx, cancel := context.WithCancel(context.Background())
	srv.OnProfileRequest(func(r billingtest.ProfileRequest) {
		if r.Method == http.MethodPut {
			cancel() // the client is about to wait Retry-After: 30
		}
	})

	_, err := c.OptOut(ctx, profileScope(t, billingtest.MCAProfileUS), &email.UpdateOptions{SkipAccessCheck: true})

	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled), err)
}
