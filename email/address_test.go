package email

import (
	"errors"
	"net/mail"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
)

func TestValidateAddressesAcceptsBareAddresses(t *testing.T) {
	got, err := ValidateAddresses([]string{" ap@contoso.com", "first.last+tag@sub.contoso.co.uk", "o'brien@contoso.ie", "jörg@bücher.example"})

	require.NoError(t, err)
	assert.Equal(t, []string{"ap@contoso.com", "first.last+tag@sub.contoso.co.uk", "o'brien@contoso.ie", "jörg@bücher.example"}, got)
}

func TestValidateAddressesAcceptsNone(t *testing.T) {
	got, err := ValidateAddresses(nil)
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestValidateAddressesRejects(t *testing.T) {
	long := strings.Repeat("a", 250) + "@c.io"
	cases := map[string]string{
		"":                                       "empty",
		"   ":                                    "empty",
		"no-at-sign":                             "not an e-mail address",
		"Alex <alex@contoso.com>":                "display name",
		"<alex@contoso.com>":                     "display name",
		"alex@contoso.com (Alex)":                "comment",
		`"alex"@contoso.com`:                     "quoted",
		"alex@localhost":                         "host name",
		"alex@[10.0.0.1]":                        "IP address",
		"alex@contoso.":                          "not an e-mail address",
		"alex@contoso":                           "host name",
		"a@b@contoso.com":                        "not an e-mail address",
		"alex@contoso.com,b@contoso.c":           "not an e-mail address",
		"al ex@contoso.com":                      "not an e-mail address",
		"alex\x00@contoso.com":                   "control",
		"alex\u00a0x@contoso.com":                "spaces",
		"\xff@contoso.com":                       "UTF-8",
		long:                                     "longer than 254",
		strings.Repeat("l", 65) + "@contoso.com": "before the '@'",
	}
	for in, reason := range cases {
		_, err := ValidateAddresses([]string{in})
		var aerr *AddressError
		require.ErrorAs(t, err, &aerr, "%q", in)
		require.Len(t, aerr.Invalid, 1, "%q", in)
		assert.Contains(t, aerr.Invalid[0].Reason, reason, "%q", in)
		assert.ErrorIs(t, err, billing.ErrInvalidInput)
	}
}

func TestValidateAddressesRejectsDuplicatesCaseInsensitively(t *testing.T) {
	_, err := ValidateAddresses([]string{"ap@contoso.com", "AP@Contoso.com", "x@contoso.com", "ap@contoso.com "})

	var aerr *AddressError
	require.ErrorAs(t, err, &aerr)
	require.Len(t, aerr.Invalid, 2)
	assert.Equal(t, "AP@Contoso.com", aerr.Invalid[0].Address)
	assert.Contains(t, aerr.Invalid[0].Reason, `repeats "ap@contoso.com"`)
	assert.Equal(t, `azbilling: 2 invalid e-mail addresses: "AP@Contoso.com" (repeats "ap@contoso.com"), "ap@contoso.com" (repeats "ap@contoso.com"); nothing was sent`, err.Error())
}

func TestValidateAddressesBoundsTheCount(t *testing.T) {
	many := make([]string, MaxRecipients+1)
	for i := range many {
		many[i] = strings.Repeat("a", i+1) + "@contoso.com"
	}

	_, err := ValidateAddresses(many)

	var aerr *AddressError
	require.ErrorAs(t, err, &aerr)
	assert.Equal(t, "azbilling: 51 e-mail addresses given, at most 50 are accepted; nothing was sent", err.Error())
	_, err = ValidateAddresses(many[:MaxRecipients])
	assert.NoError(t, err)
}

func FuzzValidateAddresses(f *testing.F) {
	for _, s := range []string{"ap@contoso.com", "Alex <a@b.co>", "", "a@b", `"q"@x.y`, "a@[1.2.3.4]", "\xff@x.y", "A@B.CO\nb@c.de", "é@ü.de"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		in := strings.Split(s, "\n")
		got, err := ValidateAddresses(in)
		if err != nil {
			var aerr *AddressError
			if !errors.As(err, &aerr) || !errors.Is(err, billing.ErrInvalidInput) {
				t.Fatalf("error of the wrong type: %T %v", err, err)
			}
			if !utf8.ValidString(err.Error()) && utf8.ValidString(s) {
				t.Fatalf("error text not UTF-8: %q", err.Error())
			}
			return
		}
		if len(got) != len(in) {
			t.Fatalf("accepted %d of %d addresses without an error", len(got), len(in))
		}
		seen := map[string]bool{}
		for _, a := range got {
			p, perr := mail.ParseAddress(a)
			if perr != nil || p.Name != "" || p.Address != a || len(a) > MaxAddressLength || a != strings.TrimSpace(a) {
				t.Fatalf("accepted %q", a)
			}
			k := strings.ToLower(a)
			if seen[k] {
				t.Fatalf("accepted a duplicate %q", a)
			}
			seen[k] = true
		}
	})
}
