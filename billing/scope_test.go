package billing_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
)

const mcaAccount = "10000000-0000-0000-0000-000000000000:00000000-0000-0000-0000-000000000000_2019-05-31"

func TestParseScopeValidIDs(t *testing.T) {
	cases := []struct {
		id      string
		kind    billing.ScopeKind
		account string
		want    string // canonical ID
	}{
		{"/providers/Microsoft.Billing/billingAccounts/6575495", billing.ScopeAccount, "6575495", ""},
		{"providers/microsoft.billing/BillingAccounts/6575495/", billing.ScopeAccount, "6575495", "/providers/Microsoft.Billing/billingAccounts/6575495"},
		{"/providers/Microsoft.Billing/billingAccounts/" + mcaAccount + "/billingProfiles/AB12-CD34-BG7-PGB", billing.ScopeProfile, mcaAccount, ""},
		{"/providers/Microsoft.Billing/billingAccounts/10000000-0000-0000-0000-000000000000%3A00000000-0000-0000-0000-000000000000_2019-05-31/billingProfiles/AB12-CD34-BG7-PGB/invoiceSections/ISEC-1111-PJA-PGB", billing.ScopeInvoiceSection, mcaAccount,
			"/providers/Microsoft.Billing/billingAccounts/" + mcaAccount + "/billingProfiles/AB12-CD34-BG7-PGB/invoiceSections/ISEC-1111-PJA-PGB"},
		{"/providers/Microsoft.Billing/billingAccounts/6575495/departments/101", billing.ScopeDepartment, "6575495", ""},
		{"/providers/Microsoft.Billing/billingAccounts/6575495/enrollmentAccounts/201", billing.ScopeEnrollmentAccount, "6575495", ""},
		{"/providers/Microsoft.Billing/departments/101", billing.ScopeDepartment, "", ""},
		{"/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/11111111-1111-1111-1111-111111111111", billing.ScopeBillingSubscription, "default", ""},
		{"/providers/Microsoft.Billing/billingAccounts/pcn.12345/customers/cust-1", billing.ScopeCustomer, "pcn.12345", ""},
		{"/subscriptions/11111111-1111-1111-1111-111111111111", billing.ScopeSubscription, "", ""},
		{"/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-1", billing.ScopeResourceGroup, "", ""},
		{"/providers/Microsoft.Management/managementGroups/mg1", billing.ScopeManagementGroup, "", ""},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			s, err := billing.ParseScope(c.id)
			require.NoError(t, err)
			assert.Equal(t, c.kind, s.Kind())
			assert.Equal(t, c.account, s.BillingAccount())
			want := c.want
			if want == "" {
				want = c.id
			}
			assert.Equal(t, want, s.ID())
			again, err := billing.ParseScope(s.ID())
			require.NoError(t, err)
			assert.Equal(t, s, again, "ID round-trips")
		})
	}
}

func TestParseScopeRejectsMalformedIDs(t *testing.T) {
	for _, id := range []string{
		"", "/", "billingAccounts/123",
		"/providers/Microsoft.Billing/billingAccounts/not a name",
		"/providers/Microsoft.Billing/billingAccounts/123/billingProfiles/../x",
		"/providers/Microsoft.Billing/billingAccounts/123/billingProfiles/a/b",
		"/providers/Microsoft.Billing/billingAccounts/123/unknown/x",
		"/subscriptions/not-a-guid",
		"/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups",
		"/providers/Microsoft.Billing/billingAccounts/123?api-version=1",
		"/providers/Microsoft.Billing/billingAccounts/%zz",
		"/providers/Microsoft.Compute/virtualMachines/x",
	} {
		_, err := billing.ParseScope(id)
		require.Error(t, err, id)
		assert.True(t, errors.Is(err, billing.ErrInvalidInput), "%q: %v", id, err)
		var ie *billing.InputError
		require.ErrorAs(t, err, &ie)
	}
}

func TestScopeConstructorsValidateNames(t *testing.T) {
	_, err := billing.ProfileScope("6575495", "bad/name")
	var ie *billing.InputError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "billing profile name", ie.Field)
	assert.Contains(t, err.Error(), `"bad/name"`)

	_, err = billing.AccountScope("hello")
	require.ErrorIs(t, err, billing.ErrInvalidInput)

	s, err := billing.InvoiceSectionScope(mcaAccount, "AB12-CD34-BG7-PGB", "ISEC-1111-PJA-PGB")
	require.NoError(t, err)
	p, ok := s.Profile()
	require.True(t, ok)
	assert.Equal(t, billing.ScopeProfile, p.Kind())
	assert.Equal(t, billing.AgreementMCA, s.AgreementHint())
}

func TestAgreementHint(t *testing.T) {
	for id, want := range map[string]billing.Agreement{
		"/providers/Microsoft.Billing/billingAccounts/6575495":                              billing.AgreementEA,
		"/providers/Microsoft.Billing/billingAccounts/20000000-0000-0000-0000-000000000001": billing.AgreementMOSP,
		"/providers/Microsoft.Billing/billingAccounts/" + mcaAccount:                        billing.AgreementMCA,
		"/subscriptions/11111111-1111-1111-1111-111111111111":                               "",
	} {
		s, err := billing.ParseScope(id)
		require.NoError(t, err)
		assert.Equal(t, want, s.AgreementHint(), id)
	}
}

func FuzzParseScope(f *testing.F) {
	for _, s := range []string{
		"/providers/Microsoft.Billing/billingAccounts/6575495/departments/101",
		"/providers/Microsoft.Billing/billingAccounts/" + mcaAccount + "/billingProfiles/AB12/invoiceSections/X",
		"/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg", "%", "//", "/providers/Microsoft.Billing",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		s, err := billing.ParseScope(id)
		if err != nil {
			if s.Kind() != billing.ScopeInvalid {
				t.Fatalf("error with a valid scope")
			}
			return
		}
		again, err := billing.ParseScope(s.ID())
		if err != nil {
			t.Fatalf("canonical id %q does not parse: %v", s.ID(), err)
		}
		if again != s {
			t.Fatalf("round trip changed %v to %v", s, again)
		}
	})
}
