package usage

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Consumption pages are decoded a usage detail at a time: encoding/json's Decoder walks the
// page's tokens and hands over one item's raw bytes (into a reused buffer), and a small scanner
// reads that item's fields as text into a flat struct, without reflection. The item's text
// becomes one string and every field a substring of it, so an item costs one allocation, and a
// page is never held in memory.

// itemField names a usage detail property the SDK reads (legacy kind, with the modern kind's
// names as synonyms).
type itemField uint8

const (
	ciDate itemField = iota
	ciBillingPeriodStart
	ciBillingPeriodEnd
	ciServicePeriodStart
	ciServicePeriodEnd
	ciBillingAccountID
	ciBillingAccountName
	ciBillingProfileID
	ciBillingProfileName
	ciInvoiceSectionID
	ciInvoiceSectionName
	ciInvoiceID
	ciAccountName
	ciAccountOwnerID
	ciCostCenter
	ciSubscriptionID
	ciSubscriptionName
	ciResourceGroup
	ciResourceID
	ciResourceName
	ciResourceLocation
	ciMeterID
	ciMeterName
	ciMeterCategory
	ciMeterSubcategory
	ciMeterRegion
	ciServiceFamily
	ciUnitOfMeasure
	ciServiceName
	ciServiceTier
	ciProduct
	ciProductID
	ciPartNumber
	ciConsumedService
	ciQuantity
	ciEffectivePrice
	ciCost
	ciUnitPrice
	ciPayGPrice
	ciCurrency
	ciChargeType
	ciPricingModel
	ciFrequency
	ciTerm
	ciReservationID
	ciReservationName
	ciBenefitID
	ciBenefitName
	ciProductOrderID
	ciProductOrderName
	ciOfferID
	ciPublisherName
	ciPublisherType
	ciServiceInfo1
	ciServiceInfo2
	ciAdditionalInfo
	ciCreditEligible
	// ciInstanceName is instanceName, which is a resource's short name in the older item shape
	// and an ARM id in the modern one: record decides which (see resourceFields).
	ciInstanceName
	numItemFields
)

// propertyField maps a key of "properties" to its field.
func propertyField(key string) (itemField, bool) {
	switch key {
	case "date", "usageStart": // usageStart: the older item shape (no kind), a day's start
		return ciDate, true
	case "billingPeriodStartDate":
		return ciBillingPeriodStart, true
	case "billingPeriodEndDate":
		return ciBillingPeriodEnd, true
	case "servicePeriodStartDate":
		return ciServicePeriodStart, true
	case "servicePeriodEndDate":
		return ciServicePeriodEnd, true
	case "billingAccountId":
		return ciBillingAccountID, true
	case "billingAccountName":
		return ciBillingAccountName, true
	case "billingProfileId":
		return ciBillingProfileID, true
	case "billingProfileName":
		return ciBillingProfileName, true
	case "invoiceSectionId":
		return ciInvoiceSectionID, true
	case "invoiceSection", "invoiceSectionName", "departmentName":
		return ciInvoiceSectionName, true
	case "invoiceId":
		return ciInvoiceID, true
	case "accountName":
		return ciAccountName, true
	case "accountOwnerId":
		return ciAccountOwnerID, true
	case "costCenter":
		return ciCostCenter, true
	case "subscriptionId", "subscriptionGuid":
		return ciSubscriptionID, true
	case "subscriptionName":
		return ciSubscriptionName, true
	case "resourceGroup":
		return ciResourceGroup, true
	case "resourceId", "instanceId":
		return ciResourceID, true
	case "instanceName":
		return ciInstanceName, true
	case "resourceName":
		return ciResourceName, true
	case "resourceLocation", "instanceLocation":
		return ciResourceLocation, true
	case "meterId":
		return ciMeterID, true
	case "meterName":
		return ciMeterName, true
	case "meterCategory":
		return ciMeterCategory, true
	case "meterSubCategory":
		return ciMeterSubcategory, true
	case "meterRegion":
		return ciMeterRegion, true
	case "serviceFamily":
		return ciServiceFamily, true
	case "unitOfMeasure":
		return ciUnitOfMeasure, true
	case "product":
		return ciProduct, true
	case "productIdentifier":
		return ciProductID, true
	case "partNumber":
		return ciPartNumber, true
	case "consumedService":
		return ciConsumedService, true
	case "quantity", "usageQuantity":
		return ciQuantity, true
	case "effectivePrice":
		return ciEffectivePrice, true
	case "cost", "costInBillingCurrency", "pretaxCost":
		return ciCost, true
	case "unitPrice":
		return ciUnitPrice, true
	case "payGPrice":
		return ciPayGPrice, true
	case "billingCurrency", "billingCurrencyCode", "currency":
		return ciCurrency, true
	case "chargeType":
		return ciChargeType, true
	case "pricingModel":
		return ciPricingModel, true
	case "frequency":
		return ciFrequency, true
	case "term":
		return ciTerm, true
	case "reservationId":
		return ciReservationID, true
	case "reservationName":
		return ciReservationName, true
	case "benefitId":
		return ciBenefitID, true
	case "benefitName":
		return ciBenefitName, true
	case "productOrderId":
		return ciProductOrderID, true
	case "productOrderName":
		return ciProductOrderName, true
	case "offerId":
		return ciOfferID, true
	case "publisherName":
		return ciPublisherName, true
	case "publisherType":
		return ciPublisherType, true
	case "serviceInfo1":
		return ciServiceInfo1, true
	case "serviceInfo2":
		return ciServiceInfo2, true
	case "additionalInfo", "additionalProperties":
		return ciAdditionalInfo, true
	case "isAzureCreditEligible":
		return ciCreditEligible, true
	}
	return 0, false
}

