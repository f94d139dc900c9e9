package billingtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const apiV = "?api-version=2024-04-01"

// call sends a request to the ARM listener as principal p ("" = no token). target is a path
// (with query) or an absolute URL.
func call(t *testing.T, s *Server, p Principal, method, target string, body any) (*http.Response, []byte) {
	t.Helper()
	u := target
	if !strings.HasPrefix(u, "https://") {
		u = s.ARMEndpoint() + target
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	require.NoError(t, err)
	if p != "" {
		req.Header.Set("Authorization", "Bearer "+string(p))
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.HTTPClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func get(t *testing.T, s *Server, p Principal, target string) (*http.Response, []byte) {
	t.Helper()
	return call(t, s, p, http.MethodGet, target, nil)
}

// getJSON GETs and decodes a 200 answer into a generic map.
func getJSON(t *testing.T, s *Server, p Principal, target string) map[string]any {
	t.Helper()
	resp, b := get(t, s, p, target)
	require.Equal(t, http.StatusOK, resp.StatusCode, "GET %s: %s", target, b)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), string(b))
	return m
}

// listAll follows nextLink and returns every item and the number of pages.
func listAll(t *testing.T, s *Server, p Principal, target string) ([]map[string]any, int) {
	t.Helper()
	var items []map[string]any
	pages := 0
	for target != "" {
		m := getJSON(t, s, p, target)
		pages++
		for _, v := range m["value"].([]any) {
			items = append(items, v.(map[string]any))
		}
		next, _ := m["nextLink"].(string)
		target = followable(s, next)
		require.Less(t, pages, 1000)
	}
	return items, pages
}

func names(items []map[string]any) []string {
	var out []string
	for _, it := range items {
		out = append(out, it["name"].(string))
	}
	return out
}

func props(m map[string]any) map[string]any { return m["properties"].(map[string]any) }

// armError decodes {"error":{"code","message"}}.
func armError(t *testing.T, b []byte) (code, msg string) {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	require.NoError(t, json.Unmarshal(b, &e), string(b))
	return e.Error.Code, e.Error.Message
}

const (
	mcaPath  = "/providers/Microsoft.Billing/billingAccounts/" + MCAAccount
	eaPath   = "/providers/Microsoft.Billing/billingAccounts/" + EAAccount
	mospPath = "/providers/Microsoft.Billing/billingAccounts/" + MOSPAccount
	usPath   = mcaPath + "/billingProfiles/" + MCAProfileUS
)

// followable turns a nextLink as the service writes it into a URL a client can send: a relative
// link is resolved against the ARM endpoint, and the raw blanks and double quotes of its query
// are escaped (everything else, already-escaped sequences included, is kept verbatim).
func followable(s *Server, next string) string {
	if next == "" {
		return ""
	}
	if strings.HasPrefix(next, "/") {
		next = s.ARMEndpoint() + next
	}
	return strings.NewReplacer(" ", "%20", `"`, "%22").Replace(next)
}
