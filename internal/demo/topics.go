package demo

import (
	"fmt"
	"strings"
	"time"
)

// This file holds what people talk about: each topic writes one
// conversation, in the chat's language, from the templates below and the
// vocabularies in vocabulary.go.

// liveTopics are the conversations of live traffic, with how many of each
// a bag of topics holds: about forty beats' worth, with every kind of
// message in each bag.
var liveTopics = []struct {
	topic  topic
	weight int
}{
	{planDirect, 3}, {planGroup, 3}, {question, 3}, {request, 2}, {promise, 2},
	{shareLink, 3}, {forwardLink, 1}, {photo, 4}, {voiceNote, 2}, {sharePlace, 2},
	{shareDocument, 1}, {passContact, 1}, {chatter, 4},
	{selfTodo, 2}, {selfList, 1}, {selfReminder, 2}, {selfIdea, 2}, {selfNote, 1},
	{selfLink, 1}, {selfPlan, 1}, {selfVoice, 1},
}

// backfillTopics are one group's day yesterday, and backfillSelf that
// day's notes to self: together at least six photos, six links, six
// places, four voice notes, five tasks, two ideas and a note.
var (
	backfillTopics = []topic{planGroup, question, shareLink, shareLink, photo, photo, sharePlace, sharePlace, voiceNote, chatter, planGroup}
	backfillSelf   = []topic{selfList, selfReminder, selfReminder, selfIdea, selfIdea, selfNote, selfVoice}
)

// planDirect: one asks the other to do something at a time; the other
// agrees, or offers another time, which is then agreed.
func planDirect(g *Generator, base time.Time) *thread {
	c := g.dm()
	t := g.newThread(c, c.lang, base)
	t.set("activity", t.word(activities))
	t.setMoment("2", t.moment(whenOptions{minDays: 1}))
	asker, other := t.member(), (*person)(nil)
	if g.rng.IntN(3) == 0 {
		asker, other = nil, t.member()
	}
	t.say(asker, 0, tr{
		"{Hey|Hi|Hiya|Morning}, {do you want to|shall we|are you free to|want to} {$activity} {$when}?{ 😊|}",
		"{Oi|Olá|E aí}{!|, tudo bem?} {Vamos|Bora|Que tal} {$activity} {$when}?",
		"{¡Hola!|¡Buenas!|¡Ey!} {¿Quedamos para|¿Te apetece|¿Vamos a|¿Te vienes a} {$activity} {$when}?"})
	if g.rng.IntN(5) < 3 {
		t.say(other, t.later(1, 4), tr{
			"{Yes!|Sure!|Definitely!|Sounds good!|I'd love to!} {See you then|Count me in|{$Short} works for me|It's a date}{ 🙌| 👍|}",
			"{Bora!|Claro!|Fechado!|Pode ser!|Opa, claro!} {Te vejo lá|Até lá|{$Short} é perfeito|Combinado}{ 😊| 👍|}",
			"{¡Sí!|¡Claro!|¡Vale!|¡Perfecto!|¡Dale!} {Nos vemos allí|Ahí estaré|{$Short} me viene genial|Hecho}{ 😊| 👍|}"})
		return t
	}
	t.say(other, t.later(1, 4), tr{
		"{Can't|I can't} do {$short}, {sorry|argh}{ 😕|}. {How about|What about|Could we do} {$when2}?",
		"{Não consigo|Não dá} {$short}{, foi mal|}{ 😕|}. {Pode ser|Que tal} {$when2}?",
		"{No puedo|Me es imposible} {$short}{, lo siento|, perdona|}{ 😕|}. ¿{Qué tal|Te va bien|Y} {$when2}?"})
	t.say(asker, t.later(1, 3), tr{
		"{OK|Fine|Deal|Perfect}, {$when2} it is{ 👍|}",
		"{Fechado|Combinado|Pode ser}, {$when2} então{ 👍|}",
		"{Vale|Perfecto|Hecho}, {$when2} entonces{ 👍|}"})
	return t
}

