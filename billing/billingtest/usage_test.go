package billingtest_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing/billingtest"
)

// These tests speak the wire protocol with plain HTTP, so the emulator's usage data is checked
// independently of the SDK's usage package.

const costDetailsAPI = "2025-03-01"

type rawClient struct {
	t   *testing.T
	srv *billingtest.Server
	hc  *http.Client
	p   billingtest.Principal
}

func (c rawClient) do(method, url string, body any) *http.Response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(c.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(c.t, err)
	if strings.HasPrefix(url, c.srv.ARMEndpoint()) {
		req.Header.Set("Authorization", "Bearer "+string(c.p))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	require.NoError(c.t, err)
	return resp
}

type costDetailsResult struct {
	Status   string `json:"status"`
	Manifest struct {
		BlobCount int   `json:"blobCount"`
		ByteCount int64 `json:"byteCount"`
		Blobs     []struct {
			BlobLink  string `json:"blobLink"`
			ByteCount int64  `json:"byteCount"`
		} `json:"blobs"`
	} `json:"manifest"`
	ValidTill string `json:"validTill"`
}

// report requests a Cost Details report and polls it to the end.
func (c rawClient) report(scope string, body any) (int, costDetailsResult) {
	c.t.Helper()
	resp := c.do("POST", c.srv.ARMEndpoint()+scope+"/providers/Microsoft.CostManagement/generateCostDetailsReport?api-version="+costDetailsAPI, body)
	for resp.StatusCode == http.StatusAccepted {
		loc := resp.Header.Get("Location")
		resp.Body.Close()
		require.NotEmpty(c.t, loc)
		resp = c.do("GET", loc, nil)
	}
	defer resp.Body.Close()
	var res costDetailsResult
	if resp.StatusCode == http.StatusOK {
		require.NoError(c.t, json.NewDecoder(resp.Body).Decode(&res))
	}
	return resp.StatusCode, res
}

// sumCSV fetches every blob and sums column col per currency column cur, checking each blob's
// header is the first one's.
func (c rawClient) sumCSV(res costDetailsResult, col, cur string) (map[string]*big.Rat, int) {
	c.t.Helper()
	sums := map[string]*big.Rat{}
	rows := 0
	var header []string
	for _, b := range res.Manifest.Blobs {
		resp := c.do("GET", b.BlobLink, nil)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(c.t, err)
		require.Equal(c.t, http.StatusOK, resp.StatusCode)
		require.EqualValues(c.t, b.ByteCount, len(body))
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff"))))
		h, err := r.Read()
		require.NoError(c.t, err)
		if header == nil {
			header = h
		}
		require.Equal(c.t, header, h)
		ci, ki := indexOf(h, col), indexOf(h, cur)
		require.GreaterOrEqual(c.t, ci, 0)
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			require.NoError(c.t, err)
			v, ok := new(big.Rat).SetString(rec[ci])
			require.True(c.t, ok, rec[ci])
			if sums[rec[ki]] == nil {
				sums[rec[ki]] = new(big.Rat)
			}
			sums[rec[ki]].Add(sums[rec[ki]], v)
			rows++
		}
	}
	return sums, rows
}

func indexOf(h []string, name string) int {
	for i, v := range h {
		if v == name {
			return i
		}
	}
	return -1
}

func assertTotals(t *testing.T, want map[string]string, got map[string]*big.Rat) {
	t.Helper()
	require.Len(t, got, len(want))
	for cur, w := range want {
		wr, ok := new(big.Rat).SetString(w)
		require.True(t, ok)
		require.NotNil(t, got[cur], cur)
		assert.Equal(t, wr.RatString(), got[cur].RatString(), cur)
	}
}

func TestUsageEAReportMatchesGroundTruth(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithUsageBlobSize(8<<10))
	c := rawClient{t: t, srv: srv, hc: srv.HTTPClient(), p: billingtest.EAEnterpriseAdmin}
	scope := "/providers/Microsoft.Billing/billingAccounts/" + billingtest.EAAccount
	status, res := c.report(scope, map[string]any{"metric": "ActualCost", "billingPeriod": "202610"})
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "Completed", res.Status)
	assert.Greater(t, res.Manifest.BlobCount, 1, "an 8 KiB blob limit splits the report")
	assert.Len(t, res.Manifest.Blobs, res.Manifest.BlobCount)

	p := billingtest.Period{Start: date(2026, 10, 1), End: date(2026, 10, 31)}
	got, rows := c.sumCSV(res, "CostInBillingCurrency", "BillingCurrencyCode")
	assertTotals(t, srv.UsageTotal(scope, p, "ActualCost"), got)
	assert.Equal(t, srv.UsageRowCount(scope, p, "ActualCost"), rows)
}

