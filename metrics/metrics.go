// Package metrics counts what Baton does and serves it to Prometheus:
// messages, handoffs, queues, bot answers and deliveries.
package metrics

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/engine"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "baton"

// queueTimeout bounds reading the queues at scrape time, well under
// Prometheus' default 10 s scrape timeout, so a slow store costs the queue
// gauges and not the whole scrape.
const queueTimeout = 2 * time.Second

// Queue is one department's queue as it stands now.
type Queue struct {
	Department string
	Length     int
	// OldestWait is how long the longest-waiting conversation has queued.
	OldestWait time.Duration
}

// QueueSource reads the current queues. It is called on every scrape and
// must honour ctx, which carries a short deadline.
type QueueSource func(ctx context.Context) ([]Queue, error)

// Metrics implements engine.Metrics with Prometheus counters and
// histograms in a registry of its own.
type Metrics struct {
	reg     *prometheus.Registry
	handler http.Handler

	messages       *prometheus.CounterVec
	handoffs       *prometheus.CounterVec
	assignmentWait *prometheus.HistogramVec
	botAnswer      *prometheus.HistogramVec
	botErrors      *prometheus.CounterVec
	channelSends   *prometheus.CounterVec
	outbox         *prometheus.CounterVec
}

// New returns Metrics that read the queue gauges from queues at scrape
// time; with a nil queues there are no queue gauges.
func New(queues QueueSource) *Metrics {
	m := &Metrics{
		// Its own registry, not the global default, so tests and several
		// instances in one process never collide.
		reg: prometheus.NewRegistry(),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "messages_total",
			Help:      "Messages from customers (direction in) and to them (out), by channel and author.",
		}, []string{"channel", "direction", "author"}),
		handoffs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "handoffs_total",
			Help:      "Requests for a human, by what triggered them and the department they went to.",
		}, []string{"trigger", "department"}),
		assignmentWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace,
			Name:      "assignment_wait_seconds",
			Help:      "How long a queued conversation waited until an agent took it.",
			// A support queue waits seconds to an hour.
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600},
		}, []string{"department"}),
		botAnswer: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace,
			Name:      "bot_answer_seconds",
			Help:      "How long the bot took to answer, failed answers included.",
			// The builtin bot answers in milliseconds, a remote one in
			// seconds up to its timeout.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"bot"}),
		botErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "bot_errors_total",
			Help:      "Bot answers that failed or timed out.",
		}, []string{"bot"}),
		channelSends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "channel_sends_total",
			Help:      "Attempts to send on a messaging channel, by outcome: sent, retry or failed.",
		}, []string{"channel", "outcome"}),
		outbox: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "outbox_attempts_total",
			Help:      "Attempts to deliver an integration event, by kind and outcome: delivered, retry or failed.",
		}, []string{"kind", "outcome"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.messages, m.handoffs, m.assignmentWait, m.botAnswer, m.botErrors,
		m.channelSends, m.outbox,
	)
	if queues != nil {
		m.reg.MustRegister(newQueueCollector(queues))
	}
	m.initialise()
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		// A failing queue source must not hide every other metric.
		ErrorHandling: promhttp.ContinueOnError,
	})
	return m
}

