package textnorm_test

import (
	"testing"

	"github.com/batonhq/baton/textnorm"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"  Hello,   WORLD!! ": "hello world",
		"Ça va? Très bien":    "ca va tres bien",
		"שָׁלוֹם, עוֹלָם":     "שלום עולם",
		"مَرْحَبًا":           "مرحبا",
		"don't":               "dont",
		"order #12-34":        "order 12 34",
		"":                    "",
	} {
		if got := textnorm.Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// Arabic letters typed interchangeably normalise alike, so "مستشفى" and
// "مستشفي", "خدمة" and "خدمه" match each other.
func TestNormalizeFoldsArabicVariants(t *testing.T) {
	for a, b := range map[string]string{"مستشفى": "مستشفي", "خدمة العملاء": "خدمه العملاء", "کتاب": "كتاب"} {
		if textnorm.Normalize(a) != textnorm.Normalize(b) {
			t.Errorf("%q → %q, %q → %q", a, textnorm.Normalize(a), b, textnorm.Normalize(b))
		}
	}
}
