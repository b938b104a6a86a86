package license

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// forChange reads licence id for a change by p: errs.NotFound unless p may see it (an official
// of the issuing organisation, or the system), errs.Forbidden unless p may change it.
func forChange(ctx context.Context, tx *store.Tx, p principal.Principal, id string) (Licence, error) {
	l, err := loadLicence(ctx, tx, id)
	if err != nil {
		return Licence{}, err
	}
	if p.Kind != principal.System && !p.IsOfficial(l.IssuerOrg) {
		return Licence{}, errNotFound()
	}
	if !MayIssue(p, l.IssuerOrg) {
		return Licence{}, errs.E(errs.Forbidden, "license.error.issue_forbidden")
	}
	return l, nil
}

// notChangeable says why a licence in state st cannot be suspended or changed.
func notChangeable(st State) error {
	switch st {
	case StateRevoked:
		return errs.E(errs.Conflict, "license.error.revoked")
	case StateSuperseded:
		return errs.E(errs.Conflict, "license.error.superseded")
	case StateExpired:
		return errs.E(errs.Conflict, "license.error.expired")
	case StateSuspended:
		return errs.E(errs.Conflict, "license.error.suspended")
	}
	return nil
}

// transition is one status change of a licence.
type transition struct {
	action string // audit action suffix: "suspend", …
	check  func(Licence, string) error
	to     Status // the status it enters
	step   string // history kind
	entry  ledger.Type
	state  State // the state its ledger statement names
	topic  string
	notice string
}

var (
	suspend = transition{action: "suspend", to: StatusSuspended, step: StepSuspended, entry: ledger.TypeLicenceSuspended,
		state: StateSuspended, topic: TopicSuspended, notice: "license.notice.suspended",
		check: func(l Licence, today string) error { return notChangeable(l.State(today)) }}
	// The ledger has no type for a reinstatement: it is a "changed" entry whose status
	// statement names the state valid.
	reinstate = transition{action: "reinstate", to: StatusValid, step: StepReinstated, entry: ledger.TypeLicenceChanged,
		state: StateValid, topic: TopicReinstated, notice: "license.notice.reinstated",
		check: func(l Licence, _ string) error {
			if l.Status != StatusSuspended {
				if err := notChangeable(State(l.Status)); err != nil {
					return err
				}
				return errs.E(errs.Conflict, "license.error.not_suspended")
			}
			return nil
		}}
	revoke = transition{action: "revoke", to: StatusRevoked, step: StepRevoked, entry: ledger.TypeLicenceRevoked,
		state: StateRevoked, topic: TopicRevoked, notice: "license.notice.revoked",
		check: func(l Licence, _ string) error {
			if l.Status == StatusValid || l.Status == StatusSuspended {
				return nil
			}
			return notChangeable(State(l.Status))
		}}
)

// Suspend stops licence id from being valid until it is reinstated, for reason. Only the
// issuing organisation's approvers may; another organisation's officials and the public get
// errs.NotFound. Only a valid licence within its validity can be suspended (errs.Conflict).
func (s *Service) Suspend(ctx context.Context, p principal.Principal, id, reason string) (Licence, error) {
	return s.transition(ctx, p, id, reason, suspend)
}

// Reinstate makes suspended licence id valid again, for reason. Who may: as Suspend.
func (s *Service) Reinstate(ctx context.Context, p principal.Principal, id, reason string) (Licence, error) {
	return s.transition(ctx, p, id, reason, reinstate)
}

// Revoke ends licence id for good, for reason: a revoked licence is never valid again. A valid
// or suspended licence can be revoked (errs.Conflict otherwise). Who may: as Suspend.
func (s *Service) Revoke(ctx context.Context, p principal.Principal, id, reason string) (Licence, error) {
	return s.transition(ctx, p, id, reason, revoke)
}

