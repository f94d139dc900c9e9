package invoice_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/invoice"
)

// TestEATransactionsAreACSV: an EA invoice's Transactions document is served as a CSV (as
// recorded): it downloads as such, is saved as {invoice}-transactions.csv, and a second
// DownloadAll finds it complete.
func TestEATransactionsAreACSV(t *testing.T) {
	srv := newServer(t)
	c := invoice.NewAccountClient(newBilling(t, srv, billingtest.EAEnterpriseAdmin), billingtest.EAAccount)
	invs := collect(t, c, &invoice.ListOptions{Period: billing.LastMonthsAt(srv.Now(), 2)})
	require.NotEmpty(t, invs)
	inv := invs[0]
	want := srv.TransactionsCSV(inv.Name)
	require.NotEmpty(t, want)

	var buf bytes.Buffer
	_, err := c.Download(context.Background(), inv, invoice.KindTransactions, &buf)
	require.NoError(t, err)
	assert.Equal(t, want, buf.Bytes())

	dir := t.TempDir()
	p, err := c.DownloadFile(context.Background(), inv, invoice.KindTransactions, dir)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, inv.Name+"-transactions.csv"), p)
	got, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	one := func(yield func(invoice.Invoice, error) bool) { yield(inv, nil) }
	sum, err := c.DownloadAll(context.Background(), one, dir, &invoice.BulkOptions{Kinds: []invoice.DocumentKind{invoice.KindTransactions}})
	require.NoError(t, err)
	assert.Len(t, sum.Skipped, 1, "the CSV on disk is complete")
	assert.Empty(t, sum.Downloaded)

	// A copy cut mid-line is not complete: it is downloaded again.
	require.NoError(t, os.WriteFile(p, want[:len(want)-5], 0o644))
	sum, err = c.DownloadAll(context.Background(), one, dir, &invoice.BulkOptions{Kinds: []invoice.DocumentKind{invoice.KindTransactions}})
	require.NoError(t, err)
	assert.Len(t, sum.Downloaded, 1)
	assert.Empty(t, sum.Skipped)
	got, err = os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}
