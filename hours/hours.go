// Package hours is a department's business-hours calendar: weekly opening
// hours in a time zone, with holidays and one-off exceptions.
//
// A department whose config has no hours is open around the clock: no
// Calendar is made for it, and baton.Department.Hours stays nil. A Calendar
// built from a config without any hours, on the other hand, is never open.
//
// Hours are wall-clock times in the calendar's zone, so they follow its
// daylight saving changes. A wall time the clock skips when it jumps
// forward (02:30 in Amsterdam on the last Sunday of March) stands for the
// first instant after the jump. A wall time the clock shows twice when it
// falls back opens at the first showing and closes at the second, so a
// range lasts all the real time it covers: 01:00-03:00 in New York on the
// first Sunday of November is open for three hours.
package hours

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zones work where the system has no zoneinfo database

	"github.com/batonhq/baton"
)

// Config is a department's opening hours as written in the config file.
//
// Weekly maps day keys to lists of "HH:MM-HH:MM" ranges. Keys are English
// day names, full or in three letters ("monday", "mon"), or the groups
// "weekdays" (Monday to Friday), "weekend" (Saturday and Sunday) and
// "daily", in any letter case. A more specific key replaces a broader one
// for its days: a day name beats "weekdays" and "weekend", which beat
// "daily". An empty list closes its days, so {"daily": [...], "sunday": []}
// is open every day but Sunday.
//
// A range may end at 24:00 and may have spaces around its dash. A range
// that ends before it starts runs past midnight: "22:00-02:00" on Friday
// is also open on Saturday from 00:00 to 02:00. Such a range belongs to the
// day it starts on, so that day's holidays and exceptions decide whether
// it runs, not those of the next day. Overlapping and adjacent ranges are
// merged.
//
// For each date the first of these that applies gives the hours: an
// exception for that exact date, a yearly exception ("MM-DD"), a holiday
// (exact or yearly), and last the weekly hours. An exception on a holiday
// thus wins over the holiday.
type Config struct {
	// TimeZone is an IANA zone name such as "Europe/Amsterdam"; empty
	// means UTC. "Local" is refused: the hours would depend on the server.
	TimeZone   string              `yaml:"time_zone" json:"time_zone"`
	Weekly     map[string][]string `yaml:"weekly" json:"weekly"`
	Holidays   []Holiday           `yaml:"holidays" json:"holidays,omitempty"`
	Exceptions []Exception         `yaml:"exceptions" json:"exceptions,omitempty"`
}

// Holiday closes the department for a whole day.
type Holiday struct {
	// Date is "2026-12-25" for one date, or "12-25" for every year; "02-29"
	// falls in leap years only.
	Date string `yaml:"date" json:"date"`
	Name string `yaml:"name" json:"name,omitempty"`
}

// Exception replaces the weekly hours on one date; without hours the
// department is closed that day.
type Exception struct {
	// Date is "2026-12-24" for one date, or "12-24" for every year.
	Date  string   `yaml:"date" json:"date"`
	Hours []string `yaml:"hours" json:"hours,omitempty"`
	Name  string   `yaml:"name" json:"name,omitempty"`
}

// Calendar tells when a department is open. It is safe for concurrent use.
// All times it returns are in its location.
type Calendar struct {
	cfg Config
	loc *time.Location

	weekly           [7][]span // by time.Weekday
	exceptions       map[int64][]span
	yearlyExceptions map[monthDay][]span
	holidays         map[int64]bool
	yearlyHolidays   map[monthDay]bool

	// maxEnd is the latest end of any range, in minutes after the midnight
	// of its day; past 24:00 for ranges that run overnight.
	maxEnd int64
	// minOffset and maxOffset bound the zone's offsets from UTC in seconds,
	// so a search only looks at the days that can hold a given instant.
	minOffset, maxOffset int64
}

const (
	minutesPerDay = 24 * 60
	secondsPerDay = 24 * 60 * 60
	// horizon is how many days NextOpen and NextClose look ahead: a year
	// and a week, which sees every weekday and every yearly date.
	horizon = 366 + 7
)

// span is an opening on one day, in minutes after its midnight. The end may
// pass 24:00 when the opening runs overnight.
type span struct{ start, end int64 }

type monthDay struct {
	month time.Month
	day   int
}

