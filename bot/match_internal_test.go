package bot

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestOSADistance(t *testing.T) {
	for _, tt := range []struct {
		a, b  string
		limit int
		want  int
	}{
		{"return", "return", 1, 0},
		{"return", "retrun", 1, 1},    // swapped neighbours
		{"shipping", "shiping", 2, 1}, // a letter missing
		{"costs", "cost", 1, 1},
		{"verzendkosten", "verzndkostn", 2, 2},
		{"verzendkosten", "vrzndkostn", 2, 3}, // over the limit
		{"kitten", "sitting", 1, 2},
		{"ca", "abc", 3, 3}, // a swapped pair is not edited again
		{"משלוח", "משלוך", 1, 1},
		{"", "abcd", 2, 3},
		{strings.Repeat("a", 40), strings.Repeat("a", 40), 1, 2}, // too long to check
	} {
		if got := osaDistance(tt.a, tt.b, tt.limit); got != tt.want {
			t.Errorf("osaDistance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.limit, got, tt.want)
		}
	}
}

// referenceOSA is the textbook full-matrix algorithm.
func referenceOSA(a, b string) int {
	s, t := []rune(a), []rune(b)
	d := make([][]int, len(s)+1)
	for i := range d {
		d[i] = make([]int, len(t)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(s); i++ {
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(s)][len(t)]
}

func TestOSADistanceAgreesWithReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		var b strings.Builder
		for range r.IntN(10) {
			b.WriteRune([]rune("abcש")[r.IntN(4)])
		}
		return b.String()
	}
	for range 5000 {
		a, b, limit := word(), word(), r.IntN(3)
		if got, want := osaDistance(a, b, limit), min(referenceOSA(a, b), limit+1); got != want {
			t.Fatalf("osaDistance(%q, %q, %d) = %d, want %d", a, b, limit, got, want)
		}
	}
}

func TestDeletions(t *testing.T) {
	if got := slices.Collect(deletions("abcd", false)); !slices.Equal(got, []string{"bcd", "acd", "abd", "abc"}) {
		t.Errorf("one deletion: %q", got)
	}
	got := slices.Collect(deletions("abcdefgh", true))
	slices.Sort(got)
	if len(got) != 8+28 || len(slices.Compact(got)) != 36 {
		t.Errorf("two deletions of 8 distinct letters: %d strings", len(got))
	}
	if got := slices.Collect(deletions("שלום", false)); !slices.Equal(got, []string{"לום", "שום", "שלם", "שלו"}) {
		t.Errorf("Hebrew: %q", got)
	}
}

// edits returns every string one edit away from w: a rune deleted,
// inserted, replaced, or two neighbours swapped.
func edits(w string) []string {
	r := []rune(w)
	var out []string
	for i := range r {
		out = append(out, string(slices.Delete(slices.Clone(r), i, i+1)))
		sub := slices.Clone(r)
		sub[i] = 'q'
		out = append(out, string(sub))
		if i+1 < len(r) {
			sw := slices.Clone(r)
			sw[i], sw[i+1] = sw[i+1], sw[i]
			out = append(out, string(sw))
		}
	}
	for i := range len(r) + 1 {
		out = append(out, string(slices.Insert(slices.Clone(r), i, 'q')))
	}
	return out
}

func TestTyposFindTheirWord(t *testing.T) {
	words := []string{"shipping", "return", "refund", "order", "verzendkosten", "משלוח", "חשבונית", "ideal"}
	x := newIndex([]Intent{{Name: "x", Examples: map[string][]string{"en": words}}})
	find := func(typo string) []string {
		var got []string
		for _, h := range x.typos(nil, typo) {
			got = append(got, x.words[h.word])
		}
		return got
	}
	for _, w := range words {
		for _, typo := range edits(w) {
			if _, known := x.vocab[typo]; known || utf8.RuneCountInString(typo) < 4 {
				continue
			}
			if got := find(typo); !slices.Contains(got, w) {
				t.Errorf("%q does not find %q: %q", typo, w, got)
			}
		}
	}
	// Long words forgive two typos: two letters missing, or one missing
	// and one replaced.
	for _, typo := range []string{"verzndkostn", "verzendkstn", "verzenkosqen", "shppng", "shipqng"} {
		if got := find(typo); !slices.Equal(got, []string{"verzendkosten"}) && !slices.Equal(got, []string{"shipping"}) {
			t.Errorf("%q: %q", typo, got)
		}
	}
	// Words under eight letters forgive one typo; under four letters none.
	for typo, want := range map[string]bool{"rfnd": false, "ordr": true, "idea": true, "ode": false, "retrnu": false} {
		if got := find(typo); (len(got) > 0) != want {
			t.Errorf("%q: %q", typo, got)
		}
	}
}

func TestTemplate(t *testing.T) {
	values := map[string]string{"order_number": "AB#12 34", "name": "Ann"}
	get := func(k string) string { return values[k] }
	for text, want := range map[string]string{
		"Plain text": "Plain text",
		"Hi {name}!": "Hi Ann!",
		"{name}":     "Ann",
		"Order {order_number}: https://x.example/track/{order_number}": "Order AB#12 34: https://x.example/track/AB%2312%2034",
		"See https://x.example/t?o={order_number}&n={name}":            "See https://x.example/t?o=AB%2312+34&n=Ann",
		"Braces {not a key} and {} and {unclosed":                      "Braces {not a key} and {} and {unclosed",
		"Missing {email} value":                                        "Missing  value",
	} {
		if got := parseTemplate(text).render(get); got != want {
			t.Errorf("%q renders %q, want %q", text, got, want)
		}
	}
	if got := placeholders("Order {order_number} for {name}, not {a b}"); !slices.Equal(got, []string{"order_number", "name"}) {
		t.Errorf("placeholders: %q", got)
	}
}

func TestAnswerTo(t *testing.T) {
	for text, want := range map[string]int{
		"yes": 1, "Yes, thank you!": 1, "ja hoor": 1, "כן": 1, "it helped, thanks": 1, "👍": 1,
		"no": -1, "Nope.": -1, "not really": -1, "nee, echt niet": -1, "לא": -1, "👎": -1,
		"yes and no": 0, "yes, but how much is shipping?": 0, "thanks": 0, "": 0,
	} {
		if got := answerTo(text); got != want {
			t.Errorf("answerTo(%q) = %d, want %d", text, got, want)
		}
	}
}

func TestIsCancel(t *testing.T) {
	for text, want := range map[string]bool{
		"cancel": true, "Stop!": true, "never mind": true, "please cancel": true, "laat maar": true, "ביטול": true, "לא משנה": true,
		"cancel my order": false, "stop my subscription": false, "": false, "please": false,
	} {
		if got := isCancel(text); got != want {
			t.Errorf("isCancel(%q) = %v", text, got)
		}
	}
}
