package invoice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/internal/arm"
	"github.com/azbilling/azbilling/internal/blob"
	"github.com/azbilling/azbilling/internal/wire"
	"github.com/azbilling/azbilling/roles"
)

// maxDocumentSize bounds one invoice document. Real invoice PDFs are well under a megabyte; the
// bound only stops a broken or hostile host from filling a disk.
const maxDocumentSize = 256 << 20

var pdfMagic = []byte("%PDF-")

// target is one downloadable thing: a document of an invoice, or an EA invoice summary.
type target struct {
	invoice  string
	document string // "" asks the service for its default, the invoice PDF
	kind     DocumentKind
	summary  bool // EA downloadSummary
	// url is a document's own link, for a document listed without a name (see documentTarget):
	// on the Resource Manager host it is that document's download operation, elsewhere the
	// document itself.
	url string
}

// wireDownload is DocumentDownloadResult: expiryTime is a plain string in 2024-04-01.
type wireDownload struct {
	ExpiryTime string `json:"expiryTime"`
	URL        string `json:"url"`
}

// parseExpiry reads expiryTime with the SDK's one date decoder (wire.ParseTime); an unreadable
// value means "unknown" (the blob layer then relies on the host's 403 to notice expiry).
func parseExpiry(s string) time.Time {
	t, _ := wire.ParseTime(s)
	return t.UTC()
}

// link runs the download operation (POST …/download, 200 or 202 + Location polling) and returns
// the SAS link it hands out.
func (c *Client) link(ctx context.Context, t target) (blob.Link, error) {
	path := c.accountPath() + "/invoices/" + t.invoice + "/download"
	q := url.Values{}
	if t.url != "" {
		u, err := url.Parse(t.url)
		if err != nil {
			return blob.Link{}, &billing.ProtocolError{StatusCode: http.StatusOK, Reason: "a document's url is not a URL", Err: err}
		}
		if u.IsAbs() && !strings.EqualFold(u.Host, c.cc.ARM.Host()) {
			return blob.Link{URL: t.url}, nil // the document itself; its expiry is its SAS se=
		}
		// Its download operation, with its own token and api-version.
		if path, err = c.cc.ARM.ResolveLink(t.url); err != nil {
			return blob.Link{}, err
		}
	}
	switch {
	case t.summary:
		path = c.accountPath() + "/invoices/" + t.invoice + "/downloadSummary"
	case t.document != "":
		q.Set("documentName", t.document)
	}
	var res wireDownload
	req := arm.Request{Method: http.MethodPost, Path: path, APIVersion: billing.APIVersion, Query: q, Call: c.call(roles.DownloadInvoice)}
	if _, err := c.cc.ARM.LRO(ctx, req, &res); err != nil {
		return blob.Link{}, c.downloadError(ctx, t.invoice, err)
	}
	if res.URL == "" {
		return blob.Link{}, &billing.ProtocolError{StatusCode: http.StatusOK, Reason: "the download operation finished without a url"}
	}
	return blob.Link{URL: res.URL, Expiry: parseExpiry(res.ExpiryTime)}, nil
}

// downloadError turns an EA refusal into an *EmailedError; other errors pass unchanged.
func (c *Client) downloadError(ctx context.Context, invoice string, err error) error {
	if c.agreement != billing.AgreementEA || !isRefusal(err) {
		return err
	}
	return &EmailedError{Invoice: invoice, Account: c.scope.BillingAccount(), Recipient: c.invoiceRecipient(ctx), Err: err}
}

// isRefusal reports whether err is the service declining an operation (as opposed to a network
// problem, throttling or a cancelled context): 401/403, 404, or an "unsupported" answer.
func isRefusal(err error) bool {
	if arm.IsContextError(err) {
		return false
	}
	var perr *roles.PermissionError
	var nf *billing.NotFoundError
	var se *billing.ServiceError
	switch {
	case errors.As(err, &perr), errors.As(err, &nf), errors.Is(err, billing.ErrUnsupported):
		return true
	case errors.As(err, &se):
		if se.StatusCode != http.StatusBadRequest && se.StatusCode != http.StatusMethodNotAllowed && se.StatusCode != http.StatusNotImplemented {
			return false
		}
		text := strings.ToLower(se.Code + " " + se.Message)
		return strings.Contains(text, "support") || strings.Contains(text, "notallowed") || strings.Contains(text, "not allowed")
	}
	return false
}

