package order_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

var (
	t0          = time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
	t1          = t0.Add(time.Hour)
	t2          = t0.Add(2 * time.Hour)
	buyer       = payment.Buyer("b1")
	theSupplier = payment.Supplier("s1")
	rules       = order.DefaultModificationRules()
)

// newDraft returns supplier s1's draft for buyer b1 on validTerms, made at t0.
func newDraft(t *testing.T) *order.Order {
	t.Helper()
	o, err := order.NewDraft("o-1", theSupplier, "b1", validTerms(), t0)
	require.NoError(t, err)
	return o
}

// orderIn returns the draft moved to state s as the service would: the
// delivery is agreed from the buyer's confirmation on. Nothing is paid.
func orderIn(t *testing.T, s order.State) *order.Order {
	t.Helper()
	o := newDraft(t)
	o.State = s
	o.DeliveryAgreed = s != order.Draft && s != order.AwaitingConfirmation
	return o
}

// repackaged returns validTerms with another packaging: a change that
// keeps the total.
func repackaged() order.Terms {
	terms := validTerms()
	terms.Items[0].Spec.Packaging = "wooden crate"
	return terms
}

// moreChairs returns validTerms with one more chair: a change of the total.
func moreChairs() order.Terms {
	terms := validTerms()
	terms.Items[0].Quantity = 3
	return terms
}

// refused runs op, requires an error and that op left o as it was, and
// returns the error.
func refused(t *testing.T, o *order.Order, op func() error) error {
	t.Helper()
	before := o.Clone()
	err := op()
	require.Error(t, err)
	if diff := cmp.Diff(before, o); diff != "" {
		t.Errorf("a refused operation changed the order (-before +after):\n%s", diff)
	}
	return err
}

// unchanged runs op, requires no error and that op left o as it was.
func unchanged(t *testing.T, o *order.Order, op func() error) {
	t.Helper()
	before := o.Clone()
	require.NoError(t, op())
	if diff := cmp.Diff(before, o); diff != "" {
		t.Errorf("a repeated operation changed the order (-before +after):\n%s", diff)
	}
}

// codes returns the reason codes of a *ModificationError.
func codes(t *testing.T, err error) []string {
	t.Helper()
	var me *order.ModificationError
	require.ErrorAs(t, err, &me)
	require.ErrorIs(t, err, order.ErrModificationRefused)
	var out []string
	for _, r := range me.Reasons {
		require.NotEmpty(t, r.Text)
		out = append(out, r.Code)
	}
	return out
}

func TestNewDraft(t *testing.T) {
	t.Run("a supplier drafts an order for a buyer", func(t *testing.T) {
		o := newDraft(t)
		want := &order.Order{ID: "o-1", BuyerID: "b1", SupplierID: "s1", Terms: validTerms(), State: order.Draft,
			CreatedAt: t0, UpdatedAt: t0}
		if diff := cmp.Diff(want, o); diff != "" {
			t.Errorf("draft (-want +got):\n%s", diff)
		}
		assert.Equal(t, usd("0.00"), o.Paid(), "nothing is paid, in the terms' currency")
		total, err := o.Total()
		require.NoError(t, err)
		assert.Equal(t, usd("525.00"), total)
		assert.False(t, o.Frozen())
	})
	t.Run("the draft keeps its own copy of the terms", func(t *testing.T) {
		terms := validTerms()
		o, err := order.NewDraft("o-1", theSupplier, "b1", terms, t0)
		require.NoError(t, err)
		terms.Items[0].Spec.DesignFiles[0] = "https://evil.example.com/x"
		assert.Equal(t, validTerms().Items[0].Spec.DesignFiles, o.Terms.Items[0].Spec.DesignFiles)
	})
	for _, tc := range []struct {
		name   string
		id     string
		by     payment.Actor
		buyer  string
		terms  func(*order.Terms)
		now    time.Time
		target error
	}{
		{"a buyer may not draft", "o-1", buyer, "b1", nil, t0, payment.ErrForbidden},
		{"a platform agent may not draft", "o-1", payment.Platform("p1"), "b1", nil, t0, payment.ErrForbidden},
		{"the system may not draft", "o-1", payment.System("cron"), "b1", nil, t0, payment.ErrForbidden},
		{"a supplier without an id may not draft", "o-1", payment.Supplier(""), "b1", nil, t0, payment.ErrInvalidRequest},
		{"an order needs an id", "", theSupplier, "b1", nil, t0, order.ErrInvalidRequest},
		{"an order needs a buyer", "o-1", theSupplier, "", nil, t0, order.ErrInvalidRequest},
		{"a supplier cannot be its own buyer", "o-1", theSupplier, "s1", nil, t0, order.ErrInvalidRequest},
		{"an order needs a time", "o-1", theSupplier, "b1", nil, time.Time{}, order.ErrInvalidRequest},
		{"an order needs valid terms", "o-1", theSupplier, "b1", func(t *order.Terms) { t.Incoterm = "" }, t0, order.ErrInvalidTerms},
	} {
		t.Run(tc.name, func(t *testing.T) {
			terms := validTerms()
			if tc.terms != nil {
				tc.terms(&terms)
			}
			o, err := order.NewDraft(tc.id, tc.by, tc.buyer, terms, tc.now)
			require.ErrorIs(t, err, tc.target)
			assert.Nil(t, o)
		})
	}
}

