package billingtest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// accountsPath is the root of every tenant-level billing path.
const accountsPath = "/providers/Microsoft.Billing/billingAccounts"

// Route parameter names, shared by the feature files.
const (
	pAccount   = "{billingAccountName}"
	pProfile   = "{billingProfileName}"
	pSection   = "{invoiceSectionName}"
	pDept      = "{departmentName}"
	pEnrollAcc = "{enrollmentAccountName}"
)

// maxBodyBytes bounds request bodies the emulator reads.
const maxBodyBytes = 1 << 20

// registerCoreRoutes installs accounts, profiles, sections, departments, enrollment accounts,
// billing subscriptions, permissions, checkAccess, role definitions/assignments, policies and
// the subscription billing property.
func (s *Server) registerCoreRoutes() {
	v, v24 := billingAPIVersions(), billingAPIVersions2024()
	acct := accountsPath + "/" + pAccount
	prof := acct + "/billingProfiles/" + pProfile
	sect := prof + "/invoiceSections/" + pSection
	dept := acct + "/departments/" + pDept
	enr := acct + "/enrollmentAccounts/" + pEnrollAcc

	s.handle("GET", accountsPath, v, s.listAccounts)
	s.handle("GET", acct, v, s.getAccount)
	s.handle("GET", acct+"/billingProfiles", v, s.listProfiles)
	s.handle("GET", prof, v, s.getProfile)
	s.handle("PUT", prof, v, s.putProfile)
	s.handle("GET", prof+"/invoiceSections", v, s.listSections)
	s.handle("GET", sect, v, s.getSection)
	s.handle("GET", acct+"/departments", v, s.listDepartments)
	s.handle("GET", dept, v, s.getDepartment)
	s.handle("GET", acct+"/enrollmentAccounts", v, s.listEnrollmentAccounts)
	s.handle("GET", enr, v, s.getEnrollmentAccount)
	s.handle("GET", dept+"/enrollmentAccounts", v, s.listEnrollmentAccounts)
	s.handle("GET", dept+"/enrollmentAccounts/"+pEnrollAcc, v, s.getEnrollmentAccount)

	for _, sc := range []string{acct, prof, sect, enr} {
		s.handle("GET", sc+"/billingSubscriptions", v, s.listBillingSubscriptions)
	}
	s.handle("GET", acct+"/billingSubscriptions/{billingSubscriptionName}", v, s.getBillingSubscription)
	s.handle("GET", accountsPath+"/default/billingSubscriptions/{subscriptionId}", v, s.getDefaultBillingSubscription)

	for _, sc := range []string{acct, prof, sect, dept, enr} {
		s.handle("GET", sc+"/billingPermissions", v, s.listPermissions)
		s.handle("POST", sc+"/checkAccess", v24, s.checkAccess)
		s.handle("GET", sc+"/billingRoleDefinitions", v, s.listRoleDefinitions)
		s.handle("GET", sc+"/billingRoleDefinitions/{roleDefinitionName}", v, s.getRoleDefinition)
		s.handle("GET", sc+"/billingRoleAssignments", v, s.listRoleAssignments)
		s.handle("GET", sc+"/billingRoleAssignments/{billingRoleAssignmentName}", v, s.getRoleAssignment)
	}
	s.handle("GET", acct+"/policies/default", v24, s.getAccountPolicy)
	s.handle("GET", prof+"/policies/default", v24, s.getProfilePolicy)
	s.handle("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.Billing/billingProperty/default", v, s.getBillingProperty)
}

// resolveScope resolves the billing scope named by the route's parameters (account and any of
// profile, section, department, enrollment account) to canonical names, answering 404 for
// unknown ones. Callers hold s.mu.
func (rc *reqCtx) resolveScope() (scopeRef, *Account, *response) {
	w := rc.s.world
	name := rc.param("billingAccountName")
	a := w.Account(name)
	if a == nil {
		r := rc.notFound("billing account", name)
		return scopeRef{}, nil, &r
	}
	sc := scopeRef{account: a.Name}
	if n, ok := rc.params["billingProfileName"]; ok {
		p := a.Profile(n)
		if p == nil {
			r := rc.notFound("billing profile", n)
			return sc, a, &r
		}
		sc.profile = p.Name
		if n, ok := rc.params["invoiceSectionName"]; ok {
			is := p.Section(n)
			if is == nil {
				r := rc.notFound("invoice section", n)
				return sc, a, &r
			}
			sc.section = is.Name
		}
	}
	if n, ok := rc.params["departmentName"]; ok {
		d := a.Department(n)
		if d == nil {
			r := rc.notFound("department", n)
			return sc, a, &r
		}
		sc.department = d.Name
	}
	if n, ok := rc.params["enrollmentAccountName"]; ok {
		e := a.EnrollmentAccount(n)
		if e == nil || (sc.department != "" && !strings.EqualFold(e.Department, sc.department)) {
			r := rc.notFound("enrollment account", n)
			return sc, a, &r
		}
		sc.department, sc.enrollmentAccount = e.Department, e.Name
	}
	return sc, a, nil
}

