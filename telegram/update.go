package telegram

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton"
)

// What Telegram posts to the webhook: one Update per request
// (core.telegram.org/bots/api, "Getting updates" and "Available types").
// Only the fields Baton reads are declared.

type update struct {
	UpdateID      int64          `json:"update_id"`
	Message       *message       `json:"message"`
	EditedMessage *message       `json:"edited_message"`
	CallbackQuery *callbackQuery `json:"callback_query"`
}

type user struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	Username     string `json:"username"`
	LanguageCode string `json:"language_code"`
}

type chat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"` // "private", "group", "supergroup" or "channel"
	Username  string `json:"username"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
}

type message struct {
	MessageID   int64                 `json:"message_id"`
	From        *user                 `json:"from"`
	Date        int64                 `json:"date"` // Unix time; 0 for an inaccessible message
	Chat        *chat                 `json:"chat"`
	Text        string                `json:"text"`
	Caption     string                `json:"caption"`
	Photo       []json.RawMessage     `json:"photo"`
	Animation   *file                 `json:"animation"`
	Audio       *audio                `json:"audio"`
	Document    *file                 `json:"document"`
	Video       *file                 `json:"video"`
	VideoNote   *file                 `json:"video_note"`
	Voice       *file                 `json:"voice"`
	Sticker     *sticker              `json:"sticker"`
	Contact     *contact              `json:"contact"`
	Dice        *dice                 `json:"dice"`
	Poll        *poll                 `json:"poll"`
	Venue       *venue                `json:"venue"`
	Location    *location             `json:"location"`
	ReplyMarkup *inlineKeyboardMarkup `json:"reply_markup"`

	// Service messages a private chat can show, which nobody wrote.
	PinnedMessage          json.RawMessage `json:"pinned_message"`
	AutoDeleteTimerChanged json.RawMessage `json:"message_auto_delete_timer_changed"`
	ChatBackgroundSet      json.RawMessage `json:"chat_background_set"`
	WriteAccessAllowed     json.RawMessage `json:"write_access_allowed"`
}

// file is what Baton reads of Document, Video, VideoNote, Voice and
// Animation.
type file struct {
	FileName string `json:"file_name"`
}

type audio struct {
	Performer string `json:"performer"`
	Title     string `json:"title"`
	FileName  string `json:"file_name"`
}

type sticker struct {
	Emoji string `json:"emoji"`
}

type contact struct {
	PhoneNumber string `json:"phone_number"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	UserID      int64  `json:"user_id"`
}

type dice struct {
	Emoji string `json:"emoji"`
	Value int    `json:"value"`
}

type poll struct {
	Question string `json:"question"`
}

type location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

type venue struct {
	Location location `json:"location"`
	Title    string   `json:"title"`
	Address  string   `json:"address"`
}

type callbackQuery struct {
	ID   string `json:"id"`
	From *user  `json:"from"`
	// Message is the bot's message with the tapped button: a Message, or
	// an InaccessibleMessage (date 0) when it is too old or deleted.
	Message *message `json:"message"`
	// InlineMessageID is set instead of Message for inline-mode messages,
	// which Baton does not send.
	InlineMessageID string `json:"inline_message_id"`
	Data            string `json:"data"`
	GameShortName   string `json:"game_short_name"`
}

// event is what one update asks of Baton.
type event struct {
	updateID int64
	// in goes to the sink, with Account (and At, for a tap) filled in by
	// the handler; nil when the update is ignored.
	in *baton.Inbound
	// ignored says why nothing goes to the sink.
	ignored string
	// callbackID is a callback query to answer, so the client stops its
	// progress indicator.
	callbackID string
	// keyboard is the message whose inline keyboard to remove after a tap.
	keyboard *messageRef
}

type messageRef struct{ chatID, messageID int64 }

