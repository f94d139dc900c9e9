// Package billingtest is an in-process emulator of the Azure billing APIs: an HTTPS server that
// speaks the real Microsoft.Billing ARM protocol (api-version 2024-04-01 shapes), seeded with a
// deterministic world, so that the azbilling SDK — and Azure's own generated clients such as
// armbilling — can be tested without an Azure tenant.
//
//	srv := billingtest.NewServer(t)                                   // closed when the test ends
//	c, err := billing.NewClient(srv.Credential(billingtest.MCAProfileOwner), srv.ClientOptions())
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
// Role definition ids are the real ones (e.g. 40000000-aaaa-bbbb-cccc-100000000004 = Invoice
// manager, fb2cf67f-be5b-42e7-8025-4683c668f840 = Department administrator).
//
// # Permissions
//
// billingPermissions and checkAccess use the agreement's vocabulary. MCA: GUID permission ids
// {prefix}-aaaa-bbbb-cccc-2000000000NN with prefix 10000000 (billing account), 40000000 (billing
// profile) or 30000000 (invoice section); the NN table is the emulator's own (the service
// publishes none): 00 read, 01 write, 02 read role assignments, 03 write role assignments,
// 04 read permissions, 05 read policies, 06 view invoices, 07 download invoices, 08 view charges,
// 09 write policies, 11 update invoice e-mail preference. EA and MOSP: action strings
// Microsoft.Billing/billingAccounts[/departments|/enrollmentAccounts]/{read,write,
// billingRoleAssignments/read,…}, Microsoft.Billing/billingAccounts/invoices/read,
// Microsoft.Billing/billingAccounts/invoices/download/action,
// Microsoft.Billing/billingAccounts/enrollmentPolicies/read and
// Microsoft.Consumption/usageDetails/read (view charges; for EA department administrators and
// account owners only while the corresponding view-charges policy is Allowed).
//
// Role → allowed operations (the emulator's own table): MOSP account administrator, EA
// enrollment administrator and MCA billing account/profile owner: everything; contributors:
// everything but role assignment changes; enrollment reader and MCA readers: read, invoices,
// downloads, charges, policies and role reads (no e-mail change); invoice manager: read,
// invoices, downloads, the profile's charges, e-mail preference; department administrator/reader and
// account owner: read and (policy permitting) charges, no invoices; invoice section roles: read
// and charges of the section.
//
// # Protocol
//
// Paths, JSON names and query names (top, skip, filter without '$') follow 2024-04-01. Literal
// path segments match case-insensitively; the MCA account name may be sent raw or with ':' as
// %3A. Each route checks its api-version (400 InvalidApiVersionParameter, or
// MissingApiVersionParameter). Lists page with an absolute nextLink that repeats the request's
// query with a $skiptoken (WithPageSize). Unknown resources answer 404 ResourceNotFound, unknown
// routes 404 NotFound. A billing profile PUT is a long-running operation: 202 with Location and
// Retry-After, polled WithLRODelay times (default: Retry-After 0, one extra 202), then 200 with
// the profile. Every ARM response carries x-ms-request-id, x-ms-correlation-request-id (the
// client's, if sent) and an x-ms-ratelimit-remaining-{tenant,subscription}-{reads,writes} header.
// Blob URLs carry a SAS (sv, sr=b, sp=r, st, se, sig) checked against the world clock
// (AdvanceClock expires them without waiting); Range requests get 206 with Content-Range.
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
// slow first byte, an HTML page instead of JSON, an expired SAS. Requests returns what the server
// received (Authorization values redacted).
package billingtest
