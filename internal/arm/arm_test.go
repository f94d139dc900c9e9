package arm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	armpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fakeCred struct{}

func (fakeCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "secret-token", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func newTestClient(t *testing.T, h http.Handler) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	c, err := New(fakeCred{}, Options{
		ARM: armpolicy.ClientOptions{ClientOptions: policy.ClientOptions{
			Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Audience: "https://management.azure.com", Endpoint: srv.URL},
			}},
			Transport: srv.Client(),
			Retry:     policy.RetryOptions{RetryDelay: time.Millisecond, MaxRetryDelay: 3 * time.Second, MaxRetries: 3},
		}},
		DefaultPoll: time.Millisecond,
	})
	require.NoError(t, err)
	return c, srv
}

func TestPagesFollowsNextLinkAcrossThreePages(t *testing.T) {
	var hits atomic.Int32
	var base string
	c, srv := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		assert.Equal(t, "2024-04-01", r.URL.Query().Get("api-version"))
		if page == 0 {
			assert.Equal(t, "5", r.URL.Query().Get("top"), "query parameters go on page one")
		} else {
			assert.Empty(t, r.URL.Query().Get("top"), "nextLink is used verbatim")
		}
		next := ""
		if page < 2 {
			next = fmt.Sprintf(`%s/items?api-version=2024-04-01&page=%d`, base, page+1)
		}
		fmt.Fprintf(w, `{"value":[{"n":%d},{"n":%d}],"nextLink":%q}`, page*2, page*2+1, next)
	}))
	base = srv.URL
	type item struct{ N int }
	var got []int
	for it, err := range Items[item](context.Background(), c, Request{Path: "/items", APIVersion: "2024-04-01", Query: map[string][]string{"top": {"5"}}}) {
		require.NoError(t, err)
		got = append(got, it.N)
	}
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5}, got)
	assert.EqualValues(t, 3, hits.Load())
}

func TestPagesStopsFetchingOnBreak(t *testing.T) {
	var hits atomic.Int32
	var base string
	c, srv := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprintf(w, `{"value":[{"n":1},{"n":2}],"nextLink":"%s/items?api-version=x&p=%d"}`, base, hits.Load())
	}))
	base = srv.URL
	n := 0
	for _, err := range Items[struct{ N int }](context.Background(), c, Request{Path: "/items", APIVersion: "x"}) {
		require.NoError(t, err)
		n++
		if n == 3 {
			break
		}
	}
	assert.Equal(t, 3, n)
	assert.EqualValues(t, 2, hits.Load(), "no page is fetched after the caller breaks")
}

func TestPagesYieldsErrorOnceAndStops(t *testing.T) {
	var base string
	c, srv := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("p") == "2" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":{"code":"BadThing","message":"nope"}}`)
			return
		}
		fmt.Fprintf(w, `{"value":[{"n":1}],"nextLink":"%s/items?api-version=x&p=2"}`, base)
	}))
	base = srv.URL
	var errs []error
	n := 0
	for _, err := range Items[struct{ N int }](context.Background(), c, Request{Path: "/items", APIVersion: "x"}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	assert.Equal(t, 1, n)
	require.Len(t, errs, 1)
	var f *azcore.ResponseError
	require.ErrorAs(t, errs[0], &f)
	assert.Equal(t, "BadThing", f.ErrorCode)
}

