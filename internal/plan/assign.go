package plan

import (
	"context"
	"strconv"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/events"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Assign makes an organisation answer for an item — how the coordinator turns a collective unit
// such as 省直有關單位 into the departments concerned — as its lead unit (replacing the previous
// lead, who stays as a supporting unit) or as a supporting one. Only the coordinating
// organisation's reviewers and administrators may.
func (s *Service) Assign(ctx context.Context, itemID int64, orgCode string, lead bool) (err error) {
	defer errs.Wrap(&err, "plan.Assign(%d, %s)", itemID, orgCode)
	if err := s.mayAssign(ctx); err != nil {
		return err
	}
	orgCode = strings.TrimSpace(orgCode)
	if _, err := org.Get(ctx, s.db, orgCode); errs.Is(err, errs.NotFound) {
		return errs.Field("org_code", "error.org_not_found", orgCode)
	} else if err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		before, err := assignments(ctx, tx, itemID)
		if err != nil {
			return err
		}
		cur, present := before[orgCode]
		if present && cur == lead {
			return nil
		}
		if lead {
			if _, err := tx.Exec(ctx, `UPDATE plan_assignments SET lead = ? WHERE item_id = ? AND lead = ?`, false, itemID, true); err != nil {
				return err
			}
		}
		if present {
			_, err = tx.Exec(ctx, `UPDATE plan_assignments SET lead = ? WHERE item_id = ? AND org_code = ?`, lead, itemID, orgCode)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO plan_assignments (item_id, org_code, lead) VALUES (?, ?, ?)`, itemID, orgCode, lead)
		}
		if err != nil {
			return err
		}
		after, err := assignments(ctx, tx, itemID)
		if err != nil {
			return err
		}
		return recordAssignment(ctx, tx, "plan.item.assigned", itemID, orgCode, lead, before, after)
	})
}

// Unassign stops an organisation answering for an item. Its reports stay. An item keeps at
// least one organisation (errs.Conflict), and removing the lead leaves the item without one
// until another is made lead.
func (s *Service) Unassign(ctx context.Context, itemID int64, orgCode string) (err error) {
	defer errs.Wrap(&err, "plan.Unassign(%d, %s)", itemID, orgCode)
	if err := s.mayAssign(ctx); err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		before, err := assignments(ctx, tx, itemID)
		if err != nil {
			return err
		}
		lead, present := before[orgCode]
		if !present {
			return errs.E(errs.NotFound, "plan.error.not_assigned", orgCode)
		}
		if len(before) == 1 {
			return errs.E(errs.Conflict, "plan.error.last_assignment")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM plan_assignments WHERE item_id = ? AND org_code = ?`, itemID, orgCode); err != nil {
			return err
		}
		after, err := assignments(ctx, tx, itemID)
		if err != nil {
			return err
		}
		return recordAssignment(ctx, tx, "plan.item.unassigned", itemID, orgCode, lead, before, after)
	})
}

func (s *Service) mayAssign(ctx context.Context) error {
	p := principal.From(ctx)
	if !p.Authenticated() {
		return errs.E(errs.Unauthenticated, "error.unauthenticated")
	}
	if p.Kind != principal.System && !s.CanReview(p) {
		return errs.E(errs.Forbidden, "plan.error.not_reviewer")
	}
	return nil
}

// assignments returns org → lead for an item inside tx; errs.NotFound if there is no such item.
func assignments(ctx context.Context, tx *store.Tx, itemID int64) (map[string]bool, error) {
	var n int
	if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM plan_items WHERE id = ?`, itemID); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errs.E(errs.NotFound, "plan.error.no_such_item", itemID)
	}
	list, err := itemOrgs(ctx, tx, itemID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(list))
	for _, a := range list {
		out[a.OrgCode] = a.Lead
	}
	return out, nil
}

func recordAssignment(ctx context.Context, tx *store.Tx, action string, itemID int64, orgCode string, lead bool, before, after map[string]bool) error {
	if err := audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "plan_item", ObjectID: strconv.FormatInt(itemID, 10),
		Before: before, After: after, Detail: map[string]any{"org": orgCode, "lead": lead}}); err != nil {
		return err
	}
	return events.Enqueue(ctx, tx, action, map[string]any{"item_id": itemID, "org": orgCode, "lead": lead})
}
