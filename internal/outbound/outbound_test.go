package outbound_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/internal/outbound"
)

const token = "tok-SECRET-0123456789"

// fakeAPI answers every request with answer and records the last one.
func fakeAPI(t *testing.T, answer http.HandlerFunc) (*httptest.Server, *outbound.API, *[]*http.Request) {
	t.Helper()
	var got []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		got = append(got, r)
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	api := &outbound.API{Name: "Acme", Client: outbound.NewClient(5 * time.Second), MaxAnswer: 1 << 10,
		Header: http.Header{"Authorization": {"Bearer " + token}}}
	api.Secrets.Hide("[token]", token)
	return srv, api, &got
}

func sendError(t *testing.T, err error) *baton.SendError {
	t.Helper()
	var se *baton.SendError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T), want a *baton.SendError", err, err)
	}
	return se
}

func TestCall(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	refused := func(api *outbound.API) func(*outbound.Answer) *baton.SendError {
		return func(a *outbound.Answer) *baton.SendError {
			return api.Refusal(a, outbound.Retryable(a.Code), string(a.Body), func() time.Time { return now })
		}
	}
	tests := []struct {
		name       string
		answer     http.HandlerFunc
		body       string // the success's body, when no error
		retry      bool
		retryAfter time.Duration
		reason     string // the whole reason, when an error
	}{
		{"success", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, `{"id": 1}`) }, `{"id": 1}`, false, 0, ""},
		{"rate limited", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, "slow\r\ndown")
		}, "", true, 30 * time.Second, "Acme answered 429 Too Many Requests: slow down"},
		{"refused", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "30") // read only for a retry
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, "bad token "+token)
		}, "", false, 0, "Acme answered 401 Unauthorized: bad token [token]"},
		{"refused without words", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadGateway) },
			"", true, 0, "Acme answered 502 Bad Gateway"},
		{"a long answer", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, strings.Repeat("é", 400))
		}, "", false, 0, "Acme answered 400 Bad Request: " + strings.Repeat("é", outbound.MaxReason-1) + "…"},
		{"a redirect is not followed", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}, "", false, 0, "Acme answered 302 Found"},
		{"a success cut off", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, `{"id":`)
		}, "", true, 0, "Acme's answer was cut off: unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api, got := fakeAPI(t, tt.answer)
			body, err := api.Call(t.Context(), http.MethodPost, srv.URL+"/tickets", map[string]string{"text": "<b>&</b>"}, refused(api))
			if len(*got) != 1 {
				t.Fatalf("%d requests, want 1", len(*got))
			}
			if tt.reason == "" {
				if err != nil || string(body) != tt.body {
					t.Fatalf("body %q, error %v; want %q", body, err, tt.body)
				}
				return
			}
			se := sendError(t, err)
			if se.Retry != tt.retry || se.RetryAfter != tt.retryAfter || se.Reason != tt.reason {
				t.Errorf("Retry %v, RetryAfter %v, reason %q;\nwant %v, %v, %q", se.Retry, se.RetryAfter, se.Reason, tt.retry, tt.retryAfter, tt.reason)
			}
		})
	}
}

