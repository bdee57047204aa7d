package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/password"
)

// The inbox signs agents in with email and password. The browser keeps a
// session token in an HttpOnly cookie, which scripts cannot read; every
// request that changes something must also carry the session's CSRF token
// in a header, which another site cannot learn, so a page elsewhere cannot
// act with the agent's cookie.
const (
	sessionCookie = "baton_session"
	csrfHeader    = "X-CSRF-Token"
)

// csrfToken is derived from the session token, so it needs no storage and
// changes with every sign-in.
func csrfToken(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("baton csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

type sessionView struct {
	Agent     agentView `json:"agent"`
	CSRFToken string    `json:"csrf_token"`
}

type signInRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// signIn checks an agent's email and password and starts a session.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) error {
	if err := sameOrigin(r); err != nil {
		return err
	}
	var req signInRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	email := strings.ToLower(strings.TrimSpace(req.Email))
	if email == "" || req.Password == "" {
		return baton.Errorf(baton.EINVALID, "email and password are required")
	}
	now := time.Now()
	keys := []string{"email:" + email, "addr:" + s.limiter.clientAddr(r)}
	if wait := s.signIns.wait(keys, now); wait > 0 {
		secs := max(1, int(math.Ceil(wait.Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		return baton.Errorf(baton.ERATELIMITED, "too many failed sign-ins; try again in %d s", secs)
	}
	a, err := s.Store.AgentByEmail(r.Context(), email)
	if err != nil && baton.ErrorCode(err) != baton.ENOTFOUND {
		return err
	}
	var hash []byte
	if a != nil {
		hash = a.PasswordHash
	}
	if !password.Matches(hash, req.Password) {
		s.signIns.failed(keys, now)
		s.logger().Info("sign-in failed", "email", email, "addr", keys[1][len("addr:"):])
		return baton.Errorf(baton.EUNAUTHORIZED, "wrong email or password")
	}
	s.signIns.succeeded(keys[0])
	return s.startSession(w, r, a, now)
}

// startSession creates a session for a and sets its cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, a *baton.Agent, now time.Time) error {
	token := baton.NewToken(baton.TokenPrefixSession)
	sess := &baton.Session{TokenHash: baton.HashToken(token), AgentID: a.ID, CreatedAt: now.UTC()}
	sess.ExpiresAt = sess.Extend(now)
	if err := s.Store.CreateSession(r.Context(), sess); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.SecureCookies || r.TLS != nil, SameSite: http.SameSiteLaxMode, MaxAge: int(baton.SessionMaxAge / time.Second)})
	return writeJSON(w, http.StatusOK, sessionView{Agent: newAgentView(a), CSRFToken: csrfToken(token)})
}

// getSession tells the inbox who is signed in, with the CSRF token.
func (s *Server) getSession(w http.ResponseWriter, r *http.Request) error {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return baton.Errorf(baton.EUNAUTHORIZED, "not signed in")
	}
	a, err := s.sessionAgent(r, c.Value)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sessionView{Agent: newAgentView(a), CSRFToken: csrfToken(c.Value)})
}

