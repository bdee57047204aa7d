// Package web serves Baton's browser pages from files embedded in the
// binary: the agent inbox, the customer chat widget and the demo page.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// file is an embedded asset with its content type and validator.
type file struct {
	body []byte
	gz   []byte // body gzipped, when that is smaller
	typ  string
	etag string
}

// Pages serves the embedded pages. Everything is read once at start; the
// ETag lets browsers revalidate cheaply after an upgrade.
type Pages struct {
	files map[string]file
}

// New loads the embedded assets.
func New() *Pages {
	p := &Pages{files: map[string]file{}}
	fs.WalkDir(static, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := static.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		typ := mime.TypeByExtension(path.Ext(name))
		if typ == "" {
			typ = http.DetectContentType(body)
		}
		p.files[strings.TrimPrefix(name, "static/")] = file{body: body, gz: gzipped(body), typ: typ,
			etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	return p
}

// Register adds the pages' routes to mux:
//
//	/            the demo page, a web shop with the chat widget (and /demo.css)
//	/widget.js   the widget, for a <script> tag on any site
//	/inbox       the agent inbox
func (p *Pages) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", p.serve("index.html", pageHeaders))
	mux.HandleFunc("GET /demo.css", p.serve("demo.css", pageHeaders))
	mux.HandleFunc("GET /widget.js", p.serve("widget.js", widgetHeaders))
	mux.HandleFunc("GET /inbox", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/inbox/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /inbox/{$}", p.serve("inbox/index.html", pageHeaders))
	mux.HandleFunc("GET /inbox/{file}", func(w http.ResponseWriter, r *http.Request) {
		p.serve("inbox/"+r.PathValue("file"), pageHeaders)(w, r)
	})
}

func (p *Pages) serve(name string, headers func(http.Header)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, ok := p.files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		headers(h)
		h.Set("Content-Type", f.typ)
		h.Add("Vary", "Accept-Encoding")
		body, etag := f.body, f.etag
		if f.gz != nil && acceptsGzip(r) {
			body, etag = f.gz, strings.TrimSuffix(f.etag, `"`)+`-gz"`
			h.Set("Content-Encoding", "gzip")
		}
		h.Set("ETag", etag)
		// Revalidate every time: a new Baton version must reach agents
		// without a hard reload, and a 304 costs next to nothing.
		h.Set("Cache-Control", "no-cache")
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
	}
}

// gzipped compresses an asset once at start; nil if it would not shrink.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	if buf.Len() >= len(b) {
		return nil
	}
	return buf.Bytes()
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// pageHeaders are for Baton's own pages: scripts and connections only to
// Baton itself, never framed by another site.
func pageHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; "+
		"img-src 'self' data:; connect-src 'self'; media-src 'self' data:; "+
		"frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
}

// widgetHeaders let any site load the widget script.
func widgetHeaders(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
}
