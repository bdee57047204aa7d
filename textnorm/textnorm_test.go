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
