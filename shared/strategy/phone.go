package strategy

import (
	"strconv"
	"strings"
	"sync"
)

// Phone numbers are normalised to E.164 without a phone-number library:
// github.com/nyaruka/phonenumbers (the Go port of libphonenumber) costs
// 50-80 ms of package init and 4.9 MB of binary on these machines
// (GODEBUG=inittrace=1), above the 30 ms cold-start budget of every
// function that links the strategies. What is checked instead: the
// country calling code exists, the national trunk prefix of the default
// region is dropped, and the result has 7 to 15 digits. Number plans
// (which area codes exist) are not checked. A test compares this against
// libphonenumber on sample numbers of every region.

// regionTable is "REGION<calling code>[:<trunk prefix>]" for every region
// of libphonenumber's metadata (v1.8.1 of the Go port).
const regionTable = "AC247 AD376 AE971:0 AF93:0 AG1:1 AI1:1 AL355:0 AM374:0 AO244 AR54:0 AS1:1 AT43:0 AU61:0 AW297 AX358:0 AZ994:0 BA387:0 BB1:1 BD880:0 BE32:0 BF226 BG359:0 BH973 BI257 BJ229 BL590:0 BM1:1 BN673 BO591:0 BQ599 BR55:0 BS1:1 BT975 BW267 BY375:8 BZ501 CA1:1 CC61:0 CD243:0 CF236 CG242 CH41:0 CI225 CK682 CL56 CM237 CN86:0 CO57:0 CR506 CU53:0 CV238 CW599 CX61:0 CY357 CZ420 DE49:0 DJ253 DK45 DM1:1 DO1:1 DZ213:0 EC593:0 EE372 EG20:0 EH212:0 ER291:0 ES34 ET251:0 FI358:0 FJ679 FK500 FM691 FO298 FR33:0 GA241 GB44:0 GD1:1 GE995:0 GF594:0 GG44:0 GH233:0 GI350 GL299 GM220 GN224 GP590:0 GQ240 GR30 GT502 GU1:1 GW245 GY592 HK852 HN504 HR385:0 HT509 HU36:06 ID62:0 IE353:0 IL972:0 IM44:0 IN91:0 IO246 IQ964:0 IR98:0 IS354 IT39 JE44:0 JM1:1 JO962:0 JP81:0 KE254:0 KG996:0 KH855:0 KI686:0 KM269 KN1:1 KP850:0 KR82:0 KW965 KY1:1 KZ7:8 LA856:0 LB961:0 LC1:1 LI423:0 LK94:0 LR231:0 LS266 LT370:0 LU352 LV371 LY218:0 MA212:0 MC377:0 MD373:0 ME382:0 MF590:0 MG261:0 MH692:1 MK389:0 ML223 MM95:0 MN976:0 MO853 MP1:1 MQ596:0 MR222 MS1:1 MT356 MU230 MV960 MW265:0 MX52 MY60:0 MZ258 NA264:0 NC687 NE227 NF672 NG234:0 NI505 NL31:0 NO47 NP977:0 NR674 NU683 NZ64:0 OM968 PA507 PE51:0 PF689 PG675 PH63:0 PK92:0 PL48 PM508:0 PR1:1 PS970:0 PT351 PW680 PY595:0 QA974 RE262:0 RO40:0 RS381:0 RU7:8 RW250:0 SA966:0 SB677 SC248 SD249:0 SE46:0 SG65 SH290 SI386:0 SJ47 SK421:0 SL232:0 SM378 SN221 SO252:0 SR597 SS211:0 ST239 SV503 SX1:1 SY963:0 SZ268 TA290 TC1:1 TD235 TG228 TH66:0 TJ992 TK690 TL670 TM993:8 TN216 TO676 TR90:0 TT1:1 TV688 TW886:0 TZ255:0 UA380:0 UG256:0 US1:1 UY598:0 UZ998 VA39 VC1:1 VE58:0 VG1:1 VI1:1 VN84:0 VU678 WF681 WS685 XK383:0 YE967:0 YT262:0 ZA27:0 ZM260:0 ZW263:0"

// callingCodes are the country calling codes libphonenumber knows.
const callingCodes = "1 7 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98 211 212 213 216 218 220 221 222 223 224 225 226 227 228 229 230 231 232 233 234 235 236 237 238 239 240 241 242 243 244 245 246 247 248 249 250 251 252 253 254 255 256 257 258 260 261 262 263 264 265 266 267 268 269 290 291 297 298 299 350 351 352 353 354 355 356 357 358 359 370 371 372 373 374 375 376 377 378 380 381 382 383 385 386 387 389 420 421 423 500 501 502 503 504 505 506 507 508 509 590 591 592 593 594 595 596 597 598 599 670 672 673 674 675 676 677 678 679 680 681 682 683 685 686 687 688 689 690 691 692 800 808 850 852 853 855 856 870 878 880 881 882 883 886 888 960 961 962 963 964 965 966 967 968 970 971 972 973 974 975 976 977 979 992 993 994 995 996 998"

type phoneRegion struct {
	code  string // calling code digits
	trunk string // national (trunk) prefix, dropped from national numbers
}

var phoneTables = sync.OnceValues(func() (map[string]phoneRegion, map[string]bool) {
	regions := map[string]phoneRegion{}
	for _, e := range strings.Fields(regionTable) {
		name, rest := e[:2], e[2:]
		code, trunk, _ := strings.Cut(rest, ":")
		regions[name] = phoneRegion{code: code, trunk: trunk}
	}
	codes := map[string]bool{}
	for _, c := range strings.Fields(callingCodes) {
		codes[c] = true
	}
	return regions, codes
})

// validRegion reports whether region (ISO 3166-1 alpha-2) has a calling code.
func validRegion(region string) bool {
	regions, _ := phoneTables()
	_, ok := regions[strings.ToUpper(region)]
	return ok
}

// normalizePhone returns s in E.164 (+<country code><number>), reading
// numbers without an international prefix as numbers of region ("" means
// such numbers are refused).
func normalizePhone(s, region string) (string, bool) {
	regions, codes := phoneTables()
	s = strings.TrimSpace(s)
	var digits strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
		case strings.ContainsRune(" -.()/\u00a0", r):
		default:
			return "", false
		}
	}
	d := digits.String()
	reg, hasRegion := regions[strings.ToUpper(region)]
	international := strings.HasPrefix(s, "+")
	switch {
	case international:
	case strings.HasPrefix(d, "00"):
		d, international = d[2:], true
	case hasRegion && reg.code == "1" && strings.HasPrefix(d, "011"):
		d, international = d[3:], true
	}
	if international {
		ok := false
		for n := 1; n <= 3 && n <= len(d); n++ {
			if codes[d[:n]] {
				ok = true
				break
			}
		}
		if !ok {
			return "", false
		}
	} else {
		if !hasRegion {
			return "", false
		}
		if reg.trunk != "" && strings.HasPrefix(d, reg.trunk) {
			d = d[len(reg.trunk):]
		}
		d = reg.code + d
	}
	if len(d) < 7 || len(d) > 15 {
		return "", false
	}
	if _, err := strconv.ParseUint(d, 10, 64); err != nil {
		return "", false
	}
	return "+" + d, true
}