func TestOnlyTheOrdersPartiesTakePartInModifications(t *testing.T) {
	for _, tc := range []struct {
		name   string
		by     payment.Actor
		target error // nil: allowed
	}{
		{"the order's buyer may", buyer, nil},
		{"the order's supplier may", theSupplier, nil},
		{"another buyer may not", payment.Buyer("b2"), payment.ErrForbidden},
		{"another supplier may not", payment.Supplier("s2"), payment.ErrForbidden},
		{"a platform agent may not", payment.Platform("p1"), payment.ErrForbidden},
		{"the system may not", payment.System("cron"), payment.ErrForbidden},
		{"an actor without an id may not", payment.Buyer(""), payment.ErrInvalidRequest},
		{"an actor with an unknown role may not", payment.Actor{Role: "auditor", ID: "b1"}, payment.ErrInvalidRequest},
	} {
		t.Run(tc.name+" propose", func(t *testing.T) {
			o := orderIn(t, order.AwaitingConfirmation)
			if tc.target == nil {
				require.NoError(t, o.Propose(tc.by, "m-1", repackaged(), rules, t1))
				return
			}
			err := refused(t, o, func() error { return o.Propose(tc.by, "m-1", repackaged(), rules, t1) })
			require.ErrorIs(t, err, tc.target)
		})
		if tc.target == nil {
			continue
		}
		t.Run(tc.name+" approve, reject or withdraw", func(t *testing.T) {
			o := orderIn(t, order.AwaitingConfirmation)
			require.NoError(t, o.Propose(buyer, "m-1", repackaged(), rules, t1))
			for _, op := range []func(payment.Actor, string, time.Time) error{o.Approve, o.Reject, o.WithdrawModification} {
				err := refused(t, o, func() error { return op(tc.by, "m-1", t2) })
				require.ErrorIs(t, err, tc.target)
			}
		})
	}
}

func TestModificationsByState(t *testing.T) {
	want := map[order.State][]string{
		order.Shipped:   {order.ReasonShipped},
		order.Delivered: {order.ReasonShipped},
		order.Disputed:  {order.ReasonDisputed},
		order.Completed: {order.ReasonOrderClosed},
		order.Refunded:  {order.ReasonOrderClosed},
		order.Cancelled: {order.ReasonOrderClosed},
		order.Expired:   {order.ReasonOrderClosed},
		"bogus":         {order.ReasonOrderClosed},
	}
	for _, s := range append(order.States(), "bogus") {
		codesWanted, isRefused := want[s]
		if !isRefused {
			t.Run("a change the buyer requests in state "+string(s)+" applies once the supplier approves", func(t *testing.T) {
				o := orderIn(t, s)
				require.NoError(t, o.Propose(buyer, "m-1", repackaged(), rules, t1))
				require.NoError(t, o.Approve(theSupplier, "m-1", t2))
				assert.Equal(t, "wooden crate", o.Terms.Items[0].Spec.Packaging)
			})
			continue
		}
		t.Run("no change is possible in state "+string(s), func(t *testing.T) {
			o := orderIn(t, s)
			err := refused(t, o, func() error { return o.Propose(buyer, "m-1", repackaged(), rules, t1) })
			assert.Equal(t, codesWanted, codes(t, err))
		})
		t.Run("an open change cannot be approved once the order is "+string(s), func(t *testing.T) {
			o := orderIn(t, order.InProduction)
			require.NoError(t, o.Propose(buyer, "m-1", repackaged(), rules, t1))
			o.State = s
			err := refused(t, o, func() error { return o.Approve(theSupplier, "m-1", t2) })
			assert.Equal(t, codesWanted, codes(t, err))
			// Declining is always possible.
			require.NoError(t, o.Reject(theSupplier, "m-1", t2))
		})
	}
}

