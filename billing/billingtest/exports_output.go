package billingtest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"path"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/azbilling/azbilling/billing"
)

// An export run's output, as the service writes it (manifestVersion 2024-04-01):
//
//	<root>/<export>/<YYYYMMDD-YYYYMMDD>/<RunID>/part_0_0001.csv             OverwritePreviousReport
//	<root>/<export>/<YYYYMMDD-YYYYMMDD>/<YYYYMMDDHHMM>/<RunID>/part_0_0001.csv  CreateNewReport
//
// with .csv.gz for gzip and .snappy.parquet (or .parquet) for Parquet, and manifest.json beside
// the parts, written last. The period folder is the calendar month of the run's start. The rows
// are the same generated rows Cost Details reports carry (EA and MCA layouts, usage_csv.go); a
// FocusCost export gets a FOCUS 1.0 layout (focusHeader) whose BilledCost and EffectiveCost are
// both the actual cost (invented: the emulator has no separate amortized FOCUS figures).
//
// Parquet column types are not documented. What is on record: users loading FOCUS Parquet
// exports report that Azure writes the cost columns as DECIMAL with precision 38, where AWS
// writes DOUBLE (FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec issues 679 and 1077, 2025). So the
// emulator writes the cost, price and quantity columns (parquetDecimalColumns) as
// DECIMAL(38,18) (the scale is invented; 18 holds every emulator value exactly) and every other
// column as an optional UTF-8 string holding the CSV text, dictionary-encoded, empty values as
// nulls (invented: nothing on record says whether dates are strings or time stamps).
// ExportStorageOptions.ParquetText writes every column as text.

// focusHeader is the emulator's FOCUS layout: a subset of FOCUS 1.0 columns with the Microsoft
// x_ extensions the usage reader keys on.
var focusHeader = []string{"BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
	"BillingPeriodStart", "ChargeCategory", "ChargeDescription", "ChargePeriodEnd", "ChargePeriodStart", "ConsumedQuantity",
	"ConsumedUnit", "EffectiveCost", "ListUnitPrice", "PricingQuantity", "PricingUnit", "RegionId", "ResourceId",
	"ResourceName", "ServiceCategory", "ServiceName", "SubAccountId", "SubAccountName", "Tags", "x_BillingAccountId",
	"x_EffectiveUnitPrice", "x_InvoiceId", "x_InvoiceSectionName", "x_ResourceGroupName", "x_SkuMeterCategory",
	"x_SkuMeterId", "x_SkuMeterName", "x_SkuTerm"}

func focusDate(c *csvRow, t time.Time) {
	c.sep()
	c.b = t.AppendFormat(c.b, "2006-01-02T15:04:05Z")
}

// appendFocusRow renders r in focusHeader's layout, CRLF-terminated.
func (p *usagePlan) appendFocusRow(b []byte, r *usageRow) []byte {
	us, m := r.sub, rowMeter(r)
	c := csvRow{b: b}
	month := firstOfMonth(r.date)
	c.cost(r)
	c.str(us.acct.Name)
	c.field(us.acct.DisplayName)
	c.str(us.s.Currency)
	focusDate(&c, month.AddDate(0, 1, 0))
	focusDate(&c, month)
	category := "Usage"
	if r.kind == rowPurchase {
		category = "Purchase"
	}
	c.str(category)
	c.field(m.name)
	focusDate(&c, r.date.AddDate(0, 0, 1))
	focusDate(&c, r.date)
	c.fixed(r.qty, qtyScale)
	c.field(m.unit)
	c.cost(r)
	c.fixed(r.payg, priceScale)
	c.fixed(r.qty, qtyScale)
	c.field(m.unit)
	c.str(strings.ToLower(locationOf(r, "eastus")))
	c.resField(r, func(res *usageResource) string { return res.id })
	c.resField(r, func(res *usageResource) string { return res.name })
	c.field(m.family)
	c.field(m.category)
	c.str("/subscriptions/" + us.s.ID)
	c.field(us.s.DisplayName)
	c.resField(r, func(res *usageResource) string { return res.tagsBraced })
	c.str(us.acct.Name)
	c.fixed(r.price, priceScale)
	c.str("")
	c.field(us.sectionDisplay)
	c.resField(r, func(res *usageResource) string { return res.group })
	c.field(m.category)
	c.str(m.id)
	c.field(m.name)
	c.last("")
	return c.b
}

