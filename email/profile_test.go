package email

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A profile as the service might send it, with fields this SDK does not know about.
const sampleProfile = `{
  "id": "/providers/Microsoft.Billing/billingAccounts/x/billingProfiles/p",
  "name": "p", "type": "Microsoft.Billing/billingAccounts/billingProfiles",
  "systemData": {"createdAt": "2023-01-04T22:39:34.2606750Z"},
  "futureTopLevel": {"nested": [1, 2.50, 1e400, "<b>&amp;</b>"]},
  "properties": {
    "displayName": "Billing Profile 1",
    "billTo": {"addressLine1": "Test Address 1", "country": "US"},
    "invoiceEmailOptIn": false,
    "poNumber": "ABC12345",
    "spendingLimitDetails": [{"amount": 200.0, "currency": "USD"}],
    "tags": {"costCenter": "CC-1"},
    "someNewServiceField": {"a": null, "b": 12345678901234567890123}
  }
}`

func TestWithEmailChangesOnlyTheEmailFields(t *testing.T) {
	doc, err := parseProfile([]byte(sampleProfile))
	require.NoError(t, err)

	out, err := doc.withEmail(true, []string{"a@contoso.com", "b@contoso.com"})

	require.NoError(t, err)
	assertPreserved(t, []byte(sampleProfile), out)
	back, err := parseProfile(out)
	require.NoError(t, err)
	optIn, recips, err := back.email()
	require.NoError(t, err)
	assert.True(t, optIn)
	assert.Equal(t, []string{"a@contoso.com", "b@contoso.com"}, recips)
	assert.Contains(t, string(out), `12345678901234567890123`, "big numbers are not rounded")
	assert.Contains(t, string(out), `1e400`)
	assert.Contains(t, string(out), `<b>&amp;</b>`, "strings are not re-escaped")
}

func TestWithEmailSendsAnEmptyListNotNull(t *testing.T) {
	doc, err := parseProfile([]byte(`{"properties":{"invoiceRecipients":["a@b.co"]}}`))
	require.NoError(t, err)

	out, err := doc.withEmail(false, nil)

	require.NoError(t, err)
	assert.JSONEq(t, `{"properties":{"invoiceEmailOptIn":false,"invoiceRecipients":[]}}`, string(out))
}

func TestWithEmailAddsPropertiesWhenAbsent(t *testing.T) {
	doc, err := parseProfile([]byte(`{"name":"p","properties":null}`))
	require.NoError(t, err)

	out, err := doc.withEmail(true, []string{"a@b.co"})

	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"p","properties":{"invoiceEmailOptIn":true,"invoiceRecipients":["a@b.co"]}}`, string(out))
}

func TestParseProfileRejectsNonObjects(t *testing.T) {
	for _, in := range []string{``, `null`, `[]`, `"x"`, `{"properties":[]}`, `{"properties":"x"}`, `{`} {
		_, err := parseProfile([]byte(in))
		assert.Error(t, err, in)
	}
}

func TestEmailRejectsWrongTypes(t *testing.T) {
	for _, in := range []string{
		`{"properties":{"invoiceEmailOptIn":"yes"}}`,
		`{"properties":{"invoiceRecipients":"a@b.co"}}`,
		`{"properties":{"invoiceRecipients":[1]}}`,
	} {
		doc, err := parseProfile([]byte(in))
		require.NoError(t, err)
		_, _, err = doc.email()
		assert.Error(t, err, in)
	}
}

func TestSameProfileIgnoresLayoutAndSystemData(t *testing.T) {
	a := `{"properties":{"x":1.0,"y":[1,2]},"systemData":{"lastModifiedAt":"1"}}`
	b := "{ \"systemData\": {\"lastModifiedAt\": \"2\"},\n \"properties\": {\"y\": [1, 2], \"x\": 1.0} }"
	assert.True(t, sameProfile([]byte(a), []byte(b)))
	assert.False(t, sameProfile([]byte(a), []byte(`{"properties":{"x":1,"y":[1,2]}}`)), "numbers compare as written")
	assert.False(t, sameProfile([]byte(a), []byte(`{"properties":{"x":1.0,"y":[2,1]}}`)))
	assert.False(t, sameProfile([]byte(`{`), []byte(`{`)))
}

// assertPreserved checks that every member of out except the two e-mail properties is the same
// JSON text (ignoring whitespace) as in in.
func assertPreserved(t testing.TB, in, out []byte) {
	t.Helper()
	var inTop, outTop map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(in, &inTop))
	require.NoError(t, json.Unmarshal(out, &outTop))
	for k, v := range inTop {
		if k == "properties" {
			continue
		}
		require.Contains(t, outTop, k)
		require.Equal(t, compact(t, v), compact(t, outTop[k]), "member %s", k)
	}
	var inProps, outProps map[string]json.RawMessage
	if raw, ok := inTop["properties"]; ok && !isNull(raw) {
		require.NoError(t, json.Unmarshal(raw, &inProps))
	}
	require.NoError(t, json.Unmarshal(outTop["properties"], &outProps))
	for k, v := range inProps {
		if k == propOptIn || k == propRecipients {
			continue
		}
		require.Contains(t, outProps, k)
		require.Equal(t, compact(t, v), compact(t, outProps[k]), "property %s", k)
	}
	require.Len(t, outTop, len(inTop)+boolInt(inTop["properties"] == nil))
	extra := 0
	for _, k := range []string{propOptIn, propRecipients} {
		if _, ok := inProps[k]; !ok {
			extra++
		}
	}
	require.Len(t, outProps, len(inProps)+extra)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func compact(t testing.TB, raw json.RawMessage) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, json.Compact(&buf, raw))
	return buf.String()
}

func FuzzProfileRewrite(f *testing.F) {
	f.Add([]byte(sampleProfile), true, "a@contoso.com")
	f.Add([]byte(`{"properties":{}}`), false, "")
	f.Add([]byte(`{"properties":null,"etag":"\"1\""}`), true, "x@y.z,w@v.u")
	f.Add([]byte(`{"a":{"b":[{"c":"\u00e9\ud83d\ude00"}]},"properties":{"invoiceRecipients":null}}`), false, "q@r.st")
	f.Add([]byte(`{"properties":{"invoiceEmailOptIn":true,"invoiceEmailOptIn":false}}`), true, "")
	f.Fuzz(func(t *testing.T, in []byte, optIn bool, recips string) {
		doc, err := parseProfile(in)
		if err != nil {
			return
		}
		_, _, _ = doc.email()
		_, _ = doc.readAccess()
		_ = doc.etag()
		var list []string
		if recips != "" {
			list = strings.Split(recips, ",")
		}
		out, err := doc.withEmail(optIn, list)
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON written for %q: %q", in, out)
		}
		assertPreserved(t, in, out)
		back, err := parseProfile(out)
		require.NoError(t, err)
		gotOpt, gotRecips, err := back.email()
		require.NoError(t, err)
		require.Equal(t, optIn, gotOpt)
		if len(list) == 0 {
			require.Empty(t, gotRecips)
		} else {
			var want []string
			require.NoError(t, json.Unmarshal(mustMarshal(t, list), &want)) // invalid UTF-8 is replaced on encoding
			require.Equal(t, want, gotRecips)
		}
		require.True(t, sameProfile(out, out))
	})
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}
