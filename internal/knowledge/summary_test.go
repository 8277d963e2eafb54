package knowledge

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDetectLanguage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		texts []string
		want  string
	}{
		{"portuguese", []string{"Oi gente, tudo bem?", "Vamos marcar o churrasco no sábado?", "Não posso, vou viajar"}, "pt"},
		{"portuguese without accents", []string{"vc vai amanha?", "nao sei ainda, to cansado", "blz, me avisa entao"}, "pt"},
		{"spanish", []string{"Hola a todos, ¿qué tal?", "El sábado hay partido, ¿quién viene?", "Yo no puedo, tengo que trabajar"}, "es"},
		{"spanish without accents", []string{"hola, que tal estas", "bien, y tu? manana hay clase", "si, pero yo no voy"}, "es"},
		{"english", []string{"Hey everyone, what's up?", "Is the game on Saturday?", "I can't make it, sorry"}, "en"},
		{"hebrew", []string{"שלום לכולם, מה קורה?", "מי בא ביום שישי?", "אני לא יכול"}, "he"},
		{"hebrew with a latin link", []string{"תראו את זה https://example.com/some/long/path", "מעולה, תודה רבה"}, "he"},
		{"too little", []string{"ok", "👍"}, ""},
		{"links only", []string{"kkkkk", "https://example.com/the/and/is"}, ""},
		{"greeting only", []string{"Bom dia!"}, ""},
		{"even mix", []string{"the cat is here", "o gato tá aqui com você"}, ""},
		{"nothing", nil, ""},
	}
	for _, tt := range tests {
		if got := DetectLanguage(tt.texts); got != tt.want {
			t.Errorf("%s: DetectLanguage(%q) = %q, want %q", tt.name, tt.texts, got, tt.want)
		}
	}
}

// churrasco is a Portuguese group's morning.
func churrasco() []SummaryMessage {
	base := time.Date(2026, 3, 11, 9, 0, 0, 0, saoPaulo)
	at := func(min int) time.Time { return base.Add(time.Duration(min) * time.Minute) }
	return []SummaryMessage{
		{ID: "1", From: "5511111", FromName: "Ana", Type: "text", Text: "Bom dia, gente! Alguém já viu a previsão do tempo pro fim de semana?", Time: at(0)},
		{ID: "2", From: "5522222", FromName: "Bruno", Type: "text", Text: "Vai chover no sábado, mas domingo fica bom", Time: at(5), ReplyTo: "1"},
		{ID: "3", From: "5533333", FromName: "Carla", Type: "text", Text: "Então combinado: churrasco no domingo às 13h na casa do Bruno", Time: at(9)},
		{ID: "4", From: "5511111", FromName: "Ana", Type: "text", Text: "Fechado! Eu levo a carne. Quem leva as bebidas?", Time: at(12), ReplyTo: "3"},
		{ID: "5", From: "5522222", FromName: "Bruno", Type: "text", Text: "Olha essa receita de farofa: https://www.tudogostoso.com.br/receita/farofa.html?utm_source=whatsapp", Time: at(20)},
		{ID: "6", From: "5533333", FromName: "Carla", Type: "text", Text: "kkkkk", Time: at(21)},
		{ID: "7", From: "5544444", FromName: "Davi", Type: "image", Time: at(30)},
		{ID: "8", From: "5511111", FromName: "Ana", Type: "text", Text: "https://WWW.tudogostoso.com.br/receita/farofa.html", Time: at(31)},
		{ID: "9", From: "5522222", FromName: "Bruno", Type: "text", Text: "Alguém tem caixa térmica pra emprestar?", Time: at(40), ReplyTo: "4"},
		{ID: "10", From: "5511111", FromName: "Ana", Type: "text", Text: "Eu tenho, levo no domingo", Time: at(41), ReplyTo: "9"},
	}
}

