package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/examples/internal/target"
)

// The README's first command: the main job must run on the emulator and cover every agreement.
func TestQuickstartRunsOnTheEmulator(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, target.Flags{}))
	s := out.String()
	for _, want := range []string{"agreement MOSP", "agreement EA", "agreement MCA", "roles: Billing profile owner", "Invoices", "Invoice e-mail"} {
		assert.Contains(t, s, want)
	}
	assert.NotContains(t, s, "sig=")
}

func TestQuickstartAsReaderCannotChangeEmail(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, target.Flags{As: "mca-profile-reader"}))
	assert.Contains(t, out.String(), "roles: Billing profile reader")
	assert.NotContains(t, out.String(), "change the invoice e-mail preference")
}