// New checks the config and builds its calendar. Errors have code
// baton.EINVALID and name the value at fault.
func New(c Config) (*Calendar, error) {
	cal := &Calendar{
		cfg:              cloneConfig(c),
		exceptions:       map[int64][]span{},
		yearlyExceptions: map[monthDay][]span{},
		holidays:         map[int64]bool{},
		yearlyHolidays:   map[monthDay]bool{},
	}
	loc, err := loadZone(c.TimeZone)
	if err != nil {
		return nil, err
	}
	cal.loc = loc
	cal.minOffset, cal.maxOffset = offsetBounds(loc)
	if err := cal.setWeekly(c.Weekly); err != nil {
		return nil, err
	}
	for _, h := range c.Holidays {
		day, md, yearly, err := parseDate(h.Date)
		if err != nil {
			return nil, invalid("holiday %s: %v", describe(h.Date, h.Name), err)
		}
		if yearly {
			cal.yearlyHolidays[md] = true
		} else {
			cal.holidays[day] = true
		}
	}
	for _, e := range c.Exceptions {
		day, md, yearly, err := parseDate(e.Date)
		if err != nil {
			return nil, invalid("exception %s: %v", describe(e.Date, e.Name), err)
		}
		spans, err := cal.parseRanges(e.Hours)
		if err != nil {
			return nil, invalid("exception %s: %v", describe(e.Date, e.Name), err)
		}
		_, dupExact := cal.exceptions[day]
		_, dupYearly := cal.yearlyExceptions[md]
		switch {
		case yearly && dupYearly, !yearly && dupExact:
			return nil, invalid("exception %s: more than one exception for this date", describe(e.Date, e.Name))
		case yearly:
			cal.yearlyExceptions[md] = spans
		default:
			cal.exceptions[day] = spans
		}
	}
	return cal, nil
}

func invalid(format string, args ...any) error {
	return baton.Errorf(baton.EINVALID, "hours: "+format, args...)
}

func describe(date, name string) string {
	if name == "" {
		return fmt.Sprintf("%q", date)
	}
	return fmt.Sprintf("%q (%s)", date, name)
}

func loadZone(name string) (*time.Location, error) {
	switch name {
	case "":
		return time.UTC, nil
	case "Local":
		// The server's own zone would make the hours depend on the machine.
		return nil, invalid("time zone %q: name an IANA zone such as Europe/Amsterdam", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, invalid("unknown time zone %q: want an IANA name such as Europe/Amsterdam", name)
	}
	return loc, nil
}

// offsetBounds returns the smallest and the largest offset from UTC the
// zone has ever used or will use under its current rules, in seconds.
func offsetBounds(loc *time.Location) (lo, hi int64) {
	t := time.Date(1800, time.January, 1, 0, 0, 0, 0, loc)
	stop := time.Date(2200, time.January, 1, 0, 0, 0, 0, loc)
	_, off := t.Zone()
	lo, hi = int64(off), int64(off)
	for {
		_, next := t.ZoneBounds()
		switch {
		case next.IsZero() || next.After(stop):
			return lo, hi
		case !next.After(t):
			// Past the zone's table of changes, where its rule repeats
			// yearly, a period can be reported as ending where it starts.
			next = t.Add(time.Hour)
		}
		t = next
		_, off = t.Zone()
		lo, hi = min(lo, int64(off)), max(hi, int64(off))
	}
}

// dayKey is what a weekly key stands for: its days, and its rank. A key of
// higher rank replaces one of lower rank for the days they share.
type dayKey struct {
	days []time.Weekday
	rank int
}

var dayKeys = func() map[string]dayKey {
	m := map[string]dayKey{
		"weekdays": {[]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, 1},
		"weekend":  {[]time.Weekday{time.Saturday, time.Sunday}, 1},
		"daily":    {[]time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}, 0},
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		m[name] = dayKey{[]time.Weekday{d}, 2}
		m[name[:3]] = m[name]
	}
	return m
}()

func (cal *Calendar) setWeekly(weekly map[string][]string) error {
	keys := slices.Sorted(maps.Keys(weekly)) // the same config always gives the same error
	var setBy [7]string
	rank := [7]int{-1, -1, -1, -1, -1, -1, -1}
	for _, k := range keys {
		dk, ok := dayKeys[strings.ToLower(strings.TrimSpace(k))]
		if !ok {
			return invalid("weekly: unknown day %q: want a day name (monday or mon), weekdays, weekend or daily", k)
		}
		spans, err := cal.parseRanges(weekly[k])
		if err != nil {
			return invalid("weekly %q: %v", k, err)
		}
		for _, d := range dk.days {
			switch {
			case dk.rank == rank[d]:
				return invalid("weekly: %q and %q both give the hours of %s", setBy[d], k, strings.ToLower(d.String()))
			case dk.rank > rank[d]:
				cal.weekly[d], rank[d], setBy[d] = spans, dk.rank, k
			}
		}
	}
	return nil
}

