// Package azurite starts Azurite, Microsoft's Azure Storage emulator (npm
// package azurite), for tests: its blob service on a free loopback port, in
// memory, stopped when the test ends. When Azurite is not installed the test
// is skipped with a message saying how to install it, unless
// AZBILLING_REQUIRE_AZURITE is set (CI sets it), in which case it fails.
package azurite

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

// Account and Key are Azurite's well-known development account.
const (
	Account = "devstoreaccount1"
	Key     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// Install says how to get Azurite.
const Install = "install Azurite (npm install -g azurite, or npm install --prefix DIR azurite and set AZURITE_BIN=DIR/node_modules/.bin/azurite-blob)"

// Server is a running Azurite blob service.
type Server struct {
	// URL is the blob service endpoint, http://127.0.0.1:PORT/devstoreaccount1.
	URL string

	stop func()
	dir  string
}

// Close stops Azurite and removes its folder.
func (s *Server) Close() {
	s.stop()
	_ = os.RemoveAll(s.dir)
}

// Binary finds azurite-blob: $AZURITE_BIN, then the PATH. It returns "" if
// there is none.
func Binary() string {
	if p := os.Getenv("AZURITE_BIN"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("azurite-blob"); err == nil {
		return p
	}
	return ""
}

// Start starts Azurite for t, or skips t (fails it under
// AZBILLING_REQUIRE_AZURITE) when Azurite is not installed.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary()
	if bin == "" {
		if os.Getenv("AZBILLING_REQUIRE_AZURITE") != "" {
			t.Fatalf("Azurite is required (AZBILLING_REQUIRE_AZURITE is set) but azurite-blob was not found: %s", Install)
		}
		t.Skipf("Azurite is not installed: %s", Install)
	}
	s, err := Launch(bin)
	if err != nil {
		t.Fatalf("starting Azurite: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Launch starts the azurite-blob at bin for a program; the caller must Close it.
func Launch(bin string) (*Server, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := start(bin)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func start(bin string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "azurite-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--blobHost", "127.0.0.1", "--blobPort", strconv.Itoa(port), "--inMemoryPersistence",
		"--skipApiVersionCheck", "--disableProductStyleUrl", "--disableTelemetry", "--silent", "--loose")
	cmd.Dir = dir
	dieWithParent(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	exited := make(chan struct{})
	var log strings.Builder
	var logMu sync.Mutex
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			logMu.Lock()
			if log.Len() < 4096 {
				log.WriteString(sc.Text() + "\n")
			}
			logMu.Unlock()
		}
		_ = cmd.Wait()
		close(exited)
	}()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-exited:
			_ = os.RemoveAll(dir)
			logMu.Lock()
			defer logMu.Unlock()
			return nil, fmt.Errorf("azurite exited: %s", log.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			_ = os.RemoveAll(dir)
			logMu.Lock()
			defer logMu.Unlock()
			return nil, fmt.Errorf("azurite did not listen on %s within 60s: %s", addr, log.String())
		}
	}
	return &Server{URL: "http://" + addr + "/" + Account, stop: stop, dir: dir}, nil
}

// Client returns an azblob client for the account with its shared key.
func (s *Server) Client(t testing.TB) *azblob.Client {
	t.Helper()
	c, err := s.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// NewClient returns an azblob client for the account with its shared key.
func (s *Server) NewClient() (*azblob.Client, error) { return NewClientAt(s.URL, nil) }

// NewClientAt returns an azblob client with the account's shared key for the account at
// endpoint: a Server's URL, or a proxy in front of it (billingtest.StorageFront). opts may be
// nil; tests that check for leaked goroutines give it a transport they can close.
func NewClientAt(endpoint string, opts *azblob.ClientOptions) (*azblob.Client, error) {
	cred, err := azblob.NewSharedKeyCredential(Account, Key)
	if err != nil {
		return nil, err
	}
	return azblob.NewClientWithSharedKeyCredential(strings.TrimSuffix(endpoint, "/")+"/", cred, opts)
}

// NewContainerClient returns a container client with the shared key.
func (s *Server) NewContainerClient(name string) (*container.Client, error) {
	cred, err := container.NewSharedKeyCredential(Account, Key)
	if err != nil {
		return nil, err
	}
	return container.NewClientWithSharedKeyCredential(s.URL+"/"+name, cred, nil)
}

// Container returns a container client with the shared key.
func (s *Server) Container(t testing.TB, name string) *container.Client {
	t.Helper()
	c, err := s.NewContainerClient(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
