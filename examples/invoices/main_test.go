package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/invoice"
)

func TestRunDownloadsAndARerunSkips(t *testing.T) {
	dir := t.TempDir()
	c := config{as: billingtest.MCAProfileReader, months: 3, out: dir, concurrency: 4}
	var out bytes.Buffer

	require.NoError(t, run(context.Background(), &out, c))

	assert.Contains(t, out.String(), "downloaded")
	assert.Contains(t, out.String(), "G000000025")
	files, err := filepath.Glob(filepath.Join(dir, "*.pdf"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.True(t, bytes.HasPrefix(b, []byte("%PDF-")), f)
	}

	out.Reset()
	require.NoError(t, run(context.Background(), &out, c))
	assert.Contains(t, out.String(), "0 downloaded, "+strconv.Itoa(len(files))+" skipped")
}

func TestRunExplainsAMissingInvoice(t *testing.T) {
	c := config{as: billingtest.MOSPAccountAdmin, scope: "/subscriptions/" + billingtest.SubscriptionCredit, months: 2, out: t.TempDir()}
	var out bytes.Buffer

	require.NoError(t, run(context.Background(), &out, c))

	assert.Contains(t, out.String(), "no invoice found")
	assert.Contains(t, out.String(), "monthly credit")
}

func TestRunWithoutRoleSaysWhichRoles(t *testing.T) {
	c := config{as: billingtest.NoRole, months: 2, out: t.TempDir()}
	var out bytes.Buffer

	require.NoError(t, run(context.Background(), &out, c))

	assert.Contains(t, out.String(), "Billing profile reader")
}

func TestParseKinds(t *testing.T) {
	k, err := parseKinds("invoice, credit-note")
	require.NoError(t, err)
	assert.Equal(t, []invoice.DocumentKind{invoice.KindInvoice, invoice.KindCreditNote}, k)
	_, err = parseKinds("bogus")
	assert.Error(t, err)
}

func TestLiveNeedsAScope(t *testing.T) {
	err := run(context.Background(), &bytes.Buffer{}, config{live: true})
	assert.ErrorContains(t, err, "-scope")
}
