// Package directline serves the part of Microsoft's Direct Line 3.0 protocol
// that Bot Framework Web Chat needs, so its unmodified client can talk to Baton.
//
// A Direct Line conversation is a Baton conversation on the web channel: the
// customer's messages go to the engine, and everything the customer may see
// of the timeline comes back as activities, over a WebSocket or by polling.
package directline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/engine"
	"github.com/batonhq/baton/hub"
	"github.com/batonhq/baton/internal/httpmux"
)

// MaxBodyBytes is the largest request body accepted.
const MaxBodyBytes = 64 << 10

// Defaults of the Server's optional fields.
const (
	DefaultTokenTTL  = 30 * time.Minute // Direct Line's expires_in of 1800
	DefaultKeepAlive = 30 * time.Second
	// streamTokenTTL bounds how long a streamUrl may wait before it is
	// opened, as Direct Line's 60 seconds; directlinejs fetches a fresh one
	// whenever its socket closes.
	streamTokenTTL = 60 * time.Second
)

// Server serves Direct Line 3.0 under /v3/directline/.
type Server struct {
	Engine *engine.Engine
	Store  baton.Store
	Hub    *hub.Hub
	// SecretHashes are baton.HashToken of each configured Direct Line
	// secret. A secret grants every conversation: it belongs on the
	// company's server, which hands the browser a token.
	SecretHashes [][]byte
	// TokenKey signs Direct Line tokens (HMAC-SHA256); at least 32 random bytes.
	TokenKey []byte
	// TokenTTL is how long a token is valid (default 30 minutes).
	// directlinejs refreshes its token every 15 minutes whatever expires_in
	// says, so a shorter TTL leaves Web Chat with an expired token.
	TokenTTL time.Duration
	// PublicURL, if set, is the external base URL streamUrl is built on
	// (https://chat.example.com); else it comes from the request.
	PublicURL string
	Logger    *slog.Logger
	// Closing, when closed, ends the WebSocket streams.
	Closing <-chan struct{}
	// Now is the clock for token expiry; nil is time.Now.
	Now func() time.Time
	// KeepAlive is how often an idle stream gets an empty message and a
	// ping (default 30 seconds).
	KeepAlive time.Duration

	agents agentNames
	echoes echoHub
}

// Handler returns the Direct Line routes, with CORS for Web Chat on any
// origin: every request carries a bearer token, never a cookie.
func (s *Server) Handler() http.Handler {
	if len(s.TokenKey) < 32 {
		panic("directline: Server.TokenKey must be at least 32 random bytes")
	}
	mux := http.NewServeMux()
	h := func(pattern string, fn handlerFunc) { mux.Handle(pattern, s.adapt(fn)) }
	h("POST /v3/directline/tokens/generate", s.generateToken)
	h("POST /v3/directline/tokens/refresh", s.refreshToken)
	h("POST /v3/directline/conversations", s.startConversation)
	h("GET /v3/directline/conversations/{id}", s.reconnect)
	h("POST /v3/directline/conversations/{id}/activities", s.postActivity)
	h("GET /v3/directline/conversations/{id}/activities", s.listActivities)
	h("POST /v3/directline/conversations/{id}/upload", s.upload)
	h("GET /v3/directline/conversations/{id}/stream", s.stream)
	return cors(s.jsonFallbacks(mux))
}

// Headers directlinejs sends: rxjs adds X-Requested-With to every ajax call.
const allowHeaders = "Authorization, Content-Type, Accept, X-Requested-With, x-ms-bot-agent"

func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "Retry-After")
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", allowHeaders)
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// jsonFallbacks answers requests that match no route with the JSON error
// shape instead of ServeMux's plain text, keeping its 404 or 405.
func (s *Server) jsonFallbacks(mux *http.ServeMux) http.Handler {
	return httpmux.Fallback(mux, func(w http.ResponseWriter, r *http.Request, status int, allow string) {
		if status == http.StatusMethodNotAllowed {
			writeJSON(w, http.StatusMethodNotAllowed, errorBody("method_not_allowed",
				fmt.Sprintf("%s is not allowed here; use %s", r.Method, allow)))
			return
		}
		s.writeError(w, r, baton.Errorf(baton.ENOTFOUND, "no such Direct Line endpoint: %s %s", r.Method, r.URL.Path))
	})
}

// handlerFunc is an HTTP handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) adapt(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		if err := fn(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// codeTokenExpired is Direct Line's own error code for a token past its
// expiry (403), which clients written for Direct Line look for.
const codeTokenExpired = "TokenExpired"

