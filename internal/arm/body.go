package arm

import (
	"bytes"
	"io"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// readBody reads a response body to its end inside azcore's retry loop, at most MaxJSONBody+1
// bytes, so that a connection that breaks in the middle of a body is retried like one that
// breaks before the headers. Requests ask azcore not to download bodies (it would read them
// without a size limit); without this policy a cut body only showed up when the caller decoded
// it, after the retries. ARM bodies are JSON pages of at most a few megabytes, and a body over
// the limit is cut at MaxJSONBody+1 bytes, which DecodeJSON then reports.
type readBody struct{}

// streamKey marks a request whose caller reads the body as a stream and retries it itself.
type streamKey struct{}

func (readBody) Do(req *policy.Request) (*http.Response, error) {
	if req.Raw().Context().Value(streamKey{}) != nil {
		return req.Next()
	}
	resp, err := req.Next()
	if err != nil || resp == nil || resp.Body == nil || resp.Body == http.NoBody {
		return resp, err
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxJSONBody+1))
	resp.Body.Close()
	if err != nil {
		// Not marked non-retriable, so azcore tries again; after the last try the caller gets it.
		return nil, &ProtocolError{StatusCode: resp.StatusCode, RequestID: RequestID(resp.Header), Reason: "reading the response body failed", Err: err}
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}
