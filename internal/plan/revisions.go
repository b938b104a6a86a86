package plan

import (
	"context"
	"encoding/json"
	"time"

	"github.com/yiwang-platform/yiwang/internal/errs"
)

// Revision is one import that created or changed a plan, with what it changed.
type Revision struct {
	Revision     int       `db:"revision" json:"revision"`
	SourceSHA256 string    `db:"source_sha256" json:"source_sha256"`
	ImportedAt   time.Time `db:"imported_at" json:"imported_at"`
	ImportedBy   string    `db:"imported_by" json:"imported_by"`
	ChangesJSON  string    `db:"changes" json:"-"`
	Changes      []Change  `db:"-" json:"changes"`
}

// Revisions returns the import history of plan id, newest first. It is public, like the plan.
// Returns errs.NotFound if there is no such plan.
func (s *Service) Revisions(ctx context.Context, id int64) ([]Revision, error) {
	var n int
	if err := s.db.Get(ctx, &n, `SELECT COUNT(*) FROM plan_documents WHERE id = ?`, id); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errs.E(errs.NotFound, "plan.error.no_such_plan", id)
	}
	var out []Revision
	if err := s.db.Select(ctx, &out, `SELECT revision, source_sha256, imported_at, imported_by, changes
		FROM plan_revisions WHERE document_id = ? ORDER BY revision DESC`, id); err != nil {
		return nil, err
	}
	for i := range out {
		if err := json.Unmarshal([]byte(out[i].ChangesJSON), &out[i].Changes); err != nil {
			return nil, errs.Wrapf(errs.Internal, err, "error.internal")
		}
		if out[i].Changes == nil {
			out[i].Changes = []Change{}
		}
	}
	if out == nil {
		out = []Revision{}
	}
	return out, nil
}
