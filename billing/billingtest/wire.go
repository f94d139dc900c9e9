package billingtest

import "time"

// Wire structs: the emulator's own JSON shapes (2024-04-01 names). They are deliberately not
// shared with the client's models, so a naming mistake on one side shows up as a test failure.

type wireList struct {
	Value    []any  `json:"value"`
	NextLink string `json:"nextLink,omitempty"`
}

type wireError struct {
	Error wireErrorDetail `json:"error"`
}

type wireErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Target  string            `json:"target,omitempty"`
	Details []wireErrorDetail `json:"details,omitempty"`
}

type wireAddress struct {
	AddressLine1 string `json:"addressLine1,omitempty"`
	AddressLine2 string `json:"addressLine2,omitempty"`
	AddressLine3 string `json:"addressLine3,omitempty"`
	City         string `json:"city,omitempty"`
	CompanyName  string `json:"companyName,omitempty"`
	Country      string `json:"country,omitempty"`
	District     string `json:"district,omitempty"`
	Email        string `json:"email,omitempty"`
	FirstName    string `json:"firstName,omitempty"`
	LastName     string `json:"lastName,omitempty"`
	MiddleName   string `json:"middleName,omitempty"`
	PhoneNumber  string `json:"phoneNumber,omitempty"`
	PostalCode   string `json:"postalCode,omitempty"`
	Region       string `json:"region,omitempty"`
}

func toWireAddress(a Address) *wireAddress {
	if a == (Address{}) {
		return nil
	}
	return &wireAddress{AddressLine1: a.AddressLine1, City: a.City, CompanyName: a.CompanyName, Country: a.Country,
		Email: a.Email, PostalCode: a.PostalCode, Region: a.Region}
}

func fromWireAddress(w *wireAddress) Address {
	if w == nil {
		return Address{}
	}
	return Address{AddressLine1: w.AddressLine1, City: w.City, CompanyName: w.CompanyName, Country: w.Country,
		Email: w.Email, PostalCode: w.PostalCode, Region: w.Region}
}

type wireSystemData struct {
	CreatedAt      string `json:"createdAt,omitempty"`
	LastModifiedAt string `json:"lastModifiedAt,omitempty"`
}

type wireAccount struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Properties wireAccountProps  `json:"properties"`
	Tags       map[string]string `json:"tags,omitempty"`
}

type wireAccountProps struct {
	AccountStatus            string                 `json:"accountStatus,omitempty"`
	AccountType              string                 `json:"accountType,omitempty"`
	AccountSubType           string                 `json:"accountSubType,omitempty"`
	AgreementType            string                 `json:"agreementType,omitempty"`
	DisplayName              string                 `json:"displayName,omitempty"`
	HasReadAccess            bool                   `json:"hasReadAccess"`
	HasNoBillingProfiles     *bool                  `json:"hasNoBillingProfiles,omitempty"`
	NotificationEmailAddress string                 `json:"notificationEmailAddress,omitempty"`
	PrimaryBillingTenantID   string                 `json:"primaryBillingTenantId,omitempty"`
	ProvisioningState        string                 `json:"provisioningState,omitempty"`
	BillingRelationshipTypes []string               `json:"billingRelationshipTypes,omitempty"`
	SoldTo                   *wireAddress           `json:"soldTo,omitempty"`
	EnrollmentDetails        *wireEnrollmentDetails `json:"enrollmentDetails,omitempty"`
}

type wireEnrollmentDetails struct {
	StartDate          string `json:"startDate,omitempty"`
	EndDate            string `json:"endDate,omitempty"`
	Currency           string `json:"currency,omitempty"`
	Channel            string `json:"channel,omitempty"`
	Language           string `json:"language,omitempty"`
	CountryCode        string `json:"countryCode,omitempty"`
	BillingCycle       string `json:"billingCycle,omitempty"`
	ExtendedTermOption string `json:"extendedTermOption,omitempty"`
	SupportLevel       string `json:"supportLevel,omitempty"`
	Cloud              string `json:"cloud,omitempty"`
	MarkupStatus       string `json:"markupStatus,omitempty"`
	InvoiceRecipient   string `json:"invoiceRecipient,omitempty"`
	PONumber           string `json:"poNumber,omitempty"`
	SupportCoverage    string `json:"supportCoverage,omitempty"`
}

