package telegram

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

// FuzzParse feeds parse arbitrary bodies. Its seeds, in
// testdata/fuzz/FuzzParse, are the documented updates of
// testdata/updates. parse must never panic, and what it accepts must be
// something the sink can store.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := parse(body)
		if err != nil {
			return
		}
		if ev.updateID <= 0 {
			t.Fatalf("accepted an update without update_id")
		}
		if ev.in == nil {
			if ev.ignored == "" {
				t.Fatalf("neither an inbound message nor a reason to ignore the update")
			}
			return
		}
		in := ev.in
		if in.Channel != baton.ChannelTelegram {
			t.Errorf("channel %q", in.Channel)
		}
		if id, err := strconv.ParseInt(in.UserID, 10, 64); err != nil || id == 0 {
			t.Errorf("user id %q is not a chat id", in.UserID)
		}
		if in.MessageID == "" || in.Text == "" {
			t.Errorf("message id %q, text %q: the sink needs both", in.MessageID, in.Text)
		}
		tap := strings.HasPrefix(in.MessageID, "cb:")
		if tap != (ev.callbackID != "") || tap != (in.Payload != "") {
			t.Errorf("message id %q, callback %q, payload %q: a tap has all three, a message none", in.MessageID, ev.callbackID, in.Payload)
		}
		if !tap && (in.At.IsZero() || !strings.HasPrefix(in.MessageID, in.UserID+":")) {
			t.Errorf("message %q from %q at %v", in.MessageID, in.UserID, in.At)
		}
		for _, s := range []string{in.Text, in.Name, in.Payload, in.Locale, in.Phone} {
			if !utf8.ValidString(s) {
				t.Errorf("invalid UTF-8 %q", s)
			}
		}
		if again, err := parse(body); err != nil || *again.in != *in {
			t.Errorf("parse is not deterministic")
		}
	})
}
