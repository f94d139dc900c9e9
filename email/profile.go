package email

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// The service has no PATCH for billing profiles, so an e-mail change is a read-modify-write PUT
// of the whole profile. profileDoc keeps the profile as the service sent it, member by member,
// so that everything except the two e-mail fields goes back unchanged, including fields this SDK
// does not know about.
type profileDoc struct {
	top   map[string]json.RawMessage // the resource: id, name, type, properties, tags, ...
	props map[string]json.RawMessage // its properties
}

// Wire names of the e-mail preference (billingProfile.properties, 2024-04-01).
const (
	propOptIn      = "invoiceEmailOptIn"
	propRecipients = "invoiceRecipients"
	propReadAccess = "hasReadAccess"
)

var errNotObject = errors.New("the billing profile is not a JSON object")

// parseProfile splits a billing profile into its members. The document and its properties (when
// present and not null) must be JSON objects.
func parseProfile(b []byte) (*profileDoc, error) {
	if !isObject(b) {
		return nil, errNotObject
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, err
	}
	if top == nil {
		return nil, errNotObject
	}
	d := &profileDoc{top: top, props: map[string]json.RawMessage{}}
	if raw, ok := top["properties"]; ok && !isNull(raw) {
		if !isObject(raw) {
			return nil, errors.New("the billing profile's properties are not a JSON object")
		}
		if err := json.Unmarshal(raw, &d.props); err != nil {
			return nil, err
		}
		if d.props == nil {
			d.props = map[string]json.RawMessage{}
		}
	}
	return d, nil
}

// jsonSpace is JSON's whitespace (bytes.TrimSpace would also trim characters JSON rejects).
const jsonSpace = " \t\r\n"

func isObject(b []byte) bool {
	b = bytes.TrimLeft(b, jsonSpace)
	return len(b) > 0 && b[0] == '{'
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.Trim(raw, jsonSpace), []byte("null")) }

// email returns the preference stored in the document. A missing or null field means not opted
// in and no recipients; a field of the wrong type is an error.
func (d *profileDoc) email() (optIn bool, recipients []string, err error) {
	if raw, ok := d.props[propOptIn]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &optIn); err != nil {
			return false, nil, fmt.Errorf("%s is not a boolean", propOptIn)
		}
	}
	if raw, ok := d.props[propRecipients]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &recipients); err != nil {
			return false, nil, fmt.Errorf("%s is not a list of strings", propRecipients)
		}
	}
	return optIn, recipients, nil
}

// readAccess reports properties.hasReadAccess; known is false when the service did not say.
func (d *profileDoc) readAccess() (read, known bool) {
	raw, ok := d.props[propReadAccess]
	if !ok || isNull(raw) {
		return false, false
	}
	if err := json.Unmarshal(raw, &read); err != nil {
		return false, false
	}
	return read, true
}

// etag is a top-level "etag" member, which some ARM resources carry in the body.
func (d *profileDoc) etag() string {
	var s string
	if raw, ok := d.top["etag"]; ok {
		_ = json.Unmarshal(raw, &s)
	}
	return s
}

// withEmail returns the document with the e-mail preference replaced and every other member of
// the resource and its properties kept as received. Recipients are never sent as null: an empty
// list clears them.
func (d *profileDoc) withEmail(optIn bool, recipients []string) ([]byte, error) {
	if recipients == nil {
		recipients = []string{}
	}
	props := make(map[string]json.RawMessage, len(d.props)+2)
	for k, v := range d.props {
		props[k] = v
	}
	var err error
	if props[propOptIn], err = marshal(optIn); err != nil {
		return nil, err
	}
	if props[propRecipients], err = marshal(recipients); err != nil {
		return nil, err
	}
	top := make(map[string]json.RawMessage, len(d.top)+1)
	for k, v := range d.top {
		top[k] = v
	}
	if top["properties"], err = marshal(props); err != nil {
		return nil, err
	}
	return marshal(top)
}

// marshal encodes without HTML escaping, so strings the service sent come back as they were.
func marshal(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// sameProfile reports whether two reads of a profile are the same JSON value, ignoring
// systemData (ARM bookkeeping). It is how a change is detected when the service gives no ETag.
func sameProfile(a, b []byte) bool {
	va, errA := canonical(a)
	vb, errB := canonical(b)
	if errA != nil || errB != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

func canonical(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // compare numbers as written, not as float64
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if m, ok := v.(map[string]any); ok {
		delete(m, "systemData")
	}
	return v, nil
}
