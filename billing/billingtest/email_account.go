package billingtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// patchAccount is BillingAccounts_Update: PATCH /providers/Microsoft.Billing/billingAccounts/{ba}
// with {"properties":{...}}, a long-running operation (final-state-via location). Writable per
// agreement, as the 2024-04-01 spec describes it: MOSP notificationEmailAddress and soldTo; MCA
// displayName and soldTo. Other properties are refused with 400, so a client that sends more
// than it means to is caught. (EA may change enrollmentDetails.poNumber; the emulator does not
// model it and says so.) Only principals that may write the account (MOSP account
// administrator, MCA billing account owner/contributor) may patch it.
func (s *Server) patchAccount(rc *reqCtx) response {
	body, err := io.ReadAll(io.LimitReader(rc.r.Body, maxBodyBytes+1))
	if err != nil || len(body) > maxBodyBytes {
		return badRequest("InvalidRequestContent", "The request content could not be read or is too large.")
	}
	var in struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return badRequest("InvalidRequestContent", "The request content was invalid and could not be deserialized: "+jsonErrorText(err))
	}
	if in.Properties == nil {
		return badRequest("InvalidRequestContent", "The request content must contain 'properties'.")
	}

	s.mu.RLock()
	sc, a, fail := rc.scoped()
	if fail != nil {
		s.mu.RUnlock()
		return *fail
	}
	if r := rc.require(sc, opWrite); r != nil {
		s.mu.RUnlock()
		return *r
	}
	agreement := a.Agreement
	s.mu.RUnlock()

	writable := map[string][]string{
		AgreementMOSP: {"notificationEmailAddress", "soldTo"},
		AgreementMCA:  {"displayName", "soldTo"},
	}[agreement]
	if agreement == AgreementEA {
		return badRequest("UnsupportedBillingAccountUpdate",
			"The emulator does not model enrollment purchase order numbers, the only EA billing account property the service lets a PATCH change.")
	}
	var rejected []string
	for k := range in.Properties {
		if !slices.Contains(writable, k) {
			rejected = append(rejected, k)
		}
	}
	if len(rejected) > 0 {
		sort.Strings(rejected)
		return badRequest("InvalidBillingAccountUpdate", fmt.Sprintf(
			"The properties '%s' cannot be updated for billing accounts with agreement type %s.", strings.Join(rejected, "', '"), agreement))
	}
	var upd struct {
		NotificationEmailAddress *string      `json:"notificationEmailAddress"`
		DisplayName              *string      `json:"displayName"`
		SoldTo                   *wireAddress `json:"soldTo"`
	}
	props, _ := json.Marshal(in.Properties)
	if err := json.Unmarshal(props, &upd); err != nil {
		return badRequest("InvalidRequestContent", "The request content was invalid and could not be deserialized: "+jsonErrorText(err))
	}
	if upd.NotificationEmailAddress != nil && !plausibleAddress(*upd.NotificationEmailAddress) {
		return badRequest("InvalidNotificationEmailAddress",
			"The notification email address '"+*upd.NotificationEmailAddress+"' is not a valid email address.")
	}
	if upd.DisplayName != nil && strings.TrimSpace(*upd.DisplayName) == "" {
		return badRequest("InvalidDisplayName", "The display name of a billing account cannot be empty.")
	}

	principal, name := rc.principal, a.Name
	return s.startOperation(rc, name, "patchBillingAccount", func() response {
		s.mu.Lock()
		defer s.mu.Unlock()
		acc := s.world.Account(name)
		if upd.NotificationEmailAddress != nil {
			acc.NotificationEmail = *upd.NotificationEmailAddress
		}
		if upd.DisplayName != nil {
			acc.DisplayName = *upd.DisplayName
		}
		if upd.SoldTo != nil {
			acc.SoldTo = fromWireAddress(upd.SoldTo)
		}
		return jsonResp(http.StatusOK, s.accountWire(acc, principal))
	})
}
