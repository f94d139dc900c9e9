package billingtest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Invoice is an invoice (or credit note) of the emulator's world: the ground truth the invoice
// routes answer from. Amounts are decimal strings in Currency, exactly as sent on the wire.
type Invoice struct {
	Name         string // invoice number, e.g. G000000001
	Account      string // billing account name
	Agreement    string // AgreementMOSP, AgreementEA or AgreementMCA
	Profile      string // MCA billing profile ("" otherwise)
	Subscription string // MOSP subscription ("" otherwise)
	Status       string // Due, OverDue, Paid, Void
	Type         string // invoiceType: AzureServices, AzureMarketplace, AzureSupport
	DocumentType string // Invoice or CreditNote
	Date         time.Time
	DueDate      time.Time
	PeriodStart  time.Time // midnight UTC
	PeriodEnd    time.Time // midnight UTC of the last day (inclusive)
	Currency     string
	SubTotal     string
	Tax          string
	Total        string
	Credit       string
	FreeCredit   string
	Prepayment   string
	Billed       string
	AmountDue    string
	Documents    []InvoiceDocument
	// PurchaseOrder is the purchase order number printed on MCA invoices.
	PurchaseOrder string
	// CreditFor is, for a credit note, the name of the invoice it credits.
	CreditFor string
	// PaidOn is when a Paid invoice was paid (zero otherwise).
	PaidOn time.Time

	// Display names, fixed at generation so rendering needs no lock on the world.
	billedTo, profileName, subscriptionName string

	// Inputs of the amounts (invoice_amounts.go): the invoice's index in its series, its
	// profile's index, how it is settled, and what it credits.
	index, profileIndex             int
	settleOpen, settleOverdue, void bool
	creditOf                        *Invoice
	truth                           InvoiceTruth
}

// InvoiceDocument is a document of an Invoice.
type InvoiceDocument struct {
	Name string // documentName, e.g. 10000001
	Kind string // Invoice, VoidNote, TaxReceipt, CreditNote, Transactions
}

// invoiceState is the invoice feature's state: the invoices laid out from the world at start
// (only AlterInvoiceAmount changes them) and the knobs tests turn.
type invoiceState struct {
	// list holds the invoices by account, then date. Names, periods and documents are fixed at
	// start; amounts are computed from usage on first use (amounts), and AlterInvoiceAmount
	// replaces an element: read it through all() or names().
	list []*Invoice

	once    sync.Once
	amounts func([]*Invoice) // computes the amounts of the list, set at registration

	mu         sync.Mutex
	refuseEA   bool
	expireNext int
	padding    int
	// pdfs caches rendered documents: rendering is deterministic, and serving the same bytes
	// again keeps the emulator's own allocations out of client benchmarks.
	pdfs map[pdfKey][]byte
}

type pdfKey struct {
	invoice, document string
	pad               int
}

// pdf returns the document's bytes (shared: callers must not modify them).
func (st *invoiceState) pdf(inv *Invoice, d InvoiceDocument, pad int) []byte {
	k := pdfKey{inv.Name, d.Name, pad}
	st.mu.Lock()
	b, ok := st.pdfs[k]
	st.mu.Unlock()
	if ok {
		return b
	}
	b = invoicePDF(inv, d, pad)
	st.mu.Lock()
	if st.pdfs == nil {
		st.pdfs = map[pdfKey][]byte{}
	}
	st.pdfs[k] = b
	st.mu.Unlock()
	return b
}

