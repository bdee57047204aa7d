package baton

import (
	"regexp"
	"slices"
	"time"
)

// Department is a team that takes handoffs, with its opening hours and
// the details it needs before a human sees the case.
type Department struct {
	Name     string       `json:"name"`
	Title    string       `json:"title"`
	Required []DetailSpec `json:"required,omitempty"`
	// Hours is the department's calendar; nil means always open.
	Hours Calendar `json:"-"`
	// HandlingTime is the expected time an agent spends on one
	// conversation, used for waiting times until enough recent
	// conversations have been measured.
	HandlingTime time.Duration `json:"-"`
}

// DisplayName is the title if set, else the name.
func (d *Department) DisplayName() string {
	if d.Title != "" {
		return d.Title
	}
	return d.Name
}

// Detail kinds: how an answer is checked and normalised.
const (
	DetailText        = "text"         // any non-empty text
	DetailEmail       = "email"        // an email address, lower-cased
	DetailPhone       = "phone"        // a phone number, kept as + and digits
	DetailDate        = "date"         // a calendar date, kept as YYYY-MM-DD
	DetailOrderNumber = "order_number" // matches Pattern (default: 4 to 20 letters, digits, dashes)
	DetailPattern     = "pattern"      // matches Pattern
)

// DetailSpec is one piece of information a department needs, asked of the
// customer during the handoff when it is not already known.
type DetailSpec struct {
	Key string `json:"key" yaml:"key"`
	// Prompt is the question, per locale; empty uses Baton's question for
	// the kind.
	Prompt Localized `json:"prompt,omitempty" yaml:"prompt"`
	// Kind selects the validator: text, email, phone, date, order_number
	// or pattern.
	Kind string `json:"kind" yaml:"kind"`
	// Pattern is the regular expression a pattern or order_number answer
	// must match as a whole.
	Pattern string `json:"pattern,omitempty" yaml:"pattern"`
	// When limits the detail to some handoffs, e.g. the order number only
	// for order topics. Empty: always.
	When DetailCondition `json:"when,omitzero" yaml:"when"`

	re *regexp.Regexp
}

// DetailCondition says which handoffs need a detail: any listed intent or
// any listed trigger. Both empty means every handoff.
type DetailCondition struct {
	Intents  []string  `json:"intents,omitempty" yaml:"intents"`
	Triggers []Trigger `json:"triggers,omitempty" yaml:"triggers"`
}

// Applies reports whether a handoff with this intent and trigger needs the detail.
func (c DetailCondition) Applies(intent string, t Trigger) bool {
	if len(c.Intents) == 0 && len(c.Triggers) == 0 {
		return true
	}
	return intent != "" && slices.Contains(c.Intents, intent) || slices.Contains(c.Triggers, t)
}

// DefaultOrderNumber is the order number pattern when none is configured.
const DefaultOrderNumber = `[A-Za-z]{0,4}[-#]?[0-9][0-9-]{3,19}`

// Compile checks the spec and prepares its pattern.
func (s *DetailSpec) Compile() error {
	switch s.Kind {
	case "":
		s.Kind = DetailText
	case DetailText, DetailEmail, DetailPhone, DetailDate:
	case DetailOrderNumber:
		if s.Pattern == "" {
			s.Pattern = DefaultOrderNumber
		}
	case DetailPattern:
		if s.Pattern == "" {
			return Errorf(EINVALID, "detail %q: kind pattern needs a pattern", s.Key)
		}
	default:
		return Errorf(EINVALID, "detail %q: unknown kind %q (text, email, phone, date, order_number, pattern)", s.Key, s.Kind)
	}
	if s.Pattern != "" {
		re, err := regexp.Compile(`^(?:` + s.Pattern + `)$`)
		if err != nil {
			return Errorf(EINVALID, "detail %q: pattern: %v", s.Key, err)
		}
		s.re = re
	}
	return nil
}

// Regexp is the compiled pattern, nil if the spec has none or was not compiled.
func (s *DetailSpec) Regexp() *regexp.Regexp { return s.re }

// Calendar tells when a department is open.
type Calendar interface {
	OpenAt(t time.Time) bool
	// NextOpen returns the next instant at or after t when the department is
	// open, and false if it never opens again.
	NextOpen(t time.Time) (time.Time, bool)
}

// CannedReply is a prepared answer agents insert in the inbox. Its text may
// name the customer and the agent as {customer_name} and {agent_name}.
type CannedReply struct {
	ID    string `json:"id" yaml:"id"`
	Title string `json:"title" yaml:"title"`
	Text  string `json:"text" yaml:"text"`
	// Department limits it to one department's agents; "" is for everyone.
	Department string `json:"department,omitempty" yaml:"department"`
	// Locale is the language it is written in, for picking the customer's.
	Locale string `json:"locale,omitempty" yaml:"locale"`
}
