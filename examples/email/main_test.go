package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/examples/internal/target"
	"github.com/azbilling/azbilling/roles"
)

func TestRunOnTheEmulatorAddsAndRemovesARecipient(t *testing.T) {
	var out bytes.Buffer

	err := run(context.Background(), &out, config{target: target.Flags{As: string(billingtest.MCAProfileOwner)}})

	require.NoError(t, err, out.String())
	assert.Contains(t, out.String(), "added cfo@contoso.example")
	assert.Contains(t, out.String(), "recipients:     billing@contoso.example, finance@contoso.example, cfo@contoso.example")
	assert.Contains(t, out.String(), "removed cfo@contoso.example")
}

func TestRunAsReaderIsRefused(t *testing.T) {
	var out bytes.Buffer

	err := run(context.Background(), &out, config{target: target.Flags{As: string(billingtest.MCAProfileReader)}})

	var perr *roles.PermissionError
	require.ErrorAs(t, err, &perr)
	assert.Contains(t, out.String(), "not allowed")
}

func TestFlagsAreCheckedBeforeAnyRequest(t *testing.T) {
	for _, args := range [][]string{
		{"-optin", "-optout"}, {"-add", "not-an-address"}, {"-account", "A"}, {"-live"}, {"-as", "nobody-at-all"}, {"stray"},
	} {
		var out, errOut bytes.Buffer
		assert.Equal(t, 2, realMain(args, &out, &errOut), "%v", args)
		assert.Empty(t, out.String(), "%v", args)
	}
	var out, errOut bytes.Buffer
	assert.Equal(t, 1, realMain([]string{"-as", string(billingtest.MCAProfileReader)}, &out, &errOut), "a refusal is a failure")
}