func TestUsageMCAInvoiceReportMatchesGroundTruth(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := rawClient{t: t, srv: srv, hc: srv.HTTPClient(), p: billingtest.MCAProfileOwner}
	scope := "/providers/Microsoft.Billing/billingAccounts/" + billingtest.MCAAccount + "/billingProfiles/" + billingtest.MCAProfileUS
	inv := srv.UsageInvoices(billingtest.MCAProfileUS)
	last := inv[len(inv)-1]
	status, res := c.report(scope, map[string]any{"metric": "AmortizedCost", "invoiceId": last.ID})
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "Completed", res.Status)
	got, _ := c.sumCSV(res, "costInBillingCurrency", "billingCurrency")
	assertTotals(t, srv.UsageTotal(scope, last.Period, "AmortizedCost"), got)
	assert.NotEqual(t, srv.UsageTotal(scope, last.Period, "ActualCost"), srv.UsageTotal(scope, last.Period, "AmortizedCost"))
}

func TestUsageDepartmentAdminDeniedWhenPolicyOff(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithPolicy(billingtest.EAPolicy{DepartmentAdminViewCharges: billingtest.PolicyDisabled}))
	c := rawClient{t: t, srv: srv, hc: srv.HTTPClient(), p: billingtest.EADepartmentAdmin}
	scope := "/providers/Microsoft.Billing/billingAccounts/" + billingtest.EAAccount + "/departments/" + billingtest.EADepartmentEngineering
	status, _ := c.report(scope, map[string]any{"metric": "ActualCost"})
	assert.Equal(t, http.StatusForbidden, status)
}

func TestUsageConsumptionPagesMatchGroundTruth(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithUsagePageSize(7))
	c := rawClient{t: t, srv: srv, hc: srv.HTTPClient(), p: billingtest.MOSPAccountAdmin}
	from, to := date(2026, 10, 1), date(2026, 10, 31)
	url := srv.ARMEndpoint() + "/subscriptions/" + billingtest.SubscriptionPayAsYouGo +
		"/providers/Microsoft.Consumption/usageDetails?api-version=2024-08-01&metric=actualcost&$filter=" +
		"properties%2FusageStart+ge+%272026-10-01%27+and+properties%2FusageEnd+le+%272026-10-31%27"
	sum, rows, pages := new(big.Rat), 0, 0
	for url != "" {
		resp := c.do("GET", url, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var page struct {
			Value []struct {
				Kind       string `json:"kind"`
				Properties struct {
					Cost json.Number `json:"cost"`
				} `json:"properties"`
			} `json:"value"`
			NextLink string `json:"nextLink"`
		}
		dec := json.NewDecoder(resp.Body)
		dec.UseNumber()
		require.NoError(t, dec.Decode(&page))
		resp.Body.Close()
		for _, v := range page.Value {
			require.Equal(t, "legacy", v.Kind)
			x, ok := new(big.Rat).SetString(v.Properties.Cost.String())
			require.True(t, ok)
			sum.Add(sum, x)
			rows++
		}
		pages++
		if page.NextLink != "" {
			// As recorded, the link repeats $filter with raw blanks and quotes: a client escapes them.
			assert.Contains(t, page.NextLink, "$filter=properties/usageStart ge '2026-10-01' and properties/usageEnd le '2026-10-31'")
		}
		url = strings.NewReplacer(" ", "%20").Replace(page.NextLink)
	}
	scope := "/subscriptions/" + billingtest.SubscriptionPayAsYouGo
	p := billingtest.Period{Start: from, End: to}
	assertTotals(t, srv.UsageTotal(scope, p, "ActualCost"), map[string]*big.Rat{"USD": sum})
	assert.Equal(t, srv.UsageRowCount(scope, p, "ActualCost"), rows)
	assert.Greater(t, pages, 1)
}

