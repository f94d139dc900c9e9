// Command exports defines a Cost Management export, runs it for a range of past months in each
// file format (CSV, gzip CSV, Parquet), reads every run back from the storage account and prints
// per run its period, format, blobs and rows. Its last line is a JSON summary,
//
//	{"runs":N,"rows":N,"formats":["csv","csv.gz","parquet"],"cost":{"CUR":"exact decimal"}}
//
// where rows and cost are one format's (the program fails if the formats disagree).
//
// On the emulator (the default) the export's output lands in Azurite, Microsoft's Azure Storage
// emulator, which this program starts itself: it needs Node.js and Azurite installed
// (npm install -g azurite, or set AZURITE_BIN to an azurite-blob executable). With -live it runs
// on Azure with azidentity.DefaultAzureCredential, which needs Cost Management Contributor on the
// scope and Storage Blob Data Reader on the container:
//
//	go run ./examples/exports
//	go run ./examples/exports -months 6 -as mca-profile-owner -scope /providers/Microsoft.Billing/billingAccounts/10000000-0000-0000-0000-000000000000:00000000-0000-0000-0000-000000000000_2019-05-31/billingProfiles/AB12-CD34-BG7-PGB
//	go run ./examples/exports -live -scope /providers/Microsoft.Billing/billingAccounts/ACCOUNT \
//	    -storage-id /subscriptions/SUB/resourceGroups/RG/providers/Microsoft.Storage/storageAccounts/ACCT \
//	    -container https://ACCT.blob.core.windows.net/exports
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/azbilling/azbilling/billing"
	"github.com/azbilling/azbilling/billing/billingtest"
	"github.com/azbilling/azbilling/exports"
	"github.com/azbilling/azbilling/internal/azurite"
)

type config struct {
	live      bool
	as        billingtest.Principal
	scope     string
	months    int
	storageID string // ARM id of the storage account (-live)
	container string // container URL (-live)
	root      string
	poll      time.Duration
}

func main() {
	var c config
	var as string
	flag.BoolVar(&c.live, "live", false, "run on Azure with DefaultAzureCredential instead of the emulator")
	flag.StringVar(&as, "as", string(billingtest.PrincipalEAEnterpriseAdmin), "emulator principal to sign in as")
	flag.StringVar(&c.scope, "scope", "", "scope id (default on the emulator: its EA enrollment)")
	flag.IntVar(&c.months, "months", 3, "how many past months to export")
	flag.StringVar(&c.storageID, "storage-id", "", "-live: resource id of the storage account the export writes to")
	flag.StringVar(&c.container, "container", "", "-live: URL of the blob container, e.g. https://ACCT.blob.core.windows.net/exports")
	flag.StringVar(&c.root, "root", "azbilling-example", "folder in the container")
	flag.DurationVar(&c.poll, "poll", 30*time.Second, "how often to check a run's progress")
	flag.Parse()
	c.as = billingtest.Principal(as)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, c); err != nil {
		fmt.Fprintln(os.Stderr, "exports:", err)
		os.Exit(1)
	}
}

// summary is the last line.
type summary struct {
	Runs    int               `json:"runs"`
	Rows    int               `json:"rows"`
	Formats []string          `json:"formats"`
	Cost    map[string]string `json:"cost"`
}

