package cases

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/formschema"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// maxText bounds notes, reasons, opinions and messages, in characters.
const maxText = 2000

// cleanText trims a text and checks it: required when required, at most maxText characters,
// no control characters but newlines and tabs.
func cleanText(field, s string, required bool) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case !utf8.ValidString(s):
		return "", errs.Field(field, "cases.error.text_encoding")
	case required && s == "":
		return "", errs.Field(field, "cases.error.text_required")
	case utf8.RuneCountInString(s) > maxText:
		return "", errs.Field(field, "cases.error.text_too_long", maxText)
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }):
		return "", errs.Field(field, "cases.error.text_encoding")
	}
	return s, nil
}

// step is one workflow transition: it loads the case in a transaction, lets check refuse it
// (authorisation and status, re-checked inside the transaction), applies do, and saves.
type step struct {
	action string // audit action
	check  func(r *row) error
	do     func(ctx context.Context, tx *store.Tx, r *row) error
}

// run runs st on case id for p. The check runs first outside the transaction (so that a case
// p may not see is NotFound before anything else), then again inside it.
func (s *Service) run(ctx context.Context, p principal.Principal, id string, st step) (*row, error) {
	r, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := st.check(r); err != nil {
		return nil, err
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		var err error
		if r, err = s.loadTx(ctx, tx, id); err != nil {
			return err
		}
		if err := st.check(r); err != nil {
			return err
		}
		before := r.Status
		if err := st.do(ctx, tx, r); err != nil {
			return err
		}
		if err := save(ctx, tx, r); err != nil {
			return err
		}
		if err := change(ctx, tx, st.action, r, before, nil); err != nil {
			return err
		}
		return s.updateParent(ctx, tx, p, r)
	})
	return r, err
}

// itemCase refuses a bundle's parent, which has no workflow of its own.
func (r *row) itemCase() error {
	if r.isParent() {
		return errs.E(errs.Conflict, "cases.error.bundle_parent")
	}
	return nil
}

