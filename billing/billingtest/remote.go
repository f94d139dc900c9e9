package billingtest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/azbilling/azbilling/billing"
)

// Remote describes an emulator that runs in another process (examples/emulator), as its banner
// line prints it.
type Remote struct {
	// Endpoint is the Resource Manager endpoint, e.g. https://127.0.0.1:41234 ("endpoint").
	Endpoint string
	// CAFile is the PEM file of the CA both of its listeners chain to ("ca_file").
	CAFile string
	// Now is the emulator's world clock when it printed its banner ("now"); zero means this
	// computer's clock. The client's clock runs on from it.
	Now time.Time
}

// ClientOptions returns options for billing.NewClient that reach the remote emulator: its
// endpoint, a transport trusting only its CA, loopback download URLs allowed, and its world
// clock when Now is set. Errors (a malformed endpoint, an unreadable CA file) are
// *billing.InputError or *billing.FileError.
func (r Remote) ClientOptions() (*billing.ClientOptions, error) {
	u, err := url.Parse(r.Endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, &billing.InputError{Field: "emulator endpoint", Value: r.Endpoint, Reason: "not an https URL such as the emulator prints"}
	}
	pem, err := os.ReadFile(r.CAFile)
	if err != nil {
		return nil, &billing.FileError{Op: "read", Path: r.CAFile, Err: err}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, &billing.InputError{Field: "emulator CA file", Value: r.CAFile, Reason: "holds no PEM certificate"}
	}
	newClient := func() *http.Client {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		tr.MaxIdleConnsPerHost = 16
		return &http.Client{Transport: tr}
	}
	opts := &billing.ClientOptions{
		ClientOptions: arm.ClientOptions{ClientOptions: policy.ClientOptions{
			Cloud: cloud.Configuration{
				ActiveDirectoryAuthorityHost: r.Endpoint + "/",
				Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
					cloud.ResourceManager: {Audience: "https://management.azure.com", Endpoint: r.Endpoint},
				},
			},
			Transport: newClient(),
		}},
		Download: billing.DownloadOptions{HTTPClient: newClient(), AllowLoopback: true},
	}
	if !r.Now.IsZero() {
		anchor, start := r.Now, time.Now()
		opts.Now = func() time.Time { return anchor.Add(time.Since(start)).UTC() }
	}
	return opts, nil
}

// PrincipalCredential signs in as one of the emulator's principals (any emulator: in this
// process or another): a static bearer token that is the principal's name.
func PrincipalCredential(p Principal) azcore.TokenCredential {
	return staticCredential{token: string(p)}
}

// String describes the remote emulator.
func (r Remote) String() string { return fmt.Sprintf("emulator at %s", r.Endpoint) }
