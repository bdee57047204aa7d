package bot

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

// Config is the whole built-in bot as written in the configuration file
// under "bot:".
type Config struct {
	// Fallback is the answer when the bot did not understand.
	Fallback baton.Localized `yaml:"fallback"`
	// FallbackButtons are quick replies under the fallback, typically the
	// main topics and a way to a person.
	FallbackButtons []Button `yaml:"fallback_buttons"`
	// Helpful, when set, asks "did this help?" under answers.
	Helpful *Helpful `yaml:"helpful"`
	// Cancelled is said when the customer stops a flow; empty uses the
	// built-in text.
	Cancelled baton.Localized `yaml:"cancelled"`
	Intents   []Intent        `yaml:"intents"`
}

// Button is a configured quick reply; its title is shown in the
// customer's language.
type Button struct {
	Title   baton.Localized `yaml:"title"`
	Payload string          `yaml:"payload"`
}

// Helpful is the "did this help?" question asked under answers. The
// buttons' payloads are baton.PayloadHelpful and baton.PayloadNotHelpful.
type Helpful struct {
	Question baton.Localized `yaml:"question"`
	Yes      baton.Localized `yaml:"yes"`
	No       baton.Localized `yaml:"no"`
	// Thanks answers "yes"; empty uses the built-in text.
	Thanks baton.Localized `yaml:"thanks"`
	// Sorry is said before handing a "no" to a person; empty uses the
	// built-in text.
	Sorry baton.Localized `yaml:"sorry"`
}

// Intent is something customers ask, with how the bot answers it.
type Intent struct {
	Name string `yaml:"name"`
	// Examples are phrases per locale that mean this intent.
	Examples map[string][]string `yaml:"examples"`
	// Answer may name slots in braces, "{order_number}", filled with the
	// collected values.
	Answer  baton.Localized `yaml:"answer"`
	Buttons []Button        `yaml:"buttons"`
	// AskHelpful appends the "did this help?" question. Unset: asked when
	// Helpful is configured and the answer has no buttons of its own.
	AskHelpful *bool `yaml:"ask_helpful"`
	// Sensitive topics are never handled by the bot alone: it answers (if
	// Answer is set) and hands off to a person.
	Sensitive  bool           `yaml:"sensitive"`
	Department string         `yaml:"department"`
	Priority   baton.Priority `yaml:"priority"`
	// Slots make the intent a flow: each slot not yet known is asked, one
	// at a time, before the answer.
	Slots []Slot `yaml:"slots"`
}

// Slot is a value a flow asks for, checked like a department's required
// detail.
type Slot struct {
	baton.DetailSpec `yaml:",inline"`
	// Hint is said before asking again after an answer that did not
	// validate; empty uses the built-in hint for the kind.
	Hint baton.Localized `yaml:"hint"`
}

// IntentInfo is what other parts of Baton need to know of an intent:
// sensitive topics and where they are routed.
type IntentInfo struct {
	Name       string
	Sensitive  bool
	Department string
	Priority   baton.Priority
}

// Intent names the bot itself reports in BotReply.Intent; configured
// intents may not use them.
const (
	IntentHelpful    = "helpful"     // the customer said the answer helped
	IntentNotHelpful = "not_helpful" // the customer said the answer did not help
	IntentCancelFlow = "cancel_flow" // the customer stopped a flow's questions
)

// maxNameLength is the longest intent name the lifecycle accepts.
const maxNameLength = 64

// validate reports every problem of the configuration at once.
func (c *Config) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, baton.Errorf(baton.EINVALID, "bot: "+format, args...))
	}
	if len(c.Fallback) == 0 {
		bad("fallback is not set")
	}
	checkButtons := func(where string, bs []Button) {
		for i, b := range bs {
			if len(b.Title) == 0 || b.Payload == "" {
				bad("%s button %d needs a title and a payload", where, i+1)
			}
		}
	}
	checkButtons("fallback", c.FallbackButtons)
	if h := c.Helpful; h != nil && (len(h.Question) == 0 || len(h.Yes) == 0 || len(h.No) == 0) {
		bad("helpful needs a question and yes and no titles")
	}
	seen := map[string]bool{}
	for i := range c.Intents {
		in := &c.Intents[i]
		where := fmt.Sprintf("intent %q", in.Name)
		switch {
		case in.Name == "":
			bad("intent %d has no name", i+1)
			where = fmt.Sprintf("intent %d", i+1)
		case seen[in.Name]:
			bad("intent %q is defined twice", in.Name)
		case in.Name == IntentHelpful || in.Name == IntentNotHelpful || in.Name == IntentCancelFlow:
			bad("intent name %q is reserved", in.Name)
		case utf8.RuneCountInString(in.Name) > maxNameLength:
			bad("intent %q: the name is longer than %d characters", in.Name, maxNameLength)
		}
		seen[in.Name] = true
		if len(in.Answer) == 0 && !in.Sensitive {
			bad("%s has no answer (only a sensitive intent may go without)", where)
		}
		if in.Priority != "" && !in.Priority.Valid() {
			bad("%s: unknown priority %q (low, normal, high or urgent)", where, in.Priority)
		}
		checkButtons(where, in.Buttons)
		keys := map[string]bool{}
		for j := range in.Slots {
			s := &in.Slots[j]
			switch {
			case s.Key == "":
				bad("%s: slot %d has no key", where, j+1)
				continue
			case keys[s.Key]:
				bad("%s: slot %q is defined twice", where, s.Key)
			}
			keys[s.Key] = true
			if err := s.Compile(); err != nil {
				bad("%s: slot %q: %s", where, s.Key, baton.ErrorMessage(err))
				continue
			}
			if len(s.Prompt) == 0 && len(defaultPrompts[s.Kind]) == 0 {
				bad("%s: slot %q needs a prompt (there is no built-in question for kind %s)", where, s.Key, s.Kind)
			}
		}
		for _, locale := range slices.Sorted(maps.Keys(in.Answer)) {
			for _, key := range placeholders(in.Answer[locale]) {
				switch {
				case in.Sensitive:
					bad("%s: the answer of a sensitive intent cannot use {%s}: its details are collected by the handoff", where, key)
				case !keys[key]:
					bad("%s: answer %q uses {%s}, which is not one of its slots", where, locale, key)
				}
			}
		}
	}
	return errors.Join(errs...)
}
