package order

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAHistoryNeverChanges: versions of an order share their history's
// actions, so no append to one may reach another, and no copy handed out
// may change what is shared.
func TestAHistoryNeverChanges(t *testing.T) {
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	given := []Action{{Seq: 1, Name: "create", At: at, Key: "k1"}, {Seq: 2, Name: "submit", At: at, Key: "k2"}}
	base := NewHistory(given...)
	given[0].Name = "rewritten" // the caller's slice is not the history's
	assert.Equal(t, "create", base.At(0).Name)

	// Two versions made from one: each has its own third action.
	a := base.add(Action{Seq: 3, Name: "confirm", At: at, Key: "a"})
	b := base.add(Action{Seq: 3, Name: "cancel", At: at, Key: "b"})
	assert.Equal(t, 2, base.Len(), "the base is as it was")
	assert.Equal(t, "confirm", a.Last().Name)
	assert.Equal(t, "cancel", b.Last().Name)
	c := a.add(Action{Seq: 4, Name: "pay", At: at, Key: "c"})
	assert.Equal(t, "confirm", a.Last().Name, "appending to a leaves a as it was")
	assert.True(t, c.Extends(a) && c.Extends(base) && !c.Extends(b) && !base.Extends(a))

	copied := a.Actions()
	copied[0].Name = "rewritten"
	assert.Equal(t, "create", a.At(0).Name, "a copy handed out is the caller's")

	// Times compare as instants; the JSON is the array of actions.
	moved := NewHistory(Action{Seq: 1, Name: "create", At: at.In(time.FixedZone("CST", 8*3600)), Key: "k1"},
		Action{Seq: 2, Name: "submit", At: at, Key: "k2"})
	assert.True(t, moved.Equal(base))
	enc, err := json.Marshal(base)
	require.NoError(t, err)
	var arr []Action
	require.NoError(t, json.Unmarshal(enc, &arr))
	assert.Len(t, arr, 2)
	var back History
	require.NoError(t, json.Unmarshal(enc, &back))
	assert.True(t, back.Equal(base))
	enc, err = json.Marshal(struct {
		H History `json:"h,omitzero"`
	}{})
	require.NoError(t, err)
	assert.JSONEq(t, `{}`, string(enc), "an empty history is left out")
}

// TestAppendsToOneHistoryRace appends to one history from many goroutines
// at once, as racing updates of one order version do, then appends on
// each result: every result is the base and its own actions, whichever
// went in place in the shared array and whichever was copied (run with
// -race, as CI does, it also checks that no append writes what another
// reads).
func TestAppendsToOneHistoryRace(t *testing.T) {
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	base := NewHistory(Action{Seq: 1, Name: "create", At: at, Key: "k"})
	const n = 16
	got := make([]History, n)
	done := make(chan int)
	for g := range n {
		go func() {
			h := base.add(Action{Seq: 2, Name: "submit", At: at, Key: strconv.Itoa(g)})
			got[g] = h.add(Action{Seq: 3, Name: "confirm", At: at, Key: strconv.Itoa(g)})
			done <- g
		}()
	}
	for range n {
		<-done
	}
	assert.Equal(t, 1, base.Len(), "the base is as it was")
	for g, h := range got {
		require.Equal(t, 3, h.Len(), "goroutine %d", g)
		assert.True(t, h.Extends(base))
		assert.Equal(t, strconv.Itoa(g), h.At(1).Key, "goroutine %d's own second action", g)
		assert.Equal(t, strconv.Itoa(g), h.At(2).Key, "goroutine %d's own third action", g)
	}
}