func TestSummarise(t *testing.T) {
	t.Parallel()
	s := Summarise(churrasco())
	if s.Language != "pt" || s.MessageCount != 10 || s.Participants != 4 {
		t.Errorf("language %q, count %d, participants %d; want pt, 10, 4", s.Language, s.MessageCount, s.Participants)
	}
	wantTop := []SenderCount{{"5511111", "Ana", 4}, {"5522222", "Bruno", 3}, {"5533333", "Carla", 2}, {"5544444", "Davi", 1}}
	if !slices.Equal(s.TopSenders, wantTop) {
		t.Errorf("top senders %+v, want %+v", s.TopSenders, wantTop)
	}
	if want := []string{"https://www.tudogostoso.com.br/receita/farofa.html"}; !slices.Equal(s.Links, want) {
		t.Errorf("links %q, want %q", s.Links, want)
	}
	wantQ := []string{
		"Alguém já viu a previsão do tempo pro fim de semana?",
		"Quem leva as bebidas?",
		"Alguém tem caixa térmica pra emprestar?",
	}
	if !slices.Equal(s.Questions, wantQ) {
		t.Errorf("questions %q, want %q", s.Questions, wantQ)
	}
	wantD := []string{
		"Vai chover no sábado, mas domingo fica bom",
		"Então combinado: churrasco no domingo às 13h na casa do Bruno",
		"Eu tenho, levo no domingo",
	}
	if !slices.Equal(s.Decisions, wantD) {
		t.Errorf("decisions %q, want %q", s.Decisions, wantD)
	}
	// Scores: 1 (10 words, question, a reply) and 4 (question, a reply)
	// lead; "kkkkk" and the image are no candidates; Ana gets two at most.
	wantH := []string{
		"Ana: Bom dia, gente! Alguém já viu a previsão do tempo pro fim de semana?",
		"Carla: Então combinado: churrasco no domingo às 13h na casa do Bruno",
		"Ana: Fechado! Eu levo a carne. Quem leva as bebidas?",
		"Bruno: Olha essa receita de farofa: https://www.tudogostoso.com.br/receita/farofa.html?utm_source=whatsapp",
		"Bruno: Alguém tem caixa térmica pra emprestar?",
	}
	if !slices.Equal(s.Highlights, wantH) {
		t.Errorf("highlights:\n%q\nwant\n%q", s.Highlights, wantH)
	}
	wantText := `10 mensagens de 4 participantes.
Mais ativos: Ana (4), Bruno (3), Carla (2).
Decisões e datas:
• Vai chover no sábado, mas domingo fica bom
• Então combinado: churrasco no domingo às 13h na casa do Bruno
• Eu tenho, levo no domingo
Perguntas:
• Alguém já viu a previsão do tempo pro fim de semana?
• Quem leva as bebidas?
• Alguém tem caixa térmica pra emprestar?
Links:
• https://www.tudogostoso.com.br/receita/farofa.html
Destaques:
• Ana: Bom dia, gente! Alguém já viu a previsão do tempo pro fim de semana?
• Carla: Então combinado: churrasco no domingo às 13h na casa do Bruno
• Ana: Fechado! Eu levo a carne. Quem leva as bebidas?`
	if s.Text != wantText {
		t.Errorf("text:\n%s\nwant\n%s", s.Text, wantText)
	}
}

func TestSummariseOrderIndependent(t *testing.T) {
	t.Parallel()
	msgs := churrasco()
	want := Summarise(msgs)
	reversed := slices.Clone(msgs)
	slices.Reverse(reversed)
	got := Summarise(reversed)
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("summary depends on input order:\n%+v\nvs\n%+v", got, want)
	}
}

func TestSummariseRepliesLift(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC)
	msgs := []SummaryMessage{
		{ID: "a", From: "1", Text: "short but important point here", Time: base},
	}
	for i := range 6 {
		msgs = append(msgs, SummaryMessage{
			ID: fmt.Sprint(i), From: fmt.Sprint(i + 10), Time: base.Add(time.Duration(i+1) * time.Minute),
			Text: "this is a considerably longer message with many more words in it " + fmt.Sprint(i),
		})
	}
	noReplies := Summarise(msgs)
	if slices.ContainsFunc(noReplies.Highlights, func(h string) bool { return strings.Contains(h, "important") }) {
		t.Fatalf("short message highlighted without replies: %q", noReplies.Highlights)
	}
	for i := range 3 {
		msgs = append(msgs, SummaryMessage{ID: fmt.Sprint("r", i), From: fmt.Sprint(i + 20), ReplyTo: "a", Text: "yes", Time: base.Add(time.Hour)})
	}
	withReplies := Summarise(msgs)
	if len(withReplies.Highlights) != MaxHighlights || withReplies.Highlights[0] != "1: short but important point here" {
		t.Errorf("replied-to message not highlighted first: %q", withReplies.Highlights)
	}
}

