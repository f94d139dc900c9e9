// Package billingtest is an in-process emulator of the Azure billing APIs: an HTTPS server that
// speaks the real Microsoft.Billing ARM protocol (api-version 2024-04-01 shapes), seeded with a
// deterministic world, so that the azbilling SDK — and Azure's own generated clients such as
// armbilling — can be tested without an Azure tenant.
//
//	srv := billingtest.NewServer(t)                                   // closed when the test ends
//	c, err := billing.NewClient(srv.Credential(billingtest.PrincipalMCAProfileOwner), srv.ClientOptions())
//
// The server has two TLS listeners on 127.0.0.1 with one throw-away CA: ARMEndpoint (the
// management endpoint) and BlobEndpoint (SAS download URLs, a different host:port so that a
// bearer token sent to it is caught by SawAuthorizationOnBlob). HTTPClient, CertPool and
// CACertPEM give access to the CA; ClientOptions, ARMClientOptions and Cloud configure clients.
// The bearer token is the principal's name (Credential); no token → 401, a principal without a
// role at the scope → 403 with an ARM error body ({"error":{"code":"AuthorizationFailed",...}}).
// The examples/emulator program runs the same server as a standalone process.
//
// # World
//
// The fixed names below never depend on the seed (WithSeed changes generated values only:
// amounts, system ids, operation ids). The world follows today's date: the world clock is the
// real clock and the world (subscription ages, invoice periods, usage, the open month) is laid
// out as of noon UTC of the date the server starts, so it is the same for a given date and seed.
// WithNow pins the clock and the layout to an instant (WithNow(ReferenceNow()) for output that
// never changes); Now adds the real time elapsed since the start, AdvanceClock moves it on.
//
// Invoices bill the emulator's own usage (invoice_amounts.go): an MCA invoice the rows of its
// billing profile's month (the rows carrying its invoiceId, reservation purchases included), an EA
// invoice the enrollment's calendar month, a pay-as-you-go invoice its subscription's billing
// period. Charges are the rows' costs each rounded to the cent; subTotal is charges less
// creditAmount, azurePrepaymentApplied and freeAzureCreditApplied; taxAmount is subTotal times the
// rate of the sold-to country (the billing profile's bill-to for MCA: US 8%, DE 19%, invented
// rates); totalAmount = billedAmount = subTotal + taxAmount; amountDue is billedAmount until paid.
// Credits (a 10% service credit every fifth US-profile invoice, 25.00 every fourth EU-profile and
// 20.00 every sixth EA invoice), prepayment (up to 100.00 every third US-profile invoice, up to
// 150.00 on three EA invoices in four) and free credit (one US-profile invoice) fall by position.
// The credit note credits a tenth of the invoice it names and bills no usage. Pay-as-you-go
// invoices show only amountDue and billedAmount (the spec's example; no recorded answer was
// found), so there is no field a tax could be read from: the emulator does not tax them, and
// their billedAmount is the rounded charges. (On Azure a taxed pay-as-you-go invoice reconciles
// with its tax unexplained, and package reconcile says the invoice does not itemise it.) InvoiceTruth gives
// the ground truth of each; AlterInvoiceAmount and DropUsageRow are fault hooks that make a
// reconciliation find exactly that amount unexplained.
//
//	Agreement  Kind                 Name (constant)                                   Facts
//	MOSP       billing account      20000000-0000-0000-0000-000000000001 (MOSPAccount)  Individual/Individual, notificationEmailAddress alex@contoso.example
//	           subscription         11111111-1111-1111-1111-111111111111 (SubscriptionPayAsYouGo)  "Contoso Pay-As-You-Go", MS-AZR-0003P, created 2 years ago: 24 monthly invoice periods
//	           subscription         22222222-2222-2222-2222-222222222222 (SubscriptionNew)         "Contoso New Project", MS-AZR-0003P, created 12 days ago: no invoice yet
//	           subscription         33333333-3333-3333-3333-333333333333 (SubscriptionCredit)      "Visual Studio Enterprise", MS-AZR-0063P, 150 USD monthly credit never exceeded: no invoices
//	EA         billing account      6575495 (EAAccount)                               Enterprise/Other, USD, invoiceRecipient invoices@contoso.example
//	           department           101 (EADepartmentEngineering) "Engineering", cost center ENG-100
//	           department           102 (EADepartmentFinance)     "Finance", cost center FIN-200
//	           enrollment account   201 (EAEnrollmentAccountEngineering) in 101, owner eng-owner@contoso.example
//	           enrollment account   202 (EAEnrollmentAccountFinance)     in 102, owner fin-owner@contoso.example
//	           subscriptions        44444444-… "Engineering Production" (201, MS-AZR-0017P), 55555555-… "Engineering Dev/Test" (201, MS-AZR-0148P), 66666666-… "Finance Analytics" (202)
//	           policies             policies/default: departmentAdminViewCharges Allowed, accountOwnerViewCharges Disabled (WithPolicy, SetEAPolicy)
//	MCA        billing account      10000000-0000-0000-0000-000000000000:00000000-0000-0000-0000-000000000000_2019-05-31 (MCAAccount)  Business/Enterprise
//	           billing profile      AB12-CD34-BG7-PGB (MCAProfileUS) "Contoso US", USD, invoice day 5, invoiceEmailOptIn true, recipients billing@ and finance@contoso.example
//	           billing profile      EF56-GH78-BG7-PGB (MCAProfileEU) "Contoso Europe", EUR, opted out
//	           invoice section      ISEC-1111-PJA-PGB (MCASectionEngineering) under AB12…, subscriptions 77777777-… "Contoso Web", 88888888-… "Contoso Data"
//	           invoice section      ISEC-2222-PJA-PGB (MCASectionMarketing)   under AB12…, subscription 99999999-… "Contoso Marketing"
//	           invoice section      ISEC-3333-PJA-PGB (MCASectionEurope)      under EF56…, subscription aaaaaaaa-… "Contoso Europe"
//
// World returns a copy of the current world (seeded facts plus changes made through the API),
// including per-subscription facts that explain a missing invoice (Created, OfferID, Credit,
// InvoicePeriods, NoInvoiceReason).
//
// # Principals
//
//	Principal (token)           Role                          Scope
//	mosp-account-admin          Account administrator         MOSP account
//	ea-enterprise-admin         Enrollment administrator      EA account 6575495
//	ea-enterprise-reader        Enrollment reader             EA account 6575495
//	ea-department-admin         Department administrator      department 101
//	ea-account-owner            Account owner                 enrollment account 201
//	mca-account-owner           Billing account owner         MCA account
//	mca-profile-owner           Billing profile owner         profile AB12-CD34-BG7-PGB
//	mca-profile-contributor     Billing profile contributor   profile AB12-CD34-BG7-PGB
//	mca-profile-reader          Billing profile reader        profile AB12-CD34-BG7-PGB
//	mca-invoice-manager         Invoice manager               profile AB12-CD34-BG7-PGB
//	mca-invoice-section-owner   Invoice section owner         section ISEC-1111-PJA-PGB
//	no-role                     (none)                        —
//
// Any other token is a principal without roles. A role applies to its scope and everything below
// it. A principal "sees" a resource (lists it, may GET it) when it has a role at, above or below
// it; hasReadAccess is true only with a role at or above it, and a billing profile read without
// it shows only its name, display name, currency and status. Lists contain only what the
// principal sees (an account list may be empty); a direct request elsewhere answers 403.
// Role definitions (ids, roleNames, permission lists) are the recorded ones (see "Real shapes").
//
// # Permissions
//
// billingPermissions answers one entry holding the permissions of every role the caller has at
// or above the scope, restricted to the scope and the scopes below it, as recorded. MCA
// permissions are GUIDs {prefix}-aaaa-bbbb-cccc-2000000000NN (prefix 50000000 and 10000000
// billing account, 40000000 billing profile, 30000000 invoice section); the role tables are the
// recorded ones: billing profile owner 40…00-08 and 11, contributor 01-08 and 11, reader 06, 07,
// 08, invoice manager 07, 06, 11, 08; invoice section owner 30…00, 01, 03-13, 15, 16, reader 01,
// 07, 04, 15; billing account owner/contributor/reader mixing the four prefixes. What each id
// means is not published; for checkAccess the emulator gives each id an operation of its own
// (mcaPermissionMeaning), chosen so that the ids of a role mean operations the role allows and
// each larger role has an id the smaller ones lack. EA permissions are Microsoft.Billing action
// strings as recorded (billingAccounts/read, …/enrollmentPolicies/write,
// …/departments/delete, …/enrollmentAccounts/billingSubscriptions/action, …/purchase/action,
// …/commitments/read, Microsoft.Subscription/subscriptions/write); they contain none of
// invoices/read, billingPermissions/read, billingRoleAssignments/read or
// Microsoft.Consumption/usageDetails/read. checkAccess answers a bare JSON array (as recorded):
// Allowed for an action the caller's permissions list, and for the unlisted EA/MOSP action
// names above when the caller's roles allow the operation (view charges: policy permitting).
// MOSP permissions are the emulator's own Microsoft.Billing action strings.
//
// Role → allowed operations (the emulator's own table): MOSP account administrator, EA
// enrollment administrator and MCA billing account/profile owner: everything; contributors:
// everything but role assignment changes; enrollment reader and MCA readers: read, invoices,
// downloads, charges, policies and role reads (no e-mail change); EA purchaser: the reader's
// and purchases; invoice manager: read, invoices, downloads, the profile's charges, e-mail
// preference; department administrator/reader and account owner: read and (policy permitting)
// charges, no invoices; invoice section roles: read and charges of the section.
//
// # Protocol
//
// Paths, JSON names and query names (top, skip, filter without '$') follow 2024-04-01. Literal
// path segments match case-insensitively; the MCA account name may be sent raw or with ':' as
// %3A. Each route checks its api-version (400 InvalidApiVersionParameter, or
// MissingApiVersionParameter). Lists page with a nextLink that repeats the request's query with
// a skip token (WithPageSize); its form is described under "Real shapes". Unknown resources
// answer 404 ResourceNotFound, unknown routes 404 NotFound. A billing profile PUT is a
// long-running operation: 202 with Location and Retry-After, polled WithLRODelay times
// (default: Retry-After 0, one extra 202), then 200 with the profile. Every ARM response
// carries x-ms-request-id, x-ms-correlation-request-id (the client's, if sent) and an
// x-ms-ratelimit-remaining-{tenant,subscription}-{reads,writes} header. Blob URLs carry a SAS
// (sv, sr=b, sp=r, st, se, sig) checked against the world clock (AdvanceClock expires them
// without waiting); Range requests get 206 with Content-Range.
//
// # Real shapes
//
// By default the server answers in the shapes the live service was recorded answering;
// WithSpecShapes switches back to the REST spec's reading (RFC 3339 dates, unpadded text,
// absolute escaped nextLinks with $skiptoken, Retry-After on every 202, expiryTime in download
// results, documents with a name). The recordings (public test recordings of other Azure tools;
// facts only, nothing copied; the repository's internal/replay suite reproduces them):
//
//	[R1] Azure/azure-cli-extensions src/billing/azext_billing/tests/latest/recordings/
//	     test_ea_accounts_list_and_get.yaml @fbb6cd08: EA accounts at 2024-04-01
//	[R2] same folder, test_department_list_and_get.yaml @19c094d0: departments, 4 pages
//	[R3] same folder, test_enrollment_account_list_and_get.yaml @f2a4e91d: enrollment accounts
//	[R4] same folder, test_ea_subscriptions_list_and_get.yaml @f2a4e91d: EA billing subscriptions
//	[R5] same folder, test_ea_invoices_list_get_and_download.yaml @32c47f80: EA invoices,
//	     download, summary and transactions downloads
//	[R6] same folder, test_billing_permission_list_and_check_access.yaml @2e6a3ee2 and
//	     test_ea_roledefinition_list_and_get.yaml @19c094d0: EA permissions, checkAccess, roles
//	[R7] Azure/azure-cli src/azure-cli/azure/cli/command_modules/billing/tests/latest/recordings/
//	     test_role_definition_list_and_show.yaml @f6720c71, test_permission_list.yaml @a5dea054,
//	     test_role_assignment_list_and_show.yaml @ceb5eaa0: MCA roles, permissions, assignments
//	[R8] same folder, test_invoice_list.yaml @6771932d: MCA invoices (relative nextLink with raw
//	     blanks, seven-digit dates, payment dates with +00:00)
//	[R9] Azure/azure-powershell src/Billing/Billing.Test/SessionRecords/…InvoicesTests/
//	     TestGetModernInvoiceByBillingAccountNameAndInvoiceNameWithDownloadUrl.json @16220f6f:
//	     MCA download (operationResults under the invoice, result {url} alone)
//	[R10] Azure/azure-cli src/azure-cli/azure/cli/command_modules/consumption/tests/latest/
//	     recordings/test_consumption_usage_list.yaml @f26362c3 and
//	     test_list_usages_subscription_custom_date_range.yaml @f6a77cfc: older Consumption items,
//	     nextLink with raw $filter
//
// What follows a recording:
//   - EA account: enrollmentDetails startDate/endDate as .NET text "6/1/2020 12:00:00 AM +00:00",
//     countryCode and soldTo.country with a trailing blank ("US "), supportCoverage " - " [R1].
//   - Enrollment accounts: costCenter with two leading blanks ("  ENG-100"; recorded "  ABCD"),
//     startDate/endDate with seven fractional digits and Z [R3].
//   - Departments [R2]: nextLink relative, api-version then $skiptoken. Enrollment accounts [R3]
//     and billing subscriptions [R4]: relative, skiptoken (no '$') last, api-version before it.
//     Invoices [R8]: relative, $skiptoken first, periodStartDate/periodEndDate written
//     "2000-01-01 00:00:00Z" with a raw blank; the emulator takes that form back. Consumption
//     [R10]: $filter repeated raw (blanks, quotes). Links are followed only once a client
//     escapes the raw bytes: sent as is they are a malformed request line (400).
//   - EA billing subscriptions [R4]: enrollmentAccountId the bare account number,
//     purchaseDate 0001-01-01T00:00:00.0000000Z (none), enrollmentAccountSubscriptionDetails
//     with a bare enrollmentAccountStartDate ("2024-07-01"), productCategory UsageBased.
//   - Invoices: dates with seven fractional digits and Z, period ends at 23:59:59.9999999Z
//     [R5, R8]; MCA payment dates with +00:00 [R8]; EA payments amount, date and
//     paymentMethodFamily "Other" only [R5]. EA documents [R5]: Invoice, Summary and
//     Transactions, all with the invoice document's number, a url (…/download,
//     …/downloadSummary, …/transactionsDownload), source "Other", no name.
//   - Downloads: 202s of EA operations carry no Retry-After and a Location whose t= changes on
//     every answer [R5]; downloads poll operationResults under the invoice [R5, R9], EA
//     summaries and transactions an account-level operationResults/invoiceSummaryDownload_… /
//     transactionsDownload_… [R5]; results are {"url"} alone, the expiry only in se= [R5, R9].
//   - Roles and permissions as described above [R6, R7]; role assignments with createdOn
//     "…+00:00" and modifiedOn 0001-01-01T00:00:00+00:00 [R7]; checkAccess a bare array [R6].
//   - WithOlderConsumptionShape: the older Consumption item (no kind, usageStart/usageEnd,
//     usageQuantity, pretaxCost, currency, instanceId = ARM id, instanceName = short name, ids
//     without a leading slash) [R10]. The default stays kind "legacy" (the spec's shape; no
//     2019+ Consumption body was found recorded).
//
// Where the emulator still invents, nothing being recorded:
//   - MCA at 2024-04-01: no recorded invoice list or download; MCA documents keep a name, MCA
//     and MOSP 202s keep Retry-After (WithLRODelay; recorded 10 s at 2020-05-01 [R9]).
//   - nextLinks of billing profiles, invoice sections, role definitions/assignments,
//     permissions and Consumption pages stay absolute (none recorded relative); skip tokens are
//     the emulator's own (base64 offsets).
//   - The meaning of MCA permission ids (mcaPermissionMeaning) and the operations each role
//     allows; MOSP permission strings; the MOSP subscription download route's operation path.
//   - Padding is applied to every EA enrollment account's cost center and every EA country
//     (recorded on some values only); .NET dates carry the world's times.
//   - EA document urls carry no documentName (as recorded) but the emulator's download still
//     accepts documentName=<number>; blob paths, PDF and transactions CSV contents (the CSV's
//     columns are the emulator's own); the summary's blob name.
//   - Role descriptions; MPA customers and their roles (no MPA in the world).
//   - Cost Details reports, errors (401/403/404/429 bodies), MOSP invoices: shapes from the
//     spec and the service's documented errors, not from recordings.
//
// # Exports
//
// Cost Management exports (exports_routes.go, exports_output.go) at every scope the service
// takes: PUT, GET (with $expand=runHistory), list, DELETE, POST .../run with an optional
// timePeriod (at most a month, at most 7 years back) and GET .../runHistory, api-versions
// 2023-07-01-preview to 2025-03-01, request and answer shapes as in the REST spec's 2025-03-01
// examples (eTag checked on update; dataOverwriteBehavior defaults to CreateNewReport). A run
// writes its output through the azblob client given to SetExportStorage (Azurite in the tests),
// synchronously, before the run request is answered, and shows Completed in the history at once;
// the service queues runs and takes minutes (invented timing). The output is the manifest
// 2024-04-01 layout: parts named part_0_NNNN.csv, .csv.gz, .snappy.parquet or .parquet under
// ROOT/EXPORT/YYYYMMDD-YYYYMMDD/RUNID (overwrite: earlier runs of the period are deleted) or
// ROOT/EXPORT/YYYYMMDD-YYYYMMDD/YYYYMMDDHHMM/RUNID (CreateNewReport), manifest.json written last,
// runInfo.startDate without a zone and endDate with Z as in Microsoft's published example. Rows
// are the Cost Details rows (EA, MCA layouts); invented where no published answer exists: the
// FocusCost layout (a FOCUS 1.0 column subset whose BilledCost and EffectiveCost are both the
// actual cost), Parquet columns all optional strings (empty values null), the partition size
// (ExportStorageOptions), and the error answers: FocusCost at a MOSP or management group scope
// is 400 BadRequest "... not supported for this scope", a storage account id containing
// "firewalled" without identity is 400 naming the firewall, one containing "unregistered" is 400
// MissingSubscriptionRegistration (Microsoft.CostManagementExports), a run without storage is 400
// StorageAccountNotReachable. ExportRuns lists the runs performed, for tests.
//
// # Cost Details limits
//
// A generateCostDetailsReport request whose report would exceed WithUsageReportLimit bytes of
// CSV (default 2 GiB; SetUsageReportLimit changes it while running) is answered 413 with
// {"error":{"code":"413","message":"The amount of data required to fulfill the request exceeds
// the maximum size permitted of 2Gb. Please utilize our Exports feature instead."}} — the
// message the predecessor API documents; the code and the answer on the POST (not on a poll)
// are inferred (usage_limits.go). WithCostDetailsRateLimits (PublishedCostDetailsLimits, Scaled
// for fast tests) counts admitted requests in sliding windows per scope and for the whole
// emulator (its one tenant) and answers 429 {"error":{"code":"429","message":"Too many
// requests. Please retry."}} with x-ms-ratelimit-microsoft.costmanagement-entity-retry-after or
// -tenant-retry-after (seconds; with a fraction when the windows are scaled below a second);
// admitted answers carry x-ms-ratelimit-remaining-microsoft.costmanagement-entity-requests and
// -tenant-requests ("DefaultQuota:N"). Polls, the per-billing-account and per-application
// limits are not enforced. Throttled and TooLarge count the 429 and 413 answers.
// WithEASubscriptions adds many EA subscriptions for fan-out tests; WithUsageBlobsInMemory
// serves report blobs from memory (benchmarks).
//
// # Faults
//
// WithFaults and InjectFault install deterministic faults (see Fault): 429 with any throttle
// header, 5xx, connection resets and truncated bodies after N bytes, a wrong Content-Length, a
// slow first byte, an HTML page instead of JSON, an expired SAS. StorageFront puts a proxy in
// front of the storage account exports write to (Azurite), so that faults aimed at Storage hit
// the export reader's downloads too. Requests returns what the server received (Authorization
// values redacted).
package billingtest
