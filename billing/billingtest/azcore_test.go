package billingtest

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests drive the emulator the way Azure's generated ARM clients (armbilling) do: an
// azcore arm.Client with the emulator's cloud, bearer tokens, nextLink pagers and LRO pollers.

func armClient(t *testing.T, s *Server, p Principal) *arm.Client {
	t.Helper()
	c, err := arm.NewClient("armbilling", "v1.0.0", s.Credential(p), s.ARMClientOptions())
	require.NoError(t, err)
	return c
}

type accountPage struct {
	Value []struct {
		Name       string `json:"name"`
		Properties struct {
			AgreementType string `json:"agreementType"`
		} `json:"properties"`
	} `json:"value"`
	NextLink *string `json:"nextLink"`
}

// TestAzcorePagerWalksBillingSubscriptions pages the way the generated clients do
// (runtime.FetcherForNextLink sends the nextLink as it is). On the spec's absolute links that
// works; on the relative links the service really sends it fails: the generated pagers cannot
// follow them.
func TestAzcorePagerWalksBillingSubscriptions(t *testing.T) {
	got, err := azcorePageSubscriptions(t, NewServer(t, WithPageSize(1), WithSpecShapes()))
	require.NoError(t, err)
	assert.Equal(t, []string{SubscriptionPayAsYouGo, SubscriptionNew, SubscriptionCredit}, got)

	got, err = azcorePageSubscriptions(t, NewServer(t, WithPageSize(1)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no Host in request URL")
	assert.Equal(t, []string{SubscriptionPayAsYouGo}, got)
}

func azcorePageSubscriptions(t *testing.T, s *Server) ([]string, error) {
	c := armClient(t, s, MOSPAccountAdmin)
	first := func(ctx context.Context) (*policy.Request, error) {
		req, err := runtime.NewRequest(ctx, http.MethodGet, runtime.JoinPaths(c.Endpoint(), "/providers/Microsoft.Billing/billingAccounts/"+MOSPAccount+"/billingSubscriptions"))
		if err != nil {
			return nil, err
		}
		q := req.Raw().URL.Query()
		q.Set("api-version", "2024-04-01")
		req.Raw().URL.RawQuery = q.Encode()
		req.Raw().Header["Accept"] = []string{"application/json"}
		return req, nil
	}
	pager := runtime.NewPager(runtime.PagingHandler[accountPage]{
		More: func(p accountPage) bool { return p.NextLink != nil && *p.NextLink != "" },
		Fetcher: func(ctx context.Context, p *accountPage) (accountPage, error) {
			next := ""
			if p != nil {
				next = *p.NextLink
			}
			resp, err := runtime.FetcherForNextLink(ctx, c.Pipeline(), next, first, nil)
			if err != nil {
				return accountPage{}, err
			}
			var out accountPage
			return out, runtime.UnmarshalAsJSON(resp, &out)
		},
	})
	var got []string
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			return got, err
		}
		for _, v := range page.Value {
			got = append(got, v.Name)
		}
	}
	return got, nil
}

func TestAzcorePollerCompletesProfilePut(t *testing.T) {
	s := NewServer(t)
	c := armClient(t, s, MCAProfileOwner)
	ctx := context.Background()
	req, err := runtime.NewRequest(ctx, http.MethodPut, runtime.JoinPaths(c.Endpoint(),
		"/providers/Microsoft.Billing/billingAccounts/"+MCAAccount+"/billingProfiles/"+MCAProfileUS))
	require.NoError(t, err)
	q := req.Raw().URL.Query()
	q.Set("api-version", "2024-04-01")
	req.Raw().URL.RawQuery = q.Encode()
	require.NoError(t, runtime.MarshalAsJSON(req, map[string]any{"properties": map[string]any{
		"displayName": "Contoso US", "invoiceEmailOptIn": false, "invoiceRecipients": []string{},
	}}))
	resp, err := c.Pipeline().Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	type profile struct {
		Properties struct {
			InvoiceEmailOptIn *bool `json:"invoiceEmailOptIn"`
		} `json:"properties"`
	}
	poller, err := runtime.NewPoller(resp, c.Pipeline(), &runtime.NewPollerOptions[profile]{FinalStateVia: runtime.FinalStateViaLocation})
	require.NoError(t, err)
	out, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: time.Millisecond})
	require.NoError(t, err)
	require.NotNil(t, out.Properties.InvoiceEmailOptIn)
	assert.False(t, *out.Properties.InvoiceEmailOptIn)
	assert.False(t, s.World().Account(MCAAccount).Profile(MCAProfileUS).InvoiceEmailOptIn)
}

func TestAzcoreSeesARMErrors(t *testing.T) {
	s := NewServer(t)
	c := armClient(t, s, NoRole)
	req, err := runtime.NewRequest(context.Background(), http.MethodGet, c.Endpoint()+mcaPath+apiV)
	require.NoError(t, err)
	resp, err := c.Pipeline().Do(req)
	require.NoError(t, err)
	rerr := runtime.NewResponseError(resp)
	var re *azcore.ResponseError
	require.True(t, errors.As(rerr, &re))
	assert.Equal(t, http.StatusForbidden, re.StatusCode)
	assert.Equal(t, "AuthorizationFailed", re.ErrorCode)
	// The bearer token reached the emulator as the principal.
	assert.Equal(t, NoRole, s.Requests()[0].Principal)
}
