package roles

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrPermissionDenied is the sentinel every *PermissionError matches with errors.Is.
var ErrPermissionDenied = errors.New("permission denied")

// PermissionError reports that the service refused an action (HTTP 401 or 403), with what a user
// needs to fix it: the roles that would allow the action and the policy that may block it.
// Use errors.As to get it and errors.Is(err, ErrPermissionDenied) to test for it.
type PermissionError struct {
	Action    Action    // what was refused
	Scope     string    // the ARM id of the scope it was refused on
	Agreement Agreement // agreement of the billing account, when known
	Required  []Role    // roles that would allow Action on Scope (see NewPermissionError)
	// Policy is a policy that blocks the action when off, if the caller knows one is involved,
	// such as PolicyEADepartmentAdminViewCharges for a department administrator reading costs.
	Policy     Policy
	StatusCode int    // HTTP status, usually 401 or 403
	Code       string // error.code of the ARM error body, verbatim
	Message    string // error.message of the ARM error body, verbatim
	RequestID  string // x-ms-request-id, for support cases
	Err        error  // the cause, usually *azcore.ResponseError
}

// NewPermissionError returns a PermissionError for action a refused on scope with the given HTTP
// status, with Required filled from the permission table (Allowing(ag, a)). The caller sets
// Code, Message, RequestID and Policy when it knows them.
func NewPermissionError(a Action, scope string, ag Agreement, statusCode int, err error) *PermissionError {
	return &PermissionError{
		Action:     a,
		Scope:      scope,
		Agreement:  ag,
		Required:   Allowing(ag, a),
		StatusCode: statusCode,
		Err:        err,
	}
}

// Error returns one sentence saying what was refused, on which scope, what the service said,
// which roles would allow it and which policy may block it, and the request id. Service text is
// trimmed to one line and anything that looks like a credential (a bearer token, a JWT, a SAS
// signature or another secret query value) is replaced by REDACTED; the cause is not included,
// because its text may hold a request URL.
func (e *PermissionError) Error() string {
	if e == nil {
		return "<nil>"
	}
	var b strings.Builder
	b.WriteString("not allowed to ")
	if e.Action != "" {
		b.WriteString(clean(e.Action.Description(), 100))
	} else {
		b.WriteString("perform this operation")
	}
	if scope := clean(e.Scope, 400); scope != "" {
		b.WriteString(" on ")
		b.WriteString(scope)
	}

	var context []string
	if ag := clean(e.Agreement.String(), 60); ag != "" {
		context = append(context, ag)
	}
	var service []string
	if e.StatusCode != 0 {
		service = append(service, "HTTP "+strconv.Itoa(e.StatusCode))
	}
	if code := clean(e.Code, 100); code != "" {
		service = append(service, code)
	}
	said := strings.Join(service, " ")
	if msg := strings.TrimRight(clean(e.Message, 300), ". "); msg != "" {
		if said != "" {
			said += ": "
		}
		said += msg
	}
	if said != "" {
		context = append(context, said)
	}
	if len(context) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(context, "; "))
		b.WriteString(")")
	}

	b.WriteString(": ")
	switch {
	case len(e.Required) > 0:
		b.WriteString("needs one of ")
		b.WriteString(describeRoles(e.Required, e.Action))
	case e.Agreement.Known():
		b.WriteString("no billing role allows it on ")
		b.WriteString(e.Agreement.String())
		b.WriteString(" billing accounts")
	default:
		b.WriteString("ask an administrator of the billing account for a role that allows it")
	}
	if e.Policy != PolicyNone {
		b.WriteString("; ")
		b.WriteString(clean(e.Policy.label(), 200))
		b.WriteString(" may be off: ")
		b.WriteString(e.Policy.remedy())
	}
	if id := clean(e.RequestID, 100); id != "" {
		b.WriteString(" (request id ")
		b.WriteString(id)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *PermissionError) Unwrap() error { return e.Err }

// Is reports whether target is ErrPermissionDenied.
func (e *PermissionError) Is(target error) bool { return target == ErrPermissionDenied }

