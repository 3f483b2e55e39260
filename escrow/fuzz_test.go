package escrow_test

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/payment"
)

// FuzzOperations decodes its input into a Service configuration and a
// sequence of operations with amounts, applies them to a Service on the
// memory store and checks each against the reference model of
// model_test.go: the receipt or error is the model's, a refused operation
// changes nothing, and after every operation every account equals the
// model's, passes Verify and keeps held = released + fees + refunded +
// compensated + remaining with nothing negative.
//
// Input layout: two header bytes, then 8 bytes per operation.
//
//	header[0]  bits 0-1 fee (modelFees[n]), bits 2-3 accounts - 1 (1 to 3)
//	header[1]  bits 2k..2k+1: currency of account k (modelCurrencies[n%3])
//	op[0]      operation, modulo 10: fuzzHold ... fuzzClose, fuzzRetry, fuzzReuse
//	op[1]      bits 0-1 account (beyond the last: an unknown one), bits 2-4
//	           actor (fuzzActors), bit 5 no key, bits 6-7: 3 the amount in
//	           another currency, 1 a hold of the account's first payment
//	           again (under a new key)
//	op[2]      bits 0-2 how the amount is made (fuzzLiteral...), bits 3-7
//	           the memo, payment reference or reason (modelStrings, modulo
//	           its length); for a settlement bit 6 also means one unit over
//	           and bit 7 zero parts unset
//	op[3..7]   a 40-bit big-endian number: the amount, the settle ratios
//	           (op[3..5] & 15), the earlier call to retry or reuse; op[7] is
//	           also the minutes the clock moves on before the operation
func FuzzOperations(f *testing.F) {
	for _, seed := range fuzzSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		fee := modelFees[int(data[0]&3)%len(modelFees)]
		curs := make([]payment.Currency, 1+int(data[0]>>2&3)%3)
		for i := range curs {
			curs[i] = modelCurrencies[int(data[1]>>(2*i)&3)%len(modelCurrencies)]
		}
		h := newModelHarness(t, fee, curs)
		data = data[2:]
		for n := 0; len(data) >= 8 && n < fuzzMaxOps; n++ {
			var op [8]byte
			copy(op[:], data)
			data = data[8:]
			h.clock.now = h.clock.now.Add(time.Duration(op[7]) * time.Minute)
			if c, ok := fuzzDecode(h, op); ok {
				h.step(t, c)
			}
			h.check(t)
		}
		h.checkStatements(t)
	})
}

// fuzzMaxOps bounds the operations one input runs, so that each stays fast.
const fuzzMaxOps = 128

// The operation codes of op[0]; retry makes an earlier call again exactly,
// reuse makes one with an earlier successful call's key and another request.
const (
	fuzzHold byte = iota
	fuzzRelease
	fuzzRefund
	fuzzCompensate
	fuzzSettle
	fuzzFreeze
	fuzzUnfreeze
	fuzzClose
	fuzzRetry
	fuzzReuse
	fuzzOpCount
)

var fuzzOps = map[byte]escrow.Op{
	fuzzHold: escrow.OpHold, fuzzRelease: escrow.OpRelease, fuzzRefund: escrow.OpRefund,
	fuzzCompensate: escrow.OpCompensate, fuzzSettle: escrow.OpSettle, fuzzFreeze: escrow.OpFreeze,
	fuzzUnfreeze: escrow.OpUnfreeze, fuzzClose: escrow.OpClose,
}

// fuzzActors are the actors of op[1] bits 2-4.
var fuzzActors = [8]payment.Actor{modelSystem, modelSystem, modelSystem, modelPlatform, modelPlatform, modelBuyer, modelSupplier, modelNobody}

// How op[2] bits 0-2 make an amount from the number n and the account's
// remaining balance r.
const (
	fuzzLiteral    byte = iota // n
	fuzzAll                    // r
	fuzzOneOver                // r + 1
	fuzzSome                   // n mod (r + 1)
	fuzzNegative               // -n
	fuzzZero                   // 0
	fuzzNearMax                // the largest Money less n
	fuzzLiteralToo             // n
)