type wireProfile struct {
	ID         string           `json:"id"`
	Name       string           `json:"name"`
	Type       string           `json:"type"`
	Properties wireProfileProps `json:"properties"`
}

type wireAzurePlan struct {
	ProductID      string `json:"productId,omitempty"`
	SkuID          string `json:"skuId,omitempty"`
	SkuDescription string `json:"skuDescription,omitempty"`
}

// wireProfileProps has pointers for the writable fields so a PUT body can tell "absent" from
// "empty"; the GET answer sets them all.
type wireProfileProps struct {
	BillingRelationshipType string            `json:"billingRelationshipType,omitempty"`
	BillTo                  *wireAddress      `json:"billTo,omitempty"`
	ShipTo                  *wireAddress      `json:"shipTo,omitempty"`
	SoldTo                  *wireAddress      `json:"soldTo,omitempty"`
	Currency                string            `json:"currency,omitempty"`
	DisplayName             *string           `json:"displayName,omitempty"`
	EnabledAzurePlans       []wireAzurePlan   `json:"enabledAzurePlans,omitempty"`
	HasReadAccess           *bool             `json:"hasReadAccess,omitempty"`
	InvoiceDay              int               `json:"invoiceDay,omitempty"`
	InvoiceEmailOptIn       *bool             `json:"invoiceEmailOptIn,omitempty"`
	InvoiceRecipients       *[]string         `json:"invoiceRecipients,omitempty"`
	PONumber                *string           `json:"poNumber,omitempty"`
	ProvisioningState       string            `json:"provisioningState,omitempty"`
	SpendingLimit           string            `json:"spendingLimit,omitempty"`
	Status                  string            `json:"status,omitempty"`
	SystemID                string            `json:"systemId,omitempty"`
	Tags                    map[string]string `json:"tags,omitempty"`
	TargetClouds            []string          `json:"targetClouds,omitempty"`
}

type wireSection struct {
	ID         string           `json:"id"`
	Name       string           `json:"name"`
	Type       string           `json:"type"`
	Properties wireSectionProps `json:"properties"`
}

type wireSectionProps struct {
	DisplayName       string            `json:"displayName,omitempty"`
	State             string            `json:"state,omitempty"`
	SystemID          string            `json:"systemId,omitempty"`
	ProvisioningState string            `json:"provisioningState,omitempty"`
	Labels            map[string]string `json:"labels,omitempty"`
	Tags              map[string]string `json:"tags,omitempty"`
}

type wireDepartment struct {
	ID         string              `json:"id"`
	Name       string              `json:"name"`
	Type       string              `json:"type"`
	Properties wireDepartmentProps `json:"properties"`
}