// requireVisible answers nil when the caller has any role at, above or below sc, else a 403.
// Callers hold s.mu.
func (rc *reqCtx) requireVisible(sc scopeRef) *response {
	if rc.s.world.visible(rc.principal, sc) {
		return nil
	}
	r := rc.forbidden(sc, opRead, "")
	return &r
}

// scoped resolves the scope and checks it is visible; a non-nil response is the error to send.
func (rc *reqCtx) scoped() (scopeRef, *Account, *response) {
	sc, a, fail := rc.resolveScope()
	if fail != nil {
		return sc, a, fail
	}
	if fail := rc.requireVisible(sc); fail != nil {
		return sc, a, fail
	}
	return sc, a, nil
}

func (s *Server) accountWire(a *Account, p Principal) wireAccount {
	read, _ := s.world.allowed(p, scopeRef{account: a.Name}, opRead)
	props := wireAccountProps{
		AccountStatus: a.Status, AccountType: a.AccountType, AccountSubType: a.AccountSubType,
		AgreementType: a.Agreement, DisplayName: a.DisplayName, HasReadAccess: read,
		ProvisioningState: "Succeeded", SoldTo: toWireAddress(a.SoldTo),
	}
	if props.SoldTo != nil && a.Agreement == AgreementEA {
		props.SoldTo.Country = s.padded("", props.SoldTo.Country, " ") // recorded "US "
	}
	switch a.Agreement {
	case AgreementMOSP:
		props.NotificationEmailAddress = a.NotificationEmail
	case AgreementEA:
		props.EnrollmentDetails = &wireEnrollmentDetails{
			StartDate: s.dotNetTime(a.EnrollmentStart), EndDate: s.dotNetTime(a.EnrollmentEnd), Currency: a.Currency,
			Channel: "EaDirect", Language: "en", CountryCode: s.padded("", "US", " "), BillingCycle: "Monthly",
			ExtendedTermOption: "Opted-Out", SupportLevel: "Standard", Cloud: "Azure Commercial",
			MarkupStatus: "Disabled", InvoiceRecipient: a.InvoiceRecipient,
		}
		if s.realShapes() {
			props.EnrollmentDetails.SupportCoverage = " - " // recorded for an enrollment without a support plan end
		}
	case AgreementMCA:
		f := false
		props.HasNoBillingProfiles = &f
		props.PrimaryBillingTenantID = TenantID
		props.BillingRelationshipTypes = []string{"Direct"}
	}
	return wireAccount{ID: accountsPath + "/" + a.Name, Name: a.Name, Type: "Microsoft.Billing/billingAccounts", Properties: props}
}

func (s *Server) listAccounts(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []any
	for _, a := range s.world.Accounts {
		if s.world.visible(rc.principal, scopeRef{account: a.Name}) {
			out = append(out, s.accountWire(a, rc.principal))
		}
	}
	return rc.page(len(out), func(i int) any { return out[i] })
}

func (s *Server) getAccount(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, a, fail := rc.scoped()
	if fail != nil {
		return *fail
	}
	return jsonResp(http.StatusOK, s.accountWire(a, rc.principal))
}

// profileWire renders a billing profile. Without read access at the profile (e.g. an invoice
// section owner) only its name, display name, currency and status are shown.
func (s *Server) profileWire(a *Account, pr *Profile, p Principal) wireProfile {
	sc := scopeRef{account: a.Name, profile: pr.Name}
	read, _ := s.world.allowed(p, sc, opRead)
	dn := pr.DisplayName
	props := wireProfileProps{
		Currency: pr.Currency, DisplayName: &dn, HasReadAccess: &read, Status: pr.Status,
		SystemID: pr.SystemID, ProvisioningState: "Succeeded",
	}
	if read {
		optIn := pr.InvoiceEmailOptIn
		recips := slices.Clone(pr.InvoiceRecipients)
		if recips == nil {
			recips = []string{}
		}
		po := pr.PONumber
		props.BillingRelationshipType = "Direct"
		props.BillTo = toWireAddress(pr.BillTo)
		props.SoldTo = toWireAddress(a.SoldTo)
		props.InvoiceDay = pr.InvoiceDay
		props.InvoiceEmailOptIn = &optIn
		props.InvoiceRecipients = &recips
		props.PONumber = &po
		props.SpendingLimit = "Off"
		props.TargetClouds = []string{}
		for _, pl := range pr.EnabledAzurePlans {
			props.EnabledAzurePlans = append(props.EnabledAzurePlans, wireAzurePlan{SkuID: pl.SkuID, SkuDescription: pl.SkuDescription})
		}
		if len(pr.Tags) > 0 {
			props.Tags = make(map[string]string, len(pr.Tags))
			for k, v := range pr.Tags {
				props.Tags[k] = v
			}
		}
	}
	return wireProfile{ID: sc.id(), Name: pr.Name, Type: "Microsoft.Billing/billingAccounts/billingProfiles", Properties: props}
}