func all(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// Accept accepts a submitted case (受理) as a window officer of its handling organisation: the
// statutory clock starts. Returns errs.Conflict in another status.
func (s *Service) Accept(ctx context.Context, p principal.Principal, id, note string) (c Case, err error) {
	defer errs.Wrap(&err, "cases.Accept(%s)", id)
	if note, err = cleanText("note", note, false); err != nil {
		return c, err
	}
	r, err := s.run(ctx, p, id, step{action: "cases.accept",
		check: func(r *row) error {
			return all(r.mayHandle(p, principal.RoleWindowOfficer), r.itemCase(), r.requireStatus(StatusSubmitted))
		},
		do: func(ctx context.Context, tx *store.Tx, r *row) error {
			r.Status = StatusAccepted
			started := s.startClock(r, tx.Now)
			if err := addEvents(ctx, tx, r.ID, p, timelineEntry{kind: EventAccepted, note: note}, started); err != nil {
				return err
			}
			pl := payload(r, tx.Now)
			pl.Status = StatusAccepted
			if err := enqueue(ctx, tx, TopicAccepted, pl); err != nil {
				return err
			}
			return s.tellApplicant(ctx, tx, r, "cases.notice.accepted")
		}})
	if err != nil {
		return c, err
	}
	return s.view(ctx, p, r)
}

// RequestMaterials asks the applicant for materials (補正), listing every one at once (the
// once-only notice principle: what was asked is kept). Before acceptance a window officer asks;
// after it a window officer or a reviewer, and the clock pauses until the applicant resubmits.
// Returns errs.Invalid for an empty list, an unknown material or a missing note.
func (s *Service) RequestMaterials(ctx context.Context, p principal.Principal, id string, materials []string, note string) (c Case, err error) {
	defer errs.Wrap(&err, "cases.RequestMaterials(%s)", id)
	if note, err = cleanText("note", note, true); err != nil {
		return c, err
	}
	codes := slices.Compact(slices.Sorted(slices.Values(materials)))
	if len(codes) == 0 {
		return c, errs.Field("materials", "cases.error.materials_required")
	}
	r, err := s.run(ctx, p, id, step{action: "cases.request_materials",
		check: func(r *row) error {
			if err := all(r.itemCase(), r.requireStatus(StatusSubmitted, StatusAccepted, StatusReviewed)); err != nil {
				if !r.visible(p) {
					return errNotFound()
				}
				return err
			}
			roles := []string{principal.RoleWindowOfficer}
			if r.Status != StatusSubmitted {
				roles = append(roles, principal.RoleReviewer)
			}
			if err := r.mayHandle(p, roles...); err != nil {
				return err
			}
			if r.ClockState == ClockPaused {
				return errs.E(errs.Conflict, "cases.error.procedure_running")
			}
			specs, err := r.materialSpecs()
			if err != nil {
				return err
			}
			for _, code := range codes {
				if indexOf(specs, code) < 0 {
					return errs.Field("materials", "cases.error.material_unknown")
				}
			}
			return nil
		},
		do: func(ctx context.Context, tx *store.Tx, r *row) error {
			for _, code := range codes {
				res, err := tx.Exec(ctx, `UPDATE case_materials SET status = 'requested' WHERE case_id = ? AND code = ?`, r.ID, code)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 0 {
					if _, err := tx.Exec(ctx, `INSERT INTO case_materials (`+materialColumns+`) VALUES (?, ?, 'requested', NULL, '', '', 0, ?, ?, '', '')`,
						r.ID, code, p.Actor(), tx.Now); err != nil {
						return err
					}
				}
			}
			list, _ := json.Marshal(codes)
			if _, err := tx.Exec(ctx, `INSERT INTO case_supplements (case_id, materials, note, during, requested_by, requested_at)
				VALUES (?, ?, ?, ?, ?, ?)`, r.ID, string(list), note, string(r.Status), p.Actor(), tx.Now); err != nil {
				return err
			}
			es := []timelineEntry{{kind: EventMaterialsRequested, note: note, detail: map[string]any{"materials": codes}}}
			es = append(es, s.pauseClock(r, tx.Now, PauseSupplement)...)
			r.ResumeStatus, r.Status = r.Status, StatusSupplementRequested
			if err := addEvents(ctx, tx, r.ID, p, es...); err != nil {
				return err
			}
			pl := payload(r, tx.Now)
			pl.Materials = codes
			if err := enqueue(ctx, tx, TopicMaterialRequested, pl); err != nil {
				return err
			}
			return s.tellApplicant(ctx, tx, r, "cases.notice.materials_requested")
		}})
	if err != nil {
		return c, err
	}
	return s.view(ctx, p, r)
}

// resolveSupplement closes the case's open request for materials, if any.
func resolveSupplement(ctx context.Context, tx *store.Tx, id string) error {
	_, err := tx.Exec(ctx, `UPDATE case_supplements SET resolved_at = ? WHERE case_id = ? AND resolved_at IS NULL`, tx.Now, id)
	return err
}

// Resubmit hands the case back after the materials asked for were supplied (each must have been
// attached since the request): the case returns to the status it had and the clock, if it was
// paused, runs again. The applicant resubmits, or the window that collected the case for the
// person. Returns *formschema.Errors naming the materials still missing.
func (s *Service) Resubmit(ctx context.Context, p principal.Principal, id string) (c Case, err error) {
	defer errs.Wrap(&err, "cases.Resubmit(%s)", id)
	r0, err := s.load(ctx, id)
	if err != nil {
		return c, err
	}
	if err := r0.mayActForApplicant(p); err != nil {
		return c, err
	}
	var notify []int64
	if r0.ResumeStatus == StatusSubmitted {
		notify, err = s.officials(ctx, r0.HandlingOrg, principal.RoleWindowOfficer)
	} else {
		notify, err = s.officials(ctx, r0.HandlingOrg, principal.RoleWindowOfficer, principal.RoleReviewer)
	}
	if err != nil {
		return c, err
	}
	r, err := s.run(ctx, p, id, step{action: "cases.resubmit",
		check: func(r *row) error {
			return all(r.mayActForApplicant(p), r.requireStatus(StatusSupplementRequested))
		},
		do: func(ctx context.Context, tx *store.Tx, r *row) error {
			ms, err := materialsTx(ctx, tx, r.ID)
			if err != nil {
				return err
			}
			specs, err := r.materialSpecs()
			if err != nil {
				return err
			}
			var missing []formschema.FieldError
			for _, m := range materialsView(specs, ms) {
				if m.Status == MaterialRequested {
					missing = append(missing, formschema.FieldError{Field: MaterialField(m.Code),
						Key: "cases.error.material_missing", Args: []any{m.NameHans}})
				}
			}
			if len(missing) > 0 {
				return &formschema.Errors{Fields: missing}
			}
			if err := resolveSupplement(ctx, tx, r.ID); err != nil {
				return err
			}
			r.Status, r.ResumeStatus = r.ResumeStatus, ""
			if r.Status == "" {
				r.Status = StatusSubmitted
			}
			es := append([]timelineEntry{{kind: EventResubmitted}}, s.resumeClock(r, tx.Now)...)
			if err := addEvents(ctx, tx, r.ID, p, es...); err != nil {
				return err
			}
			return s.tellOfficials(ctx, tx, r, notify, "cases.notice.resubmitted")
		}})
	if err != nil {
		return c, err
	}
	return s.view(ctx, p, r)
}

// Reject refuses a case at acceptance (不予受理), with reasons, as a window officer of its
// handling organisation: from submitted, or from a request for materials made before acceptance.
func (s *Service) Reject(ctx context.Context, p principal.Principal, id, reasons string) (c Case, err error) {
	defer errs.Wrap(&err, "cases.Reject(%s)", id)
	if reasons, err = cleanText("reasons", reasons, true); err != nil {
		return c, err
	}
	r, err := s.run(ctx, p, id, step{action: "cases.reject",
		check: func(r *row) error {
			if err := all(r.mayHandle(p, principal.RoleWindowOfficer), r.itemCase()); err != nil {
				return err
			}
			if r.Status == StatusSupplementRequested && r.ResumeStatus == StatusSubmitted {
				return nil
			}
			return r.requireStatus(StatusSubmitted)
		},
		do: func(ctx context.Context, tx *store.Tx, r *row) error {
			if err := resolveSupplement(ctx, tx, r.ID); err != nil {
				return err
			}
			r.Status, r.ResumeStatus, r.Reasons, r.CompletedAt = StatusNotAccepted, "", reasons, &tx.Now
			if err := addEvents(ctx, tx, r.ID, p, timelineEntry{kind: EventNotAccepted, note: reasons}); err != nil {
				return err
			}
			if err := enqueue(ctx, tx, TopicCompleted, payload(r, tx.Now)); err != nil {
				return err
			}
			return s.tellApplicant(ctx, tx, r, "cases.notice.not_accepted")
		}})
	if err != nil {
		return c, err
	}
	return s.view(ctx, p, r)
}

// Review records a reviewer's opinion (審查意見, shown to officials only) on an accepted case;
// the case then waits for the decision. Not while a special procedure runs.
func (s *Service) Review(ctx context.Context, p principal.Principal, id, opinion string) (c Case, err error) {
	defer errs.Wrap(&err, "cases.Review(%s)", id)
	if opinion, err = cleanText("opinion", opinion, true); err != nil {
		return c, err
	}
	r, err := s.run(ctx, p, id, step{action: "cases.review",
		check: func(r *row) error {
			if err := all(r.mayHandle(p, principal.RoleReviewer), r.itemCase(), r.requireStatus(StatusAccepted)); err != nil {
				return err
			}
			if r.ClockState == ClockPaused {
				return errs.E(errs.Conflict, "cases.error.procedure_running")
			}
			return nil
		},
		do: func(ctx context.Context, tx *store.Tx, r *row) error {
			r.Status = StatusReviewed
			return addEvents(ctx, tx, r.ID, p, timelineEntry{kind: EventReviewed, internal: true, note: opinion})
		}})
	if err != nil {
		return c, err
	}
	return s.view(ctx, p, r)
}

// StartProcedure starts a special procedure (hearing, expert review, inspection…) on an
// accepted or reviewed case, as a reviewer or approver of its handling organisation: the clock
// pauses until EndProcedure. Returns errs.Conflict while another pause is open.
func (s *Service) StartProcedure(ctx context.Context, p principal.Principal, id string, kind ProcedureKind, note string) (c Case, err error) {
	defer errs.Wrap(&err, "cases.StartProcedure(%s, %s)", id, kind)
	if !slices.Contains(ProcedureKinds, kind) {
		return c, errs.Field("kind", "cases.error.procedure_kind")
	}
	if note, err = cleanText("note", note, false); err != nil {
		return c, err
	}
	r, err := s.run(ctx, p, id, step{action: "cases.start_procedure",
		check: func(r *row) error {
			if err := all(r.mayHandle(p, principal.RoleReviewer, principal.RoleApprover), r.itemCase(),
				r.requireStatus(StatusAccepted, StatusReviewed)); err != nil {
				return err
			}
			if r.ClockState != ClockRunning {
				return errs.E(errs.Conflict, "cases.error.procedure_running")
			}
			return nil
		},
		do: func(ctx context.Context, tx *store.Tx, r *row) error {
			if _, err := tx.Exec(ctx, `INSERT INTO case_procedures (case_id, kind, note, started_by, started_at) VALUES (?, ?, ?, ?, ?)`,
				r.ID, string(kind), note, p.Actor(), tx.Now); err != nil {
				return err
			}
			es := append([]timelineEntry{{kind: EventProcedureStarted, note: note, detail: map[string]any{"procedure": string(kind)}}},
				s.pauseClock(r, tx.Now, PauseProcedure)...)
			if err := addEvents(ctx, tx, r.ID, p, es...); err != nil {
				return err
			}
			return s.tellApplicant(ctx, tx, r, "cases.notice.procedure_started")
		}})
	if err != nil {
		return c, err
	}
	return s.view(ctx, p, r)
}

// EndProcedure ends the running special procedure with its result; the clock runs again, its
// due date moved by the working days the procedure took.
func (s *Service) EndProcedure(ctx context.Context, p principal.Principal, id, result string) (c Case, err error) {
	defer errs.Wrap(&err, "cases.EndProcedure(%s)", id)
	if result, err = cleanText("result", result, false); err != nil {
		return c, err
	}
	r, err := s.run(ctx, p, id, step{action: "cases.end_procedure",
		check: func(r *row) error {
			if err := all(r.mayHandle(p, principal.RoleReviewer, principal.RoleApprover), r.itemCase()); err != nil {
				return err
			}
			if r.ClockState != ClockPaused || r.PauseReason != PauseProcedure {
				return errs.E(errs.Conflict, "cases.error.no_procedure")
			}
			return nil
		},
		do: func(ctx context.Context, tx *store.Tx, r *row) error {
			if _, err := tx.Exec(ctx, `UPDATE case_procedures SET ended_by = ?, ended_at = ?, result = ? WHERE case_id = ? AND ended_at IS NULL`,
				p.Actor(), tx.Now, result, r.ID); err != nil {
				return err
			}
			es := append([]timelineEntry{{kind: EventProcedureEnded, note: result}}, s.resumeClock(r, tx.Now)...)
			if err := addEvents(ctx, tx, r.ID, p, es...); err != nil {
				return err
			}
			return s.tellApplicant(ctx, tx, r, "cases.notice.procedure_ended")
		}})
	if err != nil {
		return c, err
	}
	return s.view(ctx, p, r)
}

// withdrawable reports whether a case in status st may still be withdrawn.
func withdrawable(st Status) bool {
	switch st {
	case StatusDraft, StatusSubmitted, StatusSupplementRequested, StatusAccepted, StatusReviewed:
		return true
	}
	return false
}

// Withdraw withdraws a case before its decision, as its applicant. For a bundle it withdraws
// every one of its cases not decided yet. Returns errs.Conflict once decided.
func (s *Service) Withdraw(ctx context.Context, p principal.Principal, id, reason string) (c Case, err error) {
	defer errs.Wrap(&err, "cases.Withdraw(%s)", id)
	if reason, err = cleanText("reason", reason, false); err != nil {
		return c, err
	}
	r, err := s.load(ctx, id)
	if err != nil {
		return c, err
	}
	if err := r.mayApply(p); err != nil {
		return c, err
	}
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		r, err = s.loadTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if !r.isParent() || r.Status == StatusDraft {
			if !withdrawable(r.Status) {
				return errs.E(errs.Conflict, "cases.error.wrong_status", string(r.Status))
			}
			if err := s.withdrawTx(ctx, tx, p, r, reason); err != nil {
				return err
			}
			return s.updateParent(ctx, tx, p, r)
		}
		var ids []string
		if err := tx.Select(ctx, &ids, `SELECT id FROM cases WHERE parent_id = ? ORDER BY item_code`, r.ID); err != nil {
			return err
		}
		n := 0
		var last *row
		for _, cid := range ids {
			child, err := s.loadTx(ctx, tx, cid)
			if err != nil {
				return err
			}
			if !withdrawable(child.Status) {
				continue
			}
			if err := s.withdrawTx(ctx, tx, p, child, reason); err != nil {
				return err
			}
			n++
			last = child
		}
		if n == 0 {
			return errs.E(errs.Conflict, "cases.error.wrong_status", string(r.Status))
		}
		if err := s.updateParent(ctx, tx, p, last); err != nil {
			return err
		}
		r, err = s.loadTx(ctx, tx, id)
		return err
	})
	if err != nil {
		return c, err
	}
	return s.view(ctx, p, r)
}

