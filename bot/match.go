package bot

import (
	"maps"
	"math"
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/textnorm"
)

// Matching thresholds on the score Match returns (0 to 1).
const (
	// MatchThreshold is the lowest score that counts as understood.
	MatchThreshold = 0.45
	// SwitchThreshold is the lowest score that leaves a flow in progress
	// for another intent: only a clear change of subject interrupts the
	// questions.
	SwitchThreshold = 0.7
)

// Weights of a message word that is not found as it is.
const (
	prefixFactor = 0.9  // found without its Hebrew or Arabic prefix
	typo1Factor  = 0.8  // one typo (or last letter) away from a known word
	typo2Factor  = 0.65 // two typos away
	// otherLanguage discounts examples in another language than the
	// customer's, so the customer's own wins a tie.
	otherLanguage = 0.95
	// unknownFactor scales the weight of a word found nowhere, relative to
	// a word only one intent uses: it is most likely a thing ("shoes",
	// "Amsterdam") that does not change the question.
	unknownFactor = 0.75
	// commonFactor scales the weight of a function word ("is", "de",
	// "של"), relative to a word every intent uses.
	commonFactor = 0.5
)

// index finds the intent whose examples best cover a message. Words are
// weighted by rarity across intents (inverse document frequency), so
// "shipping" decides and "how", "my" barely count.
type index struct {
	vocab map[string]int32 // word → id
	words []string         // id → word
	idf   []float64        // id → weight
	runes []int            // id → length in runes
	// postings lists, per word, the examples that contain it, and
	// intentsOf the intents.
	postings  [][]int32
	intentsOf [][]int32
	examples  []example
	// unprefixed maps Hebrew and Arabic words without their prefixes to
	// the vocabulary words they come from ("משלוח" → "המשלוח").
	unprefixed map[string][]int32
	// deletions maps every word of four runes or more with one rune
	// deleted (and words of eight or more with two) to the words it came
	// from: the candidates for a typo.
	deletions map[string][]int32
	// unknown is the weight of a message word found nowhere, common the
	// weight of a function word.
	unknown   float64
	common    float64
	languages map[string]bool
	scratch   sync.Pool
}

type example struct {
	intent   int32
	language string
	weight   float64 // sum of the weights of its distinct words
}

// scores is the per-call working memory of a match, indexed by example,
// vocabulary word or intent, and left zeroed after each call.
type scores struct {
	words []string
	hits  []hit
	// wordValue is what each vocabulary word found adds to the examples
	// that contain it.
	wordValue  []float64
	wordsFound []int32
	// acc is, per example, the weight of its words found in the message.
	acc     []float64
	touched []int32
	// intentFound is, per intent, the weight of the message words found
	// in any of its examples; intentWord and intentStamp keep one message
	// word from counting twice.
	intentFound  []float64
	intentWord   []float64
	intentStamp  []int32
	intentsFound []int32
}

type hit struct {
	word   int32
	factor float64
}

func newIndex(intents []Intent) *index {
	x := &index{vocab: map[string]int32{}, unprefixed: map[string][]int32{}, deletions: map[string][]int32{}, languages: map[string]bool{}}
	intentsOf := map[int32]map[int32]bool{} // word → intents using it
	for i, in := range intents {
		for _, locale := range slices.Sorted(maps.Keys(in.Examples)) {
			lang := baton.Language(locale)
			for _, phrase := range in.Examples[locale] {
				words := distinct(textnorm.Tokens(phrase))
				if len(words) == 0 {
					continue
				}
				x.languages[lang] = true
				e := int32(len(x.examples))
				x.examples = append(x.examples, example{intent: int32(i), language: lang})
				for _, w := range words {
					id := x.add(w)
					x.postings[id] = append(x.postings[id], e)
					if intentsOf[id] == nil {
						intentsOf[id] = map[int32]bool{}
					}
					intentsOf[id][int32(i)] = true
				}
			}
		}
	}
	n := float64(len(intents))
	x.idf = make([]float64, len(x.words))
	x.unknown = unknownFactor * math.Log(1+n)
	x.common = commonFactor * math.Log(2)
	for id := range x.words {
		x.idf[id] = math.Log(1 + n/float64(len(intentsOf[int32(id)])))
		if commonWords[x.words[id]] {
			x.idf[id] = min(x.idf[id], x.common)
		}
	}
	for id, exs := range x.postings {
		for _, e := range exs {
			x.examples[e].weight += x.idf[id]
		}
	}
	for id, w := range x.words {
		for u := range textnorm.Unprefixed(w) {
			x.unprefixed[u] = appendOnce(x.unprefixed[u], int32(id))
		}
		if x.runes[id] >= 4 {
			for d := range deletions(w, x.runes[id] >= 8) {
				x.deletions[d] = appendOnce(x.deletions[d], int32(id))
			}
		}
	}
	x.intentsOf = make([][]int32, len(x.words))
	for id := range x.words {
		x.intentsOf[id] = slices.Sorted(maps.Keys(intentsOf[int32(id)]))
	}
	n32 := len(intents)
	x.scratch.New = func() any {
		return &scores{acc: make([]float64, len(x.examples)), wordValue: make([]float64, len(x.words)),
			intentFound: make([]float64, n32), intentWord: make([]float64, n32), intentStamp: make([]int32, n32)}
	}
	return x
}

