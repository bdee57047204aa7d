// Package sqlite stores Baton's state in an embedded SQLite database
// (modernc.org/sqlite, pure Go). All writes go through one writer that
// commits concurrent requests together: durable and fast.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// MaxBatch is the most write requests committed in one transaction.
const MaxBatch = 512

// QueueSize bounds the writes waiting for the writer; beyond it a write
// fails at once with EUNAVAILABLE instead of queueing without limit.
const QueueSize = 8192

// DB is the SQLite store.
type DB struct {
	Path  string
	read  *sql.DB
	write *sql.DB
	ops   chan *op
	done  chan struct{}
	// wconn is the writer's connection, held for the DB's lifetime; stmts
	// are prepared on it once.
	wconn *sql.Conn
	stmts map[string]driver.Stmt

	stopCheckpoints, checkpointsDone chan struct{}
	commits, committedOps            atomic.Int64
}

// Open opens (creating if needed) the database at path, runs pending
// migrations and starts the writer.
func Open(path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	dsn := func(extra ...string) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "foreign_keys(ON)")
		for _, e := range extra {
			q.Add("_pragma", e)
		}
		return "file:" + path + "?" + q.Encode()
	}
	// journal_mode=WAL persists in the file; synchronous=FULL makes every
	// commit fsync the WAL, so a committed write survives a power loss.
	// The writer never checkpoints: checkpointer does, on its own
	// connection, so copying the WAL back into the database file never
	// delays a commit.
	write, err := sql.Open("sqlite", dsn("journal_mode(WAL)", "synchronous(FULL)", "wal_autocheckpoint(0)")+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	db := &DB{Path: path, write: write, ops: make(chan *op, QueueSize), done: make(chan struct{}),
		stmts: map[string]driver.Stmt{}, stopCheckpoints: make(chan struct{}), checkpointsDone: make(chan struct{})}
	if err := db.migrate(); err != nil {
		write.Close()
		return nil, err
	}
	read, err := sql.Open("sqlite", dsn("query_only(1)"))
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	db.read = read
	if db.wconn, err = write.Conn(context.Background()); err != nil {
		db.closeConns()
		return nil, err
	}
	err = db.wconn.Raw(func(dc any) error {
		for name, q := range writeStatements {
			s, err := dc.(driver.ConnPrepareContext).PrepareContext(context.Background(), q)
			if err != nil {
				return fmt.Errorf("prepare %s: %w", name, err)
			}
			db.stmts[name] = s
		}
		return nil
	})
	if err != nil {
		db.closeConns()
		return nil, err
	}
	go db.writer()
	go db.checkpointer()
	return db, nil
}

// CheckpointInterval is how often the WAL is copied back into the database file.
const CheckpointInterval = 250 * time.Millisecond

// checkpointer copies committed WAL frames into the database file in the
// background. A passive checkpoint never blocks the writer or readers;
// once it has caught up, the writer starts the WAL over from the top.
func (db *DB) checkpointer() {
	defer close(db.checkpointsDone)
	t := time.NewTicker(CheckpointInterval)
	defer t.Stop()
	for {
		select {
		case <-db.stopCheckpoints:
			return
		case <-t.C:
			// Errors (SQLITE_BUSY while another checkpoint runs) are retried next tick.
			db.read.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

// Close stops the writer after the writes already queued and closes the database.
func (db *DB) Close() error {
	close(db.stopCheckpoints)
	<-db.checkpointsDone
	close(db.ops)
	<-db.done
	return db.closeConns()
}

func (db *DB) closeConns() error {
	if db.wconn != nil {
		db.wconn.Raw(func(any) error {
			for _, s := range db.stmts {
				s.Close()
			}
			return nil
		})
		db.wconn.Close()
		// Fold the WAL into the database file so a clean shutdown leaves one file.
		db.write.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	var errs []error
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	errs = append(errs, db.write.Close())
	return errors.Join(errs...)
}

// migrate applies the embedded migrations not yet recorded, each in its own
// transaction, and records each version.
func (db *DB) migrate() error {
	if _, err := db.write.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		version, err := strconv.Atoi(strings.SplitN(filepath.Base(name), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with its number", name)
		}
		if err := db.migrateOne(name, version); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

func (db *DB) migrateOne(name string, version int) error {
	tx, err := db.write.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return err
	} else if n > 0 {
		return nil
	}
	body, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(string(body)); err != nil {
		return err
	}
	if _, err := tx.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, time.Now().UnixMicro()); err != nil {
		return err
	}
	return tx.Commit()
}

// SchemaVersion returns the highest applied migration.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.read.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(...any) error }

// collect reads every row of a query's result with scan.
func collect[T any](rows *sql.Rows, err error, scan func(rowScanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// OpenReadOnly opens the database at path for reading only, for tools
// that inspect it; the server must not be writing it.
func OpenReadOnly(path string) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+path+"?mode=ro")
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Ping reports whether the database answers a read.
func (db *DB) Ping(ctx context.Context) error {
	var n int
	return db.read.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&n)
}
