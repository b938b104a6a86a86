package cases

import (
	"context"

	"github.com/yiwang-platform/yiwang/internal/blob"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// AttachMaterial stores a file for material code of a draft, or of a case whose materials were
// asked for (補正), replacing an earlier file. The applicant attaches; at a window, the window
// officer who collects the case does it for the person. The file's type is judged by its
// content (pdf, jpeg, png, ofd, as the material allows), its size by the material's limit, and
// the Scanner must pass it. Returns errs.Invalid or errs.TooLarge with the field
// MaterialField(code), errs.Conflict in another status.
func (s *Service) AttachMaterial(ctx context.Context, p principal.Principal, id, code, fileName string, data []byte) (m Material, err error) {
	defer errs.Wrap(&err, "cases.AttachMaterial(%s, %s)", id, code)
	r, err := s.load(ctx, id)
	if err != nil {
		return m, err
	}
	if err := r.mayActForApplicant(p); err != nil {
		return m, err
	}
	if err := r.requireStatus(StatusDraft, StatusSupplementRequested); err != nil {
		return m, err
	}
	specs, err := r.materialSpecs()
	if err != nil {
		return m, err
	}
	up, err := s.prepareUpload(ctx, specs, Upload{Code: code, FileName: fileName, Data: data})
	if err != nil {
		return m, err
	}
	var stored materialRow
	err = s.db.Transact(ctx, func(tx *store.Tx) error {
		r, err := s.loadTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := r.requireStatus(StatusDraft, StatusSupplementRequested); err != nil {
			return err
		}
		if stored, err = storeUpload(ctx, tx, id, p, up, true); err != nil {
			return err
		}
		if err := addEvents(ctx, tx, id, p, timelineEntry{kind: EventMaterialAdded, detail: map[string]any{
			"material": code, "format": up.format, "size": len(up.data), "sha256": *stored.BlobSHA256}}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET updated_at = ? WHERE id = ?`, tx.Now, id); err != nil {
			return err
		}
		return change(ctx, tx, "cases.attach_material", r, r.Status, map[string]any{"material": code, "format": up.format,
			"sha256": *stored.BlobSHA256})
	})
	if err != nil {
		return m, err
	}
	return materialsView(specs, []materialRow{stored})[indexOf(specs, code)], nil
}

func indexOf(specs []MaterialSpec, code string) int {
	for i, m := range specs {
		if m.Code == code {
			return i
		}
	}
	return -1
}

// RemoveMaterial removes the file of material code from a draft. Returns errs.NotFound when
// there is none, errs.Conflict once submitted.
func (s *Service) RemoveMaterial(ctx context.Context, p principal.Principal, id, code string) (err error) {
	defer errs.Wrap(&err, "cases.RemoveMaterial(%s, %s)", id, code)
	r, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if err := r.mayActForApplicant(p); err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *store.Tx) error {
		r, err := s.loadTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := r.requireStatus(StatusDraft); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM case_materials WHERE case_id = ? AND code = ?`, id, code)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Field(MaterialField(code), "cases.error.material_not_attached")
		}
		if err := addEvents(ctx, tx, id, p, timelineEntry{kind: EventMaterialRemoved, detail: map[string]any{"material": code}}); err != nil {
			return err
		}
		return change(ctx, tx, "cases.remove_material", r, r.Status, map[string]any{"material": code})
	})
}

// MaterialFile returns the file of material code of a case its reader may see, with its
// description. Returns errs.NotFound when there is no file.
func (s *Service) MaterialFile(ctx context.Context, p principal.Principal, id, code string) (m Material, data []byte, err error) {
	defer errs.Wrap(&err, "cases.MaterialFile(%s, %s)", id, code)
	r, err := s.load(ctx, id)
	if err != nil {
		return m, nil, err
	}
	if !r.visible(p) {
		return m, nil, errNotFound()
	}
	var mr materialRow
	if err := s.db.Get(ctx, &mr, `SELECT `+materialColumns+` FROM case_materials WHERE case_id = ? AND code = ?`, id, code); err != nil {
		return m, nil, err
	}
	if mr.BlobSHA256 == nil {
		return m, nil, errs.E(errs.NotFound, "cases.error.material_not_attached")
	}
	_, data, err = blob.Get(ctx, s.db, *mr.BlobSHA256)
	if err != nil {
		return m, nil, err
	}
	specs, err := r.materialSpecs()
	if err != nil {
		return m, nil, err
	}
	i := indexOf(specs, code)
	if i < 0 {
		at := mr.AddedAt
		return Material{Code: code, Status: MaterialProvided, FileName: mr.FileName, Format: mr.Format, Size: mr.Size,
			SHA256: *mr.BlobSHA256, AddedAt: &at}, data, nil
	}
	return materialsView(specs, []materialRow{mr})[i], data, nil
}
