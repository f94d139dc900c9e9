package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEmulatorPrintsOneLineAndServes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-ca-out", caFile, "-page-size", "1"}, pw, io.Discard)
		pw.Close()
	}()

	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	var b struct {
		Endpoint   string            `json:"endpoint"`
		CAFile     string            `json:"ca_file"`
		Principals map[string]string `json:"principals"`
	}
	require.NoError(t, json.Unmarshal([]byte(line), &b))
	assert.Equal(t, caFile, b.CAFile)
	assert.Contains(t, b.Principals["mca-profile-owner"], "Billing profile owner at /providers/Microsoft.Billing/billingAccounts/")
	assert.Equal(t, "no role", b.Principals["no-role"])
	assert.Len(t, b.Principals, 12)

	pem, err := os.ReadFile(caFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem))
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	req, err := http.NewRequest(http.MethodGet, b.Endpoint+"/providers/Microsoft.Billing/billingAccounts?api-version=2024-04-01", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer mca-account-owner")
	resp, err := c.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.Contains(t, string(body), "MicrosoftCustomerAgreement")

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("the emulator did not stop")
	}
}

func TestEmulatorRejectsBadFlags(t *testing.T) {
	err := run(context.Background(), []string{"-page-size", "0"}, io.Discard, io.Discard)
	require.Error(t, err)
	err = run(context.Background(), []string{"extra"}, io.Discard, io.Discard)
	require.Error(t, err)
}

// -now pins the world clock: the emulator's answers are stamped with it.
func TestEmulatorNowPinsTheClock(t *testing.T) {
	require.Error(t, run(context.Background(), []string{"-now", "next tuesday"}, io.Discard, io.Discard))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-ca-out", caFile, "-now", "2027-06-15T12:00:00Z"}, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	var b struct {
		Endpoint string `json:"endpoint"`
	}
	require.NoError(t, json.Unmarshal([]byte(line), &b))
	pem, err := os.ReadFile(caFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem))
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	req, err := http.NewRequest(http.MethodGet, b.Endpoint+"/providers/Microsoft.Billing/billingAccounts?api-version=2024-04-01", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer mca-account-owner")
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Contains(t, resp.Header.Get("x-ms-routing-request-id"), "LOCAL:20270615T12")
	cancel()
	require.NoError(t, <-done)
}
