package billingtest

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fetch(t *testing.T, s *Server, u string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := s.HTTPClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func TestBlobServesContentWithMD5AndRange(t *testing.T) {
	s := NewServer(t)
	data := []byte("%PDF-1.4 hello invoice")
	u, exp := s.putBlob(blobContent{Name: "invoices/G123456789/doc.pdf", ContentType: "application/pdf", Data: data})
	assert.True(t, strings.HasPrefix(u, s.BlobEndpoint()+"/invoices/G123456789/doc.pdf?"), u)
	assert.True(t, exp.After(s.Now()))
	q, _ := url.ParseQuery(u[strings.Index(u, "?")+1:])
	for _, k := range []string{"sv", "sr", "sp", "se", "sig"} {
		assert.NotEmpty(t, q.Get(k), k)
	}

	resp, b := fetch(t, s, u, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	assert.Equal(t, data, b)
	sum := md5.Sum(data)
	assert.Equal(t, base64.StdEncoding.EncodeToString(sum[:]), resp.Header.Get("Content-MD5"))
	assert.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))

	resp, b = fetch(t, s, u, map[string]string{"Range": "bytes=4-"})
	require.Equal(t, http.StatusPartialContent, resp.StatusCode)
	assert.Equal(t, data[4:], b)
	assert.Equal(t, fmt.Sprintf("bytes 4-%d/%d", len(data)-1, len(data)), resp.Header.Get("Content-Range"))
	assert.Equal(t, fmt.Sprint(len(data)-4), resp.Header.Get("Content-Length"))
	assert.Equal(t, base64.StdEncoding.EncodeToString(sum[:]), resp.Header.Get("x-ms-blob-content-md5"))

	resp, _ = fetch(t, s, u, map[string]string{"Range": "bytes=999-"})
	assert.Equal(t, http.StatusRequestedRangeNotSatisfiable, resp.StatusCode)

	got, ok := s.blobBytes("invoices/G123456789/doc.pdf")
	assert.True(t, ok)
	assert.Equal(t, data, got)
	assert.False(t, s.SawAuthorizationOnBlob())
}

func TestBlobGeneratorStreamsRanges(t *testing.T) {
	s := NewServer(t)
	gen := func(w io.Writer) error {
		for i := range 1000 {
			if _, err := fmt.Fprintf(w, "row%04d\n", i); err != nil {
				return err
			}
		}
		return nil
	}
	u, _ := s.putBlob(blobContent{Name: "usage/big.csv", ContentType: "text/csv", Size: 8000, Generate: gen})
	var want bytes.Buffer
	require.NoError(t, gen(&want))
	resp, b := fetch(t, s, u, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, want.Bytes(), b)
	resp, b = fetch(t, s, u, map[string]string{"Range": "bytes=7995-"})
	require.Equal(t, http.StatusPartialContent, resp.StatusCode)
	assert.Equal(t, want.Bytes()[7995:], b)
	resp, b = fetch(t, s, u, map[string]string{"Range": "bytes=8-15"})
	require.Equal(t, http.StatusPartialContent, resp.StatusCode)
	assert.Equal(t, "row0001\n", string(b))
}

func TestBlobSASExpiryAndSignature(t *testing.T) {
	s := NewServer(t)
	u, _ := s.putBlob(blobContent{Name: "a/b.pdf", Data: []byte("x"), TTL: time.Minute})
	resp, b := fetch(t, s, u, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	s.AdvanceClock(2 * time.Minute)
	resp, b = fetch(t, s, u, nil)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, string(b), "<Code>AuthenticationFailed</Code>")
	assert.Contains(t, string(b), "Signature not valid in the specified time frame")

	u, _ = s.putBlob(blobContent{Name: "a/c.pdf", Data: []byte("x")})
	tampered := strings.Replace(u, "sp=r", "sp=rw", 1)
	resp, b = fetch(t, s, tampered, nil)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, string(b), "Signature did not match")
	resp, _ = fetch(t, s, s.BlobEndpoint()+"/a/c.pdf", nil)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Equal(t, "AuthenticationFailed", resp.Header.Get("x-ms-error-code"))
}

func TestBlobRecordsAuthorizationHeader(t *testing.T) {
	s := NewServer(t)
	u, _ := s.putBlob(blobContent{Name: "a/b.pdf", Data: []byte("x")})
	fetch(t, s, u, nil)
	assert.False(t, s.SawAuthorizationOnBlob())
	fetch(t, s, u, map[string]string{"Authorization": "Bearer leaked"})
	assert.True(t, s.SawAuthorizationOnBlob())
	reqs := s.BlobRequests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "[redacted]", reqs[1].Header.Get("Authorization"))
	assert.Equal(t, Blob, reqs[1].Target)
}
