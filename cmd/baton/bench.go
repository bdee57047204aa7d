package main

import (
	"database/sql"
	"path/filepath"
	"runtime/pprof"

	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/batonhq/baton/sqlite"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// bench measures Baton end to end: real HTTP on loopback, the real engine
// and bot, the embedded database with every acknowledged message fsync'd.
// It runs the same load generator against a bare net/http handler for
// comparison.
func bench(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	convs := fs.Int("conversations", 2000, "conversations to spread the load over")
	clients := fs.Int("clients", 128, "concurrent clients for the throughput runs")
	duration := fs.Duration("duration", 5*time.Second, "length of each run")
	rate := fs.Int("rate", 5000, "messages per second for the latency run")
	dataDir := fs.String("data", "", "data directory (default: a temporary one, removed afterwards)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the baton runs to `file`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *clients < 1 || *convs < *clients {
		return errors.New("bench: need clients >= 1 and conversations >= clients")
	}
	dir := *dataDir
	if dir == "" {
		d, err := os.MkdirTemp("", "baton-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}

	cfg, err := LoadConfig("", func(string) string { return "" })
	if err != nil {
		return err
	}
	cfg.Data = dir
	cfg.AdminToken = "bench-admin-token-0123456789"
	cfg.PublicRateLimit.PerMinute = 0 // the bench opens thousands of conversations from one address
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := open(ctx, cfg, logger, io.Discard)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- a.run(ctx, ln) }()
	base := "http://" + ln.Addr().String()

	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 4096, MaxIdleConnsPerHost: 4096, IdleConnTimeout: time.Minute}}
	fmt.Fprintf(stdout, "baton bench: %d conversations, %d clients, %s per run, data in %s\n\n", *convs, *clients, *duration, dir)

	targets, err := createConversations(client, base, *convs)
	if err != nil {
		return err
	}
	batonSend := func(i int, n int64) (int, error) {
		t := targets[i%len(targets)]
		body := fmt.Sprintf(`{"text":%q,"client_message_id":"b-%d-%d"}`, faq(n), i, n)
		return post(client, base+"/api/v1/conversations/"+t.id+"/messages", t.token, body)
	}

	bare := httpTestServer()
	defer bare.Close()
	bareSend := func(i int, n int64) (int, error) {
		body := fmt.Sprintf(`{"text":%q,"client_message_id":"b-%d-%d"}`, faq(n), i, n)
		return post(client, bare.url+"/messages", "token", body)
	}

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	s0 := a.db.Stats()
	bt := closedLoop(*clients, *duration, batonSend)
	pprof.StopCPUProfile()
	s1 := a.db.Stats()
	nt := closedLoop(*clients, *duration, bareSend)
	lat := openLoop(*rate, *duration, len(targets), batonSend)

	cancel()
	if err := <-served; err != nil {
		return err
	}
	stored, err := countStored(dir)
	if err != nil {
		return err
	}

	fmt.Fprintf(stdout, "%-34s %12s %10s %10s %8s\n", "run", "msg/s", "p50", "p99", "errors")
	fmt.Fprintf(stdout, "%-34s %12.0f %10s %10s %8d\n", "baton, closed loop", bt.rate(), bt.pct(50), bt.pct(99), bt.errors)
	fmt.Fprintf(stdout, "%-34s %12.0f %10s %10s %8d\n", "bare net/http, closed loop", nt.rate(), nt.pct(50), nt.pct(99), nt.errors)
	fmt.Fprintf(stdout, "%-34s %12.0f %10s %10s %8d\n", fmt.Sprintf("baton, open loop at %d/s", *rate), lat.rate(), lat.pct(50), lat.pct(99), lat.errors)
	fmt.Fprintf(stdout, "\nbaton closed loop: %d commits (fsyncs), %.1f writes per commit\n",
		s1.Commits-s0.Commits, float64(s1.Writes-s0.Writes)/float64(max(1, s1.Commits-s0.Commits)))
	fmt.Fprintf(stdout, "ratio baton / bare net/http: %.2f\n", bt.rate()/nt.rate())
	fmt.Fprintf(stdout, "acknowledged customer messages: %d; stored after shutdown: %d customer, %d bot replies\n",
		bt.ok+lat.ok, stored.customer, stored.bot)
	if stored.customer < bt.ok+lat.ok {
		return fmt.Errorf("bench: %d messages acknowledged but only %d stored", bt.ok+lat.ok, stored.customer)
	}
	return nil
}

// faqs are questions the demo bot answers in one message (no flow, no
// handoff). Each message carries its number, so a conversation repeating
// a question does not read as a frustrated customer repeating themselves.
var faqs = []string{"how long does shipping take", "what is your return policy", "when are you open",
	"how can I pay", "do you ship to germany", "when do I get my money back", "is this in stock", "I need an invoice"}

