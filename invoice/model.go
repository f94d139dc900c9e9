package invoice

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/internal/blob"
	"github.com/azbilling/azbilling/internal/wire"
)

// Status is an invoice's payment status as the service sends it. Values this package does not
// know are kept verbatim.
type Status string

// Invoice statuses of api-version 2024-04-01.
const (
	StatusDue     Status = "Due"
	StatusOverDue Status = "OverDue"
	StatusPaid    Status = "Paid"
	StatusVoid    Status = "Void"
	StatusLocked  Status = "Locked"
	StatusOther   Status = "Other"
)

// Type is what an invoice bills (invoiceType). Unknown values are kept verbatim; the
// 2020-05-01 spelling "AzureService" is kept as sent too.
type Type string

// Invoice types of api-version 2024-04-01.
const (
	TypeAzureServices    Type = "AzureServices"
	TypeAzureMarketplace Type = "AzureMarketplace"
	TypeAzureSupport     Type = "AzureSupport"
	TypeOther            Type = "Other"
)

// DocumentKind is the kind of an invoice document (documents[].kind, and the invoice's
// documentType). Unknown kinds are kept verbatim.
type DocumentKind string

// Document kinds of api-version 2024-04-01.
const (
	KindInvoice      DocumentKind = "Invoice"
	KindVoidNote     DocumentKind = "VoidNote"
	KindTaxReceipt   DocumentKind = "TaxReceipt"
	KindCreditNote   DocumentKind = "CreditNote"
	KindSummary      DocumentKind = "Summary"
	KindTransactions DocumentKind = "Transactions"
	KindOther        DocumentKind = "Other"
)

// csvDocument reports whether a document of kind k of an invoice of agreement ag is a CSV file
// rather than a PDF: an EA invoice's Transactions document is handed out as a .csv blob
// (recorded at api-version 2024-04-01). Nothing is recorded for other agreements' transactions.
func csvDocument(ag billing.Agreement, k DocumentKind) bool {
	return ag == billing.AgreementEA && strings.EqualFold(string(k), string(KindTransactions))
}

// slug is the kind as it appears in file names: lower case with dashes ("credit-note").
func (k DocumentKind) slug() string {
	switch k {
	case KindInvoice:
		return "invoice"
	case KindVoidNote:
		return "void-note"
	case KindTaxReceipt:
		return "tax-receipt"
	case KindCreditNote:
		return "credit-note"
	case KindSummary:
		return "summary"
	case KindTransactions:
		return "transactions"
	case KindOther, "":
		return "other"
	}
	return strings.ToLower(SafeFileName(string(k)))
}

