package sqlite

import (
	"context"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/batonhq/baton"
)

// op is one write request: a function run inside the writer's transaction.
//
// An op that returns a *baton.Error must not have written anything: the
// batch goes on without it. Any other error rolls the batch back, and each
// op of it is retried alone so that only the faulty one fails.
type op struct {
	fn  func(w *wtx) error
	err chan error
}

// wtx is the writer's transaction. It talks to the driver directly: the
// writer is the one serial path of every request, and database/sql's
// per-statement bookkeeping is a cost it need not pay.
type wtx struct {
	db   *DB
	conn driver.Conn
	tx   driver.Tx
	args []driver.NamedValue
}

// exec runs one of the prepared writeStatements.
func (w *wtx) exec(name string, args ...any) (driver.Result, error) {
	return w.run(w.db.stmts[name], args)
}

// execSQL prepares and runs a statement that is not on the hot path.
func (w *wtx) execSQL(query string, args ...any) (driver.Result, error) {
	s, err := w.conn.(driver.ConnPrepareContext).PrepareContext(context.Background(), query)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return w.run(s, args)
}

func (w *wtx) run(s driver.Stmt, args []any) (driver.Result, error) {
	w.args = w.args[:0]
	for i, a := range args {
		v, err := driverValue(a)
		if err != nil {
			return nil, err
		}
		w.args = append(w.args, driver.NamedValue{Ordinal: i + 1, Value: v})
	}
	return s.(driver.StmtExecContext).ExecContext(context.Background(), w.args)
}

func driverValue(v any) (driver.Value, error) {
	switch x := v.(type) {
	case nil, string, int64, []byte, bool:
		return x, nil
	case int:
		return int64(x), nil
	}
	return driver.DefaultParameterConverter.ConvertValue(v)
}

// do runs fn in the writer and waits until its transaction is durable.
func (db *DB) do(ctx context.Context, fn func(w *wtx) error) error {
	o := &op{fn: fn, err: make(chan error, 1)}
	select {
	case db.ops <- o:
	default:
		return baton.Errorf(baton.EUNAVAILABLE, "the server is overloaded; retry shortly")
	}
	// Once queued, the write happens whatever the caller does; wait for it
	// so the caller never reports failure for a write that was made.
	return <-o.err
}

// writer commits queued ops in batches: it takes what has queued up while
// the previous commit was syncing, so the cost of one fsync is shared.
// Under load (the last batch was not a lone write) it lingers briefly for
// more writes to join: a little latency buys much larger batches.
func (db *DB) writer() {
	defer close(db.done)
	batch := make([]*op, 0, MaxBatch)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	busy := false
	for first := range db.ops {
		batch = append(batch[:0], first)
		open := db.fill(&batch, nil)
		if open && busy && len(batch) < MaxBatch {
			timer.Reset(Linger) // since Go 1.23 a stopped timer never delivers a stale tick
			db.fill(&batch, timer.C)
			timer.Stop()
		}
		busy = len(batch) > 1
		db.commit(batch)
	}
}

// Linger is how long the writer waits for more writes to join a batch
// when it is busy.
const Linger = 200 * time.Microsecond

// fill adds queued ops to the batch until it is full, the queue is empty
// (when wait is nil) or wait fires. It returns false if the queue is closed.
func (db *DB) fill(batch *[]*op, wait <-chan time.Time) bool {
	for len(*batch) < MaxBatch {
		if wait == nil {
			select {
			case o, ok := <-db.ops:
				if !ok {
					return false
				}
				*batch = append(*batch, o)
			default:
				return true
			}
			continue
		}
		select {
		case o, ok := <-db.ops:
			if !ok {
				return false
			}
			*batch = append(*batch, o)
		case <-wait:
			return true
		}
	}
	return true
}

func (db *DB) commit(batch []*op) {
	results, err := db.run(batch)
	if err == nil {
		db.commits.Add(1)
		db.committedOps.Add(int64(len(batch)))
		for i, o := range batch {
			o.err <- results[i]
		}
		return
	}
	if len(batch) == 1 {
		if e, ok := err.(errSeqTaken); ok {
			err = baton.Errorf(baton.ECONFLICT, "conversation %s changed concurrently", e.id)
		}
		batch[0].err <- err
		return
	}
	for _, o := range batch {
		db.commit([]*op{o})
	}
}

func (db *DB) run(batch []*op) (results []error, err error) {
	err = db.wconn.Raw(func(dc any) error {
		conn := dc.(driver.Conn)
		tx, err := conn.(driver.ConnBeginTx).BeginTx(context.Background(), driver.TxOptions{})
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		w := &wtx{db: db, conn: conn, tx: tx}
		results = make([]error, len(batch))
		for i, o := range batch {
			if err := o.fn(w); err != nil {
				if _, ok := err.(*baton.Error); ok {
					results[i] = err
					continue
				}
				tx.Rollback()
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			tx.Rollback()
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	})
	return results, err
}

// WriterStats counts the writer's transactions and the writes they carried.
type WriterStats struct {
	Commits int64 // transactions committed (one fsync each)
	Writes  int64 // write requests committed in them
}

// Stats returns the writer's counters since Open.
func (db *DB) Stats() WriterStats {
	return WriterStats{Commits: db.commits.Load(), Writes: db.committedOps.Load()}
}
