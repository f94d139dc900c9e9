package arm

import (
	"context"
	"iter"
	"net/http"
)

// Page is one page of an ARM list: {"value": [...], "nextLink": "..."}.
type Page[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"nextLink"`
}

// Pages yields the pages of the list at r, following nextLink (made absolute and valid by
// ResolveLink, otherwise as sent) until it is absent or empty.
// Query parameters of r apply to page one only: a nextLink already carries them. On an error it
// yields (nil, err) once and stops; when the caller stops iterating, no further page is fetched.
// A 204 No Content answer is an empty list.
func Pages[T any](ctx context.Context, c *Client, r Request) iter.Seq2[[]T, error] {
	return func(yield func([]T, error) bool) {
		seen := map[string]bool{}
		for {
			var p Page[T]
			status, _, err := c.DoJSON(ctx, r, &p)
			if err != nil {
				yield(nil, err)
				return
			}
			if status == http.StatusNoContent {
				return
			}
			if !yield(p.Value, nil) {
				return
			}
			if p.NextLink == "" {
				return
			}
			next, err := c.ResolveLink(p.NextLink)
			if err != nil {
				yield(nil, err)
				return
			}
			// A service that hands back the same nextLink would loop forever.
			if seen[next] {
				yield(nil, &ProtocolError{StatusCode: status, Reason: "the service returned the same nextLink twice"})
				return
			}
			seen[next] = true
			r = Request{Method: http.MethodGet, Path: next, Call: r.Call}
		}
	}
}

// Items flattens Pages into the items of the list.
func Items[T any](ctx context.Context, c *Client, r Request) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for page, err := range Pages[T](ctx, c, r) {
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, v := range page {
				if !yield(v, nil) {
					return
				}
			}
		}
	}
}
