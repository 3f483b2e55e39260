package supplier_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// hostileLargest is the largest USD amount a Money holds.
var hostileLargest = svcUSD("9999999999999999.99")

// hostileCase is a call of the supplier service with hostile input on
// svcActorFixture's supplier s1 (enrolled, order o1 recorded, o-held
// reserved, 50.00 of its balance available, a payout of 48.00 pending): it must fail with want, and with the type typed points to
// when set, and change neither s1 nor s2.
type hostileCase struct {
	name  string
	call  func(ctx context.Context, s *supplier.Service) error
	want  error
	typed any
}

func hostileRegister(edit func(*supplier.RegisterRequest)) func(context.Context, *supplier.Service) error {
	return func(ctx context.Context, s *supplier.Service) error {
		req := svcRegisterRequest("s1", svcFounded)
		edit(&req)
		_, err := s.Register(ctx, svcAgent, req)
		return err
	}
}

func hostileDocument(edit func(*supplier.Document)) func(context.Context, *supplier.Service) error {
	return func(ctx context.Context, s *supplier.Service) error {
		d := svcDoc("iso-env", supplier.ISO14001, time.Time{})
		edit(&d)
		_, err := s.SubmitDocument(ctx, svcSelf, "s1", d)
		return err
	}
}

func hostileOrder(edit func(*supplier.OrderRecord)) func(context.Context, *supplier.Service) error {
	return func(ctx context.Context, s *supplier.Service) error {
		o := svcOrder("o2", "b1", "100.00", svcStart)
		edit(&o)
		_, err := s.RecordOrder(ctx, svcOrders, "s1", o)
		return err
	}
}

func hostileCharge(orderID string, amount payment.Money) func(context.Context, *supplier.Service) error {
	return func(ctx context.Context, s *supplier.Service) error {
		_, err := s.ChargeReceivable(ctx, svcOrders, "s1", supplier.ReceivableRequest{OrderID: orderID, Amount: amount})
		return err
	}
}

func hostileRecover(orderID string, amount payment.Money) func(context.Context, *supplier.Service) error {
	return func(ctx context.Context, s *supplier.Service) error {
		_, err := s.RecoverReceivables(ctx, svcOrders, "s1", orderID, amount)
		return err
	}
}

func hostilePayout(key string, amount payment.Money) func(context.Context, *supplier.Service) error {
	return func(ctx context.Context, s *supplier.Service) error {
		_, err := s.RequestPayout(ctx, svcSelf, "s1", key, supplier.PayoutRequest{Amount: amount})
		return err
	}
}

// hostileReport reports o of payout id of s1: the pending one when id is
// empty.
func hostileReport(id string, o supplier.PayoutOutcome) func(context.Context, *supplier.Service) error {
	return func(ctx context.Context, s *supplier.Service) error {
		if id == "" {
			ps, err := s.Payouts(ctx, "s1")
			if err != nil {
				return err
			}
			id = ps[0].ID
		}
		_, err := s.ReportPayout(ctx, svcOrders, "s1", id, o)
		return err
	}
}

func hostileReserve(orderID string, amount payment.Money) func(context.Context, *supplier.Service) error {
	return func(ctx context.Context, s *supplier.Service) error {
		_, err := s.Reserve(ctx, svcOrders, "s1", orderID, amount)
		return err
	}
}

func hostileReview(rating int) func(context.Context, *supplier.Service) error {
	return func(ctx context.Context, s *supplier.Service) error {
		_, err := s.AddReview(ctx, svcBuyer, "s1", supplier.ReviewRequest{OrderID: "o1", Rating: rating, Text: "ok"})
		return err
	}
}