func TestWhoMustApprove(t *testing.T) {
	for _, tc := range []struct {
		name           string
		state          order.State
		deliveryAgreed bool
		by, other      payment.Actor
		atOnce         bool
	}{
		{"the supplier's change to its own draft applies at once", order.Draft, false, theSupplier, buyer, true},
		{"the buyer's request on a draft waits for the supplier", order.Draft, false, buyer, theSupplier, false},
		{"the buyer's request before confirmation waits for the supplier", order.AwaitingConfirmation, false, buyer, theSupplier, false},
		{"the supplier's change of an order sent for confirmation waits for the buyer", order.AwaitingConfirmation, false, theSupplier, buyer, false},
		{"once the delivery date is agreed the supplier's change waits for the buyer", order.AwaitingPayment, true, theSupplier, buyer, false},
		{"once the delivery date is agreed the buyer's change waits for the supplier", order.ReadyToShip, true, buyer, theSupplier, false},
		{"a draft whose delivery date is agreed needs both parties", order.Draft, true, theSupplier, buyer, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := orderIn(t, tc.state)
			o.DeliveryAgreed = tc.deliveryAgreed
			require.NoError(t, o.Propose(tc.by, "m-1", repackaged(), rules, t1))
			m, ok := o.Modification("m-1")
			require.True(t, ok)
			if tc.atOnce {
				assert.Equal(t, order.ModificationApplied, m.Status)
				assert.Equal(t, "wooden crate", o.Terms.Items[0].Spec.Packaging)
				err := refused(t, o, func() error { return o.Approve(tc.other, "m-1", t2) })
				require.ErrorIs(t, err, order.ErrModificationClosed)
				return
			}
			assert.Equal(t, order.ModificationProposed, m.Status)
			assert.Equal(t, "carton", o.Terms.Items[0].Spec.Packaging, "an open proposal changes no terms")
			require.NoError(t, o.Approve(tc.other, "m-1", t2))
			m, _ = o.Modification("m-1")
			assert.Equal(t, order.ModificationApplied, m.Status)
			assert.Equal(t, []payment.Actor{tc.by, tc.other}, m.ApprovedBy)
			assert.Equal(t, "wooden crate", o.Terms.Items[0].Spec.Packaging)
		})
	}
}

func TestAModificationIsRecorded(t *testing.T) {
	o := orderIn(t, order.AwaitingConfirmation)
	require.NoError(t, o.Propose(buyer, "m-1", repackaged(), rules, t1))
	require.NoError(t, o.Approve(theSupplier, "m-1", t2))
	want := []order.Modification{{
		ID: "m-1", Proposed: repackaged(), Replaced: validTerms(), Rules: rules,
		RequestedBy: buyer, ApprovedBy: []payment.Actor{buyer, theSupplier},
		Status: order.ModificationApplied, At: t1, DecidedAt: t2,
	}}
	if diff := cmp.Diff(want, o.Modifications); diff != "" {
		t.Errorf("record (-want +got):\n%s", diff)
	}
	assert.Equal(t, repackaged(), o.Terms)
	assert.Equal(t, t2, o.UpdatedAt)
}