func (x *index) add(w string) int32 {
	if id, ok := x.vocab[w]; ok {
		return id
	}
	id := int32(len(x.words))
	x.vocab[w] = id
	x.words = append(x.words, w)
	x.runes = append(x.runes, utf8.RuneCountInString(w))
	x.postings = append(x.postings, nil)
	return id
}

// match returns the best intent for text (-1 if no example shares a word)
// and its score. language is the customer's language.
//
// An example scores by how much of it the message covers (its words'
// weight found in the message, over its own weight), times the square
// root of how much of the message the example's intent explains (the
// message words found in any of the intent's examples, over the weight of
// the whole message). The first keeps a message from matching an example
// it merely shares a word with; the second lets "do you deliver to
// Germany" match "do you ship to Germany" of an intent that also says
// "deliver" elsewhere, and lowers the score of long messages about
// something else.
func (x *index) match(text, language string) (int, float64) {
	s := x.scratch.Get().(*scores)
	defer x.scratch.Put(s)
	s.words = distinct(textnorm.AppendTokens(s.words[:0], text))
	var total float64 // weight of the whole message
	for i, w := range s.words {
		s.hits = x.resolve(s.hits[:0], w)
		if len(s.hits) == 0 {
			total += x.unknownWeight(w)
			continue
		}
		// The word weighs what the vocabulary word it is weighs, or, when
		// it is not one, the lightest word it may stand for: a typo close
		// to both "order" and "over" should not weigh as the rarer one.
		weight := x.idf[s.hits[0].word]
		for _, h := range s.hits {
			if h.factor == 1 {
				weight = x.idf[h.word]
				break
			}
			weight = min(weight, x.idf[h.word])
		}
		total += weight
		stamp := int32(i + 1)
		for _, h := range s.hits {
			// A word adds at most its own weight: "רוצה" (want) found in
			// "מרוצה" (satisfied) does not weigh as the rarer word.
			v := h.factor * min(x.idf[h.word], weight)
			if s.wordValue[h.word] == 0 {
				s.wordsFound = append(s.wordsFound, h.word)
			}
			s.wordValue[h.word] = max(s.wordValue[h.word], v)
			// Per intent, the word counts once, at its best.
			for _, in := range x.intentsOf[h.word] {
				if s.intentStamp[in] != stamp {
					s.intentStamp[in] = stamp
					s.intentWord[in] = 0
					s.intentsFound = append(s.intentsFound, in)
				}
				if v > s.intentWord[in] {
					s.intentFound[in] += v - s.intentWord[in]
					s.intentWord[in] = v
				}
			}
		}
	}
	for _, id := range s.wordsFound {
		v := s.wordValue[id]
		s.wordValue[id] = 0
		for _, e := range x.postings[id] {
			if s.acc[e] == 0 {
				s.touched = append(s.touched, e)
			}
			s.acc[e] += v
		}
	}
	preferOwn := x.languages[language]
	best, bestScore := -1, 0.0
	for _, e := range s.touched {
		ex := &x.examples[e]
		found := s.acc[e]
		s.acc[e] = 0
		score := found / ex.weight * math.Sqrt(min(s.intentFound[ex.intent]/total, 1))
		if preferOwn && ex.language != language {
			score *= otherLanguage
		}
		if score > bestScore || score == bestScore && int(ex.intent) < best {
			best, bestScore = int(ex.intent), score
		}
	}
	for _, in := range s.intentsFound {
		s.intentFound[in], s.intentStamp[in], s.intentWord[in] = 0, 0, 0
	}
	s.touched, s.wordsFound, s.intentsFound = s.touched[:0], s.wordsFound[:0], s.intentsFound[:0]
	return best, min(bestScore, 1)
}