// fuzzDecode turns one 8-byte operation into a call. It returns false when
// there is nothing to call (a retry or reuse with no earlier call).
func fuzzDecode(h *modelHarness, op [8]byte) (modelCall, bool) {
	n := int64(binary.BigEndian.Uint64(append([]byte{0, 0, 0}, op[3:]...)))
	code := op[0] % fuzzOpCount
	switch code {
	case fuzzRetry:
		if len(h.history) == 0 {
			return modelCall{}, false
		}
		return h.history[n%int64(len(h.history))], true
	case fuzzReuse:
		if len(h.done) == 0 {
			return modelCall{}, false
		}
		prev := h.done[n%int64(len(h.done))]
		return h.mutate(prev, int(op[2]&3), modelStrings[int(op[2]>>3)%len(modelStrings)]), true
	}

	var m *modelAccount
	account := modelUnknownAccount
	if i := int(op[1] & 3); i < len(h.accounts) {
		m = h.accounts[i]
		account = m.id
	} else {
		// Amounts need a currency and a balance: take the first account's.
		m = h.accounts[0]
	}
	c := modelCall{Op: fuzzOps[code], By: fuzzActors[op[1]>>2&7], Account: account}
	if op[1]&0x20 == 0 {
		c.Key = h.freshKey()
	}
	cur := m.cur
	if op[1]>>6 == 3 {
		cur = modelOtherCurrency(cur)
	}
	text := modelStrings[int(op[2]>>3)%len(modelStrings)]
	r := m.remaining()
	units := n
	switch op[2] & 7 {
	case fuzzAll:
		units = r
	case fuzzOneOver:
		units = r + 1
	case fuzzSome:
		units = n % (r + 1)
	case fuzzNegative:
		units = -n
	case fuzzZero:
		units = 0
	case fuzzNearMax:
		units = modelMaxUnits - n
	}
	units = min(units, modelMaxUnits)
	amount := modelMoney(units, cur)

	switch c.Op {
	case escrow.OpHold:
		c.Amount, c.Memo = amount, text
		c.PaymentID = "pay-" + c.Key // no key, no payment: ErrInvalidRequest either way
		if op[1]>>6 == 1 && len(m.entries) > 0 {
			c.PaymentID = m.entries[0].Ref // the first entry is always a hold's
		}
	case escrow.OpRelease, escrow.OpRefund, escrow.OpCompensate:
		c.Amount, c.Memo = amount, text
		if c.Op == escrow.OpRelease && n&1 == 1 { // withhold up to 255 minor units for the guarantee
			c.Recover = modelMoney(n>>1&0xff, cur)
		}
	case escrow.OpSettle:
		avail := modelMoney(m.available(), cur)
		ratios := []int64{int64(op[3] & 15), int64(op[4] & 15), int64(op[5] & 15)}
		if ratios[0]+ratios[1]+ratios[2] == 0 {
			ratios[2] = 1
		}
		parts, err := avail.Allocate(ratios...)
		if err != nil {
			panic(err)
		}
		if op[2]&0x40 != 0 {
			i := int(op[6]) % 3
			parts[i] = modelMoney(parts[i].Minor()+1, cur)
		}
		if op[2]&7 == fuzzNegative {
			parts[int(op[6])%3] = modelMoney(-1, cur)
		}
		for i := range parts {
			if op[2]&0x80 != 0 && parts[i].IsZero() {
				parts[i] = payment.Money{}
			}
		}
		c.Refund, c.Comp, c.Release, c.Memo = parts[0], parts[1], parts[2], text
		if op[3]&0x10 != 0 { // the guarantee pays the buyer's parts, less op[4]>>4 minor units (or one more)
			g := parts[0].Minor() + parts[1].Minor() - int64(op[4]>>4)
			if op[5]&0x10 != 0 {
				g += int64(op[4]>>4) + 1
			}
			c.Guarantee = modelMoney(min(max(g, 0), modelMaxUnits), cur)
		}
		if op[3]&0x20 != 0 {
			c.Recover = modelMoney(int64(op[5]>>4)*37, cur)
		}
	case escrow.OpFreeze, escrow.OpUnfreeze:
		c.Text = text
	}
	return c, true
}

// fuzzOp builds one 8-byte operation of the seed corpus.
func fuzzOp(code, b1, b2 byte, n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n&(1<<40-1))
	b[0], b[1], b[2] = code, b1, b2
	return b
}

// fuzzInput joins a header and operations.
func fuzzInput(h0, h1 byte, ops ...[]byte) []byte {
	b := []byte{h0, h1}
	for _, op := range ops {
		b = append(b, op...)
	}
	return b
}

// Header and operation bytes for the seeds.
const (
	fuzzNoFee, fuzzPercent, fuzzWhole byte = 0, 1, 2 // header[0] fee
	fuzzUnsetFee                      byte = 3
	fuzzTwo, fuzzThree                byte = 1 << 2, 2 << 2
	fuzzUSD, fuzzJPY, fuzzKWD         byte = 0, 1, 2 // header[1], per account
	fuzzAcct2                         byte = 1       // op[1]
	fuzzUnknown                       byte = 3
	fuzzPlatform                      byte = 3 << 2
	fuzzBuyer                         byte = 5 << 2
	fuzzSupplier                      byte = 6 << 2
	fuzzNobody                        byte = 7 << 2
	fuzzNoKey                         byte = 1 << 5
	fuzzForeign                       byte = 3 << 6
	fuzzSamePayment                   byte = 1 << 6
	fuzzOver                          byte = 1 << 6 // op[2]
	fuzzUnset                         byte = 1 << 7
)