func TestShippingCostMayRiseOnlyUpToTheLimit(t *testing.T) {
	for _, tc := range []struct {
		name             string
		from, to         string
		maxPercent       int64
		currency         payment.Currency
		accepted         bool
		newRoute, sameTo bool
	}{
		{"exactly +20% is accepted", "100.00", "120.00", 20, payment.USD, true, false, false},
		{"+20% and one cent is refused", "100.00", "120.01", 20, payment.USD, false, false, false},
		{"a new route at +20% is accepted", "100.00", "120.00", 20, payment.USD, true, true, false},
		{"a new route at the same cost is accepted", "100.00", "100.00", 20, payment.USD, true, true, true},
		{"a cheaper route is accepted", "100.00", "80.00", 20, payment.USD, true, true, false},
		{"exactly +20% of five cents is accepted", "0.05", "0.06", 20, payment.USD, true, false, false},
		{"one cent over +20% of five cents is refused", "0.05", "0.07", 20, payment.USD, false, false, false},
		{"a zero shipping cost may not rise at all", "0.00", "0.01", 20, payment.USD, false, false, false},
		{"with a 0% limit one cent more is refused", "100.00", "100.01", 0, payment.USD, false, false, false},
		{"with a 50% limit +50% is accepted", "100.00", "150.00", 50, payment.USD, true, false, false},
		{"exactly +20% in yen is accepted", "1000", "1200", 20, payment.JPY, true, false, false},
		{"+20% and one yen is refused", "1000", "1201", 20, payment.JPY, false, false, false},
		{"exactly +20% in dinars is accepted", "1.000", "1.200", 20, payment.KWD, true, false, false},
		{"+20% and one fils is refused", "1.000", "1.201", 20, payment.KWD, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inCurrency := func(shipping string) order.Terms {
				terms := validTerms()
				terms.Currency = tc.currency
				for i := range terms.Items {
					terms.Items[i].UnitPrice = payment.MustParse("10", tc.currency)
				}
				terms.Schedule.DepositAmount = payment.Money{}
				terms.ShippingCost = payment.MustParse(shipping, tc.currency)
				return terms
			}
			o, err := order.NewDraft("o-1", theSupplier, "b1", inCurrency(tc.from), t0)
			require.NoError(t, err)
			o.State = order.AwaitingConfirmation
			proposed := inCurrency(tc.to)
			if tc.newRoute {
				proposed.Route = "Shanghai - Rotterdam, sea"
			}
			r := order.ModificationRules{MaxShippingIncreasePercent: tc.maxPercent}
			if tc.accepted {
				require.NoError(t, o.Propose(buyer, "m-1", proposed, r, t1))
				require.NoError(t, o.Approve(theSupplier, "m-1", t2))
				assert.Equal(t, proposed.ShippingCost, o.Terms.ShippingCost)
				return
			}
			err = refused(t, o, func() error { return o.Propose(buyer, "m-1", proposed, r, t1) })
			assert.Equal(t, []string{order.ReasonShippingIncrease}, codes(t, err))
		})
	}
}

func TestTheDestinationAndCurrencyMayNotChange(t *testing.T) {
	t.Run("another destination country is refused", func(t *testing.T) {
		o := orderIn(t, order.AwaitingConfirmation)
		proposed := validTerms()
		proposed.Destination = "FR"
		proposed.Route = "Ningbo - Le Havre, sea"
		err := refused(t, o, func() error { return o.Propose(buyer, "m-1", proposed, rules, t1) })
		assert.Equal(t, []string{order.ReasonDestinationChanged}, codes(t, err))
	})
	t.Run("another currency is refused", func(t *testing.T) {
		o := orderIn(t, order.AwaitingConfirmation)
		proposed := validTerms()
		eur := func(s string) payment.Money { return payment.MustParse(s, payment.EUR) }
		proposed.Currency = payment.EUR
		proposed.Items[0].UnitPrice, proposed.Items[1].UnitPrice = eur("140.00"), eur("11.50")
		proposed.ShippingCost = eur("90.00")
		err := refused(t, o, func() error { return o.Propose(buyer, "m-1", proposed, rules, t1) })
		assert.Equal(t, []string{order.ReasonCurrencyChanged}, codes(t, err))
	})
	t.Run("every broken rule is reported at once", func(t *testing.T) {
		o := orderIn(t, order.Shipped)
		startPayment(o)
		proposed := validTerms()
		proposed.Destination = "FR"
		proposed.ShippingCost = usd("500.00")
		err := refused(t, o, func() error { return o.Propose(buyer, "m-1", proposed, rules, t1) })
		assert.Equal(t, []string{order.ReasonShipped, order.ReasonPaymentProcessing,
			order.ReasonDestinationChanged, order.ReasonShippingIncrease}, codes(t, err))
	})
}