// newInvoiceState lays out the invoices of the seeded world: 24 monthly invoices of the MOSP
// pay-as-you-go subscription (one per billing period), 24 per MCA billing profile (calendar
// months, issued on the profile's invoice day) with tax receipts, a void invoice and a credit
// note on the US profile, and 24 for the EA enrollment. Their amounts are computed from the
// usage they bill when first needed (invoice_amounts.go).
func newInvoiceState(w *World) *invoiceState {
	st := &invoiceState{}
	now := w.Anchor
	docSeq := 10000000
	nextDoc := func(kind string) InvoiceDocument {
		docSeq++
		return InvoiceDocument{Name: fmt.Sprint(docSeq), Kind: kind}
	}

	// MOSP: one invoice per closed billing period of the pay-as-you-go subscription.
	if sub := w.Subscription(SubscriptionPayAsYouGo); sub != nil {
		for i, p := range sub.InvoicePeriods {
			inv := &Invoice{
				Name: fmt.Sprintf("E0%08d", i+1), Account: sub.Account, Agreement: AgreementMOSP, Subscription: sub.ID,
				Type: "AzureServices", DocumentType: "Invoice",
				Date: p.End.AddDate(0, 0, 1).Add(6 * time.Hour), PeriodStart: p.Start, PeriodEnd: p.End,
				Currency:  sub.Currency,
				Documents: []InvoiceDocument{nextDoc("Invoice")},
				index:     i, settleOpen: i == len(sub.InvoicePeriods)-1,
			}
			inv.DueDate = inv.Date.AddDate(0, 0, 15)
			st.list = append(st.list, inv)
		}
	}

	// MCA: calendar months, invoiced on the profile's invoice day of the following month.
	if a := w.Account(MCAAccount); a != nil {
		seq := 0
		for pi, pr := range a.Profiles {
			months := closedMonths(now, pr.InvoiceDay, 24)
			for i, m := range months {
				seq++
				inv := &Invoice{
					Name: fmt.Sprintf("G%09d", seq), Account: a.Name, Agreement: AgreementMCA, Profile: pr.Name,
					Type: "AzureServices", DocumentType: "Invoice",
					Date:        m.End.AddDate(0, 0, pr.InvoiceDay).Add(8 * time.Hour),
					PeriodStart: m.Start, PeriodEnd: m.End, Currency: pr.Currency,
					Documents:     []InvoiceDocument{nextDoc("Invoice")},
					PurchaseOrder: pr.PONumber,
					index:         i, profileIndex: pi,
				}
				inv.DueDate = inv.Date.AddDate(0, 0, 30)
				last := i == len(months)-1
				switch {
				case pi == 0 && i == 10:
					inv.Type = "AzureMarketplace"
				case pi == 0 && i == 14:
					inv.Type = "AzureSupport"
				}
				if pi == 0 && i%4 == 1 {
					inv.Documents = append(inv.Documents, nextDoc("TaxReceipt"))
				}
				if pi == 0 && last {
					inv.Documents = append(inv.Documents, nextDoc("Transactions"))
				}
				switch {
				case pi == 0 && i == 18:
					inv.void = true
					inv.Documents = append(inv.Documents, nextDoc("VoidNote"))
				case pi == 1 && i == len(months)-2:
					inv.settleOpen, inv.settleOverdue = true, true
				default:
					inv.settleOpen = last
				}
				st.list = append(st.list, inv)
				if pi == 0 && i == 20 {
					// A credit note for part of this invoice, issued ten days after it.
					seq++
					cn := &Invoice{
						Name: fmt.Sprintf("G%09d", seq), Account: a.Name, Agreement: AgreementMCA, Profile: pr.Name,
						Type: "AzureServices", DocumentType: "CreditNote", Status: "Paid",
						Date: inv.Date.AddDate(0, 0, 10), PeriodStart: m.Start, PeriodEnd: m.End, Currency: pr.Currency,
						Documents: []InvoiceDocument{nextDoc("CreditNote")}, PurchaseOrder: pr.PONumber, CreditFor: inv.Name,
						index: i, profileIndex: pi, creditOf: inv,
					}
					cn.DueDate = cn.Date
					st.list = append(st.list, cn)
				}
			}
		}
	}

	// EA: one invoice per calendar month for the enrollment, issued on the 10th.
	if a := w.Account(EAAccount); a != nil {
		months := closedMonths(now, 10, 24)
		for i, m := range months {
			inv := &Invoice{
				Name: fmt.Sprintf("EA%08d", i+1), Account: a.Name, Agreement: AgreementEA,
				Type: "AzureServices", DocumentType: "Invoice",
				Date: m.End.AddDate(0, 0, 10).Add(9 * time.Hour), PeriodStart: m.Start, PeriodEnd: m.End,
				Currency:  a.Currency,
				Documents: []InvoiceDocument{nextDoc("Invoice")},
				index:     i, settleOpen: i == len(months)-1,
			}
			inv.DueDate = inv.Date.AddDate(0, 0, 30)
			st.list = append(st.list, inv)
		}
	}
	for _, inv := range st.list {
		if a := w.Account(inv.Account); a != nil {
			inv.billedTo = a.DisplayName
			if pr := a.Profile(inv.Profile); pr != nil {
				inv.profileName = pr.DisplayName
			}
		}
		if sub := w.Subscription(inv.Subscription); sub != nil {
			inv.subscriptionName = sub.DisplayName
		}
	}
	return st
}

// all returns the invoices with their amounts, computing them on first use.
func (st *invoiceState) all() []*Invoice {
	st.once.Do(func() {
		if st.amounts != nil {
			st.amounts(st.list)
		}
	})
	st.mu.Lock()
	defer st.mu.Unlock()
	return slices.Clone(st.list)
}

// names returns the invoices without computing amounts: for the fields fixed at start (name,
// agreement, profile, period, document type).
func (st *invoiceState) names() []*Invoice {
	st.mu.Lock()
	defer st.mu.Unlock()
	return slices.Clone(st.list)
}

// settle sets the status and amount due: the newest invoice is still due (or overdue), older
// ones are paid.
func settle(inv *Invoice, open, overdue bool, billed int64) {
	switch {
	case overdue:
		inv.Status, inv.AmountDue = "OverDue", money(billed)
	case open:
		inv.Status, inv.AmountDue = "Due", money(billed)
	default:
		inv.Status, inv.AmountDue = "Paid", money(0)
		inv.PaidOn = inv.Date.AddDate(0, 0, 3)
	}
}

func paymentFamily(inv *Invoice) string {
	if inv.Agreement == AgreementMOSP {
		return "CreditCard"
	}
	return "CheckWire"
}

