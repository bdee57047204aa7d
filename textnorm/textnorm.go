// Package textnorm prepares customer text for matching phrases and intents
// in any language.
package textnorm

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Normalize prepares text for matching: lower case, accents and
// Hebrew/Arabic diacritics removed, punctuation turned into spaces, runs of
// spaces collapsed. "Ça va?" and "ca va" normalise alike.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r): // combining marks: accents, niqqud, harakat
		case r == '\u0640': // Arabic tatweel
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(foldArabic(unicode.ToLower(r)))
			space = false
		case r == '\'' || r == '’':
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimSpace(b.String())
}

// foldArabic writes Arabic letters people type interchangeably as one:
// alef maksura and Persian yeh as yeh, teh marbuta as heh, keheh as kaf.
func foldArabic(r rune) rune {
	switch r {
	case 'ى', 'ی':
		return 'ي'
	case 'ة':
		return 'ه'
	case 'ک':
		return 'ك'
	}
	return r
}

// Tokens splits normalised text into words.
func Tokens(s string) []string { return strings.Fields(Normalize(s)) }

// AppendTokens appends the words of normalised text to dst, so a caller
// that matches many messages can reuse one slice.
func AppendTokens(dst []string, s string) []string {
	for w := range strings.FieldsSeq(Normalize(s)) {
		dst = append(dst, w)
	}
	return dst
}
