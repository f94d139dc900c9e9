package email_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/email"
	"github.com/azbilling/azbilling/roles"
)

// exampleClient starts the emulator and returns an e-mail client signed in as p. On Azure, use
// billing.NewClient(cred, nil) with a credential from azidentity instead.
func exampleClient(p billingtest.Principal) (*email.Client, func()) {
	srv, err := billingtest.Start()
	if err != nil {
		log.Fatal(err)
	}
	bc, err := billing.NewClient(srv.Credential(p), srv.ClientOptions())
	if err != nil {
		log.Fatal(err)
	}
	return email.NewClient(bc), srv.Close
}

func ExampleClient_Get() {
	ec, stop := exampleClient(billingtest.PrincipalMCAProfileOwner)
	defer stop()
	scope, _ := billing.ProfileScope(billingtest.MCAAccount, billingtest.MCAProfileUS)

	pref, err := ec.Get(context.Background(), scope)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("opted in:", pref.OptedIn)
	fmt.Println("recipients:", pref.Recipients)
	for _, r := range pref.RoleRecipients {
		fmt.Println("and every", r.DisplayName())
	}
	// Output:
	// opted in: true
	// recipients: [billing@contoso.example finance@contoso.example]
	// and every Billing profile owner
	// and every Billing profile contributor
	// and every Billing profile reader
	// and every Invoice manager
}

func ExampleClient_AddRecipients() {
	ec, stop := exampleClient(billingtest.PrincipalMCAInvoiceManager)
	defer stop()
	scope, _ := billing.ProfileScope(billingtest.MCAAccount, billingtest.MCAProfileUS)
	ctx := context.Background()

	pref, err := ec.AddRecipients(ctx, scope, []string{"cfo@contoso.example"}, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pref.Recipients)
	pref, err = ec.RemoveRecipients(ctx, scope, []string{"billing@contoso.example"}, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pref.Recipients)
	// Output:
	// [billing@contoso.example finance@contoso.example cfo@contoso.example]
	// [finance@contoso.example cfo@contoso.example]
}

func ExampleClient_OptIn() {
	ec, stop := exampleClient(billingtest.PrincipalMCAAccountOwner)
	defer stop()
	scope, _ := billing.ProfileScope(billingtest.MCAAccount, billingtest.MCAProfileEU)

	pref, err := ec.OptIn(context.Background(), scope, []string{"ap@contoso.example"}, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pref.OptedIn, pref.Recipients)
	// Output: true [ap@contoso.example]
}

func ExampleClient_OptOut() {
	ec, stop := exampleClient(billingtest.PrincipalMCAProfileOwner)
	defer stop()
	scope, _ := billing.ProfileScope(billingtest.MCAAccount, billingtest.MCAProfileUS)

	pref, err := ec.OptOut(context.Background(), scope, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pref.OptedIn, len(pref.Recipients), len(pref.RoleRecipients))
	// Output: false 0 0
}

// A billing profile reader may read the preference but not change it: the change is refused
// before anything is sent.
func ExampleClient_OptOut_reader() {
	ec, stop := exampleClient(billingtest.PrincipalMCAProfileReader)
	defer stop()
	scope, _ := billing.ProfileScope(billingtest.MCAAccount, billingtest.MCAProfileUS)

	_, err := ec.OptOut(context.Background(), scope, nil)
	var perr *roles.PermissionError
	if errors.As(err, &perr) {
		for _, r := range perr.Required {
			fmt.Println("ask for:", r.DisplayName())
		}
	}
	// Output:
	// ask for: Billing account owner
	// ask for: Billing account contributor
	// ask for: Billing profile owner
	// ask for: Billing profile contributor
	// ask for: Invoice manager
}

// Individual (MOSP) subscriptions have no invoice e-mail API: the error says where the portal
// offers it. The account's notification address is available instead.
func ExampleClient_Get_mosp() {
	ec, stop := exampleClient(billingtest.PrincipalMOSPAccountAdmin)
	defer stop()
	scope, _ := billing.BillingSubscriptionScope("default", billingtest.SubscriptionPayAsYouGo)
	ctx := context.Background()

	_, err := ec.Get(ctx, scope)
	var uerr *billing.UnsupportedError
	if errors.As(err, &uerr) {
		fmt.Println(uerr.Reason)
	}
	addr, err := ec.NotificationEmail(ctx, billingtest.MOSPAccount)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("account notifications go to", addr)
	// Output:
	// no public Azure API reads or changes invoice e-mail for individual (MOSP) subscriptions
	// account notifications go to alex@contoso.example
}

// An EA enrollment's invoice recipient can be read but not changed.
func ExampleClient_Get_enterpriseAgreement() {
	ec, stop := exampleClient(billingtest.PrincipalEAEnterpriseAdmin)
	defer stop()
	scope, _ := billing.AccountScope(billingtest.EAAccount)

	pref, err := ec.Get(context.Background(), scope)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pref.Recipients, "read-only:", pref.ReadOnly)
	// Output: [invoices@contoso.example] read-only: true
}

func ExampleValidateAddresses() {
	_, err := email.ValidateAddresses([]string{"ap@contoso.com", "Alex <alex@contoso.com>", "AP@contoso.com"})
	fmt.Println(err)
	// Output: azbilling: 2 invalid e-mail addresses: "Alex <alex@contoso.com>" (must be a bare address without a display name, comment or angle brackets), "AP@contoso.com" (repeats "ap@contoso.com"); nothing was sent
}
