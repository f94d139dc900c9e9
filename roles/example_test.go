package roles_test

import (
	"errors"
	"fmt"

	"github.com/azbilling/azbilling/roles"
)

func ExampleRoleByDefinitionID() {
	// The roleDefinitionId of an MCA billing role assignment.
	id := "/providers/Microsoft.Billing/billingAccounts/10000000-0000-0000-0000-000000000000:00000000-0000-0000-0000-000000000000_2019-05-31" +
		"/billingProfiles/AB12-CD34/billingRoleDefinitions/40000000-aaaa-bbbb-cccc-100000000004"
	r, ok := roles.RoleByDefinitionID(id)
	fmt.Println(ok, r)
	fmt.Println(r.DisplayName(), "|", r.Agreement(), "|", r.Level())
	fmt.Println("can download invoices:", roles.Allows(r, roles.DownloadInvoice))
	fmt.Println("can change the invoice e-mail:", roles.Allows(r, roles.UpdateInvoiceEmail))
	// Output:
	// true mca-invoice-manager
	// Invoice manager | MCA | billing profile
	// can download invoices: true
	// can change the invoice e-mail: true
}

func ExampleRoleByName() {
	for _, name := range []string{"Department Admin", "enterprise administrator (read only)", "Global admin"} {
		r, ok := roles.RoleByName(name)
		fmt.Printf("%q: %v %s\n", name, ok, r.DisplayName())
	}
	// Output:
	// "Department Admin": true Department administrator
	// "enterprise administrator (read only)": true Enrollment reader
	// "Global admin": false
}

func ExampleAllowing() {
	for _, r := range roles.Allowing(roles.AgreementMCA, roles.UpdateInvoiceEmail) {
		fmt.Println(r.DisplayName())
	}
	// Output:
	// Billing account owner
	// Billing account contributor
	// Billing profile owner
	// Billing profile contributor
	// Invoice manager
}

func ExampleAllowsWith() {
	r := roles.EADepartmentAdmin
	fmt.Println(roles.Allows(r, roles.ViewUsage))
	fmt.Println(roles.RequiredPolicy(r, roles.ViewUsage))
	fmt.Println(roles.AllowsWith(r, roles.ViewUsage))
	fmt.Println(roles.AllowsWith(r, roles.ViewUsage, roles.PolicyEADepartmentAdminViewCharges))
	// Output:
	// true
	// departmentAdminViewCharges
	// false
	// true
}

func ExampleRules() {
	// Who may download the invoices of a MOSP subscription, and on which condition.
	for _, rl := range roles.Rules() {
		if rl.Agreement == roles.AgreementMOSP && rl.Action == roles.DownloadInvoice {
			fmt.Printf("%s %q\n", rl.Role.DisplayName(), rl.Policy)
		}
	}
	// Output:
	// Account administrator ""
	// Owner "accessToInvoice"
	// Contributor "accessToInvoice"
	// Reader "accessToInvoice"
	// Billing Reader "accessToInvoice"
}

func ExamplePermissionError() {
	// What a client package returns when the service answers 403.
	perr := roles.NewPermissionError(roles.ViewUsage,
		"/providers/Microsoft.Billing/billingAccounts/6575495/enrollmentAccounts/4568789",
		roles.AgreementEA, 403, errors.New("403 Forbidden"))
	perr.Policy = roles.PolicyEAAccountOwnerViewCharges
	perr.RequestID = "0f4b5c1e-5a77-4a8e-9b59-0d7c4cfa1e22"
	err := fmt.Errorf("usage for November: %w", perr)

	var pe *roles.PermissionError
	if errors.As(err, &pe) {
		fmt.Println(errors.Is(err, roles.ErrPermissionDenied))
		fmt.Println(pe.Error())
	}
	// Output:
	// true
	// not allowed to view usage and charges on /providers/Microsoft.Billing/billingAccounts/6575495/enrollmentAccounts/4568789 (EA; HTTP 403): needs one of Enrollment administrator, Enrollment reader, EA purchaser, Department administrator or Department reader (only while "DA view charges" is on), Account Owner (only while "AO view charges" is on); the enrollment's "AO view charges" policy (accountOwnerViewCharges) may be off: an enterprise administrator can turn it on (request id 0f4b5c1e-5a77-4a8e-9b59-0d7c4cfa1e22)
}

func ExampleAgreement_String() {
	for _, a := range []roles.Agreement{roles.AgreementMCA, roles.ParseAgreement("ea"), "SomethingNew"} {
		fmt.Println(a, a.Known())
	}
	// Output:
	// MCA true
	// EA true
	// SomethingNew false
}
