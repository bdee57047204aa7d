package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/metrics"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
)

// scrape fetches the exposition from h and returns its status and lines.
func scrape(tb testing.TB, h http.Handler) (int, []string) {
	tb.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, strings.Split(string(body), "\n")
}

// mustHave fails unless every line of want is in lines, exactly.
func mustHave(tb testing.TB, lines []string, want ...string) {
	tb.Helper()
	for _, w := range want {
		if !slices.Contains(lines, w) {
			tb.Errorf("missing line %q", w)
		}
	}
}

// mustNotHave fails if any line starts with one of prefixes.
func mustNotHave(tb testing.TB, lines []string, prefixes ...string) {
	tb.Helper()
	for _, l := range lines {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				tb.Errorf("unexpected line %q", l)
			}
		}
	}
}

func fixedQueues(qs ...metrics.Queue) metrics.QueueSource {
	return func(context.Context) ([]metrics.Queue, error) { return qs, nil }
}

// record calls every method of engine.Metrics at least once.
func record(m *metrics.Metrics) {
	m.MessageIn(baton.ChannelWhatsApp)
	m.MessageIn(baton.ChannelWhatsApp)
	m.MessageOut(baton.ChannelWhatsApp, baton.AuthorBot)
	m.MessageOut(baton.ChannelWeb, baton.AuthorAgent)
	m.Handoff(baton.TriggerText, "billing")
	m.Handoff(baton.TriggerText, "billing")
	m.Handoff(baton.TriggerFrustration, "sales")
	m.Assigned("billing", 45*time.Second)
	m.Assigned("billing", 10*time.Minute)
	m.Assigned("sales", -time.Second)
	m.BotAnswered(false, 250*time.Millisecond, nil)
	m.BotAnswered(true, 2*time.Second, errors.New("timeout"))
	m.ChannelSend(baton.ChannelTelegram, "retry")
	m.ChannelSend(baton.ChannelTelegram, "sent")
	m.OutboxAttempt("webhook", "delivered")
	m.OutboxAttempt("helpdesk", "failed")
}

func TestExposition(t *testing.T) {
	m := metrics.New(fixedQueues(
		metrics.Queue{Department: "billing", Length: 3, OldestWait: 90 * time.Second},
		metrics.Queue{Department: "sales"},
	))
	record(m)

	status, lines := scrape(t, m.Handler())
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	mustHave(t, lines,
		`baton_messages_total{author="customer",channel="whatsapp",direction="in"} 2`,
		`baton_messages_total{author="bot",channel="whatsapp",direction="out"} 1`,
		`baton_messages_total{author="agent",channel="web",direction="out"} 1`,
		// Fixed label sets start at zero.
		`baton_messages_total{author="system",channel="telegram",direction="out"} 0`,

		`baton_handoffs_total{department="billing",trigger="text"} 2`,
		`baton_handoffs_total{department="sales",trigger="frustration"} 1`,

		`baton_assignment_wait_seconds_bucket{department="billing",le="30"} 0`,
		`baton_assignment_wait_seconds_bucket{department="billing",le="60"} 1`,
		`baton_assignment_wait_seconds_bucket{department="billing",le="600"} 2`,
		`baton_assignment_wait_seconds_bucket{department="billing",le="+Inf"} 2`,
		`baton_assignment_wait_seconds_sum{department="billing"} 645`,
		`baton_assignment_wait_seconds_count{department="billing"} 2`,
		// A negative wait counts as zero.
		`baton_assignment_wait_seconds_bucket{department="sales",le="1"} 1`,
		`baton_assignment_wait_seconds_sum{department="sales"} 0`,

		`baton_bot_answer_seconds_bucket{bot="builtin",le="0.25"} 1`,
		`baton_bot_answer_seconds_sum{bot="builtin"} 0.25`,
		`baton_bot_answer_seconds_count{bot="builtin"} 1`,
		`baton_bot_answer_seconds_sum{bot="remote"} 2`,
		`baton_bot_answer_seconds_count{bot="remote"} 1`,
		`baton_bot_errors_total{bot="builtin"} 0`,
		`baton_bot_errors_total{bot="remote"} 1`,

		`baton_channel_sends_total{channel="telegram",outcome="retry"} 1`,
		`baton_channel_sends_total{channel="telegram",outcome="sent"} 1`,
		`baton_channel_sends_total{channel="telegram",outcome="failed"} 0`,

		`baton_outbox_attempts_total{kind="webhook",outcome="delivered"} 1`,
		`baton_outbox_attempts_total{kind="helpdesk",outcome="failed"} 1`,
		`baton_outbox_attempts_total{kind="notifier",outcome="retry"} 0`,

		`baton_queue_length{department="billing"} 3`,
		`baton_queue_length{department="sales"} 0`,
		`baton_queue_oldest_wait_seconds{department="billing"} 90`,
		`baton_queue_oldest_wait_seconds{department="sales"} 0`,
		`baton_scrape_errors_total 0`,

		`# TYPE baton_queue_length gauge`,
		`# TYPE baton_assignment_wait_seconds histogram`,
		`# TYPE baton_messages_total counter`,
	)

	var goroutines, processStart bool
	for _, l := range lines {
		goroutines = goroutines || strings.HasPrefix(l, "go_goroutines ")
		processStart = processStart || strings.HasPrefix(l, "process_start_time_seconds ")
	}
	if !goroutines || !processStart {
		t.Errorf("runtime collectors missing: go_goroutines %v, process_start_time_seconds %v", goroutines, processStart)
	}
}

