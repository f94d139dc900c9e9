package billingtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// DefaultNow was the fixed anchor of the world clock before the world followed the real date.
//
// Deprecated: the world clock is the real clock unless WithNow pins it; pin
// WithNow(ReferenceNow()) for the same instant.
const DefaultNow = "2026-11-25T12:00:00Z"

// Server is a running emulator: an ARM listener that speaks Microsoft.Billing (and, once the
// feature files register them, Cost Management and Consumption) and a blob listener that serves
// SAS URLs. Both use TLS with one throw-away CA. All methods are safe for concurrent use.
type Server struct {
	cfg config

	caPEM   []byte
	caPool  *x509.CertPool
	armURL  string
	blobURL string
	armSrv  *http.Server
	blobSrv *http.Server
	armLn   net.Listener
	blobLn  net.Listener
	started time.Time // real start time, for the world clock

	routes []*route

	// mu guards the world and every piece of mutable protocol state below.
	mu     sync.RWMutex
	world  *World
	ops    map[string]*lroOp
	blobs  map[string]*blob
	rng    *rand.Rand // deterministic ids (operation ids, etags); guarded by mu
	opSeq  int
	sasKey []byte
	// profilePutChecks validate billing profile PUTs (see profilePutCheck); set at registration.
	profilePutChecks []profilePutCheck
	// email is the invoice e-mail feature's state (routes_email.go).
	email *emailState
	// usage is the usage feature's state (routes_usage.go); set at registration.
	usage *usageState
	// invoices is the invoice feature's state (routes_invoice.go); set at registration.
	invoices *invoiceState
	// exports is the Cost Management exports feature's state (exports_routes.go).
	exports *exportState
	// fronts are the storage proxies StorageFront started (exports_front.go).
	fronts storageFronts

	faultMu sync.Mutex
	faults  []*faultState

	recMu       sync.Mutex
	requests    []*Request
	sawBlobAuth bool

	reqSeq    atomic.Uint64
	skew      atomic.Int64 // nanoseconds added to the world clock by AdvanceClock
	closeOnce sync.Once
}

// NewServer starts an emulator for a test and closes it when the test ends. It fails the test if
// the server cannot start.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatalf("billingtest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts an emulator for a program; the caller must Close it.
func Start(opts ...Option) (*Server, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.pageSize < 1 {
		return nil, fmt.Errorf("billingtest: page size %d must be at least 1", cfg.pageSize)
	}
	if cfg.lroPolls < 0 || cfg.retryAfter < 0 {
		return nil, errors.New("billingtest: LRO delay and polls must not be negative")
	}
	ca, err := newCertAuthority()
	if err != nil {
		return nil, fmt.Errorf("billingtest: generating the CA: %w", err)
	}
	s := &Server{
		cfg:     cfg,
		caPEM:   ca.caPEM,
		caPool:  ca.pool,
		ops:     make(map[string]*lroOp),
		blobs:   make(map[string]*blob),
		rng:     rand.New(rand.NewPCG(uint64(cfg.seed), 0x62696c6c696e67)), // "billing"
		started: time.Now(),
	}
	layout := cfg.now
	if cfg.now.IsZero() {
		// The real clock: the world is laid out as of noon UTC today, so it depends on the date
		// and the seed only, not on the minute the server started.
		s.cfg.now = s.started.UTC()
		layout = day(s.cfg.now).Add(12 * time.Hour)
	}
	s.sasKey = make([]byte, 32)
	for i := range s.sasKey {
		s.sasKey[i] = byte(s.rng.Uint32())
	}
	s.world = newWorld(cfg.seed, layout, cfg.eaPolicy)
	addEASubscriptions(s.world, cfg.usage.extraSubs)
	for _, f := range cfg.faults {
		s.faults = append(s.faults, &faultState{Fault: f})
	}
	s.registerRoutes()

	tlsCfg := &tls.Config{
		Certificates: []tls.Certificate{ca.leaf},
		MinVersion:   tls.VersionTLS12,
		// HTTP/1.1 only: fault injection hijacks connections, which HTTP/2 does not allow.
		NextProtos: []string{"http/1.1"},
	}
	quiet := log.New(io.Discard, "", 0) // clients that distrust the CA would log handshake noise
	if s.armLn, err = listen(cfg.addr, tlsCfg); err != nil {
		return nil, err
	}
	if s.blobLn, err = listen(cfg.blobAddr, tlsCfg); err != nil {
		_ = s.armLn.Close()
		return nil, err
	}
	s.armURL = "https://" + s.armLn.Addr().String()
	s.blobURL = "https://" + s.blobLn.Addr().String()
	s.armSrv = &http.Server{Handler: http.HandlerFunc(s.serveARM), ErrorLog: quiet, ReadHeaderTimeout: 30 * time.Second}
	s.blobSrv = &http.Server{Handler: http.HandlerFunc(s.serveBlob), ErrorLog: quiet, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = s.armSrv.Serve(s.armLn) }()
	go func() { _ = s.blobSrv.Serve(s.blobLn) }()
	return s, nil
}

