package baton

import (
	"maps"
	"slices"
	"strings"
)

// Localized is a text in several languages, keyed by locale ("en", "nl",
// "pt-BR"). In configuration it is written either as one string, used for
// every locale, or as a map of locale to text.
type Localized map[string]string

// In returns the text for locale: the exact locale, else its language
// ("pt" for "pt-BR"), else English, else the text written for every
// locale, else the first by locale name. It is "" only when l is empty.
func (l Localized) In(locale string) string {
	if len(l) == 0 {
		return ""
	}
	if s, ok := l[locale]; ok {
		return s
	}
	if i := strings.IndexAny(locale, "-_"); i > 0 {
		if s, ok := l[locale[:i]]; ok {
			return s
		}
	}
	for _, k := range []string{"en", ""} {
		if s, ok := l[k]; ok {
			return s
		}
	}
	return l[slices.Min(slices.Collect(maps.Keys(l)))]
}

// UnmarshalYAML accepts a plain string (for every locale) or a map.
func (l *Localized) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err == nil {
		*l = Localized{"": s}
		return nil
	}
	var m map[string]string
	if err := unmarshal(&m); err != nil {
		return err
	}
	*l = m
	return nil
}

// Language returns the language part of a locale: "pt" for "pt-BR".
func Language(locale string) string {
	if i := strings.IndexAny(locale, "-_"); i > 0 {
		return strings.ToLower(locale[:i])
	}
	return strings.ToLower(locale)
}