// withdrawTx withdraws one case in tx.
func (s *Service) withdrawTx(ctx context.Context, tx *store.Tx, p principal.Principal, r *row, reason string) error {
	before := r.Status
	if err := resolveSupplement(ctx, tx, r.ID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE case_procedures SET ended_by = ?, ended_at = ?, result = 'withdrawn' WHERE case_id = ? AND ended_at IS NULL`,
		p.Actor(), tx.Now, r.ID); err != nil {
		return err
	}
	es := append([]timelineEntry{{kind: EventWithdrawn, note: reason}}, s.stopClock(r, tx.Now)...)
	r.Status, r.ResumeStatus, r.CompletedAt = StatusWithdrawn, "", &tx.Now
	if err := save(ctx, tx, r); err != nil {
		return err
	}
	if err := addEvents(ctx, tx, r.ID, p, es...); err != nil {
		return err
	}
	if err := change(ctx, tx, "cases.withdraw", r, before, nil); err != nil {
		return err
	}
	if before == StatusDraft || r.isParent() {
		return nil
	}
	return enqueue(ctx, tx, TopicCompleted, payload(r, tx.Now))
}

// Deliver records that the decision reached the applicant (送達): electronically, by post, or
// picked up. A window officer of the handling organisation delivers; one of the receiving
// window may hand it over by pickup. The case is then completed.
func (s *Service) Deliver(ctx context.Context, p principal.Principal, id string, method DeliveryMethod) (c Case, err error) {
	defer errs.Wrap(&err, "cases.Deliver(%s)", id)
	if method != DeliveryElectronic && method != DeliveryPickup && method != DeliveryPost {
		return c, errs.Field("method", "cases.error.delivery_method")
	}
	r, err := s.run(ctx, p, id, step{action: "cases.deliver",
		check: func(r *row) error {
			if err := r.mayHandle(p, principal.RoleWindowOfficer); err != nil {
				if !(method == DeliveryPickup && r.receives(p) && p.HasRole(principal.RoleWindowOfficer)) {
					return err
				}
			}
			return all(r.itemCase(), r.requireStatus(StatusApproved, StatusDenied))
		},
		do: func(ctx context.Context, tx *store.Tx, r *row) error {
			r.Status, r.CompletedAt, r.DeliveryMethod, r.DeliveredBy = StatusCompleted, &tx.Now, string(method), p.Actor()
			if err := addEvents(ctx, tx, r.ID, p, timelineEntry{kind: EventDelivered, detail: map[string]any{"method": string(method)}},
				timelineEntry{kind: EventCompleted}); err != nil {
				return err
			}
			if err := enqueue(ctx, tx, TopicCompleted, payload(r, tx.Now)); err != nil {
				return err
			}
			return s.tellApplicant(ctx, tx, r, "cases.notice.delivered")
		}})
	if err != nil {
		return c, err
	}
	return s.view(ctx, p, r)
}

// MarkPaid records that the fee order of an approved case was paid; the platform calls it on
// payment.paid. The case moves on to delivery. Calling it again for the same order does nothing;
// another order than the case's is errs.Conflict.
func (s *Service) MarkPaid(ctx context.Context, caseID, orderID string) (err error) {
	defer errs.Wrap(&err, "cases.MarkPaid(%s, %s)", caseID, orderID)
	if !principal.From(ctx).Authenticated() {
		ctx = principal.With(ctx, principal.SystemPrincipal)
	}
	sys := principal.SystemPrincipal
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		r, err := s.loadTx(ctx, tx, caseID)
		if err != nil {
			return err
		}
		if r.FeeOrderID == "" || r.FeeOrderID != orderID {
			return errs.E(errs.Conflict, "cases.error.fee_order")
		}
		if r.PaidAt != nil {
			return nil
		}
		if err := r.requireStatus(StatusAwaitingPayment); err != nil {
			return err
		}
		before := r.Status
		r.Status, r.PaidAt = StatusApproved, &tx.Now
		if err := save(ctx, tx, r); err != nil {
			return err
		}
		if err := addEvents(ctx, tx, r.ID, sys, timelineEntry{kind: EventPaid, detail: map[string]any{"order": orderID}}); err != nil {
			return err
		}
		if err := change(ctx, tx, "cases.paid", r, before, map[string]any{"order": orderID}); err != nil {
			return err
		}
		return s.tellApplicant(ctx, tx, r, "cases.notice.paid")
	})
}

// updateParent brings a bundle's parent in line with its cases after child changed.
func (s *Service) updateParent(ctx context.Context, tx *store.Tx, p principal.Principal, child *row) error {
	if child.ParentID == nil {
		return nil
	}
	parent, err := s.loadTx(ctx, tx, *child.ParentID)
	if err != nil {
		return err
	}
	var kids []row
	if err := tx.Select(ctx, &kids, `SELECT `+summaryColumns+` FROM cases WHERE parent_id = ?`, parent.ID); err != nil {
		return err
	}
	for i := range kids {
		if kids[i].ID == child.ID {
			kids[i] = *child
		}
	}
	st, out := deriveParent(kids)
	if st == parent.Status && out == parent.Outcome {
		return nil
	}
	before := parent.Status
	parent.Status, parent.Outcome = st, out
	var es []timelineEntry
	if st.Final() {
		now := tx.Now
		parent.CompletedAt = &now
		es = append(es, timelineEntry{kind: EventCompleted, detail: map[string]any{"outcome": string(out)}})
	}
	if err := save(ctx, tx, parent); err != nil {
		return err
	}
	if err := addEvents(ctx, tx, parent.ID, p, es...); err != nil {
		return err
	}
	if err := change(ctx, tx, "cases.bundle_status", parent, before, map[string]any{"outcome": string(out)}); err != nil {
		return err
	}
	if !st.Final() {
		return nil
	}
	if err := enqueue(ctx, tx, TopicCompleted, payload(parent, tx.Now)); err != nil {
		return err
	}
	if st == StatusCompleted {
		return s.tellApplicant(ctx, tx, parent, "cases.notice.bundle_completed")
	}
	return nil
}

// deriveParent is a bundle parent's status and outcome from its cases': submitted while they all
// wait for acceptance, in progress while any is open, then completed — approved when all were,
// denied when none was, partially approved otherwise — or withdrawn when all were.
func deriveParent(kids []row) (Status, Outcome) {
	allSubmitted, allFinal, allWithdrawn := true, true, true
	approved := 0
	for _, k := range kids {
		final := k.Status == StatusCompleted || k.Status == StatusNotAccepted || k.Status == StatusWithdrawn
		allSubmitted = allSubmitted && k.Status == StatusSubmitted
		allFinal = allFinal && final
		allWithdrawn = allWithdrawn && k.Status == StatusWithdrawn
		if k.Status == StatusCompleted && k.Outcome == OutcomeApproved {
			approved++
		}
	}
	switch {
	case len(kids) == 0, allSubmitted:
		return StatusSubmitted, OutcomeNone
	case !allFinal:
		return StatusInProgress, OutcomeNone
	case allWithdrawn:
		return StatusWithdrawn, OutcomeNone
	case approved == len(kids):
		return StatusCompleted, OutcomeApproved
	case approved == 0:
		return StatusCompleted, OutcomeDenied
	}
	return StatusCompleted, OutcomePartiallyApproved
}
