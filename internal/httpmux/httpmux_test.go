package httpmux_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/batonhq/baton/internal/httpmux"
)

func TestFallback(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "item "+r.PathValue("id"))
	})
	mux.HandleFunc("POST /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
	})
	h := httpmux.Fallback(mux, func(w http.ResponseWriter, r *http.Request, status int, allow string) {
		w.WriteHeader(status)
		fmt.Fprintf(w, "fallback %d %q", status, allow)
	})
	tests := []struct {
		name, method, path string
		status             int
		allow, body        string
	}{
		{"route", "GET", "/items/7", 200, "", "item 7"},
		{"other route", "POST", "/items/7", 201, "", ""},
		{"no route", "GET", "/nothing", 404, "", `fallback 404 ""`},
		{"other method", "DELETE", "/items/7", 405, "GET, HEAD, POST", `fallback 405 "GET, HEAD, POST"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
			if w.Code != tt.status || w.Header().Get("Allow") != tt.allow || w.Body.String() != tt.body {
				t.Errorf("got %d, Allow %q, body %q; want %d, %q, %q", w.Code, w.Header().Get("Allow"), w.Body, tt.status, tt.allow, tt.body)
			}
		})
	}
}
