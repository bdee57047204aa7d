package telegram

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

const (
	// maxTextLength is sendMessage's limit on text, in UTF-16 code units:
	// Telegram counts text in those (MessageEntity offsets are in UTF-16),
	// and no count of characters is longer.
	maxTextLength = 4096
	// maxCallbackData is the limit on a button's callback_data, in bytes.
	maxCallbackData = 64
	// maxSentParts bounds how many partly sent deliveries are remembered.
	maxSentParts = 1000
)

// Send sends out's text to the customer's chat with sendMessage. A text
// longer than Telegram takes goes as several messages, the buttons under
// the last; the id returned, "<chat id>:<message id>" like an inbound
// message's, is the last one's. Errors are *baton.SendError: Retry for
// rate limits (with Telegram's retry_after), 5xx and network failures;
// final otherwise, e.g. when the customer blocked the bot.
//
// Telegram has no reply window and no templates, so out.Window and
// out.Template play no part: the text is what goes out.
func (a *Account) Send(ctx context.Context, out *baton.Outgoing) (string, error) {
	if out == nil || out.Delivery == nil {
		return "", &baton.SendError{Reason: "nothing to send"}
	}
	chatID, err := strconv.ParseInt(out.Delivery.UserID, 10, 64)
	if err != nil || chatID == 0 {
		return "", &baton.SendError{Reason: fmt.Sprintf("%q is not a Telegram chat id", out.Delivery.UserID)}
	}
	parts := splitText(out.Text, maxTextLength)
	if len(parts) == 0 {
		return "", &baton.SendError{Reason: "Telegram cannot send a message without text"}
	}
	var markup *inlineKeyboardMarkup
	if len(out.Buttons) > 0 {
		var cut int
		markup, cut = keyboard(out.Buttons)
		if cut > 0 {
			a.log.Warn("button payloads longer than Telegram's 64 bytes were cut; the bot gets the cut payload back",
				"buttons", cut, "delivery", out.Delivery.ID)
		}
	}
	id := out.Delivery.ID
	var last message
	for i := a.partsSent(id, len(parts)); i < len(parts); i++ {
		req := sendMessageRequest{ChatID: chatID, Text: parts[i]}
		if i == len(parts)-1 {
			req.ReplyMarkup = markup
		}
		last = message{}
		if err := a.call(ctx, "sendMessage", req, &last); err != nil {
			se := a.sendError(err)
			if se.Retry {
				a.setPartsSent(id, i)
			} else {
				a.setPartsSent(id, 0)
			}
			return "", se
		}
	}
	a.setPartsSent(id, 0)
	if last.MessageID == 0 {
		return "", nil
	}
	if last.Chat != nil && last.Chat.ID != 0 {
		chatID = last.Chat.ID
	}
	return messageID(chatID, last.MessageID), nil
}

// partsSent is how many of a delivery's parts an earlier attempt sent.
// It is kept in memory only: a restart between the parts of a long text
// sends the first ones again.
func (a *Account) partsSent(delivery int64, parts int) int {
	if delivery == 0 || parts < 2 {
		return 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if n := a.sentParts[delivery]; n < parts {
		return n
	}
	return 0
}

func (a *Account) setPartsSent(delivery int64, n int) {
	if delivery == 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if n == 0 {
		delete(a.sentParts, delivery)
		return
	}
	if len(a.sentParts) >= maxSentParts {
		clear(a.sentParts)
	}
	a.sentParts[delivery] = n
}

// sendError classifies a failed call for the outbox.
func (a *Account) sendError(err error) *baton.SendError {
	e, ok := err.(*apiError)
	if !ok {
		return &baton.SendError{Reason: a.redact(err.Error())}
	}
	return &baton.SendError{Retry: e.retry, RetryAfter: e.retryAfter, Reason: a.redact(e.reason())}
}

// splitText cuts s into parts of at most limit UTF-16 code units,
// preferably between paragraphs, lines or words. Parts of only blanks are
// dropped: Telegram refuses an empty text.
func splitText(s string, limit int) []string {
	var parts []string
	add := func(p string) {
		if strings.TrimSpace(p) != "" {
			parts = append(parts, p)
		}
	}
	for utf16Len(s) > limit {
		cut := prefixWithin(s, limit)
		end, next := cut, cut
		if i := strings.LastIndex(s[:cut], "\n\n"); i > cut/2 {
			end, next = i, i+2
		} else if i := strings.LastIndexByte(s[:cut], '\n'); i > cut/2 {
			end, next = i, i+1
		} else if i := strings.LastIndexByte(s[:cut], ' '); i > cut/2 {
			end, next = i, i+1
		}
		add(s[:end])
		s = s[next:]
	}
	add(s)
	return parts
}

// utf16Len is the length of s in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r) // invalid UTF-8 reads as U+FFFD: 1
	}
	return n
}

