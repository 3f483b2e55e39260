package payment

import (
	"time"

	"github.com/shopspring/decimal"
)

// DefaultSchedule returns the programme's fees as a schedule, built fresh on
// each call. Every rule is rounded half-even. The figures are defaults: a
// caller whose agreement says otherwise builds its own schedule with
// NewFeeSchedule (Rules returns these rules to start from).
//
// Each figure's source is in the last column: "published" for the
// programme's published figures, "ours" where the programme publishes none
// and the figure (or the date, or the reading) is this SDK's choice.
//
// Method fees, borne by the buyer; "placed" rules are dated by the order's
// placement (DatedByPlacement), the others by the payment, from 2024-01-01
// 00:00 UTC (ours) with no end:
//
//	rule                                    method                network     region  fee                                     source
//	card-before-2018-06-04                  card                  any         any     2.4%, orders placed before 2018-06-04   published
//	card-2018-06-04                         card                  any         any     2.95%, orders placed from 2018-06-04    published
//	card-mastercard-apac-before-2018-06-04  card                  mastercard  APAC    2.4% capped at USD 40.00, placed before  cap published, applied before 2018-06-04: ours
//	card-mastercard-apac-2024               card                  mastercard  APAC    2.95% capped at USD 40.00, placed from   published
//	apple-pay-2024                          apple_pay             any         any     2.99%                                   ours
//	google-pay-2024                         google_pay            any         any     2.99%                                   ours
//	tt-2024                                 tt                    -           any     0% (the banks' wire fees pass through)  ours
//	online-bank-transfer-2024               online_bank_transfer  -           any     0% (the banks' fees pass through)       ours
//	pay-later-2024                          pay_later             -           any     0% at payment (credit is the lender's)  ours
//	western-union-v2                        western_union         -           any     USD 4.95 up to USD 50.00,               published
//	                                                                                  USD 8.00 up to USD 100.00,              published
//	                                                                                  USD 10.00 up to USD 250.00,             published
//	                                                                                  USD 12.00 up to USD 500.00,             published
//	                                                                                  USD 15.00 up to USD 750.00,             published
//	                                                                                  USD 18.00 up to USD 1000.00,            published
//	                                                                                  USD 25.00 up to USD 2499.99             ours
//	echeck-2024                             echeck                -           any     USD 15.00 a payment                     published
//	paypal-2024                             paypal                -           any     2.99%                                   ours
//	alipay-2024                             alipay                -           any     2.99%                                   ours
//
// Service fees (Kind ServiceFee), borne by the supplier and deducted from
// its release, whatever the method, dated by the order's placement from
// 2024-01-01 (the date is ours) and banded by the order's value
// (BandByOrder), charged on each payment's amount:
//
//	rule                                    goods      shipping            order value up to USD 5,000.00, above   source
//	service-wholesale-2024                  wholesale  any                 5%, none                                published
//	service-custom-platform-logistics-2024  custom     platform_logistics  1%, none                                published
//	service-custom-2024                     custom     any other           2%, none                                published
//
// A payment whose order facts name no goods pays no service fee: a caller
// that does not say what the order sells is charged as before service fees
// existed. A custom order that does not say how it ships pays the 2% of
// orders not shipped with the platform's logistics. Rounding half-even is
// ours throughout.
//
// Visa, Amex and the other networks use the generic card rules: no network
// figure other than Mastercard's APAC cap is known. The APAC cap is not
// extended to Apple Pay or Google Pay payments on a Mastercard for the same
// reason. The card rules are dated by the order's placement: a request
// without a placement date is dated by the payment, which for any payment
// made after 2018-06-04 of an order placed after it gives the same rule.
// Western Union has no band above USD 2,499.99: the programme takes Western
// Union payments only below USD 2,500, which eligibility enforces, so a
// quote above that is ErrNoFeeRule rather than a guessed fee. Fixed fees
// and bounds are in USD; a payment in another currency needs Rates.
//
// Rule IDs are stable: quotes cite them. A rule whose figures changed got a
// new ID (card-2024, 2.99%, and western-union-2024, USD 10, 15 and 20, are
// gone, and quotes that cite them explain as "not in this schedule"); the
// Mastercard APAC rule kept its ID and figures, and is now dated by the
// order's placement from 2018-06-04.
//
// DefaultSchedule panics only if these literal rules are invalid, which the
// package's tests rule out.
func DefaultSchedule() *FeeSchedule {
	from := time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)
	cardChange := time.Date(2018, time.June, 4, 0, 0, 0, 0, time.UTC)
	pct := decimal.RequireFromString
	usd := func(s string) Money { return MustParse(s, USD) }
	service := func(id string, goods Goods, shipping Shipping, percent, note string) FeeRule {
		return FeeRule{
			ID: id, Kind: ServiceFee, Goods: goods, Shipping: shipping, DatedBy: DatedByPlacement, From: from,
			BandedBy: BandByOrder, Bands: []FeeBand{{UpTo: usd("5000.00"), Percent: pct(percent)}, {}},
			Rounding: RoundHalfEven, Bearer: SupplierBears, Note: note,
		}
	}

	s, err := NewFeeSchedule(
		FeeRule{
			ID: "card-before-2018-06-04", Method: Card, DatedBy: DatedByPlacement, Until: cardChange,
			Percent: pct("0.024"), Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "cards on any network in any region, orders placed before 2018-06-04: 2.4% of the amount, " +
				"paid by the buyer (the programme's published figure)",
		},
		FeeRule{
			ID: "card-2018-06-04", Method: Card, DatedBy: DatedByPlacement, From: cardChange,
			Percent: pct("0.0295"), Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "cards on any network in any region, orders placed from 2018-06-04: 2.95% of the amount, " +
				"paid by the buyer (the programme's published figure)",
		},
		FeeRule{
			ID: "card-mastercard-apac-before-2018-06-04", Method: Card, Network: Mastercard, Region: AsiaPacific,
			DatedBy: DatedByPlacement, Until: cardChange,
			Percent: pct("0.024"), Cap: usd("40.00"), Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "Mastercard in Asia-Pacific, orders placed before 2018-06-04: 2.4% of the amount, capped at USD 40.00 " +
				"per transaction, paid by the buyer (the published cap carries no date: applying it before 2018-06-04 is ours)",
		},
		FeeRule{
			ID: "card-mastercard-apac-2024", Method: Card, Network: Mastercard, Region: AsiaPacific,
			DatedBy: DatedByPlacement, From: cardChange,
			Percent: pct("0.0295"), Cap: usd("40.00"), Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "Mastercard in Asia-Pacific, orders placed from 2018-06-04: 2.95% of the amount, capped at USD 40.00 " +
				"per transaction, paid by the buyer (the programme's published figures)",
		},
		FeeRule{
			ID: "apple-pay-2024", Method: ApplePay, From: from,
			Percent: pct("0.0299"), Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "Apple Pay: 2.99% of the amount, paid by the buyer (ours: the programme publishes no figure)",
		},
		FeeRule{
			ID: "google-pay-2024", Method: GooglePay, From: from,
			Percent: pct("0.0299"), Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "Google Pay: 2.99% of the amount, paid by the buyer (ours: the programme publishes no figure)",
		},
		FeeRule{
			ID: "tt-2024", Method: WireTransfer, From: from,
			Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "no programme fee; the banks' own wire fees pass through to the buyer (ours: the programme publishes no figure)",
		},
		FeeRule{
			ID: "online-bank-transfer-2024", Method: OnlineBankTransfer, From: from,
			Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "no programme fee; the banks' own transfer fees pass through to the buyer (ours: the programme publishes no figure)",
		},
		FeeRule{
			ID: "pay-later-2024", Method: PayLater, From: from,
			Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "no programme fee at payment; the credit line's own charges are the lender's, outside the escrow " +
				"(ours: the programme publishes no figure)",
		},
		FeeRule{
			ID: "western-union-v2", Method: WesternUnion, From: from,
			Bands: []FeeBand{
				{UpTo: usd("50.00"), Fixed: usd("4.95")},
				{UpTo: usd("100.00"), Fixed: usd("8.00")},
				{UpTo: usd("250.00"), Fixed: usd("10.00")},
				{UpTo: usd("500.00"), Fixed: usd("12.00")},
				{UpTo: usd("750.00"), Fixed: usd("15.00")},
				{UpTo: usd("1000.00"), Fixed: usd("18.00")},
				{UpTo: usd("2499.99"), Fixed: usd("25.00")},
			},
			Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "Western Union, paid by the buyer: a fixed USD 4.95 up to USD 50.00, USD 8.00 up to USD 100.00, " +
				"USD 10.00 up to USD 250.00, USD 12.00 up to USD 500.00, USD 15.00 up to USD 750.00 and " +
				"USD 18.00 up to USD 1000.00 (the programme's published figures); USD 25.00 up to USD 2499.99 " +
				"is OURS, as the programme publishes no figure above USD 1,000; no band above, as the programme " +
				"takes Western Union only below USD 2,500 (enforced by eligibility)",
		},
		FeeRule{
			ID: "echeck-2024", Method: ECheck, From: from,
			Fixed: usd("15.00"), Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "e-Checking: a fixed USD 15.00 per payment, paid by the buyer (the programme's published figure)",
		},
		FeeRule{
			ID: "paypal-2024", Method: PayPal, From: from,
			Percent: pct("0.0299"), Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "PayPal: 2.99% of the amount, paid by the buyer (ours: the programme publishes no figure)",
		},
		FeeRule{
			ID: "alipay-2024", Method: Alipay, From: from,
			Percent: pct("0.0299"), Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "Alipay: 2.99% of the amount, paid by the buyer (ours: the programme publishes no figure)",
		},
		service("service-wholesale-2024", Wholesale, "", "0.05",
			"the supplier's service fee on wholesale goods: 5% of each payment of an order worth up to USD 5,000.00, "+
				"none above, deducted from the supplier's release (the programme's published figures; the 2024 start is ours)"),
		service("service-custom-platform-logistics-2024", Custom, PlatformLogistics, "0.01",
			"the supplier's service fee on custom goods shipped by the platform's logistics: 1% of each payment of an "+
				"order worth up to USD 5,000.00, none above, deducted from the supplier's release "+
				"(the programme's published figures; the 2024 start is ours)"),
		service("service-custom-2024", Custom, "", "0.02",
			"the supplier's service fee on custom goods not shipped by the platform's logistics (or not said): 2% of "+
				"each payment of an order worth up to USD 5,000.00, none above, deducted from the supplier's release "+
				"(the programme's published figures; the 2024 start is ours)"),
	)
	if err != nil {
		panic("payment: invalid default fee schedule: " + err.Error())
	}
	return s
}
