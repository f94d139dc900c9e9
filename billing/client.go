package billing

import (
	"net/http"
	"net/url"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"

	armint "github.com/azbilling/azbilling/internal/arm"
	"github.com/azbilling/azbilling/internal/blob"
	"github.com/azbilling/azbilling/internal/core"
)

// APIVersion is the Microsoft.Billing api-version this SDK speaks.
const APIVersion = "2024-04-01"

// ClientOptions configure a Client. The zero value (or nil) means the Azure public cloud with
// azcore's default retry, transport and logging.
type ClientOptions struct {
	// ClientOptions are azcore's ARM options: cloud, retry, transport, logging, telemetry.
	arm.ClientOptions

	// Download configures how documents and usage files are fetched from their SAS URLs.
	Download DownloadOptions

	// Now is the clock used for period validation and link expiry. Nil means time.Now.
	Now func() time.Time
}

// DownloadOptions configure the unauthenticated downloads of invoice documents and usage files
// from the blob URLs that the service hands out. These requests never carry the bearer token.
type DownloadOptions struct {
	// HTTPClient sends the blob requests. Nil means a client with sane timeouts.
	HTTPClient *http.Client
	// AllowLoopback permits download URLs on loopback hosts (127.0.0.1, ::1, localhost), as the
	// emulator hands out. Download URLs must always be https.
	AllowLoopback bool
	// MaxRetries bounds retries of one blob request on 429, 5xx and network errors. 0 means 5;
	// a negative value means no retries.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the backoff between retries. 0 means 500ms and 30s.
	RetryWaitMin, RetryWaitMax time.Duration
}

// Client is the entry point of the SDK: it holds the authenticated ARM pipeline and the
// unauthenticated blob downloader that the invoice, usage and email packages build on. It is safe
// for concurrent use.
type Client core.Client

// NewClient returns a Client that authenticates with cred. Pass nil options for the public cloud
// and defaults.
func NewClient(cred azcore.TokenCredential, opts *ClientOptions) (*Client, error) {
	var o ClientOptions
	if opts != nil {
		o = *opts
	}
	if cred == nil {
		return nil, &InputError{Field: "credential", Reason: "a credential is required (for example azidentity.NewDefaultAzureCredential)"}
	}
	if c, ok := o.Cloud.Services[cloud.ResourceManager]; ok && c.Endpoint != "" {
		if u, err := url.Parse(c.Endpoint); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return nil, inputError("Resource Manager endpoint", c.Endpoint, "not an absolute https URL")
		}
	}
	ac, err := armint.New(cred, armint.Options{ARM: o.ClientOptions, Now: o.Now, MapError: mapFailure})
	if err != nil {
		return nil, err
	}
	bc, err := blob.New(blob.Options{
		HTTPClient:    o.Download.HTTPClient,
		AllowLoopback: o.Download.AllowLoopback,
		MaxRetries:    o.Download.MaxRetries,
		RetryWaitMin:  o.Download.RetryWaitMin,
		RetryWaitMax:  o.Download.RetryWaitMax,
		Now:           o.Now,
		ARMHost:       ac.Host(),
	})
	if err != nil {
		return nil, err
	}
	return &Client{ARM: ac, Blob: bc}, nil
}

// Now returns the client's clock reading.
func (c *Client) Now() time.Time { return c.ARM.Now() }

// Endpoint returns the Resource Manager endpoint the client talks to.
func (c *Client) Endpoint() string { return c.ARM.Endpoint() }
