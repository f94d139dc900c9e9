package billing

import (
	"bytes"
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"strings"

	"github.com/azbilling/azbilling/internal/arm"
	"github.com/azbilling/azbilling/roles"
)

// Permission is one entry of a scope's billingPermissions: what the caller may and may not do.
// MCA and MPA actions are permission GUIDs; EA actions are Microsoft.Billing/... strings.
type Permission struct {
	Actions    []string
	NotActions []string
}

// Permissions yields the caller's permissions on scope (GET {scope}/billingPermissions).
func (c *Client) Permissions(ctx context.Context, scope Scope) iter.Seq2[Permission, error] {
	if err := checkRoleScope(scope); err != nil {
		return errSeq[Permission](err)
	}
	type wire struct {
		Actions    []string `json:"actions"`
		NotActions []string `json:"notActions"`
	}
	call := arm.Call{Action: roles.ViewPermissions, Scope: scope.ID(), Agreement: scope.AgreementHint()}
	return list(ctx, c, scope.ID()+"/billingPermissions", nil, call, func(w wire) Permission {
		return Permission{Actions: w.Actions, NotActions: w.NotActions}
	})
}

// RoleDefinition is a billing role as the service defines it at a scope.
type RoleDefinition struct {
	ID       string
	Name     string // the role definition GUID
	RoleName string // as the service names it, e.g. "Billing profile owner"
	// Role is the SDK's Role (see roles.RoleOfDefinition), "" when the definition is none the SDK
	// knows at this scope's level and agreement: no role rather than a wrong one.
	Role        roles.Role
	Description string
	Actions     []string
}

// RoleDefinitions yields the billing role definitions of scope.
func (c *Client) RoleDefinitions(ctx context.Context, scope Scope) iter.Seq2[RoleDefinition, error] {
	if err := checkRoleScope(scope); err != nil {
		return errSeq[RoleDefinition](err)
	}
	type wire struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Properties struct {
			RoleName    string `json:"roleName"`
			Description string `json:"description"`
			Permissions []struct {
				Actions []string `json:"actions"`
			} `json:"permissions"`
		} `json:"properties"`
	}
	call := arm.Call{Action: roles.ViewPermissions, Scope: scope.ID(), Agreement: scope.AgreementHint()}
	return list(ctx, c, scope.ID()+"/billingRoleDefinitions", nil, call, func(w wire) RoleDefinition {
		d := RoleDefinition{ID: w.ID, Name: w.Name, RoleName: w.Properties.RoleName, Description: w.Properties.Description}
		for _, p := range w.Properties.Permissions {
			d.Actions = append(d.Actions, p.Actions...)
		}
		// By the full id at the scope asked, so that agreement and level are checked: the same
		// GUID is the MCA billing account owner on an MCA account and "Department Admin" on an
		// EA department, an invoice section owner on an MCA section and a customer role on MPA.
		guid := w.Name
		if guid == "" {
			guid = w.ID[strings.LastIndexByte(w.ID, '/')+1:]
		}
		if r, ok := roles.RoleOfDefinition(scope.ID()+"/billingRoleDefinitions/"+guid, w.Properties.RoleName); ok {
			d.Role = r
		}
		return d
	})
}

// AccessDecision is the service's answer for one action of a checkAccess request.
type AccessDecision struct {
	Action  string
	Allowed bool
	// Decision is the service's value verbatim: Allowed, NotAllowed or Other.
	Decision string
}

// CheckServiceAccess asks the service (POST {scope}/checkAccess) whether the caller may perform
// the given service actions (permission GUIDs for MCA/MPA, Microsoft.Billing/... strings for EA).
func (c *Client) CheckServiceAccess(ctx context.Context, scope Scope, actions ...string) ([]AccessDecision, error) {
	if err := checkRoleScope(scope); err != nil {
		return nil, err
	}
	if len(actions) == 0 {
		return nil, nil
	}
	var out checkAccessAnswer
	req := arm.Request{Method: http.MethodPost, Path: scope.ID() + "/checkAccess", APIVersion: APIVersion,
		Body: map[string][]string{"actions": actions},
		Call: arm.Call{Action: roles.ViewPermissions, Scope: scope.ID(), Agreement: scope.AgreementHint()}}
	if _, _, err := c.ARM.DoJSON(ctx, req, &out); err != nil {
		return nil, err
	}
	res := make([]AccessDecision, 0, len(out))
	for _, d := range out {
		res = append(res, AccessDecision{Action: d.Action, Decision: d.AccessDecision, Allowed: strings.EqualFold(d.AccessDecision, "Allowed")})
	}
	return res, nil
}

type wireDecision struct {
	AccessDecision string `json:"accessDecision"`
	Action         string `json:"action"`
}