// parseRanges reads a day's ranges, merged and sorted.
func (cal *Calendar) parseRanges(ranges []string) ([]span, error) {
	spans := make([]span, 0, len(ranges))
	for _, r := range ranges {
		s, err := parseRange(r)
		if err != nil {
			return nil, err
		}
		spans = append(spans, s)
	}
	slices.SortFunc(spans, func(a, b span) int { return int(a.start - b.start) })
	merged := spans[:0]
	for _, s := range spans {
		if n := len(merged); n > 0 && s.start <= merged[n-1].end {
			merged[n-1].end = max(merged[n-1].end, s.end)
			continue
		}
		merged = append(merged, s)
	}
	for _, s := range merged {
		cal.maxEnd = max(cal.maxEnd, s.end)
	}
	return merged, nil
}

func parseRange(r string) (span, error) {
	a, b, ok := strings.Cut(r, "-")
	if !ok {
		return span{}, fmt.Errorf("range %q: want HH:MM-HH:MM", r)
	}
	start, err := parseClock(strings.TrimSpace(a))
	if err != nil {
		return span{}, fmt.Errorf("range %q: %v", r, err)
	}
	end, err := parseClock(strings.TrimSpace(b))
	if err != nil {
		return span{}, fmt.Errorf("range %q: %v", r, err)
	}
	switch {
	case start == minutesPerDay:
		return span{}, fmt.Errorf("range %q: 24:00 can only end a range", r)
	case start == end:
		return span{}, fmt.Errorf("range %q: starts and ends at the same time (use 00:00-24:00 for the whole day)", r)
	case end < start:
		end += minutesPerDay // runs overnight into the next day
	}
	return span{start, end}, nil
}

// parseClock reads "HH:MM" (or "H:MM") as minutes after midnight, up to
// 24:00.
func parseClock(s string) (int64, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 || !digits(h) || !digits(m) {
		return 0, fmt.Errorf("%q is not a time of day (HH:MM)", s)
	}
	hh, _ := strconv.Atoi(h)
	mm, _ := strconv.Atoi(m)
	if hh > 24 || mm > 59 || hh == 24 && mm != 0 {
		return 0, fmt.Errorf("%q is not a time of day (00:00 to 24:00)", s)
	}
	return int64(hh*60 + mm), nil
}

func digits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseDate reads "YYYY-MM-DD" as a day number, or "MM-DD" as a yearly date.
func parseDate(s string) (day int64, md monthDay, yearly bool, err error) {
	text := s
	if len(s) == len("01-02") {
		// A leap year, so "02-29" is a valid yearly date.
		text, yearly = "2000-"+s, true
	}
	t, perr := time.Parse(time.DateOnly, text)
	if perr != nil {
		return 0, md, false, fmt.Errorf("not a valid date: want YYYY-MM-DD, or MM-DD for every year")
	}
	return floorDiv(t.Unix(), secondsPerDay), monthDay{t.Month(), t.Day()}, yearly, nil
}

func cloneConfig(c Config) Config {
	out := Config{TimeZone: c.TimeZone}
	if c.Weekly != nil {
		out.Weekly = make(map[string][]string, len(c.Weekly))
		for k, v := range c.Weekly {
			out.Weekly[k] = slices.Clone(v)
		}
	}
	out.Holidays = slices.Clone(c.Holidays)
	if c.Exceptions != nil {
		out.Exceptions = make([]Exception, len(c.Exceptions))
		for i, e := range c.Exceptions {
			e.Hours = slices.Clone(e.Hours)
			out.Exceptions[i] = e
		}
	}
	return out
}

// Location is the calendar's time zone.
func (cal *Calendar) Location() *time.Location { return cal.loc }

// Config is the config the calendar was built from.
func (cal *Calendar) Config() Config { return cloneConfig(cal.cfg) }

// OpenAt reports whether the department is open at t. An opening includes
// its start and excludes its end.
func (cal *Calendar) OpenAt(t time.Time) bool {
	_, ok := cal.cover(t.Unix())
	return ok
}

