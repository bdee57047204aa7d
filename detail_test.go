package baton_test

import (
	"testing"

	"github.com/batonhq/baton"
)

func TestValidateDetail(t *testing.T) {
	tests := []struct {
		kind, in, want string
		ok             bool
	}{
		{"email", "dana@example.com", "dana@example.com", true},
		{"email", "  Dana@Example.COM ", "dana@example.com", true},
		{"email", "Dana Smith <dana@example.co.uk>", "dana@example.co.uk", true},
		{"email", "dana@localhost", "", false},
		{"email", "dana at example dot com", "", false},
		{"email", "@example.com", "", false},
		{"email", "", "", false},
		{"email", "   ", "", false},
		{"text", "  A-123 ", "A-123", true},
		{"text", "\t", "", false},
		{"", "anything", "anything", true},
		{"phone", "+31 (0)6-1234 5678", "+310612345678", true},
		{"phone", "0031 6 12345678", "+31612345678", true},
		{"phone", "call me", "", false},
		{"phone", "12345", "", false},
		{"date", "2026-03-31", "2026-03-31", true},
		{"date", "31/03/2026", "2026-03-31", true},
		{"date", "31.3.26", "2026-03-31", true},
		{"date", "03/31/2026", "2026-03-31", true}, // 31 cannot be a month
		{"date", "31/04/2026", "", false},          // no 31 April
		{"date", "tomorrow", "", false},
		{"order_number", "#AB-12345", "AB-12345", true},
		{"order_number", "my order number is 100234.", "100234", true},
		{"order_number", "none", "", false},
	}
	for _, tt := range tests {
		spec := baton.DetailSpec{Key: "x", Kind: tt.kind}
		got, ok := spec.Validate(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Validate(%q, %q) = %q, %v; want %q, %v", tt.kind, tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