// Invoice is an invoice, or a credit note, of any agreement type. Amounts are exact decimals;
// fields the service did not send are zero. Text fields other than ids and names (statuses,
// types, kinds, currencies, display names, the purchase order) are trimmed of surrounding
// blanks. Documents lists what can be downloaded.
type Invoice struct {
	ID   string // ARM id, as the service sent it
	Name string // the invoice number, e.g. G123456789: pass it to Get
	// Agreement is the agreement of the client that listed the invoice (the service does not
	// send it): MOSP for subscription clients, otherwise guessed from the account name.
	Agreement billing.Agreement

	Status       Status
	Type         Type
	DocumentType DocumentKind // Invoice, or CreditNote for a credit note
	Monthly      bool         // isMonthlyInvoice

	Date    billing.Date   // invoice date
	DueDate billing.Date   // due date
	Period  billing.Period // the invoice period: the billing period the invoice covers

	// The amounts, as the service fills them. An invoice's charges (its usage and purchases,
	// each line rounded to the cent; not a field of its own) become what it bills this way:
	//
	//	SubTotal = charges − Credit − Prepayment − FreeCredit   (before tax)
	//	Total    = SubTotal + Tax
	//	Billed   = Total                                        (Charged returns it)
	//	AmountDue = what of Billed is still unpaid: Billed while Due or OverDue, 0 once Paid or Void
	//
	// MCA/MPA invoices carry every field. EA invoices carry them too, Prepayment being the
	// enrollment's Azure Prepayment (monetary commitment) used; Credit and FreeCredit are rarer.
	// Individual pay-as-you-go (MOSP) invoices are documented with AmountDue and Billed only;
	// SubTotal, Tax and Total are kept when the service sends them. A credit note has negative
	// SubTotal, Tax, Total and Billed. Fields the service leaves out are the zero Amount.

	// AmountDue (amountDue) is what is still to be paid on the invoice.
	AmountDue billing.Amount
	// Billed (billedAmount) is what the invoice bills: charges after credits, prepayment and free
	// credit, tax included. Every agreement sends it.
	Billed billing.Amount
	// Total (totalAmount) is SubTotal plus Tax; equal to Billed where both are sent (MCA/MPA,
	// EA). Zero for MOSP invoices unless the service sends it.
	Total billing.Amount
	// Tax (taxAmount) is the tax charged on SubTotal.
	Tax billing.Amount
	// SubTotal (subTotal) is the charges less Credit, Prepayment and FreeCredit, before tax.
	SubTotal billing.Amount
	// Credit (creditAmount) is the credits applied to the charges (service or goodwill credits),
	// as a positive amount that reduces SubTotal.
	Credit billing.Amount
	// FreeCredit (freeAzureCreditApplied) is the free Azure credit (e.g. a sign-up credit)
	// applied, as a positive amount that reduces SubTotal.
	FreeCredit billing.Amount
	// Prepayment (azurePrepaymentApplied) is the Azure Prepayment (formerly monetary
	// commitment) applied, as a positive amount that reduces SubTotal.
	Prepayment billing.Amount

	Documents []Document

	BillingProfileID   string // MCA/MPA
	BillingProfileName string // billingProfileDisplayName
	SubscriptionID     string // MOSP
	SubscriptionName   string // subscriptionDisplayName
	PurchaseOrder      string // purchaseOrderNumber
	Payments           []Payment

	CreditFor      string // creditForDocumentId: the invoice a credit note credits
	BilledDocument string // billedDocumentId: set on void invoices

	// UnreadDates holds the text of each date the SDK could not read, keyed by its JSON name
	// ("invoiceDate", "dueDate", "invoicePeriodStartDate", "invoicePeriodEndDate",
	// "payments[2].date"); that field is left zero. Nil when every date was read: one odd date
	// never fails a list.
	UnreadDates map[string]string
}

// Charged answers "what was I charged on this invoice": the amount it bills, tax included,
// after credits, prepayment and free credit — Billed, or Total when the service did not send
// billedAmount. It is negative for a credit note. Payments do not change it (see AmountDue). A
// Void invoice keeps what it billed; its charges are billed again on the invoice that replaces
// it, so check Status before adding invoices up.
func (inv Invoice) Charged() billing.Amount {
	if inv.Billed.Currency != "" || !inv.Billed.Value.IsZero() {
		return inv.Billed
	}
	return inv.Total
}

// Document returns the first document of the given kind.
func (inv Invoice) Document(kind DocumentKind) (Document, bool) {
	for _, d := range inv.Documents {
		if strings.EqualFold(string(d.Kind), string(kind)) {
			return d, true
		}
	}
	return Document{}, false
}

// Document is one downloadable document of an invoice: the invoice PDF itself, a void note, a tax
// receipt, a credit note, a summary or a transactions list.
//
// EA invoices list their documents (kinds Invoice, Summary, Transactions; source "Other")
// without a Name, with a URL and Numbers only; so do 2020-05-01 answers. Such documents are
// downloaded by kind: an Invoice through the download operation's default document, an EA
// Summary through downloadSummary, anything else through its URL.
type Document struct {
	Name    string       // the documentName to download it by, e.g. 12345678; "" on EA
	Kind    DocumentKind // Invoice, CreditNote, ...; unknown kinds are kept
	Source  string       // DRS, ENF (Brazil), Other (EA); verbatim
	Numbers []string     // documentNumbers
	// URL is the document's url (or externalUrl): a download operation on the Resource Manager
	// host (2020-05-01, EA) or a link to the document. The SDK downloads by Name when there is one.
	URL string
}

