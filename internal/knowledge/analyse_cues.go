package knowledge

import (
	"github.com/synapse-kb/synapse/internal/domain"
	"sort"
	"strings"
)

// This file holds the words that make a sentence a task, an idea, a note or
// an address, in English, Portuguese and Spanish, and the rules for where they
// count. All phrases are written folded (lower case, no accents), as fold
// produces them, so "não esquecer" and "nao esquecer" are one cue.

type cueFlag uint16

const (
	// cueKeep keeps the cue in the title: "Buy milk", "What if we...". Other
	// cues are cut: "remind me to call Ana" gives "Call Ana".
	cueKeep cueFlag = 1 << iota
	// cueSubject lets a subject pronoun come first: "I need to", "eu preciso".
	cueSubject
	// cueVerb marks an imperative verb: it does not count before an object
	// pronoun or a copula ("call me", "book is").
	cueVerb
	// cueAnyPrefix lets anything come first; the words before name the place:
	// "A padaria fica na Rua X".
	cueAnyPrefix
	// cueQuestion lets the cue count in a question ("what if ...?").
	cueQuestion
	// cueNeedInfinitive requires an infinitive or a subject after the cue
	// ("que tal viajar", "que tal a gente ..."), not "que tal o filme?".
	cueNeedInfinitive
	// cueNeedGerund requires an -ing verb or "we" after ("how about going").
	cueNeedGerund
)

// cue is one phrase and what it means.
type cue struct {
	words []string
	kind  domain.Kind
	flags cueFlag
}

func (c *cue) has(f cueFlag) bool { return c.flags&f != 0 }

var cueTable = []struct {
	kind    domain.Kind
	flags   cueFlag
	phrases string
}{
	// Tasks said with a modal: the subject may come first, the modal leaves the title.
	{domain.KindTask, cueSubject, `need to|have to|must|gotta|got to|have got to|will need to|will have to|
		preciso|preciso de|precisamos|precisamos de|precisa|tenho que|tenho de|temos que|temos de|tem que|devo|devemos|
		vou ter que|vou ter de|vamos ter que|a gente tem que|
		necesito|necesitamos|tengo que|tenemos que|hay que|debo|debemos|voy a tener que|vamos a tener que`},
	// Tasks said as a reminder request; the request leaves the title.
	{domain.KindTask, 0, `remind me to|remind me|remind us to|remind us|reminder to|remember to|don't forget to|dont forget to|
		do not forget to|don't forget|dont forget|do not forget|make sure to|make sure i|make sure we|make sure|
		lembrar de|lembrar|me lembrar de|me lembra de|me lembra|me lembre de|me lembre|lembre me de|lembre me|lembra de|
		lembre de|nao esquecer de|nao esquecer|nao esqueca de|nao esqueca|nao esquece de|nao esquece|
		nao posso esquecer de|nao deixar de|nao deixe de|
		recordar|recordar de|recuerdame|recuerdame de|recuerda|acuerdate de|no olvidar|no olvidar de|no olvides|
		no olvides de|no te olvides de|no te olvides|que no se me olvide`},
	// Tasks said with an imperative verb, which stays in the title.
	{domain.KindTask, cueKeep | cueVerb, `buy|call|pay|schedule|reschedule|book|email|e mail|send|pick up|order|renew|cancel|
		return|submit|text|fix|finish|clean|bring|take out|reply to|write to|contact|print|sign|wash|water|feed|confirm|ring|
		comprar|compra|compre|ligar para|ligar pra|ligar pro|ligar|liga|ligue|pagar|paga|pague|marcar|agendar|remarcar|
		enviar|mandar|manda|mande|buscar|levar|renovar|cancelar|devolver|responder|reservar|consertar|limpar|lavar|
		entregar|imprimir|assinar|confirmar|retirar|passar no|passar na|
		llamar a|llamar|llama a|llama|pagar|agendar|reprogramar|enviar|recoger|arreglar|limpiar|entregar|firmar|
		escribir a|pedir cita|programar|pasar por`},
	// Ideas.
	{domain.KindIdea, cueKeep | cueQuestion, `what if|e se|y si|que tal si|y que tal si|imagine if|imagina se|imagina si`},
	{domain.KindIdea, cueKeep | cueQuestion | cueNeedInfinitive, `que tal`},
	{domain.KindIdea, cueKeep | cueQuestion | cueNeedGerund, `how about|what about`},
	{domain.KindIdea, cueKeep, `idea for|an idea for|ideia de|ideia pra|ideia para|uma ideia de|uma ideia pra|idea para|una idea para`},
	{domain.KindIdea, cueSubject, `maybe we could|maybe i could|maybe we should|perhaps we could|we could try|
		it would be cool to|it would be nice to|it would be great to|it would be fun to|it'd be cool to|it'd be nice to|
		would be cool to|wouldn't it be cool to|i have an idea|i had an idea|new idea|
		seria legal|seria bom|seria massa|seria interessante|seria otimo|seria bacana|tive uma ideia|tenho uma ideia|
		talvez a gente possa|talvez a gente pudesse|talvez pudessemos|a gente podia|a gente poderia|poderiamos|
		seria genial|seria bueno|seria chevere|estaria bien|estaria genial|estaria bueno|se me ocurre|se me ocurrio|
		tengo una idea|tuve una idea|podriamos|quizas podriamos|tal vez podriamos`},
	// Notes.
	{domain.KindNote, 0, `note to self|remember that|keep in mind that|keep in mind|fyi|for the record|don't forget that|
		dont forget that|do not forget that|
		lembrar que|lembrando que|lembre que|nao esquecer que|nao esqueca que|anotar|anota ai|anota|anote|
		recordar que|recuerda que|recuerdame que|no olvidar que|apuntar|apunta|apunte|ojo|para que conste`},
	// Addresses and meeting places.
	{domain.KindLocation, cueSubject, `the address is|address is|meet at|meet me at|meet us at|let's meet at|lets meet at|
		we're meeting at|we are meeting at|the meeting point is|
		o endereco e|endereco e|me encontra na|me encontra no|me encontra em|nos encontramos na|nos encontramos no|
		nos encontramos em|a gente se encontra na|a gente se encontra no|o local e|o ponto de encontro e|
		la direccion es|direccion es|nos vemos en|el lugar es|el punto de encuentro es`},
	{domain.KindLocation, cueAnyPrefix, `is located at|located at|fica na|fica no|queda en|esta ubicado en|esta ubicada en|
		se encuentra en`},
}