// planGroup: someone proposes a plan to a group, others join or ask, and
// the one who proposed it settles it (and perhaps drops the pin).
func planGroup(g *Generator, base time.Time) *thread {
	c := g.group()
	t := g.newThread(c, c.lang, base)
	t.set("activity", t.word(activities))
	t.setMoment("2", t.moment(whenOptions{}))
	spot := t.placeIn(t.vars["city"])
	t.set("spot", spot.name)
	a := t.member()
	t.say(a, 0, tr{
		"{Who wants to|Anyone want to|Shall we} {$activity} {$when}?{ I can drive.| I'll book.| Weather looks good.| Been ages!|}",
		"{Quem topa|Bora|Alguém a fim de} {$activity} {$when}{, gente|}?{ Eu levo o carro.| Eu reservo.| Faz tempo!|}",
		"¿{Quién se apunta a|Os apetece|Quién se anima a} {$activity} {$when}?{ Yo llevo el coche.| Yo reservo.| ¡Hace siglos!|}"})
	b := t.someone(a)
	t.say(b, t.later(1, 2), tr{
		"{Me|I'm in|Count me in|Yes please}{, but I'll be {a bit late|there {$clock2}}|!}{ 💪| 🙋|}",
		"{Eu|Tô dentro|Conta comigo|Bora}{, mas chego {mais tarde|{$clock2}}|!}{ 💪| 🙋|}",
		"{Yo|Me apunto|Cuenta conmigo|Yo voy}{, pero llego {un poco tarde|{$clock2}}|}{ 💪| 🙋|}"})
	if g.rng.IntN(2) == 0 {
		t.say(t.member(a, b), t.later(0, 2), tr{
			"{Where do we meet|What time exactly|Should I bring anything|Is {$name} coming too}?",
			"{Onde a gente se encontra|Que horas exatamente|Levo alguma coisa|{$name} vai também}?",
			"¿{Dónde quedamos|A qué hora exactamente|Llevo algo|Viene {$name} también}?"})
	}
	t.say(a, t.later(2, 4), tr{
		"{Decided|Settled|OK, the plan is|Confirmed}: we {$activity} {$when}{, meeting at {$spot}|}{ 👍|}",
		"{Combinado|Fechado|Ficou combinado|Decidido}: vamos {$activity} {$when}{, ponto de encontro: {$spot}|}{ 👍|}",
		"{Decidido|Quedamos así|Hecho}: vamos a {$activity} {$when}{, quedamos en {$spot}|}{ 👍|}"})
	if g.rng.IntN(3) == 0 {
		t.location(a, 0, spot)
	}
	return t
}

// question: someone asks something practical; someone answers later.
func question(g *Generator, base time.Time) *thread {
	c := g.group()
	t := g.newThread(c, c.lang, base)
	t.setWords("thing", borrowables, "shop", shops, "dish", dishes, "trip", costs)
	qa := pick(g, questions[t.lang])
	asker := t.member()
	t.add(msg{from: asker, kind: "text", text: expand(g.rng, qa[0], t.vars)})
	answerer := t.someone(asker)
	t.add(msg{from: answerer, kind: "text", text: expand(g.rng, qa[1], t.vars), after: t.later(1, 4)})
	return t
}