func TestTheTotalIsFrozenOncePaid(t *testing.T) {
	card := payment.Instrument{Method: payment.Card, Network: payment.Mastercard}
	for _, tc := range []struct {
		name   string
		paid   string
		change func(*order.Terms)
		codes  []string
	}{
		{"an unpaid order may change its total", "0", func(t *order.Terms) { t.Items[0].Quantity = 3 }, nil},
		{"a paid order may not change its total", "157.50", func(t *order.Terms) { t.Items[0].Quantity = 3 },
			[]string{order.ReasonTotalFrozen}},
		{"a paid order may not change its total by one cent", "157.50", func(t *order.Terms) { t.ShippingCost = usd("99.99") },
			[]string{order.ReasonTotalFrozen}},
		{"a paid order may change what keeps the total", "157.50", func(t *order.Terms) { t.Items[0].Spec.Packaging = "crate" }, nil},
		{"a paid order may move money between lines", "157.50", func(t *order.Terms) {
			t.Items[1].UnitPrice = usd("13.50") // +10.00
			t.ShippingCost = usd("90.00")       // −10.00
		}, nil},
		{"a paid order may not change its deposit", "157.50", func(t *order.Terms) { t.Schedule.DepositPercent = 40 },
			[]string{order.ReasonScheduleFrozen}},
		{"a paid order may not turn a deposit into a fixed amount of another size", "157.50", func(t *order.Terms) {
			t.Schedule.DepositPercent, t.Schedule.DepositAmount = 0, usd("157.51")
		}, []string{order.ReasonScheduleFrozen}},
		{"a paid order may write the same deposit as a fixed amount", "157.50", func(t *order.Terms) {
			t.Schedule.DepositPercent, t.Schedule.DepositAmount = 0, usd("157.50")
		}, nil},
		{"a paid order may change the balance's payment method", "157.50", func(t *order.Terms) {
			t.Schedule.BalanceInstrument = card
		}, nil},
		{"an unpaid order may change its deposit", "0", func(t *order.Terms) { t.Schedule.DepositPercent = 40 }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := orderIn(t, order.AwaitingPayment)
			if tc.paid != "0" {
				o.State = order.InProduction
			}
			if tc.paid != "0" {
				payDeposit(o, usd(tc.paid))
			}
			assert.Equal(t, tc.paid != "0", o.Frozen())
			proposed := validTerms()
			tc.change(&proposed)
			if tc.codes == nil {
				require.NoError(t, o.Propose(buyer, "m-1", proposed, rules, t1))
				require.NoError(t, o.Approve(theSupplier, "m-1", t2))
				assert.Equal(t, proposed, o.Terms)
				return
			}
			err := refused(t, o, func() error { return o.Propose(buyer, "m-1", proposed, rules, t1) })
			assert.Equal(t, tc.codes, codes(t, err))
		})
	}
	t.Run("a payment that arrives while a change is open freezes it", func(t *testing.T) {
		o := orderIn(t, order.AwaitingPayment)
		require.NoError(t, o.Propose(buyer, "m-1", moreChairs(), rules, t1))
		o.State = order.InProduction
		payDeposit(o, usd("157.50"))
		err := refused(t, o, func() error { return o.Approve(theSupplier, "m-1", t2) })
		assert.Equal(t, []string{order.ReasonTotalFrozen}, codes(t, err))
	})
}

func TestNoChangeWhileAPaymentIsProcessing(t *testing.T) {
	t.Run("a proposal is refused", func(t *testing.T) {
		o := orderIn(t, order.AwaitingPayment)
		startPayment(o)
		err := refused(t, o, func() error { return o.Propose(buyer, "m-1", repackaged(), rules, t1) })
		assert.Equal(t, []string{order.ReasonPaymentProcessing}, codes(t, err))
	})
	t.Run("an approval waits until the payment is done", func(t *testing.T) {
		o := orderIn(t, order.AwaitingPayment)
		require.NoError(t, o.Propose(buyer, "m-1", repackaged(), rules, t1))
		startPayment(o)
		err := refused(t, o, func() error { return o.Approve(theSupplier, "m-1", t2) })
		assert.Equal(t, []string{order.ReasonPaymentProcessing}, codes(t, err))
		o.Payments[len(o.Payments)-1].Status = payment.StatusFailed
		require.NoError(t, o.Approve(theSupplier, "m-1", t2))
		assert.Equal(t, repackaged(), o.Terms)
	})
}

