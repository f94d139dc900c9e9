package replay_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/internal/replay"
)

// pdf and csv are what blob downloads answer, by extension: the recordings hold links, not
// documents.
var (
	pdf = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	csv = []byte("Invoice Number,Amount\nEA02510779,3355.76\n")
)

type staticCred struct{}

func (staticCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "replay-token", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// recordedAt is when the EA invoice downloads were recorded: their SAS links expire at
// 2024-11-18T07:00:01Z and 07:00:17Z (se=).
var recordedAt = time.Date(2024, 11, 18, 6, 50, 10, 0, time.UTC)

type fixture struct {
	t   *testing.T
	srv *replay.Server
	bc  *billing.Client
}

// start serves the named scenarios and returns a client pointed at them. When the test ends it
// checks that every request matched a recorded interaction and every interaction was served.
func start(t *testing.T, now time.Time, names ...string) *fixture {
	t.Helper()
	all, err := replay.Load("testdata")
	require.NoError(t, err)
	var picked []*replay.Scenario
	for _, n := range names {
		found := false
		for _, sc := range all {
			if sc.Name == n {
				picked, found = append(picked, sc), true
			}
		}
		require.True(t, found, "no scenario %s", n)
	}
	srv, err := replay.New(picked, map[string][]byte{".pdf": pdf, ".csv": csv})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.CertPool(), MinVersion: tls.VersionTLS12}}}
	opts := &billing.ClientOptions{
		ClientOptions: arm.ClientOptions{ClientOptions: policy.ClientOptions{
			Cloud: cloud.Configuration{
				ActiveDirectoryAuthorityHost: srv.ARMURL() + "/",
				Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
					cloud.ResourceManager: {Audience: "https://management.azure.com", Endpoint: srv.ARMURL()},
				},
			},
			Transport: hc,
		}},
		Download: billing.DownloadOptions{HTTPClient: hc, AllowLoopback: true},
		Now:      func() time.Time { return now },
	}
	bc, err := billing.NewClient(staticCred{}, opts)
	require.NoError(t, err)
	f := &fixture{t: t, srv: srv, bc: bc}
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		for _, r := range srv.Log() {
			assert.NotEmpty(t, r.Matched, "request with no recorded answer: %s %s", r.Method, r.URL)
		}
		assert.Empty(t, srv.Unserved(), "recorded interactions never requested")
	})
	return f
}

// requests returns the logged ARM requests whose path contains part.
func (f *fixture) requests(part string) []replay.Request {
	var out []replay.Request
	for _, r := range f.srv.Log() {
		if r.Matched != "blob" && strings.Contains(r.URL, part) {
			out = append(out, r)
		}
	}
	return out
}

func (f *fixture) blobs() []replay.Request {
	var out []replay.Request
	for _, r := range f.srv.Log() {
		if r.Matched == "blob" {
			out = append(out, r)
		}
	}
	return out
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func collect[T any](t *testing.T, seq func(func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}

func dec(t *testing.T, s string) billing.Decimal {
	t.Helper()
	d, err := billing.ParseDecimal(s)
	require.NoError(t, err)
	return d
}

func TestScenariosLoadAndNameTheirSources(t *testing.T) {
	all, err := replay.Load("testdata")
	require.NoError(t, err)
	n := 0
	for _, sc := range all {
		require.NotEmpty(t, sc.Sources, sc.Name)
		for _, s := range sc.Sources {
			assert.Regexp(t, `^[0-9a-f]{40}$`, s.Commit, sc.Name)
			assert.NotEmpty(t, s.Repo, sc.Name)
			assert.True(t, strings.HasSuffix(s.Path, ".yaml") || strings.HasSuffix(s.Path, ".json"), sc.Name)
		}
		n += len(sc.Interactions)
	}
	assert.GreaterOrEqual(t, n, 40, "interactions")
	readme, err := os.ReadFile("testdata/README.md")
	require.NoError(t, err)
	for _, sc := range all {
		assert.Contains(t, string(readme), "`"+sc.Name+"`", "README lists every scenario")
		for _, s := range sc.Sources {
			assert.Contains(t, string(readme), s.Repo+" · "+s.Path+" · "+s.Commit, "README names %s's recording", sc.Name)
		}
	}
}