// writeExportRun writes one run of e for [start, end] and returns its run history entry. The
// caller holds s.exports.mu.
func (s *Server) writeExportRun(rc *reqCtx, e *exportRes, subs []*usageSub, start, end time.Time) (wireExportRun, error) {
	st := s.exports
	ctx := rc.r.Context()
	st.runSeq++
	s.mu.Lock()
	runID := s.nextID()
	s.mu.Unlock()
	// Strictly increasing submission times, so that "the latest run" is always well defined.
	submitted := s.Now().Add(time.Duration(st.runSeq) * time.Second)
	props := e.body.Properties
	def, dest := props.Definition, props.DeliveryInfo.Destination
	dataset := def.Type
	amortized := strings.EqualFold(dataset, "AmortizedCost")
	focus := strings.EqualFold(dataset, "FocusCost")
	plan := s.newUsagePlan(subs, start, end, amortized)

	month := firstOfMonth(start)
	periodFolder := month.Format("20060102") + "-" + month.AddDate(0, 1, -1).Format("20060102")
	periodDir := path.Join(dest.RootFolderPath, e.name, periodFolder)
	overwrite := strings.EqualFold(props.DataOverwriteBehavior, "OverwritePreviousReport")
	folder := path.Join(periodDir, runID)
	if !overwrite {
		folder = path.Join(periodDir, submitted.Format("200601021504"), runID)
	}
	parquetOut := strings.EqualFold(props.Format, "Parquet")
	comp := strings.ToLower(props.CompressionMode)
	ext := ".csv"
	switch {
	case parquetOut && comp == "snappy":
		ext = ".snappy.parquet"
	case parquetOut:
		ext = ".parquet"
	case comp == "gzip":
		ext = ".csv.gz"
	}

	var header string
	render := plan.appendUsageRow
	switch {
	case focus:
		header = strings.Join(focusHeader, ",") + "\r\n"
		render = plan.appendFocusRow
	default:
		agreement := AgreementEA
		if len(subs) > 0 {
			agreement = subs[0].agreement
		}
		header = usagePreamble(agreement)
	}

	if _, err := st.storage.CreateContainer(ctx, dest.Container, nil); err != nil && !isStorageCode(err, "ContainerAlreadyExists") {
		return wireExportRun{}, err
	}
	type written struct {
		name       string
		size, rows int64
	}
	var blobs []written
	var cur bytes.Buffer
	curRows := 0
	flush := func() error {
		if curRows == 0 {
			return nil
		}
		data := cur.Bytes()
		var err error
		switch {
		case parquetOut:
			data, err = csvToParquet(header, data, comp == "snappy", st.cfg.RowGroupRows, !st.cfg.ParquetText)
		case comp == "gzip":
			var zb bytes.Buffer
			zw := gzip.NewWriter(&zb)
			_, _ = zw.Write(data)
			err = zw.Close()
			data = zb.Bytes()
		}
		if err != nil {
			return err
		}
		name := path.Join(folder, fmt.Sprintf("part_0_%04d%s", len(blobs)+1, ext))
		if _, err := st.storage.UploadBuffer(ctx, dest.Container, name, data, nil); err != nil {
			return err
		}
		blobs = append(blobs, written{name: name, size: int64(len(data)), rows: int64(curRows)})
		cur.Reset()
		curRows = 0
		return nil
	}
	var rowBuf []byte
	var ferr error
	plan.each(rowPos{}, func(_ rowPos, r *usageRow) bool {
		rowBuf = render(rowBuf[:0], r)
		if curRows > 0 && int64(cur.Len()+len(rowBuf)) > st.cfg.PartitionBytes {
			if ferr = flush(); ferr != nil {
				return false
			}
		}
		if curRows == 0 {
			cur.WriteString(header)
		}
		cur.Write(rowBuf)
		curRows++
		return true
	})
	if ferr == nil {
		ferr = flush()
	}
	if ferr != nil {
		return wireExportRun{}, ferr
	}

	var total, rows int64
	mb := []map[string]any{}
	for _, b := range blobs {
		total += b.size
		rows += b.rows
		mb = append(mb, map[string]any{"blobName": b.name, "byteCount": b.size, "dataRowCount": b.rows})
	}
	runARMID := e.id + "/Run/" + runID
	granularity := "Daily"
	format := firstNonEmpty(props.Format, "Csv")
	manifest := map[string]any{
		"manifestVersion": "2024-04-01",
		"byteCount":       total,
		"blobCount":       len(blobs),
		"dataRowCount":    rows,
		"exportConfig": map[string]any{
			"exportName": e.name, "resourceId": "/" + strings.TrimPrefix(e.id, "/"),
			"dataVersion": exportDataVersion(def), "apiVersion": rc.apiVersion, "type": dataset,
			"timeFrame": def.Timeframe, "granularity": granularity,
		},
		"deliveryConfig": map[string]any{
			"partitionData": true, "dataOverwriteBehavior": props.DataOverwriteBehavior, "fileFormat": format,
			"compressionMode": exportCompressionName(comp), "containerUri": dest.ResourceID, "rootFolderPath": dest.RootFolderPath,
		},
		"runInfo": map[string]any{
			"executionType": "OnDemand", "submittedTime": submitted.Format("2006-01-02T15:04:05.0000000Z"), "runId": runID,
			"startDate": start.Format("2006-01-02T15:04:05"), "endDate": end.Format("2006-01-02T15:04:05Z"),
		},
		"blobs": mb,
	}
	mdata, _ := json.MarshalIndent(manifest, "", "  ")
	manifestName := path.Join(folder, "manifest.json")
	if _, err := st.storage.UploadBuffer(ctx, dest.Container, manifestName, mdata, nil); err != nil {
		return wireExportRun{}, err
	}
	if overwrite {
		if err := deleteOtherRuns(ctx, st.storage.ServiceClient().NewContainerClient(dest.Container), periodDir+"/", folder+"/"); err != nil {
			return wireExportRun{}, err
		}
	}

	var run wireExportRun
	run.ID = runARMID
	rp := &run.Properties
	rp.ExecutionType, rp.Status, rp.SubmittedBy = "OnDemand", "Completed", string(rc.principal)
	rp.SubmittedTime = submitted.Format("2006-01-02T15:04:05.0000000Z")
	rp.ProcessingStartTime = rp.SubmittedTime
	rp.ProcessingEndTime = submitted.Add(time.Second).Format("2006-01-02T15:04:05.0000000Z")
	rp.StartDate, rp.EndDate = start.Format(time.RFC3339), end.Format(time.RFC3339)
	rp.ManifestFile = manifestName
	st.done[run.ID] = ExportRun{RunID: runID, Export: e.name, Period: DayRange{Start: start, End: end}, Rows: int(rows), Blobs: len(blobs), Folder: folder}
	return run, nil
}