// prefixWithin is the byte length of the longest prefix of s, on a rune
// boundary, of at most limit UTF-16 code units.
func prefixWithin(s string, limit int) int {
	n := 0
	for i, r := range s {
		if n += utf16.RuneLen(r); n > limit {
			return i
		}
	}
	return len(s)
}

// keyboard lays buttons out as an inline keyboard: tiny titles (the 1–5
// rating) up to five in a row, short ones up to three, long ones one per
// row, rows balanced. It also reports how many payloads were longer than
// callback_data's 64 bytes and were cut: the bot then gets the cut
// payload back, so bots on Telegram should keep payloads short.
func keyboard(buttons []baton.Button) (*inlineKeyboardMarkup, int) {
	longest := 0
	for _, b := range buttons {
		longest = max(longest, utf8.RuneCountInString(title(b)))
	}
	perRow := 1
	switch {
	case longest <= 3:
		perRow = 5
	case longest <= 16:
		perRow = 3
	}
	rows := (len(buttons) + perRow - 1) / perRow
	k := &inlineKeyboardMarkup{InlineKeyboard: make([][]inlineKeyboardButton, 0, rows)}
	cut := 0
	next := 0
	for r := range rows {
		// Spread evenly: the first rows take one more when it does not divide.
		n := len(buttons) / rows
		if r < len(buttons)%rows {
			n++
		}
		row := make([]inlineKeyboardButton, 0, n)
		for _, b := range buttons[next : next+n] {
			data := b.Payload
			if data == "" {
				data = title(b)
			}
			if len(data) > maxCallbackData {
				data = truncateUTF8(data, maxCallbackData)
				cut++
			}
			row = append(row, inlineKeyboardButton{Text: title(b), CallbackData: data})
		}
		next += n
		k.InlineKeyboard = append(k.InlineKeyboard, row)
	}
	return k, cut
}

// title is a button's label; Telegram refuses an empty one.
func title(b baton.Button) string {
	if strings.TrimSpace(b.Title) != "" {
		return b.Title
	}
	if b.Payload != "" {
		return b.Payload
	}
	return "…"
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// allowedUpdates are the update types Baton handles.
var allowedUpdates = []string{"message", "callback_query"}

// SetWebhook tells Telegram to post this bot's updates to url, with the
// secret token, and only messages and button taps. url must be the
// account's Webhook, reachable over HTTPS.
func (a *Account) SetWebhook(ctx context.Context, url string) error {
	if url == "" {
		// An empty url would remove the webhook.
		return fmt.Errorf("telegram %s: SetWebhook needs the webhook's URL", a.name)
	}
	req := setWebhookRequest{URL: url, SecretToken: a.secretToken, AllowedUpdates: allowedUpdates}
	if err := a.call(ctx, "setWebhook", req, nil); err != nil {
		return fmt.Errorf("telegram %s: %s", a.name, a.redact(err.Error()))
	}
	return nil
}