// transition makes one status change t of licence id: the row, its history, a ledger entry,
// the audit record, an event and a message to the holder, in one transaction.
func (s *Service) transition(ctx context.Context, p principal.Principal, id, reason string, t transition) (_ Licence, err error) {
	defer errs.Wrap(&err, "license.%s(%s)", t.action, id)
	ctx = principal.With(ctx, p)
	if err := checkReason(&reason); err != nil {
		return Licence{}, err
	}
	var l Licence
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		var err error
		if l, err = forChange(ctx, tx, p, id); err != nil {
			return err
		}
		if err := t.check(l, today(tx.Now)); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE licences SET status = ?, status_reason = ?, status_at = ?, updated_at = ?
			WHERE id = ? AND status = ?`, t.to, reason, tx.Now, tx.Now, id, l.Status)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "license.error.changed_meanwhile")
		}
		before := l.Status
		l.Status, l.StatusReason, l.StatusAt, l.UpdatedAt = t.to, reason, tx.Now, tx.Now
		idx, err := s.logStep(ctx, tx, t.entry, l, digestText(statusStatement(l.ID, t.state, tx.Now)))
		if err != nil {
			return err
		}
		addHistory(tx, l.ID, t.step, p.Actor(), reason, idx)
		if err := audit.Record(ctx, tx, audit.Change{Action: "license." + t.action, ObjectType: "licence", ObjectID: l.ID,
			Detail: map[string]any{"from": before, "to": t.to, "ledger_index": idx}}); err != nil {
			return err
		}
		if err := events.Enqueue(ctx, tx, t.topic, eventPayload(l)); err != nil {
			return err
		}
		return s.tellHolder(ctx, tx, l, 0, t.notice)
	})
	s.statuses.forget(id)
	return l, err
}

// ChangeRequest is a change of a licence's content: the next version is issued with it.
type ChangeRequest struct {
	// Face, if not nil, is the whole new face data.
	Face map[string]string
	// HolderName, if not "", is the holder's new name (the holder stays the same).
	HolderName string
	// ValidUntil, if not "", is the new end of validity, within the type's range.
	ValidUntil string
	Reason     string
}

// Change issues the next version of licence id ("002" after "001") under a new identifier, with
// the content changed as req says, checked against the type's published version; the licence
// before is superseded. Who may: as Suspend. Only a valid licence within its validity can change
// (errs.Conflict); a change that changes nothing is errs.Invalid.
func (s *Service) Change(ctx context.Context, p principal.Principal, id string, req ChangeRequest) (_ Licence, err error) {
	defer errs.Wrap(&err, "license.Change(%s)", id)
	ctx = principal.With(ctx, p)
	if err := checkReason(&req.Reason); err != nil {
		return Licence{}, err
	}
	old, err := loadLicence(ctx, s.db, id)
	if err != nil {
		return Licence{}, err
	}
	if p.Kind != principal.System && !p.IsOfficial(old.IssuerOrg) {
		return Licence{}, errNotFound()
	}
	if !MayIssue(p, old.IssuerOrg) {
		return Licence{}, errs.E(errs.Forbidden, "license.error.issue_forbidden")
	}
	if _, err := s.issuerSigner(ctx, old.IssuerOrg); err != nil {
		return Licence{}, err
	}
	var nl Licence
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		old, err := forChange(ctx, tx, p, id)
		if err != nil {
			return err
		}
		now := today(tx.Now)
		if err := notChangeable(old.State(now)); err != nil {
			return err
		}
		typ, err := publishedType(ctx, tx, old.TypeCode)
		if errs.Is(err, errs.NotFound) {
			return errs.E(errs.Conflict, "license.error.type_not_published")
		} else if err != nil {
			return err
		}
		nl = old
		nl.Face = old.Face
		if req.Face != nil {
			if nl.Face, err = checkFace(typ, req.Face); err != nil {
				return err
			}
		}
		if strings.TrimSpace(req.HolderName) != "" {
			nl.HolderName = req.HolderName
			if err := checkHolder(HolderBoth, &nl.HolderName, &nl.HolderCode, &nl.HolderCodeType); err != nil {
				return err
			}
		}
		if strings.TrimSpace(req.ValidUntil) != "" {
			if _, nl.ValidUntil, err = validity(typ, old.ValidFrom, req.ValidUntil, now); err != nil {
				return err
			}
		}
		if sameContent(old, nl) {
			return errs.E(errs.Invalid, "license.error.unchanged")
		}
		v, err := strconv.Atoi(old.Version)
		if err != nil || v >= 999 {
			return errs.E(errs.Conflict, "license.error.versions_exhausted")
		}
		lid := idcode.LicenceID{TypeCode: old.TypeCode, IssuerCode: old.IssuerCode, Serial: old.Serial, Version: fmt.Sprintf("%03d", v+1)}
		sg, err := s.cfg.Keys.ActiveSigner(systemCtx(ctx), old.IssuerOrg, PurposeIssuer, s.cfg.Algorithm)
		if err != nil {
			return err
		}
		nl.ID, nl.Version, nl.TypeVersion, nl.NameHans = lid.String(), lid.Version, typ.Version, typ.NameHans
		nl.IssuedOn, nl.Status, nl.StatusReason, nl.StatusAt = now, StatusValid, "", tx.Now
		nl.CaseID, nl.Supersedes, nl.PDFSHA256 = "", old.ID, ""
		nl.CreatedAt, nl.UpdatedAt = tx.Now, tx.Now
		res, err := tx.Exec(ctx, `UPDATE licences SET status = 'superseded', status_reason = ?, status_at = ?, updated_at = ?
			WHERE id = ? AND status = 'valid'`, req.Reason, tx.Now, tx.Now, old.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "license.error.changed_meanwhile")
		}
		if err := s.signAndStore(ctx, tx, p, sg, &nl); err != nil {
			return err
		}
		idx, err := s.logStep(ctx, tx, ledger.TypeLicenceChanged, nl, digestText(nl.Credential))
		if err != nil {
			return err
		}
		addHistory(tx, old.ID, StepChanged, p.Actor(), req.Reason, idx)
		addHistory(tx, nl.ID, StepChanged, p.Actor(), req.Reason, idx)
		if err := audit.Record(ctx, tx, audit.Change{Action: "license.change", ObjectType: "licence", ObjectID: old.ID,
			Before: old, After: nl, Detail: map[string]any{"new_id": nl.ID, "ledger_index": idx}}); err != nil {
			return err
		}
		if err := events.Enqueue(ctx, tx, TopicChanged, eventPayload(nl)); err != nil {
			return err
		}
		return s.tellHolder(ctx, tx, nl, 0, "license.notice.changed")
	})
	s.statuses.forget(id)
	return nl, err
}

// sameContent reports whether a change left a licence's content as it was.
func sameContent(a, b Licence) bool {
	if a.HolderName != b.HolderName || a.ValidUntil != b.ValidUntil || len(a.Face) != len(b.Face) {
		return false
	}
	for k, v := range a.Face {
		if w, ok := b.Face[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// sweepBatch is how many expired licences one transaction of Sweep logs.
const sweepBatch = 200

// Sweep tells the ledger once of every valid licence whose validity has ended (the day after
// valid_until, China time): a history step, a ledger entry "expired", an audit record and an
// event each. Licences are read expired from their dates whether or not the sweep ran; several
// nodes may sweep at once. It returns how many it logged.
func (s *Service) Sweep(ctx context.Context) (n int, err error) {
	defer errs.Wrap(&err, "license.Sweep")
	p := principal.SystemPrincipal
	ctx = principal.With(ctx, p)
	for {
		day := today(s.clock.Now())
		var ids []string
		if err := s.db.Select(ctx, &ids, `SELECT id FROM licences WHERE status = 'valid' AND expired_logged = 0
			AND valid_until < ? ORDER BY valid_until, id LIMIT `+strconv.Itoa(sweepBatch), day); err != nil {
			return n, err
		}
		if len(ids) == 0 {
			return n, nil
		}
		done := 0
		err := s.db.Transact(ctx, func(tx *store.Tx) error {
			done = 0
			for _, id := range ids {
				res, err := tx.Exec(ctx, `UPDATE licences SET expired_logged = 1, updated_at = ?
					WHERE id = ? AND status = 'valid' AND expired_logged = 0 AND valid_until < ?`, tx.Now, id, today(tx.Now))
				if err != nil {
					return err
				}
				if k, _ := res.RowsAffected(); k != 1 {
					continue // another node logged it, or it changed meanwhile
				}
				l, err := loadLicence(ctx, tx, id)
				if err != nil {
					return err
				}
				idx, err := s.logStep(ctx, tx, ledger.TypeLicenceExpired, l, digestText(statusStatement(l.ID, StateExpired, tx.Now)))
				if err != nil {
					return err
				}
				addHistory(tx, l.ID, StepExpired, p.Actor(), "", idx)
				if err := audit.Record(ctx, tx, audit.Change{Action: "license.expire", ObjectType: "licence", ObjectID: l.ID,
					Detail: map[string]any{"valid_until": l.ValidUntil, "ledger_index": idx}}); err != nil {
					return err
				}
				if err := events.Enqueue(ctx, tx, TopicExpired, eventPayload(l)); err != nil {
					return err
				}
				done++
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		n += done
		if len(ids) < sweepBatch || done == 0 {
			return n, nil
		}
	}
}
