// Package e2e_test runs the real baton binary and talks to it over HTTP,
// the way operators, agents and customers do: build once, start it on a
// data directory, stop it (gracefully or with SIGKILL), start it again.
package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testAdminToken is the admin token the servers get unless a test asks
// for a generated one.
const testAdminToken = "e2e-admin-token-0123456789"

// binPath is the baton binary TestMain built.
var binPath string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "baton-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	binPath = filepath.Join(dir, "baton")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", binPath, "./cmd/baton")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build ./cmd/baton: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// moduleRoot returns the directory of go.mod: from `go env GOMOD`, else "..".
func moduleRoot() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	root := ".."
	if gomod := strings.TrimSpace(string(out)); err == nil && gomod != "" && gomod != os.DevNull {
		root = filepath.Dir(gomod)
	}
	root, err = filepath.Abs(root)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(root, "cmd", "baton")); err != nil {
		return "", fmt.Errorf("module root %s has no cmd/baton: %w", root, err)
	}
	return root, nil
}

// httpClient is shared by all tests; every request has a deadline.
var httpClient = &http.Client{
	Timeout: 10 * time.Second,
	Transport: &http.Transport{
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 512,
		IdleConnTimeout:     30 * time.Second,
	},
}

// server is one running baton process.
type server struct {
	base    string // http://127.0.0.1:PORT
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited
	waitErr error         // valid after done is closed
	stdout  string        // file with the process's stdout
	stderr  string        // file with the process's stderr (the log)
	ended   bool          // stopped or killed by the test
}

// startOptions changes how a server is started.
type startOptions struct {
	// noAdminToken starts without BATON_ADMIN_TOKEN, so the server uses
	// the stored admin token or generates one on first start.
	noAdminToken bool
	// config is the path of a config file; env adds variables.
	config string
	env    []string
	// addr, when set, is the address to listen on (a restart where
	// browsers already are), instead of a free port.
	addr string
}

// start runs the baton binary on dataDir with testAdminToken, waits until
// it answers /healthz and stops it with SIGTERM when the test ends.
func start(t testing.TB, dataDir string) *server {
	t.Helper()
	return startWith(t, dataDir, startOptions{})
}

func startWith(t testing.TB, dataDir string, opts startOptions) *server {
	t.Helper()
	logDir := t.TempDir()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := launch(logDir, dataDir, opts)
		if err != nil {
			t.Fatalf("start baton: %v", err)
		}
		err = s.waitHealthy(20 * time.Second)
		if err == nil {
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("baton log (%s):\n%s", s.base, tail(s.stderr, 4000))
				}
				if !s.ended {
					s.stop(t)
				}
			})
			return s
		}
		lastErr = err
		s.kill()
		// The free port may have been taken between picking and binding it.
		if !strings.Contains(readFile(s.stderr), "address already in use") {
			break
		}
	}
	t.Fatalf("baton did not become healthy: %v", lastErr)
	return nil
}

func launch(logDir, dataDir string, opts startOptions) (*server, error) {
	addr := opts.addr
	if addr == "" {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		addr = fmt.Sprintf("127.0.0.1:%d", port)
	}
	stdout, err := os.CreateTemp(logDir, "stdout-*.log")
	if err != nil {
		return nil, err
	}
	defer stdout.Close()
	stderr, err := os.CreateTemp(logDir, "stderr-*.log")
	if err != nil {
		return nil, err
	}
	defer stderr.Close()
	args := []string{"serve", "--addr", addr, "--data", dataDir}
	if opts.config != "" {
		args = append(args, "--config", opts.config)
	}
	cmd := exec.Command(binPath, args...)
	// The tests open hundreds of conversations from one address.
	cmd.Env = append(cleanEnv(), "BATON_PUBLIC_RATE_LIMIT=0")
	cmd.Env = append(cmd.Env, opts.env...)
	if !opts.noAdminToken {
		cmd.Env = append(cmd.Env, "BATON_ADMIN_TOKEN="+testAdminToken)
	}
	// Files, not pipes: what the process wrote is readable at once, and
	// Wait never waits for a copying goroutine.
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{base: "http://" + addr, cmd: cmd, done: make(chan struct{}), stdout: stdout.Name(), stderr: stderr.Name()}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.done)
	}()
	return s, nil
}

// cleanEnv is the test's environment without BATON_* variables, so a
// developer's settings do not leak into the server.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BATON_") {
			env = append(env, kv)
		}
	}
	return env
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitHealthy polls /healthz until it answers 200, the process exits or
// the timeout passes.
func (s *server) waitHealthy(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	probe := &http.Client{Timeout: time.Second}
	for {
		resp, err := probe.Get(s.base + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET /healthz: %s", resp.Status)
		}
		select {
		case <-s.done:
			return fmt.Errorf("baton exited before it was healthy (%v); log:\n%s", s.waitErr, tail(s.stderr, 2000))
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no healthy answer after %s: %v", timeout, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop(t testing.TB) {
	t.Helper()
	s.ended = true
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("SIGTERM: %v", err)
	}
	select {
	case <-s.done:
		if s.waitErr != nil {
			t.Errorf("baton did not exit cleanly after SIGTERM: %v; log:\n%s", s.waitErr, tail(s.stderr, 2000))
		}
	case <-time.After(20 * time.Second):
		s.kill()
		t.Errorf("baton did not exit within 20s of SIGTERM; killed it")
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	s.ended = true
	s.cmd.Process.Kill()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
	}
}

// output returns what the process wrote to stdout so far.
func (s *server) output() string { return readFile(s.stdout) }

func readFile(name string) string {
	b, _ := os.ReadFile(name)
	return string(b)
}

func tail(name string, n int) string {
	s := readFile(name)
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}

// call sends one request with an optional JSON body and bearer token and
// returns the status and body. It never fails the test, so goroutines may
// use it.
func (s *server) call(method, path, token string, body any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, r)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return resp.StatusCode, nil, err
	}
	return resp.StatusCode, b, nil
}

