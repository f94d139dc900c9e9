package conformance

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/roles"
)

// Our billing client against the published 2024-04-01 examples of Microsoft.Billing.

const (
	exMCAAccount  = "00000000-0000-0000-0000-000000000000:00000000-0000-0000-0000-000000000000_2019-05-31"
	exMCAAccount1 = "10000000-0000-0000-0000-000000000000:00000000-0000-0000-0000-000000000000_2019-05-31"
)

// collect drains a sequence, failing the test on an error.
func collect[T any](t *testing.T, seq func(func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}

// stripSlash removes the leading '/' of every "id" and "*Id" value: ids as some service versions
// send them.
func stripSlash(v any) any {
	return walk(v, func(o map[string]any) {
		for k, x := range o {
			if s, ok := x.(string); ok && (k == "id" || strings.HasSuffix(k, "Id")) {
				o[k] = strings.TrimPrefix(s, "/")
			}
		}
	})
}

// setProp sets properties[name] of every object that has properties (nil deletes it).
func setProp(name string, val any) func(any) any {
	return func(v any) any {
		return walk(v, func(o map[string]any) {
			if p, ok := o["properties"].(map[string]any); ok {
				if val == nil {
					delete(p, name)
				} else {
					p[name] = val
				}
			}
		})
	}
}

func TestSpecBillingAccounts(t *testing.T) {
	t.Parallel()
	s := newSpecServer(t)
	bc := s.client(t, exampleNow)
	ctx := context.Background()
	const list = "/providers/Microsoft.Billing/billingAccounts"

	t.Run("billingAccountsList", func(t *testing.T) {
		s.on(http.MethodGet, list, loadExample(t, "billing/billingAccountsList.json").reply(t, 200))
		got := collect(t, bc.Accounts(ctx))
		require.Len(t, got, 4)
		assert.Equal(t, exMCAAccount1, got[0].Name)
		assert.Equal(t, list+"/"+exMCAAccount1, got[0].ID)
		assert.Equal(t, "Premier Business Account", got[0].DisplayName)
		assert.Equal(t, billing.AgreementMCA, got[0].Agreement)
		assert.Equal(t, "Business", got[0].AccountType)
		assert.Equal(t, "Enterprise", got[0].AccountSubType)
		assert.Equal(t, "Active", got[0].Status)
		assert.True(t, got[0].HasReadAccess)
		assert.Equal(t, "20000000-0000-0000-0000-000000000001", got[0].PrimaryTenantID)
		assert.Nil(t, got[0].Enrollment)
		assert.Equal(t, "Professional", got[1].AccountSubType)
		assert.Equal(t, "Individual", got[2].AccountType)
		assert.Equal(t, billing.AgreementMPA, got[3].Agreement)
		for _, a := range got {
			assert.Equal(t, billing.ScopeAccount, a.Scope().Kind())
			assert.Equal(t, a.ID, a.Scope().ID())
		}
		q := s.requests()[0]
		assert.Equal(t, "management.azure.com", q.Host)
		assert.Equal(t, "api-version=2024-04-01", q.Query)
		assert.Equal(t, "Bearer spec-example-token", q.Header.Get("Authorization"))
	})

	t.Run("billingAccountForLegacyAccountDetails", func(t *testing.T) {
		s.on(http.MethodGet, list, loadExample(t, "billing/billingAccountForLegacyAccountDetails.json").reply(t, 200))
		got := collect(t, bc.Accounts(ctx))
		require.Len(t, got, 1)
		assert.Equal(t, billing.AgreementMOSP, got[0].Agreement)
		assert.Equal(t, "20000000-0000-0000-0000-000000000001", got[0].Name)
		assert.Equal(t, "Individual Account 2", got[0].DisplayName)
		assert.Equal(t, "individual@domain.com", got[0].NotificationEmail)
		assert.Equal(t, "Individual", got[0].AccountType)
	})

	t.Run("billingAccountsGetEA", func(t *testing.T) {
		ex := loadExample(t, "billing/billingAccountsGetEA.json")
		name := ex.param(t, "billingAccountName")
		s.on(http.MethodGet, list+"/"+name, ex.reply(t, 200))
		a, err := bc.Account(ctx, name)
		require.NoError(t, err)
		assert.Equal(t, billing.AgreementEA, a.Agreement)
		assert.Equal(t, "Enterprise", a.AccountType)
		assert.Equal(t, "Other", a.AccountSubType)
		assert.Empty(t, a.DisplayName, "the example has no displayName")
		require.NotNil(t, a.Enrollment)
		e := a.Enrollment
		assert.Equal(t, time.Date(2018, 5, 1, 17, 32, 28, 0, time.UTC), e.Start.UTC())
		assert.Equal(t, time.Date(2019, 5, 31, 17, 32, 28, 0, time.UTC), e.End.UTC())
		assert.Equal(t, "USD", e.Currency)
		assert.Equal(t, "EaDirect", e.Channel)
		assert.Equal(t, "Monthly", e.BillingCycle)
		assert.Equal(t, "US", e.CountryCode)
		assert.Equal(t, "abc@contoso.com", e.InvoiceRecipient)
		assert.Empty(t, e.PONumber)
	})

	t.Run("derived: unknown enum values, missing fields, ids without a leading slash", func(t *testing.T) {
		r := loadExample(t, "billing/billingAccountsList.json").reply(t, 200)
		r = mutate(t, r, func(v any) any {
			v = stripSlash(v)
			items := v.(map[string]any)["value"].([]any)
			p0 := items[0].(map[string]any)["properties"].(map[string]any)
			p0["agreementType"], p0["accountStatus"], p0["accountType"] = "MicrosoftFutureAgreement", "Hibernating", "Galactic"
			p1 := items[1].(map[string]any)["properties"].(map[string]any)
			for _, k := range []string{"agreementType", "displayName", "hasReadAccess", "accountStatus", "primaryBillingTenantId"} {
				delete(p1, k)
			}
			delete(items[2].(map[string]any), "properties")
			return v
		})
		s.on(http.MethodGet, list, r)
		got := collect(t, bc.Accounts(ctx))
		require.Len(t, got, 4)
		assert.Equal(t, billing.Agreement("MicrosoftFutureAgreement"), got[0].Agreement)
		assert.Equal(t, "MicrosoftFutureAgreement", got[0].Agreement.String(), "an unknown agreement keeps its raw value")
		assert.Equal(t, "Hibernating", got[0].Status)
		assert.Equal(t, "Galactic", got[0].AccountType)
		assert.Equal(t, "providers/Microsoft.Billing/billingAccounts/"+exMCAAccount1, got[0].ID)
		assert.Equal(t, billing.AgreementOther, got[1].Agreement, "a missing agreementType")
		assert.Empty(t, got[1].DisplayName)
		assert.False(t, got[1].HasReadAccess)
		assert.Equal(t, "30000000-0000-0000-0000-000000000000:00000000-0000-0000-0000-000000000000_2019-05-31", got[2].Name)
		for _, a := range got {
			assert.Equal(t, billing.ScopeAccount, a.Scope().Kind(), a.Name)
		}
	})
}

func TestSpecBillingProfiles(t *testing.T) {
	t.Parallel()
	s := newSpecServer(t)
	bc := s.client(t, exampleNow)
	ctx := context.Background()
	base := "/providers/Microsoft.Billing/billingAccounts/" + exMCAAccount + "/billingProfiles"

	check := func(t *testing.T, p billing.Profile, name, display, status string) {
		t.Helper()
		assert.Equal(t, name, p.Name)
		assert.Equal(t, display, p.DisplayName)
		assert.Equal(t, status, p.Status)
		assert.Equal(t, "USD", p.Currency)
		assert.Equal(t, 5, p.InvoiceDay)
		assert.True(t, p.InvoiceEmailOptIn)
		assert.Equal(t, []string{"abc@contoso.com", "xyz@contoso.com"}, p.InvoiceRecipients)
		assert.Equal(t, "ABC12345", p.PONumber)
		assert.True(t, p.HasReadAccess)
		sc := p.Scope()
		assert.Equal(t, billing.ScopeProfile, sc.Kind())
		assert.Equal(t, exMCAAccount, sc.BillingAccount())
		assert.Equal(t, name, sc.BillingProfile())
	}

	t.Run("billingProfilesListByBillingAccount", func(t *testing.T) {
		s.on(http.MethodGet, base, loadExample(t, "billing/billingProfilesListByBillingAccount.json").reply(t, 200))
		got := collect(t, bc.Profiles(ctx, exMCAAccount))
		require.Len(t, got, 3)
		check(t, got[0], "xxxx-xxxx-xxx-xxx", "Billing Profile 1", "Warned")
		check(t, got[1], "yyyy-yyyy-yyy-yyy", "Billing Profile 2", "UnderReview")
		check(t, got[2], "zzzz-zzzz-zzz-zzz", "Billing Profile 1", "Active")
		assert.Equal(t, "On", got[0].SpendingLimit)
		assert.Empty(t, got[1].SpendingLimit, "spendingLimit is absent from the second profile")
		assert.Equal(t, "22222222-2222-2222-2222-222222222222", got[1].SystemID)
	})

	t.Run("billingProfilesGet", func(t *testing.T) {
		ex := loadExample(t, "billing/billingProfilesGet.json")
		s.on(http.MethodGet, base+"/"+ex.param(t, "billingProfileName"), ex.reply(t, 200))
		p, err := bc.Profile(ctx, ex.param(t, "billingAccountName"), ex.param(t, "billingProfileName"))
		require.NoError(t, err)
		check(t, p, "xxxx-xxxx-xxx-xxx", "Billing Profile 1", "Warned")
		assert.Equal(t, base+"/xxxx-xxxx-xxx-xxx", p.ID)
		assert.Equal(t, "11111111-1111-1111-1111-111111111111", p.SystemID)
	})

	t.Run("derived: ids without a leading slash, missing and unknown values", func(t *testing.T) {
		r := mutate(t, loadExample(t, "billing/billingProfilesListByBillingAccount.json").reply(t, 200), func(v any) any {
			v = stripSlash(v)
			items := v.(map[string]any)["value"].([]any)
			p := items[0].(map[string]any)["properties"].(map[string]any)
			p["status"], p["spendingLimit"] = "Frozen", "Sometimes"
			for _, k := range []string{"invoiceRecipients", "invoiceEmailOptIn", "invoiceDay", "poNumber"} {
				delete(items[1].(map[string]any)["properties"].(map[string]any), k)
			}
			return v
		})
		s.on(http.MethodGet, base, r)
		got := collect(t, bc.Profiles(ctx, exMCAAccount))
		require.Len(t, got, 3)
		assert.Equal(t, "Frozen", got[0].Status)
		assert.Equal(t, "Sometimes", got[0].SpendingLimit)
		assert.False(t, got[1].InvoiceEmailOptIn)
		assert.Empty(t, got[1].InvoiceRecipients)
		assert.Zero(t, got[1].InvoiceDay)
		for _, p := range got {
			sc := p.Scope()
			assert.Equal(t, billing.ScopeProfile, sc.Kind(), p.ID)
			assert.Equal(t, p.Name, sc.BillingProfile())
		}
	})
}

func TestSpecBillingSubscriptions(t *testing.T) {
	t.Parallel()
	s := newSpecServer(t)
	bc := s.client(t, exampleNow)
	ex := loadExample(t, "billing/billingSubscriptionsListByBillingAccount.json")
	account := ex.param(t, "billingAccountName")
	s.on(http.MethodGet, "/providers/Microsoft.Billing/billingAccounts/"+account+"/billingSubscriptions", ex.reply(t, 200))
	sc, err := billing.AccountScope(account)
	require.NoError(t, err)
	got := collect(t, bc.BillingSubscriptions(context.Background(), sc))
	require.Len(t, got, 3)
	profile := "/providers/Microsoft.Billing/billingAccounts/" + account + "/billingProfiles/xxxx-xxxx-xxx-xxx"
	for i, want := range []struct{ id, name, status, category string }{
		{"90000000-0000-0000-0000-000000000000", "My subscription", "Active", "SeatBased"},
		{"90000000-0000-0000-0000-000000000001", "Test subscription", "Active", "Software"},
		{"90000000-0000-0000-0000-000000000002", "Dev subscription", "Suspended", "ReservationOrder"},
	} {
		g := got[i]
		assert.Empty(t, g.SubscriptionID, "subscriptionId is absent and the product (%s) is no Azure subscription", want.category)
		assert.Equal(t, "/providers/Microsoft.Billing/billingAccounts/"+account+"/billingSubscriptions/"+want.id, g.ID)
		assert.Equal(t, want.name, g.DisplayName)
		assert.Equal(t, want.status, g.Status)
		assert.Equal(t, want.category, g.ProductCategory)
		assert.Equal(t, profile, g.BillingProfileID)
		assert.Equal(t, profile+"/invoiceSections/yyyy-yyyy-yyy-yyy", g.InvoiceSectionID)
		assert.Equal(t, "0001", g.SKU)
		assert.Equal(t, "P1M", g.BillingFrequency)
		assert.Equal(t, "On", g.AutoRenew)
	}
	purchased := time.Date(2023, 1, 4, 22, 39, 34, 260675000, time.UTC)
	assert.Equal(t, purchased, got[0].CreatedAt.UTC(), "CreatedAt is the purchaseDate")

	// Derived: the cost center of a consumption subscription, which the example does not carry.
	s.on(http.MethodGet, "/providers/Microsoft.Billing/billingAccounts/"+account+"/billingSubscriptions",
		mutate(t, ex.reply(t, 200), setProp("consumptionCostCenter", "1010")))
	got = collect(t, bc.BillingSubscriptions(context.Background(), sc))
	require.Len(t, got, 3)
	assert.Equal(t, "1010", got[0].CostCenter, "CostCenter is 2024-04-01's consumptionCostCenter")
}

func TestSpecPermissionsRolesAndCheckAccess(t *testing.T) {
	t.Parallel()
	s := newSpecServer(t)
	bc := s.client(t, exampleNow)
	ctx := context.Background()

	t.Run("billingPermissionsListByBillingProfile", func(t *testing.T) {
		ex := loadExample(t, "billing/billingPermissionsListByBillingProfile.json")
		sc, err := billing.ProfileScope(ex.param(t, "billingAccountName"), ex.param(t, "billingProfileName"))
		require.NoError(t, err)
		s.on(http.MethodGet, sc.ID()+"/billingPermissions", ex.reply(t, 200))
		got := collect(t, bc.Permissions(ctx, sc))
		require.Len(t, got, 1)
		assert.Len(t, got[0].Actions, 20)
		assert.Equal(t, "10000000-aaaa-bbbb-cccc-200000000006", got[0].Actions[0])
		assert.Equal(t, "30000000-aaaa-bbbb-cccc-200000000001", got[0].Actions[19])
		assert.Empty(t, got[0].NotActions)
	})

	t.Run("billingRoleDefinitionListByBillingProfile", func(t *testing.T) {
		ex := loadExample(t, "billing/billingRoleDefinitionListByBillingProfile.json")
		sc, err := billing.ProfileScope(ex.param(t, "billingAccountName"), ex.param(t, "billingProfileName"))
		require.NoError(t, err)
		s.on(http.MethodGet, sc.ID()+"/billingRoleDefinitions", ex.reply(t, 200))
		got := collect(t, bc.RoleDefinitions(ctx, sc))
		require.Len(t, got, 4)
		want := []roles.Role{roles.MCABillingProfileOwner, roles.MCABillingProfileContributor, roles.MCABillingProfileReader, roles.MCAInvoiceManager}
		for i, d := range got {
			assert.Equal(t, want[i], d.Role, d.RoleName)
			assert.Equal(t, sc.ID()+"/billingRoleDefinitions/"+d.Name, d.ID)
			assert.NotEmpty(t, d.Description)
		}
		assert.Equal(t, "Billing profile owner", got[0].RoleName)
		assert.Len(t, got[0].Actions, 12)
		assert.Equal(t, []string{"40000000-aaaa-bbbb-cccc-200000000006", "40000000-aaaa-bbbb-cccc-200000000007",
			"40000000-aaaa-bbbb-cccc-200000000008", "40000000-aaaa-bbbb-cccc-200000000012"}, got[2].Actions)
	})

	t.Run("checkAccessByBillingProfile", func(t *testing.T) {
		ex := loadExample(t, "billing/checkAccessByBillingProfile.json")
		sc, err := billing.ProfileScope(ex.param(t, "billingAccountName"), ex.param(t, "billingProfileName"))
		require.NoError(t, err)
		var body struct {
			Actions []string `json:"actions"`
		}
		require.NoError(t, json.Unmarshal(ex.Parameters["parameters"], &body))
		s.on(http.MethodPost, sc.ID()+"/checkAccess", ex.reply(t, 200))
		got, err := bc.CheckServiceAccess(ctx, sc, body.Actions...)
		require.NoError(t, err)
		require.Len(t, got, 2)
		assert.Equal(t, billing.AccessDecision{Action: "Microsoft.Billing/billingAccounts/read", Allowed: true, Decision: "Allowed"}, got[0])
		assert.Equal(t, billing.AccessDecision{Action: "Microsoft.Subscription/subscriptions/write", Allowed: false, Decision: "NotAllowed"}, got[1])
		// The request body is the example's.
		var sent struct {
			Actions []string `json:"actions"`
		}
		reqs := s.requests()
		require.NoError(t, json.Unmarshal(reqs[len(reqs)-1].Body, &sent))
		assert.Equal(t, body.Actions, sent.Actions)

		// An unknown decision is kept and not taken for "Allowed".
		s.on(http.MethodPost, sc.ID()+"/checkAccess", mutate(t, ex.reply(t, 200), func(v any) any {
			v.([]any)[0].(map[string]any)["accessDecision"] = "Other"
			return v
		}))
		got, err = bc.CheckServiceAccess(ctx, sc, body.Actions...)
		require.NoError(t, err)
		assert.Equal(t, billing.AccessDecision{Action: "Microsoft.Billing/billingAccounts/read", Allowed: false, Decision: "Other"}, got[0])
	})
}

func TestSpecPoliciesAndBillingProperty(t *testing.T) {
	t.Parallel()
	s := newSpecServer(t)
	bc := s.client(t, exampleNow)
	ctx := context.Background()

	t.Run("policiesGetByBillingAccount", func(t *testing.T) {
		ex := loadExample(t, "billing/policiesGetByBillingAccount.json")
		account := ex.param(t, "billingAccountName")
		s.on(http.MethodGet, "/providers/Microsoft.Billing/billingAccounts/"+account+"/policies/default", ex.reply(t, 200))
		p, err := bc.EAPolicies(ctx, account)
		require.NoError(t, err)
		assert.Equal(t, billing.EAPolicies{MarketplacePurchases: "AllAllowed", ReservationPurchases: "Allowed", SavingsPlanPurchases: "NotAllowed"}, p,
			"the view-charges policies are absent from the example")
		assert.True(t, p.AccountOwnerCanViewCharges(), "an absent policy switches nothing off")
		assert.True(t, p.DepartmentAdminCanViewCharges())
	})

	t.Run("billingPropertyGetMOSP", func(t *testing.T) {
		ex := loadExample(t, "billing/billingPropertyGetMOSP.json")
		sub := ex.param(t, "subscriptionId")
		s.on(http.MethodGet, "/subscriptions/"+sub+"/providers/Microsoft.Billing/billingProperty/default", ex.reply(t, 200))
		p, err := bc.SubscriptionBilling(ctx, sub)
		require.NoError(t, err)
		assert.Equal(t, billing.SubscriptionBilling{
			SubscriptionID: sub, Agreement: billing.AgreementMOSP,
			BillingAccountID:   "/providers/Microsoft.Billing/billingAccounts/00000000-0000-0000-0000-000000000000",
			BillingAccountName: "My Account", SubscriptionBillingType: "Free",
		}, p)
	})

	t.Run("billingPropertyGetMCA", func(t *testing.T) {
		ex := loadExample(t, "billing/billingPropertyGetMCA.json")
		sub := ex.param(t, "subscriptionId")
		s.on(http.MethodGet, "/subscriptions/"+sub+"/providers/Microsoft.Billing/billingProperty/default", ex.reply(t, 200))
		p, err := bc.SubscriptionBilling(ctx, sub)
		require.NoError(t, err)
		const acct = "/providers/Microsoft.Billing/billingAccounts/00000000-0000-0000-0000-000000000000:00000000-0000-0000-0000-000000000000"
		assert.Equal(t, billing.SubscriptionBilling{
			SubscriptionID: sub, Agreement: billing.AgreementMCA, BillingAccountID: acct, BillingAccountName: "My Account",
			BillingProfileID:        acct + "/billingProfiles/billingProfiles/xxxx-xxxx-xxx-xxx",
			InvoiceSectionID:        acct + "/billingProfiles/billingProfiles/xxxx-xxxx-xxx-xxx/invoiceSections/yyyy-yyyy-yyy-yyy",
			SubscriptionStatus:      "Active",
			SubscriptionBillingType: "Free",
		}, p)
	})
}
