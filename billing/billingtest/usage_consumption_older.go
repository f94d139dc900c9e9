package billingtest

import (
	"strings"
	"time"
)

// WithOlderConsumptionShape makes Consumption usageDetails answer in the older item shape the
// service was recorded sending (Azure/azure-cli, consumption recordings
// test_consumption_usage_list.yaml): no kind; usageStart/usageEnd, usageQuantity, pretaxCost,
// currency; instanceId holds the resource's ARM id and instanceName its short name; ids
// without a leading slash; "tags":null and "meterDetails":null when absent. The rows, their
// paging and their totals are those of the default (kind legacy) shape.
func WithOlderConsumptionShape() Option { return func(c *config) { c.usage.olderShape = true } }

type wireOlderUsageDetail struct {
	ID         string                    `json:"id"`
	Name       string                    `json:"name"`
	Type       string                    `json:"type"`
	Tags       map[string]string         `json:"tags"`
	Properties wireOlderUsageDetailProps `json:"properties"`
}

type wireOlderUsageDetailProps struct {
	BillingPeriodID  string                    `json:"billingPeriodId"`
	UsageStart       string                    `json:"usageStart"`
	UsageEnd         string                    `json:"usageEnd"`
	InstanceID       string                    `json:"instanceId,omitempty"`
	InstanceName     string                    `json:"instanceName,omitempty"`
	InstanceLocation string                    `json:"instanceLocation,omitempty"`
	MeterID          string                    `json:"meterId"`
	UsageQuantity    wireNum                   `json:"usageQuantity"`
	PretaxCost       wireNum                   `json:"pretaxCost"`
	Currency         string                    `json:"currency"`
	IsEstimated      bool                      `json:"isEstimated"`
	SubscriptionGUID string                    `json:"subscriptionGuid"`
	SubscriptionName string                    `json:"subscriptionName"`
	AccountName      string                    `json:"accountName,omitempty"`
	DepartmentName   string                    `json:"departmentName,omitempty"`
	Product          string                    `json:"product"`
	ConsumedService  string                    `json:"consumedService"`
	CostCenter       string                    `json:"costCenter"`
	MeterDetails     *wireMeterDetailsResponse `json:"meterDetails"`
}

type wireOlderUsagePage struct {
	NextLink string                 `json:"nextLink,omitempty"`
	Value    []wireOlderUsageDetail `json:"value"`
}

// olderUsagePage renders legacy items in the older shape.
func olderUsagePage(items []wireUsageDetail, nextLink string) wireOlderUsagePage {
	out := wireOlderUsagePage{NextLink: nextLink, Value: make([]wireOlderUsageDetail, 0, len(items))}
	for _, it := range items {
		p := it.Properties
		day, _ := time.Parse("2006-01-02T15:04:05.0000000Z", p.Date)
		period := it.ID[:strings.Index(it.ID, "/providers/Microsoft.Consumption/")]
		o := wireOlderUsageDetail{
			ID: strings.TrimPrefix(it.ID, "/"), Name: it.Name, Type: it.Type, Tags: it.Tags,
			Properties: wireOlderUsageDetailProps{
				BillingPeriodID: strings.TrimPrefix(period, "/"),
				UsageStart:      p.Date, UsageEnd: consumptionTime(day.Add(24*time.Hour - time.Second)),
				InstanceID: p.ResourceID, InstanceName: p.ResourceName, InstanceLocation: p.ResourceLocation,
				MeterID: p.MeterID, UsageQuantity: p.Quantity, PretaxCost: p.Cost, Currency: p.BillingCurrency,
				IsEstimated: true, SubscriptionGUID: p.SubscriptionID, SubscriptionName: p.SubscriptionName,
				AccountName: p.AccountName, DepartmentName: p.InvoiceSection, Product: p.Product,
				ConsumedService: p.ConsumedService, CostCenter: p.CostCenter, MeterDetails: p.MeterDetails,
			},
		}
		out.Value = append(out.Value, o)
	}
	return out
}
