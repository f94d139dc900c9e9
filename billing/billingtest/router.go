package billingtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// API versions. Each route accepts a list; feature files pass one of these (or their own).

// billingAPIVersions are the Microsoft.Billing versions whose shapes the core routes answer
// (2024-04-01 shapes; the older stable and preview versions share them for the fields used).
func billingAPIVersions() []string {
	return []string{"2024-04-01", "2020-05-01", "2019-10-01-preview", "2018-11-01-preview"}
}

// billingAPIVersions2024 is for operations that only exist since 2024-04-01 (checkAccess,
// billing-account policies).
func billingAPIVersions2024() []string { return []string{"2024-04-01"} }

// costManagementAPIVersions are the Microsoft.CostManagement versions Azure's clients send for
// Cost Details reports (2022-05-01 … 2025-03-01). Extend here if a client needs another.
func costManagementAPIVersions() []string {
	return []string{"2022-05-01", "2022-06-01", "2022-10-01", "2023-03-01", "2023-04-01-preview",
		"2023-07-01-preview", "2023-08-01", "2023-09-01", "2023-11-01", "2024-08-01", "2025-03-01"}
}

// consumptionAPIVersions are the Microsoft.Consumption versions 2021-10-01 … 2024-08-01.
func consumptionAPIVersions() []string {
	return []string{"2021-10-01", "2022-06-01", "2022-09-01", "2023-03-01", "2023-05-01", "2023-11-01", "2024-08-01"}
}

// handlerFunc answers one matched request. It returns the response rather than writing it, so
// that it can compute under s.mu and the router writes after the lock is released.
type handlerFunc func(rc *reqCtx) response

type route struct {
	method   string
	pattern  string
	segs     []string // literal segments, or "{name}" parameters
	literals int
	versions []string // accepted api-versions; nil = no api-version required
	h        handlerFunc
}

// handle registers a route. pattern is an ARM path with {name} parameters, e.g.
// "/providers/Microsoft.Billing/billingAccounts/{billingAccountName}/billingProfiles". Literal
// segments match case-insensitively. When several routes match, the one with the most literal
// segments wins (so ".../billingAccounts/default/..." beats ".../billingAccounts/{name}/...").
// versions lists the accepted api-version values (nil: none required).
func (s *Server) handle(method, pattern string, versions []string, h handlerFunc) {
	segs := strings.Split(strings.Trim(pattern, "/"), "/")
	n := 0
	for _, sg := range segs {
		if !isParam(sg) {
			n++
		}
	}
	s.routes = append(s.routes, &route{method: method, pattern: pattern, segs: segs, literals: n, versions: versions, h: h})
}

