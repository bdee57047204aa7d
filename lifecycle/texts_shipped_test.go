package lifecycle

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// fmtVerbs returns the verbs of a format as "argument:verb" ("2:d"),
// numbering arguments the way fmt does, explicit indexes included.
func fmtVerbs(format string) (map[string]bool, error) {
	verbs := map[string]bool{}
	arg := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		index := func() error {
			if i < len(format) && format[i] == '[' {
				j := strings.IndexByte(format[i:], ']')
				if j < 0 {
					return fmt.Errorf("unclosed argument index in %q", format)
				}
				n, err := strconv.Atoi(format[i+1 : i+j])
				if err != nil || n < 1 {
					return fmt.Errorf("bad argument index in %q", format)
				}
				arg = n - 1
				i += j + 1
			}
			return nil
		}
		number := func() error {
			if err := index(); err != nil {
				return err
			}
			if i < len(format) && format[i] == '*' {
				verbs[fmt.Sprintf("%d:*", arg+1)] = true
				arg++
				i++
				return nil
			}
			for i < len(format) && format[i] >= '0' && format[i] <= '9' {
				i++
			}
			return nil
		}
		for i < len(format) && strings.IndexByte("+-# 0", format[i]) >= 0 {
			i++
		}
		if err := number(); err != nil {
			return nil, err
		}
		if i < len(format) && format[i] == '.' {
			i++
			if err := number(); err != nil {
				return nil, err
			}
		}
		if err := index(); err != nil {
			return nil, err
		}
		if i >= len(format) {
			return nil, fmt.Errorf("%q ends in the middle of a verb", format)
		}
		if format[i] == '%' {
			continue
		}
		if format[i] >= 0x80 {
			return nil, fmt.Errorf("%q has a verb that is not ASCII", format)
		}
		verbs[fmt.Sprintf("%d:%c", arg+1, format[i])] = true
		arg++
	}
	return verbs, nil
}

// sampleArgs are arguments for formats with the verbs of verbs: a number
// for %d, a word for everything else.
func sampleArgs(verbs map[string]bool) []any {
	var args []any
	for v := range verbs {
		n, _ := strconv.Atoi(v[:strings.IndexByte(v, ':')])
		for len(args) < n {
			args = append(args, nil)
		}
		if strings.HasSuffix(v, ":d") {
			args[n-1] = 7
		} else {
			args[n-1] = "Support"
		}
	}
	return args
}

// stringFields calls f for every string field of Texts.
func stringFields(t *Texts, f func(name, value string)) {
	v := reflect.ValueOf(t).Elem()
	for i := range v.NumField() {
		if v.Field(i).Kind() == reflect.String {
			f(v.Type().Field(i).Name, v.Field(i).String())
		}
	}
}

// translations are the shipped text sets other than English, by language.
func translations() map[string]*Texts {
	m := maps.Clone(shipped)
	delete(m, "en")
	return m
}

