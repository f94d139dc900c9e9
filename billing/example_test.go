package billing_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/roles"
)

func ExampleClient_Accounts() {
	srv, err := billingtest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	bc, err := billing.NewClient(srv.Credential(billingtest.EAEnterpriseAdmin), srv.ClientOptions())
	if err != nil {
		panic(err)
	}
	for acct, err := range bc.Accounts(context.Background()) {
		if err != nil {
			panic(err)
		}
		fmt.Println(acct.Name, acct.Agreement, acct.Enrollment.InvoiceRecipient)
	}
	// Output:
	// 6575495 EA invoices@contoso.example
}

func ExampleClient_CheckAccess() {
	srv, err := billingtest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	bc, err := billing.NewClient(srv.Credential(billingtest.MCAProfileReader), srv.ClientOptions())
	if err != nil {
		panic(err)
	}
	profile, err := billing.ProfileScope(billingtest.MCAAccount, billingtest.MCAProfileUS)
	if err != nil {
		panic(err)
	}
	err = bc.CheckAccess(context.Background(), profile, roles.DownloadInvoice, roles.UpdateInvoiceEmail)
	var perr *roles.PermissionError
	if errors.As(err, &perr) {
		fmt.Println("refused:", perr.Action.Description())
		for _, r := range perr.Required {
			if r.Level() == roles.LevelProfile {
				fmt.Println("would be allowed as:", r.DisplayName())
			}
		}
	}
	// Output:
	// refused: change the invoice e-mail preference
	// would be allowed as: Billing profile owner
	// would be allowed as: Billing profile contributor
	// would be allowed as: Invoice manager
}

func ExampleParseScope() {
	s, err := billing.ParseScope("providers/Microsoft.Billing/BillingAccounts/6575495/departments/101/")
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Kind(), s.BillingAccount(), s.Department(), s.AgreementHint())
	fmt.Println(s.ID())

	_, err = billing.ParseScope("/providers/Microsoft.Billing/billingAccounts/6575495/billingProfiles/../x")
	fmt.Println(errors.Is(err, billing.ErrInvalidInput))
	// Output:
	// department 6575495 101 EA
	// /providers/Microsoft.Billing/billingAccounts/6575495/departments/101
	// true
}

func ExampleLastMonthsAt() {
	now := time.Date(2026, time.November, 25, 12, 0, 0, 0, time.UTC)
	p := billing.LastMonthsAt(now, 3)
	fmt.Println(p)
	for _, m := range p.Months() {
		fmt.Println(m.Start.Month, m.Days())
	}
	// Output:
	// 2026-08-01..2026-10-31
	// August 31
	// September 30
	// October 31
}