// Format prints the document with its URL's query string redacted, whatever the verb (%v,
// %+v, %#v, ...): externalUrl links can be signed, and a signature must not reach a log line.
// The URL field itself keeps the service's value.
func (d Document) Format(f fmt.State, verb rune) {
	type plain Document // the same fields without this method
	p := plain(d)
	p.URL = blob.Redact(p.URL)
	out := fmt.Sprintf(fmt.FormatString(f, verb), p)
	if verb == 'v' && f.Flag('#') {
		out = strings.Replace(out, "invoice.plain{", "invoice.Document{", 1)
	}
	_, _ = io.WriteString(f, out)
}

// Payment is a payment applied to an invoice.
type Payment struct {
	Amount     billing.Amount
	Date       billing.Date
	Family     string // paymentMethodFamily: CreditCard, CheckWire, Credits, ...
	MethodType string // paymentMethodType, e.g. visa
	Type       string // paymentType, e.g. credited or debited
}

// Wire shapes (2024-04-01 names). Text values are wire.Text, trimmed of the blanks the service
// pads some values with, so that "Paid " still compares equal to StatusPaid. Dates are decoded
// by wire.Time (billing.ParseTime's forms, the date taken as written, never failing); amounts by
// billing.Decimal, which never goes through float64.

type wireAmount struct {
	Currency wire.Text       `json:"currency"`
	Value    billing.Decimal `json:"value"`
}

func (w *wireAmount) amount() billing.Amount {
	if w == nil {
		return billing.Amount{}
	}
	return billing.Amount{Value: w.Value, Currency: string(w.Currency)}
}

type wireDocument struct {
	DocumentNumbers []string  `json:"documentNumbers"`
	ExternalURL     string    `json:"externalUrl"`
	Kind            wire.Text `json:"kind"`
	Name            string    `json:"name"`
	URL             string    `json:"url"`
	Source          wire.Text `json:"source"`
}

type wirePayment struct {
	Amount              *wireAmount `json:"amount"`
	Date                wire.Time   `json:"date"`
	PaymentMethodFamily wire.Text   `json:"paymentMethodFamily"`
	PaymentMethodType   wire.Text   `json:"paymentMethodType"`
	PaymentType         wire.Text   `json:"paymentType"`
}

type wireInvoice struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	Properties struct {
		AmountDue                 *wireAmount    `json:"amountDue"`
		AzurePrepaymentApplied    *wireAmount    `json:"azurePrepaymentApplied"`
		BilledAmount              *wireAmount    `json:"billedAmount"`
		CreditAmount              *wireAmount    `json:"creditAmount"`
		FreeAzureCreditApplied    *wireAmount    `json:"freeAzureCreditApplied"`
		SubTotal                  *wireAmount    `json:"subTotal"`
		TaxAmount                 *wireAmount    `json:"taxAmount"`
		TotalAmount               *wireAmount    `json:"totalAmount"`
		BilledDocumentID          string         `json:"billedDocumentId"`
		BillingProfileDisplayName wire.Text      `json:"billingProfileDisplayName"`
		BillingProfileID          string         `json:"billingProfileId"`
		CreditForDocumentID       string         `json:"creditForDocumentId"`
		Documents                 []wireDocument `json:"documents"`
		DocumentType              wire.Text      `json:"documentType"`
		DueDate                   wire.Time      `json:"dueDate"`
		InvoiceDate               wire.Time      `json:"invoiceDate"`
		InvoicePeriodStartDate    wire.Time      `json:"invoicePeriodStartDate"`
		InvoicePeriodEndDate      wire.Time      `json:"invoicePeriodEndDate"`
		InvoiceType               wire.Text      `json:"invoiceType"`
		IsMonthlyInvoice          bool           `json:"isMonthlyInvoice"`
		Payments                  []wirePayment  `json:"payments"`
		PurchaseOrderNumber       wire.Text      `json:"purchaseOrderNumber"`
		Status                    wire.Text      `json:"status"`
		SubscriptionDisplayName   wire.Text      `json:"subscriptionDisplayName"`
		SubscriptionID            string         `json:"subscriptionId"`
	} `json:"properties"`
}

