package hours_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/hours"
)

// MustNew builds a calendar or fails the test.
func MustNew(tb testing.TB, c hours.Config) *hours.Calendar {
	tb.Helper()
	cal, err := hours.New(c)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return cal
}

// at parses an RFC 3339 instant.
func at(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		tb.Fatalf("bad test time %q: %v", s, err)
	}
	return t
}

func weekly(zone string, w map[string][]string) hours.Config {
	return hours.Config{TimeZone: zone, Weekly: w}
}

// office is a split shift in Amsterdam with the usual Dutch days off and
// a few one-off changes.
var office = hours.Config{
	TimeZone: "Europe/Amsterdam",
	Weekly:   map[string][]string{"weekdays": {"09:00-12:30", "13:30-17:30"}},
	Holidays: []hours.Holiday{
		{Date: "12-25", Name: "Christmas"},
		{Date: "12-26", Name: "Boxing Day"},
		{Date: "01-01", Name: "New Year"},
		{Date: "2026-04-03", Name: "Good Friday"},
		{Date: "2026-04-06", Name: "Easter Monday"},
	},
	Exceptions: []hours.Exception{
		{Date: "2026-12-24", Hours: []string{"09:00-13:00"}, Name: "Christmas Eve"},
		{Date: "2026-06-10", Name: "Staff day"},
		{Date: "2026-06-13", Hours: []string{"10:00-14:00"}, Name: "Open Saturday"},
	},
}

// friNight is a night shift from Friday into Saturday.
var friNight = weekly("Europe/Amsterdam", map[string][]string{"friday": {"22:00-02:00"}})