// request: a friend asks for a document; the demo user promises it, sends
// it later, and is thanked.
func request(g *Generator, base time.Time) *thread {
	c := g.dm()
	t := g.newThread(c, c.lang, base)
	d := t.setDoc()
	friend := t.member()
	t.say(friend, 0, tr{
		"{Hey, |Hi, |}{can|could} you send me {$doc} {when you get a chance|before {$short}|today|}?{ 🙏|}",
		"{Oi, |}{pode|consegue} me mandar {$doc} {quando puder|até {$short}|hoje|}?{ 🙏|}",
		"{Oye, |Hola, |}¿me {puedes|podrías} mandar {$doc} {cuando puedas|para {$short}|hoy|}?{ 🙏|}"})
	t.say(nil, t.later(1, 3), tr{
		"{Sure|Of course|Will do}, I'll send it {tonight|in a bit|after work|first thing tomorrow|{$day}}",
		"{Claro|Mando sim|Pode deixar}, te mando {hoje à noite|daqui a pouco|depois do trabalho|amanhã cedo|{$day}}",
		"{Claro|Sin problema|Vale}, te lo mando {esta noche|en un rato|después del trabajo|mañana temprano|{$day}}"})
	t.document(nil, t.later(1, 4), d, tr{
		"{Here you go|Here it is|There you go}{: {$doc}|}",
		"{Aqui está|Tá aqui|Segue}{: {$doc}|}",
		"{Aquí lo tienes|Ahí va|Te lo paso}{: {$doc}|}"})
	t.say(friend, t.later(0, 2), tr{
		"{Thanks|Cheers|Perfect, thanks|Lifesaver}{!| 🙏|, I owe you one}",
		"{Valeu|Brigadão|Show, valeu|Salvou}{!| 🙏|}",
		"{¡Gracias!|¡Mil gracias!|¡Genial, gracias!|¡Me salvas!}{ 🙏|}"})
	return t
}

// setDoc sets doc (a document named in a sentence, "the slides") and
// returns its file name.
func (t *thread) setDoc() string {
	d := pick(t.g, documents[t.lang])
	t.set("doc", d[0])
	t.set("Doc", capitalise(d[0]))
	suffix := pick(t.g, []string{t.base.Format("2006-01-02"), fmt.Sprintf("v%d", 2+t.g.rng.IntN(7)), "final", t.base.Format("2006-01"),
		fmt.Sprintf("q%d", 1+(int(t.base.Month())-1)/3)})
	return d[1] + "-" + suffix + ".pdf"
}

// promise: the demo user promises something; the friend answers.
func promise(g *Generator, base time.Time) *thread {
	c := g.dm()
	t := g.newThread(c, c.lang, base)
	t.setDoc()
	t.set("food", t.word(bringables))
	t.say(nil, 0, tr{
		"{I'll send you {$doc} {tomorrow|tonight|after lunch|first thing tomorrow|{$day}}|I'll call you {after work|later|{$day}}|" +
			"I'll book a table {$when}|I'll bring {$food} {$day}|I'll check with {$name} and let you know {tonight|tomorrow}}",
		"{Te mando {$doc} {amanhã|hoje à noite|depois do almoço|amanhã cedo|{$day}}|Te ligo {depois do trabalho|mais tarde|{$day}}|" +
			"Vou reservar uma mesa {$when}|Eu levo {$food} {$day}|Vou falar com {$name} e te aviso {hoje à noite|amanhã}}",
		"{Te mando {$doc} {mañana|esta noche|después de comer|mañana a primera hora|{$day}}|Te llamo {después del trabajo|luego|{$day}}|" +
			"Reservo mesa para {$when}|Yo llevo {$food} {$day}|Hablo con {$name} y te digo algo {esta noche|mañana}}"})
	t.say(t.member(), t.later(1, 3), tr{
		"{Thanks|Great|Perfect|Lovely|Amazing}{, no rush|, that'd be great|, appreciate it|, you're the best|}{ 🙏| 🙌|}",
		"{Valeu|Ótimo|Perfeito|Maravilha|Show}{, sem pressa|, seria ótimo|, você é demais|}{ 🙏| 🙌|}",
		"{Gracias|Genial|Perfecto|Estupendo|Guay}{, sin prisa|, me vendría genial|, eres lo más|}{ 🙏| 🙌|}"})
	return t
}