// profileETag is a strong ETag over the profile's stored state.
func profileETag(pr *Profile) string {
	b, _ := json.Marshal(pr)
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}

func (s *Server) listProfiles(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, a, fail := rc.scoped()
	if fail != nil {
		return *fail
	}
	var out []any
	for _, pr := range a.Profiles {
		if s.world.visible(rc.principal, scopeRef{account: sc.account, profile: pr.Name}) {
			out = append(out, s.profileWire(a, pr, rc.principal))
		}
	}
	return rc.page(len(out), func(i int) any { return out[i] })
}

func (s *Server) getProfile(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, a, fail := rc.scoped()
	if fail != nil {
		return *fail
	}
	pr := a.Profile(sc.profile)
	resp := jsonResp(http.StatusOK, s.profileWire(a, pr, rc.principal))
	resp.header = http.Header{"Etag": {profileETag(pr)}}
	return resp
}

// ProfilePutCheck validates a billing profile PUT before it is accepted: cur is the stored
// profile, next the profile the PUT would produce. A non-nil response rejects the PUT. Feature
// files (e.g. invoice e-mail) add checks to Server.profilePutChecks from their register function.
type profilePutCheck func(rc *reqCtx, cur, next *Profile) *response

// putProfile replaces the writable fields of a billing profile (displayName, billTo, shipTo,
// enabledAzurePlans, invoiceEmailOptIn, invoiceRecipients, poNumber, tags) and keeps the
// read-only ones. PUT has replace semantics: a writable field missing from the body is cleared
// (displayName, which a profile cannot lack, is kept). The answer is a long-running operation;
// the change is applied when it completes. If-Match, when sent, must equal the current ETag.
func (s *Server) putProfile(rc *reqCtx) response {
	body, err := io.ReadAll(io.LimitReader(rc.r.Body, maxBodyBytes+1))
	if err != nil || len(body) > maxBodyBytes {
		return badRequest("InvalidRequestContent", "The request content could not be read or is too large.")
	}
	var in struct {
		Properties *wireProfileProps `json:"properties"`
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
	cur := a.Profile(sc.profile)
	etag := profileETag(cur)
	next := applyProfilePut(cur, in.Properties)
	if m := rc.r.Header.Get("If-Match"); m != "" && m != "*" && m != etag {
		s.mu.RUnlock()
		return errResp(http.StatusPreconditionFailed, "PreconditionFailed",
			"The billing profile was changed since it was read: the If-Match ETag does not match.")
	}
	if ok, _ := s.world.allowed(rc.principal, sc, opWrite); !ok {
		emailOnly := sameExceptEmail(cur, next)
		if ok, _ := s.world.allowed(rc.principal, sc, opUpdateEmail); !ok || !emailOnly {
			op := opWrite
			if emailOnly {
				op = opUpdateEmail
			}
			s.mu.RUnlock()
			return rc.forbidden(sc, op, "")
		}
	}
	checks := slices.Clone(s.profilePutChecks)
	s.mu.RUnlock()
	for _, c := range checks {
		if r := c(rc, cur, next); r != nil {
			return *r
		}
	}

	principal := rc.principal
	return s.startOperation(rc, sc.account, "putBillingProfile", func() response {
		s.mu.Lock()
		defer s.mu.Unlock()
		acc := s.world.Account(sc.account)
		for i, pr := range acc.Profiles {
			if pr.Name == sc.profile {
				acc.Profiles[i] = next
			}
		}
		resp := jsonResp(http.StatusOK, s.profileWire(acc, next, principal))
		resp.header = http.Header{"Etag": {profileETag(next)}}
		return resp
	})
}

// applyProfilePut returns a copy of cur with the PUT body's writable fields applied.
func applyProfilePut(cur *Profile, in *wireProfileProps) *Profile {
	next := *cur
	next.Sections = slices.Clone(cur.Sections)
	if in.DisplayName != nil && *in.DisplayName != "" {
		next.DisplayName = *in.DisplayName
	}
	next.BillTo = fromWireAddress(in.BillTo)
	next.InvoiceEmailOptIn = in.InvoiceEmailOptIn != nil && *in.InvoiceEmailOptIn
	next.InvoiceRecipients = nil
	if in.InvoiceRecipients != nil {
		next.InvoiceRecipients = slices.Clone(*in.InvoiceRecipients)
	}
	next.PONumber = ""
	if in.PONumber != nil {
		next.PONumber = *in.PONumber
	}
	next.EnabledAzurePlans = nil
	for _, p := range in.EnabledAzurePlans {
		next.EnabledAzurePlans = append(next.EnabledAzurePlans, AzurePlan{SkuID: p.SkuID, SkuDescription: p.SkuDescription})
	}
	next.Tags = nil
	if len(in.Tags) > 0 {
		next.Tags = make(map[string]string, len(in.Tags))
		for k, v := range in.Tags {
			next.Tags[k] = v
		}
	}
	return &next
}

// sameExceptEmail reports whether two profiles differ at most in their e-mail preference.
func sameExceptEmail(a, b *Profile) bool {
	x, y := *a, *b
	x.InvoiceEmailOptIn, y.InvoiceEmailOptIn = false, false
	x.InvoiceRecipients, y.InvoiceRecipients = nil, nil
	bx, _ := json.Marshal(x)
	by, _ := json.Marshal(y)
	return string(bx) == string(by)
}

func jsonErrorText(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case asErr(err, &se):
		return fmt.Sprintf("syntax error at offset %d", se.Offset)
	case asErr(err, &te):
		return fmt.Sprintf("field '%s' must be %s", te.Field, te.Type)
	}
	return "malformed JSON"
}

