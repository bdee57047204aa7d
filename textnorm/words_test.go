package textnorm_test

import (
	"slices"
	"testing"

	"github.com/batonhq/baton/textnorm"
)

func TestUnprefixed(t *testing.T) {
	for word, want := range map[string][]string{
		"והמשלוח":  {"המשלוח", "משלוח", "שלוח"},
		"בהזמנה":   {"הזמנה", "זמנה"},
		"לי":       nil, // one letter would remain
		"שלום":     {"לום", "ום"},
		"والطلب":   {"الطلب", "طلب"},
		"للطلب":    {"طلب"},
		"بالبريد":  {"البريد", "بريد", "ريد"},
		"فالموظف":  {"الموظف", "موظف"},
		"shipping": nil,
		"":         nil,
	} {
		if got := slices.Collect(textnorm.Unprefixed(word)); !slices.Equal(got, want) {
			t.Errorf("Unprefixed(%q) = %q, want %q", word, got, want)
		}
	}
}

func TestAppendTokens(t *testing.T) {
	dst := []string{"kept"}
	got := textnorm.AppendTokens(dst, "  Where's MY order?! ")
	if want := []string{"kept", "wheres", "my", "order"}; !slices.Equal(got, want) {
		t.Errorf("AppendTokens = %q, want %q", got, want)
	}
	if !slices.Equal(textnorm.AppendTokens(nil, "Où est ma commande ?"), textnorm.Tokens("Où est ma commande ?")) {
		t.Error("AppendTokens and Tokens differ")
	}
}
