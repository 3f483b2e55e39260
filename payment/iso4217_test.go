package payment

import "testing"

// The checks below exercise only the iso4217 table and its two types, so they
// keep holding whatever the rest of the package does with the table.

func TestISO4217CodesAreThreeUpperCaseLetters(t *testing.T) {
	for code := range iso4217 {
		s := string(code)
		if len(s) != 3 {
			t.Errorf("iso4217 key %q: want 3 characters, got %d", s, len(s))
			continue
		}
		for i := 0; i < len(s); i++ {
			if s[i] < 'A' || s[i] > 'Z' {
				t.Errorf("iso4217 key %q: byte %d is %q, want an ASCII letter A-Z", s, i, s[i])
			}
		}
	}
}

func TestISO4217NumericCodesInRangeAndUnique(t *testing.T) {
	seen := make(map[int]Currency, len(iso4217))
	for code, info := range iso4217 {
		if info.numeric < 1 || info.numeric > 999 {
			t.Errorf("iso4217[%q].numeric = %d, want a value in 1..999", code, info.numeric)
		}
		if other, ok := seen[info.numeric]; ok {
			t.Errorf("numeric code %03d is used by both %q and %q", info.numeric, other, code)
			continue
		}
		seen[info.numeric] = code
	}
}

func TestISO4217MinorUnitsAreValid(t *testing.T) {
	for code, info := range iso4217 {
		switch info.minorUnits {
		case 0, 2, 3, 4:
		default:
			t.Errorf("iso4217[%q].minorUnits = %d, want one of 0, 2, 3, 4", code, info.minorUnits)
		}
	}
}

func TestISO4217NamesArePresent(t *testing.T) {
	for code, info := range iso4217 {
		if info.name == "" {
			t.Errorf("iso4217[%q].name is empty", code)
		}
	}
}

// TestISO4217MinorUnitsOtherThanTwo pins the complete set of codes whose ISO
// minor unit is not 2, so a CLDR value (HUF 0, IDR 0, IQD 0, ...) slipping in
// is caught even for codes the spot check below does not name.
func TestISO4217MinorUnitsOtherThanTwo(t *testing.T) {
	want := map[Currency]int{
		"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0,
		"KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0,
		"VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
		"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
		"CLF": 4, "UYW": 4,
	}
	for code, info := range iso4217 {
		wantMinor, special := want[code]
		if !special {
			wantMinor = 2
		}
		if info.minorUnits != wantMinor {
			t.Errorf("iso4217[%q].minorUnits = %d, want %d", code, info.minorUnits, wantMinor)
		}
	}
	for code := range want {
		if _, ok := iso4217[code]; !ok {
			t.Errorf("iso4217 has no entry for %q", code)
		}
	}
}

func TestISO4217SpotCheck(t *testing.T) {
	tests := []struct {
		code    Currency
		numeric int
		minor   int
	}{
		{"AED", 784, 2},
		{"AUD", 36, 2},
		{"BHD", 48, 3},
		{"BRL", 986, 2},
		{"CAD", 124, 2},
		{"CHF", 756, 2},
		{"CLF", 990, 4},
		{"CLP", 152, 0},
		{"CNY", 156, 2},
		{"EUR", 978, 2},
		{"GBP", 826, 2},
		{"HUF", 348, 2},
		{"IDR", 360, 2},
		{"INR", 356, 2},
		{"IQD", 368, 3},
		{"ISK", 352, 0},
		{"JOD", 400, 3},
		{"JPY", 392, 0},
		{"KRW", 410, 0},
		{"KWD", 414, 3},
		{"LAK", 418, 2},
		{"MGA", 969, 2},
		{"MRU", 929, 2},
		{"MXN", 484, 2},
		{"OMR", 512, 3},
		{"RSD", 941, 2},
		{"SEK", 752, 2},
		{"SLE", 925, 2},
		{"STN", 930, 2},
		{"TND", 788, 3},
		{"TWD", 901, 2},
		{"USD", 840, 2},
		{"UYI", 940, 0},
		{"UYW", 927, 4},
		{"VES", 928, 2},
		{"VND", 704, 0},
		{"XAF", 950, 0},
		{"XCG", 532, 2},
		{"XOF", 952, 0},
		{"XPF", 953, 0},
		{"ZAR", 710, 2},
		{"ZWG", 924, 2},
	}
	for _, tt := range tests {
		info, ok := iso4217[tt.code]
		if !ok {
			t.Errorf("iso4217 has no entry for %q", tt.code)
			continue
		}
		if info.numeric != tt.numeric {
			t.Errorf("iso4217[%q].numeric = %d, want %d", tt.code, info.numeric, tt.numeric)
		}
		if info.minorUnits != tt.minor {
			t.Errorf("iso4217[%q].minorUnits = %d, want %d", tt.code, info.minorUnits, tt.minor)
		}
	}
}

func TestISO4217WithdrawnAndExcludedCodesAbsent(t *testing.T) {
	absent := []struct {
		code Currency
		why  string
	}{
		{"HRK", "withdrawn, Croatia uses EUR"},
		{"ANG", "replaced by XCG on 2025-03-31"},
		{"BGN", "moved to list three on 2026-01-01, Bulgaria uses EUR"},
		{"CUC", "withdrawn"},
		{"SLL", "withdrawn after the redenomination to SLE"},
		{"ZWL", "replaced by ZWG"},
		{"XAU", "precious metal, no minor unit"},
		{"XDR", "no minor unit"},
		{"XTS", "testing code, no minor unit"},
		{"XXX", "no currency, no minor unit"},
	}
	for _, a := range absent {
		if _, ok := iso4217[a.code]; ok {
			t.Errorf("iso4217 has an entry for %q, want none (%s)", a.code, a.why)
		}
	}
}

// TestISO4217Size guards against entries lost in an edit. List one published
// on 2026-01-01 has 178 distinct codes, 13 of them without a minor unit; when
// the table is brought up to a later amendment, change this number with it.
func TestISO4217Size(t *testing.T) {
	const want = 165
	if got := len(iso4217); got != want {
		t.Errorf("len(iso4217) = %d, want %d", got, want)
	}
}
