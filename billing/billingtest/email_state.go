package billingtest

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// emailState is the invoice e-mail feature's state: test hooks around the billing profile
// routes. The profiles themselves (and their e-mail preference) live in the World.
type emailState struct {
	mu     sync.Mutex
	noETag bool
	hook   func(ProfileRequest)
	counts map[string]int // method + " " + lower-case account/profile → requests so far
}

func newEmailState() *emailState { return &emailState{counts: make(map[string]int)} }

// arrive counts a profile request and returns the hook to run and the request's number.
func (e *emailState) arrive(r ProfileRequest) (func(ProfileRequest), int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	k := r.Method + " " + strings.ToLower(r.Account+"/"+r.Profile)
	e.counts[k]++
	return e.hook, e.counts[k]
}

func (e *emailState) maybeStripETag(r response) response {
	e.mu.Lock()
	off := e.noETag
	e.mu.Unlock()
	if off && r.header != nil {
		r.header = r.header.Clone()
		r.header.Del("Etag")
	}
	return r
}

// ProfileRequest is a GET or PUT of a billing profile as it reaches the emulator, before it is
// handled.
type ProfileRequest struct {
	Method           string // GET or PUT
	Account, Profile string // as named in the path
	// Principal is the caller, from the bearer token ("" without one).
	Principal Principal
	// N counts the requests of this method on this profile since the server started: 1 for the
	// first, 2 for the next, ...
	N int
}

// OnProfileRequest installs f to run before the emulator handles each GET and PUT of a billing
// profile (nil removes it). f may change the world, for example with UpdateProfile, to simulate
// someone else changing the profile between a client's read and its write:
//
//	srv.OnProfileRequest(func(r billingtest.ProfileRequest) {
//		if r.Method == http.MethodPut && r.N == 1 {
//			_ = srv.SetProfileField(r.Account, r.Profile, "poNumber", "PO-CHANGED")
//		}
//	})
func (s *Server) OnProfileRequest(f func(ProfileRequest)) {
	s.email.mu.Lock()
	defer s.email.mu.Unlock()
	s.email.hook = f
}

// SetProfileETags turns the ETag header of billing profile answers on (the default) or off, to
// test a client against a service that gives none. If-Match is still honoured when sent.
func (s *Server) SetProfileETags(enabled bool) {
	s.email.mu.Lock()
	defer s.email.mu.Unlock()
	s.email.noETag = !enabled
}

// UpdateProfile changes a billing profile's stored state as someone else would: change gets a
// copy of the profile and its changes are stored (the profile's name is kept). The ETag changes
// with any stored field. change runs with the server locked: it must not call the server.
func (s *Server) UpdateProfile(account, profile string, change func(p *Profile)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.world.Account(account)
	if a == nil {
		return fmt.Errorf("billingtest: no billing account %q", account)
	}
	for i, p := range a.Profiles {
		if strings.EqualFold(p.Name, profile) {
			cp := cloneProfile(p)
			change(cp)
			cp.Name = p.Name
			a.Profiles[i] = cp
			return nil
		}
	}
	return fmt.Errorf("billingtest: no billing profile %q in account %q", profile, account)
}

// SetProfileField sets one field of a billing profile by its wire name, as someone else would:
// displayName, poNumber, invoiceEmailOptIn ("true"/"false"), invoiceRecipients (comma-separated,
// "" for none), or tags.NAME (an empty value deletes the tag).
func (s *Server) SetProfileField(account, profile, field, value string) error {
	var bad error
	err := s.UpdateProfile(account, profile, func(p *Profile) {
		switch {
		case field == "displayName":
			p.DisplayName = value
		case field == "poNumber":
			p.PONumber = value
		case field == "invoiceEmailOptIn":
			b, err := strconv.ParseBool(value)
			if err != nil {
				bad = fmt.Errorf("billingtest: invoiceEmailOptIn must be true or false, not %q", value)
				return
			}
			p.InvoiceEmailOptIn = b
		case field == "invoiceRecipients":
			p.InvoiceRecipients = nil
			if value != "" {
				p.InvoiceRecipients = strings.Split(value, ",")
			}
		case strings.HasPrefix(field, "tags."):
			name := strings.TrimPrefix(field, "tags.")
			if value == "" {
				delete(p.Tags, name)
				return
			}
			if p.Tags == nil {
				p.Tags = map[string]string{}
			}
			p.Tags[name] = value
		default:
			bad = fmt.Errorf("billingtest: SetProfileField does not know the field %q", field)
		}
	})
	if err != nil {
		return err
	}
	return bad
}

func cloneProfile(p *Profile) *Profile {
	cp := *p
	cp.InvoiceRecipients = slices.Clone(p.InvoiceRecipients)
	cp.EnabledAzurePlans = slices.Clone(p.EnabledAzurePlans)
	cp.Tags = maps.Clone(p.Tags)
	cp.Sections = slices.Clone(p.Sections)
	return &cp
}
