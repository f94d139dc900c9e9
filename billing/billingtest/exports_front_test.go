package billingtest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStorageFrontAppliesStorageFaults checks the proxy against any HTTP server standing in for a
// storage account: answers pass through whole, faults aimed at Storage cut or replace them, and
// faults aimed elsewhere leave them alone.
func TestStorageFrontAppliesStorageFaults(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 10000)
	var paths []string
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(data)
	}))
	defer backend.Close()
	s := NewServer(t)
	front, err := s.StorageFront(backend.URL + "/acct")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(front, "http://127.0.0.1:") && strings.HasSuffix(front, "/acct"), front)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	get := func() (int, []byte, error) {
		resp, err := c.Get(front + "/ctr/a.csv")
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}

	s.InjectFault(ResetAfterBytes(1000).OnBlob()) // another target: not applied
	st, b, err := get()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, st)
	require.Equal(t, data, b)
	require.Equal(t, "/acct/ctr/a.csv", paths[0])

	s.ClearFaults()
	s.InjectFault(ResetAfterBytes(1000).OnStorage().Path(".csv"))
	_, b, err = get()
	require.Error(t, err, "the answer is cut")
	require.Less(t, len(b), len(data))
	st, b, err = get()
	require.NoError(t, err, "once only")
	require.Equal(t, http.StatusOK, st)
	require.Equal(t, data, b)

	s.ClearFaults()
	s.InjectFault(ServerError(http.StatusServiceUnavailable).OnStorage())
	resp, err := c.Get(front + "/ctr/a.csv")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Equal(t, "ServerBusy", resp.Header.Get("x-ms-error-code"))
	require.Equal(t, 1, s.FaultsFired())

	var storage int
	for _, r := range s.Requests() {
		if r.Target == Storage {
			storage++
		}
	}
	require.Equal(t, 4, storage)
	require.False(t, s.SawAuthorizationOnBlob())

	s.Close()
	_, _, err = get()
	require.Error(t, err, "the front stops with the server")
	_, err = s.StorageFront(backend.URL)
	require.Error(t, err)
}
