package acquirer

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"slices"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/i18n"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// The cashier (收银台) is the acquirer's own page, where the payer chooses how to pay and
// confirms, or cancels. In the sandbox no money moves: confirming is paying.

//go:embed templates/cashier.html templates/cashier.css
var cashierFS embed.FS

var cashierPage = template.Must(template.New("cashier.html").Funcs(template.FuncMap{
	"yuan": yuan,
}).ParseFS(cashierFS, "templates/cashier.html"))

// Methods are the sandbox's ways to pay, each standing in for a real one.
var Methods = []string{"alipay", "wechat", "unionpay"}

type cashierView struct {
	Lang                     i18n.Lang
	Langs                    []cashierLang
	Payment                  paymentRow
	Open, Paid, Closed       bool
	Methods                  []cashierMethod
	Error                    string
	Action, CancelAction     string
	ReturnURL, StylesheetURL string
}

type cashierLang struct {
	Lang        i18n.Lang
	Href, Label string
	Current     bool
}

type cashierMethod struct {
	Value, Label, Hint string
	Checked            bool
}

// T translates key into the page's language.
func (v cashierView) T(key string, args ...any) string { return i18n.T(v.Lang, key, args...) }

func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

func (a *Acquirer) paymentByID(r *http.Request) (paymentRow, error) {
	var p paymentRow
	id := r.PathValue("txn")
	if !refPattern.MatchString(id) {
		return p, errs.E(errs.NotFound, "acquirer.error.payment_not_found")
	}
	err := a.db.Get(r.Context(), &p, `SELECT `+paymentCols+` FROM acquirer_payments WHERE id = ?`, id)
	if errs.Is(err, errs.NotFound) {
		return p, errs.E(errs.NotFound, "acquirer.error.payment_not_found")
	}
	return p, err
}

func (a *Acquirer) renderCashier(w http.ResponseWriter, r *http.Request, status int, p paymentRow, chosen, errKey string) error {
	lang := i18n.Negotiate(r)
	if q := r.URL.Query().Get("lang"); q != "" {
		if l, ok := i18n.Parse(q); ok {
			lang = l
			i18n.SetCookie(w, r, l)
		}
	}
	now := a.db.Clock().Now()
	v := cashierView{Lang: lang, Payment: p, Paid: p.Status == "succeeded",
		Open:   p.Status == "pending" && now.Before(p.ExpiresAt),
		Action: a.cashierURL(p.ID) + "/pay", CancelAction: a.cashierURL(p.ID) + "/cancel", ReturnURL: p.ReturnURL,
		StylesheetURL: a.cfg.PublicURL + BasePath + "/cashier.css"}
	v.Closed = !v.Open && !v.Paid
	if errKey != "" {
		v.Error = i18n.T(lang, errKey)
	}
	if chosen == "" {
		chosen = Methods[0]
	}
	for _, m := range Methods {
		v.Methods = append(v.Methods, cashierMethod{Value: m, Label: i18n.T(lang, "acquirer.method."+m),
			Hint: i18n.T(lang, "acquirer.method_hint."+m), Checked: m == chosen})
	}
	for _, l := range i18n.All {
		v.Langs = append(v.Langs, cashierLang{Lang: l, Href: a.cashierURL(p.ID) + "?lang=" + string(l), Label: i18n.T(l, "lang.name"),
			Current: l == lang})
	}
	var buf bytes.Buffer
	if err := cashierPage.Execute(&buf, v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", string(lang))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

func (a *Acquirer) cashier(w http.ResponseWriter, r *http.Request) error {
	p, err := a.paymentByID(r)
	if err != nil {
		return err
	}
	return a.renderCashier(w, r, http.StatusOK, p, "", "")
}

func (a *Acquirer) cashierPay(w http.ResponseWriter, r *http.Request) error {
	p, err := a.paymentByID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.Wrapf(errs.Invalid, err, "error.invalid")
	}
	method := r.PostFormValue("method")
	if !slices.Contains(Methods, method) {
		return a.renderCashier(w, r, http.StatusBadRequest, p, "", "acquirer.error.method")
	}
	faults := a.takeFaults(p.OutTradeNo)
	paid := false
	err = a.db.Transact(r.Context(), func(tx *store.Tx) error {
		if err := tx.Get(r.Context(), &p, `SELECT `+paymentCols+` FROM acquirer_payments WHERE id = ?`, p.ID); err != nil {
			return err
		}
		if p.Status != "pending" || !tx.Now.Before(p.ExpiresAt) {
			paid = false
			return nil
		}
		if _, err := tx.Exec(r.Context(), `UPDATE acquirer_payments SET status = 'succeeded', method = ?, paid_at = ? WHERE id = ?`,
			method, tx.Now, p.ID); err != nil {
			return err
		}
		paid = true
		return a.enqueueTx(r.Context(), tx, p, p.NotifyURL, Notification{NotifyType: "payment", TradeStatus: wireSuccess,
			AmountFen: p.AmountFen, Method: method, EventTime: tx.Now}, faults)
	})
	if err != nil {
		return err
	}
	if !paid {
		// Paid, cancelled or expired meanwhile: the page says which.
		return a.renderCashier(w, r, http.StatusConflict, p, method, "acquirer.error.not_open")
	}
	a.Wake()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, p.ReturnURL, http.StatusSeeOther)
	return nil
}

func (a *Acquirer) cashierCancel(w http.ResponseWriter, r *http.Request) error {
	p, err := a.paymentByID(r)
	if err != nil {
		return err
	}
	if _, err := a.close(r.Context(), p.ID, false); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, p.ReturnURL, http.StatusSeeOther)
	return nil
}

func (a *Acquirer) cashierCSS(w http.ResponseWriter, r *http.Request) error {
	b, err := cashierFS.ReadFile("templates/cashier.css")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err = w.Write(b)
	return err
}