// recipientCache remembers an EA enrollment's invoice recipient per client.
type recipientCache struct {
	mu    sync.Mutex
	known map[string]string
}

func (c *Client) invoiceRecipient(ctx context.Context) string {
	acct := c.scope.BillingAccount()
	c.recipients.mu.Lock()
	r, ok := c.recipients.known[acct]
	c.recipients.mu.Unlock()
	if ok {
		return r
	}
	a, err := c.bc.Account(ctx, acct)
	if err != nil || a.Enrollment == nil {
		return "" // best effort: the caller may not be allowed to read the enrollment
	}
	r = a.Enrollment.InvoiceRecipient
	c.recipients.mu.Lock()
	if c.recipients.known == nil {
		c.recipients.known = map[string]string{}
	}
	c.recipients.known[acct] = r
	c.recipients.mu.Unlock()
	return r
}

// resolve finds what to download for an invoice and a document kind.
func (c *Client) resolve(inv Invoice, kind DocumentKind) (target, Document, error) {
	if err := c.ready(); err != nil {
		return target{}, Document{}, err
	}
	if err := checkName("invoice name", inv.Name); err != nil {
		return target{}, Document{}, err
	}
	if kind == "" {
		kind = KindInvoice
	}
	if d, ok := inv.Document(kind); ok {
		t, err := c.documentTarget(inv, d)
		return t, d, err
	}
	switch {
	case strings.EqualFold(string(kind), string(KindSummary)) && c.agreement == billing.AgreementEA:
		// EA summaries are not listed as documents: they have their own operation.
		return target{invoice: inv.Name, kind: KindSummary, summary: true}, Document{Kind: KindSummary}, nil
	case strings.EqualFold(string(kind), string(KindInvoice)) && len(inv.Documents) == 0:
		// Without a document list (an Invoice built from a name, or a 2020-05-01 answer) the
		// service's default document is the invoice PDF.
		return target{invoice: inv.Name, kind: KindInvoice}, Document{Kind: KindInvoice}, nil
	}
	e := &MissingDocumentError{Invoice: inv.Name, Kind: kind}
	for _, d := range inv.Documents {
		e.Available = append(e.Available, d.Kind)
	}
	return target{}, Document{}, e
}

func (c *Client) documentTarget(inv Invoice, d Document) (target, error) {
	if err := c.ready(); err != nil {
		return target{}, err
	}
	if err := checkName("invoice name", inv.Name); err != nil {
		return target{}, err
	}
	if d.Name != "" {
		if err := checkName("document name", d.Name); err != nil {
			return target{}, err
		}
		return target{invoice: inv.Name, document: d.Name, kind: d.Kind}, nil
	}
	// EA lists its documents without a name, only url and documentNumbers (source "Other"),
	// and 2020-05-01 answers do the same with a management url. Without a name the download
	// operation gives its default, the invoice PDF: right for an Invoice document only. An EA
	// Summary has its own operation; any other kind is fetched through its own url, and without
	// one it cannot be told apart from the invoice, so it is refused rather than mistaken.
	switch {
	case strings.EqualFold(string(d.Kind), string(KindInvoice)) || d.Kind == "":
		return target{invoice: inv.Name, kind: KindInvoice}, nil
	case strings.EqualFold(string(d.Kind), string(KindSummary)) && c.agreement == billing.AgreementEA:
		return target{invoice: inv.Name, kind: KindSummary, summary: true}, nil
	case d.URL != "":
		return target{invoice: inv.Name, kind: d.Kind, url: d.URL}, nil
	}
	return target{}, &UnnamedDocumentError{Invoice: inv.Name, Kind: d.Kind}
}

