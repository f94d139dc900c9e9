package billingtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// profileBody reads the profile as p and returns its properties for a PUT.
func profileBody(t *testing.T, s *Server, p Principal) (map[string]any, string) {
	t.Helper()
	resp, b := get(t, s, p, usPath+apiV)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return map[string]any{"properties": m["properties"]}, resp.Header.Get("ETag")
}

func TestProfilePutIsLongRunning202Then202Then200(t *testing.T) {
	s := NewServer(t)
	body, _ := profileBody(t, s, PrincipalMCAProfileOwner)
	body["properties"].(map[string]any)["invoiceRecipients"] = []string{"ap@contoso.example"}
	body["properties"].(map[string]any)["currency"] = "JPY" // read-only: ignored

	resp, b := call(t, s, PrincipalMCAProfileOwner, http.MethodPut, usPath+apiV, body)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, string(b))
	loc := resp.Header.Get("Location")
	assert.Equal(t, "0", resp.Header.Get("Retry-After"))
	u, err := url.Parse(loc)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(u.Path, "/providers/Microsoft.Billing/billingAccounts/"+MCAAccount+"/operationResults/putBillingProfile_"), u.Path)
	assert.Equal(t, "2024-04-01", u.Query().Get("api-version"))

	resp, _ = get(t, s, PrincipalMCAProfileOwner, loc)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.Equal(t, loc, resp.Header.Get("Location"))
	// Not applied while running.
	assert.Len(t, s.World().Account(MCAAccount).Profile(MCAProfileUS).InvoiceRecipients, 2)

	resp, b = get(t, s, PrincipalMCAProfileOwner, loc)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	var done map[string]any
	require.NoError(t, json.Unmarshal(b, &done))
	assert.Equal(t, []any{"ap@contoso.example"}, props(done)["invoiceRecipients"])
	assert.Equal(t, "USD", props(done)["currency"])
	// Later polls repeat the result.
	resp, _ = get(t, s, PrincipalMCAProfileOwner, loc)
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	assert.Equal(t, []string{"ap@contoso.example"}, s.World().Account(MCAAccount).Profile(MCAProfileUS).InvoiceRecipients)
	// Another principal may not poll it.
	resp, _ = get(t, s, PrincipalMCAProfileReader, loc)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}

func TestLRODelaySettings(t *testing.T) {
	s := NewServer(t, WithLRODelay(7, 3))
	body, _ := profileBody(t, s, PrincipalMCAProfileOwner)
	resp, _ := call(t, s, PrincipalMCAProfileOwner, http.MethodPut, usPath+apiV, body)
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.Equal(t, "7", resp.Header.Get("Retry-After"))
	loc := resp.Header.Get("Location")
	for range 3 {
		resp, _ = get(t, s, PrincipalMCAProfileOwner, loc)
		assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	}
	resp, _ = get(t, s, PrincipalMCAProfileOwner, loc)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestProfilePutPermissionsAndETag(t *testing.T) {
	s := NewServer(t)
	body, etag := profileBody(t, s, PrincipalMCAProfileOwner)

	// A reader may not change anything.
	resp, b := call(t, s, PrincipalMCAProfileReader, http.MethodPut, usPath+apiV, body)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, string(b))

	// An invoice manager may change the e-mail preference only.
	p := body["properties"].(map[string]any)
	p["invoiceEmailOptIn"] = false
	resp, b = call(t, s, PrincipalMCAInvoiceManager, http.MethodPut, usPath+apiV, body)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode, string(b))
	p["displayName"] = "Renamed"
	resp, _ = call(t, s, PrincipalMCAInvoiceManager, http.MethodPut, usPath+apiV, body)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)

	// A stale If-Match is refused.
	req, err := http.NewRequest(http.MethodPut, s.ARMEndpoint()+usPath+apiV, strings.NewReader(`{"properties":{}}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+string(PrincipalMCAProfileOwner))
	req.Header.Set("If-Match", `"stale"`)
	r2, err := s.HTTPClient().Do(req)
	require.NoError(t, err)
	r2.Body.Close()
	assert.Equal(t, http.StatusPreconditionFailed, r2.StatusCode)
	assert.NotEmpty(t, etag)

	resp, b = call(t, s, PrincipalMCAProfileOwner, http.MethodPut, usPath+apiV, "x")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, string(b))
}

func TestProfilePutReplacesWritableFields(t *testing.T) {
	s := NewServer(t, WithLRODelay(0, 0))
	resp, _ := call(t, s, PrincipalMCAProfileOwner, http.MethodPut, usPath+apiV, map[string]any{"properties": map[string]any{"invoiceEmailOptIn": true}})
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	resp, b := get(t, s, PrincipalMCAProfileOwner, resp.Header.Get("Location"))
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	pr := s.World().Account(MCAAccount).Profile(MCAProfileUS)
	assert.True(t, pr.InvoiceEmailOptIn)
	assert.Empty(t, pr.InvoiceRecipients, "PUT replaces: recipients absent from the body are cleared")
	assert.Equal(t, "Contoso US", pr.DisplayName)
}

func TestUnknownOperationIs404(t *testing.T) {
	s := NewServer(t)
	resp, _ := get(t, s, PrincipalMCAProfileOwner, mcaPath+"/operationResults/putBillingProfile_nope"+apiV)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