func TestProposalsAreCheckedBeforeTheyAreRecorded(t *testing.T) {
	t.Run("one open proposal at a time", func(t *testing.T) {
		o := orderIn(t, order.AwaitingConfirmation)
		require.NoError(t, o.Propose(buyer, "m-1", repackaged(), rules, t1))
		err := refused(t, o, func() error { return o.Propose(theSupplier, "m-2", moreChairs(), rules, t1) })
		assert.Equal(t, []string{order.ReasonProposalOpen}, codes(t, err))
		require.NoError(t, o.Reject(theSupplier, "m-1", t2))
		require.NoError(t, o.Propose(theSupplier, "m-2", moreChairs(), rules, t2))
	})
	t.Run("the current terms are no change", func(t *testing.T) {
		o := orderIn(t, order.AwaitingConfirmation)
		err := refused(t, o, func() error { return o.Propose(buyer, "m-1", validTerms(), rules, t1) })
		assert.Equal(t, []string{order.ReasonNoChange}, codes(t, err))
	})
	t.Run("invalid terms are refused", func(t *testing.T) {
		o := orderIn(t, order.AwaitingConfirmation)
		proposed := validTerms()
		proposed.Items[0].Quantity = 0
		err := refused(t, o, func() error { return o.Propose(buyer, "m-1", proposed, rules, t1) })
		require.ErrorIs(t, err, order.ErrInvalidTerms)
	})
	t.Run("negative rules are refused", func(t *testing.T) {
		o := orderIn(t, order.AwaitingConfirmation)
		bad := order.ModificationRules{MaxShippingIncreasePercent: -1}
		err := refused(t, o, func() error { return o.Propose(buyer, "m-1", repackaged(), bad, t1) })
		require.ErrorIs(t, err, order.ErrInvalidRules)
	})
	t.Run("a proposal needs an id and a time", func(t *testing.T) {
		o := orderIn(t, order.AwaitingConfirmation)
		err := refused(t, o, func() error { return o.Propose(buyer, "", repackaged(), rules, t1) })
		require.ErrorIs(t, err, order.ErrInvalidRequest)
		err = refused(t, o, func() error { return o.Propose(buyer, "m-1", repackaged(), rules, time.Time{}) })
		require.ErrorIs(t, err, order.ErrInvalidRequest)
	})
	t.Run("the order keeps its own copy of the proposed terms", func(t *testing.T) {
		o := orderIn(t, order.AwaitingConfirmation)
		proposed := repackaged()
		require.NoError(t, o.Propose(buyer, "m-1", proposed, rules, t1))
		proposed.Items[0].Spec.DesignFiles[0] = "https://evil.example.com/x"
		m, _ := o.Modification("m-1")
		assert.Equal(t, repackaged(), m.Proposed)
	})
}