// Download writes the invoice's first document of the given kind (KindInvoice for the invoice
// PDF) to w and returns the number of bytes written. The document is streamed: memory use does
// not grow with its size. Nothing is written unless the content starts with "%PDF-"; otherwise
// the error is a *billing.DownloadError of kind billing.DownloadKindContent that says what came
// instead (an HTML page, say). An EA invoice's Transactions document is a CSV file: it is checked
// to be text rather than an error page or an archive. A document whose bytes do not match the
// host's Content-Length or MD5, or that ends without the PDF's %%EOF trailer or, for a CSV, a
// line break (cut short), gives a *billing.DownloadError of kind billing.DownloadKindIntegrity once the end is reached; DownloadFile then leaves no file.
// Broken connections resume with Range requests and expired links are replaced, without the
// caller noticing. For an EA invoice, kind KindSummary downloads the
// enrollment summary (downloadSummary). On an EA account that refuses downloads the error is an
// *EmailedError naming the enrollment's invoice recipient.
func (c *Client) Download(ctx context.Context, inv Invoice, kind DocumentKind, w io.Writer) (int64, error) {
	t, _, err := c.resolve(inv, kind)
	if err != nil {
		return 0, err
	}
	return c.fetch(ctx, t, w)
}

// DownloadDocument is Download for one specific document of the invoice (when it has several of
// a kind).
func (c *Client) DownloadDocument(ctx context.Context, inv Invoice, doc Document, w io.Writer) (int64, error) {
	t, err := c.documentTarget(inv, doc)
	if err != nil {
		return 0, err
	}
	return c.fetch(ctx, t, w)
}

// DownloadSummary writes an EA invoice's summary PDF (POST …/downloadSummary) to w.
func (c *Client) DownloadSummary(ctx context.Context, inv Invoice, w io.Writer) (int64, error) {
	if err := c.ready(); err != nil {
		return 0, err
	}
	if err := checkName("invoice name", inv.Name); err != nil {
		return 0, err
	}
	return c.fetch(ctx, target{invoice: inv.Name, kind: KindSummary, summary: true}, w)
}

// fetch streams the document of t to w after checking that it is a PDF.
func (c *Client) fetch(ctx context.Context, t target, w io.Writer) (int64, error) {
	return c.fetchTo(ctx, t, func(*blob.Reader) (io.Writer, error) { return w, nil }, nil)
}

// resumeFrom describes the bytes of a document already on disk (a partial file that a killed
// process left), from which a download continues with a Range request.
type resumeFrom struct {
	size   int64     // bytes already there
	total  int64     // the document's size, as the host announced it when the partial was started
	head   []byte    // its first bytes (up to 512)
	tail   []byte    // its last bytes (up to pdfTailLen)
	prefix io.Reader // all of them, for the MD5 check
}

// fetchTo downloads the document of t, checks that it is a PDF, then asks sink for the writer
// to stream it to (once the host's answer is known: its size and MD5 name a resumable partial
// file). With from, the download continues after the bytes already there.
func (c *Client) fetchTo(ctx context.Context, t target, sink func(*blob.Reader) (io.Writer, error), from *resumeFrom) (int64, error) {
	var lastURL string // for error messages (redacted there); only the reader's goroutine sets it
	get := func(ctx context.Context) (blob.Link, error) {
		l, err := c.link(ctx, t)
		if err == nil {
			lastURL = l.URL
		}
		return l, err
	}
	ro := &blob.ReadOptions{MaxSize: maxDocumentSize}
	if from != nil {
		ro.Offset, ro.ExpectedSize, ro.Prefix = from.size, from.total, from.prefix
	}
	r, err := c.cc.Blob.Open(ctx, get, ro)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	var head []byte
	var done int64
	if from != nil {
		head, done = from.head, from.size
	} else {
		// Only the first bytes are held back: enough to tell a PDF from an error page.
		head = make([]byte, 512)
		n, err := io.ReadAtLeast(r, head, len(pdfMagic))
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, err
		}
		head = head[:n]
	}
	if csvDocument(c.agreement, t.kind) && !bytes.HasPrefix(head, pdfMagic) {
		// EA transactions are a CSV file: text, ending with a line break. (A PDF in their place
		// is checked as a PDF below.)
		if !looksLikeCSV(head) {
			return 0, blob.ContentError(lastURL, "a CSV document", describeContent(head, r.Size()))
		}
		w, err := sink(r)
		if err != nil {
			return 0, err
		}
		tw := &tailWriter{w: w}
		if from == nil {
			m, err := tw.Write(head)
			if err != nil {
				return int64(m), err
			}
			done = int64(m)
		}
		rest, err := io.Copy(tw, r)
		if err != nil {
			return done + rest, err
		}
		// Without an MD5 from the host, a CSV cut short under a matching Content-Length looks
		// complete; its last line break does not survive a cut mid-line.
		if len(tw.tail) > 0 && !bytes.HasSuffix(tw.tail, []byte("\n")) {
			return done + rest, &blob.Error{Op: "download", URL: blob.Redact(lastURL), Kind: blob.KindIntegrity,
				Reason: fmt.Sprintf("the CSV of %d bytes does not end with a line break: the document was cut short", done+rest)}
		}
		return done + rest, nil
	}
	if !bytes.HasPrefix(head, pdfMagic) {
		return 0, blob.ContentError(lastURL, "a PDF document", describeContent(head, r.Size()))
	}
	w, err := sink(r)
	if err != nil {
		return 0, err
	}
	tw := &tailWriter{w: w}
	if from != nil {
		tw.tail = append(tw.tail, from.tail...)
	} else {
		m, err := tw.Write(head)
		if err != nil {
			return int64(m), err
		}
		done = int64(m)
	}
	rest, err := io.Copy(tw, r)
	if err != nil {
		return done + rest, err
	}
	// Without an MD5 from the host, a body cut short under a matching Content-Length looks
	// complete; a PDF's trailer does not survive that. Readers look for %%EOF in the last
	// 1024 bytes, as the completeness check of DownloadAll does.
	if !bytes.Contains(tw.tail, pdfEOF) {
		return done + rest, &blob.Error{Op: "download", URL: blob.Redact(lastURL), Kind: blob.KindIntegrity,
			Reason: fmt.Sprintf("the PDF of %d bytes has no %%%%EOF trailer in its last %d bytes: the document was cut short", done+rest, pdfTailLen)}
	}
	return done + rest, nil
}