func TestPagesRefusesNextLinkOnAnotherHost(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"value":[{"n":1}],"nextLink":"https://attacker.example/steal?x=1"}`)
	}))
	var last error
	for _, err := range Items[struct{ N int }](context.Background(), c, Request{Path: "/items", APIVersion: "x"}) {
		last = err
	}
	var he *HostError
	require.ErrorAs(t, last, &he)
	assert.Equal(t, "attacker.example", he.Host)
}

func TestLROPolls202Then200(t *testing.T) {
	var polls atomic.Int32
	var base string
	c, srv := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/start":
			assert.Equal(t, http.MethodPost, r.Method)
			w.Header().Set("location", base+"/op/1?api-version=2024-04-01") // lower case, as in the spec examples
			w.Header().Set("retry-after", "0")
			w.WriteHeader(http.StatusAccepted)
		case "/op/1":
			if polls.Add(1) < 2 {
				w.Header().Set("Location", base+"/op/1?api-version=2024-04-01")
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusAccepted)
				return
			}
			fmt.Fprint(w, `{"url":"https://blob.example/x.pdf?sig=abc","expiryTime":"2030-01-01T00:00:00Z"}`)
		}
	}))
	base = srv.URL
	var out struct{ URL string }
	op, err := c.LRO(context.Background(), Request{Method: http.MethodPost, Path: "/start", APIVersion: "2024-04-01"}, &out)
	require.NoError(t, err)
	assert.Equal(t, 200, op.StatusCode)
	assert.Equal(t, 2, op.Polls)
	assert.Equal(t, "https://blob.example/x.pdf?sig=abc", out.URL)
}

func TestLROStopsWhenContextIsCancelled(t *testing.T) {
	var base string
	c, srv := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", base+"/op?api-version=1")
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusAccepted)
	}))
	base = srv.URL
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.LRO(ctx, Request{Method: http.MethodPost, Path: "/start", APIVersion: "1"}, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestLROWithout202LocationIsProtocolError(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	}))
	_, err := c.LRO(context.Background(), Request{Method: http.MethodPost, Path: "/start", APIVersion: "1"}, nil)
	var pe *ProtocolError
	require.ErrorAs(t, err, &pe)
}

func TestThrottleHeadersAreHonoured(t *testing.T) {
	for _, h := range []string{"Retry-After", "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after",
		"x-ms-ratelimit-microsoft.costmanagement-entity-retry-after", "x-ms-ratelimit-microsoft.consumption-retry-after"} {
		t.Run(h, func(t *testing.T) {
			var calls atomic.Int32
			var first time.Time
			var gap time.Duration
			c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					first = time.Now()
					w.Header().Set(h, "1")
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				gap = time.Since(first)
				fmt.Fprint(w, `{}`)
			}))
			_, _, err := c.DoJSON(context.Background(), Request{Path: "/x", APIVersion: "1"}, &struct{}{})
			require.NoError(t, err)
			assert.EqualValues(t, 2, calls.Load())
			assert.GreaterOrEqual(t, gap, 900*time.Millisecond, "waited for the header's delay")
		})
	}
}

func TestHTMLInsteadOfJSONIsProtocolError(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body>Sign in</body></html>")
	}))
	_, _, err := c.DoJSON(context.Background(), Request{Path: "/x", APIVersion: "1"}, &struct{}{})
	var pe *ProtocolError
	require.ErrorAs(t, err, &pe)
	assert.Contains(t, pe.Error(), "<html>")
	assert.Equal(t, "text/html", pe.ContentType)
}

func TestFailureCarriesRequestIDAndBody(t *testing.T) {
	var got *Failure
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-ms-request-id", "req-123")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"error":{"code":"AuthorizationFailed","message":"no","details":[{"code":"x","message":"y"}]}}`)
	}))
	defer srv.Close()
	c, err := New(fakeCred{}, Options{ARM: armpolicy.ClientOptions{ClientOptions: policy.ClientOptions{
		Cloud:     cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{cloud.ResourceManager: {Audience: "a", Endpoint: srv.URL}}},
		Transport: srv.Client(),
	}}, MapError: func(f *Failure) error { got = f; return errors.New("mapped") }})
	require.NoError(t, err)
	_, err = c.Do(context.Background(), Request{Path: "/x", APIVersion: "1", Call: Call{Scope: "/s"}})
	require.EqualError(t, err, "mapped")
	require.NotNil(t, got)
	assert.Equal(t, 403, got.StatusCode)
	assert.Equal(t, "req-123", got.RequestID)
	assert.Equal(t, "AuthorizationFailed", got.Body.Code)
	assert.Equal(t, "/s", got.Call.Scope)
	var re *azcore.ResponseError
	require.ErrorAs(t, got.Err, &re)
	assert.Equal(t, 403, re.StatusCode)
}

func TestRetryAfterPicksLongestHeader(t *testing.T) {
	h := http.Header{}
	h.Set("Retry-After", "2")
	h.Set("x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after", "7")
	h.Set("retry-after-ms", "1500")
	assert.Equal(t, 7*time.Second, RetryAfter(h))
	assert.Equal(t, time.Duration(0), RetryAfter(http.Header{"Retry-After": {"soon"}}))
}

// Cost Management answers errors without the ARM envelope and without a code, with the useful
// part in messageDetail (shape recorded by the azure-cli-extensions costmanagement tests,
// test_show_operation_result_in_subscription_scope.yaml).
func TestParseErrorBodyCostManagementShape(t *testing.T) {
	eb, ok := ParseErrorBody([]byte(`{"message":"The request is invalid.","messageDetail":"The parameters dictionary contains a null entry for parameter 'operationId'."}`))
	require.True(t, ok)
	assert.Equal(t, "", eb.Code)
	assert.Equal(t, "The request is invalid. The parameters dictionary contains a null entry for parameter 'operationId'.", eb.Message)
	eb, ok = ParseErrorBody([]byte(`{"messageDetail":"only a detail"}`))
	require.True(t, ok)
	assert.Equal(t, "only a detail", eb.Message)
}

func FuzzParseErrorBody(f *testing.F) {
	for _, s := range []string{`{"message":"a","messageDetail":"b"}`, `{"error":{"code":"A","message":"b","details":[{"code":"c"}]}}`, `{"code":"x"}`, `<html>`, ``, `{"error":null}`, `{"error":{"details":[[]]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		eb, ok := ParseErrorBody(b)
		if ok && eb.Code == "" && eb.Message == "" {
			t.Fatalf("ok without code or message")
		}
	})
}
