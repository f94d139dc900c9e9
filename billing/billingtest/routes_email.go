package billingtest

import (
	"net/http"
	"strings"
)

// registerEmailRoutes installs the invoice e-mail feature. The billing profile GET and PUT are the
// core's (the PUT already enforces roles, If-Match and the long-running operation); this file
// wraps them with the test hooks of email_state.go, adds the service's checks of
// invoiceRecipients to every PUT, and adds the billing account PATCH through which a MOSP
// account's notification address changes.
//
// There is deliberately no route for MOSP invoice e-mail: no public Azure API offers one.
func (s *Server) registerEmailRoutes() {
	s.email = newEmailState()
	prof := accountsPath + "/" + pAccount + "/billingProfiles/" + pProfile
	ops := accountsPath + "/" + pAccount + "/operationResults/{operationId}"
	for _, rt := range s.routes {
		switch {
		case rt.pattern == prof && (rt.method == http.MethodGet || rt.method == http.MethodPut):
			rt.h = s.profileHook(rt.method, rt.h)
		case rt.pattern == ops && rt.method == http.MethodGet:
			rt.h = s.stripETagWhenOff(rt.h)
		}
	}
	s.profilePutChecks = append(s.profilePutChecks, checkInvoiceRecipients)
	s.handle(http.MethodPatch, accountsPath+"/"+pAccount, billingAPIVersions(), s.patchAccount)
}

// profileHook runs the OnProfileRequest hook before a profile GET or PUT is handled, and drops
// the ETag from answers while ETags are off (SetProfileETags).
func (s *Server) profileHook(method string, next handlerFunc) handlerFunc {
	return func(rc *reqCtx) response {
		req := ProfileRequest{Method: method, Account: rc.param("billingAccountName"),
			Profile: rc.param("billingProfileName"), Principal: rc.principal}
		hook, n := s.email.arrive(req)
		req.N = n
		if hook != nil {
			hook(req) // without s.mu held: the hook may call UpdateProfile
		}
		return s.email.maybeStripETag(next(rc))
	}
}

func (s *Server) stripETagWhenOff(next handlerFunc) handlerFunc {
	return func(rc *reqCtx) response { return s.email.maybeStripETag(next(rc)) }
}

// maxInvoiceRecipients is the emulator's bound on invoiceRecipients (the service documents none).
const maxInvoiceRecipients = 100

// checkInvoiceRecipients refuses a profile PUT whose invoiceRecipients are not plausible
// addresses or repeat one another (case-insensitively), so that a client that skips its own
// validation is caught. Error code and wording are the emulator's own.
func checkInvoiceRecipients(_ *reqCtx, _, next *Profile) *response {
	if len(next.InvoiceRecipients) > maxInvoiceRecipients {
		r := badRequest("InvalidInvoiceRecipients", "A billing profile can have at most 100 invoice recipients.")
		return &r
	}
	seen := make(map[string]bool, len(next.InvoiceRecipients))
	for _, a := range next.InvoiceRecipients {
		if !plausibleAddress(a) {
			r := badRequest("InvalidInvoiceRecipients", "The invoice recipient '"+a+"' is not a valid email address.")
			return &r
		}
		k := strings.ToLower(a)
		if seen[k] {
			r := badRequest("InvalidInvoiceRecipients", "The invoice recipient '"+a+"' is listed more than once.")
			return &r
		}
		seen[k] = true
	}
	return nil
}

// plausibleAddress is a deliberately simple check, independent of the client's net/mail one:
// one '@', something before it, a dotted host after it, no spaces or angle brackets.
func plausibleAddress(a string) bool {
	if a == "" || len(a) > 254 || strings.ContainsAny(a, " \t\r\n<>,;") {
		return false
	}
	local, domain, ok := strings.Cut(a, "@")
	if !ok || local == "" || strings.Contains(domain, "@") {
		return false
	}
	dot := strings.LastIndexByte(domain, '.')
	return dot > 0 && dot < len(domain)-1
}
