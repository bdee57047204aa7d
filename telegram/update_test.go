package telegram

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// privateMessage is an update with a message in Noor's private chat; body
// is the message's content fields.
func privateMessage(body string) []byte {
	return []byte(`{"update_id":731402300,"message":{"message_id":150,"date":1767262000,` +
		`"from":{"id":584920137,"is_bot":false,"first_name":"Noor","language_code":"nl"},` +
		`"chat":{"id":584920137,"first_name":"Noor","type":"private"},` + body + `}}`)
}

func TestParseMessageKinds(t *testing.T) {
	tests := []struct {
		name, body, text string
	}{
		{"text", `"text":"Waar is mijn pakket?"`, "Waar is mijn pakket?"},
		{"start without parameter", `"text":"/start"`, "/start"},
		{"a command like start", `"text":"/starter"`, "/starter"},
		{"photo without caption", `"photo":[{"file_id":"a","file_unique_id":"b","width":90,"height":90}]`, "[photo]"},
		{"video with caption", `"video":{"file_id":"a","file_unique_id":"b","width":1,"height":1,"duration":3},"caption":"kijk"`, "[video] kijk"},
		{"GIF", `"animation":{"file_id":"a","file_unique_id":"b","width":1,"height":1,"duration":1,"file_name":"x.mp4"},` +
			`"document":{"file_id":"a","file_unique_id":"b","file_name":"x.mp4"}`, "[GIF]"},
		{"video note", `"video_note":{"file_id":"a","file_unique_id":"b","length":240,"duration":4}`, "[video message]"},
		{"audio", `"audio":{"file_id":"a","file_unique_id":"b","duration":200,"performer":"Doe Maar","title":"Pa"}`, "[audio: Pa]"},
		{"document without a name", `"document":{"file_id":"a","file_unique_id":"b"}`, "[document]"},
		{"sticker without emoji", `"sticker":{"file_id":"a","file_unique_id":"b","type":"regular","width":512,"height":512,"is_animated":false,"is_video":false}`, "[sticker]"},
		{"venue", `"venue":{"location":{"latitude":52.3731,"longitude":4.8922},"title":"Dam","address":"Dam 1, Amsterdam"},` +
			`"location":{"latitude":52.3731,"longitude":4.8922}`, "[venue: Dam, Dam 1, Amsterdam, 52.3731, 4.8922]"},
		{"negative coordinates", `"location":{"latitude":-33.8688,"longitude":-151.2093}`, "[location: -33.8688, -151.2093]"},
		{"someone else's contact", `"contact":{"phone_number":"+31201234567","first_name":"Kees"}`, "[contact: Kees, +31201234567]"},
		{"dice", `"dice":{"emoji":"🎲","value":5}`, "[dice 🎲 5]"},
		{"poll", `"poll":{"id":"1","question":"Welke kleur?","options":[],"total_voter_count":0,"is_closed":false,"is_anonymous":true,"type":"regular","allows_multiple_answers":false}`, "[poll: Welke kleur?]"},
		{"something new", `"story":{"chat":{"id":1,"type":"private"},"id":3}`, "[unsupported message]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := parse(privateMessage(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if ev.in == nil {
				t.Fatalf("ignored: %s", ev.ignored)
			}
			if ev.in.Text != tc.text {
				t.Errorf("text %q, want %q", ev.in.Text, tc.text)
			}
			if ev.in.Phone != "" {
				t.Errorf("phone %q: only the sender's own contact is their phone", ev.in.Phone)
			}
		})
	}
}

func TestParseIgnores(t *testing.T) {
	tests := []struct {
		name, body, why string
	}{
		{"pinned message", string(privateMessage(`"pinned_message":{"message_id":149,"date":1767261000,"chat":{"id":584920137,"type":"private"},"text":"x"}`)), "service message"},
		{"channel post", `{"update_id":731402301,"channel_post":{"message_id":9,"date":1767262000,"chat":{"id":-1001987654321,"title":"Shop news","type":"channel"},"text":"Sale!"}}`, "channel_post"},
		{"group message", `{"update_id":731402302,"message":{"message_id":9,"date":1767262000,"chat":{"id":-4012345678,"title":"Team","type":"group"},"text":"hoi"}}`, "group chat"},
		{"inline-mode tap", `{"update_id":731402303,"callback_query":{"id":"77","from":{"id":584920137,"is_bot":false,"first_name":"Noor"},"inline_message_id":"AAAAAEZ","chat_instance":"-1","data":"4"}}`, "inline-mode"},
		{"game tap", `{"update_id":731402304,"callback_query":{"id":"78","from":{"id":584920137,"is_bot":false,"first_name":"Noor"},` +
			`"message":{"message_id":131,"date":1767261010,"chat":{"id":584920137,"type":"private"}},"chat_instance":"-1","game_short_name":"quiz"}}`, "without callback data"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := parse([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if ev.in != nil || !strings.Contains(ev.ignored, tc.why) {
				t.Errorf("in %+v, ignored %q; want ignored for %q", ev.in, ev.ignored, tc.why)
			}
		})
	}
}

func TestParseTapOnOldMessage(t *testing.T) {
	// The message with the button is too old to read (an
	// InaccessibleMessage, date 0): the tap counts, with its data as text,
	// and there is no keyboard to remove.
	ev, err := parse([]byte(`{"update_id":731402305,"callback_query":{"id":"79","from":{"id":584920137,"is_bot":false,"first_name":"Noor","username":"noordv"},` +
		`"message":{"message_id":12,"date":0,"chat":{"id":584920137,"type":"private"}},"chat_instance":"-1","data":"helpful:yes"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if ev.in == nil || ev.in.Text != "helpful:yes" || ev.in.Payload != "helpful:yes" || ev.in.Name != "Noor" {
		t.Fatalf("in %+v", ev.in)
	}
	if ev.keyboard != nil || ev.callbackID != "79" {
		t.Errorf("keyboard %+v, callback %q", ev.keyboard, ev.callbackID)
	}
}

func TestParseNameFallsBackToUsername(t *testing.T) {
	ev, err := parse([]byte(`{"update_id":731402306,"message":{"message_id":151,"date":1767262000,` +
		`"from":{"id":584920137,"is_bot":false,"first_name":"","username":"noordv"},"chat":{"id":584920137,"type":"private"},"text":"hoi"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if ev.in.Name != "noordv" {
		t.Errorf("name %q, want the username", ev.in.Name)
	}
}

// The fuzz seeds are the documented updates, one file each, in Go's
// corpus format.
func TestFuzzSeedsAreTheUpdates(t *testing.T) {
	updates, _ := filepath.Glob(filepath.Join("testdata", "updates", "*.json"))
	seeds, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParse", "*"))
	if len(updates) == 0 || len(seeds) != len(updates) {
		t.Fatalf("%d updates, %d seeds", len(updates), len(seeds))
	}
	for _, u := range updates {
		want, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		seed, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzParse", strings.TrimSuffix(filepath.Base(u), ".json")))
		if err != nil {
			t.Fatal(err)
		}
		header, arg, _ := strings.Cut(string(seed), "\n")
		arg = strings.TrimSuffix(strings.TrimSpace(arg), ")")
		got, err := strconv.Unquote(strings.TrimPrefix(arg, "[]byte("))
		if header != "go test fuzz v1" || err != nil || !bytes.Equal([]byte(got), want) {
			t.Errorf("seed for %s is not the update in Go's corpus format", u)
		}
	}
}