func TestShippedVerbParser(t *testing.T) {
	for format, want := range map[string][]string{
		"%s and %d":                  {"1:s", "2:d"},
		"%[2]d of %[1]s, 100%%":      {"1:s", "2:d"},
		"%[3]s then %s":              {"3:s", "4:s"},
		"%-5s %.2f %*d":              {"1:s", "2:f", "3:*", "4:d"},
		"no verbs at all":            nil,
		English.Connecting:           {"1:s", "2:d", "3:s"},
		English.OpeningDate:          {"1:s", "2:d", "3:s", "4:s"},
		"%[1]s is the same as %[1]s": {"1:s"},
	} {
		got, err := fmtVerbs(format)
		if err != nil {
			t.Errorf("%q: %v", format, err)
			continue
		}
		if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, want) {
			t.Errorf("%q: verbs %v, want %v", format, keys, want)
		}
	}
	for _, bad := range []string{"100%", "%[x]s", "%[2s"} {
		if _, err := fmtVerbs(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// Every shipped text has the placeholders English has, and renders
// without fmt errors.
func TestShippedTextsMatchEnglishVerbs(t *testing.T) {
	if len(translations()) < 6 {
		t.Fatalf("only %d translations shipped", len(translations()))
	}
	for lang, texts := range translations() {
		stringFields(texts, func(name, value string) {
			var english string
			stringFields(&English, func(n, v string) {
				if n == name {
					english = v
				}
			})
			if strings.TrimSpace(value) == "" {
				t.Errorf("%s.%s is empty", lang, name)
				return
			}
			if value != strings.TrimSpace(value) {
				t.Errorf("%s.%s has space around it: %q", lang, name, value)
			}
			if value == english {
				t.Errorf("%s.%s is the English text", lang, name)
			}
			want, err := fmtVerbs(english)
			if err != nil {
				t.Fatalf("English.%s: %v", name, err)
			}
			got, err := fmtVerbs(value)
			if err != nil {
				t.Errorf("%s.%s: %v", lang, name, err)
				return
			}
			if !maps.Equal(got, want) {
				t.Errorf("%s.%s has verbs %v, English %v", lang, name, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
			}
			if out := fmt.Sprintf(value, sampleArgs(want)...); strings.Contains(out, "%!") {
				t.Errorf("%s.%s renders as %q", lang, name, out)
			}
		})
	}
}

func TestShippedTextsCalendar(t *testing.T) {
	for lang, texts := range shipped {
		for what, names := range map[string][]string{"weekdays": texts.Weekdays[:], "months": texts.Months[:]} {
			seen := map[string]bool{}
			for i, name := range names {
				if strings.TrimSpace(name) == "" {
					t.Errorf("%s %s[%d] is empty", lang, what, i)
				}
				if seen[name] {
					t.Errorf("%s %s: %q twice", lang, what, name)
				}
				seen[name] = true
			}
		}
	}
}

func TestShippedTextsCancelWords(t *testing.T) {
	for lang, texts := range shipped {
		if len(texts.CancelWords) == 0 {
			t.Errorf("%s has no cancel words", lang)
		}
		for _, w := range texts.CancelWords {
			if w == "" || w != strings.ToLower(w) || w != strings.TrimSpace(w) {
				t.Errorf("%s cancel word %q is not a trimmed lower-case word", lang, w)
			}
			first, size := utf8.DecodeRuneInString(w)
			for _, typed := range []string{w, string(unicode.ToUpper(first)) + w[size:] + "!", " " + w + ". "} {
				if !texts.isCancel(typed) {
					t.Errorf("%s: %q does not cancel", lang, typed)
				}
			}
		}
		if texts.isCancel(texts.SurveyThanks) {
			t.Errorf("%s: %q cancels", lang, texts.SurveyThanks)
		}
	}
}

// Hebrew and Arabic are written in their own script, and every language
// writes numbers with Western digits, as fmt does.
func TestShippedTextsScript(t *testing.T) {
	scripts := map[string]*unicode.RangeTable{"he": unicode.Hebrew, "ar": unicode.Arabic}
	for lang, texts := range shipped {
		stringFields(texts, func(name, value string) {
			if table := scripts[lang]; table != nil && !strings.ContainsFunc(value, func(r rune) bool { return unicode.Is(table, r) }) {
				t.Errorf("%s.%s has no letters of its script: %q", lang, name, value)
			}
			if strings.ContainsFunc(value, func(r rune) bool { return unicode.IsDigit(r) && r > unicode.MaxASCII }) {
				t.Errorf("%s.%s has digits other than 0-9: %q", lang, name, value)
			}
		})
	}
}

func TestShippedTextsFor(t *testing.T) {
	if got := TextsFor("nl-BE"); got != &Dutch || got.Months[2] != "maart" {
		t.Errorf("nl-BE: %q", got.Connecting)
	}
	for _, locale := range []string{"xx", "", "pt-BR"} {
		if got := TextsFor(locale); got != &English {
			t.Errorf("%q: %q, want English", locale, got.Connecting)
		}
	}
	for lang, texts := range shipped {
		for _, locale := range []string{lang, strings.ToUpper(lang) + "_XX", lang + "-XX"} {
			if got := TextsFor(locale); got != texts {
				t.Errorf("%q: %q, want the %s texts", locale, got.Connecting, lang)
			}
		}
	}
}

func TestShippedOpening(t *testing.T) {
	monday := time.Date(2026, time.March, 2, 10, 0, 0, 0, time.UTC)
	at := func(day, hour int) time.Time { return time.Date(2026, time.March, day, hour, 0, 0, 0, time.UTC) }
	want := map[string][4]string{ // later today, tomorrow, Wednesday, the Monday after
		"en": {"today at 15:00", "tomorrow at 09:00", "on Wednesday at 09:00", "on Monday 9 March at 09:00"},
		"nl": {"vandaag om 15:00", "morgen om 09:00", "op woensdag om 09:00", "op maandag 9 maart om 09:00"},
		"he": {"היום בשעה 15:00", "מחר בשעה 09:00", "ביום רביעי בשעה 09:00", "ביום שני, 9 במרץ, בשעה 09:00"},
		"de": {"heute um 15:00 Uhr", "morgen um 09:00 Uhr", "am Mittwoch um 09:00 Uhr", "am Montag, 9. März, um 09:00 Uhr"},
		"fr": {"aujourd'hui à 15:00", "demain à 09:00", "mercredi à 09:00", "le lundi 9 mars à 09:00"},
		"es": {"hoy a las 15:00", "mañana a las 09:00", "el miércoles a las 09:00", "el lunes 9 de marzo a las 09:00"},
		"ar": {"اليوم الساعة 15:00", "غدًا الساعة 09:00", "يوم الأربعاء الساعة 09:00", "يوم الاثنين 9 مارس الساعة 09:00"},
	}
	for lang, texts := range shipped {
		w, ok := want[lang]
		if !ok {
			t.Errorf("no expected openings for %s", lang)
			continue
		}
		for i, when := range []time.Time{at(2, 15), at(3, 9), at(4, 9), at(9, 9)} {
			if got := texts.Opening(monday, when); got != w[i] {
				t.Errorf("%s: Opening(%v) = %q, want %q", lang, when, got, w[i])
			}
		}
		if got := texts.Opening(monday, at(9, 9)); !strings.Contains(got, texts.Months[time.March-1]) || !strings.Contains(got, texts.Weekdays[time.Monday]) {
			t.Errorf("%s: a week away is %q, without the weekday and month", lang, got)
		}
	}
}

func TestShippedWait(t *testing.T) {
	want := map[string]string{ // a quarter of an hour
		"en": "about 15 minutes",
		"nl": "ongeveer 15 minuten",
		"he": "כ-15 דקות",
		"de": "etwa 15 Minuten",
		"fr": "environ 15 minutes",
		"es": "unos 15 minutos",
		"ar": "حوالي 15 دقيقة",
	}
	for lang, texts := range shipped {
		if got := texts.Wait(15 * time.Minute); got != want[lang] {
			t.Errorf("%s: Wait(15m) = %q, want %q", lang, got, want[lang])
		}
		seen := map[string]bool{}
		for _, d := range []time.Duration{30 * time.Second, time.Minute, 15 * time.Minute, 75 * time.Minute, 3 * time.Hour} {
			got := texts.Wait(d)
			if got == "" || strings.Contains(got, "%") || seen[got] {
				t.Errorf("%s: Wait(%v) = %q", lang, d, got)
			}
			seen[got] = true
		}
		if got := texts.Wait(3 * time.Hour); !strings.Contains(got, "3") {
			t.Errorf("%s: Wait(3h) = %q, without the hours", lang, got)
		}
	}
}

// The opening time reads as part of the ticket sentence it is put in.
func TestShippedTicketNextOpen(t *testing.T) {
	monday := time.Date(2026, time.March, 2, 18, 0, 0, 0, time.UTC)
	next := time.Date(2026, time.March, 3, 9, 0, 0, 0, time.UTC)
	want := map[string]string{
		"nl": "Support is op dit moment gesloten. Ik heb een ticket aangemaakt; het team is morgen om 09:00 weer bereikbaar en neemt dan contact met je op.",
		"he": "צוות Support לא פעיל כרגע. פתחתי פנייה, והצוות ייצור איתך קשר כשיחזור לפעילות מחר בשעה 09:00.",
		"de": "Das Team Support ist im Moment nicht besetzt. Ich habe ein Ticket erstellt; das Team ist morgen um 09:00 Uhr wieder erreichbar und meldet sich dann bei Ihnen.",
		"fr": "L'équipe Support n'est pas disponible pour le moment. J'ai créé un ticket ; l'équipe sera de retour demain à 09:00 et reviendra vers vous à ce moment-là.",
		"es": "El equipo de Support no está disponible en este momento. He creado un ticket; el equipo vuelve mañana a las 09:00 y se pondrá en contacto con usted entonces.",
		"ar": "فريق Support غير متاح حاليًا. لقد أنشأت تذكرة، وسيتواصل معك الفريق عند عودته غدًا الساعة 09:00.",
	}
	for lang, texts := range translations() {
		if got := sprintf(texts.TicketNextOpen, "Support", texts.Opening(monday, next)); got != want[lang] {
			t.Errorf("%s: %q, want %q", lang, got, want[lang])
		}
	}
}