// fuzzSeeds cover every operation, refusal and replay at least once.
func fuzzSeeds() [][]byte {
	memo := func(i byte) byte { return i << 3 }
	return [][]byte{
		// A deposit and a partial release with the 2.5% fee, then the rest.
		fuzzInput(fuzzPercent, fuzzUSD,
			fuzzOp(fuzzHold, 0, fuzzLiteral|memo(1), 30_000),
			fuzzOp(fuzzRelease, 0, fuzzSome, 12_345),
			fuzzOp(fuzzRelease, fuzzPlatform, fuzzAll, 0)),
		// A refund of everything, then a close and a hold on the closed account.
		fuzzInput(fuzzNoFee, fuzzUSD,
			fuzzOp(fuzzHold, 0, fuzzLiteral, 10_000),
			fuzzOp(fuzzRefund, 0, fuzzAll|memo(4), 0),
			fuzzOp(fuzzClose, 0, 0, 0),
			fuzzOp(fuzzHold, 0, fuzzLiteral, 1)),
		// Compensation, then a 70/30 settlement of the rest, one unit over and exact.
		fuzzInput(fuzzPercent, fuzzKWD,
			fuzzOp(fuzzHold, 0, fuzzLiteral, 1_000_001),
			fuzzOp(fuzzCompensate, 0, fuzzLiteral|memo(3), 50_000),
			fuzzOp(fuzzSettle, 0, fuzzOver|memo(4), 7<<32|0<<24|3<<16),
			fuzzOp(fuzzSettle, 0, memo(4), 7<<32|0<<24|3<<16)),
		// A freeze stops a release; the system may not unfreeze; a platform agent does.
		fuzzInput(fuzzPercent, fuzzUSD,
			fuzzOp(fuzzHold, 0, fuzzLiteral, 5_000),
			fuzzOp(fuzzFreeze, 0, memo(1), 0),
			fuzzOp(fuzzRelease, 0, fuzzAll, 0),
			fuzzOp(fuzzUnfreeze, 0, memo(2), 0),
			fuzzOp(fuzzUnfreeze, fuzzPlatform, memo(2), 0),
			fuzzOp(fuzzRelease, 0, fuzzAll, 0)),
		// Retries: a hold replayed, a refused release retried.
		fuzzInput(fuzzNoFee, fuzzJPY,
			fuzzOp(fuzzHold, 0, fuzzLiteral, 700),
			fuzzOp(fuzzRetry, 0, 0, 0),
			fuzzOp(fuzzRelease, 0, fuzzOneOver, 0),
			fuzzOp(fuzzRetry, 0, 0, 2),
			fuzzOp(fuzzRetry, 0, 0, 0)),
		// Keys reused with another amount, memo, actor and operation.
		fuzzInput(fuzzPercent, fuzzUSD,
			fuzzOp(fuzzHold, 0, fuzzLiteral, 9_999),
			fuzzOp(fuzzRefund, 0, fuzzLiteral, 99),
			fuzzOp(fuzzReuse, 0, 0, 0),
			fuzzOp(fuzzReuse, 0, 1|memo(2), 1),
			fuzzOp(fuzzReuse, 0, 2, 1),
			fuzzOp(fuzzReuse, 0, 3, 0)),
		// Buyers, suppliers, actors without an id and missing keys are refused.
		fuzzInput(fuzzNoFee, fuzzUSD,
			fuzzOp(fuzzHold, fuzzBuyer, fuzzLiteral, 100),
			fuzzOp(fuzzHold, 0, fuzzLiteral, 100),
			fuzzOp(fuzzRelease, fuzzSupplier, fuzzAll, 0),
			fuzzOp(fuzzClose, fuzzNobody, 0, 0),
			fuzzOp(fuzzRefund, fuzzNoKey, fuzzAll, 0)),
		// Foreign currencies, zero and negative amounts are refused.
		fuzzInput(fuzzPercent, fuzzJPY,
			fuzzOp(fuzzHold, fuzzForeign, fuzzLiteral, 100),
			fuzzOp(fuzzHold, 0, fuzzZero, 0),
			fuzzOp(fuzzHold, 0, fuzzNegative, 5),
			fuzzOp(fuzzHold, 0, fuzzLiteral, 100),
			fuzzOp(fuzzRelease, fuzzForeign, fuzzAll, 0),
			fuzzOp(fuzzRefund, 0, fuzzNegative, 1),
			fuzzOp(fuzzSettle, 0, fuzzNegative, 1<<32)),
		// An account that was never opened.
		fuzzInput(fuzzNoFee, fuzzUSD,
			fuzzOp(fuzzHold, fuzzUnknown, fuzzLiteral, 100),
			fuzzOp(fuzzFreeze, fuzzUnknown, memo(1), 0)),
		// Holds up to the largest Money, and one past it.
		fuzzInput(fuzzWhole, fuzzKWD,
			fuzzOp(fuzzHold, 0, fuzzNearMax, 1),
			fuzzOp(fuzzHold, 0, fuzzLiteral, 1),
			fuzzOp(fuzzHold, 0, fuzzLiteral, 1),
			fuzzOp(fuzzRelease, 0, fuzzAll, 0)),
		// A close refused while money remains or the account is frozen.
		fuzzInput(fuzzNoFee, fuzzUSD,
			fuzzOp(fuzzHold, 0, fuzzLiteral, 1),
			fuzzOp(fuzzClose, 0, 0, 0),
			fuzzOp(fuzzCompensate, 0, fuzzAll, 0),
			fuzzOp(fuzzFreeze, fuzzPlatform, memo(1), 0),
			fuzzOp(fuzzClose, 0, 0, 0),
			fuzzOp(fuzzUnfreeze, fuzzPlatform, 0, 0),
			fuzzOp(fuzzClose, fuzzPlatform, 0, 0),
			fuzzOp(fuzzRetry, 0, 0, 6)),
		// Three accounts in three currencies, with unset settlement parts.
		fuzzInput(fuzzPercent|fuzzThree, fuzzUSD|fuzzJPY<<2|fuzzKWD<<4,
			fuzzOp(fuzzHold, 0, fuzzLiteral, 10_001),
			fuzzOp(fuzzHold, fuzzAcct2, fuzzLiteral, 333),
			fuzzOp(fuzzHold, 2, fuzzLiteral, 7),
			fuzzOp(fuzzSettle, fuzzAcct2, fuzzUnset, 0<<32|1<<24|1<<16),
			fuzzOp(fuzzSettle, 2, 0, 1<<32|1<<24|1<<16),
			fuzzOp(fuzzRelease, 0, fuzzSome, 5_000)),
		// A freeze without a reason, and a freeze of a frozen account.
		fuzzInput(fuzzNoFee|fuzzTwo, fuzzUSD|fuzzUSD<<2,
			fuzzOp(fuzzFreeze, fuzzAcct2, memo(0), 0),
			fuzzOp(fuzzFreeze, fuzzAcct2, memo(1), 0),
			fuzzOp(fuzzFreeze, fuzzAcct2|fuzzPlatform, memo(2), 0),
			fuzzOp(fuzzHold, fuzzAcct2, fuzzLiteral, 1)),
		// Fees on ties: 2.5% of 0.20 is 0.005 (half-even: 0.00), of 1.00 is
		// 0.025 (0.02); a settlement tried on a frozen account.
		fuzzInput(fuzzPercent, fuzzUSD,
			fuzzOp(fuzzHold, 0, fuzzLiteral, 10_000),
			fuzzOp(fuzzRelease, 0, fuzzLiteral, 20),
			fuzzOp(fuzzRelease, 0, fuzzLiteral, 100),
			fuzzOp(fuzzSettle, 0, 0, 1<<32|1<<24|1<<16),
			fuzzOp(fuzzFreeze, 0, memo(1), 0),
			fuzzOp(fuzzSettle, 0, 0, 1<<32|1<<24|1<<16)),
		// A replay after later movements answers with the balance of its
		// time; an unfreeze of an account that is not frozen is recorded.
		fuzzInput(fuzzNoFee, fuzzUSD,
			fuzzOp(fuzzHold, 0, fuzzLiteral, 500),
			fuzzOp(fuzzRefund, 0, fuzzLiteral, 200),
			fuzzOp(fuzzRetry, 0, 0, 0),
			fuzzOp(fuzzUnfreeze, fuzzPlatform, memo(1), 0),
			fuzzOp(fuzzRetry, 0, 0, 3)),
		// A payment held again under a new key; a memo that is not UTF-8.
		fuzzInput(fuzzNoFee, fuzzUSD,
			fuzzOp(fuzzHold, 0, fuzzLiteral, 1_000),
			fuzzOp(fuzzHold, fuzzSamePayment, fuzzLiteral, 1_000),
			fuzzOp(fuzzRefund, 0, fuzzAll|memo(8), 0),
			fuzzOp(fuzzFreeze, 0, memo(9), 0)),
		// A fee function that says "no fee" with the zero Money.
		fuzzInput(fuzzUnsetFee, fuzzJPY,
			fuzzOp(fuzzHold, 0, fuzzLiteral, 1_000),
			fuzzOp(fuzzRelease, 0, fuzzLiteral, 400),
			fuzzOp(fuzzSettle, 0, 0, 0<<32|0<<24|1<<16)),
		{},
	}
}