// parse reads one webhook update. It is pure: a malformed update is an
// error; an update Baton does not handle is an event with ignored set.
func parse(body []byte) (event, error) {
	var u update
	if err := json.Unmarshal(body, &u); err != nil {
		return event{}, fmt.Errorf("not an update: %w", err)
	}
	if u.UpdateID <= 0 {
		return event{}, errors.New("not an update: no update_id")
	}
	ev := event{updateID: u.UpdateID}
	switch {
	case u.Message != nil:
		return ev, readMessage(&ev, u.Message)
	case u.CallbackQuery != nil:
		return ev, readCallback(&ev, u.CallbackQuery)
	case u.EditedMessage != nil:
		// Baton's timeline only grows: the bot or an agent may already
		// have answered the original, and taking the edit as a new message
		// would have it answered twice. SetWebhook does not ask for edits;
		// they arrive only if the webhook was set up elsewhere.
		ev.ignored = "edited message"
	default:
		ev.ignored = "update of another kind: " + updateKind(body)
	}
	return ev, nil
}

// updateKind names the field an update carries besides update_id.
func updateKind(body []byte) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return "unknown"
	}
	kinds := make([]string, 0, len(fields))
	for k := range fields {
		if k != "update_id" {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		return "none"
	}
	slices.Sort(kinds)
	return strings.Join(kinds, ", ")
}

func readMessage(ev *event, m *message) error {
	if m.Chat == nil || m.Chat.ID == 0 || m.Chat.Type == "" {
		return errors.New("message without a chat")
	}
	if m.Chat.Type != "private" {
		// Baton talks with one customer at a time; a group or channel the
		// bot was added to is no conversation with a customer.
		ev.ignored = "message in a " + m.Chat.Type + " chat"
		return nil
	}
	if m.MessageID <= 0 || m.Date <= 0 {
		return errors.New("message without message_id or date")
	}
	text, ok := messageText(m)
	if !ok {
		ev.ignored = "service message"
		return nil
	}
	in := &baton.Inbound{
		Channel:   baton.ChannelTelegram,
		UserID:    strconv.FormatInt(m.Chat.ID, 10),
		Name:      displayName(m.From, m.Chat),
		MessageID: messageID(m.Chat.ID, m.MessageID),
		Text:      text,
		At:        time.Unix(m.Date, 0).UTC(),
	}
	if m.From != nil {
		in.Locale = m.From.LanguageCode
		// A contact of the sender themselves is their phone number,
		// shared with the "share my phone number" button.
		if c := m.Contact; c != nil && c.UserID != 0 && c.UserID == m.From.ID {
			in.Phone = c.PhoneNumber
		}
	}
	ev.in = in
	return nil
}

// messageID names a message for Baton: message ids count per chat.
func messageID(chatID, id int64) string {
	return strconv.FormatInt(chatID, 10) + ":" + strconv.FormatInt(id, 10)
}

// messageText is a message as text for the timeline: its text, or a
// readable placeholder with the caption for what is not text. It reports
// false for a service message, which nobody wrote.
func messageText(m *message) (string, bool) {
	if m.Text != "" {
		// "/start" or "/start <deep-link parameter>": the parameter is for
		// bots that track where customers come from; Baton keeps the
		// command.
		if m.Text == "/start" || strings.HasPrefix(m.Text, "/start ") {
			return "/start", true
		}
		return m.Text, true
	}
	var kind string
	switch {
	case len(m.Photo) > 0:
		kind = "[photo]"
	case m.Sticker != nil:
		kind = labelled("sticker", m.Sticker.Emoji, " ")
	case m.Voice != nil:
		kind = "[voice message]"
	case m.VideoNote != nil:
		kind = "[video message]"
	case m.Animation != nil:
		// Animations come with a document too: look first.
		kind = "[GIF]"
	case m.Video != nil:
		kind = "[video]"
	case m.Audio != nil:
		kind = labelled("audio", firstOf(m.Audio.Title, m.Audio.FileName), ": ")
	case m.Document != nil:
		kind = labelled("document", m.Document.FileName, ": ")
	case m.Venue != nil:
		// Venues come with a location too: look first.
		kind = "[venue: " + joinNonEmpty(", ", m.Venue.Title, m.Venue.Address,
			coordinates(m.Venue.Location)) + "]"
	case m.Location != nil:
		kind = "[location: " + coordinates(*m.Location) + "]"
	case m.Contact != nil:
		c := m.Contact
		kind = "[contact: " + joinNonEmpty(", ", joinNonEmpty(" ", c.FirstName, c.LastName), c.PhoneNumber) + "]"
	case m.Dice != nil:
		kind = fmt.Sprintf("[dice %s %d]", m.Dice.Emoji, m.Dice.Value)
	case m.Poll != nil:
		kind = labelled("poll", m.Poll.Question, ": ")
	case m.PinnedMessage != nil || m.AutoDeleteTimerChanged != nil || m.ChatBackgroundSet != nil || m.WriteAccessAllowed != nil:
		return "", false
	default:
		// Something the customer sent that Baton cannot show: the agent
		// should still know they wrote.
		kind = "[unsupported message]"
	}
	if m.Caption != "" {
		return kind + " " + m.Caption, true
	}
	return kind, true
}