// meterField maps a key of "meterDetails" to its field.
func meterField(key string) (itemField, bool) {
	switch key {
	case "meterName":
		return ciMeterName, true
	case "meterCategory":
		return ciMeterCategory, true
	case "meterSubCategory":
		return ciMeterSubcategory, true
	case "unitOfMeasure", "unit":
		return ciUnitOfMeasure, true
	case "serviceFamily":
		return ciServiceFamily, true
	case "meterLocation":
		return ciMeterRegion, true
	case "serviceName":
		return ciServiceName, true
	case "serviceTier":
		return ciServiceTier, true
	}
	return 0, false
}

// usageItem is one usage detail as text. Numbers keep their JSON text, strings are unescaped,
// booleans are "true"/"false"; a field absent or null is "".
type usageItem struct {
	kind string
	name string // the item's top-level name (a GUID), for errors
	tags string // the top-level "tags" object's JSON text
	f    [numItemFields]string
}

// errItemSyntax reports an item whose JSON the scanner cannot follow.
var errItemSyntax = errors.New("malformed usage detail JSON")

// parseUsageDetail reads one usage detail object from s into it.
func parseUsageDetail(s string, it *usageItem) error {
	*it = usageItem{}
	j := jscan{s: s}
	err := j.object(func(key string) error {
		switch key {
		case "kind":
			v, _, err := j.scalar()
			it.kind = v
			return err
		case "name":
			if j.peek() != '"' {
				return j.skip()
			}
			v, _, err := j.scalar()
			it.name = v
			return err
		case "tags":
			raw, err := j.raw()
			if raw != "null" {
				it.tags = raw
			}
			return err
		case "properties":
			return j.object(func(key string) error {
				if key == "meterDetails" {
					if j.peek() == 'n' {
						_, _, err := j.scalar()
						return err
					}
					return j.object(func(key string) error { return it.set(&j, key, meterField) })
				}
				return it.set(&j, key, propertyField)
			})
		}
		return j.skip()
	})
	if err != nil {
		return err
	}
	j.ws()
	if j.i != len(j.s) {
		return fmt.Errorf("%w: text after the object at byte %d", errItemSyntax, j.i)
	}
	return nil
}

// set stores the value at j under key's field; values of unknown keys, and objects or arrays
// where a scalar is expected, are skipped. The first non-empty value of a field wins, so a
// top-level meter field and meterDetails' do not overwrite each other.
func (it *usageItem) set(j *jscan, key string, lookup func(string) (itemField, bool)) error {
	f, ok := lookup(key)
	if !ok {
		return j.skip()
	}
	switch j.peek() {
	case '{', '[':
		return j.skip()
	}
	v, _, err := j.scalar()
	if err != nil {
		return err
	}
	if it.f[f] == "" {
		it.f[f] = v
	}
	return nil
}

// jscan is a minimal JSON scanner over one value's text. It never panics: every index is
// checked, nesting is skipped iteratively, and any surprise is an errItemSyntax.
type jscan struct {
	s string
	i int
}

func (j *jscan) fail(what string) error {
	return fmt.Errorf("%w: %s at byte %d", errItemSyntax, what, j.i)
}

