package payment

import "testing"

func TestISO3166Count(t *testing.T) {
	const want = 249 // officially assigned ISO 3166-1 alpha-2 codes
	if got := len(iso3166); got != want {
		t.Errorf("len(iso3166) = %d, want %d", got, want)
	}
}

func TestISO3166KeysAndValues(t *testing.T) {
	regions := map[Region]bool{
		AsiaPacific:      true,
		NorthAmerica:     true,
		LatinAmerica:     true,
		Europe:           true,
		MiddleEastAfrica: true,
	}
	for c, r := range iso3166 {
		if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
			t.Errorf("key %q is not two upper-case ASCII letters", c)
		}
		if !regions[r] {
			t.Errorf("iso3166[%q] = %q, not one of the five regions", c, r)
		}
	}
}

func TestISO3166Regions(t *testing.T) {
	tests := []struct {
		country Country
		want    Region
	}{
		{"US", NorthAmerica},
		{"CA", NorthAmerica},
		{"PM", NorthAmerica},
		{"UM", NorthAmerica},
		{"MX", LatinAmerica},
		{"BR", LatinAmerica},
		{"AR", LatinAmerica},
		{"PR", LatinAmerica},
		{"CW", LatinAmerica},
		{"DE", Europe},
		{"GB", Europe},
		{"FR", Europe},
		{"CH", Europe},
		{"RU", Europe},
		{"UA", Europe},
		{"AX", Europe},
		{"CN", AsiaPacific},
		{"JP", AsiaPacific},
		{"AU", AsiaPacific},
		{"IN", AsiaPacific},
		{"NZ", AsiaPacific},
		{"KZ", AsiaPacific},
		{"GU", AsiaPacific},
		{"AQ", AsiaPacific},
		{"AE", MiddleEastAfrica},
		{"SA", MiddleEastAfrica},
		{"IL", MiddleEastAfrica},
		{"TR", MiddleEastAfrica},
		{"ZA", MiddleEastAfrica},
		{"NG", MiddleEastAfrica},
		{"EG", MiddleEastAfrica},
		{"SS", MiddleEastAfrica},
	}
	for _, tt := range tests {
		got, ok := iso3166[tt.country]
		if !ok {
			t.Errorf("iso3166[%q] missing", tt.country)
			continue
		}
		if got != tt.want {
			t.Errorf("iso3166[%q] = %q, want %q", tt.country, got, tt.want)
		}
	}
}

func TestISO3166NotOfficial(t *testing.T) {
	// XK (Kosovo) is user-assigned and UK is exceptionally reserved; neither
	// is an officially assigned code.
	for _, c := range []Country{"XK", "UK"} {
		if r, ok := iso3166[c]; ok {
			t.Errorf("iso3166[%q] = %q, want absent", c, r)
		}
	}
}