// must sends a request, fails the test unless the answer has status want,
// and decodes the body into out (if not nil).
func (s *server) must(t testing.TB, want int, method, path, token string, body, out any) {
	t.Helper()
	status, b, err := s.call(method, path, token, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if status != want {
		t.Fatalf("%s %s: status %d, want %d; body: %s", method, path, status, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

// The API's shapes, as far as the tests look at them.

type button struct {
	Title   string `json:"title"`
	Payload string `json:"payload"`
}

type message struct {
	ConversationID  string   `json:"conversation_id"`
	Seq             int64    `json:"seq"`
	Author          string   `json:"author"`
	Text            string   `json:"text"`
	Event           string   `json:"event"`
	AgentID         string   `json:"agent_id"`
	ClientMessageID string   `json:"client_message_id"`
	Private         bool     `json:"private"`
	Buttons         []button `json:"buttons"`
	CreatedAt       string   `json:"created_at"`
}

type conversation struct {
	ID            string `json:"id"`
	Version       int64  `json:"version"`
	Mode          string `json:"mode"`
	Department    string `json:"department"`
	Assignee      string `json:"assignee"`
	LastSeq       int64  `json:"last_seq"`
	Resolution    int    `json:"resolution"`
	SurveyStep    string `json:"survey_step"`
	CustomerToken string `json:"customer_token"`
	QueuePosition int    `json:"queue_position"`
	Priority      string `json:"priority"`
	Handoff       *struct {
		Trigger    string            `json:"trigger"`
		Department string            `json:"department"`
		Reason     string            `json:"reason"`
		Intent     string            `json:"intent"`
		Priority   string            `json:"priority"`
		Details    map[string]string `json:"details"`
		Missing    []string          `json:"missing"`
	} `json:"handoff"`
	Summary *struct {
		Trigger string            `json:"trigger"`
		Intent  string            `json:"intent"`
		Details map[string]string `json:"details"`
		Locale  string            `json:"locale"`
		Channel string            `json:"channel"`
		Waited  float64           `json:"waited_seconds"`
		Text    string            `json:"text"`
	} `json:"summary"`
	ExpectedWait *struct {
		Position int    `json:"position"`
		Seconds  *int64 `json:"seconds"`
	} `json:"expected_wait"`
}

type agent struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
	Token  string `json:"token"`
}

type survey struct {
	ConversationID string `json:"conversation_id"`
	Resolution     int    `json:"resolution"`
	AgentID        string `json:"agent_id"`
	Rating         int    `json:"rating"`
	Comment        string `json:"comment"`
}

// createConversation starts a web conversation as a customer.
func (s *server) createConversation(t testing.TB, name string) conversation {
	t.Helper()
	var c conversation
	s.must(t, http.StatusCreated, "POST", "/api/v1/conversations", "",
		map[string]any{"channel": "web", "locale": "en", "contact": map[string]string{"name": name}}, &c)
	if c.ID == "" || c.CustomerToken == "" {
		t.Fatalf("create conversation: no id or customer token: %+v", c)
	}
	return c
}

// say posts a customer message and returns the stored entry.
func (s *server) say(t testing.TB, c conversation, text, clientID string) message {
	t.Helper()
	var m message
	s.must(t, http.StatusCreated, "POST", "/api/v1/conversations/"+c.ID+"/messages", c.CustomerToken,
		map[string]string{"text": text, "client_message_id": clientID}, &m)
	if m.Author != "customer" || m.Text != text || m.Seq <= 0 {
		t.Fatalf("customer message %q stored as %+v", text, m)
	}
	return m
}

// timeline reads a conversation's whole timeline as the given caller sees it.
func (s *server) timeline(t testing.TB, id, token string) []message {
	t.Helper()
	var all []message
	after := int64(0)
	for page := 0; page < 100; page++ {
		var resp struct {
			Messages []message `json:"messages"`
		}
		s.must(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/conversations/%s/messages?after=%d&limit=1000", id, after), token, nil, &resp)
		if len(resp.Messages) == 0 {
			return all
		}
		all = append(all, resp.Messages...)
		after = resp.Messages[len(resp.Messages)-1].Seq
	}
	t.Fatalf("timeline of %s: more than 100 pages", id)
	return nil
}

// conversation reads a conversation's state.
func (s *server) conversation(t testing.TB, id, token string) conversation {
	t.Helper()
	var c conversation
	s.must(t, http.StatusOK, "GET", "/api/v1/conversations/"+id, token, nil, &c)
	return c
}
