package acquirer_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yiwang-platform/yiwang/internal/acquirer"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/payments"
	"github.com/yiwang-platform/yiwang/internal/payments/paymentstest"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

func TestParseSignature(t *testing.T) {
	t.Parallel()
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	kid := acquirer.KeyID(pub)
	now := time.Unix(1_772_000_000, 0).UTC()
	body := []byte(`{"notify_id":"ntf_1"}`)
	good := acquirer.FormatSignature(now, kid, ed25519.Sign(key, append([]byte("1772000000."), body...)))
	if err := acquirer.VerifySignature(pub, good, body, now.Add(time.Minute)); err != nil {
		t.Fatalf("good signature: %v", err)
	}
	for _, tc := range []struct {
		name, header string
		body         []byte
		at           time.Time
		want         string
	}{
		{"missing", "", body, now, "acquirer.error.signature_missing"},
		{"no time", strings.Replace(good, "t=1772000000,", "", 1), body, now, "acquirer.error.signature_malformed"},
		{"two times", "t=1," + good, body, now, "acquirer.error.signature_malformed"},
		{"another algorithm", strings.Replace(good, "alg=ed25519", "alg=hmac", 1), body, now, "acquirer.error.signature_malformed"},
		{"unknown part", good + ",x=1", body, now, "acquirer.error.signature_malformed"},
		{"short signature", "t=1772000000,kid=" + kid + ",alg=ed25519,sig=AAAA", body, now, "acquirer.error.signature_malformed"},
		{"another key id", strings.Replace(good, kid, "0000000000000000", 1), body, now, "acquirer.error.signature_key"},
		{"too old", good, body, now.Add(acquirer.MaxSkew + time.Second), "acquirer.error.signature_time"},
		{"from the future", good, body, now.Add(-acquirer.MaxSkew - time.Second), "acquirer.error.signature_time"},
		{"another body", good, []byte(`{"notify_id":"ntf_2"}`), now, "acquirer.error.signature_bad"},
		{"huge", strings.Repeat("t=1,", 400), body, now, "acquirer.error.signature_malformed"},
	} {
		err := acquirer.VerifySignature(pub, tc.header, tc.body, tc.at)
		if errs.KindOf(err) != errs.Unauthenticated || errs.Public(err).Message != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}
}

func FuzzParseSignature(f *testing.F) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	now := time.Unix(1_772_000_000, 0)
	f.Add(acquirer.FormatSignature(now, acquirer.KeyID(pub), ed25519.Sign(key, []byte("1772000000.{}"))), []byte("{}"))
	f.Add("t=1,kid=a,alg=ed25519,sig=", []byte{})
	f.Add("t=-1,,==,sig=%%%", []byte("x"))
	f.Fuzz(func(t *testing.T, h string, body []byte) {
		s, err := acquirer.ParseSignature(h)
		if err != nil {
			if errs.KindOf(err) != errs.Unauthenticated {
				t.Fatalf("error of kind %s", errs.KindOf(err))
			}
			return
		}
		if len(s.Sig) != ed25519.SignatureSize || s.KeyID == "" || s.Time.IsZero() {
			t.Fatalf("accepted %q as %+v", h, s)
		}
		// Whatever parses round-trips to something that parses the same.
		again, err := acquirer.ParseSignature(acquirer.FormatSignature(s.Time, s.KeyID, s.Sig))
		if err != nil || !bytes.Equal(again.Sig, s.Sig) || again.KeyID != s.KeyID || !again.Time.Equal(s.Time) {
			t.Fatalf("round trip of %q: %+v %v", h, again, err)
		}
		_ = acquirer.VerifySignature(pub, h, body, now)
	})
}

