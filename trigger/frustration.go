package trigger

import (
	"hash/maphash"
	"slices"
	"strings"
	"unicode"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/textnorm"
)

// Signals of frustration, in the order they are reported.
const (
	signalRepeated = 1 << iota
	signalShouting
	signalNegative
	signalExclamations
)

var signalNames = []string{"repeated", "shouting", "negative words", "exclamations"}

// Frustration scores a customer message in the context of the customer
// messages in recent (see the package documentation) and names the signals
// that counted: "repeated", "shouting", "negative words", "exclamations".
func (d *Detector) Frustration(text string, recent []baton.Message) (score float64, signals []string) {
	return d.frustration(d.read(text, ""), recent)
}

// repeatWindow is how many earlier customer messages a message is compared
// with; weights are what the last customer messages add to the score,
// this one first.
const repeatWindow = 3

var weights = [...]float64{1, 0.5, 0.25}

func (d *Detector) frustration(m message, recent []baton.Message) (float64, []string) {
	// The scored messages and, for the oldest of them, the messages it may
	// repeat: oldest first, m last.
	var said [len(weights) + repeatWindow]message
	n := len(said) - 1
	said[n] = m
	for i := len(recent) - 1; i >= 0 && n > 0; i-- {
		if recent[i].Author == baton.AuthorCustomer {
			n--
			said[n] = message{text: recent[i].Text, tokens: strings.Fields(textnorm.Normalize(recent[i].Text))}
			if len(said)-1-n < len(weights) {
				said[n].hits = d.scan(said[n].tokens, "")
			}
		}
	}
	msgs := said[n:]
	wordSets(msgs)

	var score float64
	var signals int
	for back, w := range weights {
		i := len(msgs) - 1 - back
		if i < 0 {
			break
		}
		p, s := points(msgs[i], msgs[max(0, i-repeatWindow):i])
		score += w * p
		signals |= s
	}
	var names []string
	for i, name := range signalNames {
		if signals&(1<<i) != 0 {
			names = append(names, name)
		}
	}
	return score, names
}

// points scores one customer message; before are the customer messages
// just before it.
func points(m message, before []message) (float64, int) {
	var p float64
	var signals int
	if shouting(m.text) {
		p++
		signals |= signalShouting
	}
	if exclamations(m.text) {
		p += 0.5
		signals |= signalExclamations
	}
	if a := min(m.hits.angry, 2); a > 0 {
		p += float64(a)
		signals |= signalNegative
	}
	if len(m.tokens) >= 2 {
		repeats := 0
		for _, b := range before {
			if similar(m, b) {
				repeats++
			}
		}
		if repeats = min(repeats, 2); repeats > 0 {
			p += 1.5 * float64(repeats)
			signals |= signalRepeated
		}
	}
	return p, signals
}

// shouting reports whether text is written in capitals: at least 6 letters
// that have a case, 70% or more of them upper case.
func shouting(text string) bool {
	var cased, upper int
	for _, r := range text {
		switch {
		case unicode.IsUpper(r):
			upper++
			cased++
		case unicode.IsLower(r):
			cased++
		}
	}
	return cased >= 6 && upper*10 >= cased*7
}

// exclamations reports whether text holds "!!", "?!", "!?" or a longer run
// of them.
func exclamations(text string) bool {
	run, bang := 0, false
	for _, r := range text {
		switch r {
		case '!', '¡', '！':
			run++
			bang = true
		case '?', '¿', '؟', '？':
			run++
		default:
			run, bang = 0, false
			continue
		}
		if run >= 2 && bang {
			return true
		}
	}
	return false
}

// similar reports whether two messages say the same: equal words, or word
// sets with a Jaccard similarity of at least 0.8.
func similar(a, b message) bool {
	if len(a.tokens) == 0 || len(b.tokens) == 0 {
		return false
	}
	if slices.Equal(a.tokens, b.tokens) {
		return true
	}
	x, y := a.words, b.words
	if 5*min(len(x), len(y)) < 4*max(len(x), len(y)) {
		return false // even if every word of the shorter is in the longer
	}
	inter := 0
	for len(x) > 0 && len(y) > 0 {
		switch {
		case x[0] == y[0]:
			inter++
			x, y = x[1:], y[1:]
		case x[0] < y[0]:
			x = x[1:]
		default:
			y = y[1:]
		}
	}
	union := len(a.words) + len(b.words) - inter
	return inter*5 >= union*4
}

var wordSeed = maphash.MakeSeed()

// wordSets fills in the word set of each message, all in one allocation:
// the words' hashes, sorted, without duplicates.
func wordSets(msgs []message) {
	n := 0
	for _, m := range msgs {
		n += len(m.tokens)
	}
	buf := make([]uint64, 0, n)
	for i := range msgs {
		start := len(buf)
		for _, t := range msgs[i].tokens {
			buf = append(buf, maphash.String(wordSeed, t))
		}
		set := buf[start:]
		slices.Sort(set)
		set = slices.Compact(set)
		buf = buf[:start+len(set)]
		msgs[i].words = set[:len(set):len(set)]
	}
}
