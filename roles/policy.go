package roles

// Policy is a billing-account setting that must be on for some roles to perform some actions.
// When it is off, the service refuses those roles (or, for EA costs, hides the charges) even
// though the role itself would allow the action. PolicyNone means no condition.
type Policy string

// Policies known to the SDK.
const (
	// PolicyNone is the zero Policy: no policy is involved.
	PolicyNone Policy = ""
	// PolicyEAAccountOwnerViewCharges is the EA enrollment policy "AO view charges"
	// (policies/default → properties.enterpriseAgreementPolicies.accountOwnerViewCharges).
	PolicyEAAccountOwnerViewCharges Policy = "accountOwnerViewCharges"
	// PolicyEADepartmentAdminViewCharges is the EA enrollment policy "DA view charges"
	// (policies/default → properties.enterpriseAgreementPolicies.departmentAdminViewCharges).
	PolicyEADepartmentAdminViewCharges Policy = "departmentAdminViewCharges"
	// PolicyMOSPInvoiceAccess is the MOSP subscription setting "Allow others to download
	// invoice" (the docs also call it "Access to invoice"). It exists only in the Azure portal:
	// no API reads or writes it, so its value here is the SDK's own name.
	PolicyMOSPInvoiceAccess Policy = "accessToInvoice"
)

// Description explains the policy in one sentence: what it is, whom it gates and who can turn it
// on. An unknown policy returns its raw value.
func (p Policy) Description() string {
	switch p {
	case PolicyNone:
		return "no policy"
	case PolicyEAAccountOwnerViewCharges:
		return `The enrollment's "AO view charges" policy (accountOwnerViewCharges): while it is off, ` +
			`account owners and the Azure RBAC users of their subscriptions cannot see costs; ` +
			`an enterprise administrator can turn it on.`
	case PolicyEADepartmentAdminViewCharges:
		return `The enrollment's "DA view charges" policy (departmentAdminViewCharges): while it is off, ` +
			`department administrators and department readers cannot see costs at any level; ` +
			`an enterprise administrator can turn it on.`
	case PolicyMOSPInvoiceAccess:
		return `The subscription's "Allow others to download invoice" setting (access to invoice): while it ` +
			`is off, only the account administrator sees the subscription's invoices; the account ` +
			`administrator can turn it on in the Azure portal (Cost Management + Billing, Invoices).`
	}
	return string(p)
}

// label is the short form used in error messages.
func (p Policy) label() string {
	switch p {
	case PolicyEAAccountOwnerViewCharges:
		return `the enrollment's "AO view charges" policy (accountOwnerViewCharges)`
	case PolicyEADepartmentAdminViewCharges:
		return `the enrollment's "DA view charges" policy (departmentAdminViewCharges)`
	case PolicyMOSPInvoiceAccess:
		return `the subscription's "Allow others to download invoice" setting`
	}
	return "the " + string(p) + " policy"
}

// remedy says who can turn the policy on, for error messages.
func (p Policy) remedy() string {
	switch p {
	case PolicyEAAccountOwnerViewCharges, PolicyEADepartmentAdminViewCharges:
		return "an enterprise administrator can turn it on"
	case PolicyMOSPInvoiceAccess:
		return "the account administrator can turn it on in the Azure portal"
	}
	return "an administrator of the billing account can turn it on"
}