func exportDataVersion(def *wireExportDef) string {
	if def.DataSet != nil && def.DataSet.Configuration != nil && def.DataSet.Configuration.DataVersion != "" {
		return def.DataSet.Configuration.DataVersion
	}
	if strings.EqualFold(def.Type, "FocusCost") {
		return "1.0r2"
	}
	return "2023-05-01"
}

// exportCompressionName is the manifest's spelling ("None", "Gzip", "Snappy").
func exportCompressionName(c string) string {
	switch c {
	case "gzip":
		return "Gzip"
	case "snappy":
		return "Snappy"
	}
	return "None"
}

// deleteOtherRuns removes the blobs under periodDir that are not under keep: an overwriting run
// replaces the period's earlier output.
func deleteOtherRuns(ctx context.Context, cc *container.Client, periodDir, keep string) error {
	pager := cc.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &periodDir})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, it := range page.Segment.BlobItems {
			if it.Name == nil || strings.HasPrefix(*it.Name, keep) {
				continue
			}
			if _, err := cc.NewBlobClient(*it.Name).Delete(ctx, nil); err != nil && !isStorageCode(err, "BlobNotFound") {
				return err
			}
		}
	}
	return nil
}

func isStorageCode(err error, code string) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.ErrorCode == code
}

// parquetDecimalColumns are the columns written as DECIMAL(38, parquetDecimalScale) in
// Parquet: the cost, price and quantity columns of the EA, MCA and FOCUS layouts (lower case).
var parquetDecimalColumns = map[string]bool{
	"quantity": true, "effectiveprice": true, "costinbillingcurrency": true, "costinpricingcurrency": true,
	"costinusd": true, "paygcostinbillingcurrency": true, "paygcostinusd": true, "exchangeratepricingtobilling": true,
	"unitprice": true, "paygprice": true, "cost": true, "pretaxcost": true,
	"billedcost": true, "effectivecost": true, "listcost": true, "listunitprice": true, "contractedcost": true,
	"contractedunitprice": true, "consumedquantity": true, "pricingquantity": true, "commitmentdiscountquantity": true,
	"x_effectiveunitprice": true, "x_billedcostinusd": true, "x_effectivecostinusd": true, "x_billedunitprice": true,
	"x_billingexchangerate": true, "x_contractedcostinusd": true, "x_listcostinusd": true, "x_pricingunitprice": true,
}