// shareLink: someone shares a link; someone reacts later.
func shareLink(g *Generator, base time.Time) *thread {
	c := g.anyChat()
	t := g.newThread(c, c.lang, base)
	l := t.freshLink()
	t.set("url", l.url)
	t.set("title", l.title)
	from := t.someone()
	t.add(msg{from: from, kind: "text", url: l.url, text: t.text(tr{
		"{{Have you seen this?|Look at this:|This is great:|Found this:|Thought you'd like this:|Good read on {$title}:|Saw this and thought of you:|{$title}, who knew?}{ 👉|} {$url}|{$url} {— so good|— worth a read|— {$title}, who knew}}",
		"{{Olha isso:|Vê isso:|Achei isso:|Lembrei de vocês:|Sobre {$title}:|Vale a leitura:|{$title}, quem diria?}{ 👉|} {$url}|{$url} {— muito bom|— vale a pena|— {$title}, quem diria}}",
		"{{Mira esto:|¿Visteis esto?|Te paso esto:|Me acordé de esto:|Sobre {$title}:|Merece la pena:|{$title}, ¿quién lo diría?}{ 👉|} {$url}|{$url} {— buenísimo|— muy interesante|— {$title}, quién lo diría}}"})})
	t.say(t.someone(from), t.later(1, 3), tr{
		"{Oh nice|Ha, brilliant|Saving it for later|Just read it, {so good|fascinating}|Didn't know that about {$title}}{!|, thanks|}",
		"{Que legal|Adorei|Salvei para ler depois|Acabei de ler, {muito bom|fascinante}|Não sabia isso de {$title}}{!|, valeu|}",
		"{Qué guay|Me encanta|Me lo guardo para luego|Acabo de leerlo, {buenísimo|fascinante}|No sabía eso de {$title}}{!|, gracias|}"})
	return t
}

// freshLink is a link in the thread's language shared as seldom as can be.
func (t *thread) freshLink() link {
	pool := linkPools[t.lang]
	best := pick(t.g, pool)
	for range 8 {
		if t.g.links[best.url] == 0 {
			break
		}
		if l := pick(t.g, pool); t.g.links[l.url] < t.g.links[best.url] {
			best = l
		}
	}
	return best
}

// forwardLink: the demo user passes a link shared elsewhere on to a group,
// word for word: the one repeat the demo makes on purpose.
func forwardLink(g *Generator, base time.Time) *thread {
	if len(g.shared) == 0 || g.only != nil {
		return shareLink(g, base)
	}
	orig := pick(g, g.shared)
	var to []*chat
	for _, c := range groups {
		if c.id != orig.chat.id && c.lang == orig.lang {
			to = append(to, c)
		}
	}
	if len(to) == 0 {
		return shareLink(g, base)
	}
	t := g.newThread(pick(g, to), orig.lang, base)
	t.add(msg{from: nil, kind: "text", text: orig.text, url: orig.url, forward: true})
	t.say(t.member(), t.later(1, 3), tr{
		"{Ha, {$first} sent me the same thing|Oh, I saw that too|Classic}{!|}",
		"{Kkkk, {$first} me mandou a mesma coisa|Vi isso também|Clássico}{!|}",
		"{Jaja, {$first} me mandó lo mismo|Yo también lo vi|Un clásico}{!|}"})
	return t
}

// photo: someone sends a photo with a caption that fits it; someone
// answers.
func photo(g *Generator, base time.Time) *thread {
	c := g.anyChat()
	t := g.newThread(c, c.lang, base)
	t.setWords("dish", dishes, "mountain", mountains, "beach", beaches)
	kind := pick(g, pictureKinds)
	from := t.someone()
	t.answering(from)
	if p := t.member(from); p != nil {
		t.set("first", p.first())
	}
	t.photo(from, 0, kind, captions[kind])
	if g.rng.IntN(4) > 0 {
		t.say(t.someone(from), t.later(0, 3), tr{
			"{Wow|Gorgeous|Stunning|So jealous|Beautiful|Love this}{!|, where is that?|, {$you}!}{ 😍| 🔥|}",
			"{Que lindo|Maravilha|Que inveja|Lindo demais|Amei}{!|, onde é isso?|, {$you}!}{ 😍| 🔥|}",
			"{¡Qué bonito|¡Precioso|¡Qué envidia|¡Qué pasada|¡Me encanta}{!|! ¿Dónde es eso?|, {$you}!}{ 😍| 🔥|}"})
	}
	return t
}

