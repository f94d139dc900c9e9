package billingtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/azbilling/azbilling/billing/billingtest"
)

// The emulator answers plain HTTPS requests too: the bearer token names the principal.
func Example() {
	srv, err := billingtest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet,
		srv.ARMEndpoint()+"/providers/Microsoft.Billing/billingAccounts?api-version=2024-04-01", nil)
	req.Header.Set("Authorization", "Bearer "+string(billingtest.PrincipalMCAProfileOwner))
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var page struct {
		Value []struct {
			Name       string
			Properties struct{ AgreementType string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range page.Value {
		fmt.Println(a.Properties.AgreementType, a.Name)
	}
	// Output:
	// MicrosoftCustomerAgreement 10000000-0000-0000-0000-000000000000:00000000-0000-0000-0000-000000000000_2019-05-31
}

// Faults are deterministic: this one throttles the first request to any usage path.
func ExampleThrottle() {
	f := billingtest.Throttle(5, billingtest.HeaderCostManagementQPURetryAfter).Path("/generateCostDetailsReport")
	fmt.Println(f)
	// Output:
	// 429 with x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after: 5 on arm path~/generateCostDetailsReport (first 1)
}
