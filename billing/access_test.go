package billing_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/roles"
)

func emulatorClient(t *testing.T, srv *billingtest.Server, p billingtest.Principal) *billing.Client {
	t.Helper()
	bc, err := billing.NewClient(srv.Credential(p), srv.ClientOptions())
	require.NoError(t, err)
	return bc
}

func TestAccountsShowAgreementTypesOnEmulator(t *testing.T) {
	srv := billingtest.NewServer(t)
	ctx := context.Background()
	want := map[billingtest.Principal]billing.Agreement{
		billingtest.PrincipalMOSPAccountAdmin:  billing.AgreementMOSP,
		billingtest.PrincipalEAEnterpriseAdmin: billing.AgreementEA,
		billingtest.PrincipalMCAProfileReader:  billing.AgreementMCA,
	}
	for p, agreement := range want {
		bc := emulatorClient(t, srv, p)
		var got []billing.Agreement
		for a, err := range bc.Accounts(ctx) {
			require.NoError(t, err)
			got = append(got, a.Agreement)
		}
		assert.Equal(t, []billing.Agreement{agreement}, got, p)
	}
	var n int
	for _, err := range emulatorClient(t, srv, billingtest.PrincipalNoRole).Accounts(ctx) {
		require.NoError(t, err)
		n++
	}
	assert.Zero(t, n, "a principal without roles sees no account")
}

func TestEAEnrollmentDetailsAndChildren(t *testing.T) {
	srv := billingtest.NewServer(t)
	ctx := context.Background()
	bc := emulatorClient(t, srv, billingtest.PrincipalEAEnterpriseAdmin)
	a, err := bc.Account(ctx, billingtest.EAAccount)
	require.NoError(t, err)
	require.NotNil(t, a.Enrollment)
	assert.Equal(t, billingtest.EAInvoiceRecipient, a.Enrollment.InvoiceRecipient)
	var depts, eas []string
	for d, err := range bc.Departments(ctx, billingtest.EAAccount) {
		require.NoError(t, err)
		depts = append(depts, d.Name)
	}
	for e, err := range bc.EnrollmentAccounts(ctx, billingtest.EAAccount) {
		require.NoError(t, err)
		eas = append(eas, e.Name)
	}
	assert.ElementsMatch(t, []string{billingtest.EADepartmentEngineering, billingtest.EADepartmentFinance}, depts)
	assert.ElementsMatch(t, []string{billingtest.EAEnrollmentAccountEngineering, billingtest.EAEnrollmentAccountFinance}, eas)
}

func TestMOSPUserFindsSubscriptionsThroughBillingSubscriptions(t *testing.T) {
	srv := billingtest.NewServer(t)
	bc := emulatorClient(t, srv, billingtest.PrincipalMOSPAccountAdmin)
	scope, err := billing.AccountScope(billingtest.MOSPAccount)
	require.NoError(t, err)
	var subs []string
	for s, err := range bc.BillingSubscriptions(context.Background(), scope) {
		require.NoError(t, err)
		subs = append(subs, s.SubscriptionID)
	}
	assert.Contains(t, subs, billingtest.SubscriptionPayAsYouGo)
	assert.Contains(t, subs, billingtest.SubscriptionNew)
}

func TestProfilesAndSectionsPageAcrossThreePages(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithPageSize(1))
	bc := emulatorClient(t, srv, billingtest.PrincipalMCAAccountOwner)
	ctx := context.Background()
	var profiles []string
	for p, err := range bc.Profiles(ctx, billingtest.MCAAccount) {
		require.NoError(t, err)
		profiles = append(profiles, p.Name)
	}
	assert.Equal(t, []string{billingtest.MCAProfileUS, billingtest.MCAProfileEU}, profiles)
	scope, err := billing.AccountScope(billingtest.MCAAccount)
	require.NoError(t, err)
	var subs int
	for _, err := range bc.BillingSubscriptions(ctx, scope) {
		require.NoError(t, err)
		subs++
	}
	assert.GreaterOrEqual(t, subs, 3, "four subscriptions one per page")
}