func (s *Server) sectionWire(sc scopeRef, is *InvoiceSection) wireSection {
	return wireSection{ID: sc.id(), Name: is.Name, Type: "Microsoft.Billing/billingAccounts/billingProfiles/invoiceSections",
		Properties: wireSectionProps{DisplayName: is.DisplayName, State: is.State, SystemID: is.SystemID, ProvisioningState: "Succeeded"}}
}

func (s *Server) listSections(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, a, fail := rc.scoped()
	if fail != nil {
		return *fail
	}
	var out []any
	for _, is := range a.Profile(sc.profile).Sections {
		isc := scopeRef{account: sc.account, profile: sc.profile, section: is.Name}
		if s.world.visible(rc.principal, isc) {
			out = append(out, s.sectionWire(isc, is))
		}
	}
	return rc.page(len(out), func(i int) any { return out[i] })
}

func (s *Server) getSection(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, a, fail := rc.scoped()
	if fail != nil {
		return *fail
	}
	return jsonResp(http.StatusOK, s.sectionWire(sc, a.Profile(sc.profile).Section(sc.section)))
}

func (s *Server) departmentWire(sc scopeRef, d *Department) wireDepartment {
	return wireDepartment{ID: sc.id(), Name: d.Name, Type: "Microsoft.Billing/billingAccounts/departments",
		Properties: wireDepartmentProps{CostCenter: d.CostCenter, DisplayName: d.DisplayName, Status: d.Status}}
}

func (s *Server) listDepartments(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, a, fail := rc.scoped()
	if fail != nil {
		return *fail
	}
	var out []any
	for _, d := range a.Departments {
		dsc := scopeRef{account: sc.account, department: d.Name}
		if s.world.visible(rc.principal, dsc) {
			out = append(out, s.departmentWire(dsc, d))
		}
	}
	return rc.page(len(out), func(i int) any { return out[i] })
}

func (s *Server) getDepartment(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, a, fail := rc.scoped()
	if fail != nil {
		return *fail
	}
	return jsonResp(http.StatusOK, s.departmentWire(sc, a.Department(sc.department)))
}

func (s *Server) enrollmentAccountWire(a *Account, e *EnrollmentAccount, underDept bool) wireEnrollmentAccount {
	sc := scopeRef{account: a.Name, department: e.Department, enrollmentAccount: e.Name}
	id, typ := sc.id(), "Microsoft.Billing/billingAccounts/enrollmentAccounts"
	if underDept {
		id = accountsPath + "/" + a.Name + "/departments/" + e.Department + "/enrollmentAccounts/" + e.Name
		typ = "Microsoft.Billing/billingAccounts/departments/enrollmentAccounts"
	}
	props := wireEnrollmentAccountProps{
		AccountOwner: e.AccountOwner, AuthType: e.AuthType, CostCenter: s.padded("  ", e.CostCenter, ""), DepartmentID: e.Department,
		DisplayName: e.DisplayName, EndDate: s.time7Z(e.End), IsDevTestEnabled: e.DevTestEnabled,
		StartDate: s.time7Z(e.Start), Status: e.Status,
	}
	if d := a.Department(e.Department); d != nil {
		props.DepartmentDisplayName = d.DisplayName
	}
	return wireEnrollmentAccount{ID: id, Name: e.Name, Type: typ, Properties: props}
}

