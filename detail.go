package baton

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Validate checks a customer's answer against the spec's kind and returns
// it normalised: an email lower-cased, a phone number as + and digits, a
// date as YYYY-MM-DD, anything else trimmed. It is safe for concurrent use.
func (s *DetailSpec) Validate(text string) (string, bool) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", false
	}
	switch s.Kind {
	case DetailEmail:
		return validEmail(text)
	case DetailPhone:
		return validPhone(text)
	case DetailDate:
		return validDate(text)
	case DetailOrderNumber, DetailPattern:
		re := s.re
		if re == nil { // not compiled: compile a copy, leaving s alone
			c := *s
			if err := c.Compile(); err != nil {
				return "", false
			}
			re = c.re
		}
		v := strings.TrimPrefix(strings.TrimSpace(text), "#")
		if re.MatchString(v) {
			return v, true
		}
		// "My order number is AB-12345": the last word may be the value.
		if f := strings.Fields(text); len(f) > 1 {
			v = strings.Trim(f[len(f)-1], ".,;:!?#")
			if re.MatchString(v) {
				return v, true
			}
		}
		return "", false
	}
	return text, true
}

func validEmail(text string) (string, bool) {
	a, err := mail.ParseAddress(text)
	if err != nil {
		// "it's ann@example.com": take the word with the @.
		for _, f := range strings.Fields(text) {
			if strings.Contains(f, "@") {
				if a, err = mail.ParseAddress(strings.Trim(f, ".,;:!?()<>")); err == nil {
					break
				}
			}
		}
		if err != nil {
			return "", false
		}
	}
	domain := a.Address[strings.LastIndexByte(a.Address, '@')+1:]
	if !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", false
	}
	return strings.ToLower(a.Address), true
}

// validPhone accepts 7 to 15 digits with spaces, dashes, dots and
// parentheses, an optional + or 00 international prefix.
func validPhone(text string) (string, bool) {
	var b strings.Builder
	for i, r := range text {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '/':
		default:
			return "", false
		}
	}
	v := b.String()
	if strings.HasPrefix(v, "00") {
		v = "+" + v[2:]
	}
	digits := len(strings.TrimPrefix(v, "+"))
	if digits < 7 || digits > 15 {
		return "", false
	}
	return v, true
}

// validDate accepts 2026-03-31 and day-first dates such as 31/03/2026,
// 31.3.2026 or 31-03-26. When the first number cannot be a day of the
// month but the second can (03/31/2026), it is read month-first.
func validDate(text string) (string, bool) {
	if t, err := time.Parse("2006-01-02", text); err == nil {
		return t.Format("2006-01-02"), true
	}
	parts := strings.FieldsFunc(text, func(r rune) bool { return r == '/' || r == '.' || r == '-' || unicode.IsSpace(r) })
	if len(parts) != 3 {
		return "", false
	}
	n := make([]int, 3)
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return "", false
		}
		n[i] = v
	}
	day, month, year := n[0], n[1], n[2]
	if day <= 12 && month > 12 {
		day, month = month, day
	}
	if len(parts[2]) == 2 {
		year += 2000
	}
	if year < 1900 || year > 2200 || month < 1 || month > 12 || day < 1 {
		return "", false
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day { // 31 April
		return "", false
	}
	return fmt.Sprintf("%04d-%02d-%02d", year, month, day), true
}