func FuzzParseAuthorization(f *testing.F) {
	f.Add("YW-HMAC-SHA256 merchant=yiwang-fj,ts=1772000000,nonce=0123456789abcdef0123456789abcdef,sig=" + strings.Repeat("ab", 32))
	f.Add("YW-HMAC-SHA256 merchant=,ts=,nonce=,sig=")
	f.Add("Bearer abc")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := acquirer.ParseAuthorization(h)
		if err != nil {
			if errs.KindOf(err) != errs.Unauthenticated {
				t.Fatalf("error of kind %s", errs.KindOf(err))
			}
			return
		}
		if a.Merchant == "" || len(a.Sig) != 32 || len(a.Nonce) < 16 || a.Time.IsZero() {
			t.Fatalf("accepted %q as %+v", h, a)
		}
	})
}

// notificationSeeds are bodies the acquirer sends.
func notificationSeeds() [][]byte {
	var out [][]byte
	for _, n := range []acquirer.Notification{
		{NotifyID: "ntf_1", NotifyType: "payment", MerchantID: "yiwang-fj", OutTradeNo: "P35000026123456789012001",
			TransactionID: "SBX2026030212345678901234", TradeStatus: "SUCCESS", AmountFen: 15000, Method: "alipay"},
		{NotifyID: "ntf_2", NotifyType: "payment", MerchantID: "yiwang-fj", OutTradeNo: "P1", TransactionID: "SBX1", TradeStatus: "CLOSED"},
		{NotifyID: "ntf_3", NotifyType: "refund", MerchantID: "yiwang-fj", OutTradeNo: "P1", TransactionID: "SBX1", OutRefundNo: "R1",
			RefundID: "SBR1", RefundStatus: "SUCCESS", RefundFen: 500, AmountFen: 15000},
	} {
		b, _ := json.Marshal(n)
		out = append(out, b)
	}
	return out
}

// FuzzParseCallback feeds the channel client's callback parser signed bodies of any shape: it
// either refuses them as unreadable or returns a notification the platform can apply.
func FuzzParseCallback(f *testing.F) {
	for _, b := range notificationSeeds() {
		f.Add(b, false)
	}
	f.Add([]byte(`{"notify_type":"refund","refund_fen":-1}`), false)
	f.Add([]byte(`[]`), true)
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	now := time.Unix(1_772_000_000, 0)
	c, err := acquirer.NewClient(acquirer.ClientConfig{AcquirerURL: "https://acquirer.example", NotifyURL: "https://yiwang.example/cb",
		Credentials: acquirer.Credentials{MerchantID: "yiwang-fj", Secret: "s"}, PublicKey: pub, Clock: fixedClock(now)})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, forge bool) {
		sig := ed25519.Sign(key, append([]byte("1772000000."), body...))
		if forge {
			sig[0] ^= 1
		}
		n, err := c.ParseCallback(body, map[string]string{acquirer.SignatureHeader: acquirer.FormatSignature(now, acquirer.KeyID(pub), sig)})
		if forge {
			if errs.KindOf(err) != errs.Unauthenticated {
				t.Fatalf("forged body accepted: %v", err)
			}
			return
		}
		if err != nil {
			if errs.KindOf(err) != errs.Invalid {
				t.Fatalf("error of kind %s: %v", errs.KindOf(err), err)
			}
			return
		}
		if n.ID == "" || n.MerchantRef == "" || n.AmountFen < 0 || n.AmountFen > payments.MaxAmountFen ||
			(n.Kind != payments.KindPayment && n.Kind != payments.KindRefund) {
			t.Fatalf("parsed %q as %+v", body, n)
		}
	})
}

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// signedRequest builds a merchant request by hand, as a client that does not use acquirer.Client.
func signedRequest(t *testing.T, e *paymentstest.Env, method, path, auth string, body []byte) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, e.TS.URL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", auth)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestMerchantRequestsAuthenticated: the acquirer takes requests only with the merchant's
// signature, fresh, and once.
func TestMerchantRequestsAuthenticated(t *testing.T) {
	t.Parallel()
	e := paymentstest.New(t, store.SQLite)
	o := e.Order(e.Payer)
	e.Start(e.Payer, o.ID)
	ref := e.AttemptRef(o.ID)
	path := acquirer.BasePath + "/v1/payments/" + ref
	creds, err := e.Acquirer.Merchant(e.Ctx, "yiwang-fj", "福建省统一公共支付平台")
	if err != nil {
		t.Fatal(err)
	}
	now := e.Clock.Now()
	auth := acquirer.Authorize(creds, "GET", path, now, "00112233445566778899aabbccddeeff", nil)
	if resp := signedRequest(t, e, "GET", path, auth, nil); resp.StatusCode != 200 || resp.Header.Get(acquirer.SignatureHeader) == "" {
		t.Fatalf("signed query: %d", resp.StatusCode)
	}
	for _, tc := range []struct {
		name, auth string
	}{
		{"replayed", auth},
		{"no signature", ""},
		{"wrong secret", acquirer.Authorize(acquirer.Credentials{MerchantID: creds.MerchantID, Secret: "guess"}, "GET", path, now,
			"10112233445566778899aabbccddeeff", nil)},
		{"unknown merchant", acquirer.Authorize(acquirer.Credentials{MerchantID: "nobody", Secret: creds.Secret}, "GET", path, now,
			"20112233445566778899aabbccddeeff", nil)},
		{"stale", acquirer.Authorize(creds, "GET", path, now.Add(-10*time.Minute), "30112233445566778899aabbccddeeff", nil)},
		{"for another path", acquirer.Authorize(creds, "GET", path+"9", now, "40112233445566778899aabbccddeeff", nil)},
	} {
		if resp := signedRequest(t, e, "GET", path, tc.auth, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", tc.name, resp.StatusCode)
		}
	}
	// A merchant's reference belongs to it: another merchant does not find it.
	other, err := e.Acquirer.Merchant(e.Ctx, "other-merchant", "另一商户")
	if err != nil {
		t.Fatal(err)
	}
	if resp := signedRequest(t, e, "GET", path, acquirer.Authorize(other, "GET", path, now, "50112233445566778899aabbccddeeff", nil),
		nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another merchant's payment: %d", resp.StatusCode)
	}
}

