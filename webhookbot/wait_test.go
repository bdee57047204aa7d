package webhookbot

import (
	"testing"
	"time"
)

func TestWait(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header  string
		attempt int
		want    time.Duration
	}{
		{"", 1, 100 * time.Millisecond},
		{"", 3, 300 * time.Millisecond},
		{"0", 1, 0},
		{"1", 2, time.Second},
		{"3600", 1, maxRetryAfter},
		{"-5", 1, 100 * time.Millisecond},
		{"soon", 2, 200 * time.Millisecond},
		{"Sun, 01 Mar 2026 12:00:01 GMT", 1, time.Second},
		{"Sun, 01 Mar 2026 11:00:00 GMT", 1, 0},
		{"Mon, 02 Mar 2026 12:00:00 GMT", 1, maxRetryAfter},
	}
	for _, tt := range tests {
		f := &failure{retryAfter: retryAfter(tt.header, now)}
		if got := f.wait(tt.attempt); got != tt.want {
			t.Errorf("Retry-After %q, attempt %d: wait %s, want %s", tt.header, tt.attempt, got, tt.want)
		}
	}
}

func TestBudget(t *testing.T) {
	tests := []struct {
		timeout time.Duration
		retries int
		want    time.Duration
	}{
		{0, 0, 2*DefaultTimeout + maxRetryAfter},
		{time.Second, -1, time.Second},
		{time.Second, 3, 4*time.Second + 3*maxRetryAfter},
	}
	for _, tt := range tests {
		b, err := New(Config{Format: FormatRasa, URL: "http://127.0.0.1:5005/webhooks/rest/webhook", Timeout: tt.timeout, Retries: tt.retries}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.Budget(); got != tt.want {
			t.Errorf("timeout %s, retries %d: budget %s, want %s", tt.timeout, tt.retries, got, tt.want)
		}
	}
}
