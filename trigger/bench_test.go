package trigger_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/trigger"
)

// benchText is a 30-word message that triggers nothing.
const benchText = "Hi, I ordered new blue running shoes last week and the tracking page " +
	"still says the parcel is waiting at the depot, could you tell me when it will arrive?"

var benchRecent = []baton.Message{
	customer("Hello, I have a question about my order"),
	bot("Of course! What is your order number?"),
	customer("It is 12345, placed on Monday"),
	bot("Thanks. Your parcel left our warehouse on Tuesday."),
}

func benchDetect(b *testing.B, d *trigger.Detector) {
	if len(strings.Fields(benchText)) != 30 {
		b.Fatalf("the message has %d words, want 30", len(strings.Fields(benchText)))
	}
	c := conv("en")
	if got := d.Detect(c, benchText, "", benchRecent); got != nil {
		b.Fatalf("the message triggers %s (%s)", got.Trigger, got.Reason)
	}
	b.ReportAllocs()
	for b.Loop() {
		d.Detect(c, benchText, "", benchRecent)
	}
}

func BenchmarkDetect(b *testing.B) {
	benchDetect(b, mustNew(b, trigger.Config{}))
}

// BenchmarkDetectThousands adds 5,000 phrases across 7 locales, many of them
// starting with the message's own words, so most lookups find a candidate
// that then fails.
func BenchmarkDetectThousands(b *testing.B) {
	locales := []string{"en", "nl", "he", "de", "fr", "es", "ar"}
	words := strings.Fields(strings.ToLower(strings.NewReplacer(",", "", "?", "").Replace(benchText)))
	cfg := trigger.Config{Human: map[string][]string{}, Angry: map[string][]string{}}
	for i := range 5000 {
		locale := locales[i%len(locales)]
		p := fmt.Sprintf("%s zq%dx phrase%d", words[i%len(words)], i, i%97)
		if i%2 == 0 {
			cfg.Human[locale] = append(cfg.Human[locale], p)
		} else {
			cfg.Angry[locale] = append(cfg.Angry[locale], p)
		}
	}
	benchDetect(b, mustNew(b, cfg))
}
