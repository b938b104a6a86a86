package api_test

// The transfer calls: whatever comes without an approved peer's signature is a 401, signed by
// this node, before its body is read as a transfer or a report. Whole transfers between two
// nodes are internal/app's TestTransferTwoNodes; what a node makes of a transfer, cases'
// TestReceiveTransfer.
var transferCallScenarios = []scenario{
	{name: "case transfer: unsigned", method: "POST", url: "/api/v1/federation/calls/case-transfer", as: anon,
		body: `{"version":1,"sending_node":"330000","case_number":"330100-20260302-000001","item_code":"X"}`, status: 401,
		want:       map[string]any{"error.kind": "unauthenticated", "error.message": zh("nodecall.error.headers")},
		wantHeader: map[string]string{"Yiwang-From": "350000"}},
	{name: "case transfer: a resident's session is no node's signature", method: "POST",
		url: "/api/v1/federation/calls/case-transfer", as: resident, body: `{}`, status: 401,
		want: map[string]any{"error.kind": "unauthenticated"}, wantHeader: map[string]string{"Yiwang-From": "350000"}},
	{name: "case status: unsigned", method: "POST", url: "/api/v1/federation/calls/case-status", as: anon,
		body: `{"version":1,"node":"330000","case_number":"350100-20260302-000001","status":"accepted"}`, status: 401,
		want:       map[string]any{"error.kind": "unauthenticated", "error.message": zh("nodecall.error.headers")},
		wantHeader: map[string]string{"Yiwang-From": "350000"}},
	{name: "case status: an official's session is no node's signature", method: "POST",
		url: "/api/v1/federation/calls/case-status", as: admin, body: `{}`, status: 401,
		want: map[string]any{"error.kind": "unauthenticated"}, wantHeader: map[string]string{"Yiwang-From": "350000"}},
}

// The officials' step that starts a transfer is among caseMainScenarios (cases_test.go).
func init() { nodeCallScenarios = append(nodeCallScenarios, transferCallScenarios...) }
