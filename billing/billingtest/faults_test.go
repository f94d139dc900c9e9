package billingtest

import (
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func bigBlob(t *testing.T, s *Server) (string, []byte) {
	t.Helper()
	data := []byte(strings.Repeat("0123456789abcdef", 4096)) // 64 KiB
	u, _ := s.putBlob(blobContent{Name: "docs/big.pdf", ContentType: "application/pdf", Data: data})
	return u, data
}

// rawFetch returns the response and the error reading its body (not failing on it).
func rawFetch(t *testing.T, s *Server, u string) (*http.Response, []byte, error) {
	t.Helper()
	c := s.HTTPClient()
	c.Transport.(*http.Transport).DisableKeepAlives = true
	resp, err := c.Get(u)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func TestThrottleFaultsWithEachHeader(t *testing.T) {
	for _, h := range []string{HeaderRetryAfter, HeaderCostManagementQPURetryAfter, HeaderConsumptionRetryAfter} {
		s := NewServer(t, WithFaults(Throttle(3, h)))
		resp, b := get(t, s, PrincipalMCAAccountOwner, mcaPath+apiV)
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
		assert.Equal(t, "3", resp.Header.Get(h), h)
		code, _ := armError(t, b)
		assert.Equal(t, "TooManyRequests", code)
		// Only the first match by default.
		resp, _ = get(t, s, PrincipalMCAAccountOwner, mcaPath+apiV)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, 1, s.FaultsFired())
	}
}

func TestServerErrorNthAndTimes(t *testing.T) {
	s := NewServer(t, WithFaults(ServerError(503).Method("GET").Path("/billingProfiles").Nth(2)))
	statuses := func(n int) []int {
		var out []int
		for range n {
			resp, _ := get(t, s, PrincipalMCAAccountOwner, usPath+apiV)
			out = append(out, resp.StatusCode)
		}
		return out
	}
	assert.Equal(t, []int{200, 503, 200}, statuses(3))
	resp, _ := get(t, s, PrincipalMCAAccountOwner, mcaPath+apiV) // does not match the path
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	s.ClearFaults()
	s.InjectFault(ServerError(500).PathRegexp(regexp.MustCompile(`/billingProfiles/[^/]+$`)).Times(2))
	assert.Equal(t, []int{500, 500, 200}, statuses(3))
	s.InjectFault(ServerError(502).Always())
	assert.Equal(t, []int{502, 502}, statuses(2))
}

func TestResetAfterBytes(t *testing.T) {
	s := NewServer(t, WithFaults(ResetAfterBytes(4096)))
	u, data := bigBlob(t, s)
	resp, b, err := rawFetch(t, s, u)
	require.Error(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Less(t, len(b), len(data))
	assert.LessOrEqual(t, len(b), 4096)
	// The next download succeeds.
	_, b, err = rawFetch(t, s, u)
	require.NoError(t, err)
	assert.Equal(t, data, b)
	reqs := s.BlobRequests()
	require.Len(t, reqs, 2)
	assert.True(t, reqs[0].Faulted)
}

func TestTruncateBodyKeepsContentLength(t *testing.T) {
	s := NewServer(t, WithFaults(TruncateBody(1000)))
	u, data := bigBlob(t, s)
	resp, b, err := rawFetch(t, s, u)
	require.Error(t, err)
	assert.True(t, errors.Is(err, io.ErrUnexpectedEOF), err)
	assert.EqualValues(t, len(data), resp.ContentLength)
	assert.Equal(t, data[:1000], b)
}

func TestWrongContentLengthGivesShortBody(t *testing.T) {
	s := NewServer(t, WithFaults(WrongContentLength(100)))
	u, data := bigBlob(t, s)
	resp, b, err := rawFetch(t, s, u)
	require.NoError(t, err)
	assert.EqualValues(t, 100, resp.ContentLength)
	assert.Equal(t, data[:100], b)
	assert.NotEmpty(t, resp.Header.Get("Content-MD5"), "the whole blob's MD5 reveals the short body")
}

func TestSlowFirstByte(t *testing.T) {
	s := NewServer(t, WithFaults(SlowFirstByte(150*time.Millisecond).OnARM()))
	start := time.Now()
	resp, _ := get(t, s, PrincipalMCAAccountOwner, mcaPath+apiV)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)
}

func TestHTMLBodyFault(t *testing.T) {
	s := NewServer(t, WithFaults(HTMLBody()))
	resp, b := get(t, s, PrincipalMCAAccountOwner, mcaPath+apiV)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	assert.True(t, strings.HasPrefix(string(b), "<!DOCTYPE html>"))
}

func TestExpireSASFault(t *testing.T) {
	s := NewServer(t, WithFaults(ExpireSAS()))
	u, data := bigBlob(t, s)
	resp, b, err := rawFetch(t, s, u)
	require.NoError(t, err)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, string(b), "AuthenticationFailed")
	_, b, err = rawFetch(t, s, u)
	require.NoError(t, err)
	assert.Equal(t, data, b)
}

func TestBlobServerErrorIsXML(t *testing.T) {
	s := NewServer(t, WithFaults(ServerError(503).OnBlob().WithHeader("Retry-After", "1")))
	u, _ := bigBlob(t, s)
	resp, b, err := rawFetch(t, s, u)
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	assert.Contains(t, string(b), "<Code>ServerBusy</Code>")
}

func TestFaultString(t *testing.T) {
	f := Throttle(2, HeaderConsumptionRetryAfter).Method("get").Path("/usageDetails").Times(3)
	assert.Equal(t, "429 with x-ms-ratelimit-microsoft.consumption-retry-after: 2 on arm GET path~/usageDetails (first 3)", f.String())
}