func listen(addr string, cfg *tls.Config) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("billingtest: listening on %s: %w", addr, err)
	}
	return tls.NewListener(ln, cfg), nil
}

// Close stops both listeners and drops open connections. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		_ = s.armSrv.Close()
		_ = s.blobSrv.Close()
		s.closeFronts()
	})
}

// ARMEndpoint is the base URL of the ARM listener, e.g. https://127.0.0.1:PORT (no trailing slash).
func (s *Server) ARMEndpoint() string { return s.armURL }

// BlobEndpoint is the base URL of the blob listener: a different host:port, so a client that
// leaks its ARM token to blob hosts can be caught (see SawAuthorizationOnBlob).
func (s *Server) BlobEndpoint() string { return s.blobURL }

// CACertPEM is the PEM-encoded CA certificate both listeners chain to.
func (s *Server) CACertPEM() []byte { return append([]byte(nil), s.caPEM...) }

// CertPool is a certificate pool holding only the emulator's CA.
func (s *Server) CertPool() *x509.CertPool { return s.caPool.Clone() }

// HTTPClient returns a new HTTP client that trusts the emulator's CA (and nothing else).
func (s *Server) HTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: s.caPool.Clone(), MinVersion: tls.VersionTLS12}
	tr.ForceAttemptHTTP2 = false
	// Go keeps 2 idle connections per host by default: concurrent downloads would redo a TLS
	// handshake on almost every request. Real SDK transports keep more.
	tr.MaxIdleConnsPerHost = 16
	return &http.Client{Transport: tr}
}

// Now is the world clock: the real clock, or the instant WithNow pinned plus the real time
// elapsed since the server started; AdvanceClock moves it on.
func (s *Server) Now() time.Time {
	return s.cfg.now.Add(time.Since(s.started) + time.Duration(s.skew.Load())).UTC()
}

// AdvanceClock moves the world clock forward by d (e.g. to expire SAS URLs without waiting).
func (s *Server) AdvanceClock(d time.Duration) { s.skew.Add(int64(d)) }

// World returns a snapshot of the emulator's current world: the seeded facts plus changes made
// through the API (for example a billing profile PUT). Changing the snapshot changes nothing.
func (s *Server) World() *World {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.world.clone()
}

// Credential returns a credential whose bearer token is the principal's name, which is how the
// emulator knows who calls. The token never expires. Test use only.
func (s *Server) Credential(p Principal) azcore.TokenCredential {
	return staticCredential{token: string(p)}
}

type staticCredential struct{ token string }

// GetToken implements azcore.TokenCredential.
func (c staticCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: c.token, ExpiresOn: time.Date(2199, 1, 1, 0, 0, 0, 0, time.UTC)}, nil
}

// SetEAPolicy changes the EA enrollment's view-charges policies while the server runs.
func (s *Server) SetEAPolicy(p EAPolicy) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.world.EAPolicy = p.withDefaults()
}

// nextID returns a deterministic GUID-shaped id (same seed, same request order: same ids).
// Callers must hold s.mu for writing.
func (s *Server) nextID() string {
	hi, lo := s.rng.Uint64(), s.rng.Uint64()
	return formatGUID(hi, lo)
}

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }

func formatGUID(hi, lo uint64) string {
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, (hi>>16)&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
}
