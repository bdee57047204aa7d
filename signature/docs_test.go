package signature_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/signature"
)

// The receivers in docs/webhooks.md are programs operators copy: these
// tests run them, unchanged, against requests signed by Baton's own code.

const docPath = "../docs/webhooks.md"

// docExample returns the code block that follows "<!-- example: name -->"
// in docs/webhooks.md.
func docExample(t *testing.T, name string) string {
	t.Helper()
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	marker := "<!-- example: " + name + " -->"
	_, after, ok := strings.Cut(string(doc), marker)
	if !ok {
		t.Fatalf("%s has no %s", docPath, marker)
	}
	lines := strings.Split(after, "\n")
	i := 1 // the rest of the marker's line
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i == len(lines) || !strings.HasPrefix(lines[i], "```") {
		t.Fatalf("%s: no code block right after %s", docPath, marker)
	}
	var code strings.Builder
	for _, l := range lines[i+1:] {
		if strings.HasPrefix(l, "```") {
			return code.String()
		}
		code.WriteString(l + "\n")
	}
	t.Fatalf("%s: the code block after %s does not end", docPath, marker)
	return ""
}

// The receivers are started with two secrets, as during a rotation.
const (
	newSecret = "whsec_yh7dvb3es5umdzrjxvg89adeni6x84um"
	oldSecret = "whsec_previous0secret0rotated0away00"
)

func TestDocGoReceiver(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the example with")
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "main.go"), docExample(t, "go-receiver"))
	write(t, filepath.Join(dir, "go.mod"), "module receiver\n\ngo 1.22\n")
	bin := filepath.Join(dir, "receiver")
	build := exec.Command(goBin, "build", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the Go receiver of %s does not build: %v\n%s", docPath, err, out)
	}
	checkReceiver(t, exec.Command(bin))
}

func TestDocJavaScriptReceiver(t *testing.T) {
	required := os.Getenv("BATON_REQUIRE_NODE") == "1"
	node, err := exec.LookPath("node")
	if err != nil {
		if required {
			t.Fatal("BATON_REQUIRE_NODE=1 but there is no node command")
		}
		t.Skip("no node command; set BATON_REQUIRE_NODE=1 to make this a failure")
	}
	out, err := exec.Command(node, "--version").Output()
	major, _ := strconv.Atoi(strings.TrimPrefix(strings.SplitN(strings.TrimSpace(string(out)), ".", 2)[0], "v"))
	if err != nil || major < 18 {
		if required {
			t.Fatalf("BATON_REQUIRE_NODE=1 but node %q is older than 18 (%v)", out, err)
		}
		t.Skipf("node %q is older than 18, which the example needs", out)
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "receiver.js")
	write(t, script, docExample(t, "js-receiver"))
	checkReceiver(t, exec.Command(node, script))
}

