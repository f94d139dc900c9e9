package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/roles"
)

func TestRunOnTheEmulatorAddsAndRemovesARecipient(t *testing.T) {
	var out bytes.Buffer

	err := run(context.Background(), &out, config{as: billingtest.MCAProfileOwner})

	require.NoError(t, err, out.String())
	assert.Contains(t, out.String(), "added cfo@contoso.example")
	assert.Contains(t, out.String(), "recipients:     billing@contoso.example, finance@contoso.example, cfo@contoso.example")
	assert.Contains(t, out.String(), "removed cfo@contoso.example")
}

func TestRunAsReaderIsRefused(t *testing.T) {
	var out bytes.Buffer

	err := run(context.Background(), &out, config{as: billingtest.MCAProfileReader})

	var perr *roles.PermissionError
	require.ErrorAs(t, err, &perr)
	assert.Contains(t, out.String(), "not allowed")
}
