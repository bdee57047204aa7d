package whatsapp

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

// FuzzParse feeds parse arbitrary bodies. Its seed corpus, in
// testdata/fuzz/FuzzParse, holds every payload of testdata/ and a few
// edge cases. Whatever parse returns must be usable as it is: a message
// with an ID, a sender and something to show; a status Baton knows.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := parse(body)
		if err != nil {
			if r != nil {
				t.Fatal("parse returned a report with its error")
			}
			return
		}
		if r.Skipped < 0 {
			t.Fatalf("skipped %d", r.Skipped)
		}
		if r.Object != objectWhatsApp && len(r.Changes) > 0 {
			t.Fatalf("changes from an object %q", r.Object)
		}
		for _, c := range r.Changes {
			if c.PhoneNumberID == "" {
				t.Fatal("a change without a phone number ID")
			}
			for _, in := range c.Inbound {
				checkInbound(t, in)
			}
			for _, u := range c.Statuses {
				checkStatus(t, u)
			}
		}
	})
}

func checkInbound(t *testing.T, in baton.Inbound) {
	t.Helper()
	switch {
	case in.Channel != baton.ChannelWhatsApp:
		t.Fatalf("channel %q", in.Channel)
	case in.Account != "":
		t.Fatalf("parse named an account: %q", in.Account)
	case in.MessageID == "" || in.UserID == "":
		t.Fatalf("a message without an ID or sender: %+v", in)
	case in.Phone != "" && in.Phone != "+"+in.UserID:
		t.Fatalf("phone %q of sender %q", in.Phone, in.UserID)
	case in.Phone != "" && !digits(in.UserID):
		t.Fatalf("phone number made of %q", in.UserID)
	case in.Text == "":
		t.Fatalf("a message with nothing to show: %+v", in)
	case !utf8.ValidString(in.Text) || !utf8.ValidString(in.Payload) || !utf8.ValidString(in.Name):
		t.Fatalf("invalid UTF-8: %+v", in)
	case !in.At.IsZero() && in.At.Location() != nil && in.At.Location().String() != "UTC":
		t.Fatalf("time %v not in UTC", in.At)
	}
}

func checkStatus(t *testing.T, u baton.StatusUpdate) {
	t.Helper()
	if u.Channel != baton.ChannelWhatsApp || u.Account != "" || u.PlatformID == "" {
		t.Fatalf("status %+v", u)
	}
	switch u.Status {
	case baton.DeliverySent, baton.DeliveryDelivered, baton.DeliveryRead:
		if u.Error != "" {
			t.Fatalf("an error on a %s status: %q", u.Status, u.Error)
		}
	case baton.DeliveryFailed:
		if u.Error == "" {
			t.Fatal("a failure without a reason")
		}
	default:
		t.Fatalf("status %q", u.Status)
	}
}

// TestSeedCorpus checks that every payload in testdata/ is a seed of
// FuzzParse, byte for byte, so the fuzzer starts from Meta's shapes.
func TestSeedCorpus(t *testing.T) {
	payloads, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(payloads) == 0 {
		t.Fatalf("no payloads: %v", err)
	}
	for _, p := range payloads {
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readSeed(filepath.Join("testdata", "fuzz", "FuzzParse", name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("seed %s differs from %s", name, p)
		}
		if _, err := parse(want); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// readSeed reads a corpus file of one []byte value.
func readSeed(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	s.Buffer(nil, 1<<22)
	if !s.Scan() || s.Text() != "go test fuzz v1" {
		return nil, os.ErrInvalid
	}
	if !s.Scan() {
		return nil, os.ErrInvalid
	}
	line := s.Text()
	if !strings.HasPrefix(line, "[]byte(") || !strings.HasSuffix(line, ")") {
		return nil, os.ErrInvalid
	}
	v, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(line, "[]byte("), ")"))
	return []byte(v), err
}

func TestParse(t *testing.T) {
	t.Run("other object", func(t *testing.T) {
		r, err := parse([]byte(`{"object":"page","entry":[{"id":"1","messaging":[]}]}`))
		if err != nil || r.Object != "page" || len(r.Changes) != 0 {
			t.Fatalf("%+v, %v", r, err)
		}
	})
	t.Run("skips what it cannot use", func(t *testing.T) {
		body := `{"object":"whatsapp_business_account","entry":[{"changes":[
			{"field":"messages","value":{"metadata":{"phone_number_id":"1"},
				"messages":[{"from":"","id":"a","type":"text","text":{"body":"x"}},{"from":"31","id":"","type":"text"},{"from":"31","id":"ok","timestamp":1767261600,"type":"text","text":{"body":""}}],
				"statuses":[{"id":"s","status":"played"},{"id":"","status":"read"},{"id":"d","status":"deleted"}]}},
			{"field":"messages","value":{"metadata":{},"messages":[{"from":"31","id":"b","type":"text"}]}}]}]}`
		r, err := parse([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if r.Skipped != 5 || len(r.Changes) != 1 || len(r.Changes[0].Inbound) != 1 || len(r.Changes[0].Statuses) != 0 {
			t.Fatalf("skipped %d, changes %+v", r.Skipped, r.Changes)
		}
		in := r.Changes[0].Inbound[0]
		if in.Text != "[empty message]" || in.At.Unix() != 1767261600 {
			t.Fatalf("%+v", in)
		}
	})
	t.Run("failed status without errors", func(t *testing.T) {
		r, err := parse([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"statuses":[{"id":"w","status":"failed"}]}}]}]}`))
		if err != nil || len(r.Changes[0].Statuses) != 1 || r.Changes[0].Statuses[0].Error == "" {
			t.Fatalf("%+v, %v", r, err)
		}
	})
}