func (s *Server) listEnrollmentAccounts(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, a, fail := rc.scoped()
	if fail != nil {
		return *fail
	}
	var out []any
	for _, e := range a.EnrollmentAccounts {
		if sc.department != "" && !strings.EqualFold(e.Department, sc.department) {
			continue
		}
		esc := scopeRef{account: sc.account, department: e.Department, enrollmentAccount: e.Name}
		if s.world.visible(rc.principal, esc) {
			out = append(out, s.enrollmentAccountWire(a, e, sc.department != ""))
		}
	}
	return rc.page(len(out), func(i int) any { return out[i] })
}

func (s *Server) getEnrollmentAccount(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, a, fail := rc.scoped()
	if fail != nil {
		return *fail
	}
	_, underDept := rc.params["departmentName"]
	return jsonResp(http.StatusOK, s.enrollmentAccountWire(a, a.EnrollmentAccount(rc.param("enrollmentAccountName")), underDept))
}

// billingSubscriptionWire renders a subscription; accountName is the id's account segment
// ("default" on the MOSP subscription route).
func (s *Server) billingSubscriptionWire(sub *Subscription, accountName string) wireBillingSubscription {
	a := s.world.Account(sub.Account)
	props := wireBillingSubscriptionProps{
		DisplayName: sub.DisplayName, SubscriptionID: sub.ID, Status: sub.Status,
		LastMonthCharges:   &wireAmount{Currency: sub.Currency, Value: wireNum(sub.LastMonthCharges)},
		MonthToDateCharges: &wireAmount{Currency: sub.Currency, Value: wireNum(sub.MonthToDateCharges)},
		OfferID:            sub.OfferID, PurchaseDate: s.time7Z(sub.Created), ConsumptionCostCenter: sub.CostCenter,
		SkuID: sub.SkuID, SkuDescription: sub.SkuDescription,
	}
	if pr := a.Profile(sub.Profile); pr != nil {
		psc := scopeRef{account: a.Name, profile: pr.Name}
		props.BillingProfileID, props.BillingProfileDisplayName, props.BillingProfileName = psc.id(), pr.DisplayName, pr.Name
		if is := pr.Section(sub.InvoiceSection); is != nil {
			isc := scopeRef{account: a.Name, profile: pr.Name, section: is.Name}
			props.InvoiceSectionID, props.InvoiceSectionDisplayName, props.InvoiceSectionName = isc.id(), is.DisplayName, is.Name
		}
	}
	if e := a.EnrollmentAccount(sub.EnrollmentAccount); e != nil {
		props.EnrollmentAccountID = scopeRef{account: a.Name, department: e.Department, enrollmentAccount: e.Name}.id()
		props.EnrollmentAccountDisplayName = e.DisplayName
		if s.realShapes() {
			// As recorded at 2024-04-01: the enrollment account's bare number, its start date,
			// and no purchase date ("none").
			props.EnrollmentAccountID = e.Name
			props.PurchaseDate = noneTime7Z
			props.EnrollmentAccountSubscriptionDetails = &wireEnrollmentAccountSubscriptionDetails{
				EnrollmentAccountStartDate: e.Start.UTC().Format(time.DateOnly), SubscriptionEnrollmentAccountStatus: "Active"}
		}
	}
	if s.realShapes() && a.Agreement != AgreementMOSP {
		props.ProductCategory = "UsageBased"
	}
	return wireBillingSubscription{
		ID:   accountsPath + "/" + accountName + "/billingSubscriptions/" + sub.ID,
		Name: sub.ID, Type: "Microsoft.Billing/billingAccounts/billingSubscriptions", Properties: props,
	}
}

func (s *Server) listBillingSubscriptions(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, a, fail := rc.scoped()
	if fail != nil {
		return *fail
	}
	var out []any
	for _, sub := range s.world.Subscriptions {
		ssc := scopeOfSubscription(sub)
		if !sc.covers(ssc) {
			continue
		}
		if ok, _ := s.world.allowed(rc.principal, ssc, opRead); ok {
			out = append(out, s.billingSubscriptionWire(sub, a.Name))
		}
	}
	return rc.page(len(out), func(i int) any { return out[i] })
}