// voiceNote: a voice note, perhaps announced, and an answer to it.
func voiceNote(g *Generator, base time.Time) *thread {
	c := g.anyChat()
	t := g.newThread(c, c.lang, base)
	from := t.someone()
	if g.rng.IntN(2) == 0 {
		t.say(from, 0, tr{
			"{Sending you a voice note, easier than typing|Quick voice note about the plan for {$short}|Voice note incoming|Sorry, long voice note}{ 🎙️|}",
			"{Vou mandar um áudio, é mais fácil|Áudio rapidinho sobre {$short}|Lá vai áudio|Desculpa o áudio longo}{ 🎙️|}",
			"{Te mando un audio, es más fácil|Audio rápido sobre lo de {$short}|Va audio|Perdón por el audio largo}{ 🎙️|}"})
	}
	t.voice(from, 0)
	t.say(t.someone(from), t.later(1, 3), tr{
		"{Just listened|Got your voice note|Listened on the bus}{ — sounds good| — agreed| — ha, fair enough|, let's do that|, see you {$day}}",
		"{Ouvi seu áudio|Acabei de ouvir|Ouvi no ônibus}{, fechado|, concordo|, kkkk verdade|, pode ser|, até {$short}}",
		"{Acabo de escuchar el audio|Escuchado|Lo oí en el bus}{, de acuerdo|, me parece bien|, jaja tienes razón|, nos vemos {$day}}"})
	return t
}

// sharePlace: someone drops a pin, with a word before or after.
func sharePlace(g *Generator, base time.Time) *thread {
	c := g.anyChat()
	t := g.newThread(c, c.lang, base)
	p := t.placeIn(t.vars["city"])
	t.set("spot", p.name)
	from := t.someone()
	before := tr{
		"{Here's the place|This is where we're meeting|The address for {$short}|Dropping a pin|It's this one}{:|}",
		"{Tá aqui o lugar|É aqui que a gente se encontra|O endereço para {$short}|Mandando a localização|É esse aqui}{:|}",
		"{Aquí está el sitio|Aquí quedamos|La dirección para {$short}|Te mando la ubicación|Es este}{:|}"}
	after := tr{
		"{See you at {$spot}|Meet at the entrance|Easy to get to by bus|There's parking round the back}{!|}",
		"{Te vejo lá|A gente se encontra na entrada|Dá pra ir de metrô|Tem estacionamento atrás}{!|}",
		"{Nos vemos en {$spot}|Quedamos en la entrada|Se llega fácil en metro|Hay parking detrás}{!|}"}
	if g.rng.IntN(2) == 0 {
		t.say(from, 0, before)
		t.location(from, 0, p)
	} else {
		t.location(from, 0, p)
		t.say(from, 0, after)
	}
	return t
}

// shareDocument: someone shares a document in a chat, and is thanked.
func shareDocument(g *Generator, base time.Time) *thread {
	c := g.anyChat()
	t := g.newThread(c, c.lang, base)
	file := t.setDoc()
	from := t.someone()
	t.document(from, 0, file, tr{
		"{Here's {$doc}|{$Doc} for {$short}|Sharing {$doc}, {comments welcome|have a look when you can}}",
		"{Segue {$doc}|{$Doc} para {$short}|Compartilhando {$doc}, {comentários são bem-vindos|deem uma olhada}}",
		"{Aquí va {$doc}|{$Doc} para {$short}|Os paso {$doc}, {se aceptan comentarios|echadle un ojo}}"})
	t.say(t.someone(from), t.later(1, 3), tr{
		"{Thanks|Got it|Thanks, will read it {tonight|tomorrow|{$day}}}{!|}",
		"{Valeu|Recebi|Obrigado, leio {hoje à noite|amanhã|{$day}}}{!|}",
		"{Gracias|Recibido|Gracias, lo leo {esta noche|mañana|{$day}}}{!|}"})
	return t
}

