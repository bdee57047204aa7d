package sqlite_test

import (
	"context"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/batonhq/baton"
)

// BenchmarkCommit measures durable group commits from many concurrent
// conversations: a customer message and the bot's reply appended alone
// (the bot answering in bot mode), and the same with a change of state.
func BenchmarkCommit(b *testing.B) {
	b.Run("append", func(b *testing.B) { benchmarkCommit(b, true) })
	b.Run("state", func(b *testing.B) { benchmarkCommit(b, false) })
}

func benchmarkCommit(b *testing.B, appendOnly bool) {
	ctx := context.Background()
	db := MustOpenDB(b)
	now := time.Now()
	const conversations = 2000
	convs := make([]*baton.Conversation, conversations)
	for i := range convs {
		convs[i] = newConversation(baton.NewID("c"), now)
		convs[i].Contact = baton.Contact{Name: "Customer", Email: "customer@example.com"}
		if err := db.Commit(ctx, &baton.Change{Create: true, Conversation: convs[i]}); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	b.SetParallelism(64) // 64 × GOMAXPROCS writers
	b.ResetTimer()
	cpu0 := cpuTime()
	s0 := db.Stats()
	defer func() {
		b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		s1 := db.Stats()
		b.ReportMetric(float64(s1.Writes-s0.Writes)/float64(s1.Commits-s0.Commits), "writes/commit")
	}()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(1)) - 1
		if i >= conversations {
			b.Error("more writers than conversations")
			return
		}
		c := convs[i]
		for pb.Next() {
			n := c.Clone()
			if !appendOnly {
				n.Version++
				n.UnknownStreak++
			}
			n.LastSeq += 2
			msgs := []baton.Message{
				{Seq: n.LastSeq - 1, Author: baton.AuthorCustomer, Text: "how long does shipping take?", ClientMessageID: baton.NewID("m"), CreatedAt: now},
				{Seq: n.LastSeq, Author: baton.AuthorBot, Text: "We ship within 1 business day. Delivery takes 2–4 business days.", CreatedAt: now},
			}
			if err := db.Commit(ctx, &baton.Change{Conversation: n, Messages: msgs, AppendOnly: appendOnly}); err != nil {
				b.Error(err)
				return
			}
			c = n
		}
	})
}

// cpuTime is the CPU time this process has used, user and system, in ns:
// a cost that, unlike wall time, barely moves when the machine is busy.
func cpuTime() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
