package billingtest

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tamperGet downloads a stored blob through a Tamper.
func tamperGet(t *testing.T, s *Server, tp *Tamper, u string) (*http.Response, []byte) {
	t.Helper()
	resp, err := (&http.Client{Transport: tp}).Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func TestTamperCorruptsOneByteKeepingLengthAndMD5(t *testing.T) {
	s := NewServer(t)
	data := bytes.Repeat([]byte("0123456789"), 100)
	u, _ := s.putBlob(blobContent{Name: "t/a.bin", Data: data})
	tp := s.NewTamper(s.HTTPClient().Transport)
	tp.Add(CorruptByte(123))

	resp, got := tamperGet(t, s, tp, u)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Len(t, got, len(data))
	assert.NotEqual(t, data, got)
	diff := 0
	for i := range data {
		if data[i] != got[i] {
			diff++
			assert.Equal(t, 123, i)
		}
	}
	assert.Equal(t, 1, diff)
	assert.NotEmpty(t, resp.Header.Get("x-ms-blob-content-md5"), "the MD5 still describes the original")
	assert.Equal(t, 1, tp.Fired())

	_, again := tamperGet(t, s, tp, u)
	assert.Equal(t, data, again, "a rule acts on its first match only by default")
}

func TestTamperStripsMD5AndCountsMatches(t *testing.T) {
	s := NewServer(t)
	u, _ := s.putBlob(blobContent{Name: "t/b.bin", Data: []byte(strings.Repeat("x", 64))})
	tp2 := s.NewTamper(s.HTTPClient().Transport)
	tp2.Add(StripMD5().Nth(2))

	r1, _ := tamperGet(t, s, tp2, u)
	r2, _ := tamperGet(t, s, tp2, u)
	assert.NotEmpty(t, r1.Header.Get("x-ms-blob-content-md5"))
	assert.Empty(t, r2.Header.Get("x-ms-blob-content-md5"))
	assert.Empty(t, r2.Header.Get("Content-MD5"))
	tp2.Clear()
	r3, _ := tamperGet(t, s, tp2, u)
	assert.NotEmpty(t, r3.Header.Get("x-ms-blob-content-md5"))
	tp2.CloseIdleConnections()
	assert.Contains(t, StripMD5().Always().String(), "always")
	assert.Contains(t, CorruptByte(5).Times(2).String(), "first 2")
}

func TestTamperLeavesARMAnswersAlone(t *testing.T) {
	s := NewServer(t)
	tp := s.NewTamper(s.HTTPClient().Transport)
	tp.Add(CorruptByte(0).Always())
	req, err := http.NewRequest(http.MethodGet, s.ARMEndpoint()+"/providers/Microsoft.Billing/billingAccounts?api-version=2024-04-01", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+string(PrincipalMCAAccountOwner))
	resp, err := (&http.Client{Transport: tp}).Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.True(t, bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")))
	assert.Zero(t, tp.Fired())
}