func TestAccessChecksPerPrincipal(t *testing.T) {
	srv := billingtest.NewServer(t)
	ctx := context.Background()
	profile, _ := billing.ProfileScope(billingtest.MCAAccount, billingtest.MCAProfileUS)
	section, _ := billing.InvoiceSectionScope(billingtest.MCAAccount, billingtest.MCAProfileUS, billingtest.MCASectionEngineering)
	eaAccount, _ := billing.AccountScope(billingtest.EAAccount)
	dept, _ := billing.DepartmentScope(billingtest.EAAccount, billingtest.EADepartmentEngineering)
	enrAcct, _ := billing.EnrollmentAccountScope(billingtest.EAAccount, billingtest.EAEnrollmentAccountEngineering)
	mosp, _ := billing.AccountScope(billingtest.MOSPAccount)

	cases := []struct {
		principal billingtest.Principal
		scope     billing.Scope
		allowed   []roles.Action
		denied    []roles.Action
		role      roles.Role
	}{
		{billingtest.PrincipalMCAAccountOwner, profile, []roles.Action{roles.DownloadInvoice, roles.UpdateInvoiceEmail}, nil, roles.MCABillingProfileOwner},
		{billingtest.PrincipalMCAProfileOwner, profile, []roles.Action{roles.ViewInvoices, roles.DownloadInvoice, roles.UpdateInvoiceEmail}, nil, roles.MCABillingProfileOwner},
		{billingtest.PrincipalMCAProfileContributor, profile, []roles.Action{roles.DownloadInvoice, roles.UpdateInvoiceEmail}, nil, roles.MCABillingProfileContributor},
		{billingtest.PrincipalMCAProfileReader, profile, []roles.Action{roles.ViewInvoices, roles.DownloadInvoice, roles.ReadInvoiceEmail}, []roles.Action{roles.UpdateInvoiceEmail}, roles.MCABillingProfileReader},
		{billingtest.PrincipalMCAInvoiceManager, profile, []roles.Action{roles.ViewInvoices, roles.DownloadInvoice}, nil, roles.MCAInvoiceManager},
		{billingtest.PrincipalMCAInvoiceSectionOwner, section, []roles.Action{roles.ViewUsage}, []roles.Action{roles.DownloadInvoice}, roles.MCAInvoiceSectionOwner},
		{billingtest.PrincipalEAEnterpriseAdmin, eaAccount, []roles.Action{roles.ViewInvoices, roles.DownloadInvoice, roles.ViewUsage}, nil, roles.EAEnterpriseAdmin},
		{billingtest.PrincipalEAEnterpriseReader, eaAccount, []roles.Action{roles.ViewUsage}, []roles.Action{roles.ManageRoleAssignments}, roles.EAEnterpriseAdminReadOnly},
		{billingtest.PrincipalEADepartmentAdmin, dept, []roles.Action{roles.ViewUsage}, nil, roles.EADepartmentAdmin},
		{billingtest.PrincipalMOSPAccountAdmin, mosp, []roles.Action{roles.ViewInvoices, roles.DownloadInvoice}, nil, roles.MOSPAccountAdmin},
	}
	for _, c := range cases {
		t.Run(string(c.principal), func(t *testing.T) {
			bc := emulatorClient(t, srv, c.principal)
			acc, err := bc.Access(ctx, c.scope)
			require.NoError(t, err)
			assert.Contains(t, acc.Roles, c.role)
			require.NoError(t, bc.CheckAccess(ctx, c.scope, c.allowed...))
			for _, a := range c.denied {
				err := bc.CheckAccess(ctx, c.scope, a)
				var perr *roles.PermissionError
				require.ErrorAs(t, err, &perr, a)
				assert.Equal(t, a, perr.Action)
				assert.Equal(t, c.scope.ID(), perr.Scope)
				assert.NotEmpty(t, perr.Required)
				assert.ErrorIs(t, err, roles.ErrPermissionDenied)
			}
		})
	}

	t.Run("EA account owner with view charges off", func(t *testing.T) {
		bc := emulatorClient(t, srv, billingtest.PrincipalEAAccountOwner)
		err := bc.CheckAccess(ctx, enrAcct, roles.ViewUsage)
		var perr *roles.PermissionError
		require.ErrorAs(t, err, &perr)
		assert.Equal(t, roles.PolicyEAAccountOwnerViewCharges, perr.Policy)
		assert.Contains(t, perr.Required, roles.EAEnterpriseAdmin)
	})
	t.Run("EA department admin after view charges is switched off", func(t *testing.T) {
		srv2 := billingtest.NewServer(t, billingtest.WithPolicy(billingtest.EAPolicy{DepartmentAdminViewCharges: billingtest.PolicyDisabled}))
		bc := emulatorClient(t, srv2, billingtest.PrincipalEADepartmentAdmin)
		err := bc.CheckAccess(ctx, dept, roles.ViewUsage)
		var perr *roles.PermissionError
		require.ErrorAs(t, err, &perr)
		assert.Equal(t, roles.PolicyEADepartmentAdminViewCharges, perr.Policy)
		assert.Contains(t, err.Error(), "departmentAdminViewCharges")
	})
	t.Run("no role", func(t *testing.T) {
		bc := emulatorClient(t, srv, billingtest.PrincipalNoRole)
		err := bc.CheckAccess(ctx, profile, roles.ViewInvoices)
		var perr *roles.PermissionError
		require.ErrorAs(t, err, &perr)
		assert.Contains(t, perr.Required, roles.MCABillingProfileReader)
	})
}

func TestServiceCheckAccessAnswersPerAction(t *testing.T) {
	srv := billingtest.NewServer(t)
	bc := emulatorClient(t, srv, billingtest.PrincipalEAEnterpriseReader)
	scope, _ := billing.AccountScope(billingtest.EAAccount)
	var actions []string
	for p, err := range bc.Permissions(context.Background(), scope) {
		require.NoError(t, err)
		actions = append(actions, p.Actions...)
	}
	require.NotEmpty(t, actions)
	dec, err := bc.CheckServiceAccess(context.Background(), scope, actions[0], "Microsoft.Billing/billingAccounts/write")
	require.NoError(t, err)
	require.Len(t, dec, 2)
	assert.True(t, dec[0].Allowed)
	assert.False(t, dec[1].Allowed, "a reader cannot write")
}
