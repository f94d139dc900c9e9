package billingtest

// registerUsageRoutes installs the usage routes: Cost Details reports (generateCostDetailsReport
// and its costDetailsOperationResults) at every scope the service accepts, and the Consumption
// usageDetails list of subscriptions. Usage rows are generated on the fly (usage_gen.go).
func (s *Server) registerUsageRoutes() {
	s.usage = &usageState{cfg: s.cfg.usage.withDefaults(), subs: newUsageSubs(s.world)}
	s.usage.limiter = newCDLimiter(s.usage.cfg.limits)

	const cm = "/providers/Microsoft.CostManagement"
	acct := accountsPath + "/" + pAccount
	prof := acct + "/billingProfiles/" + pProfile
	scopes := []string{
		acct,
		prof,
		prof + "/invoiceSections/" + pSection,
		acct + "/departments/" + pDept,
		acct + "/enrollmentAccounts/" + pEnrollAcc,
		"/providers/Microsoft.Billing/departments/" + pDept,
		"/providers/Microsoft.Billing/enrollmentAccounts/" + pEnrollAcc,
		"/subscriptions/{subscriptionId}",
		// Scopes the service rejects; routed so that the answer is its error, not a 404.
		acct + "/customers/{customerName}",
		prof + "/customers/{customerName}",
		"/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}",
		"/providers/Microsoft.Management/managementGroups/{managementGroupId}",
	}
	for _, sc := range scopes {
		s.handle("POST", sc+cm+"/generateCostDetailsReport", costManagementAPIVersions(), s.createCostDetails)
		s.handle("GET", sc+cm+"/costDetailsOperationResults/{operationId}", costManagementAPIVersions(), func(rc *reqCtx) response {
			return s.pollOperation(rc, rc.param("operationId"))
		})
	}
	s.handle("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.Consumption/usageDetails", consumptionAPIVersions(), s.listUsageDetails)
}