// resolve appends the vocabulary words that message word w stands for:
// itself and the words that differ from it by a Hebrew or Arabic prefix
// or a last letter; failing those, the words one or two typos away.
func (x *index) resolve(hits []hit, w string) []hit {
	n := len(hits)
	if id, ok := x.vocab[w]; ok {
		hits = x.endings(append(hits, hit{id, 1}), w)
	}
	hits = x.prefixed(hits, w)
	if len(hits) > n {
		return hits
	}
	return x.typos(hits, w)
}

// prefixed appends the vocabulary words that are w with another Hebrew or
// Arabic prefix, or none: "במשלוח" finds "משלוח" and "המשלוח".
func (x *index) prefixed(hits []hit, w string) []hit {
	for _, id := range x.unprefixed[w] {
		hits = append(hits, hit{id, prefixFactor})
	}
	for u := range textnorm.Unprefixed(w) {
		if id, ok := x.vocab[u]; ok {
			hits = append(hits, hit{id, prefixFactor})
		}
		for _, id := range x.unprefixed[u] {
			if x.words[id] != w {
				hits = append(hits, hit{id, prefixFactor})
			}
		}
	}
	return hits
}

// endings appends the vocabulary words that differ from the known word w
// only at the end: one rune less, or one more (two for words of eight
// runes or more), such as "cost" and "costs" or "bestelling" and
// "bestellingen". A singular in the message still finds the plural of an
// example, at the weight of a typo.
func (x *index) endings(hits []hit, w string) []hit {
	if utf8.RuneCountInString(w) < 4 {
		return hits
	}
	for _, id := range x.deletions[w] {
		if v := x.words[id]; len(v) > len(w) && v[:len(w)] == w {
			hits = append(hits, hit{id, typo1Factor})
		}
	}
	_, size := utf8.DecodeLastRuneInString(w)
	if id, ok := x.vocab[w[:len(w)-size]]; ok {
		hits = append(hits, hit{id, typo1Factor})
	}
	return hits
}

// typos appends the vocabulary words closest to w within the edit
// distance the known word allows: 1 for words of four runes or more, 2
// for words of eight or more. Candidates come from the deletion index:
// w itself and w with each rune deleted are looked up, a few map reads
// per rune, which finds any single typo (a rune missing, extra, wrong or
// swapped with its neighbour) and, in long words, two missing runes or a
// missing and a wrong one. Every candidate is checked with the real
// distance.
func (x *index) typos(hits []hit, w string) []hit {
	r := utf8.RuneCountInString(w)
	if r < 4 || r > maxTypoRunes {
		return hits
	}
	var cands [16]int32
	found := appendNew(cands[:0], x.deletions[w]) // w lacks a rune or two
	var buf [4 * maxTypoRunes]byte
	for i, c := range w {
		d := deleteAt(buf[:0], w, i, utf8.RuneLen(c))
		if id, ok := x.vocab[string(d)]; ok { // w has a rune too many
			found = appendNew(found, []int32{id})
		}
		found = appendNew(found, x.deletions[string(d)]) // a rune replaced or swapped
	}
	bestDist := 3
	n := len(hits)
	for _, id := range found {
		limit := 1
		if x.runes[id] >= 8 {
			limit = 2
		}
		if x.runes[id] < 4 {
			continue
		}
		d := osaDistance(w, x.words[id], limit)
		switch {
		case d > limit || d > bestDist:
		case d < bestDist:
			bestDist = d
			hits = append(hits[:n], hit{id, typoFactor(d)})
		default:
			hits = append(hits, hit{id, typoFactor(d)})
		}
	}
	return hits
}

func typoFactor(d int) float64 {
	if d <= 1 {
		return typo1Factor
	}
	return typo2Factor
}

// unknownWeight is the weight of a message word found nowhere: function
// words, numbers and one- or two-letter words say little about the topic.
func (x *index) unknownWeight(w string) float64 {
	digits := true
	for _, r := range w {
		if !unicode.IsDigit(r) {
			digits = false
			break
		}
	}
	switch {
	case commonWords[w]:
		return x.common
	case digits:
		return 0.1 * x.unknown
	case utf8.RuneCountInString(w) <= 2:
		return 0.3 * x.unknown
	}
	return x.unknown
}

func distinct(words []string) []string {
	out := words[:0]
	for _, w := range words {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// appendNew appends the ids not yet in dst.
func appendNew(dst, ids []int32) []int32 {
	for _, id := range ids {
		if !slices.Contains(dst, id) {
			dst = append(dst, id)
		}
	}
	return dst
}

func appendOnce(ids []int32, id int32) []int32 {
	if slices.Contains(ids, id) {
		return ids
	}
	return append(ids, id)
}
