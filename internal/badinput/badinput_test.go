package badinput

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/invoice"
	"github.com/azbilling/azbilling/roles"
	"github.com/azbilling/azbilling/usage"
)

var discover = flag.Bool("badinput.discover", false, "print what every case produces instead of checking it")

const corpus = "../../testdata/bad"

// expansion grows a marker of a file into a large input, so huge inputs need not be stored.
type expansion struct {
	Repeat string `json:"repeat"`
	Times  int    `json:"times"`
	Close  string `json:"close"` // appended Times times after the repeats (closing brackets)
}

// testCase is one entry of cases.json.
type testCase struct {
	File   string               `json:"file"`   // path under testdata/bad; or
	Input  string               `json:"input"`  // the input itself
	Target string               `json:"target"` // decoder or endpoint, see targets
	Expand map[string]expansion `json:"expand"`
	Reader *struct {
		MaxRowBytes int `json:"maxRowBytes"`
	} `json:"reader"`
	Error    string `json:"error"`    // expected error type, see matchers; "none" for success
	Kind     string `json:"kind"`     // DownloadError kind, e.g. "unexpected content"
	Sentinel string `json:"sentinel"` // expected sentinel, see sentinels
	Contains string `json:"contains"` // expected text in the message
	Why      string `json:"why"`
}

func (c testCase) name() string {
	n := c.File
	if n == "" {
		n = fmt.Sprintf("%q", c.Input)
		if len(n) > 40 {
			n = n[:40]
		}
	}
	return c.Target + "/" + n
}

func (c testCase) data(t *testing.T) []byte {
	t.Helper()
	if c.File == "" {
		return []byte(c.Input)
	}
	b, err := os.ReadFile(filepath.Join(corpus, filepath.FromSlash(c.File)))
	require.NoError(t, err)
	for marker, x := range c.Expand {
		big := strings.Repeat(x.Repeat, x.Times) + strings.Repeat(x.Close, x.Times)
		b = bytes.ReplaceAll(b, []byte(marker), []byte(big))
	}
	return b
}

func loadCases(t *testing.T) []testCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpus, "cases.json"))
	require.NoError(t, err)
	var cases []testCase
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&cases))
	return cases
}

// matchers check the type of an error named in cases.json.
var matchers = map[string]func(error) bool{
	"ProtocolError":   func(err error) bool { var e *billing.ProtocolError; return errors.As(err, &e) },
	"ServiceError":    func(err error) bool { var e *billing.ServiceError; return errors.As(err, &e) },
	"PermissionError": func(err error) bool { var e *roles.PermissionError; return errors.As(err, &e) },
	"InputError":      func(err error) bool { var e *billing.InputError; return errors.As(err, &e) },
	"DownloadError":   func(err error) bool { var e *billing.DownloadError; return errors.As(err, &e) },
	"ParseError":      func(err error) bool { var e *usage.ParseError; return errors.As(err, &e) },
	"ReportError":     func(err error) bool { var e *usage.ReportError; return errors.As(err, &e) },
	"HostError":       func(err error) bool { var e *billing.HostError; return errors.As(err, &e) },
}

var sentinels = map[string]error{
	"billing.ErrInvalidDecimal": billing.ErrInvalidDecimal,
	"billing.ErrInvalidDate":    billing.ErrInvalidDate,
	"billing.ErrInvalidInput":   billing.ErrInvalidInput,
	"usage.ErrUnknownHeader":    usage.ErrUnknownHeader,
	"usage.ErrNoHeader":         usage.ErrNoHeader,
	"usage.ErrFieldCount":       usage.ErrFieldCount,
	"usage.ErrQuote":            usage.ErrQuote,
	"usage.ErrRowTooLong":       usage.ErrRowTooLong,
	"usage.ErrBadDecimal":       usage.ErrBadDecimal,
	"usage.ErrBadDate":          usage.ErrBadDate,
	"usage.ErrReportFailed":     usage.ErrReportFailed,
}

