package billing_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/roles"
)

type tokenCred struct{}

func (tokenCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "t0ken", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// fakeARM is a client against a handler, for error-mapping tests that need exact control of
// status codes and headers.
func fakeARM(t *testing.T, h http.HandlerFunc) *billing.Client {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	opts := &billing.ClientOptions{}
	opts.Cloud = cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
		cloud.ResourceManager: {Audience: "https://management.azure.com", Endpoint: srv.URL}}}
	opts.Transport = srv.Client()
	opts.Retry = policy.RetryOptions{MaxRetries: 2, RetryDelay: time.Millisecond, MaxRetryDelay: 3 * time.Second}
	bc, err := billing.NewClient(tokenCred{}, opts)
	require.NoError(t, err)
	return bc
}

func armError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("x-ms-request-id", "rid-42")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%q,"message":"message for %s"}}`, code, code)
}

func TestStatus401And403BecomePermissionErrorPerAgreement(t *testing.T) {
	cases := []struct {
		account  string
		agree    billing.Agreement
		status   int
		required roles.Role
	}{
		{"6575495", billing.AgreementEA, 403, roles.EAEnterpriseAdmin},
		{mcaAccount, billing.AgreementMCA, 403, roles.MCABillingAccountOwner},
		{"20000000-0000-0000-0000-000000000001", billing.AgreementMOSP, 401, roles.MOSPAccountAdmin},
	}
	for _, c := range cases {
		t.Run(string(c.agree), func(t *testing.T) {
			bc := fakeARM(t, func(w http.ResponseWriter, r *http.Request) { armError(w, c.status, "AuthorizationFailed") })
			_, err := bc.Account(context.Background(), c.account)
			var perr *roles.PermissionError
			require.ErrorAs(t, err, &perr)
			assert.True(t, errors.Is(err, roles.ErrPermissionDenied))
			assert.Equal(t, c.status, perr.StatusCode)
			assert.Equal(t, roles.ViewBillingAccount, perr.Action)
			assert.Equal(t, c.agree, perr.Agreement)
			assert.Equal(t, "/providers/Microsoft.Billing/billingAccounts/"+c.account, perr.Scope)
			assert.Equal(t, "AuthorizationFailed", perr.Code)
			assert.Equal(t, "rid-42", perr.RequestID)
			assert.Contains(t, perr.Required, c.required)
			var re *azcore.ResponseError
			require.ErrorAs(t, err, &re, "wraps azcore's ResponseError")
			assert.NotContains(t, err.Error(), "t0ken")
		})
	}
}

func TestStatus404BecomesNotFoundError(t *testing.T) {
	bc := fakeARM(t, func(w http.ResponseWriter, r *http.Request) { armError(w, 404, "ResourceNotFound") })
	_, err := bc.Profile(context.Background(), mcaAccount, "NOPE-NOPE")
	var nf *billing.NotFoundError
	require.ErrorAs(t, err, &nf)
	assert.ErrorIs(t, err, billing.ErrNotFound)
	assert.Equal(t, "ResourceNotFound", nf.Code)
	assert.Contains(t, err.Error(), "billingProfiles/NOPE-NOPE")
}

func TestStatus429WithEachHeaderIsRetriedThenSucceeds(t *testing.T) {
	for _, h := range []string{"Retry-After", "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after", "x-ms-ratelimit-microsoft.consumption-retry-after"} {
		t.Run(h, func(t *testing.T) {
			var n atomic.Int32
			bc := fakeARM(t, func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					w.Header().Set(h, "1")
					armError(w, 429, "TooManyRequests")
					return
				}
				fmt.Fprint(w, `{"id":"/providers/Microsoft.Billing/billingAccounts/6575495","name":"6575495","properties":{"agreementType":"EnterpriseAgreement"}}`)
			})
			start := time.Now()
			a, err := bc.Account(context.Background(), "6575495")
			require.NoError(t, err)
			assert.Equal(t, billing.AgreementEA, a.Agreement)
			assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond)
			assert.EqualValues(t, 2, n.Load())
		})
	}
}

func TestPersistent429BecomesThrottledErrorWithDelay(t *testing.T) {
	bc := fakeARM(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after", "120")
		armError(w, 429, "TooManyRequests")
	})
	_, err := bc.Account(context.Background(), "6575495")
	var te *billing.ThrottledError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 120*time.Second, te.RetryAfter)
	assert.ErrorIs(t, err, billing.ErrThrottled)
}

func TestStatus500ThenSuccess(t *testing.T) {
	var n atomic.Int32
	bc := fakeARM(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			armError(w, 500, "InternalServerError")
			return
		}
		fmt.Fprint(w, `{"name":"6575495","properties":{"agreementType":"SomethingNew"}}`)
	})
	a, err := bc.Account(context.Background(), "6575495")
	require.NoError(t, err)
	assert.Equal(t, billing.Agreement("SomethingNew"), a.Agreement, "unknown enum values are kept")
}

func TestPersistent500BecomesServiceError(t *testing.T) {
	bc := fakeARM(t, func(w http.ResponseWriter, r *http.Request) { armError(w, 500, "InternalServerError") })
	_, err := bc.Account(context.Background(), "6575495")
	var se *billing.ServiceError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 500, se.StatusCode)
	assert.Equal(t, "rid-42", se.RequestID)
}

func TestHTMLAndHugeBodiesAreProtocolErrors(t *testing.T) {
	bc := fakeARM(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!DOCTYPE html><html>login</html>")
	})
	_, err := bc.Account(context.Background(), "6575495")
	var pe *billing.ProtocolError
	require.ErrorAs(t, err, &pe)

	bc = fakeARM(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"name":"`)
		chunk := strings.Repeat("a", 1<<20)
		for range 40 {
			fmt.Fprint(w, chunk)
		}
		fmt.Fprint(w, `"}`)
	})
	_, err = bc.Account(context.Background(), "6575495")
	require.ErrorAs(t, err, &pe)
	assert.Contains(t, pe.Error(), "exceeds")
}

func TestInvalidNamesFailBeforeAnyRequest(t *testing.T) {
	var n atomic.Int32
	bc := fakeARM(t, func(w http.ResponseWriter, r *http.Request) { n.Add(1) })
	_, err := bc.Profile(context.Background(), mcaAccount, "../../etc")
	require.ErrorIs(t, err, billing.ErrInvalidInput)
	for _, err := range bc.Profiles(context.Background(), "not valid") {
		require.ErrorIs(t, err, billing.ErrInvalidInput)
	}
	assert.Zero(t, n.Load())
}

func TestNewClientArgumentErrorsAreInvalidInput(t *testing.T) {
	_, err := billing.NewClient(nil, nil)
	assert.ErrorIs(t, err, billing.ErrInvalidInput)
	var ie *billing.InputError
	assert.ErrorAs(t, err, &ie)
}

func TestFileErrorRepeats(t *testing.T) {
	for errno, want := range map[syscall.Errno]bool{syscall.EACCES: true, syscall.EROFS: true, syscall.ENOSPC: true, syscall.EDQUOT: true, syscall.ENOENT: false, syscall.EISDIR: false} {
		e := &billing.FileError{Op: "create", Path: "/x/y.pdf", Err: &fs.PathError{Op: "open", Path: "/x/y.pdf", Err: errno}}
		assert.Equal(t, want, e.Repeats(), errno.Error())
		assert.Equal(t, "azbilling: create /x/y.pdf: "+errno.Error(), e.Error())
		assert.ErrorIs(t, e, errno)
	}
}