// passContact: someone asks for a tradesperson; someone passes a card.
func passContact(g *Generator, base time.Time) *thread {
	c := g.anyChat()
	t := g.newThread(c, c.lang, base)
	card := pick(g, contacts)
	t.set("job", card.job[t.lang])
	t.set("cname", card.name)
	asker := t.member()
	t.say(asker, 0, tr{
		"{Anyone|Do you} know a good {$job}{ in {$city}| nearby|}?{ Urgent-ish 😅|}",
		"{Alguém conhece|Você conhece} um bom {$job}{ em {$city}| aqui perto|}?{ Meio urgente 😅|}",
		"¿{Alguien conoce|Conoces} un buen {$job}{ en {$city}| por aquí|}?{ Es algo urgente 😅|}"})
	from := t.someone(asker)
	if asker == nil {
		from = t.member()
	}
	t.say(from, t.later(1, 3), tr{
		"{I use|Try|Call} {$cname}{, really good|, very reliable|, not cheap but great|}",
		"{Fala com|Tenho o contato de|Liga para} {$cname}{, super recomendo|, de confiança|}",
		"{Habla con|Tengo el contacto de|Llama a} {$cname}{, muy recomendable|, de confianza|}"})
	t.card(from, 0, card)
	return t
}

// chatter: small talk, and an answer or two.
func chatter(g *Generator, base time.Time) *thread {
	c := g.group()
	if g.rng.IntN(4) == 0 {
		c = g.dm()
	}
	t := g.newThread(c, c.lang, base)
	t.setWords("book", books, "album", albums, "show", shows)
	a := t.someone()
	t.answering(a)
	t.add(msg{from: a, kind: "text", text: t.word(smallTalk)})
	b := t.someone(a)
	t.say(b, t.later(0, 3), tr{
		"{Haha {same|me too|tell me about it|classic}{ 😂| 😅|}|{Totally|100%|Ha, yes|Same here}{!|, {$you}}|{No way|Nice one|Congrats}{!|, {$you}!}{ 🎉|}}",
		"{{Kkkk|Hahaha|Rsrs} {eu também|nem me fala|clássico}{ 😂|}|{Verdade|Demais|Pois é}{!|, {$you}}|{Parabéns|Boa|Arrasou}{!|, {$you}!}{ 🎉|}}",
		"{{Jajaja|Jaja|JAJA} {yo también|ni me lo digas|clásico}{ 😂|}|{Totalmente|Ya ves|Tal cual}{!|, {$you}}|{¡Enhorabuena|¡Bien hecho|¡Qué crack}{!|, {$you}!}{ 🎉|}}"})
	if c.group && g.rng.IntN(3) == 0 {
		t.add(msg{from: t.someone(a, b), kind: "text", text: t.word(smallTalk), after: t.later(1, 2)})
	}
	return t
}

// Notes to self: the demo user writes to themselves in any language, and
// the knowledge pipeline makes tasks, ideas and notes of them.

func selfTodo(g *Generator, base time.Time) *thread {
	t := g.selfThread(base)
	t.set("task", t.word(tasks))
	t.say(nil, 0, tr{
		"{Todo|To do|TODO}: {$task}{ {$when}|}{ #{$tag}|}",
		"{Tarefa|A fazer|Pendente}: {$task}{ {$when}|}{ #{$tag}|}",
		"{Tarea|Pendiente|Por hacer}: {$task}{ {$when}|}{ #{$tag}|}"})
	return t
}

// selfList: a list under a label, one task or item a line.
func selfList(g *Generator, base time.Time) *thread {
	t := g.selfThread(base)
	shopping := g.rng.IntN(2) == 0
	var head tr
	list := tasks
	if shopping {
		head, list = tr{"{Shopping list|Groceries|Shopping}:", "{Lista de compras|Compras}:", "{Lista de la compra|Lista del súper}:"}, groceries
	} else {
		head = tr{"{Todo|To do|Tasks}:", "{Tarefas|A fazer|Pendentes}:", "{Tareas|Pendientes|Por hacer}:"}
	}
	lines := []string{t.text(head)}
	bullet := pick(g, []string{"", "- ", "• "})
	seen := map[string]bool{}
	for len(lines) < 4+g.rng.IntN(2) {
		item := t.word(list)
		if !seen[item] {
			seen[item] = true
			lines = append(lines, bullet+item)
		}
	}
	t.add(msg{kind: "text", text: strings.Join(lines, "\n")})
	return t
}