// checkReceiver starts a receiver and sends it what Baton sends, and what an
// attacker might.
func checkReceiver(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	base, processed := start(t, cmd)
	post := func(body []byte, header string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, base+"/baton", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var ev struct{ Type string }
		json.Unmarshal(body, &ev)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "Baton-Webhooks/1")
		req.Header.Set("X-Baton-Event", ev.Type)
		req.Header.Set("X-Baton-Delivery", "1")
		if header != "" {
			req.Header.Set(signature.Header, header)
		}
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}

	// The documented bodies, byte for byte as the document has them, and
	// compact ones as Baton sends them.
	handoff := []byte(docExample(t, "handoff-requested"))
	message := []byte(docExample(t, "message-created"))
	third := event(t, "evt_third0event0aaaaaaaaaaaaaa", "conversation.closed")
	last := event(t, "evt_last0event0bbbbbbbbbbbbbbb", "conversation.created")
	// What POST /api/v1/webhooks/{id}/test sends: no conversation.
	ping := []byte(`{"id":"evt_ping0event0ccccccccccccccc","type":"ping","created_at":"2026-03-02T09:00:00Z","subscription":"wh_yaat3n8ta8hyg7jwredh3iea6n"}`)
	now := time.Now()

	tests := []struct {
		name   string
		body   []byte
		header string
		ok     bool
	}{
		{"a good signature", handoff, signature.Sign(newSecret, handoff, now), true},
		{"signed with the old secret during a rotation", message, signature.Sign(oldSecret, message, now), true},
		{"a tampered body", tamper(handoff), signature.Sign(newSecret, handoff, now), false},
		{"a wrong secret", third, signature.Sign("whsec_somebody0else0entirely0000000", third, now), false},
		{"a stale timestamp", third, signature.Sign(newSecret, third, now.Add(-6*time.Minute)), false},
		{"a timestamp from the future", third, signature.Sign(newSecret, third, now.Add(6*time.Minute)), false},
		{"no signature", third, "", false},
		{"a malformed signature", third, "t=" + strconv.FormatInt(now.Unix(), 10) + ",v1=zz", false},
		{"the signature of another timestamp", third, retimed(signature.Sign(newSecret, third, now)), false},
		{"one of several v1 matches, unknown keys ignored", third,
			strings.Replace(signature.Sign(newSecret, third, now), ",v1=", ",v0=abc,v1="+strings.Repeat("0", 64)+",v1=", 1), true},
		{"the same event again, signed anew", handoff, signature.Sign(newSecret, handoff, now.Add(time.Second)), true},
		{"a test ping", ping, signature.Sign(newSecret, ping, now), true},
		{"the last", last, signature.Sign(newSecret, last, now), true},
	}
	for _, tt := range tests {
		code := post(tt.body, tt.header)
		switch {
		case tt.ok && (code < 200 || code > 299):
			t.Errorf("%s: answered %d, want 2xx", tt.name, code)
		case !tt.ok && (code < 400 || code > 499):
			t.Errorf("%s: answered %d, want 4xx", tt.name, code)
		}
	}

	// Every accepted event once, in order, the repeat not again: the last
	// one's line says the earlier ones are all out.
	want := []string{
		"processed evt_b9tg55q9trvxpvsfs7upfxcrwn handoff.requested",
		"processed evt_4fjees7jepvvuv96tgczchf6v6 message.created",
		"processed evt_third0event0aaaaaaaaaaaaaa conversation.closed",
		"processed evt_ping0event0ccccccccccccccc ping",
		"processed evt_last0event0bbbbbbbbbbbbbbb conversation.created",
	}
	var got []string
	deadline := time.After(10 * time.Second)
	for len(got) == 0 || !strings.Contains(got[len(got)-1], "evt_last0") {
		select {
		case l, ok := <-processed:
			if !ok {
				t.Fatalf("the receiver stopped; it printed %q", got)
			}
			got = append(got, l)
		case <-deadline:
			t.Fatalf("the receiver printed %q, not the last event", got)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the receiver processed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// start runs a receiver on a free port and returns its address and the
// lines it prints after the first.
func start(t *testing.T, cmd *exec.Cmd) (string, <-chan string) {
	t.Helper()
	cmd.Env = append(os.Environ(), "BATON_WEBHOOK_SECRET="+newSecret+","+oldSecret, "PORT=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("the receiver's stderr:\n%s", stderr.String())
		}
	})
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	select {
	case l, ok := <-lines:
		addr, found := strings.CutPrefix(l, "listening on ")
		if !ok || !found {
			t.Fatalf("the receiver's first line is %q, want \"listening on ADDR\"", l)
		}
		return "http://" + addr, lines
	case <-time.After(10 * time.Second):
		t.Fatal("the receiver did not say where it listens")
	}
	return "", nil
}

// event is a compact event body, as Baton sends them.
func event(t *testing.T, id, typ string) []byte {
	t.Helper()
	b, err := json.Marshal(baton.HookBody{ID: id, Type: typ, CreatedAt: time.Now().UTC(),
		Conversation: &baton.HookConversation{ID: "c_docs0test", Channel: baton.ChannelWeb, Locale: "en",
			Mode: baton.ModeBot, Priority: baton.PriorityNormal}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tamper changes one byte of a body and keeps it JSON.
func tamper(body []byte) []byte {
	return bytes.Replace(body, []byte(`"priority": "high"`), []byte(`"priority": "urgent"`), 1)
}

// retimed moves a signature header's timestamp by a second, keeping its v1.
func retimed(header string) string {
	ts, sig, _ := strings.Cut(strings.TrimPrefix(header, "t="), ",")
	n, _ := strconv.ParseInt(ts, 10, 64)
	return "t=" + strconv.FormatInt(n+1, 10) + "," + sig
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestDocEvents checks the document against the code: every event type has
// its row in the table, and the example bodies are HookBody documents with
// no field the code does not send.
func TestDocEvents(t *testing.T) {
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range baton.HookEventTypes {
		if !strings.Contains(string(doc), "| `"+typ+"` |") {
			t.Errorf("%s has no row for the event type %s", docPath, typ)
		}
	}
	for _, name := range []string{"handoff-requested", "message-created"} {
		dec := json.NewDecoder(strings.NewReader(docExample(t, name)))
		dec.DisallowUnknownFields()
		var b baton.HookBody
		if err := dec.Decode(&b); err != nil {
			t.Errorf("the %s example is not an event body: %v", name, err)
			continue
		}
		if want := strings.ReplaceAll(name, "-", "."); b.Type != want || !strings.HasPrefix(b.ID, "evt_") ||
			b.Conversation == nil || b.Conversation.ID == "" {
			t.Errorf("the %s example: type %q, id %q, conversation %v", name, b.Type, b.ID, b.Conversation)
		}
		if b.Type == baton.HookHandoffRequested && b.Handoff == nil || b.Type == baton.HookMessageCreated && b.Message == nil {
			t.Errorf("the %s example lacks what its type carries", name)
		}
	}
}
