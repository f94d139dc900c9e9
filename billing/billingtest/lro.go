package billingtest

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// lroOp is a long-running operation started by a handler.
type lroOp struct {
	principal Principal
	location  string
	remaining int             // 202 answers left before the result
	result    func() response // runs once, without s.mu held
	done      bool
	final     response
	// noRetryAfter leaves Retry-After out of the 202 answers (and varies their Location).
	noRetryAfter bool
	answers      int
}

// registerLRORoutes installs the billing operation-results route that startOperation's Location
// URLs point at. Feature files whose operations live under another path register their own
// route and answer it with s.pollOperation.
func (s *Server) registerLRORoutes() {
	s.handle("GET", accountsPath+"/"+pAccount+"/operationResults/{operationId}", nil, func(rc *reqCtx) response {
		return s.pollOperation(rc, rc.param("operationId"))
	})
}

// startOperation starts a long-running operation of a billing account and returns its first
// answer: 202 with Location
// {ARM}/providers/Microsoft.Billing/billingAccounts/{account}/operationResults/{kind}_{GUID}?api-version=…
// and Retry-After. Polling that URL answers 202 (same headers) as many times as WithLRODelay
// says, then runs result exactly once and answers its response (e.g. 200 with the final body)
// on that poll and every later one. result runs without s.mu held; take the lock inside it.
// kind names the operation as the service does (putBillingProfile, invoiceDownload, ...).
func (s *Server) startOperation(rc *reqCtx, account, kind string, result func() response) response {
	return s.startOperationAt(rc, accountsPath+"/"+url.PathEscape(account)+"/operationResults", kind, result)
}

// startOperationAt is startOperation with another operation-results path prefix (an escaped
// ARM path without the trailing operation id); the caller registers a GET route for
// {prefix}/{operationId} that calls s.pollOperation.
func (s *Server) startOperationAt(rc *reqCtx, prefix, kind string, result func() response) response {
	return s.startOperationWith(rc, prefix, kind, false, result)
}

// startOperationWith is startOperationAt whose 202 answers carry no Retry-After when
// noRetryAfter is set (as the service's EA invoice downloads were recorded answering).
func (s *Server) startOperationWith(rc *reqCtx, prefix, kind string, noRetryAfter bool, result func() response) response {
	s.mu.Lock()
	s.opSeq++
	id := kind + "_" + s.nextID()
	loc := rc.base() + prefix + "/" + id
	if rc.apiVersion != "" {
		loc += "?api-version=" + url.QueryEscape(rc.apiVersion)
	}
	op := &lroOp{principal: rc.principal, location: loc, remaining: s.cfg.lroPolls, result: result, noRetryAfter: noRetryAfter}
	s.ops[strings.ToLower(id)] = op
	resp := s.acceptedResp(op)
	s.mu.Unlock()
	return resp
}

// acceptedResp is a 202 answer of op. Callers hold s.mu.
func (s *Server) acceptedResp(op *lroOp) response {
	h := http.Header{"Location": {op.location}}
	if !op.noRetryAfter {
		h.Set("Retry-After", strconv.Itoa(s.cfg.retryAfter))
	} else {
		// As recorded for EA downloads: every answer's Location carries a new t= (a timestamp
		// in ticks there; a counter here), so a client must follow the latest one.
		op.answers++
		h.Set("Location", op.location+"&t="+strconv.Itoa(op.answers))
	}
	return response{status: http.StatusAccepted, header: h}
}

// pollOperation answers a poll of the operation with that id.
func (s *Server) pollOperation(rc *reqCtx, id string) response {
	s.mu.Lock()
	op := s.ops[strings.ToLower(id)]
	if op == nil {
		s.mu.Unlock()
		return rc.notFound("operation", id)
	}
	if op.principal != rc.principal {
		s.mu.Unlock()
		return errResp(http.StatusForbidden, "AuthorizationFailed",
			fmt.Sprintf("The client '%s' did not start the operation '%s'.", rc.principal.Email(), id))
	}
	if op.remaining > 0 {
		op.remaining--
		resp := s.acceptedResp(op)
		s.mu.Unlock()
		return resp
	}
	if op.done {
		final := op.final
		s.mu.Unlock()
		return final
	}
	// Run the result outside the lock (it takes the lock itself). Mark it running first so a
	// concurrent poll does not run it twice: it sees 202 until the result is stored.
	op.remaining = 0
	run := op.result
	op.result = nil
	if run == nil {
		resp := s.acceptedResp(op) // another poll is computing the result
		s.mu.Unlock()
		return resp
	}
	s.mu.Unlock()
	final := run()
	s.mu.Lock()
	op.final, op.done = final, true
	s.mu.Unlock()
	return final
}
