// Package httpmux puts another body on the 404 and 405 answers of an
// http.ServeMux, keeping its decision between them.
package httpmux

import "net/http"

// Fallback serves the requests mux has a route for with mux, and hands
// the others to write with the status mux would answer (404, or 405 for a
// route with another method) and the Allow header it would set. The Allow
// header, when there is one, is already set on w.
func Fallback(mux *http.ServeMux, write func(w http.ResponseWriter, r *http.Request, status int, allow string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r) // sets the path values Handler leaves out
			return
		}
		// ServeMux decides between 404 and 405 (and sets Allow); keep its
		// decision, replace its body.
		rec := &statusRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		allow := rec.header.Get("Allow")
		if allow != "" {
			w.Header().Set("Allow", allow)
		}
		write(w, r, rec.status, allow)
	})
}

// statusRecorder keeps the status and header a handler writes, and drops
// its body.
type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header         { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *statusRecorder) WriteHeader(status int)      { r.status = status }