// typeName names the SDK type of err for discovery output.
func typeName(err error) string {
	if err == nil {
		return "none"
	}
	for _, n := range []string{"DownloadError", "ParseError", "ReportError", "PermissionError", "ServiceError", "HostError", "ProtocolError", "InputError"} {
		if matchers[n](err) {
			if n == "DownloadError" {
				var de *billing.DownloadError
				errors.As(err, &de)
				return n + "/" + de.Kind.String()
			}
			return n
		}
	}
	return fmt.Sprintf("untyped %T", err)
}

func TestCorpus(t *testing.T) {
	cases := loadCases(t)
	require.NotEmpty(t, cases)
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.File] = true
		t.Run(c.name(), func(t *testing.T) {
			run, ok := targets[c.Target]
			require.True(t, ok, "unknown target %q", c.Target)
			err := run(t, c, c.data(t))
			if *discover {
				t.Logf("%s -> %s: %v", c.name(), typeName(err), err)
				return
			}
			check(t, c, err)
		})
	}
	// Every file of the corpus is used by at least one case.
	_ = filepath.WalkDir(corpus, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "cases.json" {
			return err
		}
		rel, _ := filepath.Rel(corpus, path)
		assert.True(t, covered[filepath.ToSlash(rel)], "%s is in no case", rel)
		return nil
	})
}

func check(t *testing.T, c testCase, err error) {
	t.Helper()
	if c.Error == "none" {
		require.NoError(t, err, c.Why)
		return
	}
	require.Error(t, err, c.Why)
	if c.Error != "sentinel" { // "sentinel": only errors.Is is promised (a parse function's plain error)
		m, ok := matchers[c.Error]
		require.True(t, ok, "unknown error type %q", c.Error)
		assert.True(t, m(err), "want a %s, got %s: %v (%s)", c.Error, typeName(err), err, c.Why)
	}
	if c.Kind != "" {
		var de *billing.DownloadError
		if assert.ErrorAs(t, err, &de) {
			assert.Equal(t, c.Kind, de.Kind.String(), err.Error())
		}
	}
	if c.Sentinel != "" {
		s, ok := sentinels[c.Sentinel]
		require.True(t, ok, "unknown sentinel %q", c.Sentinel)
		assert.ErrorIs(t, err, s)
	}
	if c.Contains != "" {
		assert.Contains(t, err.Error(), c.Contains)
	}
	// Whatever the input, the message stays one readable line without SAS signatures.
	msg := err.Error()
	assert.NotContains(t, msg, "sig=")
	assert.Less(t, len(msg), 2000, "the message quotes a bounded snippet")
}

