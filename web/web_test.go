package web_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/batonhq/baton/web"
)

func serve(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	web.New().Register(mux)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func get(t *testing.T, url string, header ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestPages(t *testing.T) {
	ts := serve(t)
	for _, tc := range []struct {
		path, typ, contains string
	}{
		{"/", "text/html", "widget.js"},
		{"/demo.css", "text/css", ""},
		{"/widget.js", "javascript", "baton-chat"},
		{"/inbox/", "text/html", "inbox.js"},
		{"/inbox/inbox.js", "javascript", ""},
		{"/inbox/inbox.css", "text/css", ""},
	} {
		resp := get(t, ts.URL+tc.path)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), tc.typ) || !strings.Contains(string(body), tc.contains) {
			t.Errorf("%s: %d %q, body has %q: %v", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.contains,
				strings.Contains(string(body), tc.contains))
		}
		if resp.Header.Get("ETag") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", tc.path, resp.Header)
		}
		// Unchanged since last time: 304 without a body.
		again := get(t, ts.URL+tc.path, "If-None-Match", resp.Header.Get("ETag"))
		if again.StatusCode != http.StatusNotModified {
			t.Errorf("%s with its ETag: %d, want 304", tc.path, again.StatusCode)
		}
	}
}

func TestPageHeaders(t *testing.T) {
	ts := serve(t)
	csp := get(t, ts.URL+"/inbox/").Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("inbox CSP %q lacks %q", csp, want)
		}
	}
	// Any site may load the widget script.
	if got := get(t, ts.URL+"/widget.js").Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("widget.js Access-Control-Allow-Origin %q", got)
	}
	if resp := get(t, ts.URL+"/inbox"); resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/inbox/" {
		t.Errorf("/inbox: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, p := range []string{"/inbox/nothing.js", "/inbox/..%2fweb.go", "/nothing"} {
		if resp := get(t, ts.URL+p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}
}

func TestGzip(t *testing.T) {
	ts := serve(t)
	plain := get(t, ts.URL+"/widget.js", "Accept-Encoding", "identity")
	body, _ := io.ReadAll(plain.Body)
	zipped := get(t, ts.URL+"/widget.js", "Accept-Encoding", "gzip, br")
	if zipped.Header.Get("Content-Encoding") != "gzip" || zipped.Header.Get("ETag") == plain.Header.Get("ETag") {
		t.Fatalf("gzip answer: %v", zipped.Header)
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if string(unzipped) != string(body) || len(body) == 0 {
		t.Fatalf("gzipped widget.js differs from the plain one (%d vs %d bytes)", len(unzipped), len(body))
	}
	if !strings.Contains(zipped.Header.Get("Vary"), "Accept-Encoding") {
		t.Error("no Vary: Accept-Encoding")
	}
}