func isParam(seg string) bool { return len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' }

// match finds the route for a method and decoded path segments.
func (s *Server) match(method string, segs []string) (best *route, params map[string]string, otherMethod bool) {
	for _, rt := range s.routes {
		if len(rt.segs) != len(segs) {
			continue
		}
		var p map[string]string
		ok := true
		for i, sg := range rt.segs {
			if isParam(sg) {
				if segs[i] == "" {
					ok = false
					break
				}
				if p == nil {
					p = make(map[string]string, 4)
				}
				p[sg[1:len(sg)-1]] = segs[i]
			} else if !strings.EqualFold(sg, segs[i]) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if !strings.EqualFold(rt.method, method) {
			otherMethod = true
			continue
		}
		if best == nil || rt.literals > best.literals {
			best, params = rt, p
		}
	}
	return best, params, otherMethod
}

// splitPath decodes the escaped path into segments (accepting ':' raw or as %3A).
func splitPath(escaped string) ([]string, error) {
	trimmed := strings.Trim(escaped, "/")
	if trimmed == "" {
		return nil, nil
	}
	raw := strings.Split(trimmed, "/")
	out := make([]string, len(raw))
	for i, sg := range raw {
		d, err := url.PathUnescape(sg)
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

// reqCtx is what a handler knows about its request.
type reqCtx struct {
	s          *Server
	r          *http.Request
	params     map[string]string
	query      url.Values
	principal  Principal
	apiVersion string
	route      *route
}

// param returns a decoded path parameter by its pattern name.
func (rc *reqCtx) param(name string) string { return rc.params[name] }

// base is the scheme and host the client used, for absolute nextLink and Location URLs.
func (rc *reqCtx) base() string {
	if rc.r.Host != "" {
		return "https://" + rc.r.Host
	}
	return rc.s.armURL
}

// response is a handler's answer.
type response struct {
	status int
	header http.Header
	body   any    // encoded as JSON unless nil
	raw    []byte // sent as is when body is nil
	// stream, when set, writes the body (length bytes, or unknown when length < 0).
	stream func(w io.Writer) error
	length int64
}

func jsonResp(status int, body any) response { return response{status: status, body: body} }

// errResp is an ARM error answer: {"error":{"code":…,"message":…}}.
func errResp(status int, code, msg string) response {
	return response{status: status, body: wireError{Error: wireErrorDetail{Code: code, Message: msg}}}
}

func (rc *reqCtx) notFound(what, name string) response {
	return errResp(http.StatusNotFound, "ResourceNotFound", fmt.Sprintf("The %s '%s' could not be found.", what, name))
}

func badRequest(code, msg string) response { return errResp(http.StatusBadRequest, code, msg) }

// forbidden is the 403 for an operation the principal may not do at a scope. policy names the
// EA view-charges policy that blocked it, if one did.
func (rc *reqCtx) forbidden(sc scopeRef, op operation, policy string) response {
	action := actionName(sc, op)
	msg := fmt.Sprintf("The client '%s' with object id '%s' does not have authorization to perform action '%s' over scope '%s' or the scope is invalid. If access was recently granted, please refresh your credentials.",
		rc.principal.Email(), rc.principal.ObjectID(), action, sc.id())
	e := wireError{Error: wireErrorDetail{Code: "AuthorizationFailed", Message: msg}}
	if policy != "" {
		e.Error.Details = []wireErrorDetail{{
			Code:    "ViewChargesDisabledByPolicy",
			Target:  policy,
			Message: fmt.Sprintf("The enrollment policy '%s' does not allow this role to view charges.", policy),
		}}
	}
	return jsonResp(http.StatusForbidden, e)
}

func actionName(sc scopeRef, op operation) string {
	verb := string(op)
	switch op {
	case opDownloadInvoice:
		verb = "invoices/download/action"
	case opViewCharges:
		verb = "usageDetails/read"
	case opUpdateEmail:
		verb = "write"
	case opReadRoles:
		verb = "billingRoleAssignments/read"
	case opWriteRoles:
		verb = "billingRoleAssignments/write"
	case opReadPermissions:
		verb = "billingPermissions/read"
	}
	return sc.typePrefix() + "/" + verb
}

// require answers nil when the caller may do op at sc, else the 403 to send. Callers hold s.mu.
func (rc *reqCtx) require(sc scopeRef, op operation) *response {
	ok, pol := rc.s.world.allowed(rc.principal, sc, op)
	if ok {
		return nil
	}
	r := rc.forbidden(sc, op, pol)
	return &r
}

// page answers one page of a list of n items produced by item(i). Paging state lives in the
// skiptoken query value of the nextLink (see reqCtx.nextLink), which also repeats every other
// query value of the request (api-version included), so clients must follow it.
// top/skip ($top/$skip for the older conventions) select a window of the list first.
func (rc *reqCtx) page(n int, item func(i int) any) response {
	return rc.pageSized(n, rc.s.cfg.pageSize, item)
}

func (rc *reqCtx) pageSized(n, size int, item func(i int) any) response {
	from, to := 0, n
	if v, ok := rc.queryInt("skip"); ok {
		from = min(max(v, 0), n)
	}
	if v, ok := rc.queryInt("top"); ok && v >= 0 {
		to = min(from+v, n)
	}
	off := 0
	if tok := firstNonEmpty(rc.query.Get("$skiptoken"), rc.query.Get("skiptoken")); tok != "" {
		o, err := decodeSkipToken(tok)
		if err != nil || o < 0 || o > to-from {
			return badRequest("InvalidSkipToken", "The skip token in the request is invalid or has expired.")
		}
		off = o
	}
	if size < 1 {
		size = 1
	}
	start := from + off
	end := min(start+size, to)
	items := make([]any, 0, max(end-start, 0))
	for i := start; i < end; i++ {
		items = append(items, item(i))
	}
	out := wireList{Value: items}
	if end < to {
		out.NextLink = rc.nextLink(encodeSkipToken(end - from))
	}
	return jsonResp(http.StatusOK, out)
}

// queryInt reads an OData integer parameter with or without its '$'.
func (rc *reqCtx) queryInt(name string) (int, bool) {
	v := firstNonEmpty(rc.query.Get(name), rc.query.Get("$"+name))
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, false
	}
	return n, true
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

func encodeSkipToken(off int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(off)))
}

func decodeSkipToken(tok string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, err
	}
	s, ok := strings.CutPrefix(string(b), "offset:")
	if !ok {
		return 0, fmt.Errorf("bad token")
	}
	return strconv.Atoi(s)
}

// serveARM is the ARM listener's handler.
func (s *Server) serveARM(w http.ResponseWriter, r *http.Request) {
	s.serveWithFaults(targetARM, w, r, s.dispatchARM)
}

// dispatchARM authenticates, routes, checks the api-version and runs the handler.
func (s *Server) dispatchARM(w http.ResponseWriter, r *http.Request) {
	reqID := s.newRequestID()
	h := w.Header()
	h.Set("x-ms-request-id", reqID)
	corr := r.Header.Get("x-ms-correlation-request-id")
	if corr == "" {
		corr = reqID
	}
	h.Set("x-ms-correlation-request-id", corr)
	h.Set("x-ms-routing-request-id", "LOCAL:"+s.Now().Format("20060102T150405Z")+":"+reqID)
	s.setRateLimitHeaders(h, r)

	var resp response
	func() {
		defer func() {
			if v := recover(); v != nil {
				resp = errResp(http.StatusInternalServerError, "EmulatorPanic", fmt.Sprint("the emulator failed: ", v))
			}
		}()
		resp = s.routeARM(r)
	}()
	writeResponse(w, r, resp)
}

func (s *Server) routeARM(r *http.Request) response {
	principal, fail := authenticate(r)
	if fail != nil {
		return *fail
	}
	segs, err := splitPath(r.URL.EscapedPath())
	if err != nil {
		return badRequest("InvalidRequestUri", "The request URI path is not valid.")
	}
	rt, params, otherMethod := s.match(r.Method, segs)
	if rt == nil {
		if otherMethod {
			return errResp(http.StatusMethodNotAllowed, "MethodNotAllowed",
				fmt.Sprintf("The HTTP method '%s' is not supported for this resource.", r.Method))
		}
		return errResp(http.StatusNotFound, "NotFound", "No HTTP resource was found that matches the request URI.")
	}
	q := r.URL.Query()
	rc := &reqCtx{s: s, r: r, params: params, query: q, principal: principal, route: rt}
	if rt.versions != nil {
		v := q.Get("api-version")
		if v == "" {
			return badRequest("MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
		}
		if !slices.Contains(rt.versions, v) {
			return badRequest("InvalidApiVersionParameter", fmt.Sprintf(
				"The api-version '%s' is invalid. The supported versions are '%s'.", v, strings.Join(rt.versions, ",")))
		}
		rc.apiVersion = v
	}
	return rt.h(rc)
}

// authenticate reads the bearer token, which is the principal's name.
func authenticate(r *http.Request) (Principal, *response) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		resp := errResp(http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
		resp.header = http.Header{"Www-Authenticate": {`Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`}}
		return "", &resp
	}
	scheme, tok, ok := strings.Cut(auth, " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		resp := errResp(http.StatusUnauthorized, "InvalidAuthenticationToken", "The access token is invalid.")
		resp.header = http.Header{"Www-Authenticate": {`Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The access token is invalid."`}}
		return "", &resp
	}
	return Principal(tok), nil
}

func (s *Server) setRateLimitHeaders(h http.Header, r *http.Request) {
	n := int(s.reqSeq.Load())
	kind := "tenant"
	if strings.HasPrefix(strings.ToLower(r.URL.Path), "/subscriptions/") {
		kind = "subscription"
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		h.Set("x-ms-ratelimit-remaining-"+kind+"-reads", strconv.Itoa(max(11999-n, 0)))
	} else {
		h.Set("x-ms-ratelimit-remaining-"+kind+"-writes", strconv.Itoa(max(1199-n, 0)))
	}
}

// newRequestID returns a fresh request id (not seeded: request ids are not part of bodies).
func (s *Server) newRequestID() string {
	n := s.reqSeq.Add(1)
	return formatGUID(uint64(s.started.UnixNano()), n)
}

// writeResponse sends a handler's response.
func writeResponse(w http.ResponseWriter, r *http.Request, resp response) {
	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	status := resp.status
	if status == 0 {
		status = http.StatusOK
	}
	switch {
	case resp.stream != nil:
		if resp.length >= 0 {
			h.Set("Content-Length", strconv.FormatInt(resp.length, 10))
		}
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			_ = resp.stream(w)
		}
	case resp.body != nil:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(resp.body); err != nil {
			buf.Reset()
			_ = json.NewEncoder(&buf).Encode(wireError{Error: wireErrorDetail{Code: "InternalServerError", Message: "encoding the response failed"}})
			status = http.StatusInternalServerError
		}
		body := bytes.TrimRight(buf.Bytes(), "\n")
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			_, _ = w.Write(body)
		}
	default:
		h.Set("Content-Length", strconv.Itoa(len(resp.raw)))
		w.WriteHeader(status)
		if r.Method != http.MethodHead && len(resp.raw) > 0 {
			_, _ = w.Write(resp.raw)
		}
	}
}

// registerRoutes installs every feature area's routes. Each area has its own file.
func (s *Server) registerRoutes() {
	s.registerCoreRoutes()
	s.registerLRORoutes()
	s.registerInvoiceRoutes()
	s.registerUsageRoutes()
	s.registerEmailRoutes()
	s.registerExportRoutes()
}

// clockHeader formats t like HTTP Date headers.
func clockHeader(t time.Time) string { return t.UTC().Format(http.TimeFormat) }
