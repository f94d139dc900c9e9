package main

import (
	"context"
	"io"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
)

// step is one part of the quickstart after the accounts; srv is nil when running on Azure.
type step func(ctx context.Context, w io.Writer, bc *billing.Client, srv *billingtest.Server) error

// extraSteps lists the feature walkthroughs in the order they run.
func extraSteps() []step {
	return []step{showInvoices, showUsage, showEmail}
}
