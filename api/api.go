// Package api serves Baton's HTTP API and its WebSocket streams:
// JSON over net/http, one error shape, bearer-token auth.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/engine"
	"github.com/batonhq/baton/hub"
	"github.com/batonhq/baton/internal/httpmux"
)

// MaxBodyBytes is the largest request body accepted.
const MaxBodyBytes = 64 << 10

// Server is the HTTP API.
type Server struct {
	Engine *engine.Engine
	Store  baton.Store
	Hub    *hub.Hub
	// AdminTokenHash is the hash of the admin bearer token.
	AdminTokenHash []byte
	Departments    []*baton.Department
	Logger         *slog.Logger
	// PublicRateLimit bounds anonymous conversation creation per client.
	PublicRateLimit RateLimit
	limiter         *limiter
	// SecureCookies marks the inbox's session cookie Secure even when Baton
	// itself speaks plain HTTP behind a TLS proxy.
	SecureCookies bool
	signIns       signInThrottle
	agentNames    sync.Map // agent id → name, for customers' views
	// CannedReplies are the agents' prepared answers.
	CannedReplies []baton.CannedReply

	// Ready reports whether the server can take traffic: its database
	// answers. Nil: always ready.
	Ready func(context.Context) error

	// Closing, when closed, ends the WebSocket streams (http.Server.Shutdown
	// does not wait for hijacked connections, and must not cancel requests).
	Closing <-chan struct{}
}

