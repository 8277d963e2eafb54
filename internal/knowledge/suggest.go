package knowledge

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// SuggestionKind says what a conversation message asks of the person.
type SuggestionKind string

const (
	// SuggestPromise is something the person said they would do: "I'll
	// send you the file tomorrow", "te mando amanhã", "luego te escribo".
	SuggestPromise SuggestionKind = "promise"
	// SuggestRequest is something someone else asked the person to do:
	// "can you send me the report?", "me manda o link", "¿me pasas la
	// dirección?".
	SuggestRequest SuggestionKind = "request"
)

// Valid reports whether k is a kind of suggestion.
func (k SuggestionKind) Valid() bool { return k == SuggestPromise || k == SuggestRequest }

// Said is one chat message as the suggestion detector sees it.
type Said struct {
	Text string
	// FromMe: the person wrote it (only their promises count); otherwise
	// someone else did (only their requests count).
	FromMe bool
	// Group: the chat is a group. A request there counts only when it is
	// addressed to the person: AddressedToMe.
	Group bool
	// AddressedToMe: the message mentions the person or replies to one of
	// their messages.
	AddressedToMe bool
}

// Suggestion is a promise or a request found in a message: what to do, and
// when, if the message says so.
type Suggestion struct {
	Kind       SuggestionKind `json:"kind"`
	Title      string         `json:"title"`
	Due        *time.Time     `json:"due,omitempty"`
	DueHasTime bool           `json:"dueHasTime,omitempty"`
}

// Suggest reads one chat message for a promise the person made (FromMe) or
// a request made to them (a direct chat, or a group message addressed to
// them). It is rule-based, in English, Portuguese and Spanish, and reads
// only the head of each sentence: a promise is a first-person future with
// an action ("I'll send…", "vou mandar…", "te mando…", "voy a revisar…",
// "let me check…"); a request is a question or an order to "you" with an
// action ("can you…", "could you…", "você pode…", "me manda…", "¿puedes…",
// "¿me pasas…", "please send…", "don't forget to…"). Rhetoric ("can you
// believe…", "pode crer"), states ("I'll be late", "vou dormir"), the past
// ("te mandei"), greetings and questions that ask for nothing to be done
// give nothing. The first sentence that matches wins; a date or time in it
// becomes Due (resolved like Analyse's) and leaves the title.
func Suggest(m Said, now time.Time, loc *time.Location) (Suggestion, bool) {
	if !m.FromMe && m.Group && !m.AddressedToMe {
		return Suggestion{}, false
	}
	a := newAnalyser(now, loc)
	a.env.monthFirst = monthFirstText(m.Text)
	text := prepareText(capBytes(m.Text, 4096))
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(stripBullet(strings.TrimSpace(line)))
		if line == "" {
			continue
		}
		for _, s := range splitSentences(line) {
			if sg, ok := a.suggestSentence(s, m.FromMe); ok {
				return sg, true
			}
		}
	}
	return Suggestion{}, false
}

// MayBeSuggestion is a cheap test, run as messages arrive, of whether text
// may hold a promise or a request at all: it has a word that some cue
// starts with.
func MayBeSuggestion(text string) bool {
	if strings.TrimSpace(text) == "" {
		return false
	}
	f := foldString(capBytes(text, 4096))
	for _, t := range tokenize(f) {
		if suggestFirstWords[t.w] {
			return true
		}
	}
	return false
}

// suggestCue is a phrase (folded words) that opens a promise or a request.
type suggestCue struct {
	words []string
	// keep leaves the phrase's last word in the title (a verb: "te mando",
	// "send"); other cues leave the title ("can you", "vou").
	keep bool
	// verb: the word after the cue must be an action (see actionAfter).
	verb bool
	// infinitive: the word after must be an infinitive (Portuguese and
	// Spanish "vou/voy a + infinitive").
	infinitive bool
}

func parseCues(keep, verb, infinitive bool, phrases string) []suggestCue {
	var out []suggestCue
	for p := range strings.SplitSeq(phrases, "|") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		out = append(out, suggestCue{words: strings.Fields(p), keep: keep, verb: verb, infinitive: infinitive})
	}
	return out
}

