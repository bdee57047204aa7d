package sqlite

import (
	"context"
	"database/sql"
	"fmt"

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

// wtx is the writer's transaction, with the prepared statements bound to it.
type wtx struct {
	db    *DB
	tx    *sql.Tx
	bound map[string]*sql.Stmt
}

func (w *wtx) exec(name string, args ...any) (sql.Result, error) {
	s, ok := w.bound[name]
	if !ok {
		s = w.tx.Stmt(w.db.stmts[name])
		w.bound[name] = s
	}
	return s.Exec(args...)
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
func (db *DB) writer() {
	defer close(db.done)
	batch := make([]*op, 0, MaxBatch)
	for first := range db.ops {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < MaxBatch {
			select {
			case o, ok := <-db.ops:
				if !ok {
					break fill
				}
				batch = append(batch, o)
			default:
				break fill
			}
		}
		db.commit(batch)
	}
}

func (db *DB) commit(batch []*op) {
	results, err := db.run(batch)
	if err == nil {
		for i, o := range batch {
			o.err <- results[i]
		}
		return
	}
	if len(batch) == 1 {
		batch[0].err <- err
		return
	}
	for _, o := range batch {
		db.commit([]*op{o})
	}
}

func (db *DB) run(batch []*op) ([]error, error) {
	tx, err := db.write.Begin()
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	w := &wtx{db: db, tx: tx, bound: make(map[string]*sql.Stmt, len(writeStatements))}
	results := make([]error, len(batch))
	for i, o := range batch {
		err := o.fn(w)
		if err != nil {
			if _, ok := err.(*baton.Error); ok {
				results[i] = err
				continue
			}
			tx.Rollback()
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("commit: %w", err)
	}
	return results, nil
}