func selfReminder(g *Generator, base time.Time) *thread {
	t := g.selfThread(base)
	if g.only != nil {
		// Written yesterday, it says a day that is still ahead today.
		t.setMoment("", t.moment(whenOptions{minDays: 2}))
	}
	t.set("task", t.word(tasks))
	t.say(nil, 0, tr{
		"{Remind me to|Don't forget to|Need to|Remember to} {$task} {$when}{ #{$tag}|}",
		"{Me lembra de|Lembrar de|Não esquecer de|Preciso} {$task} {$when}{ #{$tag}|}",
		"{Recuérdame|No olvidar|Tengo que|No te olvides de} {$task} {$when}{ #{$tag}|}"})
	return t
}

func selfIdea(g *Generator, base time.Time) *thread {
	t := g.selfThread(base)
	if g.rng.IntN(2) == 0 {
		t.set("idea", t.word(ideas))
		t.say(nil, 0, tr{"{Idea|New idea|IDEA}: {$idea}{ #{$tag}|}", "{Ideia|IDEIA}: {$idea}{ #{$tag}|}", "{Idea|IDEA}: {$idea}{ #{$tag}|}"})
	} else {
		t.set("idea", t.word(ideaClauses))
		t.say(nil, 0, tr{"What if {$idea}?{ #{$tag}|}", "E se {$idea}?{ #{$tag}|}", "¿Y si {$idea}?{ #{$tag}|}"})
	}
	return t
}

func selfNote(g *Generator, base time.Time) *thread {
	t := g.selfThread(base)
	t.set("date", dateWords(t))
	t.set("fact", t.word(facts))
	t.say(nil, 0, tr{"{Note|Note to self|NB}: {$fact}{ #{$tag}|}", "{Nota|Lembrete|Obs}: {$fact}{ #{$tag}|}", "{Nota|Apunte|Ojo}: {$fact}{ #{$tag}|}"})
	return t
}

// dateWords is a date with no preposition: "14 March", "14 de março".
func dateWords(t *thread) string {
	d := t.base.AddDate(0, 0, -200+t.g.rng.IntN(400))
	return fmt.Sprintf([...]string{"%d %s", "%d de %s", "%d de %s"}[t.lang], d.Day(), months[t.lang][d.Month()-1])
}

func selfLink(g *Generator, base time.Time) *thread {
	t := g.selfThread(base)
	l := t.freshLink()
	t.set("url", l.url)
	t.add(msg{kind: "text", url: l.url, text: t.text(tr{
		"{Read later|To read|For the weekend}: {$url}{ #{$tag}|}",
		"{Ler depois|Pra ler|Para o fim de semana}: {$url}{ #{$tag}|}",
		"{Leer luego|Para leer|Para el finde}: {$url}{ #{$tag}|}"})})
	return t
}

// selfPlan: an appointment written down.
func selfPlan(g *Generator, base time.Time) *thread {
	t := g.selfThread(base)
	t.set("spot", t.placeIn(pick(g, speakers(t.lang)).city).name)
	t.say(nil, 0, tr{
		"{Meet {$name}|Lunch with {$name}|Call with {$name}|Dinner at {$name}'s} {at {$spot} |}{$when}",
		"{Reunião com {$name}|Almoço com {$name}|Encontrar {$name}|Jantar na casa de {$name}} {$when}{, local: {$spot}|}",
		"{Quedé con {$name}|Comida con {$name}|Llamada con {$name}|Cena en casa de {$name}} {$when}{ en {$spot}|}"})
	return t
}

// selfVoice: a voice memo to oneself, sometimes with a word after.
func selfVoice(g *Generator, base time.Time) *thread {
	t := g.selfThread(base)
	t.voice(nil, 0)
	return t
}
