package payment

// Method is a way a buyer pays into escrow.
type Method string

// Payment methods of the programme.
const (
	Card               Method = "card"                 // credit or debit card; see CardNetwork
	WireTransfer       Method = "tt"                   // T/T (telegraphic transfer) bank wire
	OnlineBankTransfer Method = "online_bank_transfer" // bank transfer initiated online
	PayLater           Method = "pay_later"            // a credit line repaid after a term
	WesternUnion       Method = "western_union"        // money transfer, US buyers only
	ECheck             Method = "echeck"               // e-Checking (ACH debit), US buyers only
	PayPal             Method = "paypal"               // PayPal wallet
	Alipay             Method = "alipay"               // Alipay wallet
	ApplePay           Method = "apple_pay"            // Apple Pay (a card behind a wallet)
	GooglePay          Method = "google_pay"           // Google Pay (a card behind a wallet)
)

// Methods returns every method, in a fixed order.
func Methods() []Method {
	return []Method{Card, WireTransfer, OnlineBankTransfer, PayLater, WesternUnion, ECheck, PayPal, Alipay, ApplePay, GooglePay}
}

// Valid reports whether m is one of the defined methods.
func (m Method) Valid() bool {
	for _, k := range Methods() {
		if m == k {
			return true
		}
	}
	return false
}

// HasNetwork reports whether payments by m name a card network: cards and the
// wallets that carry a card.
func (m Method) HasNetwork() bool { return m == Card || m == ApplePay || m == GooglePay }

// CardNetwork is the scheme behind a card payment.
type CardNetwork string

// Card networks.
const (
	Visa         CardNetwork = "visa"
	Mastercard   CardNetwork = "mastercard"
	Amex         CardNetwork = "amex"
	Discover     CardNetwork = "discover"
	JCB          CardNetwork = "jcb"
	UnionPay     CardNetwork = "unionpay"
	OtherNetwork CardNetwork = "other"
)

// Instrument is how one payment is made: the method and, for cards and card
// wallets, the network. The SDK never holds card numbers or bank
// credentials; IssuerCountry is what the processor reports about the card.
type Instrument struct {
	Method        Method      `json:"method"`
	Network       CardNetwork `json:"network,omitempty"`
	IssuerCountry Country     `json:"issuer_country,omitempty"`
}

// Validate checks that the method is known, that a network is given exactly
// when the method has one, and that only such methods name an issuer
// country.
func (in Instrument) Validate() error {
	if !in.Method.Valid() {
		return invalidf("unknown payment method %q", string(in.Method))
	}
	if in.Method.HasNetwork() != (in.Network != "") {
		if in.Network == "" {
			return invalidf("%s payment needs a card network", in.Method)
		}
		return invalidf("%s payment has no card network", in.Method)
	}
	if in.IssuerCountry != "" {
		if !in.Method.HasNetwork() {
			return invalidf("%s payment has no card issuer country", in.Method)
		}
		return in.IssuerCountry.Validate()
	}
	return nil
}