func TestSummariseCaps(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC)
	var msgs []SummaryMessage
	for i := range 30 {
		msgs = append(msgs, SummaryMessage{
			From: fmt.Sprint("p", i%7), FromName: fmt.Sprint("Person ", i%7), Time: base.Add(time.Duration(i) * time.Minute),
			Text: fmt.Sprintf("Did anyone read https://example.com/article/%d about topic number %d? We decided to meet on Friday at %d.", i, i, i%12+1),
		})
	}
	s := Summarise(msgs)
	if len(s.Links) != MaxSummaryLinks || len(s.Questions) != MaxQuestions || len(s.Decisions) != MaxDecisions ||
		len(s.Highlights) != MaxHighlights || len(s.TopSenders) != MaxTopSenders || s.Participants != 7 {
		t.Errorf("caps: %d links, %d questions, %d decisions, %d highlights, %d top senders, %d participants",
			len(s.Links), len(s.Questions), len(s.Decisions), len(s.Highlights), len(s.TopSenders), s.Participants)
	}
	perSender := map[string]int{}
	for _, h := range s.Highlights {
		perSender[strings.SplitN(h, ":", 2)[0]]++
	}
	for name, n := range perSender {
		if n > 2 {
			t.Errorf("%s has %d highlights", name, n)
		}
	}
	if strings.Count(s.Text, "\n• ") > 4*summaryTextItems {
		t.Errorf("text too long:\n%s", s.Text)
	}
	long := strings.Repeat("palavra ", 100) + "?"
	s = Summarise([]SummaryMessage{{From: "1", Text: long, Time: base}})
	if len(s.Questions) != 1 || len([]rune(s.Questions[0])) > maxQuoteRunes || len([]rune(s.Highlights[0])) > maxQuoteRunes {
		t.Errorf("long quotes not cut: %q %q", s.Questions, s.Highlights)
	}
}

func TestSummariseRendering(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 3, 11, 18, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		msgs     []SummaryMessage
		language string
		text     string
	}{
		{"english", []SummaryMessage{
			{From: "1", FromName: "Sam", Text: "Are we still on for dinner tomorrow?", Time: base},
			{From: "2", FromName: "Kim", Text: "Yes! Let's meet at the Thai place at 8pm.", Time: base.Add(time.Minute)},
			{From: "1", FromName: "Sam", Text: "Great, we will book the table for all of us", Time: base.Add(2 * time.Minute)},
		}, "en", `3 messages from 2 participants.
Most active: Sam (2), Kim (1).
Decisions and dates:
• Let's meet at the Thai place at 8pm.
• Great, we will book the table for all of us
Questions:
• Are we still on for dinner tomorrow?
Highlights:
• Sam: Are we still on for dinner tomorrow?
• Kim: Yes! Let's meet at the Thai place at 8pm.
• Sam: Great, we will book the table for all of us`},
		{"spanish", []SummaryMessage{
			{From: "1", FromName: "Lucía", Text: "¿Quién puede llevar las bebidas el sábado?", Time: base},
			{From: "2", FromName: "Pablo", Text: "Yo llevo las bebidas, quedamos a las 7 en mi casa", Time: base.Add(time.Minute)},
			{From: "3", FromName: "Marta", Text: "Mirad esto https://elpais.es/cultura/", Time: base.Add(2 * time.Minute)},
		}, "es", `3 mensajes de 3 participantes.
Más activos: Lucía (1), Pablo (1), Marta (1).
Decisiones y fechas:
• Yo llevo las bebidas, quedamos a las 7 en mi casa
Preguntas:
• ¿Quién puede llevar las bebidas el sábado?
Enlaces:
• https://elpais.es/cultura/
Destacados:
• Lucía: ¿Quién puede llevar las bebidas el sábado?
• Pablo: Yo llevo las bebidas, quedamos a las 7 en mi casa
• Marta: Mirad esto https://elpais.es/cultura/`},
		{"hebrew", []SummaryMessage{
			{From: "1", FromName: "נועה", Text: "מי בא מחר לארוחת ערב אצל סבתא?", Time: base},
			{From: "2", FromName: "איתי", Text: "אני בא, אבל אני אאחר קצת בגלל העבודה", Time: base.Add(time.Minute)},
		}, "he", `2 הודעות מאת 2 משתתפים.
הכי פעילים: נועה (1), איתי (1).
שאלות:
• מי בא מחר לארוחת ערב אצל סבתא?
נקודות עיקריות:
• נועה: מי בא מחר לארוחת ערב אצל סבתא?
• איתי: אני בא, אבל אני אאחר קצת בגלל העבודה`},
		{"unknown language is english", []SummaryMessage{
			{From: "1", Text: "👍", Type: "text", Time: base},
			{From: "1", Type: "sticker", Time: base},
		}, "en", `2 messages from 1 participant.
Most active: 1 (2).`},
		{"one message", []SummaryMessage{{FromName: "Zé", Text: "Bom dia, tudo bem com vocês hoje?", Time: base}}, "pt", `1 mensagem de 1 participante.
Mais ativos: Zé (1).
Perguntas:
• Bom dia, tudo bem com vocês hoje?
Destaques:
• Zé: Bom dia, tudo bem com vocês hoje?`},
		{"no messages", nil, "en", "No messages."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Summarise(tt.msgs)
			if s.Language != tt.language {
				t.Errorf("language %q, want %q", s.Language, tt.language)
			}
			if s.Text != tt.text {
				t.Errorf("text:\n%s\nwant\n%s", s.Text, tt.text)
			}
		})
	}
}
