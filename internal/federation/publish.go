package federation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yiwang-platform/yiwang/internal/audit"
	"github.com/yiwang-platform/yiwang/internal/credential"
	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/idcode"
	"github.com/yiwang-platform/yiwang/internal/keys"
	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/org"
	"github.com/yiwang-platform/yiwang/internal/principal"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Published is a version of this node's trust list.
type Published struct {
	Version int64 `json:"version"`
	// Document is the signed list as served (Signed's JSON).
	Document []byte `json:"-"`
	// Digest is "sha256:<hex>" of Document, as the ledger holds it.
	Digest      string    `json:"digest"`
	KeyID       string    `json:"kid"`
	IssuedAt    time.Time `json:"issued_at"`
	NextUpdate  time.Time `json:"next_update"`
	LedgerIndex int64     `json:"ledger_index"`
	// New is true when this call published the version, false when the latest still held.
	New bool `json:"new"`
}

type publishedRow struct {
	Version     int64     `db:"version"`
	Content     string    `db:"content"`
	Document    string    `db:"document"`
	Digest      string    `db:"digest"`
	KeyID       string    `db:"key_id"`
	IssuedAt    time.Time `db:"issued_at"`
	NextUpdate  time.Time `db:"next_update"`
	LedgerIndex int64     `db:"ledger_index"`
}

func (r publishedRow) published(isNew bool) Published {
	return Published{Version: r.Version, Document: []byte(r.Document), Digest: r.Digest, KeyID: r.KeyID,
		IssuedAt: r.IssuedAt.UTC(), NextUpdate: r.NextUpdate.UTC(), LedgerIndex: r.LedgerIndex, New: isNew}
}

const publishedColumns = `version, content, document, digest, key_id, issued_at, next_update, ledger_index`