// invoice converts the wire shape. The name falls back to the id's last segment, because some
// older answers omit it.
func (w *wireInvoice) invoice(ag billing.Agreement) Invoice {
	p := &w.Properties
	inv := Invoice{
		ID: w.ID, Name: w.Name, Agreement: ag,
		Status: Status(p.Status), Type: Type(p.InvoiceType), DocumentType: DocumentKind(p.DocumentType),
		Monthly:   p.IsMonthlyInvoice,
		AmountDue: p.AmountDue.amount(), Billed: p.BilledAmount.amount(), Total: p.TotalAmount.amount(),
		Tax: p.TaxAmount.amount(), SubTotal: p.SubTotal.amount(), Credit: p.CreditAmount.amount(),
		FreeCredit: p.FreeAzureCreditApplied.amount(), Prepayment: p.AzurePrepaymentApplied.amount(),
		BillingProfileID: p.BillingProfileID, BillingProfileName: string(p.BillingProfileDisplayName),
		SubscriptionID: p.SubscriptionID, SubscriptionName: string(p.SubscriptionDisplayName),
		PurchaseOrder: string(p.PurchaseOrderNumber),
		CreditFor:     p.CreditForDocumentID, BilledDocument: p.BilledDocumentID,
	}
	inv.Date = dateOf(wire.Note(&inv.UnreadDates, "invoiceDate", p.InvoiceDate))
	inv.DueDate = dateOf(wire.Note(&inv.UnreadDates, "dueDate", p.DueDate))
	inv.Period.Start = dateOf(wire.Note(&inv.UnreadDates, "invoicePeriodStartDate", p.InvoicePeriodStartDate))
	inv.Period.End = dateOf(wire.Note(&inv.UnreadDates, "invoicePeriodEndDate", p.InvoicePeriodEndDate))
	if inv.Name == "" {
		inv.Name = lastSegment(w.ID)
	}
	if len(p.Documents) > 0 {
		inv.Documents = make([]Document, 0, len(p.Documents))
		for _, d := range p.Documents {
			doc := Document{Name: d.Name, Kind: DocumentKind(d.Kind), Source: string(d.Source), Numbers: d.DocumentNumbers, URL: d.URL}
			if doc.URL == "" {
				doc.URL = d.ExternalURL
			}
			inv.Documents = append(inv.Documents, doc)
		}
	}
	if len(p.Payments) > 0 {
		inv.Payments = make([]Payment, 0, len(p.Payments))
		for i, pm := range p.Payments {
			date := dateOf(wire.Note(&inv.UnreadDates, fmt.Sprintf("payments[%d].date", i), pm.Date))
			inv.Payments = append(inv.Payments, Payment{Amount: pm.Amount.amount(), Date: date,
				Family: string(pm.PaymentMethodFamily), MethodType: string(pm.PaymentMethodType), Type: string(pm.PaymentType)})
		}
	}
	return inv
}

// dateOf is the date of a timestamp read from the service, the zero Date for none.
func dateOf(t time.Time) billing.Date {
	if t.IsZero() {
		return billing.Date{}
	}
	return billing.DateOf(t)
}

// lastSegment returns what follows the last '/' of an ARM id (ids may lack the leading slash).
func lastSegment(id string) string {
	id = strings.TrimRight(id, "/")
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		return id[i+1:]
	}
	return id
}

// DecodeInvoice decodes one invoice in the 2024-04-01 wire shape (also accepting the 2020-05-01
// one). Unknown enum values are kept, missing fields stay zero, amounts are exact. It is what
// List and Get use; it is exported for tools that read saved API answers.
func DecodeInvoice(data []byte) (Invoice, error) {
	var w wireInvoice
	if err := json.Unmarshal(data, &w); err != nil {
		return Invoice{}, &billing.InputError{Field: "invoice JSON", Reason: err.Error()}
	}
	return w.invoice(""), nil
}
