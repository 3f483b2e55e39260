package order_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// The supplier's service fee follows what the order's terms say it sells
// and how it ships: charged on each payment (by the order's value band,
// placed when the buyer confirmed), borne by the supplier and deducted
// from its release with the platform's fee.
func TestTheSupplierServiceFeeFollowsTheTermsAndComesOutOfTheRelease(t *testing.T) {
	for _, tt := range []struct {
		name                   string
		goods                  payment.Goods
		shipping               payment.Shipping
		deposit, balance, fees string // the service fee on each payment, and all the release's fees
	}{
		{"wholesale goods: 5%", payment.Wholesale, "", "48.00", "112.00", "224.00"},
		{"custom goods on the platform's logistics: 1%", payment.Custom, payment.PlatformLogistics, "9.60", "22.40", "96.00"},
		{"custom goods shipped otherwise: 2%", payment.Custom, payment.OtherLogistics, "19.20", "44.80", "128.00"},
		{"goods the terms do not name: none", "", "", "", "", "64.00"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			steps := happyPath()
			steps[0] = step{"create", func(ctx context.Context, w *world, id string) (*order.Order, error) {
				terms := wTerms()
				terms.Goods, terms.Shipping = tt.goods, tt.shipping
				return w.svc.Create(ctx, wSupplier, order.CreateRequest{ID: id, BuyerID: wBuyer.ID, Terms: terms})
			}}
			w := newWorld(t)
			o := w.run(t, "o-1", steps)
			require.Equal(t, order.Completed, o.State)
			for i, want := range []string{tt.deposit, tt.balance} {
				p, err := w.payments.Payment(context.Background(), o.Payments[i].PaymentID)
				require.NoError(t, err)
				line, ok := p.Fee.Line(payment.ServiceFee)
				if want == "" {
					assert.False(t, ok, "payment %d: no service fee", i)
					continue
				}
				require.True(t, ok, "payment %d has a service fee line", i)
				assert.Equal(t, usd(want), line.SupplierFee, "payment %d: the service fee, borne by the supplier", i)
				assert.True(t, p.Fee.Order.PlacedAt.Equal(o.ConfirmedAt), "payment %d: the order was placed when the buyer confirmed it", i)
			}
			// The release's statement shows the service fees in an entry
			// of their own, and the supplier bears no other fee.
			a, err := w.escrow.Account(context.Background(), "o-1")
			require.NoError(t, err)
			var supplierFees []string
			for _, e := range a.Entries {
				switch e.Ref {
				case escrow.ServiceFeeRef:
					supplierFees = append(supplierFees, e.Amount.String())
				case escrow.SupplierFeesRef:
					t.Errorf("a fee of the supplier's other than the service fee: %s", e.Amount)
				}
			}
			rev, err := w.escrow.Revenue(context.Background(), o.CreatedAt, o.UpdatedAt.Add(time.Second))
			require.NoError(t, err)
			require.Len(t, rev, 1)
			assert.Equal(t, rev[0].SupplierFees, rev[0].ServiceFees, "the revenue report: every supplier's fee is a service fee")
			if tt.deposit == "" {
				assert.Empty(t, supplierFees)
			} else {
				sum, err := usd(tt.deposit).Add(usd(tt.balance))
				require.NoError(t, err)
				assert.Equal(t, []string{sum.String()}, supplierFees, "one entry of the supplier's service fees")
			}
			// The release: 2% of USD 3,200.00 for the platform, the service
			// fees on top, the rest to the supplier.
			b := requireAddsUp(t, w, "o-1")
			fees := usd(tt.fees)
			released, err := usd("3200.00").Sub(fees)
			require.NoError(t, err)
			testkit.Check(t, "the escrow balance", settledBalance("3200.00", released.Amount().StringFixed(2), tt.fees, "0.00"), b)
		})
	}
}

func TestTermsNameOnlyKnownGoodsAndShipping(t *testing.T) {
	terms := wTerms()
	terms.Goods, terms.Shipping = "second-hand", "drone"
	err := terms.Validate()
	require.ErrorIs(t, err, order.ErrInvalidTerms)
	var fields []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var te *order.TermsError
		if assert.ErrorAs(t, e, &te) {
			fields = append(fields, te.Field)
		}
	}
	assert.Equal(t, []string{"Goods", "Shipping"}, fields)
}
