package replay_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/roles"
)

const mcaAccount = "e00f22a3-bacf-5b74-3aaa-d503043532ea:d6b82951-c3bf-485c-82a2-52da136cb99d_2019-05-31"

func TestMCAPermissionsAndCheckAccessWithoutRole(t *testing.T) {
	f := start(t, recordedAt, "mca_permissions")
	acct, err := billing.AccountScope(mcaAccount)
	require.NoError(t, err)
	prof, err := billing.ProfileScope(mcaAccount, "9ea04beecb25435781b6a9c112a4713b")
	require.NoError(t, err)
	sec, err := billing.InvoiceSectionScope(mcaAccount, "9ea04beecb25435781b6a9c112a4713b", "YB7U-KJHC-PJA-TGB")
	require.NoError(t, err)
	for _, c := range []struct {
		scope  billing.Scope
		action string
	}{
		{acct, "Microsoft.Billing/billingAccounts/read"},
		{prof, "Microsoft.Billing/billingAccounts/billingProfiles/read"},
		{sec, "Microsoft.Billing/billingAccounts/billingProfiles/invoiceSections/read"},
	} {
		ds, err := f.bc.CheckServiceAccess(ctx(t), c.scope, c.action)
		require.NoError(t, err, c.scope.ID())
		assert.Equal(t, []billing.AccessDecision{{Action: c.action, Allowed: false, Decision: "NotAllowed"}}, ds)
	}
	for _, s := range []billing.Scope{acct, prof, sec} {
		perms := collect(t, f.bc.Permissions(ctx(t), s))
		require.Len(t, perms, 1, s.ID())
		assert.Empty(t, perms[0].Actions)
	}
}

func TestMCARoleDefinitions(t *testing.T) {
	f := start(t, recordedAt, "mca_role_definitions")
	acct, _ := billing.AccountScope(mcaAccount)
	prof, err := billing.ProfileScope(mcaAccount, "HWEG-Q6HX-BG7-TGB")
	require.NoError(t, err)
	defs := collect(t, f.bc.RoleDefinitions(ctx(t), acct))
	require.Len(t, defs, 3)
	assert.Equal(t, []roles.Role{roles.MCABillingAccountOwner, roles.MCABillingAccountContributor, roles.MCABillingAccountReader},
		[]roles.Role{defs[0].Role, defs[1].Role, defs[2].Role})
	assert.Equal(t, "50000000-aaaa-bbbb-cccc-100000000000", defs[0].Name)
	assert.Len(t, defs[0].Actions, 43)
	assert.Len(t, defs[2].Actions, 15)

	pdefs := collect(t, f.bc.RoleDefinitions(ctx(t), prof))
	require.Len(t, pdefs, 4)
	assert.Equal(t, []roles.Role{roles.MCABillingProfileOwner, roles.MCABillingProfileContributor, roles.MCABillingProfileReader, roles.MCAInvoiceManager},
		[]roles.Role{pdefs[0].Role, pdefs[1].Role, pdefs[2].Role, pdefs[3].Role})
	assert.Equal(t, "Invoice manager", pdefs[3].RoleName)
	assert.Equal(t, []string{"40000000-aaaa-bbbb-cccc-200000000007", "40000000-aaaa-bbbb-cccc-200000000006",
		"40000000-aaaa-bbbb-cccc-200000000011", "40000000-aaaa-bbbb-cccc-200000000008", "40000000-aaaa-bbbb-cccc-200000000012",
		"40000000-aaaa-bbbb-cccc-200000000013", "30000000-aaaa-bbbb-cccc-200000000001"}, pdefs[3].Actions)

	sec, err := billing.InvoiceSectionScope(mcaAccount, "HWEG-Q6HX-BG7-TGB", "3GOG-XYPA-PJA-TGB")
	require.NoError(t, err)
	sdefs := collect(t, f.bc.RoleDefinitions(ctx(t), sec))
	require.Len(t, sdefs, 4)
	assert.Equal(t, []roles.Role{roles.MCAInvoiceSectionOwner, roles.MCAInvoiceSectionContributor, roles.MCAInvoiceSectionReader, roles.MCAAzureSubscriptionCreator},
		[]roles.Role{sdefs[0].Role, sdefs[1].Role, sdefs[2].Role, sdefs[3].Role})
	assert.Equal(t, []string{"30000000-aaaa-bbbb-cccc-200000000001", "30000000-aaaa-bbbb-cccc-200000000007",
		"30000000-aaaa-bbbb-cccc-200000000004", "30000000-aaaa-bbbb-cccc-200000000015", "30000000-aaaa-bbbb-cccc-200000000017"}, sdefs[2].Actions)
	assert.Len(t, sdefs[0].Actions, 17)
}

const mcaIndividual = "e261ef40-3517-515d-3680-8be4252ae148:0790f1fc-f274-4457-afc3-f3b0c90850ba_2019-05-31"

func TestMCAInvoiceSections(t *testing.T) {
	f := start(t, recordedAt, "mca_invoice_sections")
	secs := collect(t, f.bc.InvoiceSections(ctx(t), mcaIndividual, "B5LA-FLMV-BG7-M77W-SGB"))
	require.Len(t, secs, 1)
	assert.Equal(t, billing.InvoiceSection{
		ID:          "/providers/Microsoft.Billing/billingAccounts/" + mcaIndividual + "/billingProfiles/B5LA-FLMV-BG7-M77W-SGB/invoiceSections/DVPC-HA6G-PJA-MAOR-SGB",
		Name:        "DVPC-HA6G-PJA-MAOR-SGB",
		DisplayName: "Microsoft (P10109641)",
		State:       "Active",
		SystemID:    "DVPC-HA6G-PJA-MAOR-SGB",
	}, secs[0])
}