// TestKeyPersistsAndSecretsSealed: a restarted acquirer signs with the same key, and with the
// key service neither its private key nor a merchant's secret is stored in clear.
func TestKeyPersistsAndSecretsSealed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := principal.With(context.Background(), principal.SystemPrincipal)
		ks, err := keys.New(db, keys.NewMasterKey(), keys.Options{})
		if err != nil {
			t.Fatal(err)
		}
		a1, err := acquirer.New(ctx, acquirer.Config{DB: db, Secrets: ks})
		if err != nil {
			t.Fatal(err)
		}
		creds, err := a1.Merchant(ctx, "yiwang-fj", "福建省统一公共支付平台")
		if err != nil {
			t.Fatal(err)
		}
		a2, err := acquirer.New(ctx, acquirer.Config{DB: db, Secrets: ks})
		if err != nil {
			t.Fatal(err)
		}
		if !a1.PublicKey().Equal(a2.PublicKey()) || a1.KeyID() != a2.KeyID() {
			t.Fatal("a restarted acquirer has another key")
		}
		again, err := a2.Merchant(ctx, "yiwang-fj", "福建省统一公共支付平台")
		if err != nil || again != creds {
			t.Fatalf("credentials after restart %+v %v", again, err)
		}
		body := []byte(`{}`)
		if err := acquirer.VerifySignature(a1.PublicKey(), a2.Sign(time.Now(), body), body, time.Now()); err != nil {
			t.Fatal(err)
		}
		var stored []struct {
			Private []byte `db:"private_key"`
		}
		if err := db.Select(ctx, &stored, `SELECT private_key FROM acquirer_keys`); err != nil || len(stored) != 1 {
			t.Fatal(len(stored), err)
		}
		var secrets [][]byte
		if err := db.Select(ctx, &secrets, `SELECT secret FROM acquirer_merchants`); err != nil {
			t.Fatal(err)
		}
		if stored[0].Private[0] != 1 || bytes.Contains(secrets[0], []byte(creds.Secret)) || secrets[0][0] != 1 {
			t.Error("stored in clear")
		}
		// Without the key service, it cannot open what was sealed.
		if _, err := acquirer.New(ctx, acquirer.Config{DB: db}); err == nil {
			t.Error("opened a sealed key without the key service")
		}
	})
}