func TestCallRequest(t *testing.T) {
	srv, api, got := fakeAPI(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	api.Header.Set("Accept", "application/json")
	if _, err := api.Call(t.Context(), http.MethodPut, srv.URL+"/tickets/1", map[string]string{"text": "<b>&</b>"}, nil); err != nil {
		t.Fatal(err)
	}
	r := (*got)[0]
	want := map[string]string{"Content-Type": "application/json", "Accept": "application/json",
		"User-Agent": "Baton", "Authorization": "Bearer " + token}
	for k, v := range want {
		if r.Header.Get(k) != v {
			t.Errorf("%s %q, want %q", k, r.Header.Get(k), v)
		}
	}
	if r.Method != http.MethodPut || r.URL.Path != "/tickets/1" {
		t.Errorf("%s %s, want PUT /tickets/1", r.Method, r.URL.Path)
	}
	// People read the body in a helpdesk: "<" and "&" go as written.
	if body, _ := io.ReadAll(r.Body); string(body) != `{"text":"<b>&</b>"}`+"\n" {
		t.Errorf("body %q", body)
	}
	// A request's headers are its own: the API's stay as they were.
	if len(api.Header) != 2 {
		t.Errorf("the API's headers changed: %v", api.Header)
	}
}

// webhook is a webhook at url, named Acme in errors.
func webhook(t *testing.T, url string, client *http.Client) *outbound.Webhook {
	t.Helper()
	w, err := outbound.NewWebhook("Acme", url, client)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestWebhookPost(t *testing.T) {
	srv, _, got := fakeAPI(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "invalid_payload")
	})
	ans, err := webhook(t, srv.URL+"/hook", nil).Post(t.Context(), []byte(`{"text":"hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	if ans.OK() || ans.Code != 400 || ans.Status != "400 Bad Request" || string(ans.Body) != "invalid_payload" {
		t.Errorf("answer %d %q %q", ans.Code, ans.Status, ans.Body)
	}
	r := (*got)[0]
	if r.Method != http.MethodPost || r.URL.Path != "/hook" || r.Header.Get("Content-Type") != "application/json" ||
		r.Header.Get("User-Agent") != "Baton" || r.Header.Get("Accept") != "" {
		t.Errorf("request %s %s %v", r.Method, r.URL, r.Header)
	}
	if body, _ := io.ReadAll(r.Body); string(body) != `{"text":"hi"}` {
		t.Errorf("body %q", body)
	}

	// An answer cut off, whatever its status, may be retried.
	srv, _, _ = fakeAPI(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "invalid_")
	})
	_, err = webhook(t, srv.URL+"/hook", nil).Post(t.Context(), nil)
	if se := sendError(t, err); !se.Retry || se.Reason != "Acme's answer was cut off: unexpected EOF" {
		t.Errorf("a cut-off answer: %v, want a retry", se)
	}
}

func TestRefusalRetryAfterDate(t *testing.T) {
	api := &outbound.API{Name: "Acme"}
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	a := &outbound.Answer{Code: 503, Status: "503 Service Unavailable",
		Header: http.Header{"Retry-After": {"Thu, 01 Jan 2026 12:01:30 GMT"}}}
	if se := api.Refusal(a, true, "", func() time.Time { return now }); se.RetryAfter != 90*time.Second {
		t.Errorf("RetryAfter %v by the adapter's clock, want 1m30s", se.RetryAfter)
	}
	a.Header.Set("Retry-After", "99999999999999")
	if se := api.Refusal(a, true, "", nil); se.RetryAfter != outbound.MaxRetryAfter {
		t.Errorf("RetryAfter %v, want it capped at %v", se.RetryAfter, outbound.MaxRetryAfter)
	}
	a.Header.Set("Retry-After", "Thu, 01 Jan 2026 12:01:30 GMT")
	// Without a clock, the date is read by time.Now: long past.
	if se := api.Refusal(a, true, "", nil); se.RetryAfter != 0 || se.Reason != "Acme answered 503 Service Unavailable" {
		t.Errorf("RetryAfter %v, reason %q; want 0 for a date in the past", se.RetryAfter, se.Reason)
	}
}

func TestNewBasicAPI(t *testing.T) {
	srv, _, got := fakeAPI(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "bad credentials "+r0Auth)
	})
	api := outbound.NewBasicAPI("Acme", "agent@acme.example/token", token, nil)
	if api.Client.Timeout != 30*time.Second {
		t.Errorf("the default client's timeout is %v", api.Client.Timeout)
	}
	_, err := api.Call(t.Context(), http.MethodGet, srv.URL, nil, func(a *outbound.Answer) *baton.SendError {
		return api.Refusal(a, false, string(a.Body), nil)
	})
	r := (*got)[0]
	if user, pass, ok := r.BasicAuth(); !ok || user != "agent@acme.example/token" || pass != token {
		t.Errorf("Basic credentials %q %q %v", user, pass, ok)
	}
	if r.Header.Get("Accept") != "application/json" {
		t.Errorf("Accept %q", r.Header.Get("Accept"))
	}
	if se := sendError(t, err); se.Reason != "Acme answered 401 Unauthorized: bad credentials Basic [credentials]" {
		t.Errorf("reason %q, want the echoed credentials hidden", se.Reason)
	}
}

// r0Auth is the Authorization NewBasicAPI sends in TestNewBasicAPI.
var r0Auth = "Basic " + base64.StdEncoding.EncodeToString([]byte("agent@acme.example/token:"+token))

func TestNewWebhook(t *testing.T) {
	srv, _, got := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "no hook at "+r.URL.String()+" nor "+r.URL.Query().Get("sig"))
	})
	raw := srv.URL + "/hooks/" + token + "?api-version=1&sig=SIG-" + token[:6]
	hook, err := outbound.NewWebhook("the Acme webhook", " "+raw+"\n", nil, "sig")
	if err != nil {
		t.Fatal(err)
	}
	if hook.Client.Timeout != 15*time.Second || hook.MaxAnswer != 64<<10 {
		t.Errorf("a default client with a timeout of %v, answers up to %d bytes", hook.Client.Timeout, hook.MaxAnswer)
	}
	ans, err := hook.Post(t.Context(), []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if r := (*got)[0]; r.URL.Path != "/hooks/"+token || r.URL.Query().Get("sig") != "SIG-"+token[:6] {
		t.Errorf("posted to %s", r.URL)
	}
	se := hook.Refusal(ans, false, string(ans.Body), nil)
	if se.Reason != "the Acme webhook answered 404 Not Found: no hook at [the Acme webhook]?[the Acme webhook] nor [the Acme webhook]" {
		t.Errorf("reason %q, want the address and the signature hidden", se.Reason)
	}

	for raw, want := range map[string]error{
		"":                                 outbound.ErrNoURL,
		" \n":                              outbound.ErrNoURL,
		"hooks.example.com/" + token:       outbound.ErrBadURL,
		"ftp://hooks.example.com/" + token: outbound.ErrBadURL,
		"https://u:p@hooks.example.com/x":  outbound.ErrBadURL,
		"https://hooks.example.com/x#frag": outbound.ErrBadURL,
		"https://hooks.example.com/%zz":    outbound.ErrBadURL,
	} {
		if _, err := outbound.NewWebhook("the Acme webhook", raw, nil); !errors.Is(err, want) || strings.Contains(err.Error(), token) {
			t.Errorf("NewWebhook(%q): %v, want %v", raw, err, want)
		}
	}
}

func TestSendFailures(t *testing.T) {
	secretURL := func(srv *httptest.Server) string { return srv.URL + "/hooks/" + token }
	check := func(t *testing.T, err error, reason string) {
		t.Helper()
		se := sendError(t, err)
		if !se.Retry || se.Reason != reason {
			t.Errorf("Retry %v, reason %q; want a retry, %q", se.Retry, se.Reason, reason)
		}
	}
	t.Run("refused", func(t *testing.T) {
		srv, _, _ := fakeAPI(t, func(http.ResponseWriter, *http.Request) {})
		hook := webhook(t, secretURL(srv), nil)
		srv.Close()
		_, err := hook.Post(t.Context(), nil)
		se := sendError(t, err)
		if !se.Retry || !strings.HasPrefix(se.Reason, "Acme did not answer: ") || strings.Contains(se.Reason, token) {
			t.Errorf("reason %q, want a retry without the URL", se.Reason)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		srv, _, _ := fakeAPI(t, func(http.ResponseWriter, *http.Request) { <-release })
		defer close(release)
		_, err := webhook(t, secretURL(srv), outbound.NewClient(50*time.Millisecond)).Post(t.Context(), nil)
		check(t, err, "Acme did not answer: timed out")
	})
	t.Run("canceled", func(t *testing.T) {
		srv, _, _ := fakeAPI(t, func(http.ResponseWriter, *http.Request) {})
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := webhook(t, secretURL(srv), nil).Post(ctx, nil)
		check(t, err, "Acme did not answer: canceled")
	})
	t.Run("unusable URL", func(t *testing.T) {
		_, api, _ := fakeAPI(t, func(http.ResponseWriter, *http.Request) {})
		_, err := api.NewRequest(t.Context(), http.MethodPost, "http://[::1/"+token, nil)
		if se := sendError(t, err); se.Retry || !strings.HasPrefix(se.Reason, "cannot build the request to Acme: ") || strings.Contains(se.Reason, token) {
			t.Errorf("Retry %v, reason %q; want final, without the token", se.Retry, se.Reason)
		}
	})
}

// timeoutError is a network timeout deep in an error chain.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func TestCause(t *testing.T) {
	wrap := func(err error) error {
		return &url.Error{Op: "Post", URL: "https://hooks.example/" + token, Err: err}
	}
	tests := []struct {
		err  error
		want string
	}{
		{wrap(context.DeadlineExceeded), outbound.TimedOut},
		{wrap(timeoutError{}), outbound.TimedOut},
		{wrap(fmt.Errorf("dial tcp: %w", timeoutError{})), outbound.TimedOut},
		{wrap(context.Canceled), outbound.Canceled},
		{wrap(errors.New("dial tcp 10.0.0.1:443: connect: connection refused")), "dial tcp 10.0.0.1:443: connect: connection refused"},
		{errors.New("EOF"), "EOF"},
	}
	for _, tt := range tests {
		if got := outbound.Cause(tt.err); got != tt.want {
			t.Errorf("Cause(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestRetryable(t *testing.T) {
	for code, want := range map[int]bool{
		408: true, 429: true, 500: true, 502: true, 503: true, 504: true,
		200: false, 301: false, 400: false, 401: false, 403: false, 404: false, 409: false, 410: false, 422: false,
	} {
		if got := outbound.Retryable(code); got != want {
			t.Errorf("Retryable(%d) = %v, want %v", code, got, want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	const limit = 6 * time.Hour
	tests := map[string]time.Duration{
		"":                              0,
		"120":                           2 * time.Minute,
		" 7 ":                           7 * time.Second,
		"0":                             0,
		"-5":                            0,
		"soon":                          0,
		"99999999999999":                limit,
		"99999999999999999999999":       0, // no number, nor a date
		"Thu, 01 Jan 2026 12:00:45 GMT": 45 * time.Second,
		"Thu, 01 Jan 2026 11:00:00 GMT": 0,
		"Sat, 10 Jan 2026 12:00:00 GMT": limit,
	}
	for v, want := range tests {
		if got := outbound.RetryAfter(v, now, limit); got != want {
			t.Errorf("RetryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestBaseURL(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"https://acme.example.com", "https://acme.example.com", ""},
		{"https://acme.example.com/", "https://acme.example.com", ""},
		{"https://proxy.example.com/acme/", "https://proxy.example.com/acme", ""},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", ""},
		{"http://[::1]:8080/", "http://[::1]:8080", ""},
		{"http://localhost:8080", "http://localhost:8080", ""},
		{"http://acme.example.com", "", "must use https"},
		{"ftp://acme.example.com", "", "not an address such as https://acme.example.com"},
		{"https:///api", "", "not an address"},
		{"https://user:pw@acme.example.com", "", "not an address"},
		{"https://acme.example.com?x=1", "", "not an address"},
		{"https://acme.example.com#x", "", "not an address"},
		{"acme.example.com", "", "not an address"},
	}
	for _, tt := range tests {
		got, err := outbound.BaseURL(tt.in, "https://acme.example.com")
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("BaseURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("BaseURL(%q) error %v, want one about %q", tt.in, err, tt.err)
		}
	}
}

func TestHTTPURL(t *testing.T) {
	for raw, want := range map[string]bool{
		"https://hooks.example.com/T0/" + token: true,
		"http://n8n:5678/webhook/baton":         true,
		"hooks.example.com/T0":                  false,
		"/hooks/T0":                             false,
		"ftp://hooks.example.com/T0":            false,
		"https:///T0":                           false,
		"https://hooks.example.com/%zz":         false,
	} {
		if u, ok := outbound.HTTPURL(raw); ok != want || ok && u.String() != raw {
			t.Errorf("HTTPURL(%q) = %v, %v; want %v", raw, u, ok, want)
		}
	}
}

func TestRedactor(t *testing.T) {
	raw := "https://hooks.example.com/services/" + token + "?sig=SIGabc"
	u, _ := url.Parse(raw)
	var r outbound.Redactor
	r.HideURL("[hook]", raw, u, "SIGabc", "x")
	r.Hide("[key]", "", "key-123")
	tests := map[string]string{
		"no such hook: " + raw:             "no such hook: [hook]",
		"path /services/" + token + " bad": "path [hook] bad",
		"sig SIGabc":                       "sig [hook]",
		"key-123 and x / y":                "[key] and x / y", // one-character parts are no secret
	}
	for in, want := range tests {
		if got := r.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	var zero outbound.Redactor
	if got := zero.Redact(raw); got != raw {
		t.Errorf("the zero Redactor changed %q to %q", raw, got)
	}
}

func TestText(t *testing.T) {
	oneLine := map[string]string{
		"  a\r\n\tb  c ":         "a b c",
		"bad \xff utf-8":         "bad utf-8",
		"nbsp\u00a0and\u0085nel": "nbsp and nel",
		"":                       "",
	}
	for in, want := range oneLine {
		if got := outbound.OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
	truncate := []struct {
		in    string
		limit int
		want  string
	}{
		{"short", 10, "short"},
		{"exactly ten", 11, "exactly ten"},
		{"a few words here", 8, "a few w…"},
		{"a few words here", 7, "a few…"}, // no space before the ellipsis
		{"שלום עולם", 6, "שלום…"},
	}
	for _, tt := range truncate {
		got := outbound.Truncate(tt.in, tt.limit)
		if got != tt.want || utf8.RuneCountInString(got) > tt.limit {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
	plain := map[string]string{
		"Rate limit exceeded\n":         "Rate limit exceeded",
		"<html><body>502</body></html>": "",
		"":                              "",
	}
	for in, want := range plain {
		if got := outbound.PlainMessage([]byte(in)); got != want {
			t.Errorf("PlainMessage(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNumericID(t *testing.T) {
	for s, want := range map[string]bool{
		"1": true, "35436": true, "18446744073709551615": true,
		"": false, "-1": false, "+1": false, "1.5": false, "1e3": false, "../users/1": false, "20/notes": false,
		"18446744073709551616": false, "000000000000000000001": false,
	} {
		if got := outbound.NumericID(s); got != want {
			t.Errorf("NumericID(%q) = %v, want %v", s, got, want)
		}
	}
}