// labelTable holds words that, followed by ":" or a dash at the start of a
// clause, say what the rest is ("Todo: call Ana", "Ideia: ..."). Alone on a
// line they head a list: each following line is one item of that kind.
var labelTable = []struct {
	kind    domain.Kind
	phrases string
}{
	{domain.KindTask, `todo|to do|todos|task|tasks|reminder|reminders|shopping list|shopping|groceries|grocery list|
		tarefa|tarefas|afazer|afazeres|a fazer|fazer|pendente|pendentes|lista de compras|compras|lista|
		tarea|tareas|pendiente|pendientes|por hacer|recordatorio|lista de la compra|lista del super|list`},
	{domain.KindIdea, `idea|ideas|ideia|ideias|brainstorm`},
	{domain.KindNote, `note|notes|note to self|nb|n b|fyi|memo|important|nota|notas|anotar|anotacao|anotacoes|lembrete|
		lembretes|obs|observacao|importante|apunte|apuntes|apuntar`},
	{domain.KindLocation, `address|location|place|venue|endereco|local|localizacao|lugar|direccion|ubicacion`},
}

var (
	cueIndex   map[string][]*cue // by first word; longest first
	labelIndex []*cue            // longest first
)

func init() {
	cueIndex = make(map[string][]*cue)
	for _, row := range cueTable {
		for _, p := range strings.Split(row.phrases, "|") {
			words := tokenWords(p)
			if len(words) == 0 {
				continue
			}
			if findCue(words) != nil {
				continue // the same word in two languages ("pagar")
			}
			c := &cue{words: words, kind: row.kind, flags: row.flags}
			cueIndex[words[0]] = append(cueIndex[words[0]], c)
		}
	}
	for _, list := range cueIndex {
		sort.SliceStable(list, func(i, j int) bool { return len(list[i].words) > len(list[j].words) })
	}
	for _, row := range labelTable {
		for _, p := range strings.Split(row.phrases, "|") {
			if words := tokenWords(p); len(words) > 0 {
				labelIndex = append(labelIndex, &cue{words: words, kind: row.kind})
			}
		}
	}
	sort.SliceStable(labelIndex, func(i, j int) bool { return len(labelIndex[i].words) > len(labelIndex[j].words) })
}

func findCue(words []string) *cue {
	for _, c := range cueIndex[words[0]] {
		if strings.Join(c.words, " ") == strings.Join(words, " ") {
			return c
		}
	}
	return nil
}

func tokenWords(phrase string) []string {
	toks := tokenize(foldString(phrase))
	words := make([]string, len(toks))
	for i, t := range toks {
		words[i] = t.w
	}
	return words
}

// fillerWords may come before a cue without changing what it means:
// "ok so remind me", "e também preciso", "bueno, tengo que".
var fillerWords = setOf(`ok okay okey so and also then oh um uh uhm hmm hey well right please pls plz just really
	still definitely absolutely alright first firstly second finally lastly actually btw but now again quick yeah yes
	e tambem ai tipo bom olha ah beleza ainda mesmo so depois primeiro segundo por favor pfv pf agora oi ei alias pois
	eh certo enfim mas entao tb tbm realmente sim
	y tambien bueno pues oye vale todavia aun luego despues primero ahora hola mira pero bien entonces si claro
	sin sem falta without fail`)

// subjectWords are the subject pronouns a cueSubject cue may follow.
var subjectWords = setOf(`i we i'll we'll ill i'd we'd i've we've eu nos a gente yo nosotros nosotras me`)