func (s *Server) getBillingSubscription(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, a, fail := rc.resolveScope()
	if fail != nil {
		return *fail
	}
	name := rc.param("billingSubscriptionName")
	sub := s.world.Subscription(name)
	if sub == nil || !strings.EqualFold(sub.Account, a.Name) {
		return rc.notFound("billing subscription", name)
	}
	_ = sc
	if r := rc.require(scopeOfSubscription(sub), opRead); r != nil {
		return *r
	}
	return jsonResp(http.StatusOK, s.billingSubscriptionWire(sub, a.Name))
}

// getDefaultBillingSubscription is the subscription route
// billingAccounts/default/billingSubscriptions/{subscriptionId}, used by MOSP clients that know
// a subscription but not its billing account.
func (s *Server) getDefaultBillingSubscription(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id := rc.param("subscriptionId")
	sub := s.world.Subscription(id)
	if sub == nil {
		return rc.notFound("billing subscription", id)
	}
	if r := rc.require(scopeOfSubscription(sub), opRead); r != nil {
		return *r
	}
	return jsonResp(http.StatusOK, s.billingSubscriptionWire(sub, "default"))
}

func (s *Server) listPermissions(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, a, fail := rc.scoped()
	if fail != nil {
		return *fail
	}
	var out []any
	if a.Agreement != AgreementMOSP {
		// As recorded: one entry holding the actions of every role the caller has at or above
		// the scope (World.listedPermissions).
		if actions := s.world.listedPermissions(a.Agreement, rc.principal, sc); len(actions) > 0 {
			out = append(out, wirePermissions{Actions: actions, NotActions: []string{}})
		}
		return rc.page(len(out), func(i int) any { return out[i] })
	}
	for _, ops := range s.world.effectiveOps(rc.principal, sc) {
		actions := []string{}
		for _, op := range ops {
			actions = append(actions, permissionActions(a.Agreement, sc, op)...)
		}
		out = append(out, wirePermissions{Actions: actions, NotActions: []string{}})
	}
	return rc.page(len(out), func(i int) any { return out[i] })
}

func (s *Server) checkAccess(rc *reqCtx) response {
	body, err := io.ReadAll(io.LimitReader(rc.r.Body, maxBodyBytes+1))
	if err != nil || len(body) > maxBodyBytes {
		return badRequest("InvalidRequestContent", "The request content could not be read or is too large.")
	}
	var in wireCheckAccessRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return badRequest("InvalidRequestContent", "The request content was invalid and could not be deserialized: "+jsonErrorText(err))
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, a, fail := rc.scoped()
	if fail != nil {
		return *fail
	}
	out := make([]wireCheckAccessResponse, 0, len(in.Actions))
	var listed []string
	if a.Agreement == AgreementEA {
		listed = s.world.listedPermissions(a.Agreement, rc.principal, sc)
	}
	for _, action := range in.Actions {
		decision := "NotAllowed"
		if slices.ContainsFunc(listed, func(l string) bool { return strings.EqualFold(l, action) }) {
			decision = "Allowed" // an EA action the caller's permissions list
		} else if op, ok := operationOfAction(a.Agreement, sc, action); ok {
			if ok, _ := s.world.allowed(rc.principal, sc, op); ok {
				decision = "Allowed"
			}
		}
		out = append(out, wireCheckAccessResponse{AccessDecision: decision, Action: action})
	}
	return jsonResp(http.StatusOK, out)
}

// unsupportedForMOSP is the answer of billing-role operations on a MOSP account, which has no
// billing roles (access follows subscription roles).
func unsupportedForMOSP() response {
	return badRequest("UnsupportedAgreementType",
		"Billing role definitions and assignments are not supported for billing accounts with agreement type MicrosoftOnlineServicesProgram.")
}

func roleDefinitionWire(a *Account, sc scopeRef, d roleDef) wireRoleDefinition {
	actions := roleActions(a.Agreement, sc, d)
	return wireRoleDefinition{
		ID: sc.id() + "/billingRoleDefinitions/" + d.id, Name: d.id, Type: sc.typePrefix() + "/billingRoleDefinitions",
		Properties: wireRoleDefinitionProps{Description: d.description, RoleName: d.name,
			Permissions: []wirePermissions{{Actions: actions, NotActions: []string{}}}},
	}
}

