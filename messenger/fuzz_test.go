package messenger

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

// FuzzParse feeds parse arbitrary bodies. The committed corpus in
// testdata/fuzz/FuzzParse holds Meta's documented examples, one file each;
// the notifications in testdata are added too.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := parse(body)
		if err != nil {
			if n != nil || !errors.Is(err, errMalformed) {
				t.Fatalf("parse = %v, %v", n, err)
			}
			return
		}
		again, _ := parse(body)
		if !reflect.DeepEqual(n, again) {
			t.Fatal("parse is not deterministic")
		}
		if n.Object != "page" && len(n.Entries) > 0 {
			t.Fatalf("entries read for object %q", n.Object)
		}
		for _, e := range n.Entries {
			for _, ev := range e.Events {
				kinds := 0
				if in := ev.Inbound; in != nil {
					kinds++
					if in.Channel != baton.ChannelMessenger || in.Account != "" || in.UserID == "" || in.MessageID == "" {
						t.Fatalf("inbound %+v", in)
					}
					if in.UserID == e.PageID {
						t.Fatalf("the page's own message taken as the customer's: %+v", in)
					}
					if in.Text == "" && in.Payload == "" {
						t.Fatalf("empty inbound %+v", in)
					}
					if !utf8.ValidString(in.Text) || !utf8.ValidString(in.Payload) {
						t.Fatalf("invalid UTF-8 in %+v", in)
					}
				}
				if s := ev.Status; s != nil {
					kinds++
					if s.Channel != baton.ChannelMessenger || s.PlatformID == "" || s.Status != baton.DeliveryDelivered {
						t.Fatalf("status %+v", s)
					}
				}
				if r := ev.Read; r != nil {
					kinds++
					if r.UserID == "" {
						t.Fatalf("read %+v", r)
					}
				}
				if kinds != 1 {
					t.Fatalf("event with %d kinds: %+v", kinds, ev)
				}
			}
		}
	})
}
