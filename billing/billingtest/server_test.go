package billingtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCATrust(t *testing.T) {
	s := NewServer(t)
	block, _ := pem.Decode(s.CACertPEM())
	require.NotNil(t, block)
	ca, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	assert.True(t, ca.IsCA)

	// A client with the system roots rejects the emulator.
	plain := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{}}}
	_, err = plain.Get(s.ARMEndpoint())
	require.Error(t, err)

	// The CA's pool validates both listeners, under every loopback name.
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.ARMEndpoint(), "https://"))
	for _, host := range []string{"127.0.0.1", "localhost"} {
		resp, err := s.HTTPClient().Get("https://" + net.JoinHostPort(host, port) + "/")
		require.NoError(t, err, host)
		resp.Body.Close()
	}
	resp, err := s.HTTPClient().Get(s.BlobEndpoint() + "/x")
	require.NoError(t, err)
	resp.Body.Close()
	assert.NotEqual(t, s.ARMEndpoint(), s.BlobEndpoint())
}

func TestClientOptionsPointAtEmulator(t *testing.T) {
	s := NewServer(t)
	o := s.ClientOptions()
	rm := o.Cloud.Services[cloud.ResourceManager]
	assert.Equal(t, s.ARMEndpoint(), rm.Endpoint)
	assert.Equal(t, "https://management.azure.com", rm.Audience)
	assert.True(t, o.Download.AllowLoopback)
	require.NotNil(t, o.Download.HTTPClient)
	require.NotNil(t, o.Now)
	assert.WithinDuration(t, s.Now(), o.Now(), time.Second)
	tr, ok := o.Transport.(*http.Client)
	require.True(t, ok)
	resp, err := tr.Get(s.ARMEndpoint() + mcaPath + apiV)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

func TestCredentialIsThePrincipal(t *testing.T) {
	s := NewServer(t)
	tok, err := s.Credential(MCAProfileOwner).GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://management.azure.com/.default"}})
	require.NoError(t, err)
	assert.Equal(t, string(MCAProfileOwner), tok.Token)
	assert.True(t, tok.ExpiresOn.After(time.Now().AddDate(50, 0, 0)))
}

func TestWorldClock(t *testing.T) {
	s := NewServer(t)
	assert.WithinDuration(t, time.Now(), s.Now(), 5*time.Second, "unpinned, the world clock is the real clock")
	assert.Equal(t, day(time.Now().UTC()).Add(12*time.Hour), s.World().Anchor, "laid out as of noon UTC today")
	anchor := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	s2 := NewServer(t, WithNow(anchor))
	assert.WithinDuration(t, anchor, s2.Now(), 5*time.Second)
	s2.AdvanceClock(time.Hour)
	assert.WithinDuration(t, anchor.Add(time.Hour), s2.Now(), 5*time.Second)
}

func TestWorldFacts(t *testing.T) {
	s := NewServer(t, WithNow(ReferenceNow()))
	w := s.World()
	a := w.Subscription(SubscriptionPayAsYouGo)
	require.NotNil(t, a)
	assert.Len(t, a.InvoicePeriods, 24)
	assert.Equal(t, "MS-AZR-0003P", a.OfferID)
	for i := 1; i < len(a.InvoicePeriods); i++ {
		assert.Equal(t, a.InvoicePeriods[i-1].End.AddDate(0, 0, 1), a.InvoicePeriods[i].Start)
	}
	b := w.Subscription(SubscriptionNew)
	assert.Empty(t, b.InvoicePeriods)
	assert.Equal(t, 12, int(s.Now().Sub(b.Created).Hours()/24))
	assert.NotEmpty(t, b.NoInvoiceReason)
	c := w.Subscription(SubscriptionCredit)
	assert.Empty(t, c.InvoicePeriods)
	require.NotNil(t, c.Credit)
	assert.False(t, c.Credit.UsageExceeded)

	us := w.Account(MCAAccount).Profile(MCAProfileUS)
	assert.Equal(t, []string{"billing@contoso.example", "finance@contoso.example"}, us.InvoiceRecipients)
	// The snapshot is a copy.
	us.InvoiceRecipients[0] = "changed"
	assert.Equal(t, "billing@contoso.example", s.World().Account(MCAAccount).Profile(MCAProfileUS).InvoiceRecipients[0])

	assert.Len(t, w.AssignmentsOf(MCAProfileOwner), 1)
	assert.Empty(t, w.AssignmentsOf(NoRole))
	assert.Equal(t, "Billing profile owner", w.AssignmentsOf(MCAProfileOwner)[0].Role.DisplayName())
}

func TestDeterministicBodiesForTheSameSeed(t *testing.T) {
	paths := []string{
		"/providers/Microsoft.Billing/billingAccounts" + apiV,
		mcaPath + "/billingProfiles" + apiV,
		mcaPath + "/billingSubscriptions" + apiV,
		usPath + "/invoiceSections" + apiV,
		usPath + "/billingRoleAssignments" + apiV,
	}
	bodies := func(s *Server) []string {
		var out []string
		for _, p := range paths {
			_, b := get(t, s, MCAAccountOwner, p)
			out = append(out, string(b))
		}
		return out
	}
	s1, s2 := NewServer(t, WithSeed(42)), NewServer(t, WithSeed(42))
	assert.Equal(t, bodies(s1), bodies(s2))
	s3 := NewServer(t, WithSeed(43))
	assert.NotEqual(t, bodies(s1), bodies(s3), "the seed changes generated values")
	assert.Equal(t, s1.World().Subscriptions, s2.World().Subscriptions)
}

func TestRequestsAreRecordedWithoutTokens(t *testing.T) {
	s := NewServer(t)
	get(t, s, MCAProfileOwner, usPath+apiV+"&top=5")
	reqs := s.Requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, ARM, r.Target)
	assert.Equal(t, http.MethodGet, r.Method)
	assert.Equal(t, usPath, r.Path)
	assert.Equal(t, "5", r.Query.Get("top"))
	assert.Equal(t, MCAProfileOwner, r.Principal)
	assert.Equal(t, "[redacted]", r.Header.Get("Authorization"))
	assert.Equal(t, http.StatusOK, r.Status)
	s.ResetRequests()
	assert.Empty(t, s.Requests())
}

func TestStartRejectsBadOptions(t *testing.T) {
	_, err := Start(WithPageSize(0))
	require.Error(t, err)
	_, err = Start(WithLRODelay(-1, 0))
	require.Error(t, err)
	s, err := Start(nil)
	require.NoError(t, err)
	s.Close()
	s.Close()
}

func TestHandlerNeverPanics(t *testing.T) {
	s := NewServer(t)
	for _, target := range []string{"/", "//", "/%zz", "/providers/Microsoft.Billing/billingAccounts/%3A/billingProfiles/x" + apiV,
		"/providers/Microsoft.Billing/billingAccounts/default" + apiV, "/subscriptions//providers/Microsoft.Billing/billingProperty/default" + apiV} {
		req := httptest.NewRequest(http.MethodGet, "https://example.test/", nil)
		req.URL.RawPath, req.URL.Path = "", ""
		u, err := req.URL.Parse(target)
		if err != nil {
			continue
		}
		req.URL = u
		req.Header.Set("Authorization", "Bearer "+string(MCAAccountOwner))
		w := httptest.NewRecorder()
		s.serveARM(w, req)
		assert.NotEqual(t, http.StatusInternalServerError, w.Code, target)
	}
}
