package replay

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Scenario is one fixture file: the recordings it stands for and the interactions it replays.
type Scenario struct {
	// Name is the file name without extension, set when the file is loaded.
	Name string `json:"-"`
	// Sources names the public recordings (repository, path, commit) the interactions reproduce.
	Sources []Source `json:"sources"`
	// Notes says what was abridged or replaced, in prose.
	Notes string `json:"notes,omitempty"`
	// Interactions are served in file order when several share a request key.
	Interactions []Interaction `json:"interactions"`
}

// Source is one public recording.
type Source struct {
	// Repo is the GitHub repository, owner/name.
	Repo string `json:"repo"`
	// Path is the recording's path in the repository.
	Path string `json:"path"`
	// Commit is the commit the recording was read at.
	Commit string `json:"commit"`
}

// Interaction is one recorded request and its answer.
type Interaction struct {
	// Method is the HTTP method of the request.
	Method string `json:"method"`
	// URL is the recorded request path and query, relative to the Resource Manager endpoint.
	URL string `json:"url"`
	// Status is the answer's status code.
	Status int `json:"status"`
	// Headers are the answer's headers that matter (Location, Retry-After, x-ms-request-id, ...).
	// Hosts in Location are rewritten like those in the body.
	Headers map[string]string `json:"headers,omitempty"`
	// Body is the answer's body, served byte for byte (after host rewriting); absent means empty.
	Body json.RawMessage `json:"body,omitempty"`
}

// Load reads every scenario file (*.json) in dir.
func Load(dir string) ([]*Scenario, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*Scenario
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		var sc Scenario
		if err := json.Unmarshal(data, &sc); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		sc.Name = strings.TrimSuffix(filepath.Base(n), ".json")
		for i, in := range sc.Interactions {
			if _, err := url.Parse(in.URL); err != nil || !strings.HasPrefix(in.URL, "/") {
				return nil, fmt.Errorf("%s: interaction %d: bad url %q", n, i, in.URL)
			}
			if len(in.Body) > 0 && !json.Valid(in.Body) {
				return nil, fmt.Errorf("%s: interaction %d: body is not JSON", n, i)
			}
		}
		out = append(out, &sc)
	}
	return out, nil
}

// Request is a request the servers received.
type Request struct {
	// Method and URL (path and raw query) as received.
	Method, URL string
	// Authorization is the Authorization header as received ("" when absent).
	Authorization string
	// Matched is "scenario#index" of the interaction served, "" when none matched.
	Matched string
}

// Server serves scenarios as Resource Manager, and answers blob downloads for the SAS links in
// them as the blob host.
type Server struct {
	arm, blob *httptest.Server
	pool      *x509.CertPool

	mu      sync.Mutex
	entries map[string][]entry // by request key
	served  map[string]int     // by request key: answers given
	log     []Request
	blobDoc map[string][]byte
}

type entry struct {
	scenario string
	index    int
	in       Interaction
	keys     url.Values
}

// keyParam reports whether a query parameter identifies the resource or page asked for (and so
// must match exactly), as opposed to parameters a client may send differently (api-version,
// filters, flags) or signatures the service adds to operation URLs.
func keyParam(name string) bool {
	n := strings.ToLower(strings.TrimPrefix(name, "$"))
	return strings.Contains(n, "skiptoken") || n == "sessiontoken" || n == "documentname"
}

func requestKey(method, path string, q url.Values) (string, url.Values) {
	keys := url.Values{}
	for k, v := range q {
		if keyParam(k) {
			keys[strings.ToLower(strings.TrimPrefix(k, "$"))] = v
		}
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k+"="+strings.Join(keys[k], ","))
	}
	sort.Strings(names)
	return strings.ToUpper(method) + " " + strings.ToLower(path) + "?" + strings.Join(names, "&"), keys
}

