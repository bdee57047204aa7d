package meta_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"

	"github.com/batonhq/baton/internal/meta"
)

func keys() *meta.Keys {
	var k meta.Keys
	k.Add("token-a", "secret-1")
	k.Add("token-b", "secret-2")
	k.Add("token-c", "secret-1") // a second account of the first app
	return &k
}

func TestHandshake(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  bool
	}{
		{"first token", "hub.mode=subscribe&hub.verify_token=token-a&hub.challenge=42", true},
		{"last token", "hub.mode=subscribe&hub.verify_token=token-c&hub.challenge=42", true},
		{"no challenge", "hub.mode=subscribe&hub.verify_token=token-b", true},
		{"unknown token", "hub.mode=subscribe&hub.verify_token=token-x&hub.challenge=42", false},
		{"token prefix", "hub.mode=subscribe&hub.verify_token=token&hub.challenge=42", false},
		{"empty token", "hub.mode=subscribe&hub.verify_token=&hub.challenge=42", false},
		{"no token", "hub.mode=subscribe&hub.challenge=42", false},
		{"other mode", "hub.mode=unsubscribe&hub.verify_token=token-a&hub.challenge=42", false},
		{"no mode", "hub.verify_token=token-a&hub.challenge=42", false},
	}
	k := keys()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			challenge, ok := k.Handshake(q)
			if ok != tt.want || challenge != q.Get("hub.challenge") {
				t.Errorf("Handshake = %q, %v; want %q, %v", challenge, ok, q.Get("hub.challenge"), tt.want)
			}
		})
	}
	var none meta.Keys
	if _, ok := none.Handshake(url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"token-a"}}); ok {
		t.Error("Keys without tokens took a handshake")
	}
}

func TestAnswer(t *testing.T) {
	w := httptest.NewRecorder()
	meta.Answer(w, "1158201444")
	if w.Code != 200 || w.Body.String() != "1158201444" ||
		w.Header().Get("Content-Type") != "text/plain; charset=utf-8" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("Answer wrote %d %v %q", w.Code, w.Header(), w.Body)
	}
}

func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func TestSigners(t *testing.T) {
	body := []byte(`{"object":"page","entry":[]}`)
	good := sign("secret-2", body)
	tests := []struct {
		name   string
		header string
		want   []string
	}{
		{"first secret", sign("secret-1", body), []string{"secret-1"}},
		{"second secret", good, []string{"secret-2"}},
		{"upper-case hex", "sha256=" + upper(good[len("sha256="):]), []string{"secret-2"}},
		{"unknown secret", sign("secret-3", body), nil},
		{"other body", sign("secret-1", append(body, ' ')), nil},
		{"empty", "", nil},
		{"no prefix", good[len("sha256="):], nil},
		{"sha1 prefix", "sha1=" + good[len("sha256="):], nil},
		{"not hex", "sha256=zz" + good[len("sha256=zz"):], nil},
		{"short", good[:len(good)-2], nil},
		{"long", good + "00", nil},
	}
	k := keys()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := k.Signers(tt.header, body)
			if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, tt.want) {
				t.Errorf("Signers = %v, want %v", keys, tt.want)
			}
		})
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func TestServe(t *testing.T) {
	tests := []struct {
		method string
		status int
		body   string
		allow  string
	}{
		{"GET", 200, "handshake", ""},
		{"POST", 200, "receive", ""},
		{"PUT", 405, "method not allowed\n", "GET, POST"},
		{"DELETE", 405, "method not allowed\n", "GET, POST"},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			w := httptest.NewRecorder()
			meta.Serve(w, httptest.NewRequest(tt.method, "/webhook", nil),
				func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "handshake") },
				func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "receive") })
			if w.Code != tt.status || w.Body.String() != tt.body || w.Header().Get("Allow") != tt.allow {
				t.Errorf("got %d %q, Allow %q; want %d %q, Allow %q", w.Code, w.Body, w.Header().Get("Allow"), tt.status, tt.body, tt.allow)
			}
		})
	}
}
