package email

import (
	"context"
	"errors"
	"net/http"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/internal/arm"
	"github.com/azbilling/azbilling/roles"
)

// NotificationEmail returns the notification address of a MOSP billing account
// (billingAccount.properties.notificationEmailAddress): where Azure sends the account's
// notifications. It is not invoice e-mail, which has no API for MOSP (see MOSPPortalPath), but
// it is the e-mail setting of an individual account that the API does expose. Accounts of other
// agreements have none and give a *billing.UnsupportedError.
func (c *Client) NotificationEmail(ctx context.Context, account string) (string, error) {
	acct, err := c.bc.Account(ctx, account)
	if err != nil {
		return "", err
	}
	if acct.Agreement != billing.AgreementMOSP {
		return "", notificationUnsupported("read the account notification e-mail address", acct.Agreement, acct.Scope())
	}
	return acct.NotificationEmail, nil
}

// SetNotificationEmail changes the notification address of a MOSP billing account with a PATCH
// of the billing account (a long-running operation) and returns the address the service now
// holds. The address is checked first (see ValidateAddresses). Only the account administrator
// may change it; others get a *roles.PermissionError.
func (c *Client) SetNotificationEmail(ctx context.Context, account, address string) (string, error) {
	addrs, err := ValidateAddresses([]string{address})
	if err != nil {
		return "", err
	}
	s, err := billing.AccountScope(account)
	if err != nil {
		return "", err
	}
	if account == "default" {
		return "", &billing.InputError{Field: "billing account name", Value: account, Reason: "use the MOSP billing account's GUID name"}
	}
	if ag := s.AgreementHint(); ag != billing.AgreementMOSP {
		return "", notificationUnsupported("change the account notification e-mail address", ag, s)
	}
	body := map[string]any{"properties": map[string]string{"notificationEmailAddress": addrs[0]}}
	var out struct {
		Properties struct {
			NotificationEmailAddress string `json:"notificationEmailAddress"`
		} `json:"properties"`
	}
	call := arm.Call{Action: roles.UpdateNotificationEmail, Scope: s.ID(), Agreement: billing.AgreementMOSP}
	if _, err := c.arm().LRO(ctx, arm.Request{Method: http.MethodPatch, Path: s.ID(), APIVersion: billing.APIVersion, Body: body, Call: call}, &out); err != nil {
		var perr *roles.PermissionError
		if errors.As(err, &perr) && len(perr.Required) == 0 {
			perr.Required = []roles.Role{roles.MOSPAccountAdmin}
		}
		return "", err
	}
	if out.Properties.NotificationEmailAddress != "" {
		return out.Properties.NotificationEmailAddress, nil
	}
	return c.NotificationEmail(ctx, account) // the operation's result did not carry the account
}

// AccountAdminEmail returns the notification address of the account administrator of a MOSP
// subscription, from the subscription's billing property (accountAdminNotificationEmailAddress,
// read-only). Subscriptions of other agreements have none and give a *billing.UnsupportedError.
func (c *Client) AccountAdminEmail(ctx context.Context, subscriptionID string) (string, error) {
	sb, err := c.bc.SubscriptionBilling(ctx, subscriptionID)
	if err != nil {
		return "", err
	}
	if sb.Agreement != billing.AgreementMOSP && sb.AccountAdminEmail == "" {
		s, _ := billing.SubscriptionScope(subscriptionID)
		return "", notificationUnsupported("read the account administrator's notification address", sb.Agreement, s)
	}
	return sb.AccountAdminEmail, nil
}

func notificationUnsupported(op string, ag billing.Agreement, s billing.Scope) error {
	return &billing.UnsupportedError{Operation: op, Agreement: ag, Scope: s.ID(),
		Reason: "only MOSP (individual pay-as-you-go) billing accounts have a notification e-mail address"}
}
