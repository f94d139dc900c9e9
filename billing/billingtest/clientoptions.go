package billingtest

import (
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/azbilling/azbilling/billing"
)

// Cloud is the azcore cloud configuration that points Resource Manager at the emulator. Use it
// to configure Azure's own generated clients (armbilling, armcostmanagement, ...) together with a
// transport from HTTPClient.
func (s *Server) Cloud() cloud.Configuration {
	return cloud.Configuration{
		ActiveDirectoryAuthorityHost: s.armURL + "/",
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Audience: "https://management.azure.com", Endpoint: s.armURL},
		},
	}
}

// ARMClientOptions returns azcore ARM client options that reach the emulator: its cloud and a
// transport trusting its CA. Retry settings are azcore's defaults; the emulator's own Retry-After
// values are 0 unless a fault or WithLRODelay says otherwise, so retries do not slow tests down.
func (s *Server) ARMClientOptions() *arm.ClientOptions {
	return &arm.ClientOptions{
		ClientOptions: policy.ClientOptions{
			Cloud:     s.Cloud(),
			Transport: s.HTTPClient(),
		},
	}
}

// ClientOptions returns options for billing.NewClient that reach the emulator: ARM options as in
// ARMClientOptions, blob downloads through a client trusting the CA with loopback URLs allowed,
// and the emulator's world clock.
func (s *Server) ClientOptions() *billing.ClientOptions {
	return &billing.ClientOptions{
		ClientOptions: *s.ARMClientOptions(),
		Download: billing.DownloadOptions{
			HTTPClient:    s.HTTPClient(),
			AllowLoopback: true,
		},
		Now: s.Now,
	}
}