func TestHostileRequestsToTheSupplierServiceAreRefusedAndChangeNothing(t *testing.T) {
	long := testkit.Long("")
	tests := []hostileCase{
		{"a zero registration", hostileRegister(func(r *supplier.RegisterRequest) { *r = supplier.RegisterRequest{} }), supplier.ErrInvalidRequest, nil},
		{"a registration from a mebibyte country", hostileRegister(func(r *supplier.RegisterRequest) { r.ID, r.Country = "s3", payment.Country(long) }), supplier.ErrInvalidRequest, nil},
		{"a registration from a lower-case country", hostileRegister(func(r *supplier.RegisterRequest) { r.ID, r.Country = "s3", "cn" }), supplier.ErrInvalidRequest, nil},
		{"a registration founded at the end of time", hostileRegister(func(r *supplier.RegisterRequest) {
			r.ID, r.EstablishedOn = "s3", time.Unix(math.MaxInt64/2, 0)
		}), supplier.ErrInvalidRequest, nil},
		{"a registration of s1 with a mebibyte company name", hostileRegister(func(r *supplier.RegisterRequest) { r.Company = long }), supplier.ErrInvalidRequest, new(*payment.LengthError)},
		{"a zero document", hostileDocument(func(d *supplier.Document) { *d = supplier.Document{} }), supplier.ErrInvalidRequest, nil},
		{"a document of a mebibyte kind", hostileDocument(func(d *supplier.Document) { d.Kind = supplier.DocumentKind(long) }), supplier.ErrInvalidRequest, nil},
		{"a document that ends before it starts", hostileDocument(func(d *supplier.Document) { d.ValidUntil = d.ValidFrom.Add(-time.Nanosecond) }), supplier.ErrInvalidRequest, nil},
		{"a document submitted for a mebibyte supplier id", func(ctx context.Context, s *supplier.Service) error {
			_, err := s.SubmitDocument(ctx, svcAgent, long, svcDoc("iso-env", supplier.ISO14001, time.Time{}))
			return err
		}, supplier.ErrNotFound, nil},
		{"a review of a mebibyte document id", func(ctx context.Context, s *supplier.Service) error {
			_, err := s.ReviewDocument(ctx, svcAgent, "s1", long, true, long)
			return err
		}, supplier.ErrInvalidRequest, new(*payment.LengthError)},
		{"a removal without a reason", func(ctx context.Context, s *supplier.Service) error {
			_, err := s.Remove(ctx, svcAgent, "s1", "")
			return err
		}, supplier.ErrInvalidRequest, nil},
		{"a zero order record", hostileOrder(func(o *supplier.OrderRecord) { *o = supplier.OrderRecord{} }), supplier.ErrInvalidRequest, nil},
		{"an order of no value", hostileOrder(func(o *supplier.OrderRecord) { o.Value = payment.Money{} }), payment.ErrCurrencyMismatch, new(*payment.CurrencyMismatchError)},
		{"an order in yen", hostileOrder(func(o *supplier.OrderRecord) { o.Value = payment.MustParse("100", payment.JPY) }), payment.ErrCurrencyMismatch, new(*payment.CurrencyMismatchError)},
		{"an order of zero", hostileOrder(func(o *supplier.OrderRecord) { o.Value = svcUSD("0") }), payment.ErrInvalidAmount, nil},
		{"an order of minus the largest amount", hostileOrder(func(o *supplier.OrderRecord) { o.Value = hostileLargest.Neg() }), payment.ErrInvalidAmount, nil},
		{"a dispute lost that was no dispute", hostileOrder(func(o *supplier.OrderRecord) { o.DisputeLost = true }), supplier.ErrInvalidRequest, nil},
		{"order o1 again with the largest value", hostileOrder(func(o *supplier.OrderRecord) { o.OrderID, o.Value = "o1", hostileLargest }), supplier.ErrIdempotencyMismatch, nil},
		{"a zero inquiry", func(ctx context.Context, s *supplier.Service) error {
			_, err := s.RecordInquiry(ctx, svcOrders, "s1", supplier.Inquiry{})
			return err
		}, supplier.ErrInvalidRequest, nil},
		{"an inquiry answered before it arrived", func(ctx context.Context, s *supplier.Service) error {
			_, err := s.RecordInquiry(ctx, svcOrders, "s1", supplier.Inquiry{ID: "q1", ReceivedAt: svcStart, RespondedAt: svcStart.Add(-time.Hour)})
			return err
		}, supplier.ErrInvalidRequest, nil},
		{"a review of no stars", hostileReview(0), supplier.ErrInvalidRequest, nil},
		{"a review of six stars", hostileReview(6), supplier.ErrInvalidRequest, nil},
		{"a review of the largest int stars", hostileReview(math.MaxInt), supplier.ErrInvalidRequest, nil},
		{"a review of the smallest int stars", hostileReview(math.MinInt), supplier.ErrInvalidRequest, nil},
		{"a review of a mebibyte order id", func(ctx context.Context, s *supplier.Service) error {
			_, err := s.AddReview(ctx, svcBuyer, "s1", supplier.ReviewRequest{OrderID: long, Rating: 5})
			return err
		}, supplier.ErrInvalidRequest, new(*payment.LengthError)},
		{"a reservation of the largest amount", hostileReserve("o2", hostileLargest), supplier.ErrLimitExceeded, new(*supplier.LimitError)},
		{"a reservation of minus the largest amount", hostileReserve("o2", hostileLargest.Neg()), payment.ErrInvalidAmount, nil},
		{"a reservation of zero", hostileReserve("o2", svcUSD("0")), payment.ErrInvalidAmount, nil},
		{"a reservation of no amount", hostileReserve("o2", payment.Money{}), payment.ErrCurrencyMismatch, new(*payment.CurrencyMismatchError)},
		{"a reservation in yen", hostileReserve("o2", payment.MustParse("100", payment.JPY)), payment.ErrCurrencyMismatch, new(*payment.CurrencyMismatchError)},
		{"a reservation for no order", hostileReserve("", svcUSD("1.00")), supplier.ErrInvalidRequest, nil},
		{"o-held reserved again for the largest amount", hostileReserve("o-held", hostileLargest), supplier.ErrIdempotencyMismatch, nil},
		{"a reservation on a mebibyte supplier id", func(ctx context.Context, s *supplier.Service) error {
			_, err := s.Reserve(ctx, svcOrders, long, "o2", svcUSD("1.00"))
			return err
		}, supplier.ErrNotFound, nil},
		{"a release on a mebibyte supplier id", func(ctx context.Context, s *supplier.Service) error {
			_, err := s.Release(ctx, svcOrders, long, "o-held")
			return err
		}, supplier.ErrNotFound, nil},
		{"a receivable of no amount", hostileCharge("o1", payment.Money{}), payment.ErrUnknownCurrency, nil},
		{"a receivable of zero", hostileCharge("o1", svcUSD("0")), payment.ErrInvalidAmount, nil},
		{"a receivable of minus the largest amount", hostileCharge("o1", hostileLargest.Neg()), payment.ErrInvalidAmount, nil},
		{"a receivable for no order", hostileCharge("", svcUSD("1.00")), supplier.ErrInvalidRequest, nil},
		{"a receivable for a mebibyte order id", hostileCharge(long, svcUSD("1.00")), supplier.ErrInvalidRequest, new(*payment.LengthError)},
		{"a recovery when nothing is owed", hostileRecover("o2", svcUSD("0.01")), payment.ErrInvalidAmount, nil},
		{"a recovery of zero", hostileRecover("o2", svcUSD("0")), payment.ErrInvalidAmount, nil},
		{"a recovery of minus the largest amount", hostileRecover("o2", hostileLargest.Neg()), payment.ErrInvalidAmount, nil},
		{"a recovery for no release", hostileRecover("", svcUSD("1.00")), supplier.ErrInvalidRequest, nil},
		{"a recovery of no amount", hostileRecover("o2", payment.Money{}), payment.ErrUnknownCurrency, nil},
		{"what minus the largest amount would cover", func(ctx context.Context, s *supplier.Service) error {
			_, _, err := s.Coverable(ctx, "s1", hostileLargest.Neg())
			return err
		}, payment.ErrInvalidAmount, nil},
		{"what no amount would cover", func(ctx context.Context, s *supplier.Service) error {
			_, _, err := s.Coverable(ctx, "s1", payment.Money{})
			return err
		}, payment.ErrCurrencyMismatch, new(*payment.CurrencyMismatchError)},
		{"a platform agent's record of an order that credits the balance", func(ctx context.Context, s *supplier.Service) error {
			o := svcOrder("o2", "b1", "100.00", svcStart)
			o.Release.Paid = hostileLargest
			_, err := s.RecordOrder(ctx, svcAgent, "s1", o)
			return err
		}, payment.ErrForbidden, new(*payment.ActorError)},
		{"a payout of no amount", hostilePayout("k", payment.Money{}), payment.ErrUnknownCurrency, nil},
		{"a payout of zero", hostilePayout("k", svcUSD("0")), payment.ErrInvalidAmount, nil},
		{"a payout of minus the largest amount", hostilePayout("k", hostileLargest.Neg()), payment.ErrInvalidAmount, nil},
		{"a payout of the largest amount", hostilePayout("k", hostileLargest), supplier.ErrInsufficientBalance, nil},
		{"a payout a cent above what is available", hostilePayout("k", svcUSD("50.01")), supplier.ErrInsufficientBalance, nil},
		{"a payout in yen, which s1 was never paid", hostilePayout("k", payment.MustParse("100", payment.JPY)), supplier.ErrInsufficientBalance, nil},
		{"a payout with no key", hostilePayout("", svcUSD("1.00")), supplier.ErrInvalidRequest, nil},
		{"a payout with a mebibyte key", hostilePayout(long, svcUSD("1.00")), supplier.ErrInvalidRequest, new(*payment.LengthError)},
		{"the pending payout's key again for another amount", func(ctx context.Context, s *supplier.Service) error {
			_, err := s.RequestPayout(ctx, svcAgent, "s1", "payout-pending", supplier.PayoutRequest{Amount: svcUSD("1.00")})
			return err
		}, supplier.ErrIdempotencyMismatch, nil},
		{"a payout of a supplier that does not exist", func(ctx context.Context, s *supplier.Service) error {
			_, err := s.RequestPayout(ctx, svcAgent, "s9", "k", supplier.PayoutRequest{Amount: svcUSD("1.00")})
			return err
		}, supplier.ErrNotFound, nil},
		{"a payout of s2, which has no destination and no balance", func(ctx context.Context, s *supplier.Service) error {
			_, err := s.RequestPayout(ctx, svcAgent, "s2", "k", supplier.PayoutRequest{Amount: svcUSD("1.00")})
			return err
		}, supplier.ErrPayoutHeld, new(*supplier.PayoutHeldError)},
		{"a payout destination of nothing", func(ctx context.Context, s *supplier.Service) error {
			_, err := s.SetPayoutDestination(ctx, svcSelf, "s1", "")
			return err
		}, supplier.ErrInvalidRequest, nil},
		{"a payout destination of a mebibyte", func(ctx context.Context, s *supplier.Service) error {
			_, err := s.SetPayoutDestination(ctx, svcSelf, "s1", long)
			return err
		}, supplier.ErrInvalidRequest, new(*payment.LengthError)},
		{"a report of a payout that does not exist", hostileReport("po_none", supplier.PayoutOutcome{Status: supplier.PayoutPaid}), supplier.ErrNotFound, nil},
		{"a report of a mebibyte payout id", hostileReport(long, supplier.PayoutOutcome{Status: supplier.PayoutPaid}), supplier.ErrInvalidRequest, new(*payment.LengthError)},
		{"a report of pending", hostileReport("", supplier.PayoutOutcome{Status: supplier.PayoutPending}), supplier.ErrInvalidRequest, nil},
		{"a report of no status", hostileReport("", supplier.PayoutOutcome{}), supplier.ErrInvalidRequest, nil},
		{"a report of a made-up status", hostileReport("", supplier.PayoutOutcome{Status: "refunded"}), supplier.ErrInvalidRequest, nil},
		{"a report that the pending payout was returned before it was paid", hostileReport("", supplier.PayoutOutcome{Status: supplier.PayoutReturned}), payment.ErrInvalidTransition, nil},
		{"a report with a mebibyte reason", hostileReport("", supplier.PayoutOutcome{Status: supplier.PayoutFailed, Reason: payment.Reason{Code: "x", Text: long}}), supplier.ErrInvalidRequest, new(*payment.LengthError)},
		{"a report with a mebibyte processor reference", hostileReport("", supplier.PayoutOutcome{Status: supplier.PayoutPaid, ProcessorRef: long}), supplier.ErrInvalidRequest, new(*payment.LengthError)},
		{"an evaluation by an actor of a mebibyte role", func(ctx context.Context, s *supplier.Service) error {
			_, err := s.Evaluate(ctx, payment.Actor{Role: payment.Role(long), ID: "x"}, "s1")
			return err
		}, payment.ErrInvalidRequest, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := svcActorFixture(t)
			f.clock.Advance(svcDay)
			before := []*supplier.Supplier{authzRecord(t, f), f.get(t, "s2")}
			err := testkit.HostileErr(t, func(ctx context.Context) error { return tt.call(ctx, f.svc) })
			testkit.RequireErr(t, err, tt.want, tt.typed)
			testkit.Check(t, "s1 and s2 after a refused call", before, []*supplier.Supplier{authzRecord(t, f), f.get(t, "s2")})
		})
	}
}

