package billingtest

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"
)

// storageFronts are the proxies StorageFront started; Close stops them.
type storageFronts struct {
	mu     sync.Mutex
	closed bool
	list   []*storageFront
}

type storageFront struct {
	srv *http.Server
	tr  *http.Transport
}

// StorageFront starts a plain-HTTP reverse proxy on a loopback port in front of the storage
// account at endpoint (Azurite's account URL, e.g. http://127.0.0.1:10000/devstoreaccount1) and
// returns the same account's URL through the proxy. Faults aimed at Storage (Fault.OnStorage)
// act on the answers that pass through it, as a storage account that throttles, fails or drops
// connections mid-download would; the export data itself stays untouched in the account.
// Requests through it are recorded with Target Storage. Shared-key and SAS signatures still
// hold: they sign the path, not the host. The proxy stops when the server is closed.
func (s *Server) StorageFront(endpoint string) (string, error) {
	target, err := url.Parse(endpoint)
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return "", fmt.Errorf("billingtest: storage endpoint %q is not an http(s) URL", endpoint)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	quiet := log.New(io.Discard, "", 0)
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL.Scheme, r.Out.URL.Host = target.Scheme, target.Host
			r.Out.Host = target.Host
		},
		Transport: tr,
		ErrorLog:  quiet,
	}
	forward := func(w http.ResponseWriter, r *http.Request) {
		// A fault that cuts the answer makes the proxy abort its copy with ErrAbortHandler;
		// returning lets serveWithFaults drop the connection the way the fault says.
		defer func() {
			if v := recover(); v != nil && v != http.ErrAbortHandler {
				panic(v)
			}
		}()
		proxy.ServeHTTP(w, r)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("billingtest: storage front: %w", err)
	}
	f := &storageFront{tr: tr, srv: &http.Server{ErrorLog: quiet, ReadHeaderTimeout: 30 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serveWithFaults(Storage, w, r, forward) })}}
	s.fronts.mu.Lock()
	if s.fronts.closed {
		s.fronts.mu.Unlock()
		_ = ln.Close()
		return "", fmt.Errorf("billingtest: storage front: the server is closed")
	}
	s.fronts.list = append(s.fronts.list, f)
	s.fronts.mu.Unlock()
	go func() { _ = f.srv.Serve(ln) }()
	return "http://" + ln.Addr().String() + target.EscapedPath(), nil
}

// closeFronts stops every storage front and drops its connections to the account.
func (s *Server) closeFronts() {
	s.fronts.mu.Lock()
	defer s.fronts.mu.Unlock()
	s.fronts.closed = true
	for _, f := range s.fronts.list {
		_ = f.srv.Close()
		f.tr.CloseIdleConnections()
	}
	s.fronts.list = nil
}
