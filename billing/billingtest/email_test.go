package billingtest

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// callDone sends a request and, if it answers 202, polls its Location until it is done.
func callDone(t *testing.T, s *Server, p Principal, method, target string, body any) (*http.Response, []byte) {
	t.Helper()
	resp, b := call(t, s, p, method, target, body)
	for i := 0; resp.StatusCode == http.StatusAccepted; i++ {
		require.Less(t, i, 10)
		resp, b = get(t, s, p, resp.Header.Get("Location"))
	}
	return resp, b
}

func TestProfilePutRefusesInvalidOrRepeatedRecipients(t *testing.T) {
	s := NewServer(t)
	for _, recips := range [][]string{{"not an address"}, {"a@contoso.example", "A@contoso.example"}, {"Alex <a@contoso.example>"}, {"a@localhost"}} {
		body, _ := profileBody(t, s, PrincipalMCAProfileOwner)
		body["properties"].(map[string]any)["invoiceRecipients"] = recips

		resp, b := call(t, s, PrincipalMCAProfileOwner, http.MethodPut, usPath+apiV, body)

		require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%v: %s", recips, b)
		code, _ := armError(t, b)
		assert.Equal(t, "InvalidInvoiceRecipients", code)
	}
	assert.Len(t, s.World().Account(MCAAccount).Profile(MCAProfileUS).InvoiceRecipients, 2)
}

func TestReaderProfilePutIsForbidden(t *testing.T) {
	s := NewServer(t)
	body, _ := profileBody(t, s, PrincipalMCAProfileReader)
	body["properties"].(map[string]any)["invoiceEmailOptIn"] = false

	resp, b := call(t, s, PrincipalMCAProfileReader, http.MethodPut, usPath+apiV, body)

	require.Equal(t, http.StatusForbidden, resp.StatusCode, string(b))
	code, _ := armError(t, b)
	assert.Equal(t, "AuthorizationFailed", code)
}

func TestProfileETagsCanBeTurnedOff(t *testing.T) {
	s := NewServer(t)
	resp, _ := get(t, s, PrincipalMCAProfileOwner, usPath+apiV)
	require.NotEmpty(t, resp.Header.Get("ETag"))

	s.SetProfileETags(false)
	resp, _ = get(t, s, PrincipalMCAProfileOwner, usPath+apiV)
	assert.Empty(t, resp.Header.Get("ETag"))
	body, _ := profileBody(t, s, PrincipalMCAProfileOwner)
	resp, b := callDone(t, s, PrincipalMCAProfileOwner, http.MethodPut, usPath+apiV, body)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	assert.Empty(t, resp.Header.Get("ETag"))

	s.SetProfileETags(true)
	resp, _ = get(t, s, PrincipalMCAProfileOwner, usPath+apiV)
	assert.NotEmpty(t, resp.Header.Get("ETag"))
}

func TestOnProfileRequestSeesEveryGetAndPutInOrder(t *testing.T) {
	s := NewServer(t)
	var (
		mu   sync.Mutex
		seen []ProfileRequest
	)
	s.OnProfileRequest(func(r ProfileRequest) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r)
	})
	body, _ := profileBody(t, s, PrincipalMCAProfileOwner)
	callDone(t, s, PrincipalMCAProfileOwner, http.MethodPut, usPath+apiV, body)
	get(t, s, PrincipalMCAProfileReader, usPath+apiV)
	s.OnProfileRequest(nil)
	get(t, s, PrincipalMCAProfileReader, usPath+apiV)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 3)
	assert.Equal(t, ProfileRequest{Method: http.MethodGet, Account: MCAAccount, Profile: MCAProfileUS, Principal: PrincipalMCAProfileOwner, N: 1}, seen[0])
	assert.Equal(t, ProfileRequest{Method: http.MethodPut, Account: MCAAccount, Profile: MCAProfileUS, Principal: PrincipalMCAProfileOwner, N: 1}, seen[1])
	assert.Equal(t, 2, seen[2].N)
}

func TestUpdateProfileChangesTheETag(t *testing.T) {
	s := NewServer(t)
	resp, _ := get(t, s, PrincipalMCAProfileOwner, usPath+apiV)
	before := resp.Header.Get("ETag")

	require.NoError(t, s.SetProfileField(MCAAccount, MCAProfileUS, "displayName", "Renamed"))
	require.NoError(t, s.SetProfileField(MCAAccount, MCAProfileUS, "tags.team", "finops"))
	require.NoError(t, s.SetProfileField(MCAAccount, MCAProfileUS, "invoiceEmailOptIn", "false"))
	require.NoError(t, s.SetProfileField(MCAAccount, MCAProfileUS, "invoiceRecipients", ""))

	resp, b := get(t, s, PrincipalMCAProfileOwner, usPath+apiV)
	assert.NotEqual(t, before, resp.Header.Get("ETag"))
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, "Renamed", props(m)["displayName"])
	assert.Equal(t, map[string]any{"team": "finops"}, props(m)["tags"])
	assert.Equal(t, false, props(m)["invoiceEmailOptIn"])
	assert.Equal(t, []any{}, props(m)["invoiceRecipients"])

	assert.Error(t, s.SetProfileField(MCAAccount, MCAProfileUS, "currency", "EUR"))
	assert.Error(t, s.SetProfileField(MCAAccount, MCAProfileUS, "invoiceEmailOptIn", "maybe"))
	assert.Error(t, s.UpdateProfile(MCAAccount, "NOPE", func(*Profile) {}))
	assert.Error(t, s.UpdateProfile("nope", MCAProfileUS, func(*Profile) {}))
}