var statusByCode = map[string]int{
	baton.EINVALID:      http.StatusBadRequest,
	baton.EUNAUTHORIZED: http.StatusUnauthorized,
	baton.EFORBIDDEN:    http.StatusForbidden,
	codeTokenExpired:    http.StatusForbidden,
	baton.ENOTFOUND:     http.StatusNotFound,
	baton.ECONFLICT:     http.StatusConflict,
	baton.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	baton.EUNAVAILABLE:  http.StatusServiceUnavailable,
	baton.ERATELIMITED:  http.StatusTooManyRequests,
	baton.EINTERNAL:     http.StatusInternalServerError,
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		err = baton.Errorf(baton.EUNAVAILABLE, "request canceled")
	}
	code := baton.ErrorCode(err)
	status, ok := statusByCode[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	attrs := []any{"method", r.Method, "path", r.URL.Path, "status", status, "err", err}
	if id := r.PathValue("id"); id != "" {
		attrs = append(attrs, "conversation", id)
	}
	if code == baton.EINTERNAL {
		s.logger().Error("directline request failed", attrs...)
	} else {
		s.logger().Info("directline request refused", attrs...)
	}
	switch code {
	case baton.EUNAVAILABLE:
		w.Header().Set("Retry-After", "1")
	case baton.EUNAUTHORIZED:
		w.Header().Set("WWW-Authenticate", `Bearer realm="directline"`)
	}
	writeJSON(w, status, errorBody(code, baton.ErrorMessage(err)))
}

func errorBody(code, message string) map[string]any {
	return map[string]any{"error": map[string]string{"code": code, "message": message}}
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// decode reads a JSON object into v. An empty body is left as it is when
// optional; anything malformed or too large is refused with what is wrong.
func decode(r *http.Request, v any, optional bool) error {
	dec := json.NewDecoder(r.Body)
	err := dec.Decode(v)
	if err == nil {
		if _, err = dec.Token(); errors.Is(err, io.EOF) {
			return nil
		}
		if err == nil {
			return baton.Errorf(baton.EINVALID, "malformed JSON: unexpected data after the object")
		}
	}
	var tooLarge *http.MaxBytesError
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooLarge):
		return baton.Errorf(baton.ETOOLARGE, "request body is larger than %d bytes", tooLarge.Limit)
	case errors.Is(err, io.EOF):
		if optional {
			return nil
		}
		return baton.Errorf(baton.EINVALID, "request body is empty; send a JSON object")
	case errors.As(err, &syntax):
		return baton.Errorf(baton.EINVALID, "malformed JSON at byte %d: %v", syntax.Offset, err)
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return baton.Errorf(baton.EINVALID, "request body must be a JSON object")
		}
		return baton.Errorf(baton.EINVALID, "field %q has the wrong type (%s)", typeErr.Field, typeErr.Value)
	default:
		return baton.Errorf(baton.EINVALID, "malformed JSON: %v", err)
	}
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

func (s *Server) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Server) tokenTTL() time.Duration {
	if s.TokenTTL <= 0 {
		return DefaultTokenTTL
	}
	return s.TokenTTL
}

func (s *Server) keepAlive() time.Duration {
	if s.KeepAlive <= 0 {
		return DefaultKeepAlive
	}
	return s.KeepAlive
}

// agentNames caches agents' display names for the from field of their
// messages; a name is looked up again after a while, so renames show.
type agentNames struct {
	mu    sync.Mutex
	names map[string]agentName
}

type agentName struct {
	name string
	at   time.Time
}

const agentNameTTL = 5 * time.Minute

func (s *Server) agentName(ctx context.Context, id string) string {
	now := time.Now()
	s.agents.mu.Lock()
	n, ok := s.agents.names[id]
	s.agents.mu.Unlock()
	if ok && now.Sub(n.at) < agentNameTTL {
		return n.name
	}
	a, err := s.Store.Agent(ctx, id)
	if err != nil {
		if ok {
			return n.name
		}
		s.logger().Warn("directline: load agent name", "agent", id, "err", err)
		return "Agent"
	}
	s.agents.mu.Lock()
	defer s.agents.mu.Unlock()
	if s.agents.names == nil {
		s.agents.names = map[string]agentName{}
	}
	if len(s.agents.names) > 10_000 {
		clear(s.agents.names)
	}
	s.agents.names[id] = agentName{name: a.Name, at: now}
	return a.Name
}