// checkAccessAnswer is checkAccess's answer: the spec's {"value": [...]} or, as the live service
// also answers, a bare JSON array.
type checkAccessAnswer []wireDecision

func (a *checkAccessAnswer) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		var page struct {
			Value []wireDecision `json:"value"`
		}
		if err := json.Unmarshal(t, &page); err != nil {
			return err
		}
		*a = page.Value
		return nil
	}
	return json.Unmarshal(b, (*[]wireDecision)(a))
}

// Access is what the caller may do on a scope: the billing roles it effectively holds there
// (directly or inherited from a parent scope).
type Access struct {
	Scope     Scope
	Agreement Agreement
	Roles     []roles.Role
	// ViewChargesOff lists the EA view-charges policies that are switched off on the enrollment.
	ViewChargesOff []roles.Policy
}

// Allows reports whether one of the held roles allows action, taking EA view-charges policies into account.
func (a Access) Allows(action roles.Action) bool {
	for _, r := range a.Roles {
		if !roles.Allows(r, action) {
			continue
		}
		if p := roles.RequiredPolicy(r, action); p != "" && a.policyOff(p) {
			continue
		}
		return true
	}
	return false
}

func (a Access) policyOff(p roles.Policy) bool {
	for _, off := range a.ViewChargesOff {
		if off == p {
			return true
		}
	}
	return false
}

// Access works out which billing roles the caller holds on scope. It lists the scope's role
// definitions and asks the service (checkAccess) which of their actions the caller may perform: a
// role is held when all of its actions are allowed. On EA scopes it also reads the enrollment's
// view-charges policies.
func (c *Client) Access(ctx context.Context, scope Scope) (Access, error) {
	if err := checkRoleScope(scope); err != nil {
		return Access{}, err
	}
	acc := Access{Scope: scope, Agreement: scope.AgreementHint()}
	if acc.Agreement == AgreementMOSP {
		// MOSP accounts have no billing role definitions: the account administrator is the only
		// billing role, and only it gets billing permissions on the account.
		for p, err := range c.Permissions(ctx, scope) {
			if err != nil {
				return Access{}, err
			}
			if len(p.Actions) > 0 {
				acc.Roles = []roles.Role{roles.MOSPAccountAdmin}
			}
		}
		return acc, nil
	}
	var defs []RoleDefinition
	for d, err := range c.RoleDefinitions(ctx, scope) {
		if err != nil {
			return Access{}, err
		}
		if d.Role != "" && len(d.Actions) > 0 {
			defs = append(defs, d)
		}
	}
	var ask []string
	seen := map[string]bool{}
	for _, d := range defs {
		for _, a := range d.Actions {
			if !seen[a] {
				seen[a] = true
				ask = append(ask, a)
			}
		}
	}
	decisions, err := c.CheckServiceAccess(ctx, scope, ask...)
	if err != nil {
		return Access{}, err
	}
	// Actions are compared without case: the answer need not echo the request's spelling.
	allowed := map[string]bool{}
	for _, d := range decisions {
		if d.Allowed {
			allowed[strings.ToLower(d.Action)] = true
		}
	}
	var held []RoleDefinition
	for _, d := range defs {
		missing := 0
		missingCharges := 0
		for _, a := range d.Actions {
			if !allowed[strings.ToLower(a)] {
				missing++
				if isChargesAction(a) {
					missingCharges++
				}
			}
		}
		switch {
		case missing == 0:
			held = append(held, d)
		case missing == missingCharges && roles.RequiredPolicy(d.Role, roles.ViewUsage) != "":
			// An EA department admin or account owner whose "view charges" policy is off keeps
			// the role but loses its charge actions.
			held = append(held, d)
			acc.ViewChargesOff = appendUnique(acc.ViewChargesOff, roles.RequiredPolicy(d.Role, roles.ViewUsage))
		}
	}
	// An owner also passes the checks of contributor and reader: report only the roles whose
	// actions are not all covered by a larger held role.
	for i, d := range held {
		covered := false
		for j, o := range held {
			if i != j && len(o.Actions) > len(d.Actions) && subset(d.Actions, o.Actions) {
				covered = true
				break
			}
		}
		if !covered {
			acc.Roles = append(acc.Roles, d.Role)
		}
	}
	if acc.Agreement == AgreementEA && scope.BillingAccount() != "" {
		// Who may read the enrollment's policies varies; when we can, they are authoritative.
		if p, err := c.EAPolicies(ctx, scope.BillingAccount()); err == nil {
			for _, off := range p.viewChargesOff() {
				acc.ViewChargesOff = appendUnique(acc.ViewChargesOff, off)
			}
		}
	}
	return acc, nil
}