func faq(n int64) string { return fmt.Sprintf("%s? (question %d)", faqs[n%int64(len(faqs))], n) }

type target struct{ id, token string }

func createConversations(client *http.Client, base string, n int) ([]target, error) {
	out := make([]target, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 32)
	for i := range out {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			resp, err := client.Post(base+"/api/v1/conversations", "application/json", bytes.NewBufferString(`{"channel":"web","locale":"en"}`))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			var c struct {
				ID            string `json:"id"`
				CustomerToken string `json:"customer_token"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || resp.StatusCode != http.StatusCreated {
				errs <- fmt.Errorf("create conversation: status %d: %v", resp.StatusCode, err)
				return
			}
			out[i] = target{c.ID, c.CustomerToken}
		}()
	}
	wg.Wait()
	close(errs)
	return out, <-errs
}

func post(client *http.Client, url, token, body string) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewBufferString(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

type result struct {
	ok, errors int64
	elapsed    time.Duration
	latencies  []time.Duration
}

func (r *result) rate() float64 { return float64(r.ok) / r.elapsed.Seconds() }

func (r *result) pct(p int) string {
	if len(r.latencies) == 0 {
		return "-"
	}
	return r.latencies[(len(r.latencies)-1)*p/100].Round(10 * time.Microsecond).String()
}

// closedLoop runs clients that each send their next message as soon as the
// previous one is acknowledged. Client i owns conversations i, i+clients, ...
func closedLoop(clients int, d time.Duration, send func(i int, n int64) (int, error)) *result {
	var ok, bad atomic.Int64
	lats := make([][]time.Duration, clients)
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := int64(0); time.Now().Before(deadline); n++ {
				t0 := time.Now()
				status, err := send(c, n)
				if err != nil || status != http.StatusCreated {
					bad.Add(1)
					continue
				}
				lats[c] = append(lats[c], time.Since(t0))
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	return finish(ok.Load(), bad.Load(), time.Since(start), lats)
}

// openLoop sends at a fixed rate whatever the server does, and measures
// each message's latency from the moment it was due, so a slow server
// cannot hide its queueing.
func openLoop(rate int, d time.Duration, convs int, send func(i int, n int64) (int, error)) *result {
	total := int(float64(rate) * d.Seconds())
	interval := time.Second / time.Duration(rate)
	workers := min(convs, 512)
	jobs := make(chan int, total)
	var ok, bad atomic.Int64
	lats := make([][]time.Duration, workers)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n int64
			for j := range jobs {
				due := start.Add(time.Duration(j) * interval)
				if wait := time.Until(due); wait > 0 {
					time.Sleep(wait)
				}
				status, err := send(w, 1_000_000+n)
				n++
				if err != nil || status != http.StatusCreated {
					bad.Add(1)
					continue
				}
				lats[w] = append(lats[w], time.Since(due))
				ok.Add(1)
			}
		}()
	}
	for j := range total {
		jobs <- j
	}
	close(jobs)
	wg.Wait()
	return finish(ok.Load(), bad.Load(), time.Since(start), lats)
}

func finish(ok, bad int64, elapsed time.Duration, lats [][]time.Duration) *result {
	r := &result{ok: ok, errors: bad, elapsed: elapsed}
	for _, l := range lats {
		r.latencies = append(r.latencies, l...)
	}
	slices.Sort(r.latencies)
	return r
}

type bareServer struct {
	url   string
	close func()
}

func (b *bareServer) Close() { b.close() }

// httpTestServer is the baseline: net/http decoding the same JSON and
// answering 201 with a small JSON body, and nothing else.
func httpTestServer() *bareServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	var seq atomic.Int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			Text            string `json:"text"`
			ClientMessageID string `json:"client_message_id"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"seq": seq.Add(1), "text": m.Text, "client_message_id": m.ClientMessageID})
	})}
	go srv.Serve(ln)
	return &bareServer{url: "http://" + ln.Addr().String(), close: func() { srv.Close() }}
}

type storedCounts struct{ customer, bot int64 }

func countStored(dir string) (storedCounts, error) {
	db, err := openReadOnly(dir)
	if err != nil {
		return storedCounts{}, err
	}
	defer db.Close()
	var s storedCounts
	err = db.QueryRow(`SELECT count(*) FILTER (WHERE author = 'customer'), count(*) FILTER (WHERE author = 'bot') FROM messages`).Scan(&s.customer, &s.bot)
	return s, err
}

func openReadOnly(dir string) (*sql.DB, error) {
	return sqlite.OpenReadOnly(filepath.Join(dir, "baton.db"))
}