func TestTheLargestAmountsGiveALimitAtItsMaximumAndBreakNothing(t *testing.T) {
	f := svcActorFixture(t)
	ctx := t.Context()
	split, err := testkit.Hostile(t, func(ctx context.Context) ([2]payment.Money, error) {
		c, u, err := f.svc.Coverable(ctx, "s1", hostileLargest)
		return [2]payment.Money{c, u}, err
	})
	require.NoError(t, err)
	available := f.get(t, "s1").Available()
	rest, err := hostileLargest.Sub(available)
	require.NoError(t, err)
	assert.Equal(t, [2]payment.Money{available, rest}, split, "the limit covers what is available of the largest amount, and no more")

	// Orders recorded as completing tomorrow count from tomorrow: ten of
	// them, each of the largest amount, add up to ten times what a Money
	// holds.
	tomorrow := f.clock.Now().Add(svcDay)
	for i := range 10 {
		o := svcOrder("big-"+string(rune('a'+i)), "b1", "9999999999999999.99", tomorrow)
		_, err := testkit.Hostile(t, func(ctx context.Context) (*supplier.Supplier, error) {
			return f.svc.RecordOrder(ctx, svcOrders, "s1", o)
		})
		require.NoError(t, err, "order %s", o.OrderID)
	}
	f.clock.Advance(2 * svcDay)
	s, err := testkit.Hostile(t, func(ctx context.Context) (*supplier.Supplier, error) { return f.svc.Evaluate(ctx, svcOrders, "s1") })
	require.NoError(t, err, "the supplier is evaluated")
	assert.Equal(t, svcUSD("1000000.00"), s.Limit.Amount, "the limit is capped at its maximum, not wrapped around")
	_, err = f.svc.Release(ctx, svcOrders, "s1", "o-held")
	require.NoError(t, err, "the supplier's reservations can still be released")
	r, err := f.svc.Reserve(ctx, svcOrders, "s1", "o3", svcUSD("999999.00"))
	require.NoError(t, err, "and its limit reserved")
	assert.Equal(t, svcUSD("999999.00"), r.Amount)
}

