package textnorm

import (
	"iter"
	"strings"
	"unicode/utf8"
)

// Hebrew attaches one-letter words to the next word: ו and, ה the, ב in,
// ל to, מ from, ש that, כ as.
const hebrewPrefixes = "והבלמשכ"

// Arabic attaches the article and one-letter words: ال the, لل for the
// (ل with the article), و and, ف so, ب with, ل for.
var arabicPrefixes = []string{"ال", "لل", "و", "ف", "ب", "ل"}

// maxPrefixes bounds the prefixes stripped from one word: "ובהזמנה"
// (and in the order) carries three.
const maxPrefixes = 3

// Unprefixed yields a normalised Hebrew or Arabic word without the
// prefixes those languages write attached to it, one more prefix each
// time, as long as two letters remain: "והמשלוח" (and the shipment)
// yields "המשלוח" then "משלוח". A word may just start with such a letter
// ("משלוח" also yields "שלוח"), so callers look the results up in a
// vocabulary rather than trusting them. Words in other scripts yield
// nothing.
func Unprefixed(word string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for range maxPrefixes {
			n := prefixLen(word)
			if n == 0 || utf8.RuneCountInString(word[n:]) < 2 {
				return
			}
			word = word[n:]
			if !yield(word) {
				return
			}
		}
	}
}

// prefixLen is the length in bytes of the attached prefix word starts
// with, 0 if none.
func prefixLen(word string) int {
	r, size := utf8.DecodeRuneInString(word)
	switch {
	case r >= 0x05D0 && r <= 0x05EA: // Hebrew letters
		if strings.ContainsRune(hebrewPrefixes, r) {
			return size
		}
	case r >= 0x0620 && r <= 0x064A: // Arabic letters
		for _, p := range arabicPrefixes {
			if strings.HasPrefix(word, p) {
				return len(p)
			}
		}
	}
	return 0
}
