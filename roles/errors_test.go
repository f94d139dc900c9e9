package roles

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const profileScope = "/providers/Microsoft.Billing/billingAccounts/10000000-0000-0000-0000-000000000000:00000000-0000-0000-0000-000000000000_2019-05-31/billingProfiles/AB12-CD34"

func TestPermissionErrorMatchesThroughWrapping(t *testing.T) {
	cause := errors.New("403 Forbidden")
	perr := NewPermissionError(DownloadInvoice, profileScope, AgreementMCA, 403, cause)
	err := fmt.Errorf("invoice G123456789: %w", fmt.Errorf("download: %w", perr))

	assert.ErrorIs(t, err, ErrPermissionDenied)
	assert.ErrorIs(t, err, cause, "the cause stays reachable")
	var got *PermissionError
	require.ErrorAs(t, err, &got)
	assert.Same(t, perr, got)
	assert.Equal(t, cause, got.Unwrap())
}

func TestPermissionErrorIsNotOtherErrors(t *testing.T) {
	perr := &PermissionError{}
	assert.False(t, perr.Is(io.EOF))
	assert.False(t, errors.Is(perr, io.EOF))
	assert.False(t, errors.Is(errors.New("permission denied"), ErrPermissionDenied), "matching is by identity, not text")
	assert.Nil(t, perr.Unwrap())
}

func TestNewPermissionErrorFillsRequiredFromTheTable(t *testing.T) {
	perr := NewPermissionError(ViewUsage, "/providers/Microsoft.Billing/billingAccounts/6575495/departments/7368531", AgreementEA, 403, nil)
	assert.Equal(t, Allowing(AgreementEA, ViewUsage), perr.Required)
	assert.Equal(t, ViewUsage, perr.Action)
	assert.Equal(t, AgreementEA, perr.Agreement)
	assert.Equal(t, 403, perr.StatusCode)
	assert.Equal(t, PolicyNone, perr.Policy)
}

func TestPermissionErrorTextSaysWhatWhereWhoAndRequestID(t *testing.T) {
	perr := NewPermissionError(DownloadInvoice, profileScope, AgreementMCA, 403, nil)
	perr.Code = "AuthorizationFailed"
	perr.Message = "The client does not have authorization to perform this action."
	perr.RequestID = "7e1c2f6a-0000-4000-8000-000000000001"

	msg := perr.Error()
	assert.Equal(t, "not allowed to download invoices on "+profileScope+
		" (MCA; HTTP 403 AuthorizationFailed: The client does not have authorization to perform this action): "+
		"needs one of Billing account owner, Billing account contributor, Billing account reader, "+
		"Billing profile owner, Billing profile contributor, Billing profile reader, Invoice manager "+
		"(request id 7e1c2f6a-0000-4000-8000-000000000001)", msg)
	assert.NotContains(t, msg, "\n")
}

func TestPermissionErrorTextNamesThePolicies(t *testing.T) {
	perr := NewPermissionError(ViewUsage, "/providers/Microsoft.Billing/billingAccounts/6575495/departments/7368531", AgreementEA, 403, nil)
	perr.Policy = PolicyEADepartmentAdminViewCharges

	msg := perr.Error()
	assert.Contains(t, msg, "not allowed to view usage and charges on /providers/Microsoft.Billing/billingAccounts/6575495/departments/7368531 (EA; HTTP 403)")
	assert.Contains(t, msg, `needs one of Enrollment administrator, Enrollment reader, EA purchaser, `+
		`Department administrator or Department reader (only while "DA view charges" is on), `+
		`Account Owner (only while "AO view charges" is on)`)
	assert.Contains(t, msg, `; the enrollment's "DA view charges" policy (departmentAdminViewCharges) may be off: an enterprise administrator can turn it on`)
	assert.NotContains(t, msg, "request id")
}

