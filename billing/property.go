package billing

import (
	"context"

	"github.com/azbilling/azbilling/internal/arm"
	"github.com/azbilling/azbilling/internal/wire"
	"github.com/azbilling/azbilling/roles"
)

// SubscriptionBilling is what the billing service knows about a subscription: which agreement and
// billing account it belongs to. Use it to route a subscription to the right invoice and usage APIs.
// Its text fields other than ids and addresses are trimmed of surrounding blanks.
type SubscriptionBilling struct {
	SubscriptionID          string
	Agreement               Agreement
	BillingAccountID        string
	BillingAccountName      string // display name
	BillingProfileID        string
	InvoiceSectionID        string
	AccountAdminEmail       string // MOSP: the account admin's notification address (read-only)
	IsAccountAdmin          bool
	BillingCurrency         string
	EnrollmentAccountID     string // EA
	DepartmentID            string // EA
	SubscriptionStatus      string
	SubscriptionBillingType string
}

// SubscriptionBilling reads /subscriptions/{id}/providers/Microsoft.Billing/billingProperty/default.
func (c *Client) SubscriptionBilling(ctx context.Context, subscriptionID string) (SubscriptionBilling, error) {
	s, err := SubscriptionScope(subscriptionID)
	if err != nil {
		return SubscriptionBilling{}, err
	}
	var w struct {
		Properties struct {
			BillingAccountAgreementType          wire.Text `json:"billingAccountAgreementType"`
			BillingAccountID                     string    `json:"billingAccountId"`
			BillingAccountDisplayName            wire.Text `json:"billingAccountDisplayName"`
			BillingProfileID                     string    `json:"billingProfileId"`
			InvoiceSectionID                     string    `json:"invoiceSectionId"`
			AccountAdminNotificationEmailAddress string    `json:"accountAdminNotificationEmailAddress"`
			IsAccountAdmin                       bool      `json:"isAccountAdmin"`
			BillingCurrency                      wire.Text `json:"billingCurrency"`
			SubscriptionBillingStatus            wire.Text `json:"subscriptionBillingStatus"`
			SubscriptionBillingType              wire.Text `json:"subscriptionBillingType"`
			EnrollmentDetails                    *struct {
				DepartmentID        string `json:"departmentId"`
				EnrollmentAccountID string `json:"enrollmentAccountId"`
			} `json:"enrollmentDetails"`
		} `json:"properties"`
	}
	path := s.ID() + "/providers/Microsoft.Billing/billingProperty/default"
	if err := c.get(ctx, path, arm.Call{Action: roles.ViewBillingAccount, Scope: s.ID()}, &w); err != nil {
		return SubscriptionBilling{}, err
	}
	p := w.Properties
	out := SubscriptionBilling{SubscriptionID: s.Subscription(), Agreement: Agreement(p.BillingAccountAgreementType),
		BillingAccountID: p.BillingAccountID, BillingAccountName: string(p.BillingAccountDisplayName), BillingProfileID: p.BillingProfileID,
		InvoiceSectionID: p.InvoiceSectionID, AccountAdminEmail: p.AccountAdminNotificationEmailAddress, IsAccountAdmin: p.IsAccountAdmin,
		BillingCurrency: string(p.BillingCurrency), SubscriptionStatus: string(p.SubscriptionBillingStatus), SubscriptionBillingType: string(p.SubscriptionBillingType)}
	if e := p.EnrollmentDetails; e != nil {
		out.DepartmentID, out.EnrollmentAccountID = e.DepartmentID, e.EnrollmentAccountID
	}
	return out, nil
}