// Publish makes this node's trust list current: every organisation's licence keys (PurposeIssuer,
// owner "<node>/<credit code>"; retired ones with the time they stopped), the node key
// (PurposeNode of Config.NodeOrg, owner "<node>"), the published licence types, the endpoint
// and status URL. The latest version is kept while its content is the same and it has more
// than half its lifetime left; otherwise the next version is signed with the node key, stored,
// appended to the ledger (subject "trustlist/<node>/<version>") and audited in one transaction.
// Only MayManage principals publish (errs.Forbidden).
func (s *Service) Publish(ctx context.Context) (_ Published, err error) {
	defer errs.Wrap(&err, "federation.Publish")
	if !MayManage(principal.From(ctx)) {
		return Published{}, errs.E(errs.Forbidden, "federation.error.forbidden")
	}
	sg, err := s.cfg.Keys.EnsureSigner(systemCtx(ctx), s.cfg.NodeOrg, PurposeNode, s.cfg.Algorithm)
	if err != nil {
		return Published{}, err
	}
	l, err := s.build(ctx)
	if err != nil {
		return Published{}, err
	}
	content, err := contentDigest(l)
	if err != nil {
		return Published{}, err
	}
	var out Published
	// Two nodes of one province publishing at once: the second finds the first's version.
	for attempt := 0; ; attempt++ {
		err = s.db.Transact(ctx, func(tx *store.Tx) error {
			var last publishedRow
			err := tx.Get(ctx, &last, `SELECT `+publishedColumns+` FROM federation_published ORDER BY version DESC LIMIT 1`)
			switch {
			case err == nil && last.Content == content && tx.Now.Before(last.IssuedAt.Add(last.NextUpdate.Sub(last.IssuedAt)/2)):
				out = last.published(false)
				return nil
			case err != nil && !errs.Is(err, errs.NotFound):
				return err
			}
			next := l
			next.Version = last.Version + 1
			next.IssuedAt = tx.Now.UTC().Truncate(time.Second)
			next.NextUpdate = next.IssuedAt.Add(s.cfg.TTL)
			doc, err := Sign(next, sg.Key().ID, s.credAlg(), sg)
			if err != nil {
				return err
			}
			row := publishedRow{Version: next.Version, Content: content, Document: string(doc), Digest: documentDigest(doc),
				KeyID: sg.Key().ID, IssuedAt: next.IssuedAt, NextUpdate: next.NextUpdate}
			idx, err := s.cfg.Ledger.AppendTx(ctx, tx, ledger.Entry{Type: ledger.TypeTrustList, Digest: row.Digest,
				Org: s.cfg.NodeOrg, Subject: ledgerSubject(s.cfg.Node, row.Version)})
			if err != nil {
				return err
			}
			row.LedgerIndex = idx[0]
			if _, err := tx.Exec(ctx, `INSERT INTO federation_published (version, content, document, digest, key_id,
				issued_at, next_update, published_by, ledger_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				row.Version, row.Content, row.Document, row.Digest, row.KeyID, row.IssuedAt, row.NextUpdate,
				principal.From(ctx).Actor(), row.LedgerIndex); err != nil {
				return err
			}
			out = row.published(true)
			return audit.Record(ctx, tx, audit.Change{Action: "federation.trustlist.publish", ObjectType: "federation_trust_list",
				ObjectID: s.cfg.Node + "/" + strconv.FormatInt(row.Version, 10), After: row.Digest,
				Detail: map[string]any{"version": row.Version, "digest": row.Digest, "keys": len(next.Keys),
					"licence_types": len(next.LicenceTypes), "ledger_index": row.LedgerIndex}})
		})
		if errs.Is(err, errs.Conflict) && attempt == 0 {
			continue
		}
		return out, err
	}
}

// Current returns this node's latest signed trust list, to anyone; errs.NotFound before the
// first Publish.
func (s *Service) Current(ctx context.Context) ([]byte, error) {
	var doc string
	err := s.db.Get(ctx, &doc, `SELECT document FROM federation_published ORDER BY version DESC LIMIT 1`)
	if errs.Is(err, errs.NotFound) {
		return nil, errs.E(errs.NotFound, "federation.error.no_trust_list")
	}
	if err != nil {
		return nil, fmt.Errorf("federation.Current: %w", err)
	}
	return []byte(doc), nil
}

// PublishedVersions returns the versions of this node's list, newest first (at most limit, 100
// if limit is not in 1…1000), to anyone: each is public as it was served.
func (s *Service) PublishedVersions(ctx context.Context, limit int) ([]Published, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var rows []publishedRow
	if err := s.db.Select(ctx, &rows, `SELECT `+publishedColumns+` FROM federation_published ORDER BY version DESC LIMIT ?`, limit); err != nil {
		return nil, fmt.Errorf("federation.PublishedVersions: %w", err)
	}
	out := make([]Published, len(rows))
	for i, r := range rows {
		out[i] = r.published(false)
	}
	return out, nil
}

// NodeKey is this node's key as a peer's administrator pins it.
type NodeKey struct {
	KeyID string               `json:"kid"`
	Alg   credential.Algorithm `json:"alg"`
	// PEM is the public key, a PEM "PUBLIC KEY" block (SubjectPublicKeyInfo).
	PEM string `json:"pem"`
	// Fingerprint is the lower-case hex SHA-256 of the DER SubjectPublicKeyInfo, which the two
	// administrators compare out of band (openssl pkey -pubin -outform DER | sha256sum).
	Fingerprint string `json:"fingerprint"`
}

// NodeKey returns the node key that signs this node's trust lists (creating it if there is
// none), to anyone: a public key.
func (s *Service) NodeKey(ctx context.Context) (NodeKey, error) {
	sg, err := s.cfg.Keys.EnsureSigner(systemCtx(ctx), s.cfg.NodeOrg, PurposeNode, s.cfg.Algorithm)
	if err != nil {
		return NodeKey{}, fmt.Errorf("federation.NodeKey: %w", err)
	}
	k := sg.Key()
	return NodeKey{KeyID: k.ID, Alg: s.credAlg(), PEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: k.PublicDER})),
		Fingerprint: Fingerprint(k.PublicDER)}, nil
}

// Fingerprint is the lower-case hex SHA-256 of a DER SubjectPublicKeyInfo.
func Fingerprint(spki []byte) string {
	sum := sha256.Sum256(spki)
	return hex.EncodeToString(sum[:])
}

// build assembles this node's list without version and times.
func (s *Service) build(ctx context.Context) (TrustList, error) {
	own, err := s.ownKeys(ctx)
	if err != nil {
		return TrustList{}, err
	}
	l := TrustList{Node: s.cfg.Node, Name: s.cfg.Name, Endpoint: s.cfg.Endpoint, StatusURL: s.cfg.StatusURL,
		Keys: []TrustedKey{}, LicenceTypes: []string{}}
	credit := map[string]string{}
	for _, k := range own {
		owner := s.cfg.Node
		if k.Purpose == PurposeIssuer {
			cc, ok := credit[k.Org]
			if !ok {
				cc, err = s.cfg.Directory.CreditCode(ctx, k.Org)
				switch {
				case errs.Is(err, errs.NotFound):
					cc = ""
				case err != nil:
					return TrustList{}, err
				case idcode.ValidateCreditCode(cc) != nil:
					s.log.WarnContext(ctx, "federation: an organisation's credit code is not valid; its licence keys are left out",
						"org", k.Org)
					cc = ""
				}
				credit[k.Org] = cc
			}
			if cc == "" {
				continue
			}
			owner = s.cfg.Node + "/" + cc
		}
		tk, err := NewTrustedKey(k.ID, owner, k.Public)
		if err != nil {
			continue // not a credential algorithm (Ed25519): it signs no licence
		}
		if k.Status == keys.Retired && k.RetiredAt != nil {
			until := k.RetiredAt.UTC()
			tk.Until = &until
		}
		l.Keys = append(l.Keys, tk)
	}
	codes, err := s.cfg.Types.PublishedTypeCodes(ctx)
	if err != nil {
		return TrustList{}, err
	}
	for _, c := range codes {
		if idcode.ValidateLicenceTypeCode(c) != nil {
			s.log.WarnContext(ctx, "federation: a published licence type code is not valid; left out", "type", c)
			continue
		}
		l.LicenceTypes = append(l.LicenceTypes, c)
	}
	slices.Sort(l.LicenceTypes)
	l.LicenceTypes = slices.Compact(l.LicenceTypes)
	slices.SortFunc(l.Keys, func(a, b TrustedKey) int { return strings.Compare(a.KeyID, b.KeyID) })
	return l, nil
}

// ownKeys returns this node's keys that a trust list names: every organisation's licence keys
// and the node's keys, of every status (a retired key still verifies what it signed).
func (s *Service) ownKeys(ctx context.Context) ([]keys.Key, error) {
	orgs, err := org.List(ctx, s.db)
	if err != nil {
		return nil, err
	}
	var out []keys.Key
	for _, o := range orgs {
		ks, err := s.cfg.Keys.List(systemCtx(ctx), principal.SystemPrincipal, o.Code)
		if err != nil {
			return nil, err
		}
		for _, k := range ks {
			if k.Purpose == PurposeIssuer || k.Purpose == PurposeNode && k.Org == s.cfg.NodeOrg {
				out = append(out, k)
			}
		}
	}
	return out, nil
}

// contentDigest is the hex SHA-256 of l's JSON without version and times, keys and types
// sorted: two lists with the same digest say the same.
func contentDigest(l TrustList) (string, error) {
	l.Version, l.IssuedAt, l.NextUpdate = 0, time.Time{}, time.Time{}
	l.Keys = slices.Clone(l.Keys)
	slices.SortFunc(l.Keys, func(a, b TrustedKey) int { return strings.Compare(a.KeyID, b.KeyID) })
	l.LicenceTypes = slices.Clone(l.LicenceTypes)
	slices.Sort(l.LicenceTypes)
	b, err := json.Marshal(l)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// documentDigest is the ledger digest of a signed document.
func documentDigest(doc []byte) string {
	sum := sha256.Sum256(doc)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// ledgerSubject names a node's list version in the ledger.
func ledgerSubject(node string, version int64) string {
	return "trustlist/" + node + "/" + strconv.FormatInt(version, 10)
}
