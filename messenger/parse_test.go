package messenger

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton"
)

func TestMillis(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{`1458692752478`, time.UnixMilli(1458692752478).UTC()},
		{`"1458692752478"`, time.UnixMilli(1458692752478).UTC()},
		{`1.458692752478e12`, time.UnixMilli(1458692752478).UTC()},
		{`"1527459824"`, time.Unix(1527459824, 0).UTC()}, // seconds, as in the dashboard's test notifications
		{`1527459824`, time.Unix(1527459824, 0).UTC()},
		{`0`, time.Time{}},
		{`-5`, time.Time{}},
		{`null`, time.Time{}},
		{`1e300`, time.Time{}},
	}
	for _, tt := range tests {
		var m millis
		if err := json.Unmarshal([]byte(tt.in), &m); err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if got := m.Time(); !got.Equal(tt.want) {
			t.Errorf("%s: %v, want %v", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{`"soon"`, `true`, `{}`, `[]`, `"NaN"`} {
		var m millis
		if err := json.Unmarshal([]byte(bad), &m); err == nil && m != 0 {
			t.Errorf("%s read as %d", bad, m)
		}
	}
}

func TestFlexString(t *testing.T) {
	for in, want := range map[string]flexString{
		`"104412345678901"`: "104412345678901",
		`1517776481860111`:  "1517776481860111",
		`369239263222822`:   "369239263222822",
		`null`:              "",
	} {
		var s flexString
		if err := json.Unmarshal([]byte(in), &s); err != nil || s != want {
			t.Errorf("%s: %q, %v; want %q", in, s, err, want)
		}
	}
	for _, bad := range []string{`true`, `{}`, `[1]`} {
		var s flexString
		if err := json.Unmarshal([]byte(bad), &s); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{
		"https://cdn.fbsbx.com/v/t59.2708-21/1_n.pdf/invoice-1042.pdf?_nc_cat=109&oh=03_Q7c": "invoice-1042.pdf",
		"https://cdn.fbsbx.com/v/t59/1_n.pdf/Offerte%20%5Bdraft%5D.pdf?x=1":                  "Offerte draft.pdf",
		"https://cdn.fbsbx.com/":      "",
		"":                            "",
		"://bad":                      "",
		"https://x.example/a/%0Aevil": "evil",
	} {
		if got := fileName(in); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDerivedIDIsStable(t *testing.T) {
	a := derivedID("postback", customer, 1735725780555, "GET_STARTED", "Get Started")
	if a != derivedID("postback", customer, 1735725780555, "GET_STARTED", "Get Started") {
		t.Fatal("the same postback got two ids")
	}
	for _, other := range []string{
		derivedID("postback", otherCustomer, 1735725780555, "GET_STARTED", "Get Started"),
		derivedID("postback", customer, 1735725780556, "GET_STARTED", "Get Started"),
		derivedID("postback", customer, 1735725780555, "GET_STARTEDx", "Get Started"),
		derivedID("postback", customer, 1735725780555, "GET_STARTE", "DGet Started"),
		derivedID("message", customer, 1735725780555, "GET_STARTED", "Get Started"),
	} {
		if other == a {
			t.Errorf("two postbacks share the id %s", a)
		}
	}
}

func TestParseKeepsReadReceipts(t *testing.T) {
	n, err := parse(readTestdata(t, "read.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []event{{Read: &readReceipt{UserID: customer, Watermark: time.UnixMilli(1735726080456).UTC()}}}
	if len(n.Entries) != 1 || !reflect.DeepEqual(n.Entries[0].Events, want) {
		t.Fatalf("got %+v", n.Entries)
	}
}

func TestParseSkipsWithReasons(t *testing.T) {
	body := []byte(`{"object":"page","entry":[{"id":"` + shopPage + `",
		"standby":[{"sender":{"id":"1"},"message":{"mid":"m_s","text":"x"}}],
		"messaging":[
			{"sender":{"id":"` + customer + `"},"message":{"is_echo":true,"mid":"m_e","text":"x"}},
			{"sender":{"user_ref":"ref-1"},"message":{"mid":"m_u","text":"x"}},
			{"sender":{"id":"` + shopPage + `"},"message":{"mid":"m_p","text":"x"}},
			{"sender":{"id":"` + customer + `"},"message":{"mid":"m_empty"}},
			{"sender":{"id":"` + customer + `"},"postback":{"mid":"m_pb"}},
			{"sender":{"id":"` + customer + `"},"delivery":{"watermark":1735726020456}},
			{"sender":{"id":"` + customer + `"},"optin":{"ref":"x"}}]}]}`)
	n, err := parse(body)
	if err != nil {
		t.Fatal(err)
	}
	e := n.Entries[0]
	if len(e.Events) != 0 {
		t.Errorf("events %+v", e.Events)
	}
	if len(e.Skipped) != 8 {
		t.Errorf("skipped %q, want 8 reasons", e.Skipped)
	}
}

// readSeed reads one file of the FuzzParse corpus: Go's fuzz format
// holding one []byte.
func readSeed(tb testing.TB, name string) []byte {
	tb.Helper()
	b := readTestdata(tb, filepath.Join("fuzz", "FuzzParse", name))
	header, rest, _ := strings.Cut(string(b), "\n")
	lit, ok := strings.CutPrefix(strings.TrimSpace(rest), "[]byte(")
	lit, ok2 := strings.CutSuffix(lit, ")")
	if header != "go test fuzz v1" || !ok || !ok2 {
		tb.Fatalf("%s: not a fuzz corpus file", name)
	}
	s, err := strconv.Unquote(lit)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return []byte(s)
}

// Meta's documented examples, as committed in the fuzz corpus.
func TestParseDocumentedExamples(t *testing.T) {
	type want struct {
		text, payload, id string // the one inbound event, if any
		statuses          int
		reads             int
		err               bool
	}
	tests := map[string]want{
		"doc_message_text_quick_reply":    {text: "hello, world!", payload: "helpful:yes", id: "mid.1457764197618:41d102a3e1ae206a38"},
		"doc_message_reply_to":            {text: "hello, world!", id: "m_1457764197618:41d102a3e1ae206a38"},
		"doc_message_attachment":          {text: "[image]", id: "mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c"},
		"doc_message_sticker":             {text: "[sticker]", id: "mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_d"},
		"doc_message_appointment_booking": {text: "[appointment booking]", id: "mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_e"},
		"doc_message_post":                {text: "[post]", id: "mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_f"},
		"doc_message_fallback_no_payload": {text: "[link]", id: "mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_g"},
		"doc_message_location":            {text: "[location]", id: "mid.1458696618141:b4ef9d19ec21086067"},
		"doc_message_text_seq":            {text: "hello, world!", id: "mid.1457764197618:41d102a3e1ae206a38"},
		"doc_echo":                        {},
		"doc_echo_standby":                {},
		"doc_delivery":                    {statuses: 1},
		"doc_delivery_watermark_only":     {},
		"doc_read":                        {reads: 1},
		"doc_postback":                    {text: "TITLE-FOR-THE-CTA", payload: "USER-DEFINED-PAYLOAD", id: "m_MESSAGE-ID"},
		"doc_postback_field_value":        {err: true},
		"doc_reaction":                    {},
		"doc_referral":                    {},
		"object_instagram":                {},
		"malformed_truncated":             {err: true},
		"malformed_array":                 {err: true},
	}
	for name, w := range tests {
		t.Run(name, func(t *testing.T) {
			n, err := parse(readSeed(t, name))
			if (err != nil) != w.err {
				t.Fatalf("parse: %v", err)
			}
			if err != nil {
				return
			}
			var inbound []*baton.Inbound
			statuses, reads := 0, 0
			for _, e := range n.Entries {
				for _, ev := range e.Events {
					switch {
					case ev.Inbound != nil:
						inbound = append(inbound, ev.Inbound)
					case ev.Status != nil:
						statuses++
					case ev.Read != nil:
						reads++
					}
				}
			}
			if statuses != w.statuses || reads != w.reads {
				t.Errorf("%d statuses, %d reads", statuses, reads)
			}
			if w.id == "" {
				if len(inbound) != 0 {
					t.Errorf("inbound %+v", inbound[0])
				}
				return
			}
			if len(inbound) != 1 || inbound[0].Text != w.text || inbound[0].Payload != w.payload || inbound[0].MessageID != w.id || inbound[0].UserID != customer {
				t.Errorf("inbound %+v", inbound)
			}
		})
	}
	all, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParse", "*"))
	if len(all) != len(tests)+2 { // doc_batch and the regression are the fuzz test's alone
		t.Errorf("%d corpus files, %d checked here", len(all), len(tests))
	}
}