// targets feed an input to one decoder, or serve it as the answer of one endpoint.
var targets = map[string]func(t *testing.T, c testCase, data []byte) error{
	"invoice-json": func(t *testing.T, c testCase, data []byte) error {
		_, err := invoice.DecodeInvoice(data)
		return err
	},
	"decimal": func(t *testing.T, c testCase, data []byte) error {
		_, err := billing.ParseDecimal(string(data))
		return err
	},
	"date": func(t *testing.T, c testCase, data []byte) error {
		_, err := billing.ParseDate(string(data))
		return err
	},
	"scope": func(t *testing.T, c testCase, data []byte) error {
		_, err := billing.ParseScope(string(data))
		return err
	},
	"usage-csv": func(t *testing.T, c testCase, data []byte) error {
		o := &usage.ReaderOptions{File: c.File}
		if c.Reader != nil {
			o.MaxRowBytes = c.Reader.MaxRowBytes
		}
		return readAll(usage.NewReader(bytes.NewReader(data), o).All())
	},
	// The invoice list of a billing profile answers 200 with the input.
	"arm-list": func(t *testing.T, c testCase, data []byte) error {
		arm := serve(t, func(w http.ResponseWriter, r *http.Request) { reply(w, c, 200, data) })
		return readAll(profileClient(t, arm).List(context.Background(), nil))
	},
	// The invoice list answers 400, 403 or 500 with the input as its error body.
	"arm-error-400": armError(400),
	"arm-error-403": armError(403),
	"arm-error-500": armError(500),
	// The download operation's final answer is the input.
	"download-result": func(t *testing.T, c testCase, data []byte) error {
		arm := serve(t, func(w http.ResponseWriter, r *http.Request) { reply(w, c, 200, data) })
		return downloadFile(t, profileClient(t, arm))
	},
	// The document behind the download link is the input.
	"invoice-document": func(t *testing.T, c testCase, data []byte) error {
		blob := serve(t, func(w http.ResponseWriter, r *http.Request) { reply(w, c, 200, data) })
		arm := serve(t, func(w http.ResponseWriter, r *http.Request) {
			reply(w, testCase{}, 200, []byte(`{"url":"`+blob.URL+`/d.pdf?sv=1&sig=c2lnbmF0dXJl","expiryTime":"2099-01-01T00:00:00Z"}`))
		})
		return downloadFile(t, profileClient(t, arm))
	},
	// An invoice name given by the caller (or listed by the service).
	"invoice-name": func(t *testing.T, c testCase, data []byte) error {
		arm := serve(t, nil)
		ic := profileClient(t, arm)
		_, err := ic.Get(context.Background(), string(data))
		_, derr := ic.DownloadFile(context.Background(), invoice.Invoice{Name: string(data)}, invoice.KindInvoice, t.TempDir())
		assert.Equal(t, typeName(err), typeName(derr), "Get and DownloadFile agree")
		assert.Zero(t, arm.Config.Handler.(*counter).n, "nothing was sent")
		return err
	},
	// Text from the service (an invoice name, a document kind) turned into a file name.
	"file-name": func(t *testing.T, c testCase, data []byte) error {
		for _, fn := range []string{
			invoice.SafeFileName(string(data)),
			invoice.FileName(invoice.Invoice{Name: string(data)}, invoice.Document{Kind: invoice.DocumentKind(data), Name: string(data)}),
		} {
			if err := unsafeName(fn); err != nil {
				return err
			}
		}
		return nil
	},
	// The Cost Details operation's final answer is the input.
	"cost-details-result": func(t *testing.T, c testCase, data []byte) error {
		arm := serve(t, func(w http.ResponseWriter, r *http.Request) { reply(w, c, 200, data) })
		s, _ := billing.ParseScope("/providers/Microsoft.Billing/billingAccounts/" + billingtest.EAAccount)
		return readAll(usage.NewClient(bc(t, arm)).Records(context.Background(), s, nil))
	},
	// A Cost Details report's only blob is the input.
	"usage-csv-blob": func(t *testing.T, c testCase, data []byte) error {
		blob := serve(t, func(w http.ResponseWriter, r *http.Request) { reply(w, c, 200, data) })
		manifest := fmt.Sprintf(`{"id":"x","name":"op1","status":"Completed","validTill":"2099-01-01T00:00:00Z","manifest":{"manifestVersion":"2025-03-01","dataFormat":"Csv","blobCount":1,"byteCount":%d,"blobs":[{"blobLink":"%s/r.csv?sv=1&sig=c2lnbmF0dXJl","byteCount":%d}]}}`,
			len(data), blob.URL, len(data))
		arm := serve(t, func(w http.ResponseWriter, r *http.Request) { reply(w, testCase{}, 200, []byte(manifest)) })
		s, _ := billing.ParseScope("/providers/Microsoft.Billing/billingAccounts/" + billingtest.EAAccount)
		o := &usage.Options{}
		if c.Reader != nil {
			o.Reader = &usage.ReaderOptions{MaxRowBytes: c.Reader.MaxRowBytes}
		}
		return readAll(usage.NewClient(bc(t, arm)).Records(context.Background(), s, o))
	},
	// A Consumption usage details page is the input.
	"usage-details-page": func(t *testing.T, c testCase, data []byte) error {
		arm := serve(t, func(w http.ResponseWriter, r *http.Request) { reply(w, c, 200, data) })
		s, _ := billing.SubscriptionScope(billingtest.SubscriptionPayAsYouGo)
		return readAll(usage.NewClient(bc(t, arm)).Records(context.Background(), s, &usage.Options{Agreement: billing.AgreementMOSP}))
	},
}

