package payment

// iso3166 maps every officially assigned ISO 3166-1 alpha-2 country code to the
// payment region the default fee schedule and eligibility rules use. It has
// exactly the 249 officially assigned codes: user-assigned codes such as "XK"
// (Kosovo) and exceptionally reserved ones such as "UK" or "EU" are absent.
//
// Inhabited places, dependencies included, are grouped by geography, not by
// the sovereign state:
//
//   - NorthAmerica is the United States, Canada, Bermuda, Greenland and Saint
//     Pierre and Miquelon (the UN "Northern America" group), plus the US Minor
//     Outlying Islands (see below).
//   - LatinAmerica is Mexico, Central and South America (including French
//     Guiana and the Falklands) and the whole Caribbean, including the US
//     (PR, VI), British, Dutch and French islands there.
//   - Europe is the EU, EEA, UK, Switzerland, the Balkans, Ukraine, Belarus,
//     Moldova, Russia, the European microstates and dependencies (AX, FO, GG,
//     GI, IM, JE, SJ) and the South Caucasus (AM, AZ, GE), which sit with
//     the other Eastern Partnership states rather than with the Middle East.
//     Cyprus is Europe as an EU member.
//   - MiddleEastAfrica is all of Africa (with Réunion, Mayotte and Saint
//     Helena), Israel, Palestine, the Levant, Iraq, Iran, the Gulf and Yemen,
//     and Türkiye: most of its territory is in West Asia, and it is outside
//     the EU, the EEA and SEPA, so it does not share Europe's payment rails.
//   - AsiaPacific is the rest of Asia, including Central Asia, South Asia
//     and Afghanistan, and all of Oceania, including the US Pacific
//     territories (AS, GU, MP) and the French, Australian and New Zealand
//     ones there.
//
// Territories with no permanent population have no payment infrastructure of
// their own, so they follow the region of the administering country: BV is
// Europe (Norway), GS, IO and TF are Europe (UK, UK, France), HM is
// AsiaPacific (Australia) and UM is NorthAmerica (US). Antarctica (AQ) has
// no administering country and is AsiaPacific.
var iso3166 = map[Country]Region{
	"AD": Europe,           // Andorra
	"AE": MiddleEastAfrica, // United Arab Emirates
	"AF": AsiaPacific,      // Afghanistan
	"AG": LatinAmerica,     // Antigua and Barbuda
	"AI": LatinAmerica,     // Anguilla
	"AL": Europe,           // Albania
	"AM": Europe,           // Armenia
	"AO": MiddleEastAfrica, // Angola
	"AQ": AsiaPacific,      // Antarctica
	"AR": LatinAmerica,     // Argentina
	"AS": AsiaPacific,      // American Samoa
	"AT": Europe,           // Austria
	"AU": AsiaPacific,      // Australia
	"AW": LatinAmerica,     // Aruba
	"AX": Europe,           // Åland Islands
	"AZ": Europe,           // Azerbaijan
	"BA": Europe,           // Bosnia and Herzegovina
	"BB": LatinAmerica,     // Barbados
	"BD": AsiaPacific,      // Bangladesh
	"BE": Europe,           // Belgium
	"BF": MiddleEastAfrica, // Burkina Faso
	"BG": Europe,           // Bulgaria
	"BH": MiddleEastAfrica, // Bahrain
	"BI": MiddleEastAfrica, // Burundi
	"BJ": MiddleEastAfrica, // Benin
	"BL": LatinAmerica,     // Saint Barthélemy
	"BM": NorthAmerica,     // Bermuda
	"BN": AsiaPacific,      // Brunei Darussalam
	"BO": LatinAmerica,     // Bolivia
	"BQ": LatinAmerica,     // Bonaire, Sint Eustatius and Saba
	"BR": LatinAmerica,     // Brazil
	"BS": LatinAmerica,     // Bahamas
	"BT": AsiaPacific,      // Bhutan
	"BV": Europe,           // Bouvet Island
	"BW": MiddleEastAfrica, // Botswana
	"BY": Europe,           // Belarus
	"BZ": LatinAmerica,     // Belize
	"CA": NorthAmerica,     // Canada
	"CC": AsiaPacific,      // Cocos (Keeling) Islands
	"CD": MiddleEastAfrica, // Congo (Democratic Republic)
	"CF": MiddleEastAfrica, // Central African Republic
	"CG": MiddleEastAfrica, // Congo
	"CH": Europe,           // Switzerland
	"CI": MiddleEastAfrica, // Côte d'Ivoire
	"CK": AsiaPacific,      // Cook Islands
	"CL": LatinAmerica,     // Chile
	"CM": MiddleEastAfrica, // Cameroon
	"CN": AsiaPacific,      // China
	"CO": LatinAmerica,     // Colombia
	"CR": LatinAmerica,     // Costa Rica
	"CU": LatinAmerica,     // Cuba
	"CV": MiddleEastAfrica, // Cabo Verde
	"CW": LatinAmerica,     // Curaçao
	"CX": AsiaPacific,      // Christmas Island
	"CY": Europe,           // Cyprus
	"CZ": Europe,           // Czechia
	"DE": Europe,           // Germany
	"DJ": MiddleEastAfrica, // Djibouti
	"DK": Europe,           // Denmark
	"DM": LatinAmerica,     // Dominica
	"DO": LatinAmerica,     // Dominican Republic
	"DZ": MiddleEastAfrica, // Algeria
	"EC": LatinAmerica,     // Ecuador
	"EE": Europe,           // Estonia
	"EG": MiddleEastAfrica, // Egypt
	"EH": MiddleEastAfrica, // Western Sahara
	"ER": MiddleEastAfrica, // Eritrea
	"ES": Europe,           // Spain
	"ET": MiddleEastAfrica, // Ethiopia
	"FI": Europe,           // Finland
	"FJ": AsiaPacific,      // Fiji
	"FK": LatinAmerica,     // Falkland Islands (Malvinas)
	"FM": AsiaPacific,      // Micronesia
	"FO": Europe,           // Faroe Islands
	"FR": Europe,           // France
	"GA": MiddleEastAfrica, // Gabon
	"GB": Europe,           // United Kingdom
	"GD": LatinAmerica,     // Grenada
	"GE": Europe,           // Georgia
	"GF": LatinAmerica,     // French Guiana
	"GG": Europe,           // Guernsey
	"GH": MiddleEastAfrica, // Ghana
	"GI": Europe,           // Gibraltar
	"GL": NorthAmerica,     // Greenland
	"GM": MiddleEastAfrica, // Gambia
	"GN": MiddleEastAfrica, // Guinea
	"GP": LatinAmerica,     // Guadeloupe
	"GQ": MiddleEastAfrica, // Equatorial Guinea
	"GR": Europe,           // Greece
	"GS": Europe,           // South Georgia and the South Sandwich Islands
	"GT": LatinAmerica,     // Guatemala
	"GU": AsiaPacific,      // Guam
	"GW": MiddleEastAfrica, // Guinea-Bissau
	"GY": LatinAmerica,     // Guyana
	"HK": AsiaPacific,      // Hong Kong
	"HM": AsiaPacific,      // Heard Island and McDonald Islands
	"HN": LatinAmerica,     // Honduras
	"HR": Europe,           // Croatia
	"HT": LatinAmerica,     // Haiti
	"HU": Europe,           // Hungary
	"ID": AsiaPacific,      // Indonesia
	"IE": Europe,           // Ireland
	"IL": MiddleEastAfrica, // Israel
	"IM": Europe,           // Isle of Man
	"IN": AsiaPacific,      // India
	"IO": Europe,           // British Indian Ocean Territory
	"IQ": MiddleEastAfrica, // Iraq
	"IR": MiddleEastAfrica, // Iran
	"IS": Europe,           // Iceland
	"IT": Europe,           // Italy
	"JE": Europe,           // Jersey
	"JM": LatinAmerica,     // Jamaica
	"JO": MiddleEastAfrica, // Jordan
	"JP": AsiaPacific,      // Japan
	"KE": MiddleEastAfrica, // Kenya
	"KG": AsiaPacific,      // Kyrgyzstan
	"KH": AsiaPacific,      // Cambodia
	"KI": AsiaPacific,      // Kiribati
	"KM": MiddleEastAfrica, // Comoros
	"KN": LatinAmerica,     // Saint Kitts and Nevis
	"KP": AsiaPacific,      // Korea (Democratic People's Republic)
	"KR": AsiaPacific,      // Korea (Republic)
	"KW": MiddleEastAfrica, // Kuwait
	"KY": LatinAmerica,     // Cayman Islands
	"KZ": AsiaPacific,      // Kazakhstan
	"LA": AsiaPacific,      // Lao People's Democratic Republic
	"LB": MiddleEastAfrica, // Lebanon
	"LC": LatinAmerica,     // Saint Lucia
	"LI": Europe,           // Liechtenstein
	"LK": AsiaPacific,      // Sri Lanka
	"LR": MiddleEastAfrica, // Liberia
	"LS": MiddleEastAfrica, // Lesotho
	"LT": Europe,           // Lithuania
	"LU": Europe,           // Luxembourg
	"LV": Europe,           // Latvia
	"LY": MiddleEastAfrica, // Libya
	"MA": MiddleEastAfrica, // Morocco
	"MC": Europe,           // Monaco
	"MD": Europe,           // Moldova
	"ME": Europe,           // Montenegro
	"MF": LatinAmerica,     // Saint Martin (French part)
	"MG": MiddleEastAfrica, // Madagascar
	"MH": AsiaPacific,      // Marshall Islands
	"MK": Europe,           // North Macedonia
	"ML": MiddleEastAfrica, // Mali
	"MM": AsiaPacific,      // Myanmar
	"MN": AsiaPacific,      // Mongolia
	"MO": AsiaPacific,      // Macao
	"MP": AsiaPacific,      // Northern Mariana Islands
	"MQ": LatinAmerica,     // Martinique
	"MR": MiddleEastAfrica, // Mauritania
	"MS": LatinAmerica,     // Montserrat
	"MT": Europe,           // Malta
	"MU": MiddleEastAfrica, // Mauritius
	"MV": AsiaPacific,      // Maldives
	"MW": MiddleEastAfrica, // Malawi
	"MX": LatinAmerica,     // Mexico
	"MY": AsiaPacific,      // Malaysia
	"MZ": MiddleEastAfrica, // Mozambique
	"NA": MiddleEastAfrica, // Namibia
	"NC": AsiaPacific,      // New Caledonia
	"NE": MiddleEastAfrica, // Niger
	"NF": AsiaPacific,      // Norfolk Island
	"NG": MiddleEastAfrica, // Nigeria
	"NI": LatinAmerica,     // Nicaragua
	"NL": Europe,           // Netherlands
	"NO": Europe,           // Norway
	"NP": AsiaPacific,      // Nepal
	"NR": AsiaPacific,      // Nauru
	"NU": AsiaPacific,      // Niue
	"NZ": AsiaPacific,      // New Zealand
	"OM": MiddleEastAfrica, // Oman
	"PA": LatinAmerica,     // Panama
	"PE": LatinAmerica,     // Peru
	"PF": AsiaPacific,      // French Polynesia
	"PG": AsiaPacific,      // Papua New Guinea
	"PH": AsiaPacific,      // Philippines
	"PK": AsiaPacific,      // Pakistan
	"PL": Europe,           // Poland
	"PM": NorthAmerica,     // Saint Pierre and Miquelon
	"PN": AsiaPacific,      // Pitcairn
	"PR": LatinAmerica,     // Puerto Rico
	"PS": MiddleEastAfrica, // Palestine
	"PT": Europe,           // Portugal
	"PW": AsiaPacific,      // Palau
	"PY": LatinAmerica,     // Paraguay
	"QA": MiddleEastAfrica, // Qatar
	"RE": MiddleEastAfrica, // Réunion
	"RO": Europe,           // Romania
	"RS": Europe,           // Serbia
	"RU": Europe,           // Russian Federation
	"RW": MiddleEastAfrica, // Rwanda
	"SA": MiddleEastAfrica, // Saudi Arabia
	"SB": AsiaPacific,      // Solomon Islands
	"SC": MiddleEastAfrica, // Seychelles
	"SD": MiddleEastAfrica, // Sudan
	"SE": Europe,           // Sweden
	"SG": AsiaPacific,      // Singapore
	"SH": MiddleEastAfrica, // Saint Helena, Ascension and Tristan da Cunha
	"SI": Europe,           // Slovenia
	"SJ": Europe,           // Svalbard and Jan Mayen
	"SK": Europe,           // Slovakia
	"SL": MiddleEastAfrica, // Sierra Leone
	"SM": Europe,           // San Marino
	"SN": MiddleEastAfrica, // Senegal
	"SO": MiddleEastAfrica, // Somalia
	"SR": LatinAmerica,     // Suriname
	"SS": MiddleEastAfrica, // South Sudan
	"ST": MiddleEastAfrica, // Sao Tome and Principe
	"SV": LatinAmerica,     // El Salvador
	"SX": LatinAmerica,     // Sint Maarten (Dutch part)
	"SY": MiddleEastAfrica, // Syria
	"SZ": MiddleEastAfrica, // Eswatini
	"TC": LatinAmerica,     // Turks and Caicos Islands
	"TD": MiddleEastAfrica, // Chad
	"TF": Europe,           // French Southern Territories
	"TG": MiddleEastAfrica, // Togo
	"TH": AsiaPacific,      // Thailand
	"TJ": AsiaPacific,      // Tajikistan
	"TK": AsiaPacific,      // Tokelau
	"TL": AsiaPacific,      // Timor-Leste
	"TM": AsiaPacific,      // Turkmenistan
	"TN": MiddleEastAfrica, // Tunisia
	"TO": AsiaPacific,      // Tonga
	"TR": MiddleEastAfrica, // Türkiye
	"TT": LatinAmerica,     // Trinidad and Tobago
	"TV": AsiaPacific,      // Tuvalu
	"TW": AsiaPacific,      // Taiwan
	"TZ": MiddleEastAfrica, // Tanzania
	"UA": Europe,           // Ukraine
	"UG": MiddleEastAfrica, // Uganda
	"UM": NorthAmerica,     // United States Minor Outlying Islands
	"US": NorthAmerica,     // United States
	"UY": LatinAmerica,     // Uruguay
	"UZ": AsiaPacific,      // Uzbekistan
	"VA": Europe,           // Holy See (Vatican City)
	"VC": LatinAmerica,     // Saint Vincent and the Grenadines
	"VE": LatinAmerica,     // Venezuela
	"VG": LatinAmerica,     // Virgin Islands (British)
	"VI": LatinAmerica,     // Virgin Islands (U.S.)
	"VN": AsiaPacific,      // Viet Nam
	"VU": AsiaPacific,      // Vanuatu
	"WF": AsiaPacific,      // Wallis and Futuna
	"WS": AsiaPacific,      // Samoa
	"YE": MiddleEastAfrica, // Yemen
	"YT": MiddleEastAfrica, // Mayotte
	"ZA": MiddleEastAfrica, // South Africa
	"ZM": MiddleEastAfrica, // Zambia
	"ZW": MiddleEastAfrica, // Zimbabwe
}
