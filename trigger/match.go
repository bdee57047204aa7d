package trigger

import (
	"strings"
	"unicode/utf8"

	"github.com/batonhq/baton/textnorm"
)

// kind says which list a phrase comes from.
type kind uint8

const (
	kindPerson     kind = iota // asks for a person
	kindNotHelping             // says the bot is not helping
	kindUrgent                 // urgency
	kindNotHelpful             // answers "did this help?" with no
	kindAngry                  // adds to the frustration score
	kinds
)

// phrase is one entry of a list.
type phrase struct {
	text   string // as written in the list, quoted in reasons
	kind   kind
	locale int // index into Detector.locales
	length int // in tokens
}

// node is a step in the phrase index: a tree of tokens, so a message is
// scanned once and each position costs only as many lookups as the
// longest phrase that still fits there, however many phrases are listed.
type node struct {
	next map[string]*node
	ends []*phrase // phrases whose last token leads here
}

func (n *node) add(tokens []string, p *phrase) {
	for _, t := range tokens {
		c := n.next[t]
		if c == nil {
			if n.next == nil {
				n.next = map[string]*node{}
			}
			c = &node{}
			n.next[t] = c
		}
		n = c
	}
	for _, e := range n.ends {
		if e.kind == p.kind && e.locale == p.locale {
			return // listed twice, or shipped and configured
		}
	}
	n.ends = append(n.ends, p)
}

// insert adds p under its tokens and, for every Arabic token that starts
// with the article "ال", also under the token without it: a message's
// "للعملاء" ("to the customers") loses "لل" and is then "عملاء".
func (n *node) insert(tokens []string, p *phrase) { n.insertFrom(tokens, 0, p) }

func (n *node) insertFrom(tokens []string, from int, p *phrase) {
	n.add(tokens, p)
	for i := from; i < len(tokens); i++ {
		if rest, ok := strings.CutPrefix(tokens[i], "ال"); ok && utf8.RuneCountInString(rest) >= minStem {
			alt := append([]string(nil), tokens...)
			alt[i] = rest
			n.insertFrom(alt, i+1, p)
		}
	}
}

// minStem is the fewest letters a token keeps once a prefix is removed.
const minStem = 2

// variants returns the forms of a message token worth looking up: the token
// itself and, for Hebrew and Arabic, the token without its attached prefix
// letters (textnorm.Unprefixed). Variants are substrings of the token kept
// in buf's space, so looking them up allocates nothing.
func variants(tok string, buf []string) []string {
	buf = append(buf[:0], tok)
	for u := range textnorm.Unprefixed(tok) {
		buf = append(buf, u)
	}
	return buf
}

// hit is a phrase found in a message.
type hit struct {
	p     *phrase
	start int
	rank  int // 0 for the conversation's language, then the other locales in order
}

// better reports whether h should be preferred to o: the conversation's own
// language first, then the earliest, then the longest phrase.
func (h hit) better(o hit) bool {
	switch {
	case o.p == nil:
		return true
	case h.rank != o.rank:
		return h.rank < o.rank
	case h.start != o.start:
		return h.start < o.start
	}
	return h.p.length > o.p.length
}

// hits is what the index found in one message: the preferred phrase of each
// kind and how many places hold an angry word.
type hits struct {
	best  [kinds]hit
	angry int
}

// scan finds every listed phrase in tokens. Not-helpful answers count only
// at the start of the message.
func (d *Detector) scan(tokens []string, lang string) hits {
	s := scanner{d: d, tokens: tokens, lang: lang, angryAt: -1}
	for start := range tokens {
		s.start = start
		s.walk(d.index, start, s.buf[:0])
	}
	return s.hits
}

// scanner holds one scan's state, so the walk allocates nothing.
type scanner struct {
	d       *Detector
	tokens  []string
	lang    string
	start   int
	angryAt int // the last start counted as an angry word
	hits    hits
	buf     [32]string // the variants of the tokens on the current path
}

func (s *scanner) walk(n *node, i int, buf []string) {
	if i == len(s.tokens) || n.next == nil {
		return
	}
	vs := variants(s.tokens[i], buf)
	deeper := vs[len(vs):]
	for _, v := range vs {
		c := n.next[v]
		if c == nil {
			continue
		}
		for _, p := range c.ends {
			s.found(p)
		}
		s.walk(c, i+1, deeper)
	}
}

func (s *scanner) found(p *phrase) {
	if p.kind == kindNotHelpful && s.start != 0 {
		return
	}
	if p.kind == kindAngry && s.angryAt != s.start {
		s.angryAt = s.start
		s.hits.angry++
	}
	rank := 1 + p.locale
	if s.d.locales[p.locale] == s.lang {
		rank = 0
	}
	if h := (hit{p: p, start: s.start, rank: rank}); h.better(s.hits.best[p.kind]) {
		s.hits.best[p.kind] = h
	}
}
