package payment

import (
	"time"

	"github.com/shopspring/decimal"
)

// DefaultSchedule returns the programme's known fees as a schedule, built
// fresh on each call. Every rule is in force from 2024-01-01 00:00 UTC with
// no end, is rounded half-even and is borne by the buyer. The figures are
// defaults: a caller whose agreement says otherwise builds its own schedule
// with NewFeeSchedule (Rules returns these rules to start from).
//
//	rule                            method                network     region  fee
//	card-2024                       card                  any         any     2.99%
//	card-mastercard-apac-2024       card                  mastercard  APAC    2.95%, capped at USD 40.00
//	apple-pay-2024                  apple_pay             any         any     2.99%
//	google-pay-2024                 google_pay            any         any     2.99%
//	tt-2024                         tt                    -           any     0% (the banks' wire fees pass through)
//	online-bank-transfer-2024       online_bank_transfer  -           any     0% (the banks' fees pass through)
//	pay-later-2024                  pay_later             -           any     0% at payment (credit charges are the lender's)
//	western-union-2024              western_union         -           any     USD 10.00 up to USD 500.00,
//	                                                                          USD 15.00 up to USD 1000.00,
//	                                                                          USD 20.00 up to USD 2499.99
//	echeck-2024                     echeck                -           any     USD 15.00
//	paypal-2024                     paypal                -           any     2.99%
//	alipay-2024                     alipay                -           any     2.99%
//
// Visa, Amex and the other networks use the generic card rule: no network
// figure other than Mastercard's APAC cap is known. The APAC cap is not
// extended to Apple Pay or Google Pay payments on a Mastercard for the same
// reason. Western Union has no band above USD 2,499.99: the programme takes
// Western Union payments only below USD 2,500, which eligibility enforces, so
// a quote above that is ErrNoFeeRule rather than a guessed fee. Fixed fees
// and bounds are in USD; a payment in another currency needs Rates.
//
// DefaultSchedule panics only if these literal rules are invalid, which the
// package's tests rule out.
func DefaultSchedule() *FeeSchedule {
	from := time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)
	pct := decimal.RequireFromString
	usd := func(s string) Money { return MustParse(s, USD) }

	s, err := NewFeeSchedule(
		FeeRule{
			ID: "card-2024", Method: Card, From: from,
			Percent: pct("0.0299"), Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "cards on any network in any region: 2.99% of the amount, paid by the buyer",
		},
		FeeRule{
			ID: "card-mastercard-apac-2024", Method: Card, Network: Mastercard, Region: AsiaPacific, From: from,
			Percent: pct("0.0295"), Cap: usd("40.00"), Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "Mastercard in Asia-Pacific: 2.95% of the amount, capped at USD 40.00 per transaction, paid by the buyer",
		},
		FeeRule{
			ID: "apple-pay-2024", Method: ApplePay, From: from,
			Percent: pct("0.0299"), Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "Apple Pay: 2.99% of the amount, paid by the buyer",
		},
		FeeRule{
			ID: "google-pay-2024", Method: GooglePay, From: from,
			Percent: pct("0.0299"), Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "Google Pay: 2.99% of the amount, paid by the buyer",
		},
		FeeRule{
			ID: "tt-2024", Method: WireTransfer, From: from,
			Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "no programme fee; the banks' own wire fees pass through to the buyer",
		},
		FeeRule{
			ID: "online-bank-transfer-2024", Method: OnlineBankTransfer, From: from,
			Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "no programme fee; the banks' own transfer fees pass through to the buyer",
		},
		FeeRule{
			ID: "pay-later-2024", Method: PayLater, From: from,
			Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "no programme fee at payment; the credit line's own charges are the lender's, outside the escrow",
		},
		FeeRule{
			ID: "western-union-2024", Method: WesternUnion, From: from,
			Bands: []FeeBand{
				{UpTo: usd("500.00"), Fixed: usd("10.00")},
				{UpTo: usd("1000.00"), Fixed: usd("15.00")},
				{UpTo: usd("2499.99"), Fixed: usd("20.00")},
			},
			Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "Western Union: a fixed USD 10.00 up to USD 500.00, USD 15.00 up to USD 1000.00, " +
				"USD 20.00 up to USD 2499.99, paid by the buyer; no band above, as the programme " +
				"takes Western Union only below USD 2,500 (enforced by eligibility)",
		},
		FeeRule{
			ID: "echeck-2024", Method: ECheck, From: from,
			Fixed: usd("15.00"), Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "e-Checking: a fixed USD 15.00 per payment, paid by the buyer",
		},
		FeeRule{
			ID: "paypal-2024", Method: PayPal, From: from,
			Percent: pct("0.0299"), Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "PayPal: 2.99% of the amount, paid by the buyer",
		},
		FeeRule{
			ID: "alipay-2024", Method: Alipay, From: from,
			Percent: pct("0.0299"), Rounding: RoundHalfEven, Bearer: BuyerBears,
			Note: "Alipay: 2.99% of the amount, paid by the buyer",
		},
	)
	if err != nil {
		panic("payment: invalid default fee schedule: " + err.Error())
	}
	return s
}
