package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/batonhq/baton"
)

const agentColumns = `id, name, email, departments, skills, max_concurrent, status, token_hash, created_at, updated_at,
	last_assigned_at, password_hash`

func scanAgent(row rowScanner) (*baton.Agent, error) {
	var (
		a                baton.Agent
		depts, skills    string
		status           string
		created, updated int64
	)
	var lastAssigned sql.NullInt64
	err := row.Scan(&a.ID, &a.Name, &a.Email, &depts, &skills, &a.MaxConcurrent, &status, &a.TokenHash, &created, &updated, &lastAssigned, &a.PasswordHash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, baton.Errorf(baton.ENOTFOUND, "agent not found")
	} else if err != nil {
		return nil, err
	}
	a.Status, a.CreatedAt, a.UpdatedAt = baton.AgentStatus(status), fromMicros(created), fromMicros(updated)
	a.LastAssignedAt = fromNullMicros(lastAssigned)
	if err := json.Unmarshal([]byte(depts), &a.Departments); err != nil {
		return nil, fmt.Errorf("agent %s: departments: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(skills), &a.Skills); err != nil {
		return nil, fmt.Errorf("agent %s: skills: %w", a.ID, err)
	}
	return &a, nil
}

func agentArgs(a *baton.Agent) ([]any, error) {
	depts, err := json.Marshal(nonNil(a.Departments))
	if err != nil {
		return nil, err
	}
	skills, err := json.Marshal(nonNil(a.Skills))
	if err != nil {
		return nil, err
	}
	return []any{a.ID, a.Name, a.Email, string(depts), string(skills), a.MaxConcurrent, string(a.Status), a.TokenHash,
		micros(a.CreatedAt), micros(a.UpdatedAt), nullMicros(a.LastAssignedAt), nullBytes(a.PasswordHash)}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// CreateAgent stores a new agent.
func (db *DB) CreateAgent(ctx context.Context, a *baton.Agent) error {
	args, err := agentArgs(a)
	if err != nil {
		return err
	}
	return db.do(ctx, func(w *wtx) error {
		_, err := w.execSQL(`INSERT INTO agents (`+agentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
		if isUnique(err) {
			return errEmailTaken(a.Email)
		}
		return err
	})
}

func errEmailTaken(email string) error {
	return baton.Errorf(baton.ECONFLICT, "another agent already has the email %s", email)
}

func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// SetAgentPassword replaces an agent's password hash and ends their
// browser sessions: a changed password signs out everywhere else.
func (db *DB) SetAgentPassword(ctx context.Context, id string, hash []byte, at time.Time) error {
	return db.do(ctx, func(w *wtx) error {
		res, err := w.execSQL(`UPDATE agents SET password_hash = ?, updated_at = ? WHERE id = ?`, nullBytes(hash), micros(at), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return baton.Errorf(baton.ENOTFOUND, "agent not found")
		}
		_, err = w.execSQL(`DELETE FROM sessions WHERE agent_id = ?`, id)
		return err
	})
}

// AgentByEmail finds an agent by email, ignoring case.
func (db *DB) AgentByEmail(ctx context.Context, email string) (*baton.Agent, error) {
	if email == "" {
		return nil, baton.Errorf(baton.ENOTFOUND, "agent not found")
	}
	return scanAgent(db.read.QueryRowContext(ctx, `SELECT `+agentColumns+` FROM agents WHERE lower(email) = lower(?) AND email <> ''`, email))
}

// SetAgentStatus changes an agent's status.
func (db *DB) SetAgentStatus(ctx context.Context, id string, st baton.AgentStatus, at time.Time) error {
	return db.updateAgent(ctx, `UPDATE agents SET status = ?, updated_at = ? WHERE id = ?`, string(st), micros(at), id)
}

// SetAgentToken replaces an agent's token hash; the old token stops working.
func (db *DB) SetAgentToken(ctx context.Context, id string, hash []byte, at time.Time) error {
	return db.updateAgent(ctx, `UPDATE agents SET token_hash = ?, updated_at = ? WHERE id = ?`, hash, micros(at), id)
}

// SetAgentProfile stores an agent's name, email, departments, skills and capacity.
func (db *DB) SetAgentProfile(ctx context.Context, a *baton.Agent) error {
	depts, err := json.Marshal(nonNil(a.Departments))
	if err != nil {
		return err
	}
	skills, err := json.Marshal(nonNil(a.Skills))
	if err != nil {
		return err
	}
	err = db.updateAgent(ctx, `UPDATE agents SET name = ?, email = ?, departments = ?, skills = ?, max_concurrent = ?,
		updated_at = ? WHERE id = ?`, a.Name, a.Email, string(depts), string(skills), a.MaxConcurrent, micros(a.UpdatedAt), a.ID)
	if isUnique(err) {
		return errEmailTaken(a.Email)
	}
	return err
}

func (db *DB) updateAgent(ctx context.Context, query string, args ...any) error {
	return db.do(ctx, func(w *wtx) error {
		res, err := w.execSQL(query, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return baton.Errorf(baton.ENOTFOUND, "agent not found")
		}
		return nil
	})
}

// Agent returns one agent.
func (db *DB) Agent(ctx context.Context, id string) (*baton.Agent, error) {
	return scanAgent(db.read.QueryRowContext(ctx, `SELECT `+agentColumns+` FROM agents WHERE id = ?`, id))
}

// AgentByTokenHash returns the agent whose token has this hash.
func (db *DB) AgentByTokenHash(ctx context.Context, hash []byte) (*baton.Agent, error) {
	return scanAgent(db.read.QueryRowContext(ctx, `SELECT `+agentColumns+` FROM agents WHERE token_hash = ?`, hash))
}

// Agents returns all agents by name.
func (db *DB) Agents(ctx context.Context) ([]*baton.Agent, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+agentColumns+` FROM agents ORDER BY name, id`)
	return collect(rows, err, scanAgent)
}

// CreateIntegration stores a new machine client.
func (db *DB) CreateIntegration(ctx context.Context, i *baton.Integration) error {
	return db.do(ctx, func(w *wtx) error {
		_, err := w.execSQL(`INSERT INTO integrations (id, name, token_hash, created_at) VALUES (?, ?, ?, ?)`,
			i.ID, i.Name, i.TokenHash, micros(i.CreatedAt))
		return err
	})
}

// IntegrationByTokenHash returns the integration whose token has this hash.
func (db *DB) IntegrationByTokenHash(ctx context.Context, hash []byte) (*baton.Integration, error) {
	var i baton.Integration
	var created int64
	err := db.read.QueryRowContext(ctx, `SELECT id, name, token_hash, created_at FROM integrations WHERE token_hash = ?`, hash).
		Scan(&i.ID, &i.Name, &i.TokenHash, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, baton.Errorf(baton.ENOTFOUND, "integration not found")
	} else if err != nil {
		return nil, err
	}
	i.CreatedAt = fromMicros(created)
	return &i, nil
}

// Setting returns a server-wide value, or "" if unset.
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := db.read.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetSetting stores a server-wide value.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	return db.do(ctx, func(w *wtx) error {
		_, err := w.execSQL(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	})
}
