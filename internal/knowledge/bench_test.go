package knowledge

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// typicalTranscript is about a minute of a voice memo.
const typicalTranscript = "Okay so, a few things for this week. Remind me to call the plumber tomorrow at 9am, " +
	"the kitchen tap is still leaking. I need to pay the electricity bill by Friday. Also, what if we turned the spare " +
	"room into an office? Oh, and note to self: the garage code is 4512. Amanhã preciso levar o carro na oficina às 8h. " +
	"We had a great time at the beach last weekend, the kids loved it. Don't forget to pick up Emma from school at 3:30."

const linkText = "Olha isso: https://www.example.com/articles/2026/03/some-long-title?utm_source=whatsapp&id=42 e também " +
	"www.site.org, (https://en.wikipedia.org/wiki/Go_(language)) ou manda um e-mail para ana@example.com. " +
	"Mapa: https://maps.google.com/?q=-23.5614,-46.6559."

func BenchmarkAnalyse(b *testing.B) {
	b.SetBytes(int64(len(typicalTranscript)))
	for b.Loop() {
		Analyse(typicalTranscript, wednesday, saoPaulo)
	}
}

func BenchmarkAnalyseChitChat(b *testing.B) {
	text := strings.Repeat("So yesterday was crazy, the meeting ran late and I missed the bus. Anyway, hope you're doing well. ", 4)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Analyse(text, wednesday, saoPaulo)
	}
}

func BenchmarkExtractLinks(b *testing.B) {
	b.SetBytes(int64(len(linkText)))
	for b.Loop() {
		ExtractLinks(linkText)
	}
}

func BenchmarkExtractLinksPlainText(b *testing.B) {
	b.SetBytes(int64(len(typicalTranscript)))
	for b.Loop() {
		ExtractLinks(typicalTranscript)
	}
}

func BenchmarkNormalizeURL(b *testing.B) {
	for b.Loop() {
		NormalizeURL("https://WWW.Example.com:443/a/./b/../articles?utm_source=x&b=2&a=1#top")
	}
}

func BenchmarkSummarise(b *testing.B) {
	base := time.Date(2026, 3, 11, 9, 0, 0, 0, saoPaulo)
	msgs := churrasco()
	for i := range 200 {
		msgs = append(msgs, SummaryMessage{
			ID: fmt.Sprint("m", i), From: fmt.Sprint(i % 9), FromName: fmt.Sprint("Pessoa ", i%9),
			Text: "Alguém vai no jogo de domingo? Eu acho que vou, mas preciso ver com a minha esposa antes.",
			Time: base.Add(time.Duration(i) * time.Minute),
		})
	}
	for b.Loop() {
		Summarise(msgs)
	}
}

// BenchmarkSuggest reads the labelled set's messages (testdata/
// suggestions.jsonl) for suggestions; one op is one message.
func BenchmarkSuggest(b *testing.B) {
	set := loadLabelled(&testing.T{})
	if len(set) == 0 {
		b.Fatal("no labelled set")
	}
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	i := 0
	for b.Loop() {
		l := set[i%len(set)]
		Suggest(Said{Text: l.Text, FromMe: l.FromMe, Group: l.Chat == "group", AddressedToMe: l.MentionsMe}, now, saoPaulo)
		i++
	}
}