// objectOrCopula after an imperative verb shows it is not an order to
// oneself: "call me", "text us", "book is", "a compra foi".
var objectOrCopula = setOf(`me us you u is was are were has had will would 's foi era es fue son sao
	esta estava estaba it's`)

// copulas two words after a verb cue show it was a noun: "book club was".
var copulas = setOf(`is was are were foi era sao es fue son esta estava estaba`)

// connectorWords join clauses: "buy milk and call Ana" is two tasks.
var connectorWords = setOf(`and then also plus e depois tambem y luego tambien ademas alem`)

// maxCuePrefix is how many filler, subject or date words may come before a cue.
const maxCuePrefix = 20

// cueHit is a cue matched at tokens [start, end).
type cueHit struct {
	cue        *cue
	start, end int
}

// cuesAt returns the cues whose words start at toks[i], longest first.
func cuesAt(toks []token, i int) []cueHit {
	var hits []cueHit
	for _, c := range cueIndex[toks[i].w] {
		if matchWords(toks, i, c.words) {
			hits = append(hits, cueHit{c, i, i + len(c.words)})
		}
	}
	return hits
}

func matchWords(toks []token, i int, words []string) bool {
	if i+len(words) > len(toks) {
		return false
	}
	for k, w := range words {
		if toks[i+k].w != w {
			return false
		}
	}
	return true
}

// guardsPass checks what must or must not follow the cue.
func (h cueHit) guardsPass(toks []token) bool {
	next := ""
	if h.end < len(toks) {
		next = toks[h.end].w
	}
	c := h.cue
	switch {
	case c.has(cueVerb):
		// "Book club was fun": a noun, not an order.
		if h.end+1 < len(toks) && copulas[toks[h.end+1].w] {
			return false
		}
		return next != "" && !objectOrCopula[next]
	case c.has(cueNeedInfinitive):
		if next == "se" || next == "nos" || next == "si" || next == "a" && h.end+1 < len(toks) && toks[h.end+1].w == "gente" {
			return true
		}
		for _, suf := range [...]string{"ar", "er", "ir", "or", "armos", "ermos", "irmos"} {
			if len(next) > len(suf)+1 && strings.HasSuffix(next, suf) {
				return true
			}
		}
		return false
	case c.has(cueNeedGerund):
		return next == "we" || len(next) > 4 && strings.HasSuffix(next, "ing")
	}
	return true
}

// headCues returns the cues that open a clause: those at the first token
// that is not a filler, a subject pronoun or part of a date or time. In a
// question only cueQuestion cues count. The hits are longest first.
func headCues(toks []token, skip func(token) bool, question bool) []cueHit {
	sawSubject := false
	for i := 0; i < len(toks) && i <= maxCuePrefix; i++ {
		var hits []cueHit
		for _, h := range cuesAt(toks, i) {
			c := h.cue
			if sawSubject && !c.has(cueSubject) || question && !c.has(cueQuestion) || !h.guardsPass(toks) {
				continue
			}
			hits = append(hits, h)
		}
		if len(hits) > 0 {
			return hits
		}
		w := toks[i].w
		switch {
		case skip != nil && skip(toks[i]), fillerWords[w]:
		case subjectWords[w]:
			sawSubject = true
		default:
			return nil
		}
	}
	return nil
}

// anywhereCue returns the first cueAnyPrefix cue in the clause.
func anywhereCue(toks []token) (cueHit, bool) {
	for i := range toks {
		for _, h := range cuesAt(toks, i) {
			if h.cue.has(cueAnyPrefix) {
				return h, true
			}
		}
	}
	return cueHit{}, false
}

// matchLabel reports a label at the start of a folded clause ("todo:",
// "ideia -"), its kind and the offset right after its colon or dash. A label
// must be the first words; bullets are removed before.
func matchLabel(s string, toks []token) (domain.Kind, int, bool) {
	for _, l := range labelIndex {
		if !matchWords(toks, 0, l.words) {
			continue
		}
		end := toks[len(l.words)-1].end
		rest := strings.TrimLeft(s[end:], " ")
		for _, sep := range [...]string{":", "：", "-", "="} {
			if strings.HasPrefix(rest, sep) {
				return l.kind, len(s) - len(rest) + len(sep), true
			}
		}
	}
	return "", 0, false
}

// headerLabel reports a line that is only a label ("Todo:", "Lista de
// compras"), which heads a list of items on the lines below.
func headerLabel(line string) (domain.Kind, bool) {
	f := foldString(strings.TrimSpace(line))
	f = strings.TrimRight(f, " :：-=")
	if f == "" || strings.ContainsAny(f, ".!?,;") {
		return "", false
	}
	toks := tokenize(f)
	for _, l := range labelIndex {
		if len(l.words) == len(toks) && matchWords(toks, 0, l.words) {
			return l.kind, true
		}
	}
	return "", false
}
