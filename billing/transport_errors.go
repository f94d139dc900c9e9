package billing

import "github.com/azbilling/azbilling/internal/arm"

// NetworkError is a Resource Manager request that got no answer after azcore's retries: the
// endpoint could not be reached (DNS, TCP, TLS) or the connection kept breaking before a
// response. It unwraps to the transport's error. Blob downloads report the same situation as a
// *DownloadError of kind DownloadKindUnavailable. It is defined in an internal package and
// aliased here; its fields are:
//
//	Method string // the HTTP method of the request that got no answer
//	Host   string // the Resource Manager endpoint's host
//	Err    error  // the transport's error; returned by Unwrap
type NetworkError = arm.NetworkError

// HostError is a request the SDK refused to send: a URL from a response (a nextLink or a
// long-running operation's Location) points at a host other than the Resource Manager endpoint,
// and the bearer token only ever goes to that endpoint. It is defined in an internal package and
// aliased here; its fields are:
//
//	Host    string // the host the URL named, which was refused
//	Allowed string // the Resource Manager endpoint's host, the only one that gets the token
type HostError = arm.HostError