// labelled is "[what<sep>label]", or "[what]" without a label.
func labelled(what, label, sep string) string {
	if label == "" {
		return "[" + what + "]"
	}
	return "[" + what + sep + label + "]"
}

func coordinates(l location) string {
	return strconv.FormatFloat(l.Latitude, 'f', -1, 64) + ", " + strconv.FormatFloat(l.Longitude, 'f', -1, 64)
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func joinNonEmpty(sep string, s ...string) string {
	return strings.Join(slices.DeleteFunc(s, func(v string) bool { return v == "" }), sep)
}

// displayName is the customer's name as Telegram tells it: first and last
// name, else the username.
func displayName(u *user, c *chat) string {
	if u != nil {
		if n := joinNonEmpty(" ", u.FirstName, u.LastName); n != "" {
			return n
		}
		if u.Username != "" {
			return u.Username
		}
	}
	if c != nil {
		if n := joinNonEmpty(" ", c.FirstName, c.LastName); n != "" {
			return n
		}
		return c.Username
	}
	return ""
}

func readCallback(ev *event, q *callbackQuery) error {
	if q.ID == "" || q.From == nil || q.From.ID == 0 {
		return errors.New("callback query without id or sender")
	}
	// Whatever happens next, the client waits for an answer.
	ev.callbackID = q.ID
	m := q.Message
	switch {
	case m == nil:
		ev.ignored = "tap on an inline-mode message"
		return nil
	case m.Chat == nil || m.Chat.ID == 0 || m.Chat.Type == "":
		return errors.New("callback query message without a chat")
	case m.Chat.Type != "private":
		ev.ignored = "tap in a " + m.Chat.Type + " chat"
		return nil
	case q.Data == "":
		ev.ignored = "tap without callback data"
		return nil
	}
	ev.in = &baton.Inbound{
		Channel:   baton.ChannelTelegram,
		UserID:    strconv.FormatInt(m.Chat.ID, 10),
		Name:      displayName(q.From, m.Chat),
		MessageID: "cb:" + q.ID,
		Text:      firstOf(buttonTitle(m.ReplyMarkup, q.Data), q.Data),
		Payload:   q.Data,
		Locale:    q.From.LanguageCode,
	}
	// A message older than the Bot API can still reach (date 0) cannot be
	// edited.
	if m.Date > 0 && m.MessageID > 0 && m.ReplyMarkup != nil {
		ev.keyboard = &messageRef{chatID: m.Chat.ID, messageID: m.MessageID}
	}
	return nil
}

// buttonTitle is the text of the keyboard's button with this callback
// data: what the customer saw and tapped.
func buttonTitle(k *inlineKeyboardMarkup, data string) string {
	if k == nil {
		return ""
	}
	for _, row := range k.InlineKeyboard {
		for _, b := range row {
			if b.CallbackData == data && b.Text != "" {
				return b.Text
			}
		}
	}
	return ""
}