var (
	promiseCues = concatCues(
		parseCues(false, true, false, `i'll|i will|ill|i shall|i'm going to|im going to|i am going to|i'm gonna|im gonna|gonna|will|
			i promise to|i promise i'll|i promise i will|let me|leave it with me i'll|i can|i'll go ahead and`),
		parseCues(false, false, true, `vou|eu vou|prometo que vou|voy a|yo voy a|te prometo que voy a`),
		parseCues(false, false, false, `pode deixar que eu|pode deixar que|deixa que eu|deixa comigo que eu|
			prometo que|te prometo que|prometo|yo me encargo de|me encargo de|dejamelo a mi que|leave it with me`),
		parseCues(true, false, false, `te mando|te envio|te passo|te ligo|te aviso|te falo|te confirmo|te retorno|te levo|te trago|
			te pago|te mostro|te explico|te respondo|te chamo|te devolvo|te busco|te encaminho|te digo|te escrevo|
			te lo mando|te la mando|te los mando|te las mando|te lo envio|te lo paso|te la paso|te los paso|te lo traigo|te lo llevo|
			te lo devuelvo|te lo digo|te lo confirmo|te llamo|te paso|te escribo|te traigo|te recojo|te enseno|te muestro|te cuento|
			te llevo|se lo mando|se lo paso|lhe envio|lhe mando|
			mando|envio|levo|trago|compro|imprimo|resolvo|reservo|pago|
			lo arreglo|lo miro|lo reviso|lo hago|lo compro|lo traigo|lo mando|lo pago|lo llevo|llevo|traigo|compro|
			yo me encargo|me encargo`),
	)
	requestCues = concatCues(
		parseCues(false, true, false, `can you|could you|would you|will you|can u|could u|would u|can you please|could you please|
			would you please|would you mind|do you mind|i need you to|need you to|i'd like you to|id like you to|
			would you be able to|could you possibly|any chance you could|any chance you can|don't forget to|dont forget to|
			do not forget to|remember to|make sure to|make sure you|please|pls|plz|kindly|
			voce pode|vc pode|voce poderia|vc poderia|voce consegue|vc consegue|tu pode|tu podes|pode|poderia|consegue|
			tem como voce|tem como vc|da pra voce|da pra vc|preciso que voce|preciso que vc|queria que voce|queria que vc|
			por favor|pfv|nao esquece de|nao esqueca de|lembra de|lembre de|se puder|quando puder|
			puedes|podes|podrias|me puedes|me podrias|tu puedes|necesito que|te importaria|porfa|porfis|
			no te olvides de|no olvides|acuerdate de|recuerda|hazme el favor de|me haces el favor de`),
		parseCues(true, false, false, `send|bring|call|text|email|forward|share|pick up|buy|pay|check|review|sign|fix|book|
			confirm|reply|answer|tell|let me know|give|grab|drop off|print|upload|fill in|fill out|read|look into|ask|water|
			cover|lend|update|get|
			me manda|me envia|me passa|me liga|me avisa|me fala|me diz|me traz|me ajuda|me empresta|me confirma|me responde|
			me chama|me encaminha|me busca|me compra|me mostra|me explica|
			manda|envia|traz|compra|paga|liga|confirma|ve se|revisa|assina|leva|busca|responde|avisa|pega|preenche|fala pro|
			fala pra|da uma olhada|encaminha|atualiza|
			me mandas|me envias|me pasas|me llamas|me avisas|me dices|me traes|me ayudas|me confirmas|me compras|me prestas|
			me respondes|me escribes|me reenvias|me recoges|me mandais|le echas|
			mandame|enviame|pasame|llamame|avisame|dime|traeme|escribeme|reenviame|
			envia|trae|llama|firma|rellena|dile|dile a|pasa|revisa`),
	)
	suggestFirstWords = map[string]bool{}
)

