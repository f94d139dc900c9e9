package billingtest

import (
	"net/url"
	"slices"
	"strings"
	"time"
)

// The live service's own renderings of values, as recorded (see "Real shapes" in the package
// documentation). Each helper falls back to the spec's form when the server runs WithSpecShapes.

// realShapes reports whether the server answers in the recorded shapes (the default).
func (s *Server) realShapes() bool { return !s.cfg.specShapes }

// noneTime is how the service writes "no date" in the recorded answers.
const (
	noneTime7Z     = "0001-01-01T00:00:00.0000000Z"
	noneTimeOffset = "0001-01-01T00:00:00+00:00"
)

// dotNetTime is .NET's DateTimeOffset.ToString() in the invariant culture, as EA
// enrollmentDetails dates come: "6/1/2020 12:00:00 AM +00:00".
func (s *Server) dotNetTime(t time.Time) string {
	if !s.realShapes() || t.IsZero() {
		return wireTime(t)
	}
	return t.UTC().Format("1/2/2006 3:04:05 PM -07:00")
}

// time7Z is a UTC timestamp with seven fractional digits: "2021-04-30T23:59:59.9999999Z".
func (s *Server) time7Z(t time.Time) string {
	if !s.realShapes() || t.IsZero() {
		return wireTime(t)
	}
	return t.UTC().Format("2006-01-02T15:04:05.0000000Z")
}

// time7Offset is a timestamp with seven fractional digits and a numeric offset:
// "2021-06-22T22:20:49.8389782+00:00".
func (s *Server) time7Offset(t time.Time) string {
	if !s.realShapes() || t.IsZero() {
		return wireTime(t)
	}
	return t.UTC().Format("2006-01-02T15:04:05.0000000-07:00")
}

// timeOffset is a timestamp with a numeric offset and no fraction: "2020-07-25T21:49:12+00:00".
func (s *Server) timeOffset(t time.Time) string {
	if !s.realShapes() || t.IsZero() {
		return wireTime(t)
	}
	return t.UTC().Format("2006-01-02T15:04:05-07:00")
}

// timeNoZone is a timestamp without a zone: "2020-05-01T00:00:00", or with seven fractional
// digits when it has a fraction ("2020-05-31T23:59:59.9999999"). A zero time is the service's
// "none", 0001-01-01T00:00:00.0000000Z.
func (s *Server) timeNoZone(t time.Time) string {
	if !s.realShapes() {
		return wireTime(t)
	}
	if t.IsZero() {
		return noneTime7Z
	}
	if t.Nanosecond() != 0 {
		return t.UTC().Format("2006-01-02T15:04:05.0000000")
	}
	return t.UTC().Format("2006-01-02T15:04:05")
}

// padded surrounds v with the blanks the service leaves in some EA text fields ("IN ",
// "  ABCD"); v as is WithSpecShapes or when empty.
func (s *Server) padded(left, v, right string) string {
	if !s.realShapes() || v == "" {
		return v
	}
	return left + v + right
}

// relativeNextLink tells, from a list route's pattern (its last segment), whether the
// service's recorded nextLinks are relative to the Resource Manager endpoint, the paging token's
// query name, and whether the token comes first in the query (invoices) or last (the others).
func relativeNextLink(pattern string) (token string, first, ok bool) {
	switch pattern[strings.LastIndexByte(pattern, '/')+1:] {
	case "departments":
		return "$skiptoken", false, true
	case "enrollmentAccounts", "billingSubscriptions":
		return "skiptoken", false, true
	case "invoices":
		return "$skiptoken", true, true
	}
	return "", false, false
}

// nextLink builds the nextLink of a list page whose paging state is token. WithSpecShapes it is
// absolute and fully escaped ($skiptoken after the request's other query values). By default
// it is what the service was recorded sending: relative for departments, enrollment accounts,
// billing subscriptions and invoices; with the invoice period dates written
// "2000-01-01 00:00:00Z" and $filter written as is, raw blanks and quotes included (a client
// must escape them before sending the link back).
func (rc *reqCtx) nextLink(token string) string {
	if !rc.s.realShapes() {
		q := url.Values{}
		for k, v := range rc.query {
			if k != "$skiptoken" && k != "skiptoken" {
				q[k] = slices.Clone(v)
			}
		}
		q.Set("$skiptoken", token)
		return rc.base() + rc.r.URL.EscapedPath() + "?" + q.Encode()
	}
	tokenName, tokenFirst, relative := relativeNextLink(rc.route.pattern)
	if !relative {
		tokenName = "$skiptoken"
	}
	// Other parameters in name order, api-version after them, as the recorded links have it.
	keys := make([]string, 0, len(rc.query))
	for k := range rc.query {
		if k != "$skiptoken" && k != "skiptoken" && k != "api-version" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if _, ok := rc.query["api-version"]; ok {
		keys = append(keys, "api-version")
	}
	var b strings.Builder
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		if strings.Trim(k, "$-_.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == "" {
			b.WriteString(k) // "$top", "api-version": written as the service writes them
		} else {
			b.WriteString(url.QueryEscape(k))
		}
		b.WriteByte('=')
		b.WriteString(v)
	}
	if tokenFirst {
		add(tokenName, url.QueryEscape(token))
	}
	for _, k := range keys {
		for _, v := range rc.query[k] {
			switch k {
			case "periodStartDate", "periodEndDate":
				if len(v) == len("2006-01-02") {
					v += " 00:00:00Z"
				}
				add(k, v) // raw blanks, as recorded
			case "$filter":
				add(k, v) // raw blanks and quotes, as recorded
			default:
				add(k, url.QueryEscape(v))
			}
		}
	}
	if !tokenFirst {
		add(tokenName, url.QueryEscape(token))
	}
	path := strings.ReplaceAll(rc.r.URL.EscapedPath(), "%3A", ":")
	if relative {
		return path + "?" + b.String()
	}
	return rc.base() + path + "?" + b.String()
}