func TestProposeIsIdempotentByID(t *testing.T) {
	t.Run("the same proposal again changes nothing", func(t *testing.T) {
		o := orderIn(t, order.AwaitingConfirmation)
		require.NoError(t, o.Propose(buyer, "m-1", repackaged(), rules, t1))
		unchanged(t, o, func() error { return o.Propose(buyer, "m-1", repackaged(), rules, t2) })
	})
	t.Run("the same proposal after it was applied changes nothing", func(t *testing.T) {
		o := orderIn(t, order.AwaitingConfirmation)
		require.NoError(t, o.Propose(buyer, "m-1", repackaged(), rules, t1))
		require.NoError(t, o.Approve(theSupplier, "m-1", t2))
		unchanged(t, o, func() error { return o.Propose(buyer, "m-1", repackaged(), rules, t2) })
	})
	t.Run("the same shipment date in another time zone is the same proposal", func(t *testing.T) {
		o := orderIn(t, order.AwaitingConfirmation)
		require.NoError(t, o.Propose(buyer, "m-1", repackaged(), rules, t1))
		again := repackaged()
		again.ShipBy = again.ShipBy.In(time.FixedZone("CST", 8*3600))
		unchanged(t, o, func() error { return o.Propose(buyer, "m-1", again, rules, t2) })
	})
	t.Run("the same proposal from the other party is a mismatch", func(t *testing.T) {
		o := orderIn(t, order.AwaitingConfirmation)
		require.NoError(t, o.Propose(buyer, "m-1", repackaged(), rules, t1))
		err := refused(t, o, func() error { return o.Propose(theSupplier, "m-1", repackaged(), rules, t2) })
		require.ErrorIs(t, err, order.ErrIdempotencyMismatch)
	})
	// One change per field of Terms, LineItem and Spec: each makes
	// another proposal.
	for name, change := range map[string]func(*order.Terms){
		"items":               func(t *order.Terms) { t.Items = t.Items[:1] },
		"currency":            func(t *order.Terms) { t.Currency = payment.EUR },
		"incoterm":            func(t *order.Terms) { t.Incoterm = order.FOB },
		"shipping cost":       func(t *order.Terms) { t.ShippingCost = usd("100.01") },
		"destination":         func(t *order.Terms) { t.Destination = "FR" },
		"route":               func(t *order.Terms) { t.Route = "air" },
		"shipment date":       func(t *order.Terms) { t.ShipBy = t.ShipBy.Add(time.Second) },
		"delivery date":       func(t *order.Terms) { t.DeliverBy = t.DeliverBy.Add(time.Second) },
		"lead time":           func(t *order.Terms) { t.ProductionDays++ },
		"inspection":          func(t *order.Terms) { t.InspectionRequired = true },
		"plan":                func(t *order.Terms) { t.Plan = "pre_shipment" },
		"schedule":            func(t *order.Terms) { t.Schedule.DepositPercent = 31 },
		"sku":                 func(t *order.Terms) { t.Items[0].SKU = "X" },
		"description":         func(t *order.Terms) { t.Items[0].Description = "X" },
		"quantity":            func(t *order.Terms) { t.Items[0].Quantity++ },
		"unit":                func(t *order.Terms) { t.Items[0].Unit = "X" },
		"unit price":          func(t *order.Terms) { t.Items[0].UnitPrice = usd("150.01") },
		"size":                func(t *order.Terms) { t.Items[0].Spec.Size = "X" },
		"quality standard":    func(t *order.Terms) { t.Items[0].Spec.QualityStandard = "X" },
		"packaging":           func(t *order.Terms) { t.Items[0].Spec.Packaging = "X" },
		"customisation":       func(t *order.Terms) { t.Items[0].Spec.Customisation = "X" },
		"design files":        func(t *order.Terms) { t.Items[0].Spec.DesignFiles = nil },
		"another design file": func(t *order.Terms) { t.Items[0].Spec.DesignFiles[0] += "2" },
	} {
		t.Run("the same id with another "+name+" is a mismatch", func(t *testing.T) {
			o := orderIn(t, order.AwaitingConfirmation)
			require.NoError(t, o.Propose(buyer, "m-1", repackaged(), rules, t1))
			other := repackaged()
			change(&other)
			err := refused(t, o, func() error { return o.Propose(buyer, "m-1", other, rules, t2) })
			require.ErrorIs(t, err, order.ErrIdempotencyMismatch)
		})
	}
}