// describeRoles lists display names, naming the policy a role needs once per run of roles that
// need the same one: "A, B or C (only while "DA view charges" is on), D".
func describeRoles(required []Role, a Action) string {
	var groups []string
	for i := 0; i < len(required); {
		p := RequiredPolicy(required[i], a)
		j := i + 1
		for p != PolicyNone && j < len(required) && RequiredPolicy(required[j], a) == p {
			j++
		}
		names := make([]string, 0, j-i)
		for _, r := range required[i:j] {
			names = append(names, clean(r.DisplayName(), 100))
		}
		g := strings.Join(names, " or ")
		if p != PolicyNone {
			g += " (only while " + p.shortName() + " is on)"
		}
		groups = append(groups, g)
		i = j
	}
	return strings.Join(groups, ", ")
}

// shortName is the name of the policy as the portal shows it, quoted.
func (p Policy) shortName() string {
	switch p {
	case PolicyEAAccountOwnerViewCharges:
		return `"AO view charges"`
	case PolicyEADepartmentAdminViewCharges:
		return `"DA view charges"`
	case PolicyMOSPInvoiceAccess:
		return `"Allow others to download invoice"`
	}
	return strconv.Quote(clean(string(p), 100))
}

// clean makes text from the service fit for an error message: valid UTF-8 on one line without
// control characters, at most max runes, and with anything credential-like replaced by REDACTED.
// Error text ends up in logs and terminals, so it must never carry a token or a SAS signature.
func clean(s string, max int) string {
	if s == "" {
		return ""
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	words := strings.FieldsFunc(s, func(c rune) bool { return unicode.IsSpace(c) || unicode.IsControl(c) })
	prev := "" // the previous word as sent: "Bearer Bearer x" must redact both
	for i, w := range words {
		afterScheme := isAuthScheme(prev)
		prev = w
		switch {
		case afterScheme:
			words[i] = "REDACTED"
		case looksLikeJWT(w):
			words[i] = "REDACTED"
		default:
			words[i] = redactParams(w)
		}
	}
	s = strings.Join(words, " ")
	if utf8.RuneCountInString(s) > max {
		n := 0
		for i := range s {
			if n == max {
				s = s[:i] + "…"
				break
			}
			n++
		}
	}
	return s
}

// isAuthScheme reports whether w names an HTTP authorization scheme whose next word is a secret.
func isAuthScheme(w string) bool {
	// The suffix catches "Authorization:Bearer" and "Authorization=Bearer" written as one word.
	w = strings.ToLower(strings.TrimRight(w, `"':,;()[]{}`))
	return strings.HasSuffix(w, "bearer") || strings.HasSuffix(w, "sharedkey") ||
		strings.HasSuffix(w, "sharedaccesssignature")
}

// looksLikeJWT reports whether w contains a JSON Web Token: a base64url header starting "eyJ"
// followed by two more dot-separated parts.
func looksLikeJWT(w string) bool {
	i := strings.Index(w, "eyJ")
	return i >= 0 && strings.Count(w[i:], ".") >= 2
}

// redactParams replaces the value of every key=value pair in w whose key names a secret
// (sig, code, …key, …secret, …token, …signature, …password), as in a SAS URL or connection string.
func redactParams(w string) string {
	if !strings.Contains(w, "=") {
		return w
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(w); i++ {
		if w[i] != '=' {
			continue
		}
		start := i
		for start > 0 && isKeyByte(w[start-1]) {
			start--
		}
		if !secretKey(strings.ToLower(w[start:i])) {
			continue
		}
		end := i + 1
		for end < len(w) && !strings.ContainsRune("&;,\"'<>() ", rune(w[end])) {
			end++
		}
		b.WriteString(w[last : i+1])
		b.WriteString("REDACTED")
		last = end
		i = end - 1
	}
	if last == 0 {
		return w
	}
	b.WriteString(w[last:])
	return b.String()
}

func isKeyByte(c byte) bool {
	return c == '_' || c == '-' || c == '.' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func secretKey(k string) bool {
	if k == "sig" || k == "code" {
		return true
	}
	for _, suffix := range []string{"key", "secret", "token", "signature", "password", "pwd"} {
		if strings.HasSuffix(k, suffix) {
			return true
		}
	}
	return false
}