// signOut ends the session and clears its cookie. The agent goes offline:
// someone who has left the inbox must not be given customers, and the
// conversations they hold go back to the queue.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) error {
	a, err := s.require(r, baton.RoleAgent)
	if err != nil {
		return err
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || bearer(r) != "" {
		return baton.Errorf(baton.EINVALID, "signing out needs the session cookie")
	}
	if a.Agent.Status != baton.StatusOffline {
		if _, err := s.Engine.SetAgentStatus(r.Context(), a.Agent, baton.StatusOffline); err != nil {
			return err
		}
	}
	if err := s.Store.DeleteSession(r.Context(), baton.HashToken(c.Value)); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: s.SecureCookies || r.TLS != nil, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// sessionAgent returns the agent of a session token, extending the
// session as it is used.
func (s *Server) sessionAgent(r *http.Request, token string) (*baton.Agent, error) {
	hash := baton.HashToken(token)
	sess, err := s.Store.Session(r.Context(), hash)
	if baton.ErrorCode(err) == baton.ENOTFOUND {
		return nil, baton.Errorf(baton.EUNAUTHORIZED, "not signed in")
	} else if err != nil {
		return nil, err
	}
	now := time.Now()
	if !now.Before(sess.ExpiresAt) {
		return nil, baton.Errorf(baton.EUNAUTHORIZED, "your session has expired; sign in again")
	}
	// Extending is a write: do it at most every few minutes per session.
	if exp := sess.Extend(now); exp.Sub(sess.ExpiresAt) > 5*time.Minute {
		if err := s.Store.ExtendSession(r.Context(), hash, exp); err != nil {
			return nil, err
		}
	}
	a, err := s.Store.Agent(r.Context(), sess.AgentID)
	if baton.ErrorCode(err) == baton.ENOTFOUND {
		return nil, baton.Errorf(baton.EUNAUTHORIZED, "not signed in")
	}
	return a, err
}

// cookieActor authenticates a request by its session cookie. A request
// that changes something must carry the CSRF token.
func (s *Server) cookieActor(r *http.Request) (baton.Actor, bool, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return baton.Actor{}, false, nil
	}
	a, err := s.sessionAgent(r, c.Value)
	if err != nil {
		return baton.Actor{}, true, err
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		if !hmac.Equal([]byte(r.Header.Get(csrfHeader)), []byte(csrfToken(c.Value))) {
			return baton.Actor{}, true, baton.Errorf(baton.EFORBIDDEN, "missing or wrong %s header; reload the inbox", csrfHeader)
		}
	}
	return baton.Actor{Role: baton.RoleAgent, Agent: a}, true, nil
}

// sameOrigin refuses a browser request sent by a page of another site
// (signing someone in to an account of the attacker's choosing).
func sameOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil // not a browser, or a same-origin GET
	}
	u, err := url.Parse(origin)
	if err != nil || !strings.EqualFold(u.Host, r.Host) {
		return baton.Errorf(baton.EFORBIDDEN, "sign-in from another site (%s) is not allowed", origin)
	}
	return nil
}

// signInThrottle slows down guessing: after a few failures for the same
// email or from the same address, each further attempt must wait, twice as
// long each time, up to maxSignInWait.
type signInThrottle struct {
	mu       sync.Mutex
	failures map[string]*signInFailures
}

type signInFailures struct {
	n     int
	last  time.Time
	until time.Time
}

const (
	freeSignInFailures        = 5
	freeSignInFailuresPerAddr = 20
	maxSignInWait             = 15 * time.Minute
	// forgetSignInAfter clears a key's failures after this long without one.
	forgetSignInAfter = time.Hour
	maxSignInKeys     = 100_000
)

// wait is how long the keys must still wait before another attempt.
func (t *signInThrottle) wait(keys []string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var w time.Duration
	for _, k := range keys {
		if f := t.failures[k]; f != nil && f.until.After(now) {
			w = max(w, f.until.Sub(now))
		}
	}
	return w
}

func (t *signInThrottle) failed(keys []string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.failures == nil {
		t.failures = map[string]*signInFailures{}
	}
	if len(t.failures) >= maxSignInKeys {
		for k, f := range t.failures {
			if now.Sub(f.last) > forgetSignInAfter {
				delete(t.failures, k)
			}
		}
	}
	for _, k := range keys {
		f := t.failures[k]
		if f == nil || now.Sub(f.last) > forgetSignInAfter {
			f = &signInFailures{}
			t.failures[k] = f
		}
		f.n++
		f.last = now
		free := freeSignInFailures
		if strings.HasPrefix(k, "addr:") {
			free = freeSignInFailuresPerAddr // an office's agents share one address
		}
		if f.n >= free {
			d := time.Second << min(f.n-free, 10)
			f.until = now.Add(min(d, maxSignInWait))
		}
	}
}

func (t *signInThrottle) succeeded(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, key)
}