func (s *Server) listRoleDefinitions(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, a, fail := rc.scoped()
	if fail != nil {
		return *fail
	}
	if a.Agreement == AgreementMOSP {
		return unsupportedForMOSP()
	}
	// Role definitions are a static catalogue: anyone who may read the scope may list them
	// (role assignments, by contrast, need roles/read).
	if r := rc.require(sc, opRead); r != nil {
		return *r
	}
	defs := rolesAt(a.Agreement, sc.kind())
	return rc.page(len(defs), func(i int) any { return roleDefinitionWire(a, sc, defs[i]) })
}

func (s *Server) getRoleDefinition(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, a, fail := rc.scoped()
	if fail != nil {
		return *fail
	}
	if a.Agreement == AgreementMOSP {
		return unsupportedForMOSP()
	}
	if r := rc.require(sc, opReadRoles); r != nil {
		return *r
	}
	name := rc.param("roleDefinitionName")
	for _, d := range rolesAt(a.Agreement, sc.kind()) {
		if strings.EqualFold(d.id, name) {
			return jsonResp(http.StatusOK, roleDefinitionWire(a, sc, d))
		}
	}
	return rc.notFound("billing role definition", name)
}

func (s *Server) roleAssignmentWire(a *Account, ra RoleAssignment) wireRoleAssignment {
	d, _ := lookupRole(ra.Role)
	props := wireRoleAssignmentProps{
		CreatedOn: s.timeOffset(s.world.Anchor.AddDate(-1, 0, 0)), PrincipalID: ra.Principal.ObjectID(),
		PrincipalTenantID: TenantID, PrincipalDisplayName: string(ra.Principal), PrincipalType: "User",
		ProvisioningState: "Succeeded", RoleDefinitionID: ra.Scope + "/billingRoleDefinitions/" + d.id,
		Scope: ra.Scope, BillingAccountID: accountsPath + "/" + a.Name,
	}
	if a.Agreement == AgreementEA {
		props.UserEmailAddress = ra.Principal.Email()
	}
	if s.realShapes() {
		props.ModifiedOn = noneTimeOffset // recorded for assignments never changed
	}
	return wireRoleAssignment{ID: ra.Scope + "/billingRoleAssignments/" + ra.Name, Name: ra.Name,
		Type: ra.scope.typePrefix() + "/billingRoleAssignments", Properties: props}
}

func (s *Server) assignmentsAt(sc scopeRef) []RoleAssignment {
	var out []RoleAssignment
	for _, ra := range s.world.Assignments {
		if strings.EqualFold(ra.Scope, sc.id()) {
			if d, ok := lookupRole(ra.Role); ok && d.id != "" {
				out = append(out, ra)
			}
		}
	}
	return out
}

func (s *Server) listRoleAssignments(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, a, fail := rc.scoped()
	if fail != nil {
		return *fail
	}
	if a.Agreement == AgreementMOSP {
		return unsupportedForMOSP()
	}
	if r := rc.require(sc, opReadRoles); r != nil {
		return *r
	}
	ras := s.assignmentsAt(sc)
	return rc.page(len(ras), func(i int) any { return s.roleAssignmentWire(a, ras[i]) })
}

func (s *Server) getRoleAssignment(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, a, fail := rc.scoped()
	if fail != nil {
		return *fail
	}
	if a.Agreement == AgreementMOSP {
		return unsupportedForMOSP()
	}
	if r := rc.require(sc, opReadRoles); r != nil {
		return *r
	}
	name := rc.param("billingRoleAssignmentName")
	for _, ra := range s.assignmentsAt(sc) {
		if strings.EqualFold(ra.Name, name) {
			return jsonResp(http.StatusOK, s.roleAssignmentWire(a, ra))
		}
	}
	return rc.notFound("billing role assignment", name)
}

// getAccountPolicy answers the EA enrollment's policies (view charges). Every role in the
// enrollment may read them, so a client can explain a denial caused by a policy.
func (s *Server) getAccountPolicy(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, a, fail := rc.scoped()
	if fail != nil {
		return *fail
	}
	if a.Agreement != AgreementEA {
		return badRequest("UnsupportedAgreementType",
			fmt.Sprintf("Policies at the billing account scope are supported for billing accounts with agreement type EnterpriseAgreement only, not %s.", a.Agreement))
	}
	return jsonResp(http.StatusOK, wirePolicy{
		ID: sc.id() + "/policies/default", Name: "default", Type: "Microsoft.Billing/billingAccounts/policies",
		Properties: wirePolicyProps{
			EnterpriseAgreementPolicies: &wireEAPolicies{
				AuthenticationType:         "OrganizationalAccountOnly",
				AccountOwnerViewCharges:    s.world.EAPolicy.AccountOwnerViewCharges,
				DepartmentAdminViewCharges: s.world.EAPolicy.DepartmentAdminViewCharges,
			},
			MarketplacePurchases: "AllAllowed", ReservationPurchases: "Allowed", SavingsPlanPurchases: "Allowed",
			ProvisioningState: "Succeeded",
		},
	})
}