func concatCues(lists ...[]suggestCue) []suggestCue {
	var out []suggestCue
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

func init() {
	for _, l := range [][]suggestCue{promiseCues, requestCues} {
		for _, c := range l {
			suggestFirstWords[c.words[0]] = true
		}
	}
}

// suggestSkip are words that may come before a cue: fillers, agreement,
// greetings, vocatives, and time words ("ok", "sure", "claro", "oi",
// "luego").
var suggestSkip = setOf(`ok okay okey oki k so and also then oh hey hi hello well right just yeah yes yep sure no worries
	problem thing of course got it cool great fine perfect ah btw alright anyway hmm um
	sim claro beleza blz ta certo perfeito oi ola e entao bom boa olha ei opa fechado combinado ja pronto tranquilo
	si vale dale genial perfecto hola oye mira bueno pues listo ya y eso de acuerdo ahorita
	agora depois luego ahora amanha manana hoje hoy`)

// requestSkip may also come before a request cue: the addressee
// ("you", "você", "tú").
var requestSkip = setOf(`you u voce vc tu`)

// promiseSkip may also come before a promise cue: the speaker ("eu", "yo").
var promiseSkip = setOf(`eu yo pode deixar deixa comigo dejamelo a mi`)

// notActions after a cue make small talk of it: states, feelings,
// rhetoric and leaving ("I'll be late", "can you believe", "vou dormir").
var notActions = setOf(`be never not probably maybe miss love die pass sleep go see have take wait think need keep always survive
	believe imagine hear feel guess like rather stop even hate hope leave stay come if know you u
	ser estar ficar dormir morrer sentir pensar ir ver chegar sair embora crer acreditar imaginar fingir nunca nao
	ter viajar almocar jantar tomar comer beber ficar
	creer imaginar quedarme quedar salir llegar cenar almorzar tener hacer ir echar estar dormir nunca no morir`)

// infinitive reports a Portuguese or Spanish infinitive, with an attached
// pronoun ("mandar", "revisar", "enviarte", "preguntarle").
func infinitive(w string) bool {
	for _, suf := range [...]string{"ar", "er", "ir", "or", "arte", "erte", "irte", "arlo", "erlo", "irlo", "arla", "arle", "erle",
		"irle", "arme", "erme", "irme", "arles", "arlos", "artelo", "arselo"} {
		if len(w) >= len(suf)+1 && strings.HasSuffix(w, suf) {
			return true
		}
	}
	return false
}

// cliticWords may stand between "vou" and its infinitive ("vou te mandar").
var cliticWords = setOf(`te lhe me se lo la le`)

// suggestNeverAfter are objects that make an order no task: "check this
// out", "look at this", "tell me about it", "me fala sério", "pode crer".
var suggestNeverAfter = setOf(`out this crazy about serio ser crer deixar que broma es`)

// suggestSentence reads one sentence for a cue at its head.
func (a *analyser) suggestSentence(s string, fromMe bool) (Suggestion, bool) {
	c := a.parseClause(s)
	toks := c.toks
	if len(toks) == 0 {
		return Suggestion{}, false
	}
	skip := inTemporal(c.temps)
	cues, extra, kind := requestCues, requestSkip, SuggestRequest
	if fromMe {
		cues, extra, kind = promiseCues, promiseSkip, SuggestPromise
	}
	for i := 0; i < len(toks) && i <= 8; i++ {
		if h, ok := matchSuggestCue(cues, toks, i); ok {
			return a.suggestion(c, kind, h, i)
		}
		w := toks[i].w
		vocative := i == 0 && capitalisedAt(c, toks[i]) && strings.HasPrefix(strings.TrimLeft(c.masked[toks[i].end:], " "), ",")
		mention := i == 0 && toks[i].start > 0 && c.masked[toks[i].start-1] == '@'
		if !(skip(toks[i]) || suggestSkip[w] || extra[w] || vocative || mention || isNumber(w)) {
			return Suggestion{}, false
		}
	}
	return Suggestion{}, false
}

func isNumber(w string) bool {
	for _, r := range w {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return w != ""
}

func capitalisedAt(c *clauseInfo, t token) bool {
	r, _ := utf8.DecodeRuneInString(c.text[c.origOffset(t.start):])
	return unicode.IsUpper(r)
}

// matchSuggestCue finds the longest cue at token i whose guards pass.
func matchSuggestCue(cues []suggestCue, toks []token, i int) (suggestCue, bool) {
	var best suggestCue
	found := false
	for _, cu := range cues {
		if len(cu.words) <= len(best.words) || !matchWords(toks, i, cu.words) {
			continue
		}
		if !cueGuard(cu, toks, i+len(cu.words)) {
			continue
		}
		best, found = cu, true
	}
	return best, found
}

// cueGuard checks what follows a cue ending before token j.
func cueGuard(cu suggestCue, toks []token, j int) bool {
	if j >= len(toks) {
		// A cue alone ("will do", "¡tú puedes!", "pode ser") is no task,
		// unless it holds its verb and its object ("te lo envío").
		return cu.keep && len(cu.words) > 1
	}
	next := toks[j].w
	if suggestNeverAfter[next] || j+1 < len(toks) && cu.keep && suggestNeverAfter[toks[j+1].w] {
		return false
	}
	if next == "if" && cu.keep {
		// "let me know if you need anything" is an offer.
		return false
	}
	switch {
	case cu.infinitive:
		for j < len(toks) && cliticWords[toks[j].w] {
			j++
		}
		if j >= len(toks) || !infinitive(toks[j].w) {
			return false
		}
		return !notActions[toks[j].w] || lookVerb(toks, j, false)
	case cu.verb:
		for j < len(toks) && (toks[j].w == "please" || toks[j].w == "pls" || toks[j].w == "just" || cliticWords[toks[j].w] && toks[j].w != "le") {
			j++
		}
		if j >= len(toks) {
			return false
		}
		w := toks[j].w
		if notActions[w] && !lookVerb(toks, j, true) || suggestNeverAfter[w] || subjectLike[w] {
			return false
		}
		return true
	}
	return true
}

// lookVerb reports "ver"/"mirar" used as "check": before "se" or "com"
// ("vou ver com o chefe"), or, asked of someone, before what to check
// ("consegue ver o orçamento?"); "vou ver o jogo" is a plan.
func lookVerb(toks []token, j int, asked bool) bool {
	w := toks[j].w
	if w != "ver" && w != "mirar" || j+1 >= len(toks) {
		return false
	}
	next := toks[j+1].w
	return lookCheckWords[next] || asked && lookObjectWords[next]
}

var (
	lookCheckWords  = setOf(`se si com con isso eso`)
	lookObjectWords = setOf(`o a os as el la los las meu minha mi`)
)

// subjectLike after a modal cue shows a question about someone else
// ("can someone", "pode alguém") or no action at all.
var subjectLike = setOf(`someone anyone somebody anybody alguem alguien it that this i a o el la um uma un una`)

// suggestion builds the suggestion of a sentence whose cue is h at token i.
func (a *analyser) suggestion(c *clauseInfo, kind SuggestionKind, h suggestCue, i int) (Suggestion, bool) {
	from := c.toks[i+len(h.words)-1].end
	if h.keep {
		from = c.toks[i+len(h.words)-1].start
	}
	sg := Suggestion{Kind: kind}
	var cuts [][2]int
	for _, l := range c.links {
		cuts = append(cuts, [2]int{l.start, l.end})
	}
	d, used := a.env.resolve(c.temps)
	if d != nil {
		at := d.at
		sg.Due, sg.DueHasTime = &at, d.hasTime
	}
	for _, t := range used {
		cuts = append(cuts, [2]int{c.origOffset(t.start), c.origOffset(t.end)})
	}
	title := cleanTitle(cutSpans(c.text, c.origOffset(from), cuts))
	title = dropSuggestLead(title)
	if !hasLetterOrDigit(title) {
		return Suggestion{}, false
	}
	sg.Title = capitalise(truncateRunes(title, maxTitleRunes))
	return sg, true
}

// suggestLeadWords are cut from the start of a title: "please", "to", and
// the clitics left after a cut cue ("vou *te* mandar").
var suggestLeadWords = setOf(`please pls to that de que te lhe me por favor`)

func dropSuggestLead(s string) string {
	for {
		w, rest, ok := strings.Cut(s, " ")
		if !ok || !suggestLeadWords[foldString(w)] {
			return cleanTitle(s)
		}
		s = rest
	}
}