func armError(status int) func(t *testing.T, c testCase, data []byte) error {
	return func(t *testing.T, c testCase, data []byte) error {
		arm := serve(t, func(w http.ResponseWriter, r *http.Request) { reply(w, c, status, data) })
		return readAll(profileClient(t, arm).List(context.Background(), nil))
	}
}

func readAll[T any](seq func(func(T, error) bool)) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

// downloadFile downloads an invoice into a fresh folder and checks nothing is left on failure.
func downloadFile(t *testing.T, c *invoice.Client) error {
	dir := t.TempDir()
	_, err := c.DownloadFile(context.Background(), invoice.Invoice{Name: "G000000001"}, invoice.KindInvoice, dir)
	if err != nil {
		entries, _ := os.ReadDir(dir)
		assert.Empty(t, entries, "a failed download leaves no file")
	}
	return err
}

// reply answers with data, as HTML when the case's file is an HTML page.
func reply(w http.ResponseWriter, c testCase, status int, data []byte) {
	ct := "application/json; charset=utf-8"
	switch ext := filepath.Ext(c.File); ext {
	case ".html":
		ct = "text/html; charset=utf-8"
	case ".csv":
		ct = "text/csv"
	case ".pdf":
		ct = "application/pdf"
	case ".txt", ".xml":
		ct = "text/plain"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

type counter struct {
	h http.HandlerFunc
	n int
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.n++
	if c.h == nil {
		w.WriteHeader(http.StatusTeapot)
		return
	}
	c.h(w, r)
}

func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	s := httptest.NewTLSServer(&counter{h: h})
	t.Cleanup(s.Close)
	return s
}

type tokenCred struct{}

func (tokenCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "token", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// bc is a billing client whose Resource Manager endpoint (and blob hosts) are test servers.
func bc(t *testing.T, arm *httptest.Server) *billing.Client {
	t.Helper()
	c, err := billing.NewClient(tokenCred{}, &billing.ClientOptions{
		ClientOptions: azarm.ClientOptions{ClientOptions: policy.ClientOptions{
			Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Audience: "https://management.azure.com", Endpoint: arm.URL},
			}},
			Transport: arm.Client(),
			Retry:     policy.RetryOptions{MaxRetries: -1},
		}},
		Download: billing.DownloadOptions{HTTPClient: arm.Client(), AllowLoopback: true, MaxRetries: -1},
	})
	require.NoError(t, err)
	return c
}

func profileClient(t *testing.T, arm *httptest.Server) *invoice.Client {
	return invoice.NewProfileClient(bc(t, arm), billingtest.MCAAccount, billingtest.MCAProfileUS)
}

// unsafeName says what is wrong with a file name on Linux, macOS or Windows.
func unsafeName(fn string) error {
	switch {
	case fn == "" || len(fn) > 200:
		return fmt.Errorf("file name %q: empty or too long", fn)
	case !filepath.IsLocal(fn) || strings.Contains(fn, ".."):
		return fmt.Errorf("file name %q leaves its folder", fn)
	case strings.ContainsAny(fn, `/\:*?"<>|`):
		return fmt.Errorf("file name %q holds a separator or a character Windows refuses", fn)
	case strings.HasSuffix(fn, ".") || strings.HasSuffix(fn, " ") || strings.HasPrefix(fn, "."):
		return fmt.Errorf("file name %q starts with a dot or ends with a dot or space", fn)
	}
	for _, r := range fn {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("file name %q holds a control character", fn)
		}
	}
	stem, _, _ := strings.Cut(strings.ToUpper(fn), ".")
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return fmt.Errorf("file name %q is a reserved device name", fn)
	}
	if len(stem) == 4 && (strings.HasPrefix(stem, "COM") || strings.HasPrefix(stem, "LPT")) && stem[3] >= '0' && stem[3] <= '9' {
		return fmt.Errorf("file name %q is a reserved device name", fn)
	}
	return nil
}
