package api

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/yiwang-platform/yiwang/internal/cases"
	"github.com/yiwang-platform/yiwang/internal/errs"
)

// FuzzTransferCall reads a peer node's transfer as the case-transfer call does, and checks it as
// the receiving node does before anything is stored: whatever the body, an errs.Invalid or a
// transfer whose signed form reads back the same.
func FuzzTransferCall(f *testing.F) {
	for _, s := range []string{
		`{"version":1,"sending_node":"350000","case_number":"330100-20260302-000001","item_code":"X","item_version":1,` +
			`"handling_org":"zj-hangzhou-healthcare","receiving_org":"fz-market-regulation","channel":"window",` +
			`"applicant":{"kind":"person","id_type":"resident_id","id_number":"350102198804170135","name":"张晓明"},` +
			`"form":{"address":"杭州","mobile":"13905911234"},"materials":[{"code":"referral","status":"provided",` +
			`"file_name":"a.pdf","format":"pdf","sha256":"8e1d4f0ad5c4b7d0c48d2d42a0f8c3a0a1d2f3c4b5a6978877665544332211ff",` +
			`"content":"JVBERi0xLjcK"}],"submitted_at":"2026-03-02T09:00:00Z","transferred_at":"2026-03-02T10:00:00Z",` +
			`"signature":"c2ln"}`,
		`{"version":1,"sending_node":"350000","case_number":"N","item_code":"X","applicant":{"id_type":"t","id_number":"n"},` +
			`"materials":[{"code":"a","status":"provided","content":"","sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}]}`,
		`{"version":2}`, `{}`, ``, `[]`, `{"version":1} {}`, `{"form":{"a":[1e999]}}`, `{"materials":[{"content":"%%%"}]}`,
		`{"signature":1}`, `{"unknown":true}`, `{"case_number":"\ud800"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var tr cases.Transfer
		err := decodeCall([]byte(body), &tr)
		if err == nil {
			err = tr.Check()
		}
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("body %q: %v (kind %s)", body, err, errs.KindOf(err))
			}
			return
		}
		b, err := json.Marshal(tr)
		if err != nil {
			t.Fatalf("body %q: the transfer does not encode: %v", body, err)
		}
		var back cases.Transfer
		if err := decodeCall(b, &back); err != nil || back.Check() != nil || !bytes.Equal(back.SigningBytes(), tr.SigningBytes()) {
			t.Fatalf("body %q: the transfer does not read back as signed (%v)", body, err)
		}
	})
}

// FuzzTransferStatusCall reads a status report as the case-status call does: an errs.Invalid,
// or a report whose signed form reads back the same.
func FuzzTransferStatusCall(f *testing.F) {
	for _, s := range []string{
		`{"version":1,"node":"330000","case_number":"350100-20260302-000001","remote_number":"330100-20260302-000001",` +
			`"status":"approved","outcome":"approved","at":"2026-03-02T10:00:00Z","note":"准予备案",` +
			`"decision_sha256":"9f2c","signature":"c2ln"}`,
		`{"version":1,"status":"lost"}`, `{"at":"yesterday"}`, `{}`, ``, `{"signature":"%%%"}`, `{"x":1}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var ts cases.TransferStatus
		if err := decodeCall([]byte(body), &ts); err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("body %q: %v (kind %s)", body, err, errs.KindOf(err))
			}
			return
		}
		b, err := json.Marshal(ts)
		if err != nil {
			t.Fatalf("body %q: the report does not encode: %v", body, err)
		}
		var back cases.TransferStatus
		if err := decodeCall(b, &back); err != nil || !bytes.Equal(back.SigningBytes(), ts.SigningBytes()) {
			t.Fatalf("body %q: the report does not read back as signed (%v)", body, err)
		}
	})
}
