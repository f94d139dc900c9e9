package roles

import "strings"

// Agreement is the agreement type of a billing account, as the service sends it in
// billingAccount.properties.agreementType. Values the SDK does not know are kept as they are:
// the service may add agreement types at any time and decoding must not fail on them.
type Agreement string

// Agreement types known to the SDK (wire values of api-version 2024-04-01).
const (
	// AgreementMOSP is the legacy pay-as-you-go Microsoft Online Services Program.
	AgreementMOSP Agreement = "MicrosoftOnlineServicesProgram"
	// AgreementEA is an Enterprise Agreement enrollment.
	AgreementEA Agreement = "EnterpriseAgreement"
	// AgreementMCA is a Microsoft Customer Agreement (including MCA individual pay-as-you-go).
	AgreementMCA Agreement = "MicrosoftCustomerAgreement"
	// AgreementMPA is a Microsoft Partner Agreement (CSP partners).
	AgreementMPA Agreement = "MicrosoftPartnerAgreement"
	// AgreementOther is the service's catch-all value.
	AgreementOther Agreement = "Other"
)

// String returns the short name of a known agreement ("MOSP", "EA", "MCA", "MPA") and the raw
// value otherwise, so an unknown agreement still prints as the service sent it.
func (a Agreement) String() string {
	switch a {
	case AgreementMOSP:
		return "MOSP"
	case AgreementEA:
		return "EA"
	case AgreementMCA:
		return "MCA"
	case AgreementMPA:
		return "MPA"
	}
	return string(a)
}

// Known reports whether a is one of MOSP, EA, MCA or MPA: the agreements this package has roles
// and rules for. AgreementOther and unknown values are not known.
func (a Agreement) Known() bool {
	switch a {
	case AgreementMOSP, AgreementEA, AgreementMCA, AgreementMPA:
		return true
	}
	return false
}

// ParseAgreement turns a short name ("mca") or a wire value ("MicrosoftCustomerAgreement") into
// an Agreement, ignoring case and surrounding spaces. Any other text is returned unchanged
// (trimmed), as an unknown Agreement: it never fails, in line with how enums are decoded.
func ParseAgreement(s string) Agreement {
	s = strings.TrimSpace(s)
	for _, a := range []Agreement{AgreementMOSP, AgreementEA, AgreementMCA, AgreementMPA, AgreementOther} {
		if strings.EqualFold(s, string(a)) || strings.EqualFold(s, a.String()) {
			return a
		}
	}
	return Agreement(s)
}

// Roles returns the roles that exist on billing accounts of agreement a, broadest scope first.
// AgreementMPA returns the MCA billing account and billing profile roles: the billing role
// definition and assignment operations serve MCA and MPA alike, and MPA has customers instead of
// invoice sections. That MPA uses the MCA role ids is unverified, and partner users usually get
// their access from Partner Center roles (Global admin, Admin agent) rather than billing roles.
// Unknown agreements have no roles.
func (a Agreement) Roles() []Role {
	var out []Role
	for _, info := range roleInfos() {
		if info.agreement == a || (a == AgreementMPA && info.sharedWithMPA()) {
			out = append(out, info.role)
		}
	}
	return out
}
