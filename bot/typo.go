package bot

import (
	"iter"
	"unicode/utf8"
)

// maxTypoRunes is the longest word checked for typos.
const maxTypoRunes = 32

// deleteAt appends w without the rune of size bytes at byte offset i.
func deleteAt(dst []byte, w string, i, size int) []byte {
	dst = append(dst, w[:i]...)
	return append(dst, w[i+size:]...)
}

// deletions yields w with one rune deleted, at each position, and, when
// two is set, with two runes deleted. Duplicates are possible.
func deletions(w string, two bool) iter.Seq[string] {
	return func(yield func(string) bool) {
		for i, c := range w {
			d := string(deleteAt(nil, w, i, utf8.RuneLen(c)))
			if !yield(d) {
				return
			}
			if !two {
				continue
			}
			for j, c2 := range d {
				if j < i { // each pair once: the second deletion after the first
					continue
				}
				if !yield(string(deleteAt(nil, d, j, utf8.RuneLen(c2)))) {
					return
				}
			}
		}
	}
}

// osaDistance is the Damerau–Levenshtein distance between a and b in the
// optimal string alignment form (insertions, deletions, substitutions and
// swaps of neighbours, each costing 1), or limit+1 when it is over limit.
func osaDistance(a, b string, limit int) int {
	var ra, rb [maxTypoRunes + 1]rune
	s, t := appendRunes(ra[:0], a), appendRunes(rb[:0], b)
	if len(s) > maxTypoRunes || len(t) > maxTypoRunes {
		return limit + 1
	}
	if d := len(s) - len(t); d > limit || -d > limit {
		return limit + 1
	}
	// Three rows of the dynamic programme: two back, one back, current.
	var rows [3][maxTypoRunes + 1]int
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := range len(t) + 1 {
		prev[j] = j
	}
	for i := 1; i <= len(s); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(t)], limit+1)
}

// appendRunes appends the runes of s, stopping one past the limit.
func appendRunes(dst []rune, s string) []rune {
	for _, r := range s {
		if len(dst) == cap(dst) {
			break
		}
		dst = append(dst, r)
	}
	return dst
}
