// Package conformance holds the wire-conformance tests of azbilling. It is a separate module so
// that the SDK's own go.mod does not depend on Azure's generated clients; .ci/run tests it with
// every other nested module.
//
// Two suites prove that both halves speak the real protocol:
//
//   - official_*_test.go: Azure's own generated Go clients (armbilling v1.0.0 = Microsoft.Billing
//     2024-04-01, armcostmanagement/v3 = Cost Details 2025-03-01, armconsumption v1.2.0 =
//     usage details 2021-10-01) drive the billingtest emulator. Every call must succeed, every
//     response must survive a round trip through the official model (no field the model does
//     not know, no value it decodes differently; see roundTrip), and the decoded values must be
//     the emulator's seeded ground truth (World, Invoices, DocumentBytes, UsageRowCount, ...).
//   - spec_*_test.go: the example responses Azure publishes with its API specifications
//     (testdata/specexamples, origins in its README) are served verbatim — status, header names
//     as spelled, body bytes — and the azbilling client (billing, invoice, email, usage) must
//     decode each into the right typed values, plus derived cases made from them at test time:
//     unknown enum values, missing optional fields, ids without a leading slash.
package conformance
