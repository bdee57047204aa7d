package api

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton"
)

// RateLimit bounds how often one client may call the public endpoint
// (creating a conversation), so nobody can fill the database anonymously.
// The zero value allows everything.
type RateLimit struct {
	PerMinute float64 // sustained requests per minute per client; 0 disables the limit
	Burst     int     // requests allowed at once
	// TrustedProxies are the reverse proxies in front of Baton: for a request
	// from one of them, the client is the last address in X-Forwarded-For
	// that is not a trusted proxy.
	TrustedProxies []netip.Prefix
}

// limiter is a token bucket per client address.
type limiter struct {
	cfg     RateLimit
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the limiter's memory; past it, full (idle) buckets go.
const maxBuckets = 100_000

func newLimiter(cfg RateLimit, now func() time.Time) *limiter {
	if now == nil {
		now = time.Now
	}
	return &limiter{cfg: cfg, now: now, buckets: map[string]*bucket{}}
}

// allow takes a token for key, or says how long until there is one.
func (l *limiter) allow(key string) (bool, time.Duration) {
	if l == nil || l.cfg.PerMinute <= 0 {
		return true, 0
	}
	perSecond := l.cfg.PerMinute / 60
	burst := float64(max(l.cfg.Burst, 1))
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.prune(now, perSecond, burst)
		}
		b = &bucket{tokens: burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(burst, b.tokens+now.Sub(b.at).Seconds()*perSecond)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / perSecond * float64(time.Second))
	return false, wait
}

// prune drops the buckets that have refilled: their clients are idle.
func (l *limiter) prune(now time.Time, perSecond, burst float64) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*perSecond >= burst {
			delete(l.buckets, k)
		}
	}
}

// clientAddr is the address a request comes from, looking through the
// trusted proxies' X-Forwarded-For.
func (l *limiter) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !l.trusted(addr) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !l.trusted(hop) {
			return hop.String()
		}
	}
	return host
}

func (l *limiter) trusted(a netip.Addr) bool {
	for _, p := range l.cfg.TrustedProxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// limit refuses a request over its client's rate with 429 and Retry-After.
func (s *Server) limit(w http.ResponseWriter, r *http.Request) error {
	ok, wait := s.limiter.allow(s.limiter.clientAddr(r))
	if ok {
		return nil
	}
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return baton.Errorf(baton.ERATELIMITED, "too many new conversations from your address; retry in %d s", secs)
}