// Handler returns the API's routes.
func (s *Server) Handler() http.Handler {
	s.limiter = newLimiter(s.PublicRateLimit, nil)
	mux := http.NewServeMux()
	h := func(pattern string, fn handlerFunc) { mux.Handle(pattern, s.adapt(fn)) }

	h("POST /api/v1/conversations", s.createConversation)
	h("GET /api/v1/conversations", s.listConversations)
	h("GET /api/v1/conversations/{id}", s.getConversation)
	h("POST /api/v1/conversations/{id}/messages", s.postMessage)
	h("GET /api/v1/conversations/{id}/messages", s.listMessages)
	h("POST /api/v1/conversations/{id}/handoff", s.requestHandoff)
	h("POST /api/v1/conversations/{id}/claim", s.claim)
	h("POST /api/v1/conversations/{id}/release", s.release)
	h("POST /api/v1/conversations/{id}/transfer", s.transfer)
	h("POST /api/v1/conversations/{id}/close", s.close)
	h("GET /api/v1/conversations/{id}/surveys", s.listSurveys)
	h("GET /api/v1/conversations/{id}/stream", s.conversationStream)
	h("GET /api/v1/queue", s.queue)
	h("GET /api/v1/stream", s.agentStream)

	h("POST /api/v1/session", s.signIn)
	h("GET /api/v1/session", s.getSession)
	h("DELETE /api/v1/session", s.signOut)

	h("POST /api/v1/agents", s.createAgent)
	h("GET /api/v1/agents", s.listAgents)
	h("GET /api/v1/agents/me", s.me)
	h("PUT /api/v1/agents/me/status", s.setMyStatus)
	h("PUT /api/v1/agents/me/password", s.setMyPassword)
	h("PUT /api/v1/agents/{id}/status", s.setAgentStatus)
	h("PUT /api/v1/agents/{id}/password", s.setAgentPassword)
	h("POST /api/v1/agents/{id}/token", s.rotateAgentToken)
	h("PATCH /api/v1/agents/{id}", s.updateAgent)
	h("POST /api/v1/integrations", s.createIntegration)
	h("GET /api/v1/departments", s.listDepartments)
	h("GET /api/v1/canned-replies", s.listCannedReplies)
	h("GET /api/v1/tickets", s.listTickets)
	h("GET /api/v1/tickets/{id}", s.getTicket)
	h("GET /api/v1/webhooks", s.listSubscriptions)
	h("POST /api/v1/webhooks", s.createSubscription)
	h("GET /api/v1/webhooks/{id}", s.getSubscription)
	h("PATCH /api/v1/webhooks/{id}", s.updateSubscription)
	h("DELETE /api/v1/webhooks/{id}", s.deleteSubscription)
	h("POST /api/v1/webhooks/{id}/secret", s.rotateSubscriptionSecret)
	h("POST /api/v1/webhooks/{id}/test", s.testSubscription)
	h("GET /api/v1/event-deliveries", s.listEventDeliveries)
	h("GET /api/v1/event-deliveries/{id}", s.getEventDelivery)
	h("POST /api/v1/event-deliveries/{id}/retry", s.retryEventDelivery)

	h("GET /healthz", func(w http.ResponseWriter, r *http.Request) error {
		return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	h("GET /readyz", s.ready)
	return cors(s.jsonFallbacks(mux))
}

// ready answers a load balancer or orchestrator: 200 while Baton can take
// traffic, 503 once it is stopping or its database does not answer.
// /healthz only says the process is alive.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) error {
	select {
	case <-s.Closing:
		return writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "stopping"})
	default:
	}
	if s.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			s.logger().Error("not ready", "err", err)
			return writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable",
				"reason": "the database does not answer"})
		}
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// cors lets the chat widget, served on the company's own site, call the
// customer endpoints. They authenticate with a bearer token, never a
// cookie, and the wildcard origin forbids browsers to send cookies, so a
// foreign page gains nothing it did not already hold.
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") == "" || !strings.HasPrefix(r.URL.Path, "/api/v1/conversations") {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "Retry-After")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// jsonFallbacks answers requests that match no route (404) or a route with
// another method (405) with the API's JSON error instead of plain text.
func (s *Server) jsonFallbacks(mux *http.ServeMux) http.Handler {
	return httpmux.Fallback(mux, func(w http.ResponseWriter, r *http.Request, status int, allow string) {
		if status == http.StatusMethodNotAllowed {
			writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": map[string]string{
				"code": "method_not_allowed", "message": fmt.Sprintf("%s is not allowed here; use %s", r.Method, allow)}})
			return
		}
		s.writeError(w, r, baton.Errorf(baton.ENOTFOUND, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
}

// handlerFunc is an HTTP handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// adapt turns a handlerFunc into an http.Handler: the one place where
// errors become responses.
func (s *Server) adapt(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		if err := fn(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

var statusByCode = map[string]int{
	baton.EINVALID:      http.StatusBadRequest,
	baton.EUNAUTHORIZED: http.StatusUnauthorized,
	baton.EFORBIDDEN:    http.StatusForbidden,
	baton.ENOTFOUND:     http.StatusNotFound,
	baton.ECONFLICT:     http.StatusConflict,
	baton.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	baton.EUNAVAILABLE:  http.StatusServiceUnavailable,
	baton.ERATELIMITED:  http.StatusTooManyRequests,
	baton.EINTERNAL:     http.StatusInternalServerError,
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client went away; nobody reads this answer.
		err = baton.Errorf(baton.EUNAVAILABLE, "request canceled")
	}
	code := baton.ErrorCode(err)
	status, ok := statusByCode[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	log := s.logger()
	attrs := []any{"method", r.Method, "path", r.URL.Path, "status", status, "err", err}
	if id := r.PathValue("id"); id != "" && strings.Contains(r.URL.Path, "/conversations/") {
		attrs = append(attrs, "conversation", id)
	}
	if code == baton.EINTERNAL {
		log.Error("request failed", attrs...)
	} else {
		log.Info("request refused", attrs...)
	}
	if code == baton.EUNAVAILABLE {
		w.Header().Set("Retry-After", "1")
	}
	if code == baton.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="baton"`)
	}
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": baton.ErrorMessage(err)}})
}

// now is the engine's clock, so that views (waits, reply windows) agree
// with the decisions the engine takes.
func (s *Server) now() time.Time {
	if s.Engine != nil && s.Engine.Now != nil {
		return s.Engine.Now()
	}
	return time.Now()
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// decode reads a JSON body into v. A malformed body or one over the limit
// is refused with a message that says what is wrong.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		var syntax *json.SyntaxError
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooLarge):
			return baton.Errorf(baton.ETOOLARGE, "request body is larger than %d bytes", tooLarge.Limit)
		case errors.Is(err, io.EOF):
			return errEmptyBody
		case errors.As(err, &syntax):
			return baton.Errorf(baton.EINVALID, "malformed JSON at byte %d: %v", syntax.Offset, err)
		case errors.As(err, &typeErr):
			if typeErr.Field == "" {
				return baton.Errorf(baton.EINVALID, "request body must be a JSON object")
			}
			// For a wrong array element or object value, the error names the
			// container but the element's type: describe the declared field.
			t := typeErr.Type
			if ft := fieldType(reflect.TypeOf(v), typeErr.Field); ft != nil {
				t = ft
			}
			return baton.Errorf(baton.EINVALID, "field %q must be %s", typeErr.Field, jsonKind(t))
		case errors.Is(err, io.ErrUnexpectedEOF):
			return baton.Errorf(baton.EINVALID, "malformed JSON: unexpected end of body")
		default:
			return baton.Errorf(baton.EINVALID, "malformed JSON: %v", err)
		}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return baton.Errorf(baton.ETOOLARGE, "request body is larger than %d bytes", tooLarge.Limit)
		}
		return baton.Errorf(baton.EINVALID, "malformed JSON: unexpected data after the object")
	}
	return nil
}

// jsonKind names a Go type the way a JSON client thinks of it:
// "a string", "an array of objects", "an object of strings".
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "an array of " + jsonKinds(t.Elem())
	case reflect.Map:
		return "an object of " + jsonKinds(t.Elem())
	}
	k := jsonKinds(t)
	if k == "true or false" {
		return k
	}
	article := "a "
	if strings.ContainsRune("aeiou", rune(k[0])) {
		article = "an "
	}
	return article + strings.TrimSuffix(k, "s")
}

// jsonKinds names a Go type in the plural: "strings", "objects".
func jsonKinds(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "strings"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integers"
	case reflect.Float32, reflect.Float64:
		return "numbers"
	case reflect.Slice, reflect.Array:
		return "arrays"
	}
	return "objects"
}

// fieldType finds the declared type of a dotted JSON field path in t, or nil.
func fieldType(t reflect.Type, path string) reflect.Type {
	for _, name := range strings.Split(path, ".") {
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t == nil || t.Kind() != reflect.Struct {
			return nil
		}
		t = structField(t, name)
	}
	return t
}

func structField(t reflect.Type, name string) reflect.Type {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && tag == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if found := structField(ft, name); found != nil {
					return found
				}
			}
			continue
		}
		if tag == name || tag == "" && strings.EqualFold(f.Name, name) {
			return f.Type
		}
	}
	return nil
}

// decodeOptional is decode for a body that may be left out entirely.
func decodeOptional(r *http.Request, v any) error {
	err := decode(r, v)
	if err == errEmptyBody {
		return nil
	}
	return err
}

var errEmptyBody = baton.Errorf(baton.EINVALID, "request body is empty; send a JSON object")

func queryInt(r *http.Request, name string, def int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, baton.Errorf(baton.EINVALID, "query parameter %s must be a non-negative integer", name)
	}
	return n, nil
}

func (s *Server) department(name string) *baton.Department {
	for _, d := range s.Departments {
		if d.Name == name {
			return d
		}
	}
	return nil
}

func errNeedRole(roles ...baton.Role) error {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	article := "a"
	if strings.ContainsRune("aeiou", rune(names[0][0])) {
		article = "an"
	}
	return baton.Errorf(baton.EFORBIDDEN, "this needs %s %s token", article, strings.Join(names, " or "))
}
