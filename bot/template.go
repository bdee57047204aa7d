package bot

import (
	"net/url"
	"strings"
)

// template is an answer with {slot} placeholders, parsed once.
type template []segment

// segment is literal text followed by an optional placeholder.
type segment struct {
	text   string
	key    string
	escape func(string) string // for a placeholder inside a link
}

// isKeyByte reports whether c may appear in a placeholder's name.
func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// placeholders returns the slot names text uses, in order.
func placeholders(text string) []string {
	var keys []string
	for _, s := range parseTemplate(text) {
		if s.key != "" {
			keys = append(keys, s.key)
		}
	}
	return keys
}

// parseTemplate splits text at its placeholders: a name of letters,
// digits and underscores in braces. Other braces are text. A placeholder
// inside a link (a word starting with http:// or https://) is escaped for
// its place in the link, so any value keeps the link working.
func parseTemplate(text string) template {
	var t template
	start := 0
	for i := 0; i < len(text); i++ {
		if text[i] != '{' {
			continue
		}
		j := i + 1
		for j < len(text) && isKeyByte(text[j]) {
			j++
		}
		if j == i+1 || j == len(text) || text[j] != '}' {
			continue
		}
		t = append(t, segment{text: text[start:i], key: text[i+1 : j], escape: escaperAt(text, i)})
		start = j + 1
		i = j
	}
	if start < len(text) || len(t) == 0 {
		t = append(t, segment{text: text[start:]})
	}
	return t
}

// escaperAt returns how a value placed at offset i of text must be
// escaped: nil outside a link, path or query escaping inside one.
func escaperAt(text string, i int) func(string) string {
	word := text[strings.LastIndexAny(text[:i], " \t\n")+1 : i]
	if !strings.HasPrefix(word, "http://") && !strings.HasPrefix(word, "https://") {
		return nil
	}
	if strings.ContainsAny(word, "?#") {
		return url.QueryEscape
	}
	return url.PathEscape
}

// render fills the placeholders from values; a missing value leaves the
// placeholder's place empty.
func (t template) render(values func(string) string) string {
	if len(t) == 1 && t[0].key == "" {
		return t[0].text
	}
	var b strings.Builder
	for _, s := range t {
		b.WriteString(s.text)
		if s.key == "" {
			continue
		}
		v := values(s.key)
		if s.escape != nil {
			v = s.escape(v)
		}
		b.WriteString(v)
	}
	return b.String()
}
