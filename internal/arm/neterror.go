package arm

import (
	"errors"
	"fmt"
)

// NetworkError is an ARM request that got no answer: the endpoint could not be reached (DNS,
// TCP, TLS), or every try broke before a response arrived. azcore has already retried it. It
// unwraps to the transport's error (a *url.Error, a *net.OpError, ...).
type NetworkError struct {
	Method string
	Host   string // the Resource Manager endpoint's host
	Err    error
}

func (e *NetworkError) Error() string {
	return fmt.Sprintf("azbilling: no answer from Azure Resource Manager at %s (%s request): %v", e.Host, e.Method, e.Err)
}

func (e *NetworkError) Unwrap() error { return e.Err }

// transportError types an error that happened before any response arrived. Context errors, and
// errors that are already the SDK's own (a refused host, a body cut midway), pass unchanged.
func (c *Client) transportError(method string, err error) error {
	var (
		he *HostError
		pe *ProtocolError
	)
	if err == nil || IsContextError(err) || errors.As(err, &he) || errors.As(err, &pe) {
		return err
	}
	return &NetworkError{Method: method, Host: c.endpoint.Host, Err: err}
}