// CheckAccess returns nil when the caller may perform every action on scope, and otherwise a
// *roles.PermissionError for the first action it may not perform, naming the roles that would
// allow it and, on EA, the view-charges policy that blocks it.
func (c *Client) CheckAccess(ctx context.Context, scope Scope, actions ...roles.Action) error {
	acc, err := c.Access(ctx, scope)
	if err != nil {
		return err
	}
	for _, a := range actions {
		if acc.Allows(a) {
			continue
		}
		perr := &roles.PermissionError{Action: a, Scope: scope.ID(), Agreement: acc.Agreement, Required: roles.Allowing(acc.Agreement, a)}
		for _, r := range acc.Roles {
			if p := roles.RequiredPolicy(r, a); p != "" && roles.Allows(r, a) && acc.policyOff(p) {
				perr.Policy = p
			}
		}
		return perr
	}
	return nil
}

// EAPolicies are an EA enrollment's policies that decide who sees charges.
type EAPolicies struct {
	AccountOwnerViewCharges    string // Allowed, Disabled, NotAllowed or Other (verbatim)
	DepartmentAdminViewCharges string
	MarketplacePurchases       string
	ReservationPurchases       string
	SavingsPlanPurchases       string
}

func (p EAPolicies) viewChargesOff() []roles.Policy {
	var off []roles.Policy
	if isOff(p.AccountOwnerViewCharges) {
		off = append(off, roles.PolicyEAAccountOwnerViewCharges)
	}
	if isOff(p.DepartmentAdminViewCharges) {
		off = append(off, roles.PolicyEADepartmentAdminViewCharges)
	}
	return off
}

func isOff(v string) bool {
	return strings.EqualFold(v, "Disabled") || strings.EqualFold(v, "NotAllowed")
}

// AccountOwnerCanViewCharges reports whether EA account owners see costs.
func (p EAPolicies) AccountOwnerCanViewCharges() bool { return !isOff(p.AccountOwnerViewCharges) }

// DepartmentAdminCanViewCharges reports whether EA department administrators see costs.
func (p EAPolicies) DepartmentAdminCanViewCharges() bool { return !isOff(p.DepartmentAdminViewCharges) }

// EAPolicies reads an EA billing account's policies (GET .../policies/default).
func (c *Client) EAPolicies(ctx context.Context, account string) (EAPolicies, error) {
	s, err := AccountScope(account)
	if err != nil {
		return EAPolicies{}, err
	}
	var w struct {
		Properties struct {
			EnterpriseAgreementPolicies struct {
				AccountOwnerViewCharges    string `json:"accountOwnerViewCharges"`
				DepartmentAdminViewCharges string `json:"departmentAdminViewCharges"`
			} `json:"enterpriseAgreementPolicies"`
			MarketplacePurchases string `json:"marketplacePurchases"`
			ReservationPurchases string `json:"reservationPurchases"`
			SavingsPlanPurchases string `json:"savingsPlanPurchases"`
		} `json:"properties"`
	}
	if err := c.get(ctx, s.ID()+"/policies/default", arm.Call{Action: roles.ViewPolicies, Scope: s.ID(), Agreement: AgreementEA}, &w); err != nil {
		return EAPolicies{}, err
	}
	p := w.Properties
	return EAPolicies{
		AccountOwnerViewCharges:    p.EnterpriseAgreementPolicies.AccountOwnerViewCharges,
		DepartmentAdminViewCharges: p.EnterpriseAgreementPolicies.DepartmentAdminViewCharges,
		MarketplacePurchases:       p.MarketplacePurchases, ReservationPurchases: p.ReservationPurchases, SavingsPlanPurchases: p.SavingsPlanPurchases,
	}, nil
}

func checkRoleScope(s Scope) error {
	switch s.Kind() {
	case ScopeAccount, ScopeProfile, ScopeInvoiceSection, ScopeCustomer, ScopeDepartment, ScopeEnrollmentAccount:
		if s.BillingAccount() == "" {
			return inputError("scope", s.ID(), "billing permissions need the billing account in the scope id")
		}
		return nil
	}
	return inputError("scope", s.ID(), "billing roles and permissions exist on billing accounts, billing profiles, invoice sections, customers, departments and enrollment accounts")
}

func subset(a, b []string) bool {
	in := make(map[string]bool, len(b))
	for _, x := range b {
		in[x] = true
	}
	for _, x := range a {
		if !in[x] {
			return false
		}
	}
	return true
}

func appendUnique(ps []roles.Policy, p roles.Policy) []roles.Policy {
	for _, x := range ps {
		if x == p {
			return ps
		}
	}
	return append(ps, p)
}

// isChargesAction reports whether a service action is about seeing costs: the EA view-charges
// policies remove exactly these from department admins and account owners.
func isChargesAction(a string) bool {
	l := strings.ToLower(a)
	return strings.Contains(l, "usagedetails") || strings.Contains(l, "charges") || strings.Contains(l, "costmanagement")
}
