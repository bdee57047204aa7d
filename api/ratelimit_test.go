package api

import (
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestLimiterBucket(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	l := newLimiter(RateLimit{PerMinute: 60, Burst: 3}, func() time.Time { return now })
	for i := range 3 {
		if ok, _ := l.allow("1.2.3.4"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.allow("1.2.3.4")
	if ok || wait != time.Second {
		t.Fatalf("over the burst: allowed %v, wait %v; want refused, 1s", ok, wait)
	}
	if ok, _ := l.allow("5.6.7.8"); !ok {
		t.Fatal("another client was limited too")
	}
	now = now.Add(time.Second)
	if ok, _ := l.allow("1.2.3.4"); !ok {
		t.Fatal("refused after a token came back")
	}
	if ok, _ := newLimiter(RateLimit{}, nil).allow("x"); !ok {
		t.Fatal("the zero limit refused")
	}
}

func TestLimiterPrunesIdleClients(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	l := newLimiter(RateLimit{PerMinute: 60, Burst: 1}, func() time.Time { return now })
	for i := range maxBuckets {
		l.buckets[netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String()] = &bucket{tokens: 0, at: now}
	}
	now = now.Add(time.Minute) // every one of them has refilled
	l.allow("192.0.2.1")
	if len(l.buckets) != 1 {
		t.Fatalf("%d buckets after pruning, want 1", len(l.buckets))
	}
}

func TestClientAddr(t *testing.T) {
	l := newLimiter(RateLimit{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, nil)
	tests := []struct {
		remote, xff, want string
	}{
		{"192.0.2.7:5000", "", "192.0.2.7"},
		{"192.0.2.7:5000", "203.0.113.9", "192.0.2.7"}, // not a trusted proxy: X-Forwarded-For is ignored
		{"10.0.0.2:5000", "203.0.113.9", "203.0.113.9"},
		{"10.0.0.2:5000", "198.51.100.1, 203.0.113.9, 10.0.0.5", "203.0.113.9"}, // the last hop not ours
		{"10.0.0.2:5000", "", "10.0.0.2"},
		{"10.0.0.2:5000", "garbage", "10.0.0.2"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/api/v1/conversations", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := l.clientAddr(r); got != tt.want {
			t.Errorf("%s via %q: %s, want %s", tt.remote, tt.xff, got, tt.want)
		}
	}
}