// initialise creates the series of the fixed label sets at zero, so rates
// and alerts work before the first event instead of seeing no series.
func (m *Metrics) initialise() {
	channels := []baton.Channel{baton.ChannelWeb, baton.ChannelAPI, baton.ChannelWhatsApp, baton.ChannelMessenger, baton.ChannelTelegram}
	for _, ch := range channels {
		m.messages.WithLabelValues(string(ch), "in", string(baton.AuthorCustomer))
		for _, a := range []baton.Author{baton.AuthorBot, baton.AuthorAgent, baton.AuthorSystem} {
			m.messages.WithLabelValues(string(ch), "out", string(a))
		}
		for _, o := range []string{"sent", "retry", "failed"} {
			m.channelSends.WithLabelValues(string(ch), o)
		}
	}
	for _, bot := range []string{"builtin", "remote"} {
		m.botAnswer.WithLabelValues(bot)
		m.botErrors.WithLabelValues(bot)
	}
	for _, kind := range []string{"webhook", "helpdesk", "notifier"} {
		for _, o := range []string{"delivered", "retry", "failed"} {
			m.outbox.WithLabelValues(kind, o)
		}
	}
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler { return m.handler }

// MessageIn counts a customer's message.
func (m *Metrics) MessageIn(ch baton.Channel) {
	m.messages.WithLabelValues(label(string(ch)), "in", string(baton.AuthorCustomer)).Inc()
}

// MessageOut counts a message to the customer.
func (m *Metrics) MessageOut(ch baton.Channel, author baton.Author) {
	m.messages.WithLabelValues(label(string(ch)), "out", label(string(author))).Inc()
}

// Handoff counts a request for a human.
func (m *Metrics) Handoff(trigger baton.Trigger, department string) {
	m.handoffs.WithLabelValues(label(string(trigger)), label(department)).Inc()
}

// Assigned observes how long a queued conversation waited for its agent.
func (m *Metrics) Assigned(department string, waited time.Duration) {
	m.assignmentWait.WithLabelValues(label(department)).Observe(seconds(waited))
}

// BotAnswered observes one answer of the bot. A failed answer is observed
// too: its time is what the customer waited.
func (m *Metrics) BotAnswered(remote bool, took time.Duration, err error) {
	bot := "builtin"
	if remote {
		bot = "remote"
	}
	m.botAnswer.WithLabelValues(bot).Observe(seconds(took))
	if err != nil {
		m.botErrors.WithLabelValues(bot).Inc()
	}
}

// ChannelSend counts one attempt to send on a messaging channel.
func (m *Metrics) ChannelSend(ch baton.Channel, outcome string) {
	m.channelSends.WithLabelValues(label(string(ch)), label(outcome)).Inc()
}

// OutboxAttempt counts one attempt to deliver an integration event.
func (m *Metrics) OutboxAttempt(kind, outcome string) {
	m.outbox.WithLabelValues(label(kind), label(outcome)).Inc()
}

// maxLabel bounds a label value: departments come from config and triggers
// from code, and a runaway value must not blow up the series it creates.
const maxLabel = 64

// label makes s a safe label value: valid UTF-8 (Prometheus panics
// otherwise), at most maxLabel bytes cut on a rune boundary, and "none"
// when empty so the series stays visible and distinct.
func label(s string) string {
	if s == "" {
		return "none"
	}
	if !utf8.ValidString(s) {
		// "?" is never longer than the bytes it replaces.
		s = strings.ToValidUTF8(s, "?")
	}
	if len(s) > maxLabel {
		i := maxLabel
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
	}
	return s
}

// seconds converts d for observation; a negative duration, from a clock
// step, counts as zero rather than lowering the sum.
func seconds(d time.Duration) float64 {
	if d < 0 {
		return 0
	}
	return d.Seconds()
}

// queueCollector reads the queues at scrape time, so the gauges are never
// stale and nothing has to keep them up to date between scrapes.
type queueCollector struct {
	source     QueueSource
	length     *prometheus.Desc
	oldestWait *prometheus.Desc
	// errors is collected here, after the read, so the scrape that failed
	// already reports it.
	errors prometheus.Counter
}

func newQueueCollector(source QueueSource) *queueCollector {
	return &queueCollector{
		source: source,
		length: prometheus.NewDesc(prometheus.BuildFQName(namespace, "", "queue_length"),
			"Conversations waiting for an agent, by department.", []string{"department"}, nil),
		oldestWait: prometheus.NewDesc(prometheus.BuildFQName(namespace, "", "queue_oldest_wait_seconds"),
			"How long the longest-waiting conversation has queued, by department.", []string{"department"}, nil),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "scrape_errors_total",
			Help:      "Scrapes in which the queues could not be read; the queue gauges are missing from those.",
		}),
	}
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.length
	ch <- c.oldestWait
	c.errors.Describe(ch)
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	defer c.errors.Collect(ch)
	ctx, cancel := context.WithTimeout(context.Background(), queueTimeout)
	defer cancel()
	queues, err := c.source(ctx)
	if err != nil {
		c.errors.Inc()
		// Reports the error to the handler, which serves the rest.
		ch <- prometheus.NewInvalidMetric(c.length, fmt.Errorf("reading queues: %w", err))
		return
	}
	// Cut or empty names can collide; two series with the same labels
	// would fail the whole family, so they are merged.
	merged := make(map[string]Queue, len(queues))
	for _, q := range queues {
		dep := label(q.Department)
		s := merged[dep]
		s.Length += q.Length
		s.OldestWait = max(s.OldestWait, q.OldestWait)
		merged[dep] = s
	}
	for dep, q := range merged {
		ch <- prometheus.MustNewConstMetric(c.length, prometheus.GaugeValue, float64(q.Length), dep)
		ch <- prometheus.MustNewConstMetric(c.oldestWait, prometheus.GaugeValue, seconds(q.OldestWait), dep)
	}
}

var _ engine.Metrics = (*Metrics)(nil)