func TestHostileRulesAreRefusedWhenTheServiceStarts(t *testing.T) {
	edits := map[string]struct {
		edit func(*supplier.Rules)
		want error
	}{
		"zero rules":                     {func(r *supplier.Rules) { *r = supplier.Rules{} }, supplier.ErrInvalidRequest},
		"a limit in lower-case dollars":  {func(r *supplier.Rules) { r.Limit.Currency = "usd" }, payment.ErrUnknownCurrency},
		"a limit in a mebibyte currency": {func(r *supplier.Rules) { r.Limit.Currency = payment.Currency(testkit.Long("USD")) }, payment.ErrUnknownCurrency},
		"a negative step":                {func(r *supplier.Rules) { r.Limit.Step = svcUSD("-100") }, supplier.ErrInvalidRequest},
		"no step":                        {func(r *supplier.Rules) { r.Limit.Step = payment.Money{} }, supplier.ErrInvalidRequest},
		"a negative grade factor":        {func(r *supplier.Rules) { r.Limit.GradeFactor["A"] = decimal.New(-1, 30) }, supplier.ErrInvalidRequest},
		"a negative weight":              {func(r *supplier.Rules) { r.Rating.Weights[supplier.FactorReviews] = math.MinInt }, supplier.ErrInvalidRequest},
		"a neutral fraction of 10^30":    {func(r *supplier.Rules) { r.Rating.Neutral = decimal.New(1, 30) }, supplier.ErrInvalidRequest},
		"a mebibyte required kind": {func(r *supplier.Rules) {
			r.Required = append(r.Required, supplier.DocumentKind(testkit.Long("")))
		}, supplier.ErrInvalidRequest},
	}
	for name, tt := range edits {
		t.Run(name, func(t *testing.T) {
			rules := supplier.DefaultRules()
			tt.edit(&rules)
			_, err := testkit.Hostile(t, func(context.Context) (*supplier.Service, error) {
				return supplier.NewService(supplier.Config{Store: supplier.NewMemoryStore(), Clock: testkit.NewClock(svcStart), Rules: &rules})
			})
			testkit.RequireErr(t, err, tt.want, nil)
		})
	}
}

