package cases

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/clock"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Case numbers (辦件編號) read region-date-sequence: the handling organisation's GB/T 2260 region
// (the node's own for a bundle's parent), the submission's date in China time, and this node's
// sequence number, at least six digits: 350100-20261009-000042. The dashes keep the digit runs
// short, so that a number never looks like an ID or phone number to the ledger's checks.

// nextNumber allocates a case number in tx. Sequence numbers are taken a block at a time, as
// many as the transaction has members (store.Tx.Members), so that a grouped batch of
// submissions reads the sequence once; numbers of a block that its transaction does not use are
// skipped, as a rolled-back transaction skips its own.
func nextNumber(ctx context.Context, tx *store.Tx, region string) (string, error) {
	blk := tx.Later(numbersKey{}, func() store.Flusher { return &numbers{} }).(*numbers)
	if len(blk.free) == 0 {
		n := min(tx.Members(), maxNumberBlock)
		if tx.Dialect() == store.Postgres {
			// A sequence: concurrent transactions never wait for each other over it.
			if err := tx.Select(ctx, &blk.free, `SELECT nextval('case_number_seq') FROM generate_series(1, ?)`, n); err != nil {
				return "", err
			}
			slices.Sort(blk.free)
		} else {
			var last int64
			if err := tx.Get(ctx, &last, `UPDATE case_sequence SET last = last + ? WHERE id = 1 RETURNING last`, n); err != nil {
				return "", err
			}
			for i := range n {
				blk.free = append(blk.free, last-int64(n-1-i))
			}
		}
	}
	seq := blk.free[0]
	blk.free = blk.free[1:]
	return fmt.Sprintf("%s-%s-%06d", region, tx.Now.In(clock.China).Format("20060102"), seq), nil
}

// maxNumberBlock bounds the sequence numbers taken at once.
const maxNumberBlock = 128

// numbers is the block of sequence numbers a transaction took and has not used; it is forgotten
// with the work of a member that failed (its numbers are skipped).
type numbers struct{ free []int64 }

type numbersKey struct{}

func (*numbers) Flush(context.Context, *store.Tx) error { return nil }

// regionOf returns code if it is a six-digit region code, else fallback.
func regionOf(code, fallback string) string {
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return fallback
	}
	return code
}

// Query codes: eight characters from an alphabet without look-alikes (no 0/O, 1/I/L), 40 bits.
const (
	queryAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
	queryLen      = 8
)

// newQueryCode returns a fresh query code.
func newQueryCode() string {
	b := make([]byte, queryLen)
	if _, err := rand.Read(b); err != nil {
		panic("cases: no randomness: " + err.Error())
	}
	out := make([]byte, queryLen)
	for i, v := range b {
		// 256 is not a multiple of 31: the bias (one value in 8) is immaterial for a code that
		// lookups are rate-limited against.
		out[i] = queryAlphabet[int(v)%len(queryAlphabet)]
	}
	return string(out)
}

// normaliseQueryCode upper-cases a typed code and drops spaces and dashes.
func normaliseQueryCode(code string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "\u3000", "").Replace(strings.TrimSpace(code)))
}

// Stored query hashes. A query code has only about 40 bits, so its plain hash could be brute-forced
// from a copy of the database: what is stored is queryHashPrefix and the hex HMAC-SHA-256 of the
// code, bound to its case's number, under the node's code key (Config.CodeKey). Rows written
// before the key hold the plain SHA-256 (64 hex digits, no prefix) and still match until the code
// is reset.
const (
	queryHashPrefix = "h2:"
	// MinCodeKey is the least length of Config.CodeKey in bytes.
	MinCodeKey = 32
)

// queryHash is what is stored of a case's query code under key.
func queryHash(key []byte, number, code string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("yiwang.case.query/v2\x00" + number + "\x00" + normaliseQueryCode(code)))
	return queryHashPrefix + hex.EncodeToString(m.Sum(nil))
}

// plainQueryHash is what was stored before query codes were keyed.
func plainQueryHash(number, code string) string {
	sum := sha256.Sum256([]byte("yiwang.case.query/v1\x00" + number + "\x00" + normaliseQueryCode(code)))
	return hex.EncodeToString(sum[:])
}

// queryMatches compares a typed code with the stored hash in constant time, in the stored
// value's form.
func queryMatches(key []byte, number, code, stored string) bool {
	var got string
	if strings.HasPrefix(stored, queryHashPrefix) {
		got = queryHash(key, number, code)
	} else {
		got = plainQueryHash(number, code)
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(stored)) == 1 && stored != ""
}

// newID returns a fresh case id: "cs_" and 20 random hex digits.
func newID() string {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		panic("cases: no randomness: " + err.Error())
	}
	return "cs_" + hex.EncodeToString(b)
}