func TestMCASubscriptionBillingProperty(t *testing.T) {
	f := start(t, recordedAt, "mca_billing_property")
	sb, err := f.bc.SubscriptionBilling(ctx(t), "00000000-0000-0000-0000-000000000000")
	require.NoError(t, err)
	assert.Equal(t, billing.AgreementMCA, sb.Agreement)
	assert.Equal(t, "/providers/Microsoft.Billing/billingAccounts/"+mcaIndividual, sb.BillingAccountID)
	assert.Equal(t, "SMB Account 1", sb.BillingAccountName)
	assert.Equal(t, "/providers/Microsoft.Billing/billingAccounts/"+mcaIndividual+"/billingProfiles/B5LA-FLMV-BG7-M77W-SGB", sb.BillingProfileID)
	assert.Equal(t, "/providers/Microsoft.Billing/billingAccounts/"+mcaIndividual+"/billingProfiles/B5LA-FLMV-BG7-M77W-SGB/invoiceSections/DVPC-HA6G-PJA-MAOR-SGB", sb.InvoiceSectionID)
	assert.Equal(t, "USD", sb.BillingCurrency)
	assert.Equal(t, "Active", sb.SubscriptionStatus)
	assert.Equal(t, "Paid", sb.SubscriptionBillingType)
}

func TestMPAAccounts(t *testing.T) {
	f := start(t, recordedAt, "mpa_accounts")
	accts := collect(t, f.bc.Accounts(ctx(t)))
	require.Len(t, accts, 1)
	a := accts[0]
	assert.Equal(t, "aff095f4-f26b-5334-db79-29704a77c0e5:8d5301c9-db55-4eb6-8611-9db0417d6cb2_2019-05-31", a.Name)
	assert.Equal(t, billing.AgreementMPA, a.Agreement)
	assert.Equal(t, "Partner", a.AccountType)
	assert.Equal(t, "PLAMUATT2NetNew", a.DisplayName)
	assert.Equal(t, "Active", a.Status)
	assert.True(t, a.HasReadAccess)
	assert.Nil(t, a.Enrollment)
}

func TestMCAAccountsListAndGet(t *testing.T) {
	f := start(t, recordedAt, "mca_accounts")
	accts := collect(t, f.bc.Accounts(ctx(t)))
	require.Len(t, accts, 2)
	for _, a := range accts {
		assert.Equal(t, billing.AgreementMCA, a.Agreement)
		assert.Equal(t, "Individual", a.AccountType)
		assert.Equal(t, "Professional", a.AccountSubType)
		assert.Equal(t, "25190330-c2fa-4110-b63d-5cda77380ac6", a.PrimaryTenantID)
		assert.Nil(t, a.Enrollment)
	}
	assert.Equal(t, "SMB Account 1", accts[1].DisplayName)
	assert.Equal(t, mcaIndividual, accts[1].Name)

	g, err := f.bc.Account(ctx(t), "e261ef40-3517-515d-3680-8be4252ae148:efd45d14-e459-4bd7-a883-f3b176d0c335_2019-05-31")
	require.NoError(t, err)
	assert.Equal(t, accts[0], g)
	assert.Equal(t, "Account Name Updated Via CLI Test", g.DisplayName)
}

func TestMCABillingSubscriptionsSeatBased(t *testing.T) {
	f := start(t, recordedAt, "mca_billing_subscriptions")
	acct, _ := billing.AccountScope(mcaAccount)
	subs := collect(t, f.bc.BillingSubscriptions(ctx(t), acct))
	require.Len(t, subs, 3)
	prof := "/providers/Microsoft.Billing/billingAccounts/" + mcaAccount + "/billingProfiles/HWEG-Q6HX-BG7-TGB"
	s := subs[0]
	assert.Equal(t, "/providers/Microsoft.Billing/billingAccounts/"+mcaAccount+"/billingSubscriptions/30d76dc4-93c6-4638-dbcd-8b64f0882e9b", s.ID)
	// No subscriptionId: a seat-based product is no Azure subscription, and its GUID-shaped name
	// is no Azure subscription id (internal/conformance asserts the same for the spec's examples).
	assert.Empty(t, s.SubscriptionID)
	assert.Equal(t, prof, s.BillingProfileID)
	assert.Equal(t, prof+"/invoiceSections/3GOG-XYPA-PJA-TGB", s.InvoiceSectionID)
	assert.Equal(t, "0001", s.SKU)
	assert.Equal(t, "SeatBased", s.ProductCategory)
	assert.Equal(t, "P1M", s.BillingFrequency)
	assert.Equal(t, "On", s.AutoRenew)
	assert.Equal(t, "Active", s.Status)
	assert.Equal(t, time.Date(2024, 1, 26, 20, 27, 37, 242110700, time.UTC), s.CreatedAt.UTC())
	assert.Equal(t, "monthy to daily with bill freq", subs[1].DisplayName)
	assert.Equal(t, "", subs[2].BillingFrequency)
	assert.Equal(t, time.Date(2024, 2, 6, 20, 9, 12, 338724700, time.UTC), subs[2].CreatedAt.UTC())
}
