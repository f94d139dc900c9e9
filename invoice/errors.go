package invoice

import (
	"errors"
	"fmt"
	"strings"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/roles"
)

// EmailedError reports that the service refused to hand out an Enterprise Agreement invoice
// document. Azure sends EA invoices by e-mail to the enrollment's invoice recipient, and the
// download operations are not available to every enrollment, so the recipient is who has the PDF.
// It unwraps to the service's refusal (often a *roles.PermissionError) and matches
// billing.ErrUnsupported with errors.Is.
type EmailedError struct {
	Invoice   string // the invoice asked for
	Account   string // the EA billing account (enrollment number)
	Recipient string // enrollmentDetails.invoiceRecipient; "" when the caller cannot read it
	Err       error  // the service's refusal
}

// Error says the invoice is e-mailed, to whom, and what the service said.
func (e *EmailedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "azbilling: cannot download EA invoice %s of enrollment %s: ", e.Invoice, e.Account)
	if e.Recipient != "" {
		fmt.Fprintf(&b, "Azure e-mails Enterprise Agreement invoices to the enrollment's invoice recipient, %s; ask them for a copy", e.Recipient)
	} else {
		b.WriteString("Azure e-mails Enterprise Agreement invoices to the enrollment's invoice recipient (an enterprise administrator can tell who it is); ask them for a copy")
	}
	if e.Err != nil {
		var perr *roles.PermissionError
		if errors.As(e.Err, &perr) {
			b.WriteString(" (the service said: ")
			b.WriteString(perr.Error())
			b.WriteString(")")
		} else {
			b.WriteString(" (the service said: ")
			b.WriteString(strings.TrimPrefix(e.Err.Error(), "azbilling: "))
			b.WriteString(")")
		}
	}
	return b.String()
}

// Unwrap returns the service's refusal.
func (e *EmailedError) Unwrap() error { return e.Err }

// Is reports whether target is billing.ErrUnsupported.
func (e *EmailedError) Is(target error) bool { return target == billing.ErrUnsupported }

// UnnamedDocumentError reports a document the service lists with neither a name nor a url, of
// a kind that no download operation gives by default (only the invoice PDF and, on EA, the
// summary can be had without a name). The SDK refuses it rather than download another document
// under its name.
type UnnamedDocumentError struct {
	Invoice string       // the invoice
	Kind    DocumentKind // the document's kind
}

// Error names the invoice and the kind.
func (e *UnnamedDocumentError) Error() string {
	return fmt.Sprintf("azbilling: the %s document of invoice %s is listed without a name or url, so it cannot be downloaded by itself", e.Kind, e.Invoice)
}

// Is reports whether target is billing.ErrUnsupported.
func (e *UnnamedDocumentError) Is(target error) bool { return target == billing.ErrUnsupported }

// MissingDocumentError reports that an invoice has no document of the kind asked for.
type MissingDocumentError struct {
	Invoice   string
	Kind      DocumentKind
	Available []DocumentKind // the kinds the invoice does have
}

// Error names the kind asked for and the kinds the invoice has.
func (e *MissingDocumentError) Error() string {
	if len(e.Available) == 0 {
		return fmt.Sprintf("azbilling: invoice %s has no %s document (it lists no documents)", e.Invoice, e.Kind)
	}
	kinds := make([]string, len(e.Available))
	for i, k := range e.Available {
		kinds[i] = string(k)
	}
	return fmt.Sprintf("azbilling: invoice %s has no %s document; it has: %s", e.Invoice, e.Kind, strings.Join(kinds, ", "))
}

// Is reports whether target is billing.ErrNotFound.
func (e *MissingDocumentError) Is(target error) bool { return target == billing.ErrNotFound }

// BulkError reports the documents DownloadAll could not download. It unwraps to each failure's
// error, so errors.As finds, for example, a *roles.PermissionError among them.
type BulkError struct {
	Failed []Failure
	Total  int // documents attempted
	// Stopped is the error that ended the run early because it would have come back for every
	// remaining document (a missing role, a folder that cannot be written); nil when every
	// document was tried. It is also among Failed.
	Stopped error
}

// Error counts the failures and shows the first.
func (e *BulkError) Error() string {
	if len(e.Failed) == 0 {
		return "azbilling: no invoice document failed"
	}
	if e.Stopped != nil {
		return fmt.Sprintf("azbilling: stopped after %d of the invoice documents, because the same error would come back for every one: %v", e.Total, e.Stopped)
	}
	return fmt.Sprintf("azbilling: %d of %d invoice documents failed; first: %s: %v",
		len(e.Failed), e.Total, e.Failed[0].Path, e.Failed[0].Err)
}

// Unwrap returns the failures' errors.
func (e *BulkError) Unwrap() []error {
	out := make([]error, 0, len(e.Failed))
	for _, f := range e.Failed {
		out = append(out, f.Err)
	}
	return out
}

// BilledElsewhereError reports that a subscription's invoices are not issued to the
// subscription: it is billed through a Microsoft Customer or Partner Agreement billing profile, or
// an Enterprise Agreement enrollment, and its charges appear on that scope's invoices together
// with those of the other subscriptions billed there. List it with NewClient(bc, e.Scope). It
// matches billing.ErrUnsupported with errors.Is.
type BilledElsewhereError struct {
	Subscription string            // the subscription id asked for
	Agreement    billing.Agreement // the agreement its billing property names
	// Scope is where its invoices are: the billing profile (MCA/MPA) or the billing account (EA)
	// from the subscription's billing property.
	Scope billing.Scope
}

// Error names the subscription, its agreement and the scope to list instead.
func (e *BilledElsewhereError) Error() string {
	return fmt.Sprintf("azbilling: subscription %s is billed through a %s %s: its invoices are that scope's; list invoices of %s",
		e.Subscription, e.Agreement.String(), e.Scope.Kind().String(), e.Scope.ID())
}

// Is reports whether target is billing.ErrUnsupported.
func (e *BilledElsewhereError) Is(target error) bool { return target == billing.ErrUnsupported }
