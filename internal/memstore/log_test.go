package memstore

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLogRemovesInAnyOrder appends records, removes them oldest first as
// a relay does and in a random order, and checks after each removal that
// First returns exactly the records left, in order, however many the log
// moved down meanwhile.
func TestLogRemovesInAnyOrder(t *testing.T) {
	ctx := context.Background()
	type rec struct{ Seq int64 }
	for _, order := range []string{"oldest first", "random"} {
		t.Run(order, func(t *testing.T) {
			l := &Log[rec]{Seq: func(r *rec, seq int64) { r.Seq = seq }}
			const n = 500
			require.NoError(t, l.Append(ctx, make([]rec, n)...))
			left := make([]int64, n)
			for i := range left {
				left[i] = int64(i + 1)
			}
			remove := slices.Clone(left)
			if order == "random" {
				rand.New(rand.NewPCG(1, 2)).Shuffle(n, func(i, j int) { remove[i], remove[j] = remove[j], remove[i] })
			}
			for k, seq := range remove {
				require.NoError(t, l.Remove(ctx, seq))
				require.NoError(t, l.Remove(ctx, seq), "removing twice changes nothing")
				left = slices.DeleteFunc(left, func(s int64) bool { return s == seq })
				if k%7 == 0 || len(left) < 3 {
					got, err := l.First(ctx, n)
					require.NoError(t, err)
					seqs := make([]int64, len(got))
					for i, r := range got {
						seqs[i] = r.Seq
					}
					assert.Equal(t, left, seqs, "after removing %d", seq)
					few, err := l.First(ctx, 2)
					require.NoError(t, err)
					assert.Len(t, few, min(2, len(left)))
				}
			}
			assert.Less(t, len(l.recs), 2*64+2, "the removed records were dropped")
		})
	}
}