func TestDecisions(t *testing.T) {
	proposed := func(t *testing.T) *order.Order {
		o := orderIn(t, order.AwaitingConfirmation)
		require.NoError(t, o.Propose(buyer, "m-1", repackaged(), rules, t1))
		return o
	}
	t.Run("the requester approving again changes nothing", func(t *testing.T) {
		o := proposed(t)
		unchanged(t, o, func() error { return o.Approve(buyer, "m-1", t2) })
	})
	t.Run("approving an applied modification again changes nothing", func(t *testing.T) {
		o := proposed(t)
		require.NoError(t, o.Approve(theSupplier, "m-1", t2))
		unchanged(t, o, func() error { return o.Approve(theSupplier, "m-1", t2.Add(time.Hour)) })
	})
	t.Run("an unknown modification is not found", func(t *testing.T) {
		o := proposed(t)
		for _, op := range []func(payment.Actor, string, time.Time) error{o.Approve, o.Reject, o.WithdrawModification} {
			err := refused(t, o, func() error { return op(theSupplier, "m-9", t2) })
			require.ErrorIs(t, err, order.ErrNotFound)
		}
	})
	t.Run("a decision needs a time", func(t *testing.T) {
		o := proposed(t)
		for _, op := range []func(payment.Actor, string, time.Time) error{o.Approve, o.Reject, o.WithdrawModification} {
			err := refused(t, o, func() error { return op(theSupplier, "m-1", time.Time{}) })
			require.ErrorIs(t, err, order.ErrInvalidRequest)
		}
	})
	t.Run("the other party rejects, and the terms stay", func(t *testing.T) {
		o := proposed(t)
		require.NoError(t, o.Reject(theSupplier, "m-1", t2))
		m, _ := o.Modification("m-1")
		assert.Equal(t, order.ModificationRejected, m.Status)
		assert.Equal(t, theSupplier, m.RejectedBy)
		assert.Equal(t, t2, m.DecidedAt)
		assert.Equal(t, validTerms(), o.Terms)
		unchanged(t, o, func() error { return o.Reject(theSupplier, "m-1", t2.Add(time.Hour)) })
		err := refused(t, o, func() error { return o.Approve(theSupplier, "m-1", t2) })
		require.ErrorIs(t, err, order.ErrModificationClosed)
		err = refused(t, o, func() error { return o.WithdrawModification(buyer, "m-1", t2) })
		require.ErrorIs(t, err, order.ErrModificationClosed)
	})
	t.Run("the requester may not reject its own modification", func(t *testing.T) {
		o := proposed(t)
		err := refused(t, o, func() error { return o.Reject(buyer, "m-1", t2) })
		var ae *payment.ActorError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, buyer, ae.Actor)
	})
	t.Run("an applied modification cannot be rejected or withdrawn", func(t *testing.T) {
		o := proposed(t)
		require.NoError(t, o.Approve(theSupplier, "m-1", t2))
		err := refused(t, o, func() error { return o.Reject(theSupplier, "m-1", t2) })
		require.ErrorIs(t, err, order.ErrModificationClosed)
		err = refused(t, o, func() error { return o.WithdrawModification(buyer, "m-1", t2) })
		require.ErrorIs(t, err, order.ErrModificationClosed)
	})
	t.Run("the requester withdraws, and the terms stay", func(t *testing.T) {
		o := proposed(t)
		err := refused(t, o, func() error { return o.WithdrawModification(theSupplier, "m-1", t2) })
		require.ErrorIs(t, err, payment.ErrForbidden)
		require.NoError(t, o.WithdrawModification(buyer, "m-1", t2))
		m, _ := o.Modification("m-1")
		assert.Equal(t, order.ModificationWithdrawn, m.Status)
		assert.Equal(t, t2, m.DecidedAt)
		assert.Equal(t, validTerms(), o.Terms)
		unchanged(t, o, func() error { return o.WithdrawModification(buyer, "m-1", t2.Add(time.Hour)) })
		err = refused(t, o, func() error { return o.Approve(theSupplier, "m-1", t2) })
		require.ErrorIs(t, err, order.ErrModificationClosed)
	})
	t.Run("a copy of a modification shares nothing with the order", func(t *testing.T) {
		o := proposed(t)
		m, _ := o.Modification("m-1")
		m.ApprovedBy[0] = theSupplier
		m.Proposed.Items[0].SKU = "X"
		again, _ := o.Modification("m-1")
		assert.Equal(t, []payment.Actor{buyer}, again.ApprovedBy)
		assert.Equal(t, repackaged(), again.Proposed)
	})
}

func TestAnOrderCloneSharesNothing(t *testing.T) {
	o := orderIn(t, order.AwaitingConfirmation)
	require.NoError(t, o.Propose(buyer, "m-1", repackaged(), rules, t1))
	before := o.Clone()
	c := o.Clone()
	c.Terms.Items[0].Spec.DesignFiles[0] = "x"
	c.Modifications[0].ApprovedBy[0] = theSupplier
	c.Modifications[0].Proposed.Items[0].Quantity = 7
	c.Modifications = append(c.Modifications[:0], order.Modification{})
	if diff := cmp.Diff(before, o); diff != "" {
		t.Errorf("changing a clone changed the order (-want +got):\n%s", diff)
	}
}

func TestModificationErrorText(t *testing.T) {
	err := error(&order.ModificationError{OrderID: "o-1", ModificationID: "m-1", Reasons: []payment.Reason{
		{Code: order.ReasonShipped, Text: "shipped"}, {Code: order.ReasonPaymentProcessing, Text: "processing"}}})
	assert.Equal(t, "order: modification m-1 of order o-1 refused: order.modification.shipped: shipped; "+
		"order.modification.payment_processing: processing", err.Error())
	assert.True(t, errors.Is(err, order.ErrModificationRefused))
}

// startPayment records a payment of o's deposit that is processing.
func startPayment(o *order.Order) {
	o.Payments = append(o.Payments, order.TranchePayment{Tranche: payment.Deposit, PaymentID: "pay-1",
		Amount: usd("157.50"), Status: payment.StatusProcessing})
}

// payDeposit records o's deposit of amount as paid into escrow.
func payDeposit(o *order.Order, amount payment.Money) {
	o.Payments = append(o.Payments, order.TranchePayment{Tranche: payment.Deposit, PaymentID: "pay-1",
		Amount: amount, Status: payment.StatusSucceeded, PaidAt: t1})
}
