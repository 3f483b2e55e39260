package payment

// Country is an ISO 3166-1 alpha-2 country code such as "US" or "CN".
type Country string

// Valid reports whether c is an officially assigned ISO 3166-1 alpha-2 code.
func (c Country) Valid() bool {
	_, ok := iso3166[c]
	return ok
}

// Validate returns nil for a valid country and an error wrapping
// ErrInvalidRequest otherwise.
func (c Country) Validate() error {
	if !c.Valid() {
		return invalidf("unknown country %q", string(c))
	}
	return nil
}

// Region is a payment region: fees and method rules differ by region.
type Region string

// The regions of the default fee schedule and country mapping.
const (
	AsiaPacific      Region = "APAC"
	NorthAmerica     Region = "NA"
	LatinAmerica     Region = "LATAM"
	Europe           Region = "EU"
	MiddleEastAfrica Region = "MEA"
)

// Regions returns every region, in a fixed order.
func Regions() []Region {
	return []Region{AsiaPacific, NorthAmerica, LatinAmerica, Europe, MiddleEastAfrica}
}

// Region returns the region the default mapping puts c in, and false when c is
// not a valid country. Callers who group countries differently pass their
// own region to the fee schedule and eligibility checks.
func (c Country) Region() (Region, bool) {
	r, ok := iso3166[c]
	return r, ok
}
