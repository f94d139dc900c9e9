package email

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/azbilling/azbilling/billing"
)

// Bounds on the addresses the SDK sends. The service documents no limits; these keep a request
// sane and match what a mail system accepts (RFC 5321: 254 characters, 64 before the '@').
const (
	// MaxRecipients is the most addresses one call accepts.
	MaxRecipients = 50
	// MaxAddressLength is the longest address accepted, in bytes.
	MaxAddressLength = 254
	maxLocalPart     = 64
)

// InvalidAddress is one rejected address and why.
type InvalidAddress struct {
	Address string // as given (trimmed of surrounding spaces, shortened when very long)
	// Reason says what is wrong with Address, such as "no @" or "domain has no dot".
	Reason string
}

// AddressError rejects e-mail addresses before any request is sent: it lists every invalid
// address with its reason, or says that too many were given. It matches billing.ErrInvalidInput
// with errors.Is.
type AddressError struct {
	// Invalid lists every rejected address, in the order given; empty when only the count was wrong.
	Invalid []InvalidAddress
	// Count and Limit are set when more than Limit addresses were given.
	Count, Limit int
}

// Error lists the rejected addresses with their reasons.
func (e *AddressError) Error() string {
	var b strings.Builder
	b.WriteString("azbilling: ")
	if e.Limit > 0 && e.Count > e.Limit {
		fmt.Fprintf(&b, "%d e-mail addresses given, at most %d are accepted", e.Count, e.Limit)
	} else {
		if len(e.Invalid) == 1 {
			b.WriteString("invalid e-mail address ")
		} else {
			fmt.Fprintf(&b, "%d invalid e-mail addresses: ", len(e.Invalid))
		}
		for i, a := range e.Invalid {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q (%s)", a.Address, a.Reason)
		}
	}
	b.WriteString("; nothing was sent")
	return b.String()
}

// Is reports whether target is billing.ErrInvalidInput.
func (e *AddressError) Is(target error) bool { return target == billing.ErrInvalidInput }

// ValidateAddresses checks invoice recipient addresses the way the SDK does before any request:
// each must be a bare address (user@example.com: no display name, no angle brackets, no
// comment, no quoted local part) with a host name after the '@', at most MaxAddressLength
// bytes, and no address may repeat another (compared case-insensitively). Surrounding spaces
// are trimmed. It returns the trimmed addresses in their order, or an *AddressError listing
// every invalid one.
func ValidateAddresses(addrs []string) ([]string, error) {
	if len(addrs) > MaxRecipients {
		return nil, &AddressError{Count: len(addrs), Limit: MaxRecipients}
	}
	out := make([]string, 0, len(addrs))
	var bad []InvalidAddress
	seen := make(map[string]string, len(addrs))
	for _, raw := range addrs {
		a := strings.TrimSpace(raw)
		if reason := addressProblem(a); reason != "" {
			bad = append(bad, InvalidAddress{Address: shorten(a), Reason: reason})
			continue
		}
		key := strings.ToLower(a)
		if first, dup := seen[key]; dup {
			bad = append(bad, InvalidAddress{Address: shorten(a), Reason: fmt.Sprintf("repeats %q", shorten(first))})
			continue
		}
		seen[key] = a
		out = append(out, a)
	}
	if len(bad) > 0 {
		return nil, &AddressError{Invalid: bad}
	}
	return out, nil
}

// addressProblem returns why a (already trimmed) is not acceptable, or "".
func addressProblem(a string) string {
	switch {
	case a == "":
		return "empty"
	case len(a) > MaxAddressLength:
		return fmt.Sprintf("longer than %d characters", MaxAddressLength)
	case !utf8.ValidString(a):
		return "not valid UTF-8"
	case strings.ContainsFunc(a, unicode.IsControl):
		return "contains control characters"
	case strings.Contains(a, `"`):
		return "quoted parts are not accepted"
	}
	parsed, err := mail.ParseAddress(a)
	if err != nil {
		return "not an e-mail address (" + strings.TrimPrefix(err.Error(), "mail: ") + ")"
	}
	// net/mail accepts "Name <user@host>", "<user@host>" and comments; the service wants the
	// bare address.
	if parsed.Name != "" || parsed.Address != a {
		return "must be a bare address without a display name, comment or angle brackets"
	}
	if strings.ContainsFunc(a, unicode.IsSpace) {
		return "contains spaces"
	}
	at := strings.LastIndexByte(a, '@')
	local, domain := a[:at], a[at+1:]
	switch {
	case len(local) > maxLocalPart:
		return fmt.Sprintf("more than %d characters before the '@'", maxLocalPart)
	case strings.HasPrefix(domain, "["):
		return "the domain must be a host name, not an IP address"
	case !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, ".."):
		return "the domain must be a host name such as contoso.com"
	}
	return ""
}

// shorten keeps error messages readable when an input is huge.
func shorten(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// containsFold reports whether list holds a (case-insensitively).
func containsFold(list []string, a string) bool {
	for _, x := range list {
		if strings.EqualFold(x, a) {
			return true
		}
	}
	return false
}