// NextOpen returns the next instant at or after t when the department is
// open: t itself when it is open at t. It looks a year and a week ahead and
// returns false if the department does not open in that time.
func (cal *Calendar) NextOpen(t time.Time) (time.Time, bool) {
	u := t.Unix()
	if _, ok := cal.cover(u); ok {
		return t.In(cal.loc), true
	}
	var best int64
	found := false
	from, to := cal.days(u)
	for d := from; d <= to+horizon; d++ {
		base := d * secondsPerDay
		if found && base-cal.maxOffset >= best {
			break // no opening on this day or later starts sooner
		}
		for _, s := range cal.hoursOn(d) {
			if base+s.end*60-cal.minOffset <= u {
				continue // over before u
			}
			// Closed at u, so an opening that starts at or before u has ended.
			start, _ := cal.instants(d, s.start)
			if start <= u || found && start >= best {
				continue
			}
			if _, end := cal.instants(d, s.end); start < end {
				best, found = start, true
			}
		}
	}
	if !found {
		return time.Time{}, false
	}
	return time.Unix(best, 0).In(cal.loc), true
}

// NextClose returns when the opening the department is in at t ends, for
// telling a customer "we close at 17:00". Openings that meet or overlap,
// such as a night shift running into the next day's hours, count as one.
// It returns false if the department is closed at t, or does not close in
// the coming year and a week.
func (cal *Calendar) NextClose(t time.Time) (time.Time, bool) {
	u := t.Unix()
	end, ok := cal.cover(u)
	if !ok {
		return time.Time{}, false
	}
	for limit := u + horizon*secondsPerDay; end <= limit; {
		next, ok := cal.cover(end)
		if !ok {
			return time.Unix(end, 0).In(cal.loc), true
		}
		end = next
	}
	return time.Time{}, false
}

// cover finds an opening that contains the instant u (Unix seconds) and
// returns its end.
func (cal *Calendar) cover(u int64) (end int64, ok bool) {
	from, to := cal.days(u)
	for d := from; d <= to; d++ {
		base := d * secondsPerDay
		for _, s := range cal.hoursOn(d) {
			// An opening starts no earlier than its wall time read with the
			// largest offset, and ends no later than with the smallest.
			if u < base+s.start*60-cal.maxOffset || u >= base+s.end*60-cal.minOffset {
				continue
			}
			if start, _ := cal.instants(d, s.start); u < start {
				continue
			}
			if _, end := cal.instants(d, s.end); u < end {
				return end, true
			}
		}
	}
	return 0, false
}

// days returns the range of day numbers whose openings can contain the
// instant u.
func (cal *Calendar) days(u int64) (from, to int64) {
	return floorDiv(u+cal.minOffset-cal.maxEnd*60, secondsPerDay), floorDiv(u+cal.maxOffset, secondsPerDay)
}

// hoursOn returns the openings of day d, counted in days since 1970-01-01
// on the calendar's wall clock.
func (cal *Calendar) hoursOn(d int64) []span {
	if h, ok := cal.exceptions[d]; ok {
		return h
	}
	if len(cal.yearlyExceptions) > 0 || len(cal.yearlyHolidays) > 0 {
		_, m, dd := time.Unix(d*secondsPerDay, 0).UTC().Date()
		md := monthDay{m, dd}
		if h, ok := cal.yearlyExceptions[md]; ok {
			return h
		}
		if cal.yearlyHolidays[md] {
			return nil
		}
	}
	if cal.holidays[d] {
		return nil
	}
	// 1970-01-01 was a Thursday.
	return cal.weekly[(d%7+7+int64(time.Thursday))%7]
}

// instants returns the first and the last instant, in Unix seconds, at which
// the wall clock shows minute m of day d; m may pass 24:00 into the next
// day. They differ when the clock falls back over that time. When the clock
// jumps over it, both are the first instant after the jump.
func (cal *Calendar) instants(d, m int64) (first, last int64) {
	wall := d*secondsPerDay + m*60
	// Every instant showing this wall time lies in [lo, hi]. So short a
	// span holds at most one change of offset, so the offsets at its ends
	// are the only ones the wall time can be read with.
	lo, hi := wall-cal.maxOffset, wall-cal.minOffset
	found := false
	for _, off := range [2]int64{cal.offset(lo), cal.offset(hi)} {
		u := wall - off
		if cal.offset(u) != off {
			continue
		}
		if !found || u < first {
			first = u
		}
		if !found || u > last {
			last = u
		}
		found = true
	}
	if found {
		return first, last
	}
	// Skipped: the first instant whose wall time is later.
	for lo < hi {
		mid := lo + (hi-lo)/2
		if mid+cal.offset(mid) > wall {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo, lo
}

// offset is the zone's offset from UTC at the instant u, in seconds.
func (cal *Calendar) offset(u int64) int64 {
	_, off := time.Unix(u, 0).In(cal.loc).Zone()
	return int64(off)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

var _ baton.Calendar = (*Calendar)(nil)