type wireDepartmentProps struct {
	CostCenter  string `json:"costCenter,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Status      string `json:"status,omitempty"`
}

type wireEnrollmentAccount struct {
	ID         string                     `json:"id"`
	Name       string                     `json:"name"`
	Type       string                     `json:"type"`
	Properties wireEnrollmentAccountProps `json:"properties"`
}

type wireEnrollmentAccountProps struct {
	AccountOwner          string `json:"accountOwner,omitempty"`
	AuthType              string `json:"authType,omitempty"`
	CostCenter            string `json:"costCenter,omitempty"`
	DepartmentDisplayName string `json:"departmentDisplayName,omitempty"`
	DepartmentID          string `json:"departmentId,omitempty"`
	DisplayName           string `json:"displayName,omitempty"`
	EndDate               string `json:"endDate,omitempty"`
	IsDevTestEnabled      bool   `json:"isDevTestEnabled"`
	StartDate             string `json:"startDate,omitempty"`
	Status                string `json:"status,omitempty"`
}

type wireAmount struct {
	Currency string  `json:"currency"`
	Value    wireNum `json:"value"`
}

// wireNum is a decimal written as a bare JSON number, exactly as stored (never via float64).
type wireNum string

// MarshalJSON writes the number's text.
func (n wireNum) MarshalJSON() ([]byte, error) {
	if n == "" {
		return []byte("0"), nil
	}
	return []byte(n), nil
}

type wireBillingSubscription struct {
	ID         string                       `json:"id"`
	Name       string                       `json:"name"`
	Type       string                       `json:"type"`
	Properties wireBillingSubscriptionProps `json:"properties"`
}

type wireBillingSubscriptionProps struct {
	BillingProfileDisplayName    string      `json:"billingProfileDisplayName,omitempty"`
	BillingProfileID             string      `json:"billingProfileId,omitempty"`
	BillingProfileName           string      `json:"billingProfileName,omitempty"`
	ConsumptionCostCenter        string      `json:"consumptionCostCenter,omitempty"` // 2020-05-01: costCenter
	DisplayName                  string      `json:"displayName,omitempty"`
	EnrollmentAccountDisplayName string      `json:"enrollmentAccountDisplayName,omitempty"`
	EnrollmentAccountID          string      `json:"enrollmentAccountId,omitempty"`
	InvoiceSectionDisplayName    string      `json:"invoiceSectionDisplayName,omitempty"`
	InvoiceSectionID             string      `json:"invoiceSectionId,omitempty"`
	InvoiceSectionName           string      `json:"invoiceSectionName,omitempty"`
	LastMonthCharges             *wireAmount `json:"lastMonthCharges,omitempty"`
	MonthToDateCharges           *wireAmount `json:"monthToDateCharges,omitempty"`
	OfferID                      string      `json:"offerId,omitempty"`
	PurchaseDate                 string      `json:"purchaseDate,omitempty"`
	SkuDescription               string      `json:"skuDescription,omitempty"`
	SkuID                        string      `json:"skuId,omitempty"`
	Status                       string      `json:"status,omitempty"` // 2020-05-01's subscriptionBillingStatus is gone in 2024-04-01
	SubscriptionID               string      `json:"subscriptionId,omitempty"`
	ProductCategory              string      `json:"productCategory,omitempty"`
	// EnrollmentAccountSubscriptionDetails is recorded on EA billing subscriptions at 2024-04-01.
	EnrollmentAccountSubscriptionDetails *wireEnrollmentAccountSubscriptionDetails `json:"enrollmentAccountSubscriptionDetails,omitempty"`
}

type wireEnrollmentAccountSubscriptionDetails struct {
	EnrollmentAccountStartDate          string `json:"enrollmentAccountStartDate,omitempty"`
	SubscriptionEnrollmentAccountStatus string `json:"subscriptionEnrollmentAccountStatus,omitempty"`
}

type wirePermissions struct {
	Actions    []string `json:"actions"`
	NotActions []string `json:"notActions"`
}

type wireCheckAccessRequest struct {
	Actions []string `json:"actions"`
}

type wireCheckAccessResponse struct {
	AccessDecision string `json:"accessDecision"`
	Action         string `json:"action"`
}

type wireRoleDefinition struct {
	ID         string                  `json:"id"`
	Name       string                  `json:"name"`
	Type       string                  `json:"type"`
	Properties wireRoleDefinitionProps `json:"properties"`
}

type wireRoleDefinitionProps struct {
	Description string            `json:"description,omitempty"`
	Permissions []wirePermissions `json:"permissions"`
	RoleName    string            `json:"roleName"`
}

type wireRoleAssignment struct {
	ID         string                  `json:"id"`
	Name       string                  `json:"name"`
	Type       string                  `json:"type"`
	Properties wireRoleAssignmentProps `json:"properties"`
}

type wireRoleAssignmentProps struct {
	CreatedOn            string `json:"createdOn,omitempty"`
	ModifiedOn           string `json:"modifiedOn,omitempty"`
	PrincipalID          string `json:"principalId,omitempty"`
	PrincipalTenantID    string `json:"principalTenantId,omitempty"`
	PrincipalDisplayName string `json:"principalDisplayName,omitempty"`
	PrincipalType        string `json:"principalType,omitempty"`
	ProvisioningState    string `json:"provisioningState,omitempty"`
	RoleDefinitionID     string `json:"roleDefinitionId"`
	Scope                string `json:"scope,omitempty"`
	UserEmailAddress     string `json:"userEmailAddress,omitempty"`
	BillingAccountID     string `json:"billingAccountId,omitempty"`
}

type wirePolicy struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Properties wirePolicyProps `json:"properties"`
}

type wirePolicyProps struct {
	EnterpriseAgreementPolicies   *wireEAPolicies `json:"enterpriseAgreementPolicies,omitempty"`
	MarketplacePurchases          string          `json:"marketplacePurchases,omitempty"`
	ReservationPurchases          string          `json:"reservationPurchases,omitempty"`
	SavingsPlanPurchases          string          `json:"savingsPlanPurchases,omitempty"`
	ViewCharges                   string          `json:"viewCharges,omitempty"`
	InvoiceSectionLabelManagement string          `json:"invoiceSectionLabelManagement,omitempty"`
	ProvisioningState             string          `json:"provisioningState,omitempty"`
}

type wireEAPolicies struct {
	AuthenticationType         string `json:"authenticationType,omitempty"`
	AccountOwnerViewCharges    string `json:"accountOwnerViewCharges,omitempty"`
	DepartmentAdminViewCharges string `json:"departmentAdminViewCharges,omitempty"`
}

type wireBillingProperty struct {
	ID         string                   `json:"id"`
	Name       string                   `json:"name"`
	Type       string                   `json:"type"`
	Properties wireBillingPropertyProps `json:"properties"`
}

type wireBillingPropertyProps struct {
	AccountAdminNotificationEmailAddress string                      `json:"accountAdminNotificationEmailAddress,omitempty"`
	BillingAccountAgreementType          string                      `json:"billingAccountAgreementType,omitempty"`
	BillingAccountDisplayName            string                      `json:"billingAccountDisplayName,omitempty"`
	BillingAccountID                     string                      `json:"billingAccountId,omitempty"`
	BillingAccountStatus                 string                      `json:"billingAccountStatus,omitempty"`
	BillingAccountType                   string                      `json:"billingAccountType,omitempty"`
	BillingAccountSubType                string                      `json:"billingAccountSubType,omitempty"`
	BillingCurrency                      string                      `json:"billingCurrency,omitempty"`
	BillingProfileDisplayName            string                      `json:"billingProfileDisplayName,omitempty"`
	BillingProfileID                     string                      `json:"billingProfileId,omitempty"`
	BillingProfileStatus                 string                      `json:"billingProfileStatus,omitempty"`
	BillingTenantID                      string                      `json:"billingTenantId,omitempty"`
	EnrollmentDetails                    *wireSubscriptionEnrollment `json:"enrollmentDetails,omitempty"`
	InvoiceSectionDisplayName            string                      `json:"invoiceSectionDisplayName,omitempty"`
	InvoiceSectionID                     string                      `json:"invoiceSectionId,omitempty"`
	IsAccountAdmin                       bool                        `json:"isAccountAdmin"`
	ProductID                            string                      `json:"productId,omitempty"`
	ProductName                          string                      `json:"productName,omitempty"`
	SkuDescription                       string                      `json:"skuDescription,omitempty"`
	SkuID                                string                      `json:"skuId,omitempty"`
	SubscriptionBillingStatus            string                      `json:"subscriptionBillingStatus,omitempty"`
	SubscriptionBillingType              string                      `json:"subscriptionBillingType,omitempty"`
}

type wireSubscriptionEnrollment struct {
	DepartmentDisplayName        string `json:"departmentDisplayName,omitempty"`
	DepartmentID                 string `json:"departmentId,omitempty"`
	EnrollmentAccountStatus      string `json:"enrollmentAccountStatus,omitempty"`
	EnrollmentAccountDisplayName string `json:"enrollmentAccountDisplayName,omitempty"`
	EnrollmentAccountID          string `json:"enrollmentAccountId,omitempty"`
}

// wireTime formats a timestamp as the service does (RFC 3339, UTC).
func wireTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
