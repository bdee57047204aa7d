package e2e_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The browser tests drive the real pages of the real binary in headless
// Chromium (Debian's chromium package): the agent inbox in one browser
// context, the customer's widget on the demo page in another, as two
// people on two machines would.

// chromium finds the browser, or skips the test where none is installed.
// CI sets BATON_REQUIRE_BROWSER so a missing browser fails instead.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("BATON_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("BATON_REQUIRE_BROWSER") != "" {
		t.Fatal("no Chromium found (apt-get install -y chromium), and BATON_REQUIRE_BROWSER is set")
	}
	t.Skip("no Chromium on this machine (apt-get install -y chromium); skipping the browser tests")
	return ""
}

// chromiumOptions are the flags of a headless Chromium on a machine with
// no outside network: nothing in the background reaches for Google.
func chromiumOptions(t *testing.T) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1366, 768),
	)
}

// person is one headless Chromium of its own (its own cookies and
// storage, as on another machine) with one tab, and the errors its pages
// reported.
type person struct {
	t    *testing.T
	name string
	ctx  context.Context

	mu     sync.Mutex
	errors []string
}

// newPerson starts a browser for one person.
func newPerson(t *testing.T, name string) *person {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromiumOptions(t)...)
	t.Cleanup(cancelAlloc)
	// chromedp reports CDP events it does not know (newer Chromium) as
	// errors; they say nothing about the pages.
	quiet := chromedp.WithErrorf(func(format string, args ...any) {
		if !strings.Contains(format, "unhandled") {
			t.Logf(format, args...)
		}
	})
	ctx, cancel := chromedp.NewContext(alloc, quiet)
	t.Cleanup(cancel)
	p := &person{t: t, name: name, ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg = ev.ExceptionDetails.Error()
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError {
				msg = "console.error"
				for _, a := range ev.Args {
					msg += " " + string(a.Value)
				}
			}
		case *cdplog.EventEntryAdded:
			// CSP violations and failed loads arrive here.
			if ev.Entry.Level == cdplog.LevelError && ev.Entry.Source != cdplog.SourceNetwork {
				msg = string(ev.Entry.Source) + ": " + ev.Entry.Text
			}
		}
		if msg != "" {
			p.mu.Lock()
			p.errors = append(p.errors, msg)
			p.mu.Unlock()
		}
	})
	if err := chromedp.Run(ctx, cdplog.Enable()); err != nil {
		t.Fatalf("%s: start Chromium: %v", name, err)
	}
	return p
}

// pageErrors returns the errors the person's pages reported so far.
func (p *person) pageErrors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.errors)
}

// run runs actions with a deadline, failing the test with the person's name.
func (p *person) run(what string, actions ...chromedp.Action) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		p.screenshot("failed-" + strings.ReplaceAll(what, " ", "-"))
		p.t.Fatalf("%s: %s: %v (page errors: %v)", p.name, what, err, p.pageErrors())
	}
}

// eval evaluates a JavaScript expression and decodes its value into out.
func (p *person) eval(what, expr string, out any) {
	p.t.Helper()
	p.run(what, chromedp.Evaluate(expr, out))
}

// waitJS polls a JavaScript condition until it is true.
func (p *person) waitJS(what, cond string) {
	p.t.Helper()
	p.run("wait for "+what, chromedp.Poll(cond, nil, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)))
}

// screenshot saves a PNG of the page in the screenshot directory.
func (p *person) screenshot(name string) string {
	dir := screenshotDir(p.t)
	var png []byte
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, chromedp.CaptureScreenshot(&png)); err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.png", p.t.Name(), name))
	path = strings.ReplaceAll(path, "/"+p.t.Name(), "/"+strings.ReplaceAll(p.t.Name(), "/", "_"))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	p.t.Logf("screenshot: %s", path)
	return path
}

// screenshotDir is where screenshots go: BATON_SCREENSHOTS, or a folder in
// the system's temporary directory; never the repository.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("BATON_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "baton-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// demoAgent reads the demo agent's email and password from what the
// server printed at its first start.
func demoAgent(t *testing.T, s *server) (email, password string) {
	t.Helper()
	m := regexp.MustCompile(`email: +(\S+)\n +password: +(\S+)`).FindStringSubmatch(s.output())
	if m == nil {
		t.Fatalf("the first start printed no demo agent:\n%s", s.output())
	}
	return m[1], m[2]
}

// js quotes a Go string as a JavaScript string literal.
func js(s string) string {
	b := strings.Builder{}
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// waitFor polls cond until it holds, failing the test after 15 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