func TestOpenAt(t *testing.T) {
	tests := []struct {
		name string
		cfg  hours.Config
		at   string
		want bool
	}{
		{"before opening", office, "2026-06-08T08:59:59+02:00", false},
		{"exactly at start", office, "2026-06-08T09:00:00+02:00", true},
		{"morning", office, "2026-06-08T11:00:00+02:00", true},
		{"last nanosecond of the morning", office, "2026-06-08T12:29:59.999999999+02:00", true},
		{"exactly at end of the morning", office, "2026-06-08T12:30:00+02:00", false},
		{"lunch", office, "2026-06-08T13:00:00+02:00", false},
		{"afternoon start", office, "2026-06-08T13:30:00+02:00", true},
		{"afternoon", office, "2026-06-08T17:29:59+02:00", true},
		{"exactly at closing", office, "2026-06-08T17:30:00+02:00", false},
		{"evening", office, "2026-06-08T20:00:00+02:00", false},
		{"saturday", office, "2026-06-06T10:00:00+02:00", false},
		{"sunday", office, "2026-06-07T10:00:00+02:00", false},
		{"instant given in UTC, 09:00 local", office, "2026-06-08T07:00:00Z", true},
		{"instant given in UTC, 17:45 local", office, "2026-06-08T15:45:00Z", false},
		{"instant given in New York", office, "2026-06-08T05:00:00-04:00", true},
		{"winter offset", office, "2026-01-12T08:30:00Z", true},
		{"winter offset, before opening", office, "2026-01-12T07:59:00Z", false},

		{"fixed holiday", office, "2026-04-03T10:00:00+02:00", false},
		{"day after a fixed holiday", office, "2026-04-07T10:00:00+02:00", true},
		{"fixed holiday is one year only", office, "2027-04-06T10:00:00+02:00", true},
		{"yearly holiday", office, "2026-12-25T10:00:00+01:00", false},
		{"yearly holiday next year", office, "2029-12-25T10:00:00+01:00", false},
		{"yearly holiday, New Year", office, "2030-01-01T10:00:00+01:00", false},
		{"workday between yearly holidays", office, "2030-01-02T10:00:00+01:00", true},

		{"shorter day: open", office, "2026-12-24T12:59:00+01:00", true},
		{"shorter day: closes early", office, "2026-12-24T13:00:00+01:00", false},
		{"shorter day: no lunch break", office, "2026-12-24T12:45:00+01:00", true},
		{"exception is for one date only", office, "2027-12-24T14:00:00+01:00", true},
		{"closed day", office, "2026-06-10T10:00:00+02:00", false},
		{"day after the closed day", office, "2026-06-11T10:00:00+02:00", true},
		{"opening on a saturday", office, "2026-06-13T10:00:00+02:00", true},
		{"opening on a saturday, after", office, "2026-06-13T14:00:00+02:00", false},

		{"overnight: before start", friNight, "2026-06-05T21:59:59+02:00", false},
		{"overnight: start", friNight, "2026-06-05T22:00:00+02:00", true},
		{"overnight: before midnight", friNight, "2026-06-05T23:59:59+02:00", true},
		{"overnight: midnight", friNight, "2026-06-06T00:00:00+02:00", true},
		{"overnight: next morning", friNight, "2026-06-06T01:59:59+02:00", true},
		{"overnight: end", friNight, "2026-06-06T02:00:00+02:00", false},
		{"overnight: not the morning before", friNight, "2026-06-05T01:00:00+02:00", false},
		{"overnight: not sunday morning", friNight, "2026-06-07T01:00:00+02:00", false},

		{"ends at 24:00", weekly("", map[string][]string{"sat": {"20:00-24:00"}}), "2026-06-06T23:59:59Z", true},
		{"ends at 24:00, midnight", weekly("", map[string][]string{"sat": {"20:00-24:00"}}), "2026-06-07T00:00:00Z", false},
		{"ends at 00:00 means midnight", weekly("", map[string][]string{"sat": {"20:00-00:00"}}), "2026-06-06T23:59:59Z", true},
		{"whole day", weekly("", map[string][]string{"sat": {"00:00-24:00"}}), "2026-06-06T00:00:00Z", true},
		{"whole day, next day", weekly("", map[string][]string{"sat": {"00:00-24:00"}}), "2026-06-07T00:00:00Z", false},
		{"spaces and one-digit hours", weekly("", map[string][]string{"Mon": {" 9:00 - 17:00 "}}), "2026-06-08T09:00:00Z", true},
		{"overlapping ranges merge", weekly("", map[string][]string{"mon": {"09:00-12:00", "11:00-14:00"}}), "2026-06-08T13:00:00Z", true},

		{"no hours at all", hours.Config{}, "2026-06-08T10:00:00Z", false},
		{"only a zone", hours.Config{TimeZone: "Europe/Amsterdam"}, "2026-06-08T10:00:00Z", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal := MustNew(t, tt.cfg)
			if got := cal.OpenAt(at(t, tt.at)); got != tt.want {
				t.Errorf("OpenAt(%s) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestWeeklyKeys(t *testing.T) {
	specific := MustNew(t, weekly("", map[string][]string{
		"daily":    {"10:00-11:00"},
		"weekdays": {"09:00-17:00"},
		"Sat":      {"12:00-13:00"},
		"SUNDAY":   {},
		"wed":      {"13:00-14:00"},
	}))
	groups := MustNew(t, weekly("", map[string][]string{
		"Daily":   {"10:00-11:00"},
		"weekend": {},
	}))
	tests := []struct {
		name string
		cal  *hours.Calendar
		at   string
		want bool
	}{
		{"weekdays beat daily", specific, "2026-06-08T09:30:00Z", true},
		{"weekdays beat daily, afternoon", specific, "2026-06-08T16:00:00Z", true},
		{"a day beats weekdays", specific, "2026-06-10T09:30:00Z", false},
		{"a day beats weekdays, its own hours", specific, "2026-06-10T13:30:00Z", true},
		{"a day beats daily", specific, "2026-06-06T10:30:00Z", false},
		{"a day beats daily, its own hours", specific, "2026-06-06T12:30:00Z", true},
		{"an empty list closes the day", specific, "2026-06-07T10:30:00Z", false},
		{"daily", groups, "2026-06-09T10:30:00Z", true},
		{"weekend beats daily: saturday", groups, "2026-06-06T10:30:00Z", false},
		{"weekend beats daily: sunday", groups, "2026-06-07T10:30:00Z", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.OpenAt(at(t, tt.at)); got != tt.want {
				t.Errorf("OpenAt(%s) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}

	t.Run("every spelling of every day", func(t *testing.T) {
		// 2026-06-07 is a Sunday.
		for i, names := range [][]string{
			{"sunday", "Sun", "SUNDAY"},
			{"monday", "mon", "Monday"},
			{"tuesday", "tue", "TUE"},
			{"wednesday", "wed", "Wednesday"},
			{"thursday", "thu", "Thursday"},
			{"friday", "fri", "Fri"},
			{"saturday", "sat", "Saturday"},
		} {
			for _, name := range names {
				cal := MustNew(t, weekly("", map[string][]string{name: {"10:00-11:00"}}))
				for d := range 7 {
					day := time.Date(2026, 6, 7+d, 10, 30, 0, 0, time.UTC)
					if got := cal.OpenAt(day); got != (d == i) {
						t.Errorf("%q: OpenAt(%s, a %s) = %v", name, day.Format(time.DateOnly), day.Weekday(), got)
					}
				}
			}
		}
	})
}

// TestTimeZones asks calendars in different zones about the same instants.
func TestTimeZones(t *testing.T) {
	cals := map[string]*hours.Calendar{
		"amsterdam": MustNew(t, weekly("Europe/Amsterdam", map[string][]string{"weekdays": {"09:00-17:00"}})),
		// Israel works Sunday to Thursday, with a short Friday.
		"jerusalem": MustNew(t, weekly("Asia/Jerusalem", map[string][]string{
			"Sunday": {"08:00-17:00"}, "MON": {"08:00-17:00"}, "tue": {"08:00-17:00"},
			"Wednesday": {"08:00-17:00"}, "thu": {"08:00-17:00"}, "fri": {"08:00-13:00"},
		})),
		"auckland": MustNew(t, weekly("Pacific/Auckland", map[string][]string{"weekdays": {"09:00-17:00"}})),
		"new york": MustNew(t, weekly("America/New_York", map[string][]string{"weekdays": {"09:00-17:00"}})),
		"utc":      MustNew(t, weekly("", map[string][]string{"weekdays": {"09:00-17:00"}})),
	}
	tests := []struct {
		at   string
		open []string // the calendars open at that instant; the others are closed
	}{
		// Sunday: 09:00 in Amsterdam, 10:00 in Jerusalem, 19:00 in Auckland.
		{"2026-06-07T07:00:00Z", []string{"jerusalem"}},
		// Sunday 23:00 in Amsterdam is Monday 09:00 in Auckland.
		{"2026-06-07T21:00:00Z", []string{"auckland"}},
		// Monday afternoon in Europe, Monday morning in New York, night in Auckland.
		{"2026-06-08T13:30:00Z", []string{"amsterdam", "jerusalem", "new york", "utc"}},
		// Friday 12:30 in Jerusalem, 11:30 in Amsterdam, 05:30 in New York.
		{"2026-06-05T09:30:00Z", []string{"amsterdam", "jerusalem", "utc"}},
		// Friday 13:30 in Jerusalem: closed for the weekend.
		{"2026-06-05T10:30:00Z", []string{"amsterdam", "utc"}},
		// Friday 17:30 in New York, Saturday 09:30 in Auckland.
		{"2026-06-12T21:30:00Z", nil},
		// Friday 16:30 in New York, Friday 22:30 in Amsterdam.
		{"2026-06-12T20:30:00Z", []string{"new york"}},
		// Monday 08:30 in Amsterdam in winter is 07:30 UTC; Auckland is
		// then on summer time, 20:30 Monday.
		{"2026-12-07T07:30:00Z", []string{"jerusalem"}},
		{"2026-12-07T08:00:00Z", []string{"amsterdam", "jerusalem"}},
	}
	for _, tt := range tests {
		t.Run(tt.at, func(t *testing.T) {
			instant := at(t, tt.at)
			for name, cal := range cals {
				want := false
				for _, o := range tt.open {
					want = want || o == name
				}
				if got := cal.OpenAt(instant); got != want {
					t.Errorf("%s at %s (%s there): open %v, want %v", name, tt.at,
						instant.In(cal.Location()).Format("Mon 15:04"), got, want)
				}
			}
		})
	}

	t.Run("jerusalem weekend", func(t *testing.T) {
		got, ok := cals["jerusalem"].NextOpen(at(t, "2026-06-05T14:00:00+03:00"))
		if want := at(t, "2026-06-07T08:00:00+03:00"); !ok || !got.Equal(want) {
			t.Errorf("NextOpen from Friday afternoon = %v, %v; want Sunday %v", got, ok, want)
		}
	})
	t.Run("auckland new year", func(t *testing.T) {
		cfg := weekly("Pacific/Auckland", map[string][]string{"weekdays": {"09:00-17:00"}})
		cfg.Holidays = []hours.Holiday{{Date: "01-01"}, {Date: "01-02"}}
		got, ok := MustNew(t, cfg).NextOpen(at(t, "2026-12-31T17:00:00+13:00"))
		if want := at(t, "2027-01-04T09:00:00+13:00"); !ok || !got.Equal(want) {
			t.Errorf("NextOpen = %v, %v; want %v", got, ok, want)
		}
	})
}

// TestDST checks openings on the days the clocks change: each opening
// starts and ends at the right instant and lasts the real time it covers.
func TestDST(t *testing.T) {
	tests := []struct {
		name     string
		cfg      hours.Config
		from     string // a closed instant before the opening
		open     string // when it opens
		close    string // when it closes
		lasts    time.Duration
		alsoOpen []string // instants inside the opening worth a look
	}{
		// Amsterdam, 2026-03-29: 02:00 CET becomes 03:00 CEST.
		{
			name: "amsterdam spring: start in the gap",
			cfg:  weekly("Europe/Amsterdam", map[string][]string{"sunday": {"02:30-06:00"}}),
			from: "2026-03-28T12:00:00+01:00", open: "2026-03-29T03:00:00+02:00", close: "2026-03-29T06:00:00+02:00",
			lasts: 3 * time.Hour,
		},
		{
			name: "amsterdam spring: end in the gap",
			cfg:  weekly("Europe/Amsterdam", map[string][]string{"sunday": {"01:00-02:30"}}),
			from: "2026-03-28T12:00:00+01:00", open: "2026-03-29T01:00:00+01:00", close: "2026-03-29T03:00:00+02:00",
			lasts: time.Hour,
		},
		{
			name: "amsterdam spring: across the gap",
			cfg:  weekly("Europe/Amsterdam", map[string][]string{"sunday": {"01:00-04:00"}}),
			from: "2026-03-28T12:00:00+01:00", open: "2026-03-29T01:00:00+01:00", close: "2026-03-29T04:00:00+02:00",
			lasts: 2 * time.Hour, alsoOpen: []string{"2026-03-29T01:59:59+01:00", "2026-03-29T03:00:00+02:00"},
		},
		{
			name: "amsterdam spring: office day",
			cfg:  weekly("Europe/Amsterdam", map[string][]string{"sunday": {"09:00-17:00"}}),
			from: "2026-03-28T12:00:00+01:00", open: "2026-03-29T09:00:00+02:00", close: "2026-03-29T17:00:00+02:00",
			lasts: 8 * time.Hour,
		},
		{
			name: "amsterdam spring: night shift",
			cfg:  weekly("Europe/Amsterdam", map[string][]string{"saturday": {"22:00-06:00"}}),
			from: "2026-03-28T12:00:00+01:00", open: "2026-03-28T22:00:00+01:00", close: "2026-03-29T06:00:00+02:00",
			lasts: 7 * time.Hour, alsoOpen: []string{"2026-03-29T01:59:59+01:00", "2026-03-29T03:00:00+02:00"},
		},
		{
			name: "amsterdam spring: whole day",
			cfg:  weekly("Europe/Amsterdam", map[string][]string{"sunday": {"00:00-24:00"}}),
			from: "2026-03-28T12:00:00+01:00", open: "2026-03-29T00:00:00+01:00", close: "2026-03-30T00:00:00+02:00",
			lasts: 23 * time.Hour,
		},
		{
			// The clock never shows 02:05 to 02:55 that night, so the
			// opening is a week later.
			name: "amsterdam spring: wholly in the gap",
			cfg:  weekly("Europe/Amsterdam", map[string][]string{"sunday": {"02:05-02:55"}}),
			from: "2026-03-28T12:00:00+01:00", open: "2026-04-05T02:05:00+02:00", close: "2026-04-05T02:55:00+02:00",
			lasts: 50 * time.Minute,
		},

		// Amsterdam, 2026-10-25: 03:00 CEST becomes 02:00 CET.
		{
			name: "amsterdam fall: across the repeated hour",
			cfg:  weekly("Europe/Amsterdam", map[string][]string{"sunday": {"01:00-03:00"}}),
			from: "2026-10-24T12:00:00+02:00", open: "2026-10-25T01:00:00+02:00", close: "2026-10-25T03:00:00+01:00",
			lasts: 3 * time.Hour, alsoOpen: []string{"2026-10-25T02:30:00+02:00", "2026-10-25T02:30:00+01:00"},
		},
		{
			name: "amsterdam fall: start in the repeated hour",
			cfg:  weekly("Europe/Amsterdam", map[string][]string{"sunday": {"02:30-04:00"}}),
			from: "2026-10-24T12:00:00+02:00", open: "2026-10-25T02:30:00+02:00", close: "2026-10-25T04:00:00+01:00",
			lasts: 150 * time.Minute, alsoOpen: []string{"2026-10-25T02:00:00+01:00"},
		},
		{
			name: "amsterdam fall: end in the repeated hour",
			cfg:  weekly("Europe/Amsterdam", map[string][]string{"sunday": {"00:00-02:30"}}),
			from: "2026-10-24T12:00:00+02:00", open: "2026-10-25T00:00:00+02:00", close: "2026-10-25T02:30:00+01:00",
			lasts: 210 * time.Minute, alsoOpen: []string{"2026-10-25T02:45:00+02:00", "2026-10-25T02:00:00+01:00"},
		},
		{
			name: "amsterdam fall: office day",
			cfg:  weekly("Europe/Amsterdam", map[string][]string{"sunday": {"09:00-17:00"}}),
			from: "2026-10-24T12:00:00+02:00", open: "2026-10-25T09:00:00+01:00", close: "2026-10-25T17:00:00+01:00",
			lasts: 8 * time.Hour,
		},
		{
			name: "amsterdam fall: night shift",
			cfg:  weekly("Europe/Amsterdam", map[string][]string{"saturday": {"22:00-06:00"}}),
			from: "2026-10-24T12:00:00+02:00", open: "2026-10-24T22:00:00+02:00", close: "2026-10-25T06:00:00+01:00",
			lasts: 9 * time.Hour,
		},

		// New York, 2026-03-08: 02:00 EST becomes 03:00 EDT.
		{
			name: "new york spring: start in the gap",
			cfg:  weekly("America/New_York", map[string][]string{"sunday": {"02:30-05:00"}}),
			from: "2026-03-07T12:00:00-05:00", open: "2026-03-08T03:00:00-04:00", close: "2026-03-08T05:00:00-04:00",
			lasts: 2 * time.Hour,
		},
		{
			name: "new york spring: night shift",
			cfg:  weekly("America/New_York", map[string][]string{"saturday": {"22:00-06:00"}}),
			from: "2026-03-07T12:00:00-05:00", open: "2026-03-07T22:00:00-05:00", close: "2026-03-08T06:00:00-04:00",
			lasts: 7 * time.Hour,
		},
		{
			name: "new york spring: whole day",
			cfg:  weekly("America/New_York", map[string][]string{"sunday": {"00:00-24:00"}}),
			from: "2026-03-07T12:00:00-05:00", open: "2026-03-08T00:00:00-05:00", close: "2026-03-09T00:00:00-04:00",
			lasts: 23 * time.Hour,
		},

		// New York, 2026-11-01: 02:00 EDT becomes 01:00 EST.
		{
			name: "new york fall: across the repeated hour",
			cfg:  weekly("America/New_York", map[string][]string{"sunday": {"01:00-03:00"}}),
			from: "2026-10-31T12:00:00-04:00", open: "2026-11-01T01:00:00-04:00", close: "2026-11-01T03:00:00-05:00",
			lasts: 3 * time.Hour, alsoOpen: []string{"2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00"},
		},
		{
			name: "new york fall: end in the repeated hour",
			cfg:  weekly("America/New_York", map[string][]string{"sunday": {"00:00-01:30"}}),
			from: "2026-10-31T12:00:00-04:00", open: "2026-11-01T00:00:00-04:00", close: "2026-11-01T01:30:00-05:00",
			lasts: 150 * time.Minute, alsoOpen: []string{"2026-11-01T01:45:00-04:00", "2026-11-01T01:00:00-05:00"},
		},
		{
			name: "new york fall: night shift",
			cfg:  weekly("America/New_York", map[string][]string{"saturday": {"22:00-06:00"}}),
			from: "2026-10-31T12:00:00-04:00", open: "2026-10-31T22:00:00-04:00", close: "2026-11-01T06:00:00-05:00",
			lasts: 9 * time.Hour,
		},
		{
			name: "new york fall: whole day",
			cfg:  weekly("America/New_York", map[string][]string{"sunday": {"00:00-24:00"}}),
			from: "2026-10-31T12:00:00-04:00", open: "2026-11-01T00:00:00-04:00", close: "2026-11-02T00:00:00-05:00",
			lasts: 25 * time.Hour,
		},

		// Auckland: 03:00 NZDT becomes 02:00 NZST on 2026-04-05, and
		// 02:00 NZST becomes 03:00 NZDT on 2026-09-27.
		{
			name: "auckland fall",
			cfg:  weekly("Pacific/Auckland", map[string][]string{"sunday": {"01:00-03:00"}}),
			from: "2026-04-04T12:00:00+13:00", open: "2026-04-05T01:00:00+13:00", close: "2026-04-05T03:00:00+12:00",
			lasts: 3 * time.Hour,
		},
		{
			name: "auckland spring",
			cfg:  weekly("Pacific/Auckland", map[string][]string{"sunday": {"02:30-04:00"}}),
			from: "2026-09-26T12:00:00+12:00", open: "2026-09-27T03:00:00+13:00", close: "2026-09-27T04:00:00+13:00",
			lasts: time.Hour,
		},

		// Lord Howe Island moves its clocks by half an hour: 02:00 becomes
		// 02:30 on 2026-10-04.
		{
			name: "lord howe spring",
			cfg:  weekly("Australia/Lord_Howe", map[string][]string{"sunday": {"02:10-03:00"}}),
			from: "2026-10-03T12:00:00+10:30", open: "2026-10-04T02:30:00+11:00", close: "2026-10-04T03:00:00+11:00",
			lasts: 30 * time.Minute,
		},

		// Santiago changes its clocks at midnight: 24:00 becomes 23:00 on
		// Saturday 2026-04-04, and 00:00 becomes 01:00 on 2026-09-06.
		{
			name: "santiago fall: the last hour of saturday twice",
			cfg:  weekly("America/Santiago", map[string][]string{"saturday": {"22:00-24:00"}}),
			from: "2026-04-04T12:00:00-03:00", open: "2026-04-04T22:00:00-03:00", close: "2026-04-05T00:00:00-04:00",
			lasts: 3 * time.Hour, alsoOpen: []string{"2026-04-04T23:30:00-03:00", "2026-04-04T23:30:00-04:00"},
		},
		{
			name: "santiago spring: sunday starts at 01:00",
			cfg:  weekly("America/Santiago", map[string][]string{"sunday": {"00:00-24:00"}}),
			from: "2026-09-05T12:00:00-04:00", open: "2026-09-06T01:00:00-03:00", close: "2026-09-07T00:00:00-03:00",
			lasts: 23 * time.Hour,
		},

		// Years past the zone database's table of changes follow the
		// zone's rule: New York moves on 2045-03-12 and 2045-11-05.
		{
			name: "new york spring 2045",
			cfg:  weekly("America/New_York", map[string][]string{"sunday": {"02:30-05:00"}}),
			from: "2045-03-11T12:00:00-05:00", open: "2045-03-12T03:00:00-04:00", close: "2045-03-12T05:00:00-04:00",
			lasts: 2 * time.Hour,
		},
		{
			name: "new york fall 2045",
			cfg:  weekly("America/New_York", map[string][]string{"sunday": {"01:00-03:00"}}),
			from: "2045-11-04T12:00:00-04:00", open: "2045-11-05T01:00:00-04:00", close: "2045-11-05T03:00:00-05:00",
			lasts: 3 * time.Hour,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal := MustNew(t, tt.cfg)
			from, open, closing := at(t, tt.from), at(t, tt.open), at(t, tt.close)
			if got := closing.Sub(open); got != tt.lasts {
				t.Fatalf("bad test: %s to %s is %v, not %v", tt.open, tt.close, got, tt.lasts)
			}
			if got, ok := cal.NextOpen(from); !ok || !got.Equal(open) {
				t.Errorf("NextOpen(%s) = %v, %v; want %s", tt.from, got, ok, tt.open)
			}
			if got, ok := cal.NextClose(open); !ok || !got.Equal(closing) {
				t.Errorf("NextClose(%s) = %v, %v; want %s", tt.open, got, ok, tt.close)
			}
			checks := []struct {
				t    time.Time
				want bool
			}{
				{open.Add(-time.Second), false},
				{open, true},
				{closing.Add(-time.Second), true},
				{closing, false},
			}
			for _, s := range tt.alsoOpen {
				checks = append(checks, struct {
					t    time.Time
					want bool
				}{at(t, s), true})
			}
			for _, c := range checks {
				if got := cal.OpenAt(c.t); got != c.want {
					t.Errorf("OpenAt(%s) = %v, want %v", c.t.Format(time.RFC3339), got, c.want)
				}
			}
			for _, s := range tt.alsoOpen {
				if got, ok := cal.NextClose(at(t, s)); !ok || !got.Equal(closing) {
					t.Errorf("NextClose(%s) = %v, %v; want %s", s, got, ok, tt.close)
				}
			}
		})
	}
}

func TestNextOpen(t *testing.T) {
	holidayRun := weekly("Europe/Amsterdam", map[string][]string{"weekdays": {"09:00-17:00"}})
	for d := 24; d <= 31; d++ {
		holidayRun.Holidays = append(holidayRun.Holidays, hours.Holiday{Date: fmt.Sprintf("12-%d", d)})
	}
	holidayRun.Holidays = append(holidayRun.Holidays, hours.Holiday{Date: "01-01"}, hours.Holiday{Date: "2027-01-04", Name: "Inventory"})

	everyDayOff := weekly("", map[string][]string{"daily": {"00:00-24:00"}})
	for d := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == 2000; d = d.AddDate(0, 0, 1) {
		everyDayOff.Holidays = append(everyDayOff.Holidays, hours.Holiday{Date: d.Format("01-02")})
	}

	tests := []struct {
		name string
		cfg  hours.Config
		from string
		want string // "" for never
	}{
		{"open now", office, "2026-06-08T10:00:00+02:00", "2026-06-08T10:00:00+02:00"},
		{"open now, odd second", office, "2026-06-08T10:00:00.5+02:00", "2026-06-08T10:00:00.5+02:00"},
		{"early morning", office, "2026-06-08T07:00:00+02:00", "2026-06-08T09:00:00+02:00"},
		{"lunch", office, "2026-06-08T12:45:00+02:00", "2026-06-08T13:30:00+02:00"},
		{"exactly at the start of lunch", office, "2026-06-08T12:30:00+02:00", "2026-06-08T13:30:00+02:00"},
		{"just before the morning ends", office, "2026-06-08T12:29:59.9+02:00", "2026-06-08T12:29:59.9+02:00"},
		{"evening", office, "2026-06-08T18:00:00+02:00", "2026-06-09T09:00:00+02:00"},
		{"evening, asked in UTC", office, "2026-06-08T16:00:00Z", "2026-06-09T09:00:00+02:00"},
		{"friday closing time", office, "2026-06-05T17:30:00+02:00", "2026-06-08T09:00:00+02:00"},
		{"saturday", office, "2026-06-06T12:00:00+02:00", "2026-06-08T09:00:00+02:00"},
		{"sunday late", office, "2026-06-07T23:59:59+02:00", "2026-06-08T09:00:00+02:00"},
		{"over a closed day", office, "2026-06-09T18:00:00+02:00", "2026-06-11T09:00:00+02:00"},
		{"to an open saturday", office, "2026-06-12T18:00:00+02:00", "2026-06-13T10:00:00+02:00"},
		{"after the open saturday", office, "2026-06-13T14:00:00+02:00", "2026-06-15T09:00:00+02:00"},
		{"easter weekend", office, "2026-04-02T18:00:00+02:00", "2026-04-07T09:00:00+02:00"},
		{"over a clock change", office, "2026-03-27T18:00:00+01:00", "2026-03-30T09:00:00+02:00"},
		{"christmas eve afternoon", office, "2026-12-24T13:00:00+01:00", "2026-12-28T09:00:00+01:00"},
		{"new year", office, "2026-12-31T17:30:00+01:00", "2027-01-04T09:00:00+01:00"},
		{"new year on a tuesday", office, "2029-12-31T18:00:00+01:00", "2030-01-02T09:00:00+01:00"},
		{"holidays from christmas eve into the new year", holidayRun, "2026-12-23T17:00:00+01:00", "2027-01-05T09:00:00+01:00"},

		{"overnight: before", friNight, "2026-06-05T21:00:00+02:00", "2026-06-05T22:00:00+02:00"},
		{"overnight: after midnight", friNight, "2026-06-06T01:00:00+02:00", "2026-06-06T01:00:00+02:00"},
		{"overnight: after it ends", friNight, "2026-06-06T02:00:00+02:00", "2026-06-12T22:00:00+02:00"},

		{"no hours", hours.Config{}, "2026-06-08T10:00:00Z", ""},
		{"empty week", weekly("Europe/Amsterdam", map[string][]string{"daily": {}}), "2026-06-08T10:00:00Z", ""},
		{"every day a holiday", everyDayOff, "2026-06-08T10:00:00Z", ""},
		{"only a past exception", hours.Config{Exceptions: []hours.Exception{{Date: "2026-01-10", Hours: []string{"10:00-12:00"}}}}, "2026-06-01T00:00:00Z", ""},
		{"only a coming exception", hours.Config{Exceptions: []hours.Exception{{Date: "2026-01-10", Hours: []string{"10:00-12:00"}}}}, "2026-01-01T00:00:00Z", "2026-01-10T10:00:00Z"},
		{"yearly exception, next year", hours.Config{Exceptions: []hours.Exception{{Date: "12-24", Hours: []string{"10:00-12:00"}}}}, "2026-12-25T00:00:00Z", "2027-12-24T10:00:00Z"},
		{"a year ahead", hours.Config{Exceptions: []hours.Exception{{Date: "2027-09-01", Hours: []string{"10:00-12:00"}}}}, "2026-09-01T12:00:00Z", "2027-09-01T10:00:00Z"},
		// NextOpen looks a year and a week ahead, no further.
		{"past the horizon", hours.Config{Exceptions: []hours.Exception{{Date: "2027-09-01", Hours: []string{"10:00-12:00"}}}}, "2026-06-01T00:00:00Z", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal := MustNew(t, tt.cfg)
			got, ok := cal.NextOpen(at(t, tt.from))
			if tt.want == "" {
				if ok {
					t.Errorf("NextOpen(%s) = %v, want never", tt.from, got)
				}
				return
			}
			if want := at(t, tt.want); !ok || !got.Equal(want) {
				t.Fatalf("NextOpen(%s) = %v, %v; want %s", tt.from, got, ok, tt.want)
			}
			if got.Location() != cal.Location() {
				t.Errorf("NextOpen returned a time in %v, want the calendar's %v", got.Location(), cal.Location())
			}
			if !cal.OpenAt(got) {
				t.Errorf("not open at NextOpen(%s) = %v", tt.from, got)
			}
		})
	}
}

func TestNextClose(t *testing.T) {
	allWeek := weekly("Europe/Amsterdam", map[string][]string{"daily": {"00:00-24:00"}})
	allWeekButChristmas := allWeek
	allWeekButChristmas.Holidays = []hours.Holiday{{Date: "2026-12-25"}}
	tests := []struct {
		name string
		cfg  hours.Config
		at   string
		want string // "" for false
	}{
		{"morning", office, "2026-06-08T10:00:00+02:00", "2026-06-08T12:30:00+02:00"},
		{"at opening", office, "2026-06-08T09:00:00+02:00", "2026-06-08T12:30:00+02:00"},
		{"afternoon", office, "2026-06-08T14:00:00+02:00", "2026-06-08T17:30:00+02:00"},
		{"in UTC", office, "2026-06-08T12:00:00Z", "2026-06-08T17:30:00+02:00"},
		{"at closing", office, "2026-06-08T12:30:00+02:00", ""},
		{"lunch", office, "2026-06-08T13:00:00+02:00", ""},
		{"saturday", office, "2026-06-06T10:00:00+02:00", ""},
		{"holiday", office, "2026-12-25T10:00:00+01:00", ""},
		{"shorter day", office, "2026-12-24T10:00:00+01:00", "2026-12-24T13:00:00+01:00"},
		{"overnight", friNight, "2026-06-05T23:00:00+02:00", "2026-06-06T02:00:00+02:00"},
		{"overnight, after midnight", friNight, "2026-06-06T00:30:00+02:00", "2026-06-06T02:00:00+02:00"},
		{"overnight into the next day's hours", weekly("Europe/Amsterdam", map[string][]string{"fri": {"22:00-02:00"}, "sat": {"01:00-05:00"}}),
			"2026-06-05T23:00:00+02:00", "2026-06-06T05:00:00+02:00"},
		{"adjacent ranges", weekly("", map[string][]string{"mon": {"09:00-12:00", "11:00-13:00", "13:00-14:00"}}),
			"2026-06-08T09:30:00Z", "2026-06-08T14:00:00Z"},
		{"whole days in a row", weekly("Europe/Amsterdam", map[string][]string{"daily": {"00:00-24:00"}, "sun": {}}),
			"2026-06-08T10:00:00+02:00", "2026-06-14T00:00:00+02:00"},
		{"around the clock until a holiday", allWeekButChristmas, "2026-06-08T10:00:00+02:00", "2026-12-25T00:00:00+01:00"},
		{"never closes", allWeek, "2026-06-08T10:00:00+02:00", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal := MustNew(t, tt.cfg)
			got, ok := cal.NextClose(at(t, tt.at))
			if tt.want == "" {
				if ok {
					t.Errorf("NextClose(%s) = %v, want false", tt.at, got)
				}
				return
			}
			if want := at(t, tt.want); !ok || !got.Equal(want) {
				t.Fatalf("NextClose(%s) = %v, %v; want %s", tt.at, got, ok, tt.want)
			}
			if got.Location() != cal.Location() {
				t.Errorf("NextClose returned a time in %v, want the calendar's %v", got.Location(), cal.Location())
			}
			if cal.OpenAt(got) || !cal.OpenAt(got.Add(-time.Nanosecond)) {
				t.Errorf("NextClose(%s) = %v is not where the opening ends", tt.at, got)
			}
		})
	}
	if cal := MustNew(t, allWeek); !cal.OpenAt(at(t, "2026-06-08T10:00:00Z")) {
		t.Error("a calendar open around the clock is closed")
	}
}

// TestHolidaysAndExceptions covers which of holiday, exception and weekly
// hours decides a date, and how a night shift meets them.
func TestHolidaysAndExceptions(t *testing.T) {
	week := map[string][]string{"weekdays": {"09:00-17:00"}}
	tests := []struct {
		name string
		cfg  hours.Config
		at   string
		want bool
	}{
		{"exception beats a fixed holiday",
			hours.Config{Weekly: week, Holidays: []hours.Holiday{{Date: "2026-12-24"}}, Exceptions: []hours.Exception{{Date: "2026-12-24", Hours: []string{"09:00-13:00"}}}},
			"2026-12-24T10:00:00Z", true},
		{"exception beats a yearly holiday",
			hours.Config{Weekly: week, Holidays: []hours.Holiday{{Date: "12-24"}}, Exceptions: []hours.Exception{{Date: "2026-12-24", Hours: []string{"09:00-13:00"}}}},
			"2026-12-24T10:00:00Z", true},
		{"exception beats a yearly holiday, shorter hours",
			hours.Config{Weekly: week, Holidays: []hours.Holiday{{Date: "12-24"}}, Exceptions: []hours.Exception{{Date: "2026-12-24", Hours: []string{"09:00-13:00"}}}},
			"2026-12-24T14:00:00Z", false},
		{"yearly holiday in another year",
			hours.Config{Weekly: week, Holidays: []hours.Holiday{{Date: "12-24"}}, Exceptions: []hours.Exception{{Date: "2026-12-24", Hours: []string{"09:00-13:00"}}}},
			"2027-12-24T10:00:00Z", false},
		{"yearly exception",
			hours.Config{Weekly: week, Exceptions: []hours.Exception{{Date: "12-31", Hours: []string{"09:00-15:00"}}}},
			"2027-12-31T16:00:00Z", false},
		{"yearly exception beats a fixed holiday",
			hours.Config{Weekly: week, Holidays: []hours.Holiday{{Date: "2026-12-31"}}, Exceptions: []hours.Exception{{Date: "12-31", Hours: []string{"09:00-15:00"}}}},
			"2026-12-31T10:00:00Z", true},
		{"exact exception beats a yearly one",
			hours.Config{Weekly: week, Exceptions: []hours.Exception{{Date: "12-31", Hours: []string{"09:00-15:00"}}, {Date: "2026-12-31"}}},
			"2026-12-31T10:00:00Z", false},
		{"leap day holiday in a leap year",
			hours.Config{Weekly: map[string][]string{"daily": {"09:00-17:00"}}, Holidays: []hours.Holiday{{Date: "02-29"}}},
			"2028-02-29T10:00:00Z", false},
		{"leap day holiday, day after in another year",
			hours.Config{Weekly: map[string][]string{"daily": {"09:00-17:00"}}, Holidays: []hours.Holiday{{Date: "02-29"}}},
			"2027-03-01T10:00:00Z", true},
		{"holidays are in the calendar's zone: before midnight there",
			hours.Config{TimeZone: "Pacific/Auckland", Weekly: map[string][]string{"daily": {"00:00-24:00"}}, Holidays: []hours.Holiday{{Date: "2026-12-25"}}},
			"2026-12-24T10:59:59Z", true},
		{"holidays are in the calendar's zone: after midnight there",
			hours.Config{TimeZone: "Pacific/Auckland", Weekly: map[string][]string{"daily": {"00:00-24:00"}}, Holidays: []hours.Holiday{{Date: "2026-12-25"}}},
			"2026-12-24T11:00:00Z", false},

		// A night shift belongs to the day it starts on.
		{"night shift into a holiday runs",
			hours.Config{Weekly: map[string][]string{"fri": {"22:00-02:00"}}, Holidays: []hours.Holiday{{Date: "2026-06-13"}}},
			"2026-06-13T01:00:00Z", true},
		{"night shift on a holiday does not start",
			hours.Config{Weekly: map[string][]string{"fri": {"22:00-02:00"}}, Holidays: []hours.Holiday{{Date: "2026-06-12"}}},
			"2026-06-12T23:00:00Z", false},
		{"night shift on a holiday does not spill over",
			hours.Config{Weekly: map[string][]string{"fri": {"22:00-02:00"}}, Holidays: []hours.Holiday{{Date: "2026-06-12"}}},
			"2026-06-13T01:00:00Z", false},
		{"night shift into a closed exception runs",
			hours.Config{Weekly: map[string][]string{"fri": {"22:00-02:00"}}, Exceptions: []hours.Exception{{Date: "2026-06-13"}}},
			"2026-06-13T01:00:00Z", true},
		{"exception shortens a night shift",
			hours.Config{Weekly: map[string][]string{"fri": {"22:00-02:00"}}, Exceptions: []hours.Exception{{Date: "2026-06-12", Hours: []string{"20:00-23:00"}}}},
			"2026-06-13T01:00:00Z", false},
		{"exception with a night shift",
			hours.Config{Exceptions: []hours.Exception{{Date: "2026-12-31", Hours: []string{"20:00-03:00"}}}},
			"2027-01-01T02:59:00Z", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MustNew(t, tt.cfg).OpenAt(at(t, tt.at)); got != tt.want {
				t.Errorf("OpenAt(%s) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	week := map[string][]string{"weekdays": {"09:00-17:00"}}
	tests := []struct {
		name string
		cfg  hours.Config
		want string // part of the message
	}{
		{"unknown zone", hours.Config{TimeZone: "Europe/Amsterdm"}, `"Europe/Amsterdm"`},
		{"server's zone", hours.Config{TimeZone: "Local"}, `"Local"`},
		{"unknown day", hours.Config{Weekly: map[string][]string{"mondy": {"09:00-17:00"}}}, `unknown day "mondy"`},
		{"plural day", hours.Config{Weekly: map[string][]string{"mondays": {"09:00-17:00"}}}, `"mondays"`},
		{"day given twice", hours.Config{Weekly: map[string][]string{"mon": {"09:00-17:00"}, "Monday": {"10:00-11:00"}}}, `"Monday" and "mon" both give the hours of monday`},
		{"group given twice", hours.Config{Weekly: map[string][]string{"daily": {"09:00-17:00"}, "DAILY": {}}}, `both give the hours`},
		{"no dash", hours.Config{Weekly: map[string][]string{"mon": {"09:00"}}}, `range "09:00"`},
		{"hours only", hours.Config{Weekly: map[string][]string{"mon": {"9-17"}}}, `"9" is not a time of day`},
		{"hour too big", hours.Config{Weekly: map[string][]string{"mon": {"09:00-25:00"}}}, `"25:00"`},
		{"minute too big", hours.Config{Weekly: map[string][]string{"mon": {"09:60-17:00"}}}, `"09:60"`},
		{"past 24:00", hours.Config{Weekly: map[string][]string{"mon": {"09:00-24:30"}}}, `"24:30"`},
		{"starts at 24:00", hours.Config{Weekly: map[string][]string{"mon": {"24:00-02:00"}}}, `24:00 can only end a range`},
		{"empty range", hours.Config{Weekly: map[string][]string{"mon": {"09:00-09:00"}}}, `"09:00-09:00": starts and ends at the same time`},
		{"whole day as 00:00-00:00", hours.Config{Weekly: map[string][]string{"mon": {"00:00-00:00"}}}, `00:00-24:00`},
		{"three times", hours.Config{Weekly: map[string][]string{"mon": {"09:00-12:00-17:00"}}}, `"12:00-17:00" is not a time of day`},
		{"seconds", hours.Config{Weekly: map[string][]string{"mon": {"09:00:00-17:00:00"}}}, `"09:00:00"`},
		{"sign", hours.Config{Weekly: map[string][]string{"mon": {"+9:00-17:00"}}}, `"+9:00"`},
		{"names the key", hours.Config{Weekly: map[string][]string{"Tuesday": {"nine to five"}}}, `weekly "Tuesday"`},
		{"bad holiday date", hours.Config{Weekly: week, Holidays: []hours.Holiday{{Date: "2026-02-30", Name: "Nope"}}}, `holiday "2026-02-30" (Nope): not a valid date`},
		{"bad month", hours.Config{Holidays: []hours.Holiday{{Date: "2026-13-01"}}}, `"2026-13-01"`},
		{"bad yearly date", hours.Config{Holidays: []hours.Holiday{{Date: "02-30"}}}, `"02-30"`},
		{"slashes", hours.Config{Holidays: []hours.Holiday{{Date: "25/12/2026"}}}, `"25/12/2026"`},
		{"short month", hours.Config{Holidays: []hours.Holiday{{Date: "2026-1-01"}}}, `"2026-1-01"`},
		{"no date", hours.Config{Holidays: []hours.Holiday{{Name: "Someday"}}}, `holiday "" (Someday)`},
		{"leap day in a common year", hours.Config{Exceptions: []hours.Exception{{Date: "2027-02-29", Hours: []string{"09:00-12:00"}}}}, `exception "2027-02-29"`},
		{"bad exception hours", hours.Config{Exceptions: []hours.Exception{{Date: "2026-12-24", Hours: []string{"9am-1pm"}}, {Date: "2026-12-31"}}}, `exception "2026-12-24": range "9am-1pm"`},
		{"exception given twice", hours.Config{Exceptions: []hours.Exception{{Date: "2026-12-24"}, {Date: "2026-12-24", Hours: []string{"09:00-12:00"}}}}, `exception "2026-12-24": more than one`},
		{"yearly exception given twice", hours.Config{Exceptions: []hours.Exception{{Date: "12-24"}, {Date: "12-24"}}}, `exception "12-24": more than one`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal, err := hours.New(tt.cfg)
			if err == nil {
				t.Fatalf("New = %v, want an error", cal)
			}
			if code := baton.ErrorCode(err); code != baton.EINVALID {
				t.Errorf("error code %q, want %q (%v)", code, baton.EINVALID, err)
			}
			if msg := baton.ErrorMessage(err); !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not contain %q", msg, tt.want)
			}
		})
	}
}

func TestNewAccepts(t *testing.T) {
	for _, cfg := range []hours.Config{
		{},
		{TimeZone: "UTC"},
		{TimeZone: "Asia/Kolkata", Weekly: map[string][]string{"weekdays": {"09:30-18:00"}}},
		{Weekly: map[string][]string{" Mon ": {"09:00 -17:00", "18:00- 19:00"}}},
		{Weekly: map[string][]string{"mon": {"22:00-00:00", "00:00-24:00"}}},
		{Weekly: map[string][]string{"sat": nil}},
		{Holidays: []hours.Holiday{{Date: "02-29"}, {Date: "2028-02-29"}, {Date: "12-25"}, {Date: "12-25"}}},
		{Exceptions: []hours.Exception{{Date: "12-24", Hours: []string{"09:00-13:00"}}, {Date: "2026-12-24"}}},
	} {
		if _, err := hours.New(cfg); err != nil {
			t.Errorf("New(%+v): %v", cfg, err)
		}
	}
}

func TestConfigAndLocation(t *testing.T) {
	cal := MustNew(t, office)
	got := cal.Config()
	if !reflect.DeepEqual(got, office) {
		t.Fatalf("Config() = %+v, want %+v", got, office)
	}
	if cal.Location().String() != "Europe/Amsterdam" {
		t.Errorf("Location() = %v", cal.Location())
	}
	if name := MustNew(t, hours.Config{}).Location(); name != time.UTC {
		t.Errorf("Location() without a zone = %v, want UTC", name)
	}

	// Neither the caller's config nor the returned copy reaches the calendar.
	cfg := weekly("", map[string][]string{"mon": {"09:00-17:00"}})
	cal = MustNew(t, cfg)
	cfg.Weekly["mon"][0] = "09:00-10:00"
	c := cal.Config()
	c.Weekly["mon"] = nil
	if got := cal.Config().Weekly["mon"]; !reflect.DeepEqual(got, []string{"09:00-17:00"}) {
		t.Errorf("Config().Weekly[mon] = %q after changing copies", got)
	}
	if !cal.OpenAt(at(t, "2026-06-08T16:00:00Z")) {
		t.Error("calendar changed with the caller's config")
	}
}

// TestAgreesWithOpenAt walks the weeks around clock changes in steps of
// five minutes, which every opening here starts and ends on, and checks
// NextOpen and NextClose against OpenAt at every step.
func TestAgreesWithOpenAt(t *testing.T) {
	shapes := map[string]map[string][]string{
		"split and overnight": {"daily": {"00:30-01:15", "01:45-02:40", "09:00-12:30", "13:30-17:30", "22:00-02:10"}},
		"office and saturday night": {
			"weekdays": {"08:00-12:00", "12:30-17:00"},
			"sat":      {"21:00-03:00"},
			"sun":      {"02:30-02:50", "11:00-11:05"},
		},
	}
	weeks := map[string][]string{
		"Europe/Amsterdam":    {"2026-03-29", "2026-10-25"},
		"America/New_York":    {"2026-03-08", "2026-11-01"},
		"Pacific/Auckland":    {"2026-04-05", "2026-09-27"},
		"Australia/Lord_Howe": {"2026-04-05", "2026-10-04"},
		"Asia/Jerusalem":      {"2026-03-27", "2026-10-25"},
		"America/Santiago":    {"2026-04-04", "2026-09-06"},
		"Asia/Kolkata":        {"2026-06-08"},
	}
	const step = 5 * time.Minute
	for zone, days := range weeks {
		for shape, w := range shapes {
			cal := MustNew(t, hours.Config{TimeZone: zone, Weekly: w, Holidays: []hours.Holiday{{Date: "2026-06-09"}}})
			for _, day := range days {
				mid, err := time.ParseInLocation(time.DateOnly, day, cal.Location())
				if err != nil {
					t.Fatal(err)
				}
				from := mid.AddDate(0, 0, -4).Truncate(step)
				n := int(8 * 24 * time.Hour / step)
				open := make([]bool, n)
				for i := range open {
					open[i] = cal.OpenAt(from.Add(time.Duration(i) * step))
				}
				nextOpen, nextClosed := n, n
				failures := 0
				for i := n - 1; i >= 0 && failures < 5; i-- {
					ti := from.Add(time.Duration(i) * step)
					if open[i] {
						nextOpen = i
					} else {
						nextClosed = i
					}
					got, ok := cal.NextOpen(ti)
					if nextOpen < n {
						if want := from.Add(time.Duration(nextOpen) * step); !ok || !got.Equal(want) {
							t.Errorf("%s, %s: NextOpen(%v) = %v, %v; OpenAt says %v", zone, shape, ti, got, ok, want)
							failures++
						}
					}
					got, ok = cal.NextClose(ti)
					switch {
					case !open[i] && ok:
						t.Errorf("%s, %s: NextClose(%v) = %v while closed", zone, shape, ti, got)
						failures++
					case open[i] && nextClosed < n:
						if want := from.Add(time.Duration(nextClosed) * step); !ok || !got.Equal(want) {
							t.Errorf("%s, %s: NextClose(%v) = %v, %v; OpenAt says %v", zone, shape, ti, got, ok, want)
							failures++
						}
					}
				}
			}
		}
	}
}

// TestOpenAtMatchesWallClock compares OpenAt through 2026 with a plain
// reading of the wall clock, away from clock changes, where that reading
// is right.
func TestOpenAtMatchesWallClock(t *testing.T) {
	type rng struct{ start, end int } // minutes; end past 24:00 runs overnight
	week := map[time.Weekday][]rng{
		time.Monday:    {{9 * 60, 12*60 + 30}, {13*60 + 30, 17*60 + 30}},
		time.Tuesday:   {{9 * 60, 17 * 60}},
		time.Wednesday: {{7*60 + 15, 11*60 + 45}, {20 * 60, 26 * 60}},
		time.Thursday:  {{0, 24 * 60}},
		time.Friday:    {{23 * 60, 31 * 60}},
		time.Saturday:  {{10 * 60, 10*60 + 20}},
	}
	cfg := map[string][]string{}
	for d, rs := range week {
		for _, r := range rs {
			cfg[d.String()] = append(cfg[d.String()], fmt.Sprintf("%02d:%02d-%02d:%02d", r.start/60, r.start%60, r.end/60%24, r.end%60))
		}
	}
	cfg["Thursday"] = []string{"00:00-24:00"}
	for _, zone := range []string{"Europe/Amsterdam", "America/New_York", "Asia/Jerusalem", "Pacific/Auckland", "Asia/Kolkata", "UTC"} {
		cal := MustNew(t, hours.Config{TimeZone: zone, Weekly: cfg})
		wallOpen := func(t time.Time) bool {
			l := t.In(cal.Location())
			m := l.Hour()*60 + l.Minute()
			for _, r := range week[l.Weekday()] {
				if r.start <= m && m < r.end {
					return true
				}
			}
			for _, r := range week[(l.Weekday()+6)%7] {
				if r.start <= m+24*60 && m+24*60 < r.end {
					return true
				}
			}
			return false
		}
		checked := 0
		for ti := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); ti.Year() == 2026; ti = ti.Add(17 * time.Minute) {
			_, before := ti.Add(-50 * time.Hour).Zone()
			_, after := ti.Add(50 * time.Hour).Zone()
			if before != after {
				continue
			}
			checked++
			if got, want := cal.OpenAt(ti), wallOpen(ti); got != want {
				t.Fatalf("%s: OpenAt(%v) = %v, wall clock says %v", zone, ti.In(cal.Location()), got, want)
			}
		}
		if checked < 25000 {
			t.Errorf("%s: only %d instants checked", zone, checked)
		}
	}
}

// BenchmarkNextOpen asks on a Friday evening before Easter, with Good
// Friday and Easter Monday off: the answer is Tuesday morning.
func BenchmarkNextOpen(b *testing.B) {
	cal := MustNew(b, office)
	from := at(b, "2026-04-02T18:00:00+02:00")
	want := at(b, "2026-04-07T09:00:00+02:00")
	for b.Loop() {
		got, ok := cal.NextOpen(from)
		if !ok || !got.Equal(want) {
			b.Fatalf("NextOpen = %v, %v", got, ok)
		}
	}
}

func BenchmarkOpenAt(b *testing.B) {
	cal := MustNew(b, office)
	for _, bb := range []struct {
		name string
		at   string
		want bool
	}{
		{"open", "2026-06-08T10:00:00+02:00", true},
		{"lunch", "2026-06-08T13:00:00+02:00", false},
		{"holiday", "2026-12-25T10:00:00+01:00", false},
	} {
		b.Run(bb.name, func(b *testing.B) {
			t := at(b, bb.at)
			for b.Loop() {
				if cal.OpenAt(t) != bb.want {
					b.Fatal("wrong answer")
				}
			}
		})
	}
}

func BenchmarkNextClose(b *testing.B) {
	cal := MustNew(b, office)
	t := at(b, "2026-06-08T10:00:00+02:00")
	for b.Loop() {
		if _, ok := cal.NextClose(t); !ok {
			b.Fatal("not open")
		}
	}
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := hours.New(office); err != nil {
			b.Fatal(err)
		}
	}
}
