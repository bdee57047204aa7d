package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
)

// The lookups on every webhook must use an index: a full scan grows with
// every conversation and message ever stored.
func TestWebhookLookupsUseIndexes(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "baton.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, tc := range map[string]struct{ query, index string }{
		"customer's conversation": {`SELECT id FROM conversations c
			WHERE channel = 'whatsapp' AND channel_account = 'main' AND channel_user = '31612345678' AND channel_user <> ''`,
			"conversations_channel_user"},
		"read watermark": {`SELECT id FROM deliveries d WHERE channel = 'messenger' AND account = 'page' AND user_id = 'u1'
			AND sent_at <= 5 AND status IN ('sent', 'delivered')`, "deliveries_customer"},
		"status update": {`SELECT id FROM deliveries d WHERE d.channel = 'whatsapp' AND d.platform_id = 'wamid.1'`,
			"deliveries_platform"},
	} {
		rows, err := db.read.Query(`EXPLAIN QUERY PLAN ` + tc.query)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if p := strings.Join(plan, "; "); !strings.Contains(p, "INDEX "+tc.index) {
			t.Errorf("%s: plan %q does not use %s", name, p, tc.index)
		}
	}
}