// looksLikeCSV reports whether the first bytes of a body can start a CSV file: text that is not
// an error page (HTML, XML, JSON) or an archive.
func looksLikeCSV(head []byte) bool {
	if len(head) == 0 || bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(trimmed) == 0 {
		return false
	}
	switch trimmed[0] {
	case '<', '{', '[':
		return false
	}
	return !bytes.HasPrefix(head, []byte("PK\x03\x04"))
}

// pdfTailLen is how far from its end a PDF's %%EOF marker may be.
const pdfTailLen = 1024

// tailWriter passes writes through and keeps the last pdfTailLen bytes written.
type tailWriter struct {
	w    io.Writer
	tail []byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	q := p[:n]
	if len(q) >= pdfTailLen {
		t.tail = append(t.tail[:0], q[len(q)-pdfTailLen:]...)
	} else {
		t.tail = append(t.tail, q...)
		if over := len(t.tail) - pdfTailLen; over > 0 {
			t.tail = append(t.tail[:0], t.tail[over:]...)
		}
	}
	return n, err
}

// describeContent says in a few words what a body is, for "expected a PDF, got …" errors.
func describeContent(head []byte, size int64) string {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	lower := bytes.ToLower(trimmed)
	var what string
	switch {
	case len(head) == 0:
		return "an empty body"
	case bytes.HasPrefix(lower, []byte("<!doctype html")) || bytes.HasPrefix(lower, []byte("<html")) || bytes.Contains(lower, []byte("<html")):
		what = "an HTML page"
	case bytes.HasPrefix(lower, []byte("<?xml")) || bytes.HasPrefix(lower, []byte("<error")):
		what = "an XML document"
	case bytes.HasPrefix(trimmed, []byte("{")) || bytes.HasPrefix(trimmed, []byte("[")):
		what = "JSON"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		what = "a zip archive"
	default:
		what = "data that is not a PDF"
	}
	if size >= 0 {
		what += fmt.Sprintf(" of %d bytes", size)
	}
	return what + " starting with " + quoteSnippet(trimmed)
}

// quoteSnippet is a short, printable, quoted prefix of b with anything SAS-like redacted.
func quoteSnippet(b []byte) string {
	const limit = 60
	var sb strings.Builder
	for _, r := range string(b) {
		if sb.Len() >= limit {
			sb.WriteString("…")
			break
		}
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			r = ' '
		}
		sb.WriteRune(r)
	}
	return fmt.Sprintf("%q", blob.RedactText(sb.String()))
}
