package billingtest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const cdPath = "/providers/Microsoft.Billing/billingAccounts/" + EAAccount + "/providers/Microsoft.CostManagement/generateCostDetailsReport?api-version=2025-03-01"

func cdBody() map[string]any {
	return map[string]any{"metric": "ActualCost", "timePeriod": map[string]string{"start": "2026-10-01", "end": "2026-10-31"}}
}

func TestCostDetailsReportTooLarge(t *testing.T) {
	s := NewServer(t, WithUsageReportLimit(10_000))
	resp, b := call(t, s, EAEnterpriseAdmin, http.MethodPost, cdPath, cdBody())
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, string(b))
	var e wireError
	require.NoError(t, json.Unmarshal(b, &e))
	assert.Equal(t, "413", e.Error.Code)
	assert.Contains(t, e.Error.Message, "exceeds the maximum size permitted of 2Gb")
	assert.Equal(t, 1, s.TooLarge())

	s.SetUsageReportLimit(0) // the default: 2 GiB
	resp, b = call(t, s, EAEnterpriseAdmin, http.MethodPost, cdPath, cdBody())
	assert.Equal(t, http.StatusAccepted, resp.StatusCode, string(b))
}

func TestCostDetailsRateLimits(t *testing.T) {
	s := NewServer(t, WithCostDetailsRateLimits(CostDetailsLimits{
		PerScope:  []RateLimit{{2, time.Minute}},
		PerTenant: []RateLimit{{3, time.Minute}},
	}))
	post := func(path string) *http.Response {
		resp, b := call(t, s, EAEnterpriseAdmin, http.MethodPost, path, cdBody())
		if resp.StatusCode == http.StatusTooManyRequests {
			var e wireError
			require.NoError(t, json.Unmarshal(b, &e))
			assert.Equal(t, "429", e.Error.Code)
			assert.Equal(t, "Too many requests. Please retry.", e.Error.Message)
		}
		return resp
	}
	r := post(cdPath)
	require.Equal(t, http.StatusAccepted, r.StatusCode)
	assert.Equal(t, "DefaultQuota:1", r.Header.Get(hdrEntityRemaining))
	assert.Equal(t, "DefaultQuota:2", r.Header.Get(hdrTenantRemaining))
	require.Equal(t, http.StatusAccepted, post(cdPath).StatusCode)

	r = post(cdPath) // the scope's third in a minute
	require.Equal(t, http.StatusTooManyRequests, r.StatusCode)
	secs, err := strconv.Atoi(r.Header.Get(hdrEntityRetryAfter))
	require.NoError(t, err, "whole seconds for whole-second windows")
	assert.InDelta(t, 60, secs, 2)
	assert.Empty(t, r.Header.Get(hdrTenantRetryAfter))

	other := "/providers/Microsoft.Billing/billingAccounts/" + EAAccount + "/departments/" + EADepartmentFinance +
		"/providers/Microsoft.CostManagement/generateCostDetailsReport?api-version=2025-03-01"
	r = post(other) // another scope: the tenant's third
	require.Equal(t, http.StatusAccepted, r.StatusCode)
	assert.Equal(t, "DefaultQuota:0", r.Header.Get(hdrTenantRemaining))
	r = post(other) // the tenant's fourth
	require.Equal(t, http.StatusTooManyRequests, r.StatusCode)
	assert.NotEmpty(t, r.Header.Get(hdrTenantRetryAfter))
	assert.Empty(t, r.Header.Get(hdrEntityRetryAfter))
	assert.Equal(t, 2, s.Throttled())
}

func TestCostDetailsRateLimitsScaled(t *testing.T) {
	s := NewServer(t, WithCostDetailsRateLimits(PublishedCostDetailsLimits().Scaled(0.5/60))) // 500 ms windows
	for range 2 {
		resp, _ := call(t, s, EAEnterpriseAdmin, http.MethodPost, cdPath, cdBody())
		require.Equal(t, http.StatusAccepted, resp.StatusCode)
	}
	resp, _ := call(t, s, EAEnterpriseAdmin, http.MethodPost, cdPath, cdBody())
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	d, err := strconv.ParseFloat(resp.Header.Get(hdrEntityRetryAfter), 64)
	require.NoError(t, err)
	assert.Greater(t, d, 0.0)
	assert.LessOrEqual(t, d, 0.501, "a fraction of a second")
	time.Sleep(time.Duration(d*float64(time.Second)) + 5*time.Millisecond)
	resp, _ = call(t, s, EAEnterpriseAdmin, http.MethodPost, cdPath, cdBody())
	assert.Equal(t, http.StatusAccepted, resp.StatusCode, "admitted once the wait has passed")
}