// The queue gauges are read at scrape time: a second scrape shows the
// queues as they are then.
func TestQueuesAreCurrent(t *testing.T) {
	length := 1
	m := metrics.New(func(context.Context) ([]metrics.Queue, error) {
		return []metrics.Queue{{Department: "billing", Length: length}}, nil
	})
	_, lines := scrape(t, m.Handler())
	mustHave(t, lines, `baton_queue_length{department="billing"} 1`)
	length = 5
	_, lines = scrape(t, m.Handler())
	mustHave(t, lines, `baton_queue_length{department="billing"} 5`)
}

func TestQueueSourceFails(t *testing.T) {
	fail := true
	m := metrics.New(func(context.Context) ([]metrics.Queue, error) {
		if fail {
			return nil, errors.New("database is locked")
		}
		return []metrics.Queue{{Department: "billing", Length: 2}}, nil
	})
	m.MessageIn(baton.ChannelWeb)

	for i, errs := range []string{"1", "2"} {
		status, lines := scrape(t, m.Handler())
		if status != http.StatusOK {
			t.Fatalf("scrape %d: status %d, want 200 with the other metrics", i, status)
		}
		mustHave(t, lines,
			`baton_messages_total{author="customer",channel="web",direction="in"} 1`,
			`baton_scrape_errors_total `+errs,
		)
		mustNotHave(t, lines, "baton_queue_length", "baton_queue_oldest_wait_seconds")
	}

	fail = false
	_, lines := scrape(t, m.Handler())
	mustHave(t, lines, `baton_queue_length{department="billing"} 2`, `baton_scrape_errors_total 2`)
}

func TestQueueSourceHasDeadline(t *testing.T) {
	var hasDeadline bool
	var left time.Duration
	m := metrics.New(func(ctx context.Context) ([]metrics.Queue, error) {
		var deadline time.Time
		deadline, hasDeadline = ctx.Deadline()
		left = time.Until(deadline)
		return nil, nil
	})
	scrape(t, m.Handler())
	if !hasDeadline || left > 2*time.Second {
		t.Errorf("queue source context: deadline %v, %v left; want one within 2s", hasDeadline, left)
	}
}

func TestNoQueueSource(t *testing.T) {
	m := metrics.New(nil)
	m.Handoff(baton.TriggerAgent, "billing")
	status, lines := scrape(t, m.Handler())
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	mustHave(t, lines, `baton_handoffs_total{department="billing",trigger="agent"} 1`)
	mustNotHave(t, lines, "baton_queue_", "baton_scrape_errors_total")
}

func TestLabelValues(t *testing.T) {
	long := strings.Repeat("d", 70)
	// "é" is two bytes and straddles the 64-byte cut.
	straddling := strings.Repeat("a", 63) + "é" + "tail"
	m := metrics.New(fixedQueues(
		metrics.Queue{Department: "", Length: 1, OldestWait: time.Minute},
		metrics.Queue{Department: "", Length: 2, OldestWait: 3 * time.Minute},
		metrics.Queue{Department: long + "x", Length: 4},
		metrics.Queue{Department: long + "y", Length: 5},
	))
	m.Handoff("", "")
	m.Handoff(baton.TriggerText, long)
	m.Handoff(baton.TriggerText, straddling)
	m.Handoff(baton.TriggerText, "bad\xffname")
	m.MessageOut("", "")
	m.OutboxAttempt("", "")

	_, lines := scrape(t, m.Handler())
	mustHave(t, lines,
		`baton_handoffs_total{department="none",trigger="none"} 1`,
		`baton_handoffs_total{department="`+strings.Repeat("d", 64)+`",trigger="text"} 1`,
		`baton_handoffs_total{department="`+strings.Repeat("a", 63)+`",trigger="text"} 1`,
		`baton_handoffs_total{department="bad?name",trigger="text"} 1`,
		`baton_messages_total{author="none",channel="none",direction="out"} 1`,
		`baton_outbox_attempts_total{kind="none",outcome="none"} 1`,
		// Departments that collide after the guard are merged.
		`baton_queue_length{department="none"} 3`,
		`baton_queue_oldest_wait_seconds{department="none"} 180`,
		`baton_queue_length{department="`+strings.Repeat("d", 64)+`"} 9`,
		`baton_scrape_errors_total 0`,
	)
}

func TestLint(t *testing.T) {
	m := metrics.New(fixedQueues(metrics.Queue{Department: "billing", Length: 1}))
	record(m)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// promlint is what testutil.CollectAndLint runs; linting the served
	// text checks exactly what Prometheus reads.
	problems, err := promlint.New(resp.Body).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "baton_") {
			t.Errorf("%s: %s", p.Metric, p.Text)
		}
	}
}

// Every family is served, so the lint above saw them all.
func TestFamilies(t *testing.T) {
	m := metrics.New(fixedQueues(metrics.Queue{Department: "billing"}))
	record(m)
	_, lines := scrape(t, m.Handler())
	var got []string
	for _, l := range lines {
		if name, ok := strings.CutPrefix(l, "# TYPE baton_"); ok {
			got = append(got, "baton_"+strings.Fields(name)[0])
		}
	}
	slices.Sort(got)
	want := []string{
		"baton_assignment_wait_seconds",
		"baton_bot_answer_seconds",
		"baton_bot_errors_total",
		"baton_channel_sends_total",
		"baton_handoffs_total",
		"baton_messages_total",
		"baton_outbox_attempts_total",
		"baton_queue_length",
		"baton_queue_oldest_wait_seconds",
		"baton_scrape_errors_total",
	}
	if !slices.Equal(got, want) {
		t.Errorf("families\n got %q\nwant %q", got, want)
	}
}

func BenchmarkMessageIn(b *testing.B) {
	m := metrics.New(nil)
	b.ReportAllocs()
	for b.Loop() {
		m.MessageIn(baton.ChannelWhatsApp)
	}
}