// New starts the servers for the given scenarios. blobDocuments says what a blob download
// answers, by the extension of the blob's name (".pdf", ".csv"); the recordings hold links, not
// documents. Close the servers with Close.
func New(scenarios []*Scenario, blobDocuments map[string][]byte) (*Server, error) {
	s := &Server{entries: map[string][]entry{}, served: map[string]int{}, blobDoc: blobDocuments}
	for _, sc := range scenarios {
		for i, in := range sc.Interactions {
			u, err := url.Parse(in.URL)
			if err != nil {
				return nil, err
			}
			q, err := url.ParseQuery(u.RawQuery)
			if err != nil {
				return nil, fmt.Errorf("%s#%d: %w", sc.Name, i, err)
			}
			k, keys := requestKey(in.Method, u.Path, q)
			s.entries[k] = append(s.entries[k], entry{scenario: sc.Name, index: i, in: in, keys: keys})
		}
	}
	s.arm = httptest.NewTLSServer(http.HandlerFunc(s.serveARM))
	s.blob = httptest.NewTLSServer(http.HandlerFunc(s.serveBlob))
	s.pool = x509.NewCertPool()
	s.pool.AddCert(s.arm.Certificate())
	s.pool.AddCert(s.blob.Certificate())
	return s, nil
}

// Close shuts both servers down.
func (s *Server) Close() {
	s.arm.Close()
	s.blob.Close()
}

// ARMURL is the Resource Manager endpoint the server plays.
func (s *Server) ARMURL() string { return s.arm.URL }

// BlobURL is the blob host the server plays.
func (s *Server) BlobURL() string { return s.blob.URL }

// CertPool trusts both servers.
func (s *Server) CertPool() *x509.CertPool { return s.pool }

// Log returns the requests received so far.
func (s *Server) Log() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// Unserved lists "scenario#index" of the interactions never served.
func (s *Server) Unserved() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k, es := range s.entries {
		for i := s.served[k]; i < len(es); i++ {
			out = append(out, fmt.Sprintf("%s#%d", es[i].scenario, es[i].index))
		}
	}
	sort.Strings(out)
	return out
}

var (
	armHost  = regexp.MustCompile(`https://management\.azure\.com`)
	blobHost = regexp.MustCompile(`https://([a-z0-9]+)\.blob\.core\.windows\.net`)
)

// rewrite points absolute links at the servers; a blob host's account name becomes the first path
// segment so that the link's path stays recognisable.
func (s *Server) rewrite(b []byte) []byte {
	b = armHost.ReplaceAll(b, []byte(s.arm.URL))
	return blobHost.ReplaceAll(b, []byte(s.blob.URL+"/$1"))
}

func (s *Server) serveARM(w http.ResponseWriter, r *http.Request) {
	k, _ := requestKey(r.Method, r.URL.Path, r.URL.Query())
	s.mu.Lock()
	rec := Request{Method: r.Method, URL: r.URL.RequestURI(), Authorization: r.Header.Get("Authorization")}
	es := s.entries[k]
	if len(es) == 0 {
		s.log = append(s.log, rec)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"error":{"code":"ReplayNoMatch","message":"no recorded interaction for %s"}}`, jsonEscape(k))
		return
	}
	n := s.served[k]
	if n < len(es) {
		s.served[k] = n + 1
	} else {
		n = len(es) - 1 // the last answer repeats
	}
	e := es[n]
	rec.Matched = fmt.Sprintf("%s#%d", e.scenario, e.index)
	s.log = append(s.log, rec)
	s.mu.Unlock()

	_, _ = io.Copy(io.Discard, r.Body)
	for h, v := range e.in.Headers {
		w.Header().Set(h, string(s.rewrite([]byte(v))))
	}
	if len(e.in.Body) > 0 {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(e.in.Status)
	if len(e.in.Body) > 0 {
		_, _ = w.Write(s.rewrite(e.in.Body))
	}
}

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}

func (s *Server) serveBlob(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.log = append(s.log, Request{Method: r.Method, URL: r.URL.RequestURI(), Authorization: r.Header.Get("Authorization"), Matched: "blob"})
	s.mu.Unlock()
	if r.URL.Query().Get("sig") == "" {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	doc, ok := s.blobDoc[path.Ext(r.URL.Path)]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	http.ServeContent(w, r, path.Base(r.URL.Path), zeroTime, bytes.NewReader(doc))
}

var zeroTime = time.Time{}