// TestUsageConsumptionOlderShape: WithOlderConsumptionShape serves the recorded older items
// (no kind, pretaxCost, usageQuantity, instanceId = ARM id, instanceName = short name) with the
// same rows and totals.
func TestUsageConsumptionOlderShape(t *testing.T) {
	srv := billingtest.NewServer(t, billingtest.WithUsagePageSize(50), billingtest.WithOlderConsumptionShape(), billingtest.WithNow(billingtest.ReferenceNow()))
	c := rawClient{t: t, srv: srv, hc: srv.HTTPClient(), p: billingtest.EAEnterpriseAdmin}
	from, to := date(2026, 10, 1), date(2026, 10, 31)
	url := srv.ARMEndpoint() + "/subscriptions/" + billingtest.SubscriptionEAFinance +
		"/providers/Microsoft.Consumption/usageDetails?api-version=2024-08-01&$filter=" +
		"properties%2FusageStart+ge+%272026-10-01%27+and+properties%2FusageEnd+le+%272026-10-31%27"
	sum, rows, withInstance := new(big.Rat), 0, 0
	for url != "" {
		resp := c.do("GET", url, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var page struct {
			Value []struct {
				ID         string          `json:"id"`
				Kind       *string         `json:"kind"`
				Properties json.RawMessage `json:"properties"`
			} `json:"value"`
			NextLink string `json:"nextLink"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
		resp.Body.Close()
		for _, v := range page.Value {
			assert.Nil(t, v.Kind)
			assert.True(t, strings.HasPrefix(v.ID, "subscriptions/"), v.ID)
			var p struct {
				UsageStart, UsageEnd, Currency string
				InstanceID                     string      `json:"instanceId"`
				InstanceName                   string      `json:"instanceName"`
				PretaxCost                     json.Number `json:"pretaxCost"`
				UsageQuantity                  json.Number `json:"usageQuantity"`
			}
			dec := json.NewDecoder(bytes.NewReader(v.Properties))
			dec.UseNumber()
			require.NoError(t, dec.Decode(&p))
			x, ok := new(big.Rat).SetString(p.PretaxCost.String())
			require.True(t, ok)
			sum.Add(sum, x)
			rows++
			assert.Equal(t, "USD", p.Currency)
			assert.NotEmpty(t, p.UsageQuantity.String())
			assert.Equal(t, p.UsageStart[:10], p.UsageEnd[:10])
			if p.InstanceID != "" {
				withInstance++
				assert.True(t, strings.HasPrefix(p.InstanceID, "/subscriptions/"+billingtest.SubscriptionEAFinance+"/resourceGroups/"), p.InstanceID)
				assert.Equal(t, p.InstanceID[strings.LastIndexByte(p.InstanceID, '/')+1:], p.InstanceName)
			}
		}
		url = strings.NewReplacer(" ", "%20").Replace(page.NextLink)
	}
	scope := "/subscriptions/" + billingtest.SubscriptionEAFinance
	per := billingtest.Period{Start: from, End: to}
	assertTotals(t, srv.UsageTotal(scope, per, "ActualCost"), map[string]*big.Rat{"USD": sum})
	assert.Equal(t, srv.UsageRowCount(scope, per, "ActualCost"), rows)
	assert.Positive(t, withInstance)
}

func TestUsageConsumptionNoDataIs204(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := rawClient{t: t, srv: srv, hc: srv.HTTPClient(), p: billingtest.MOSPAccountAdmin}
	// SubscriptionNew was created 12 days before the world clock: no usage a month ago.
	resp := c.do("GET", srv.ARMEndpoint()+"/subscriptions/"+billingtest.SubscriptionNew+
		"/providers/Microsoft.Consumption/usageDetails?api-version=2024-08-01&$filter=properties/usageStart%20ge%20%272026-10-01%27%20and%20properties/usageEnd%20le%20%272026-10-31%27", nil)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
}

func TestUsageCostDetailsRejectsMOSP(t *testing.T) {
	srv := billingtest.NewServer(t)
	c := rawClient{t: t, srv: srv, hc: srv.HTTPClient(), p: billingtest.MOSPAccountAdmin}
	status, _ := c.report("/subscriptions/"+billingtest.SubscriptionPayAsYouGo, map[string]any{"metric": "ActualCost"})
	assert.Equal(t, http.StatusBadRequest, status)
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