func (s *Server) getProfilePolicy(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, _, fail := rc.scoped()
	if fail != nil {
		return *fail
	}
	return jsonResp(http.StatusOK, wirePolicy{
		ID: sc.id() + "/policies/default", Name: "default", Type: "Microsoft.Billing/billingAccounts/billingProfiles/policies",
		Properties: wirePolicyProps{
			ViewCharges: "Allowed", InvoiceSectionLabelManagement: "Allowed", MarketplacePurchases: "AllAllowed",
			ReservationPurchases: "Allowed", SavingsPlanPurchases: "Allowed", ProvisioningState: "Succeeded",
		},
	})
}

// getBillingProperty answers /subscriptions/{id}/providers/Microsoft.Billing/billingProperty/default.
// It is subscription-scoped, so a denial is ARM's AuthorizationFailed over the subscription.
func (s *Server) getBillingProperty(rc *reqCtx) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id := rc.param("subscriptionId")
	sub := s.world.Subscription(id)
	if sub == nil {
		return errResp(http.StatusNotFound, "SubscriptionNotFound", fmt.Sprintf("The subscription '%s' could not be found.", id))
	}
	ssc := scopeOfSubscription(sub)
	if ok, _ := s.world.allowed(rc.principal, ssc, opRead); !ok {
		return errResp(http.StatusForbidden, "AuthorizationFailed", fmt.Sprintf(
			"The client '%s' with object id '%s' does not have authorization to perform action 'Microsoft.Billing/billingProperty/read' over scope '/subscriptions/%s' or the scope is invalid. If access was recently granted, please refresh your credentials.",
			rc.principal.Email(), rc.principal.ObjectID(), sub.ID))
	}
	a := s.world.Account(sub.Account)
	props := wireBillingPropertyProps{
		BillingAccountAgreementType: a.Agreement, BillingAccountDisplayName: a.DisplayName,
		BillingAccountID: accountsPath + "/" + a.Name, BillingAccountStatus: a.Status, BillingAccountType: a.AccountType,
		BillingAccountSubType: a.AccountSubType, BillingTenantID: TenantID,
		SubscriptionBillingStatus: sub.Status, SubscriptionBillingType: "Paid",
		SkuID: sub.SkuID, SkuDescription: sub.SkuDescription, ProductID: sub.OfferID, ProductName: sub.OfferName,
	}
	if sub.Credit != nil {
		props.SubscriptionBillingType = "Benefit"
	}
	switch a.Agreement {
	case AgreementMOSP:
		props.AccountAdminNotificationEmailAddress = a.NotificationEmail
		props.IsAccountAdmin = slices.ContainsFunc(s.world.Assignments, func(ra RoleAssignment) bool {
			return ra.Principal == rc.principal && ra.Role == RoleMOSPAccountAdmin && strings.EqualFold(ra.scope.account, a.Name)
		})
	case AgreementEA:
		props.BillingCurrency = a.Currency
		if e := a.EnrollmentAccount(sub.EnrollmentAccount); e != nil {
			d := a.Department(e.Department)
			props.EnrollmentDetails = &wireSubscriptionEnrollment{
				DepartmentID: scopeRef{account: a.Name, department: d.Name}.id(), DepartmentDisplayName: d.DisplayName,
				EnrollmentAccountID:          scopeRef{account: a.Name, department: e.Department, enrollmentAccount: e.Name}.id(),
				EnrollmentAccountDisplayName: e.DisplayName, EnrollmentAccountStatus: e.Status,
			}
		}
	case AgreementMCA:
		if pr := a.Profile(sub.Profile); pr != nil {
			props.BillingProfileID = scopeRef{account: a.Name, profile: pr.Name}.id()
			props.BillingProfileDisplayName, props.BillingProfileStatus = pr.DisplayName, pr.Status
			if is := pr.Section(sub.InvoiceSection); is != nil {
				props.InvoiceSectionID = scopeRef{account: a.Name, profile: pr.Name, section: is.Name}.id()
				props.InvoiceSectionDisplayName = is.DisplayName
			}
		}
	}
	return jsonResp(http.StatusOK, wireBillingProperty{
		ID: "/subscriptions/" + sub.ID + "/providers/Microsoft.Billing/billingProperty/default", Name: "default",
		Type: "Microsoft.Billing/billingProperty", Properties: props,
	})
}
