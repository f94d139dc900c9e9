package roles

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func FuzzRoleByDefinitionID(f *testing.F) {
	for _, r := range Roles() {
		f.Add(r.DefinitionID())
		if r.DefinitionID() != "" {
			f.Add(definitionPath(r))
		}
	}
	f.Add("")
	f.Add("/")
	f.Add("//billingRoleDefinitions/")
	f.Add("/providers/Microsoft.Billing/billingAccounts/")
	f.Add("/providers/Microsoft.Billing/billingAccounts/pcn./billingRoleDefinitions/9f1983cb-2574-400c-87e9-34cf8e2280db")
	f.Add("billingAccounts/billingAccounts/departments/roleDefinitions/50000000-aaaa-bbbb-cccc-100000000000")
	f.Fuzz(func(t *testing.T, id string) {
		r, ok := RoleByDefinitionID(id)
		if !ok {
			assert.Empty(t, r)
			return
		}
		require.True(t, r.Known())
		assert.True(t, strings.HasSuffix(strings.ToLower(strings.TrimRight(strings.TrimSpace(id), "/")), strings.ToLower(r.DefinitionID())),
			"%q resolved to %s", id, r)
	})
}

func FuzzRoleByName(f *testing.F) {
	for _, info := range roleInfos() {
		f.Add(info.name)
		f.Add(string(info.role))
		for _, a := range info.aliases {
			f.Add(a)
		}
	}
	f.Add("")
	f.Add("\xff\xfe")
	f.Add("ǅepartment Admin")
	f.Fuzz(func(t *testing.T, name string) {
		r, ok := RoleByName(name)
		if !ok {
			assert.Empty(t, r)
			return
		}
		require.True(t, r.Known())
		// A name and the display name of the role it finds fold to the same key, or to an alias's.
		again, ok := RoleByName(r.DisplayName())
		require.True(t, ok)
		assert.Equal(t, r, again)
	})
}

func FuzzParseAgreement(f *testing.F) {
	for _, s := range []string{"mca", "EnterpriseAgreement", " Other ", "", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := ParseAgreement(s)
		if a.Known() {
			assert.Equal(t, a, ParseAgreement(a.String()), "short names round-trip")
		} else if a != AgreementOther {
			assert.Equal(t, strings.TrimSpace(s), string(a), "unknown values are kept")
		}
	})
}

// The Error text must stay one line of valid UTF-8 and never show a secret, whatever the service
// sent around it.
func FuzzPermissionErrorText(f *testing.F) {
	f.Add("", "", "", "", 403)
	f.Add("https://a.blob.core.windows.net/c/b.pdf?sv=1&", "The client 'x' has no access.", "AuthorizationFailed", "abc", 403)
	f.Add("/providers/Microsoft.Billing/billingAccounts/1", "Bearer", "x\ny", "\x00", 401)
	f.Add("?", "eyJ", "", "", 0)
	const secret = "S3CR3TVALUE"
	f.Fuzz(func(t *testing.T, scope, message, code, requestID string, status int) {
		if strings.Contains(scope+message+code+requestID, secret) {
			return
		}
		perr := &PermissionError{
			Action:     DownloadInvoice,
			Scope:      scope + "&sig=" + secret,
			Agreement:  AgreementMCA,
			Required:   Allowing(AgreementMCA, DownloadInvoice),
			StatusCode: status,
			Code:       code,
			Message:    message + " Bearer " + secret + " " + message + "?code=" + secret,
			RequestID:  requestID,
		}
		msg := perr.Error()
		assert.True(t, utf8.ValidString(msg))
		assert.NotContains(t, msg, "\n")
		assert.NotContains(t, msg, secret)
	})
}

func FuzzRoleOfDefinition(f *testing.F) {
	const dept = "/providers/Microsoft.Billing/billingAccounts/7654321/departments/77/billingRoleDefinitions/"
	f.Add(dept+"50000000-aaaa-bbbb-cccc-100000000000", "Department Admin")
	f.Add("/providers/Microsoft.Billing/billingAccounts/1/billingRoleDefinitions/da6647fb-7651-49ee-be91-c43c4877f0c4", "EaRoleId_da6647fb-7651-49ee-be91-c43c4877f0c4")
	f.Add("/providers/Microsoft.Billing/billingAccounts/a:b_2019-05-31/customers/c/billingRoleDefinitions/30000000-aaaa-bbbb-cccc-100000000000", "Customer owner")
	f.Add("/billingRoleDefinitions/", "EaRoleId_")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, id, name string) {
		r, ok := RoleOfDefinition(id, name)
		if !ok {
			assert.Empty(t, r)
			return
		}
		require.True(t, r.Known())
		if byID, ok := RoleByDefinitionID(id); ok {
			assert.Equal(t, byID, r, "the id decides when it names a role")
		}
	})
}
