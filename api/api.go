// Package api serves Baton's HTTP API and its WebSocket streams:
// JSON over net/http, one error shape, bearer-token auth.
package api

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/engine"
	"github.com/batonhq/baton/hub"
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
}

// Handler returns the API's routes.
func (s *Server) Handler() http.Handler {
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

	h("POST /api/v1/agents", s.createAgent)
	h("GET /api/v1/agents", s.listAgents)
	h("GET /api/v1/agents/me", s.me)
	h("PUT /api/v1/agents/me/status", s.setMyStatus)
	h("PUT /api/v1/agents/{id}/status", s.setAgentStatus)
	h("POST /api/v1/integrations", s.createIntegration)
	h("GET /api/v1/departments", s.listDepartments)
	h("GET /api/v1/tickets", s.listTickets)
	h("GET /api/v1/tickets/{id}", s.getTicket)

	h("GET /healthz", func(w http.ResponseWriter, r *http.Request) error {
		return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("/api/", s.adapt(func(w http.ResponseWriter, r *http.Request) error {
		return baton.Errorf(baton.ENOTFOUND, "no such endpoint: %s %s", r.Method, r.URL.Path)
	}))
	return mux
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
	baton.EINTERNAL:     http.StatusInternalServerError,
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := baton.ErrorCode(err)
	status, ok := statusByCode[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	log := s.Logger
	if log == nil {
		log = slog.Default()
	}
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
			return baton.Errorf(baton.EINVALID, "request body is empty; send a JSON object")
		case errors.As(err, &syntax):
			return baton.Errorf(baton.EINVALID, "malformed JSON at byte %d: %v", syntax.Offset, err)
		case errors.As(err, &typeErr):
			return baton.Errorf(baton.EINVALID, "field %q must be a %s", typeErr.Field, typeErr.Type)
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
	return baton.Errorf(baton.EFORBIDDEN, "this needs a %s token", strings.Join(names, " or "))
}