func (j *jscan) ws() {
	for j.i < len(j.s) {
		switch j.s[j.i] {
		case ' ', '\t', '\n', '\r':
			j.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (j *jscan) peek() byte {
	j.ws()
	if j.i < len(j.s) {
		return j.s[j.i]
	}
	return 0
}

// object walks an object's members, calling member with each key; member must consume the
// value (scalar, raw, skip or object).
func (j *jscan) object(member func(key string) error) error {
	if j.peek() != '{' {
		return j.fail("expected an object")
	}
	j.i++
	if j.peek() == '}' {
		j.i++
		return nil
	}
	for {
		if j.peek() != '"' {
			return j.fail("expected a member name")
		}
		key, err := j.str()
		if err != nil {
			return err
		}
		if j.peek() != ':' {
			return j.fail("expected ':'")
		}
		j.i++
		if err := member(key); err != nil {
			return err
		}
		switch j.peek() {
		case ',':
			j.i++
		case '}':
			j.i++
			return nil
		default:
			return j.fail("expected ',' or '}'")
		}
	}
}

// scalar reads a string, number, true, false or null. Strings are unescaped; numbers keep
// their text; null is "". The byte tells the kind: '"', '0', 't', 'f' or 'n'.
func (j *jscan) scalar() (string, byte, error) {
	switch c := j.peek(); {
	case c == '"':
		s, err := j.str()
		return s, '"', err
	case c == '-' || c >= '0' && c <= '9':
		start := j.i
		for j.i < len(j.s) && isNumberByte(j.s[j.i]) {
			j.i++
		}
		return j.s[start:j.i], '0', nil
	case c == 't' && j.literal("true"):
		return "true", 't', nil
	case c == 'f' && j.literal("false"):
		return "false", 'f', nil
	case c == 'n' && j.literal("null"):
		return "", 'n', nil
	}
	return "", 0, j.fail("expected a value")
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

func (j *jscan) literal(lit string) bool {
	if len(j.s)-j.i >= len(lit) && j.s[j.i:j.i+len(lit)] == lit {
		j.i += len(lit)
		return true
	}
	return false
}

// raw returns the text of the next value (of any kind) and moves past it.
func (j *jscan) raw() (string, error) {
	j.ws()
	start := j.i
	if err := j.skip(); err != nil {
		return "", err
	}
	return j.s[start:j.i], nil
}

// skip moves past the next value, iteratively for nested objects and arrays.
func (j *jscan) skip() error {
	depth := 0
	for {
		switch c := j.peek(); c {
		case '{', '[':
			depth++
			j.i++
			continue
		case '}', ']':
			if depth == 0 {
				return j.fail("unexpected closing bracket")
			}
			depth--
			j.i++
		case '"':
			if _, err := j.strEnd(); err != nil {
				return err
			}
		case ',', ':':
			if depth == 0 {
				return j.fail("expected a value")
			}
			j.i++
			continue
		case 0:
			return j.fail("unexpected end")
		default:
			if _, _, err := j.scalar(); err != nil {
				return err
			}
		}
		if depth == 0 {
			return nil
		}
	}
}

// strEnd moves past a string and reports whether it holds escapes.
func (j *jscan) strEnd() (escaped bool, err error) {
	if j.i >= len(j.s) || j.s[j.i] != '"' {
		return false, j.fail("expected a string")
	}
	j.i++
	for j.i < len(j.s) {
		switch j.s[j.i] {
		case '"':
			j.i++
			return escaped, nil
		case '\\':
			escaped = true
			j.i += 2
			continue
		}
		j.i++
	}
	return false, j.fail("unterminated string")
}

// str reads a string: a substring of the input unless it holds escapes.
func (j *jscan) str() (string, error) {
	start := j.i
	escaped, err := j.strEnd()
	if err != nil {
		return "", err
	}
	body := j.s[start+1 : j.i-1]
	if !escaped {
		return body, nil
	}
	s, ok := unquoteJSON(body)
	if !ok {
		j.i = start
		return "", j.fail("bad escape in string")
	}
	return s, nil
}

// unquoteJSON decodes the escapes of a JSON string's body. Unpaired surrogates become U+FFFD,
// as in encoding/json.
func unquoteJSON(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(s) {
			return "", false
		}
		switch s[i+1] {
		case '"', '\\', '/':
			b = append(b, s[i+1])
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4At(s, i+2)
			if !ok {
				return "", false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4At(s, i+2); ok && i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						b = utf8.AppendRune(b, dec)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			b = utf8.AppendRune(b, r)
			continue
		default:
			return "", false
		}
		i += 2
	}
	return string(b), true
}

func hex4At(s string, i int) (rune, bool) {
	if i < 0 || i+4 > len(s) {
		return 0, false
	}
	v, err := strconv.ParseUint(s[i:i+4], 16, 32)
	if err != nil {
		return 0, false
	}
	return rune(v), true
}

// maxItemBytes bounds one value of a page (a usage detail is a few KiB): a value that never
// ends must not read the whole body into memory.
const maxItemBytes = 16 << 20

// decodeUsagePage reads a page {"value":[...],"nextLink":"..."} from body, calling item for each
// usage detail in order (the item is reused: copy what you keep). It stops early, returning
// stopped, when item returns false. The keys may come in any order; unknown keys are skipped.
//
// The page is scanned through a 64 KiB window that only grows to hold one value: the scanner
// finds where each usage detail ends (tracking strings and nesting), hands its text to
// parseUsageDetail, and moves on. This is several times faster than letting encoding/json's
// Decoder extract each item, which scans every byte twice with its general state machine.
func decodeUsagePage(body io.Reader, item func(*usageItem) (bool, error)) (nextLink string, stopped bool, err error) {
	ps := pageScanner{r: body, buf: make([]byte, 0, 64<<10)}
	var it usageItem
	if err := ps.expect('{'); err != nil {
		return "", false, err
	}
	if c, err := ps.peek(); err != nil {
		return "", false, err
	} else if c == '}' {
		ps.pos++
		return "", false, nil
	}
	for {
		key, err := ps.key()
		if err != nil {
			return "", false, err
		}
		switch key {
		case "value":
			done, err := ps.items(&it, item)
			if err != nil || done {
				return "", done, err
			}
		case "nextLink":
			s, e, err := ps.value()
			if err != nil {
				return "", false, err
			}
			if v := string(ps.buf[s:e]); v != "null" {
				j := jscan{s: v}
				nl, kind, err := j.scalar()
				if err != nil || kind != '"' || j.i != len(v) {
					return "", false, &pageError{Reason: `"nextLink" is not a string`}
				}
				nextLink = nl
			}
		default:
			if _, _, err := ps.value(); err != nil {
				return "", false, err
			}
		}
		c, err := ps.peek()
		if err != nil {
			return "", false, err
		}
		ps.pos++
		switch c {
		case ',':
		case '}':
			return nextLink, false, nil
		default:
			return "", false, &pageError{Reason: "the page is not valid JSON: expected ',' or '}' between members"}
		}
	}
}

// items reads the "value" array (or null), calling item for each usage detail. stopped reports
// that item asked to stop.
func (p *pageScanner) items(it *usageItem, item func(*usageItem) (bool, error)) (stopped bool, err error) {
	c, err := p.peek()
	if err != nil {
		return false, err
	}
	if c == 'n' {
		s, e, err := p.value()
		if err != nil {
			return false, err
		}
		if string(p.buf[s:e]) != "null" {
			return false, &pageError{Reason: `"value" is not an array`}
		}
		return false, nil
	}
	if c != '[' {
		return false, &pageError{Reason: `"value" is not an array`}
	}
	p.pos++
	if c, err := p.peek(); err != nil {
		return false, err
	} else if c == ']' {
		p.pos++
		return false, nil
	}
	for {
		s, e, err := p.value()
		if err != nil {
			return false, err
		}
		if err := parseUsageDetail(string(p.buf[s:e]), it); err != nil {
			return false, &pageError{Reason: "a usage detail is not an object of the expected shape", Err: err}
		}
		more, err := item(it)
		if err != nil {
			return false, err
		}
		if !more {
			return true, nil
		}
		c, err := p.peek()
		if err != nil {
			return false, err
		}
		p.pos++
		switch c {
		case ']':
			return false, nil
		case ',':
		default:
			return false, &pageError{Reason: "the page is not valid JSON: expected ',' or ']' after a usage detail"}
		}
	}
}

// pageScanner is a window over a page body: buf[pos:] is read but not yet consumed.
type pageScanner struct {
	r   io.Reader
	buf []byte
	pos int
	err error // the reader's error once it has one (io.EOF at the end)
}

// more reads more of the body, keeping buf[keep:], which then starts at 0 (pos moves with it).
// It reports whether anything new may have arrived; false at the end or after an error.
func (p *pageScanner) more(keep int) bool {
	if p.err != nil {
		return false
	}
	n := copy(p.buf[:cap(p.buf)], p.buf[keep:])
	p.buf = p.buf[:n]
	p.pos -= keep
	if n == cap(p.buf) {
		if cap(p.buf) >= maxItemBytes {
			p.err = &pageError{Reason: fmt.Sprintf("a value of the page exceeds %d bytes", maxItemBytes)}
			return false
		}
		grown := make([]byte, n, 2*cap(p.buf))
		copy(grown, p.buf)
		p.buf = grown
	}
	m, err := p.r.Read(p.buf[n:cap(p.buf)])
	p.buf = p.buf[:n+m]
	if err != nil {
		p.err = err
	}
	return m > 0 || err == nil
}

// fail is the error for input that stops where a value was expected.
func (p *pageScanner) fail() error {
	var pe *pageError
	switch {
	case errors.As(p.err, &pe):
		return pe
	case p.err != nil && p.err != io.EOF:
		return &pageError{Reason: "reading the page failed", Err: p.err, read: true}
	}
	return &pageError{Reason: "the page is not valid JSON: it ends too early"}
}

// peek skips whitespace and returns the next byte without consuming it.
func (p *pageScanner) peek() (byte, error) {
	for {
		for p.pos < len(p.buf) {
			switch c := p.buf[p.pos]; c {
			case ' ', '\t', '\n', '\r':
				p.pos++
			default:
				return c, nil
			}
		}
		if !p.more(p.pos) {
			return 0, p.fail()
		}
	}
}

func (p *pageScanner) expect(c byte) error {
	got, err := p.peek()
	if err != nil {
		return &pageError{Reason: "the page is not a JSON object", Err: err}
	}
	if got != c {
		return &pageError{Reason: fmt.Sprintf("the page is not valid JSON: expected %q, found %q", c, got)}
	}
	p.pos++
	return nil
}

// key reads a member name and its colon.
func (p *pageScanner) key() (string, error) {
	c, err := p.peek()
	if err != nil {
		return "", err
	}
	if c != '"' {
		return "", &pageError{Reason: "the page is not valid JSON: expected a member name"}
	}
	s, e, err := p.value()
	if err != nil {
		return "", err
	}
	j := jscan{s: string(p.buf[s:e])}
	key, err := j.str()
	if err != nil {
		return "", &pageError{Reason: "the page is not valid JSON: bad member name", Err: err}
	}
	if err := p.expect(':'); err != nil {
		return "", err
	}
	return key, nil
}

// value finds the extent of the next value (string, number, literal, object or array) and
// consumes it; buf[start:end] is its text until the scanner moves on. Objects and arrays are
// matched by nesting outside strings; whoever parses their text checks the rest.
func (p *pageScanner) value() (start, end int, err error) {
	if _, err := p.peek(); err != nil {
		return 0, 0, err
	}
	depth, inStr, esc := 0, false, false
	i := p.pos
	for {
		for ; i < len(p.buf); i++ {
			c := p.buf[i]
			if inStr {
				switch {
				case esc:
					esc = false
				case c == '\\':
					esc = true
				case c == '"':
					inStr = false
					if depth == 0 {
						return p.take(i + 1)
					}
				}
				continue
			}
			switch c {
			case '"':
				if depth == 0 && i > p.pos {
					return p.take(i) // a scalar followed by a quote: let the caller complain
				}
				inStr = true
			case '{', '[':
				depth++
			case '}', ']':
				if depth == 0 {
					return p.take(i)
				}
				depth--
				if depth == 0 {
					return p.take(i + 1)
				}
			case ',', ':', ' ', '\t', '\n', '\r':
				if depth == 0 {
					return p.take(i)
				}
			}
		}
		off := i - p.pos
		if !p.more(p.pos) {
			if depth == 0 && !inStr && i > p.pos && p.err == io.EOF {
				return p.take(i) // a scalar that ends the body
			}
			return 0, 0, p.fail()
		}
		i = p.pos + off
	}
}

// take consumes buf[pos:end] as a value.
func (p *pageScanner) take(end int) (int, int, error) {
	if end == p.pos {
		return 0, 0, &pageError{Reason: fmt.Sprintf("the page is not valid JSON: unexpected %q", p.buf[end])}
	}
	start := p.pos
	p.pos = end
	return start, end, nil
}

// pageError is a Consumption page that does not follow the protocol; the client turns it into a
// *billing.ProtocolError with the status and request id.
type pageError struct {
	Reason string
	Err    error
	read   bool // the connection broke: the page can be requested again
}

func (e *pageError) Error() string {
	if e.Err != nil {
		return e.Reason + ": " + e.Err.Error()
	}
	return e.Reason
}

func (e *pageError) Unwrap() error { return e.Err }
