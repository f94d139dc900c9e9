package roles

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAgreementStringIsTheShortName(t *testing.T) {
	assert.Equal(t, "MOSP", AgreementMOSP.String())
	assert.Equal(t, "EA", AgreementEA.String())
	assert.Equal(t, "MCA", AgreementMCA.String())
	assert.Equal(t, "MPA", AgreementMPA.String())
	assert.Equal(t, "Other", AgreementOther.String())
	assert.Equal(t, "SomethingNew", Agreement("SomethingNew").String(), "unknown values print as sent")
	assert.Empty(t, Agreement("").String())
}

func TestAgreementKnown(t *testing.T) {
	for _, a := range []Agreement{AgreementMOSP, AgreementEA, AgreementMCA, AgreementMPA} {
		assert.True(t, a.Known(), a)
	}
	for _, a := range []Agreement{AgreementOther, "", "SomethingNew", "mca"} {
		assert.False(t, a.Known(), a)
	}
}

func TestParseAgreement(t *testing.T) {
	for in, want := range map[string]Agreement{
		"MCA":                            AgreementMCA,
		" mca ":                          AgreementMCA,
		"ea":                             AgreementEA,
		"Mosp":                           AgreementMOSP,
		"mpa":                            AgreementMPA,
		"MicrosoftCustomerAgreement":     AgreementMCA,
		"enterpriseagreement":            AgreementEA,
		"MicrosoftOnlineServicesProgram": AgreementMOSP,
		"MicrosoftPartnerAgreement":      AgreementMPA,
		"other":                          AgreementOther,
		" SomethingNew ":                 "SomethingNew",
		"":                               "",
	} {
		assert.Equal(t, want, ParseAgreement(in), in)
	}
}

func TestAgreementRoles(t *testing.T) {
	assert.Equal(t, []Role{
		MOSPAccountAdmin, MOSPSubscriptionOwner, MOSPSubscriptionContributor, MOSPSubscriptionReader, MOSPBillingReader,
	}, AgreementMOSP.Roles())
	assert.Equal(t, []Role{
		EAEnterpriseAdmin, EAEnterpriseAdminReadOnly, EAPurchaser, EADepartmentAdmin, EADepartmentReader,
		EAAccountOwner, EASubscriptionCreator,
	}, AgreementEA.Roles())
	assert.Len(t, AgreementMCA.Roles(), 11)
	// MPA reuses the MCA account and profile roles, not the invoice section ones.
	assert.Equal(t, []Role{
		MCABillingAccountOwner, MCABillingAccountContributor, MCABillingAccountReader,
		MCABillingProfileOwner, MCABillingProfileContributor, MCABillingProfileReader, MCAInvoiceManager,
	}, AgreementMPA.Roles())
	assert.Nil(t, AgreementOther.Roles())
	assert.Nil(t, Agreement("SomethingNew").Roles())
}
