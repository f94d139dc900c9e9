package arm

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	armpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The shapes below are those of real 2024-04-01 answers: departments, enrollment accounts and
// billing subscriptions send a nextLink relative to the host; invoices and Consumption usage
// details send one whose query holds raw spaces and quotes.
func TestPagesFollowsRelativeAndUnescapedNextLinks(t *testing.T) {
	var mu sync.Mutex
	var uris []string
	var base string
	c, srv := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		uris = append(uris, r.RequestURI)
		n := len(uris)
		mu.Unlock()
		switch n {
		case 1:
			fmt.Fprint(w, `{"value":[{"n":1}],"nextLink":"/providers/Microsoft.Billing/billingAccounts/123/departments?api-version=2024-04-01&skiptoken=eyJuZXh0UGFydGl0aW9uS2V5IjoiMSJ9%3D"}`)
		case 2:
			fmt.Fprintf(w, `{"value":[{"n":2}],"nextLink":%q}`, base+
				`/providers/Microsoft.Billing/billingAccounts/123/invoices?api-version=2024-04-01&periodStartDate=2000-01-01 00:00:00Z&periodEndDate=2024-05-01 00:00:00Z&$skiptoken=AbC%2Bd==`)
		case 3:
			_, _ = w.Write([]byte(` {"value":[{"n":3}],"nextLink":" /subscriptions/s1/providers/Microsoft.Consumption/usageDetails?$filter=properties/usageEnd ge '2017-10-11T23:59:59Z' and properties/usageEnd le \"x\"&$skiptoken=a%b "}`))
		default:
			fmt.Fprint(w, `{"value":[{"n":4}]}`)
		}
	}))
	base = srv.URL
	var got []int
	for it, err := range Items[struct{ N int }](context.Background(), c, Request{Path: "/items", APIVersion: "2024-04-01"}) {
		require.NoError(t, err)
		got = append(got, it.N)
	}
	assert.Equal(t, []int{1, 2, 3, 4}, got)
	require.Len(t, uris, 4)
	assert.Equal(t, "/providers/Microsoft.Billing/billingAccounts/123/departments?api-version=2024-04-01&skiptoken=eyJuZXh0UGFydGl0aW9uS2V5IjoiMSJ9%3D", uris[1],
		"a relative nextLink is resolved against the endpoint, its query kept verbatim")
	assert.Equal(t, "/providers/Microsoft.Billing/billingAccounts/123/invoices?api-version=2024-04-01&periodStartDate=2000-01-01%2000:00:00Z&periodEndDate=2024-05-01%2000:00:00Z&$skiptoken=AbC%2Bd==", uris[2],
		"only the raw spaces are escaped; order, $skiptoken and %2B stay")
	assert.Equal(t, "/subscriptions/s1/providers/Microsoft.Consumption/usageDetails?$filter=properties/usageEnd%20ge%20'2017-10-11T23:59:59Z'%20and%20properties/usageEnd%20le%20%22x%22&$skiptoken=a%25b", uris[3])
}

func TestPagesRefusesSchemeRelativeNextLink(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"value":[{"n":1}],"nextLink":"//attacker.example/providers/x?skiptoken=1 2"}`)
	}))
	var last error
	for _, err := range Items[struct{ N int }](context.Background(), c, Request{Path: "/items", APIVersion: "x"}) {
		last = err
	}
	var he *HostError
	require.ErrorAs(t, last, &he, "the host guard judges the resolved link")
	assert.Equal(t, "attacker.example", he.Host)
}

func TestPagesNextLinkThatIsNotAURL(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"value":[{"n":1}],"nextLink":"https://bad host/x"}`)
	}))
	var last error
	for _, err := range Items[struct{ N int }](context.Background(), c, Request{Path: "/items", APIVersion: "x"}) {
		last = err
	}
	var pe *ProtocolError
	require.ErrorAs(t, last, &pe)
	assert.Contains(t, pe.Error(), "not a URL")
}

func TestLROPollsRelativeLocationWithSpaces(t *testing.T) {
	var mu sync.Mutex
	var uris []string
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		uris = append(uris, r.RequestURI)
		n := len(uris)
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Location", "/providers/Microsoft.Billing/billingAccounts/1/operationResults/invoiceSummaryDownload_a b?api-version=2024-04-01")
			w.WriteHeader(http.StatusAccepted)
			return
		}
		fmt.Fprint(w, `{"url":"https://blob.example/x"}`)
	}))
	var out struct{ URL string }
	_, err := c.LRO(context.Background(), Request{Method: http.MethodPost, Path: "/download", APIVersion: "x"}, &out)
	require.NoError(t, err)
	assert.Equal(t, "https://blob.example/x", out.URL)
	assert.Equal(t, "/providers/Microsoft.Billing/billingAccounts/1/operationResults/invoiceSummaryDownload_a%20b?api-version=2024-04-01", uris[1])
}