// TestStatementSigned: the statement the client fetches is verified; one signed by another key
// is refused.
func TestStatementSigned(t *testing.T) {
	t.Parallel()
	e := paymentstest.New(t, store.SQLite)
	o := e.Order(e.Payer)
	e.PayAt(e.Start(e.Payer, o.ID), "alipay")
	lines, err := e.Client.Statement(context.Background(), e.Clock.Now())
	if err != nil || len(lines) != 1 || lines[0].AmountFen != 15000 || lines[0].MerchantRef != e.AttemptRef(o.ID) {
		t.Fatalf("statement %+v %v", lines, err)
	}
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	creds, _ := e.Acquirer.Merchant(e.Ctx, "yiwang-fj", "x")
	mistrusting, err := acquirer.NewClient(acquirer.ClientConfig{AcquirerURL: e.TS.URL + acquirer.BasePath, NotifyURL: e.TS.URL + "/cb",
		Credentials: creds, PublicKey: other, Clock: e.DB.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mistrusting.Statement(context.Background(), e.Clock.Now()); errs.KindOf(err) != errs.Unavailable {
		t.Errorf("statement under another key: %v", err)
	}
}

// FuzzHandleCallback feeds the platform signed callbacks of any shape for a paying order: the
// platform answers each with acknowledgement or a refusal it can explain (never an internal
// error), and the order is paid only by a notification that names its payment, its
// transaction and its amount.
func FuzzHandleCallback(f *testing.F) {
	for _, b := range notificationSeeds() {
		f.Add(b)
	}
	f.Add([]byte(`{"notify_id":"n","notify_type":"payment","merchant_id":"yiwang-fj","out_trade_no":"{ref}","transaction_id":"{txn}","trade_status":"SUCCESS","amount_fen":15000}`))
	f.Add([]byte(`{"notify_id":"n","notify_type":"payment","merchant_id":"yiwang-fj","out_trade_no":"{ref}","transaction_id":"{txn}","trade_status":"SUCCESS","amount_fen":14999}`))
	f.Add([]byte(`{"notify_id":"n","notify_type":"refund","merchant_id":"yiwang-fj","out_trade_no":"{ref}","transaction_id":"{txn}","out_refund_no":"R1","refund_id":"X","refund_status":"SUCCESS","refund_fen":1}`))
	e := paymentstest.New(f, store.SQLite)
	f.Fuzz(func(t *testing.T, body []byte) {
		e.T = t
		o := e.Order(e.Payer)
		e.Start(e.Payer, o.ID)
		attempts, err := e.Payments.Attempts(e.Ctx, principal.SystemPrincipal, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		a := attempts[0]
		body = bytes.ReplaceAll(bytes.ReplaceAll(body, []byte("{ref}"), []byte(a.ID)), []byte("{txn}"), []byte(a.ChannelTxn))
		err = e.Payments.HandleCallback(e.Ctx, "sandbox", body, map[string]string{acquirer.SignatureHeader: e.Acquirer.Sign(e.Clock.Now(), body)})
		if k := errs.KindOf(err); err != nil && k != errs.Invalid {
			t.Fatalf("HandleCallback(%q): %v", body, err)
		}
		got := e.Get(o.ID)
		if got.Status == payments.Paid {
			var n acquirer.Notification
			if json.Unmarshal(body, &n) != nil || n.OutTradeNo != a.ID || n.TransactionID != a.ChannelTxn || n.AmountFen != o.TotalFen ||
				n.TradeStatus != "SUCCESS" {
				t.Fatalf("paid by %q", body)
			}
		}
	})
}
