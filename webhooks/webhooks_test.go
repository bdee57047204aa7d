package webhooks_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/signature"
	"github.com/batonhq/baton/webhooks"
)

func post(t *testing.T, h http.HandlerFunc, url string) (int, error, *http.Request, []byte) {
	t.Helper()
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ = io.ReadAll(r.Body)
		h(w, r)
	}))
	defer srv.Close()
	if url == "" {
		url = srv.URL + "/hooks/baton?key=receiver-secret"
	}
	s := &baton.Subscription{ID: "wh_1", URL: url, Secret: "0123456789abcdef"}
	d := &baton.HookDelivery{ID: 42, EventType: baton.HookTicketCreated}
	code, err := webhooks.New(nil).Post(context.Background(), s, d, []byte(`{"id":"evt_1","type":"ticket.created"}`))
	return code, err, got, body
}

func TestPostIsSigned(t *testing.T) {
	code, err, r, body := post(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) }, "")
	if err != nil || code != http.StatusAccepted {
		t.Fatalf("%d %v", code, err)
	}
	if r.Method != "POST" || r.Header.Get("Content-Type") != "application/json" || r.Header.Get(webhooks.EventHeader) != "ticket.created" ||
		r.Header.Get(webhooks.DeliveryHeader) != "42" || !strings.HasPrefix(r.Header.Get("User-Agent"), "Baton") {
		t.Fatalf("request %s %v", r.Method, r.Header)
	}
	if err := signature.Verify("0123456789abcdef", r.Header.Get(signature.Header), body, time.Now(), 0); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if err := signature.Verify("another-secret-0000", r.Header.Get(signature.Header), body, time.Now(), 0); err == nil {
		t.Fatal("verified with the wrong secret")
	}
}

func TestPostOutcomes(t *testing.T) {
	for name, tc := range map[string]struct {
		status     int
		header     string
		retry      bool
		retryAfter time.Duration
	}{
		"500":                {status: 500, retry: true},
		"404 while deploy":   {status: 404, retry: true},
		"429 retry-after":    {status: 429, header: "120", retry: true, retryAfter: 2 * time.Minute},
		"503 date":           {status: 503, header: time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), retry: true, retryAfter: time.Hour},
		"410 gone":           {status: 410, retry: false},
		"302 not followed":   {status: 302, header: "", retry: false},
		"retry-after capped": {status: 503, header: "86400", retry: true, retryAfter: 6 * time.Hour},
	} {
		t.Run(name, func(t *testing.T) {
			code, err, _, _ := post(t, func(w http.ResponseWriter, r *http.Request) {
				if tc.status == 302 {
					w.Header().Set("Location", "http://169.254.169.254/")
				} else if tc.header != "" {
					w.Header().Set("Retry-After", tc.header)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, "nope")
			}, "")
			var se *baton.SendError
			if !errors.As(err, &se) || code != tc.status || se.Retry != tc.retry {
				t.Fatalf("%d %#v", code, err)
			}
			if d := se.RetryAfter - tc.retryAfter; d < -5*time.Second || d > 5*time.Second {
				t.Fatalf("retry after %v, want %v", se.RetryAfter, tc.retryAfter)
			}
			if strings.Contains(se.Reason, "receiver-secret") {
				t.Fatalf("reason shows the URL: %s", se.Reason)
			}
		})
	}
}

func TestUnreachableReceiverIsRetriedWithoutItsURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/hook?token=receiver-secret"
	srv.Close()
	s := &baton.Subscription{ID: "wh_1", URL: url, Secret: "0123456789abcdef"}
	code, err := webhooks.New(nil).Post(context.Background(), s, &baton.HookDelivery{ID: 1}, []byte(`{}`))
	var se *baton.SendError
	if !errors.As(err, &se) || !se.Retry || code != 0 || strings.Contains(se.Reason, "receiver-secret") {
		t.Fatalf("%d %#v", code, err)
	}
}