func TestPermissionErrorTextWithoutRoles(t *testing.T) {
	perr := NewPermissionError(UpdateInvoiceEmail, "/providers/Microsoft.Billing/billingAccounts/6575495", AgreementEA, 403, nil)
	assert.Contains(t, perr.Error(), ": no billing role allows it on EA billing accounts")

	assert.Equal(t, "not allowed to perform this operation: ask an administrator of the billing account for a role that allows it",
		(&PermissionError{}).Error())
	assert.Equal(t, "<nil>", (*PermissionError)(nil).Error())

	unknown := &PermissionError{Action: ViewInvoices, Agreement: "SomethingNew", StatusCode: 401}
	assert.Equal(t, "not allowed to view invoices (SomethingNew; HTTP 401): ask an administrator of the billing account for a role that allows it",
		unknown.Error())
}

func TestPermissionErrorTextNeverCarriesCredentials(t *testing.T) {
	const jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQifQ.c2lnbmF0dXJl"
	perr := &PermissionError{
		Action:     DownloadInvoice,
		Scope:      "https://account.blob.core.windows.net/invoices/G123.pdf?sv=2020-08-04&sig=SASSECRET%2Fabc%3D&se=2026-11-25",
		StatusCode: 403,
		Code:       "AuthenticationFailed",
		Message: "Server failed to authenticate.\r\nAuthorization: Bearer " + jwt + "\n" +
			"token " + jwt + " and client_secret=CLIENTSECRET; AccountKey=STORAGEKEY==; code=AUTHCODE",
		RequestID: "req-1",
	}
	msg := perr.Error()
	for _, secret := range []string{"SASSECRET", "eyJ0eXAi", "CLIENTSECRET", "STORAGEKEY", "AUTHCODE", "\r", "\n"} {
		assert.NotContains(t, msg, secret)
	}
	assert.Contains(t, msg, "sig=REDACTED&se=2026-11-25", "non-secret parameters stay readable")
	assert.Contains(t, msg, "Bearer REDACTED")
	assert.Contains(t, msg, "(request id req-1)")
}

func TestPermissionErrorTextIsShortAndValid(t *testing.T) {
	perr := &PermissionError{
		Action:  ViewInvoices,
		Message: strings.Repeat("very long message ", 100) + "\xff\xfe\x00\x1b[31m",
	}
	msg := perr.Error()
	assert.True(t, utf8.ValidString(msg))
	assert.Less(t, utf8.RuneCountInString(msg), 500)
	assert.Contains(t, msg, "…")
	assert.NotContains(t, msg, "\x1b")
	assert.NotContains(t, msg, "\x00")
}

func TestCleanKeepsOrdinaryText(t *testing.T) {
	for _, s := range []string{
		"The client 'a' with object id 'b' does not have authorization to perform action 'Microsoft.Billing/billingAccounts/read' over scope '/providers/Microsoft.Billing/billingAccounts/6575495'",
		"filter=properties/invoiceDate ge 2026-01-01",
		"keyword=value",
	} {
		assert.Equal(t, s, clean(s, 1000))
	}
	assert.Equal(t, "a b", clean("  a\t\n b  ", 10))
	assert.Equal(t, "abc…", clean("abcdef", 3))
	assert.Equal(t, "", clean("", 3))
}

func TestPermissionErrorTextForOtherPolicies(t *testing.T) {
	perr := NewPermissionError(DownloadInvoice, "/subscriptions/00000000-0000-0000-0000-000000000001", AgreementMOSP, 401, nil)
	perr.Policy = PolicyMOSPInvoiceAccess
	msg := perr.Error()
	assert.Contains(t, msg, `needs one of Account administrator, Owner or Contributor or Reader or Billing Reader (only while "Allow others to download invoice" is on)`)
	assert.Contains(t, msg, `; the subscription's "Allow others to download invoice" setting may be off: the account administrator can turn it on in the Azure portal`)

	perr.Policy = "marketplacePurchases"
	assert.Contains(t, perr.Error(), "; the marketplacePurchases policy may be off: an administrator of the billing account can turn it on")
}
