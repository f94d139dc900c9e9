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

// Periods from the client's clock: the emulator's world clock here (pinned so that the output is
// the same on any date), the real clock on Azure. Programs that build their periods this way
// agree with the client that checks them, whatever the date.
func ExampleClient_LastMonths() {
	srv, err := billingtest.Start(billingtest.WithNow(billingtest.ReferenceNow()))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	bc, err := billing.NewClient(srv.Credential(billingtest.MCAProfileReader), srv.ClientOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("today:        ", bc.Today())
	fmt.Println("month to date:", bc.MonthToDate())
	fmt.Println("last 3 months:", bc.LastMonths(3))
	fmt.Println("a future period:", billing.Month(2027, time.January).ValidateAt(bc.Today()))
	// Output:
	// today:         2026-11-25
	// month to date: 2026-11-01..2026-11-25
	// last 3 months: 2026-08-01..2026-10-31
	// a future period: azbilling: invalid period "2027-01-01..2027-01-31": the period starts after today (2026-11-25 by the client's clock)
}