func TestMOSPNotificationEmailPatchIsLongRunning(t *testing.T) {
	s := NewServer(t)
	body := map[string]any{"properties": map[string]any{"notificationEmailAddress": "alex.new@contoso.example"}}

	resp, b := call(t, s, PrincipalMOSPAccountAdmin, http.MethodPatch, mospPath+apiV, body)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, string(b))
	assert.Contains(t, resp.Header.Get("Location"), "/operationResults/patchBillingAccount_")
	for i := 0; resp.StatusCode == http.StatusAccepted; i++ {
		require.Less(t, i, 10)
		resp, b = get(t, s, PrincipalMOSPAccountAdmin, resp.Header.Get("Location"))
	}

	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, "alex.new@contoso.example", props(m)["notificationEmailAddress"])
	assert.Equal(t, "alex.new@contoso.example", s.World().Account(MOSPAccount).NotificationEmail)
}

func TestAccountPatchRefusals(t *testing.T) {
	s := NewServer(t)
	cases := []struct {
		name      string
		p         Principal
		path      string
		props     map[string]any
		status    int
		errorCode string
	}{
		{"not writable on MOSP", PrincipalMOSPAccountAdmin, mospPath, map[string]any{"displayName": "x"}, http.StatusBadRequest, "InvalidBillingAccountUpdate"},
		{"bad address", PrincipalMOSPAccountAdmin, mospPath, map[string]any{"notificationEmailAddress": "nope"}, http.StatusBadRequest, "InvalidNotificationEmailAddress"},
		{"not the account admin", PrincipalMCAAccountOwner, mospPath, map[string]any{"notificationEmailAddress": "x@contoso.example"}, http.StatusForbidden, "AuthorizationFailed"},
		{"notification address is MOSP only", PrincipalMCAAccountOwner, mcaPath, map[string]any{"notificationEmailAddress": "x@contoso.example"}, http.StatusBadRequest, "InvalidBillingAccountUpdate"},
		{"reader", PrincipalMCAProfileReader, mcaPath, map[string]any{"displayName": "x"}, http.StatusForbidden, "AuthorizationFailed"},
		{"EA is not modelled", PrincipalEAEnterpriseAdmin, eaPath, map[string]any{"enrollmentDetails": map[string]any{"poNumber": "1"}}, http.StatusBadRequest, "UnsupportedBillingAccountUpdate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, b := call(t, s, c.p, http.MethodPatch, c.path+apiV, map[string]any{"properties": c.props})
			require.Equal(t, c.status, resp.StatusCode, string(b))
			code, _ := armError(t, b)
			assert.Equal(t, c.errorCode, code)
		})
	}
	resp, _ := call(t, s, PrincipalMOSPAccountAdmin, http.MethodPatch, mospPath+apiV, map[string]any{})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, "alex@contoso.example", s.World().Account(MOSPAccount).NotificationEmail)
}

func TestMCAAccountDisplayNamePatch(t *testing.T) {
	s := NewServer(t)
	resp, b := callDone(t, s, PrincipalMCAAccountOwner, http.MethodPatch, mcaPath+apiV,
		map[string]any{"properties": map[string]any{"displayName": "Contoso Renamed"}})
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	assert.Equal(t, "Contoso Renamed", s.World().Account(MCAAccount).DisplayName)
}

func TestNoInvoiceEmailEndpointExistsForMOSP(t *testing.T) {
	s := NewServer(t)
	body := map[string]any{"properties": map[string]any{"invoiceEmailOptIn": true}}
	for _, path := range []string{
		"/providers/Microsoft.Billing/billingAccounts/default/billingSubscriptions/" + SubscriptionPayAsYouGo,
		"/subscriptions/" + SubscriptionPayAsYouGo + "/providers/Microsoft.Billing/billingProperty/default",
	} {
		for _, m := range []string{http.MethodPut, http.MethodPatch} {
			resp, b := call(t, s, PrincipalMOSPAccountAdmin, m, path+apiV, body)
			assert.Contains(t, []int{http.StatusNotFound, http.StatusMethodNotAllowed}, resp.StatusCode, "%s %s: %s", m, path, b)
		}
	}
}