func run(ctx context.Context, w io.Writer, c config) error {
	if c.months < 1 {
		return errors.New("-months must be at least 1")
	}
	var bc *billing.Client
	var cc *container.Client
	var err error
	storageID, containerName := c.storageID, "exports"
	if c.live {
		if c.scope == "" || c.storageID == "" || c.container == "" {
			return errors.New("-scope, -storage-id and -container are required with -live")
		}
		cred, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return err
		}
		if bc, err = billing.NewClient(cred, nil); err != nil {
			return err
		}
		if cc, err = container.NewClient(c.container, azcore.TokenCredential(cred), nil); err != nil {
			return err
		}
		containerName = c.container[strings.LastIndexByte(strings.TrimRight(c.container, "/"), '/')+1:]
	} else {
		bin := azurite.Binary()
		if bin == "" {
			return errors.New("the emulator's exports are written to Azurite, which is not installed: " + azurite.Install)
		}
		az, err := azurite.Launch(bin)
		if err != nil {
			return fmt.Errorf("starting Azurite: %w", err)
		}
		defer az.Close()
		srv, err := billingtest.Start()
		if err != nil {
			return err
		}
		defer srv.Close()
		blobs, err := az.NewClient()
		if err != nil {
			return err
		}
		srv.SetExportStorage(blobs, &billingtest.ExportStorageOptions{PartitionBytes: 256 << 10})
		if cc, err = az.NewContainerClient(containerName); err != nil {
			return err
		}
		if c.scope == "" {
			c.scope = "/providers/Microsoft.Billing/billingAccounts/" + billingtest.EAAccount
		}
		storageID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/finops/providers/Microsoft.Storage/storageAccounts/devstoreaccount1"
		if bc, err = billing.NewClient(srv.Credential(c.as), srv.ClientOptions()); err != nil {
			return err
		}
		c.poll = 10 * time.Millisecond
		fmt.Fprintf(w, "emulator at %s, exports land in Azurite at %s, signed in as %s\n", srv.ARMEndpoint(), az.URL, c.as)
	}
	scope, err := billing.ParseScope(c.scope)
	if err != nil {
		return err
	}
	span := billing.LastMonthsAt(bc.Now(), c.months)
	ec := exports.NewClient(bc)
	rd := exports.NewReader(cc, nil)

	formats := []struct {
		name string
		f    exports.Format
		c    exports.Compression
	}{{"csv", exports.CSV, exports.NoCompression}, {"csv.gz", exports.CSV, exports.Gzip}, {"parquet", exports.Parquet, exports.Snappy}}
	var sum summary
	for i, f := range formats {
		name := "azbilling-example-" + strings.ReplaceAll(f.name, ".", "-")
		if _, err := ec.CreateOrUpdate(ctx, scope, name, exports.Definition{Dataset: exports.ActualCost, Format: f.f, Compression: f.c,
			Overwrite:   exports.OverwritePreviousReport,
			Destination: exports.Destination{ResourceID: storageID, Container: containerName, RootFolder: c.root}}); err != nil {
			return err
		}
		if _, err := ec.Backfill(ctx, scope, name, span, &exports.BackfillOptions{PollInterval: c.poll}); err != nil {
			return err
		}
		l, err := rd.Runs(ctx, c.root+"/"+name)
		if err != nil {
			return err
		}
		rows, cost := 0, map[string]billing.Decimal{}
		for _, run := range l.Runs {
			if !span.Overlaps(run.Period) {
				continue
			}
			n := 0
			for rec, err := range rd.Records(ctx, []exports.Run{run}) {
				if err != nil {
					return err
				}
				n++
				cost[rec.Currency] = cost[rec.Currency].Add(rec.Cost)
			}
			fmt.Fprintf(w, "%s..%s  %-7s  %2d blobs  %7d rows  run %s\n", run.Period.Start, run.Period.End, f.name, len(run.Blobs), n, run.RunID)
			rows += n
			sum.Runs++
		}
		costs := map[string]string{}
		for cur, v := range cost {
			// Normalized: each format keeps the scale its file has (the CSV's text, the Parquet
			// column's DECIMAL scale), so equal sums may print with different trailing zeros.
			costs[cur] = v.Normalize().String()
		}
		if i > 0 && (rows != sum.Rows || !maps.Equal(costs, sum.Cost)) {
			return fmt.Errorf("%s read %d rows costing %v, %s read %d costing %v", f.name, rows, costs, formats[0].name, sum.Rows, sum.Cost)
		}
		sum.Rows, sum.Cost = rows, costs
		sum.Formats = append(sum.Formats, f.name)
	}
	slices.Sort(sum.Formats)
	b, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}