// TestStringsAtTheirLimitsAreKeptWhole: ids of payment.MaxIDLen bytes
// and texts of payment.MaxTextLen are taken and stored whole; one byte
// more is a *payment.LengthError that stores nothing.
// req0 is a registration of supplier id with every text long.
func req0(id, long string) supplier.RegisterRequest {
	return supplier.RegisterRequest{ID: id, Company: long, Country: "CN", EstablishedOn: svcFounded, MainProducts: []string{long, long}}
}

func TestStringsAtTheirLimitsAreKeptWhole(t *testing.T) {
	f := newSvcFixture(t, nil)
	id, long := testkit.ID("s-"), testkit.Text("")
	over := req0(id+"x", long)
	_, err := f.svc.Register(context.Background(), svcAgent, over)
	var le *payment.LengthError
	require.ErrorAs(t, err, &le, "an id one byte too long")
	require.ErrorIs(t, err, supplier.ErrInvalidRequest)
	_, err = f.svc.Register(context.Background(), svcAgent, req0(id, long+"x"))
	require.ErrorAs(t, err, &le, "a company name one byte too long")
	req := req0(id, long)
	_, err = testkit.Hostile(t, func(ctx context.Context) (*supplier.Supplier, error) { return f.svc.Register(ctx, svcAgent, req) })
	require.NoError(t, err)
	d := supplier.Document{ID: testkit.ID("doc-"), Kind: supplier.BusinessLicence, Issuer: long, Number: long,
		ValidFrom: svcStart.Add(-svcDay), Files: []string{long}}
	_, err = testkit.Hostile(t, func(ctx context.Context) (*supplier.Supplier, error) {
		return f.svc.SubmitDocument(ctx, svcAgent, id, d)
	})
	require.NoError(t, err)
	s, err := testkit.Hostile(t, func(ctx context.Context) (*supplier.Supplier, error) {
		return f.svc.ReviewDocument(ctx, svcAgent, id, d.ID, true, long)
	})
	require.NoError(t, err)
	assert.Equal(t, supplier.StatusVerified, s.Status)
	got := f.get(t, id)
	assert.True(t, got.ID == id && got.Company == long && got.MainProducts[1] == long && got.Documents[0].Number == long &&
		got.Documents[0].Files[0] == long && got.Documents[0].ReviewNote == long, "every long string is stored whole")
	again, err := testkit.Hostile(t, func(ctx context.Context) (*supplier.Supplier, error) { return f.svc.Register(ctx, svcAgent, req) })
	require.NoError(t, err, "registering again with the same request")
	assert.Equal(t, got.Version, again.Version, "changes nothing")
	_, err = f.svc.Register(context.Background(), svcAgent, over)
	require.ErrorIs(t, err, supplier.ErrInvalidRequest, "still refused")
	_, err = f.svc.Supplier(context.Background(), id+"x")
	require.ErrorIs(t, err, supplier.ErrNotFound, "the refused registration stored nothing")
}