const parquetDecimalScale = 18

// decimal128Text turns the text of a decimal into its DECIMAL(38, scale) value, exactly, or
// fails if it has more fractional digits than scale or more than 38 digits.
func decimal128Text(s string, scale int) (decimal128.Num, error) {
	d, err := billing.ParseDecimal(s)
	if err != nil {
		return decimal128.Num{}, err
	}
	if int(d.Scale()) > scale {
		return decimal128.Num{}, fmt.Errorf("%q has more than %d fractional digits", s, scale)
	}
	t := d.String() // plain notation
	neg := strings.HasPrefix(t, "-")
	ip, fp, _ := strings.Cut(strings.TrimPrefix(t, "-"), ".")
	digits := ip + fp + strings.Repeat("0", scale-len(fp))
	if len(digits) > 38+1 || (len(digits) == 39 && digits[0] != '0') {
		return decimal128.Num{}, fmt.Errorf("%q has more than 38 digits", s)
	}
	var hi, lo uint64
	for i := 0; i < len(digits); i++ {
		h, l := bits.Mul64(lo, 10)
		var c uint64
		lo, c = bits.Add64(l, uint64(digits[i]-'0'), 0)
		hi = hi*10 + h + c
	}
	n := decimal128.New(int64(hi), lo)
	if neg {
		n = n.Negate()
	}
	return n, nil
}

// csvToParquet turns a partition's CSV (header first) into a Parquet file whose columns are
// named as the header, in header order: with typed, the columns of parquetDecimalColumns are
// DECIMAL(38,18) and the others optional strings; without, all are strings. Empty values are
// written as nulls.
func csvToParquet(header string, data []byte, snappy bool, rowGroup int, typed bool) ([]byte, error) {
	names := strings.Split(strings.TrimSuffix(strings.TrimPrefix(header, utf8BOM), "\r\n"), ",")
	fields := make([]arrow.Field, len(names))
	for i, n := range names {
		fields[i] = arrow.Field{Name: n, Type: arrow.BinaryTypes.String, Nullable: true}
		if typed && parquetDecimalColumns[strings.ToLower(n)] {
			fields[i].Type = &arrow.Decimal128Type{Precision: 38, Scale: parquetDecimalScale}
		}
	}
	schema := arrow.NewSchema(fields, nil)
	codec := compress.Codecs.Uncompressed
	if snappy {
		codec = compress.Codecs.Snappy
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(codec), parquet.WithMaxRowGroupLength(int64(rowGroup)),
		parquet.WithDictionaryDefault(true))
	var out bytes.Buffer
	fw, err := pqarrow.NewFileWriter(schema, &out, props, pqarrow.DefaultWriterProps())
	if err != nil {
		return nil, err
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = len(names)
	cr.ReuseRecord = true
	if _, err := cr.Read(); err != nil { // the header
		return nil, err
	}
	pending := 0
	write := func() error {
		rec := rb.NewRecordBatch()
		defer rec.Release()
		pending = 0
		return fw.WriteBuffered(rec)
	}
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		for i, v := range row {
			switch col := rb.Field(i).(type) {
			case *array.StringBuilder:
				if v == "" {
					col.AppendNull()
				} else {
					col.Append(v)
				}
			case *array.Decimal128Builder:
				if v == "" {
					col.AppendNull()
					continue
				}
				d, err := decimal128Text(v, parquetDecimalScale)
				if err != nil {
					return nil, fmt.Errorf("column %s: %w", names[i], err)
				}
				col.Append(d)
			}
		}
		if pending++; pending == 4096 {
			if err := write(); err != nil {
				return nil, err
			}
		}
	}
	if pending > 0 {
		if err := write(); err != nil {
			return nil, err
		}
	}
	if err := fw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
