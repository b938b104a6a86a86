package ledger_test

import (
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/yiwang-platform/yiwang/internal/ledger"
	"github.com/yiwang-platform/yiwang/internal/store"
	"github.com/yiwang-platform/yiwang/internal/store/storetest"
)

// Tamper runs SQL directly against the database, as someone with access to it could, after
// switching off the triggers that keep the ledger's tables append-only.
func Tamper(t testing.TB, db *store.DB, query string, args ...any) {
	t.Helper()
	var off []string
	switch db.Dialect() {
	case store.SQLite:
		for _, table := range []string{"ledger_entries", "ledger_hashes", "ledger_checkpoints"} {
			off = append(off, "DROP TRIGGER IF EXISTS "+table+"_no_update", "DROP TRIGGER IF EXISTS "+table+"_no_delete")
		}
	case store.Postgres:
		for _, table := range []string{"ledger_entries", "ledger_hashes", "ledger_checkpoints"} {
			off = append(off, "ALTER TABLE "+table+" DISABLE TRIGGER USER")
		}
	}
	for _, q := range append(off, query) {
		a := args
		if q != query {
			a = nil
		}
		if _, err := db.SQL().ExecContext(ctx(), db.Rebind(q), a...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// honestLog makes a log of 60 entries with checkpoints at sizes 10, 30 and 60.
func honestLog(t *testing.T, db *store.DB) (*ledger.Log, keys) {
	k := newKeys(t, origin)
	l := newLog(t, db, k)
	n := 0
	for _, size := range []int{10, 30, 60} {
		var es []ledger.Entry
		for ; n < size; n++ {
			es = append(es, entry(n))
		}
		if _, err := l.Append(ctx(), es...); err != nil {
			t.Fatal(err)
		}
		if _, err := l.CheckpointCovering(ctx(), int64(size)); err != nil {
			t.Fatal(err)
		}
	}
	return l, k
}

func TestAuditFindsTampering(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		tamper    func(t *testing.T, db *store.DB, l *ledger.Log, k keys)
		entry     int64 // first bad entry, -1 none
		cp        int64 // first bad checkpoint, -1 none
		wantWords string
	}{
		{"nothing", func(*testing.T, *store.DB, *ledger.Log, keys) {}, -1, -1, "OK"},
		{"an entry's subject edited", func(t *testing.T, db *store.DB, _ *ledger.Log, _ keys) {
			Tamper(t, db, `UPDATE ledger_entries SET subject = ? WHERE idx = 17`, "闽工信证字〔2026〕99999号")
		}, 17, -1, "entry 17: stored leaf hash"},
		{"an entry's time edited", func(t *testing.T, db *store.DB, _ *ledger.Log, _ keys) {
			Tamper(t, db, `UPDATE ledger_entries SET at = ? WHERE idx = 3`, testTime.Add(1e9))
		}, 3, -1, "entry 3"},
		{"an entry's type made unknown", func(t *testing.T, db *store.DB, _ *ledger.Log, _ keys) {
			Tamper(t, db, `UPDATE ledger_entries SET type = 'licence.forged' WHERE idx = 44`)
		}, 44, -1, "entry 44: fields are not valid"},
		{"a leaf hash edited", func(t *testing.T, db *store.DB, _ *ledger.Log, _ keys) {
			Tamper(t, db, `UPDATE ledger_hashes SET hash = ? WHERE id = ?`, make([]byte, 32), tlog.StoredHashIndex(0, 23))
		}, 23, -1, "entry 23"},
		{"an inner hash edited", func(t *testing.T, db *store.DB, _ *ledger.Log, _ keys) {
			// The level-2 hash over entries 28–31, written with entry 31.
			Tamper(t, db, `UPDATE ledger_hashes SET hash = ? WHERE id = ?`, make([]byte, 32), tlog.StoredHashIndex(2, 7))
		}, 31, -1, "written with this entry) was changed"},
		{"an inner hash deleted", func(t *testing.T, db *store.DB, _ *ledger.Log, _ keys) {
			Tamper(t, db, `DELETE FROM ledger_hashes WHERE id = ?`, tlog.StoredHashIndex(1, 20))
		}, 41, -1, "is missing"},
		{"an entry deleted", func(t *testing.T, db *store.DB, _ *ledger.Log, _ keys) {
			Tamper(t, db, `DELETE FROM ledger_entries WHERE idx = 40`)
		}, 40, -1, "entry 40: missing"},
		{"the last entry deleted and the head moved back", func(t *testing.T, db *store.DB, _ *ledger.Log, _ keys) {
			Tamper(t, db, `DELETE FROM ledger_entries WHERE idx = 59`)
			Tamper(t, db, `UPDATE ledger_head SET size = 59`)
		}, 59, -1, "entry 59: missing"},
		{"an entry added behind the log's back", func(t *testing.T, db *store.DB, _ *ledger.Log, _ keys) {
			e := entry(99)
			Tamper(t, db, `INSERT INTO ledger_entries (idx, version, type, digest, org, subject, at) VALUES (60, 1, ?, ?, ?, ?, ?)`,
				string(e.Type), e.Digest, e.Org, e.Subject, testTime)
		}, 60, -1, "beyond the log's size"},
		{"a checkpoint's signature broken", func(t *testing.T, db *store.DB, _ *ledger.Log, _ keys) {
			var n string
			if err := db.Get(ctx(), &n, `SELECT note FROM ledger_checkpoints WHERE size = 30`); err != nil {
				t.Fatal(err)
			}
			Tamper(t, db, `UPDATE ledger_checkpoints SET note = ? WHERE size = 30`, strings.Replace(n, "\n30\n", "\n31\n", 1))
		}, -1, 30, "checkpoint 30: signature does not verify"},
		{"a checkpoint's stored root changed", func(t *testing.T, db *store.DB, _ *ledger.Log, _ keys) {
			Tamper(t, db, `UPDATE ledger_checkpoints SET root_hash = ? WHERE size = 10`, make([]byte, 32))
		}, -1, 10, "does not say the size and root hash"},
		{"a validly signed checkpoint inconsistent with the previous one", func(t *testing.T, db *store.DB, l *ledger.Log, k keys) {
			// Whoever holds the log's key signs a tree the entries do not make.
			var root tlog.Hash
			root[0] = 1
			msg, err := note.Sign(&note.Note{Text: string(ledger.FormatCheckpoint(origin, 45, root))}, k.signer)
			if err != nil {
				t.Fatal(err)
			}
			Tamper(t, db, `INSERT INTO ledger_checkpoints (size, root_hash, note, verifier_key, signed_at) VALUES (45, ?, ?, ?, ?)`,
				root[:], string(msg), k.vkey, testTime)
		}, -1, 45, "checkpoint 45: root hash is not that of the first 45 entries"},
		{"an entry rewritten with every hash recomputed", func(t *testing.T, db *store.DB, l *ledger.Log, k keys) {
			// The stored tree agrees with itself again; only the signed checkpoints tell.
			Tamper(t, db, `UPDATE ledger_entries SET digest = ? WHERE idx = 12`, entry(1000).Digest)
			m := &model{}
			for i := int64(0); i < 60; i++ {
				e, err := l.Entry(ctx(), i)
				if err != nil {
					t.Fatal(err)
				}
				before := len(m.hashes)
				m.add(t, i, ledger.LeafData(e))
				for j := before; j < len(m.hashes); j++ {
					Tamper(t, db, `UPDATE ledger_hashes SET hash = ? WHERE id = ?`, m.hashes[j][:], j)
				}
			}
		}, -1, 30, "checkpoint 30: root hash is not that of the first 30 entries"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				l, k := honestLog(t, db)
				tc.tamper(t, db, l, k)
				rep, err := ledger.Audit(ctx(), ledger.DBSource(db), k.vkey)
				if err != nil {
					t.Fatal(err)
				}
				if rep.FirstBadEntry != tc.entry || rep.BadCheckpoint != tc.cp || (tc.entry < 0 && tc.cp < 0) != rep.OK() {
					t.Errorf("first bad entry %d, bad checkpoint %d; want %d, %d\n%s", rep.FirstBadEntry, rep.BadCheckpoint, tc.entry, tc.cp, rep.Describe())
				}
				if !strings.Contains(rep.Describe(), tc.wantWords) {
					t.Errorf("report does not say %q:\n%s", tc.wantWords, rep.Describe())
				}
				if rep.SelfAsserted {
					t.Error("an audit with a key says it trusted the node's")
				}
			})
		})
	}
}

func TestAuditKeys(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, k := honestLog(t, db)
		// Without a key, the node's own is used and the report says so.
		rep, err := ledger.Audit(ctx(), ledger.DBSource(db), "")
		if err != nil || !rep.OK() || !rep.SelfAsserted {
			t.Errorf("self-asserted audit: %v %+v", err, rep)
		}
		// Another key than the log's: every checkpoint fails.
		other := newKeys(t, origin)
		rep, err = ledger.Audit(ctx(), ledger.DBSource(db), other.vkey)
		if err != nil || rep.OK() || rep.BadCheckpoint != 10 {
			t.Errorf("audit with another key: %v\n%s", err, rep.Describe())
		}
		if _, err := ledger.Audit(ctx(), ledger.DBSource(db), "not a key"); err == nil {
			t.Error("a malformed key was accepted")
		}
		_ = k
	})
}