// money formats cents as a decimal string ("-12.30").
func money(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// closedMonths returns the last n calendar months whose invoice (issued on invoiceDay of the
// following month) is out by now, oldest first.
func closedMonths(now time.Time, invoiceDay, n int) []Period {
	m := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	// Issue times carry a few hours (see newInvoiceState): compare with the latest of them.
	for m.AddDate(0, 1, -1).AddDate(0, 0, invoiceDay).Add(9 * time.Hour).After(now) {
		m = m.AddDate(0, -1, 0)
	}
	out := make([]Period, n)
	for i := n - 1; i >= 0; i-- {
		out[i] = Period{Start: m, End: m.AddDate(0, 1, -1)}
		m = m.AddDate(0, -1, 0)
	}
	return out
}

// clone copies an invoice for callers.
func (inv *Invoice) clone() Invoice {
	c := *inv
	c.Documents = append([]InvoiceDocument(nil), inv.Documents...)
	return c
}

// document returns the invoice's document by name, or by kind when name is a kind (the first of
// that kind); "" means the invoice PDF.
func (inv *Invoice) document(name string) (InvoiceDocument, bool) {
	if name == "" {
		name = "Invoice"
	}
	for _, d := range inv.Documents {
		if d.Name == name {
			return d, true
		}
	}
	for _, d := range inv.Documents {
		if strings.EqualFold(d.Kind, name) {
			return d, true
		}
	}
	return InvoiceDocument{}, false
}

// scope is where roles are checked for the invoice: its billing profile (MCA), subscription
// (MOSP) or enrollment (EA).
func (inv *Invoice) scope(w *World) scopeRef {
	switch {
	case inv.Profile != "":
		return scopeRef{account: inv.Account, profile: inv.Profile}
	case inv.Subscription != "":
		if sub := w.Subscription(inv.Subscription); sub != nil {
			return scopeOfSubscription(sub)
		}
	}
	return scopeRef{account: inv.Account}
}

func (st *invoiceState) find(name string, match func(*Invoice) bool) *Invoice {
	for _, inv := range st.all() {
		if strings.EqualFold(inv.Name, name) && (match == nil || match(inv)) {
			return inv
		}
	}
	return nil
}

// Invoices returns every invoice of the world (MOSP, MCA and EA), grouped by account and oldest
// first within each group.
func (s *Server) Invoices() []Invoice {
	list := s.invoices.all()
	out := make([]Invoice, 0, len(list))
	for _, inv := range list {
		out = append(out, inv.clone())
	}
	return out
}

// Invoice returns one invoice by name.
func (s *Server) Invoice(name string) (Invoice, bool) {
	inv := s.invoices.find(name, nil)
	if inv == nil {
		return Invoice{}, false
	}
	return inv.clone(), true
}

// DocumentBytes returns the PDF the emulator serves for a document of an invoice: document is a
// document name (documents[].name), a kind ("Invoice", "CreditNote", "TaxReceipt", ...: the
// first document of that kind), "" for the invoice PDF, or "Summary" for an EA invoice's summary
// (downloadSummary). It returns nil for an unknown invoice or document.
func (s *Server) DocumentBytes(invoiceName, document string) []byte {
	inv := s.invoices.find(invoiceName, nil)
	if inv == nil {
		return nil
	}
	pad := s.invoices.paddingBytes()
	if strings.EqualFold(document, "Summary") && inv.Agreement == AgreementEA {
		return bytes.Clone(s.invoices.pdf(inv, InvoiceDocument{Name: inv.Name + "_summary", Kind: "Summary"}, pad))
	}
	d, ok := inv.document(document)
	if !ok {
		return nil
	}
	return bytes.Clone(s.invoices.pdf(inv, d, pad))
}

// RefuseEAInvoiceDownloads makes the EA download operations (download, downloadSummary,
// downloadDocuments) answer 400 UnsupportedAgreementType, as the service does for enrollments
// whose invoices are only e-mailed. Off by default (the 2024-04-01 spec offers them for EA).
func (s *Server) RefuseEAInvoiceDownloads(refuse bool) {
	s.invoices.mu.Lock()
	defer s.invoices.mu.Unlock()
	s.invoices.refuseEA = refuse
}

// ExpireNextInvoiceLinks makes the next n download operations hand out links whose expiryTime
// (and SAS se) has already passed, so a client must notice and ask for a fresh one.
func (s *Server) ExpireNextInvoiceLinks(n int) {
	s.invoices.mu.Lock()
	defer s.invoices.mu.Unlock()
	s.invoices.expireNext = max(n, 0)
}

// SetInvoiceDocumentPadding grows every invoice document by about n bytes (an unreferenced PDF
// stream object, so the file stays a valid PDF), to test behaviour with large documents.
func (s *Server) SetInvoiceDocumentPadding(n int) {
	s.invoices.mu.Lock()
	defer s.invoices.mu.Unlock()
	s.invoices.padding = max(n, 0)
}

func (st *invoiceState) paddingBytes() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.padding
}

func (st *invoiceState) eaRefused() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.refuseEA
}

// takeExpired reports whether the next link handed out should be already expired.
func (st *invoiceState) takeExpired() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.expireNext > 0 {
		st.expireNext--
		return true
	}
	return false
}