func TestNormalizeLink(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://management.azure.com/a/b?api-version=1&$skiptoken=x%2Fy", "https://management.azure.com/a/b?api-version=1&$skiptoken=x%2Fy"},
		{"  /a?x=1 2  ", "/a?x=1%202"},
		{"/a?f='q'&g=\"q\"", "/a?f='q'&g=%22q%22"},
		{"/a?x=%zz&y=%4", "/a?x=%25zz&y=%254"},
		{"/a?x=é", "/a?x=%C3%A9"},
		{"/a#b?c", "/a%23b?c"},
		{"/a?b#c", "/a?b%23c"},
		{"https://h:443?x=1 2", "https://h:443?x=1%202"},
		{"https://bad host/x y", "https://bad host/x%20y"},
		{"", ""},
	} {
		assert.Equal(t, tc.want, NormalizeLink(tc.in), "NormalizeLink(%q)", tc.in)
	}
}

// decodeLenient percent-decodes s, taking a '%' that starts no escape literally.
func decodeLenient(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			v, _ := url.PathUnescape(s[i : i+3])
			b.WriteString(v)
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func FuzzNormalizeLink(f *testing.F) {
	for _, s := range []string{
		"/providers/Microsoft.Billing/billingAccounts/1/departments?api-version=2024-04-01&skiptoken=abc%3D",
		"https://management.azure.com/x?periodStartDate=2000-01-01 00:00:00Z&$skiptoken=1",
		"/s/providers/Microsoft.Consumption/usageDetails?$filter=properties/usageEnd ge '2017-10-11T23:59:59Z' and x&$skiptoken=1",
		"//evil/x", "%", "%4", "#", "?#?", "http://h", "é ü",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := NormalizeLink(in)
		trimmed := strings.TrimSpace(in)
		start := authorityEnd(trimmed)
		require.True(t, strings.HasPrefix(out, trimmed[:start]), "scheme and host untouched")
		require.True(t, linkValid(out[start:]), "result is valid URI text: %q", out)
		require.Equal(t, out, NormalizeLink(out), "idempotent")
		require.Equal(t, decodeLenient(trimmed[start:]), decodeLenient(out[start:]), "same bytes once decoded")
		if linkValid(trimmed[start:]) {
			require.Equal(t, trimmed, out, "a valid link is kept as sent")
		}
		if _, err := url.Parse(out); err == nil && start == 0 {
			// A link relative to the host parses with its query verbatim.
			u, _ := url.Parse(out)
			if i := strings.IndexByte(out, '?'); i >= 0 {
				require.Equal(t, out[i+1:], u.RawQuery)
			}
		}
	})
}

func TestPollWaitStartsFastAndBacksOffToTheDefault(t *testing.T) {
	var got []time.Duration
	for n := range 8 {
		got = append(got, PollWait(n, 5*time.Second))
	}
	assert.Equal(t, []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second,
		4 * time.Second, 5 * time.Second, 5 * time.Second, 5 * time.Second}, got)
	assert.Equal(t, 5*time.Second, PollWait(1<<30, 5*time.Second), "no overflow")
	assert.Equal(t, time.Millisecond, PollWait(0, time.Millisecond), "never above the limit")
}

// EA invoice downloads answer 202 without Retry-After; with the default 5 s interval the first
// poll must still come well under a second after the 202.
func TestLROWithoutRetryAfterPollsFastFirst(t *testing.T) {
	var mu sync.Mutex
	var at []time.Time
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		at = append(at, time.Now())
		n := len(at)
		mu.Unlock()
		if n < 4 {
			w.Header().Set("Location", "/op/1?api-version=2024-04-01")
			w.WriteHeader(http.StatusAccepted)
			return
		}
		fmt.Fprint(w, `{"url":"https://blob.example/x"}`)
	}))
	t.Cleanup(srv.Close)
	c, err := New(fakeCred{}, Options{ARM: armpolicy.ClientOptions{ClientOptions: policy.ClientOptions{
		Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Audience: "https://management.azure.com", Endpoint: srv.URL},
		}},
		Transport: srv.Client(),
	}}}) // DefaultPoll left at its 5 s default
	require.NoError(t, err)
	op, err := c.LRO(context.Background(), Request{Method: http.MethodPost, Path: "/download", APIVersion: "x"}, nil)
	require.NoError(t, err)
	assert.Equal(t, 3, op.Polls)
	require.Len(t, at, 4)
	gaps := []time.Duration{at[1].Sub(at[0]), at[2].Sub(at[1]), at[3].Sub(at[2])}
	assert.GreaterOrEqual(t, gaps[0], FirstPoll)
	assert.Less(t, gaps[0], 900*time.Millisecond, "first poll well under a second: %v", gaps)
	assert.GreaterOrEqual(t, gaps[1], 2*FirstPoll, "then it backs off: %v", gaps)
	assert.GreaterOrEqual(t, gaps[2], 4*FirstPoll, "then it backs off: %v", gaps)
	assert.Less(t, at[3].Sub(at[0]), 5*time.Second, "three polls cost less than one fixed 5 s wait: %v", gaps)
}
