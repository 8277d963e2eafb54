package demo

// This file holds the demo's vocabularies, in English, Portuguese and
// Spanish. Entries are templates themselves ("{a|b}", "{$name}"), filled in
// with the conversation's variables; see template.go and thread.go.

// activities are things to do together, said after "shall we", "vamos",
// "vamos a".
var activities = words{
	{"grab lunch", "get coffee", "go for a run in the park", "catch a film", "have dinner at that Thai place",
		"walk along the river", "do the pub quiz", "get brunch", "play five-a-side", "go to the farmers' market",
		"go for a bike ride", "play board games at mine", "get drinks after work", "see the new exhibition",
		"swim at the lido", "do the yoga class", "go to the gig", "have a picnic on the Heath", "get pizza",
		"go bouldering", "try the new ramen place", "watch the match at the pub", "go to the car boot sale",
		"cook something together at mine"},
	{"almoçar", "tomar um café", "correr no parque", "ver um filme", "jantar naquele japonês", "caminhar na orla",
		"tomar um chope", "jogar bola", "ir à feira", "andar de bicicleta", "jogar uns jogos de tabuleiro lá em casa",
		"tomar uma cerveja depois do trabalho", "ver a exposição nova", "ir à praia", "fazer a aula de ioga",
		"ir ao show", "fazer um piquenique no parque", "comer uma pizza", "escalar", "experimentar o restaurante novo",
		"ver o jogo no bar", "ir ao brechó", "cozinhar alguma coisa lá em casa"},
	{"comer", "tomar un café", "correr por el parque", "ir al cine", "cenar en el japonés", "pasear por el río",
		"tomar unas cañas", "jugar al fútbol", "ir al mercado", "salir en bici", "jugar a juegos de mesa en casa",
		"tomar algo después del trabajo", "ver la expo nueva", "ir a la playa", "ir a la clase de yoga",
		"ir al concierto", "hacer un pícnic en el parque", "pedir unas pizzas", "ir a escalar",
		"probar el restaurante nuevo", "ver el partido en el bar", "ir al rastro", "cocinar algo en mi casa"},
}

// questions are practical questions and, for each, an answer.
var questions = [numLangs][][2]string{
	{
		{"Does anyone have {$thing} I could borrow {this weekend|{$day}|}?", "{I do|Yes, I've got one}{, I'll bring it {$day}|, come and grab it whenever|}"},
		{"What time does {$shop} {open|close} on {Sunday|Saturday|bank holidays}?", "{I think|Pretty sure|Just checked:} it's {8|9|10}{am|:30am} to {5|6|8|10}pm"},
		{"Has anyone tried {$dish} at the new place on {Green Lanes|Church Street|the high street|Upper Street}?", "{Yes!|Went last week,} {it's amazing|get the {$dish}|a bit pricey but worth it}"},
		{"How much was {$trip} in the end?", "£{$n3} each{, pay me when you can|, I'll send the details|}"},
		{"Is anyone driving to {$city} {$day}?", "{I am|Yes, me}{, there's room for {two|three}|, leaving {$clock}|}"},
		{"Did anyone find {my|a} {black umbrella|blue scarf|water bottle|house keys} after {the quiz|Saturday|the party}?", "{Yes, it's at mine|Nope, sorry|I think {$name} took it home}"},
		{"What was the name of {that film|that café|that podcast|that band} {$name} mentioned?", "{No idea, ask {$name}|I'll ask {$name} and get back to you|Something with \"{blue|night|river}\" in it?}"},
		{"Who's got the key to {the storage|the van|the flat} {$day}?", "{Me|{$name} has it|It's under the mat}{, I'll be around {$clock}|}"},
	},
	{
		{"Alguém tem {$thing} para me emprestar {no fim de semana|{$day}|}?", "{Eu tenho|Tenho sim}{, levo {$day}|, pode vir buscar quando quiser|}"},
		{"Alguém sabe o horário {$shop} no {domingo|sábado|feriado}?", "{Abre|Acho que abre|Acabei de ver: abre} às {7|8|9}h e fecha às {12|13|18|20}h"},
		{"Alguém já provou {$dish} naquele lugar novo da {Rua Augusta|Vila Madalena|Avenida|praça}?", "{Fui semana passada|Já!|Sim,} {é ótimo|vale muito a pena|meio caro mas vale}"},
		{"Quanto ficou {$trip} no final?", "R$ {$n3} por pessoa{, pode me mandar por Pix|, depois te passo os dados|}"},
		{"Quem vai buscar {a vó|as crianças|o bolo} {$day}?", "{Eu busco|Deixa comigo}{, passo aí {$clock}|}"},
		{"Alguém vai para {$city} {$day}?", "{Eu vou|Vou sim}{, tem lugar para {mais dois|mais três}|, saio {$clock}|}"},
		{"Alguém achou {um guarda-chuva preto|um cachecol azul|uma garrafinha|as chaves de casa} depois {da festa|do almoço|de sábado}?", "{Tá aqui em casa|Não vi, foi mal|Acho que {$name} levou}"},
		{"Como era o nome {daquele filme|daquele café|daquele podcast|daquela banda} que {$name} falou?", "{Não lembro, pergunta para {$name}|Vou perguntar para {$name} e te falo|Tinha \"{azul|noite|rio}\" no nome?}"},
	},
	{
		{"¿Alguien tiene {$thing} para prestarme {el finde|{$day}|}?", "{Yo tengo|Yo sí}{, te lo llevo {$day}|, pásate cuando quieras|}"},
		{"¿Alguien sabe a qué hora {abre|cierra} {$shop} el {domingo|sábado|festivo}?", "{Creo que|Acabo de mirarlo:|Según Google,} a las {9|10|14|20}{:30|}"},
		{"¿Alguien ha probado {$dish} en el sitio nuevo de la calle {Mayor|Alcalá|Corrientes|Serrano}?", "{Fui el finde|¡Sí!|Sí,} {está buenísimo|merece la pena|un poco caro pero vale la pena}"},
		{"¿Cuánto salió {$trip} al final?", "{$n3} € por cabeza{, me lo pasáis por Bizum|, luego os paso los datos|}"},
		{"¿Alguien va a {$city} {$day}?", "{Yo voy|Yo sí}{, tengo sitio para {dos|tres}|, salgo {$clock}|}"},
		{"¿Alguien encontró {un paraguas negro|una bufanda azul|una botella de agua|las llaves de casa} después {de la fiesta|de la cena|del sábado}?", "{Está en mi casa|No, lo siento|Creo que se lo llevó {$name}}"},
		{"¿Cómo se llamaba {esa peli|ese café|ese podcast|ese grupo} que dijo {$name}?", "{Ni idea, pregúntale a {$name}|Le pregunto a {$name} y te digo|¿Tenía \"{azul|noche|río}\" en el nombre?}"},
		{"¿Quién tiene la llave {del trastero|de la furgo|del piso} {$day}?", "{Yo|La tiene {$name}|Está debajo del felpudo}{, estoy por ahí {$clock}|}"},
	},
}

var borrowables = words{
	{"a spare belay device", "a tent", "a phone charger", "a bike pump", "an HDMI cable", "a sleeping bag", "a drill", "a camping stove", "a big umbrella", "a projector"},
	{"uma barraca", "um carregador de celular", "uma bomba de bicicleta", "um cabo HDMI", "um saco de dormir", "uma furadeira", "um fogareiro", "um projetor", "uma mala grande"},
	{"una tienda de campaña", "un cargador de móvil", "una bomba de bici", "un cable HDMI", "un saco de dormir", "un taladro", "un hornillo", "un proyector", "una maleta grande"},
}

var shops = words{
	{"the climbing wall", "the farmers' market", "the lido", "the library", "the pharmacy on the corner", "the bakery", "the bike shop"},
	{"da farmácia", "da padaria", "da feira", "da biblioteca", "da piscina", "do mercado", "da lavanderia"},
	{"la farmacia", "el museo", "el mercado", "la biblioteca", "la piscina", "la panadería", "la lavandería"},
}

var costs = words{
	{"the guide", "the cabin", "the van", "the tickets", "Mum's present", "the dinner", "the Airbnb"},
	{"o almoço", "a casa de praia", "o aluguel do carro", "o presente da vó", "os ingressos", "o Airbnb", "o churrasco"},
	{"el piso", "el coche de alquiler", "las entradas", "la cena", "el regalo de mamá", "el Airbnb", "la casa rural"},
}

// documents are things people send: how a sentence names one, and its
// file name.
var documents = [numLangs][][2]string{
	{{"the slides", "slides"}, {"the budget spreadsheet", "budget"}, {"the contract", "contract"}, {"the invoice", "invoice"},
		{"the report", "report"}, {"the itinerary", "itinerary"}, {"the lease", "lease"}, {"the quote", "quote"},
		{"the floor plan", "floor-plan"}, {"the meeting notes", "meeting-notes"}, {"the boarding passes", "boarding-passes"},
		{"the menu", "menu"}, {"the tickets", "tickets"}, {"the recipe", "recipe"}},
	{{"a apresentação", "apresentacao"}, {"a planilha do orçamento", "orcamento"}, {"o contrato", "contrato"},
		{"a nota fiscal", "nota-fiscal"}, {"o relatório", "relatorio"}, {"o roteiro", "roteiro"},
		{"o contrato de aluguel", "contrato-aluguel"}, {"a planta do apartamento", "planta"}, {"a ata da reunião", "ata"},
		{"os cartões de embarque", "cartoes-embarque"}, {"o cardápio", "cardapio"}, {"os ingressos", "ingressos"},
		{"a receita", "receita"}},
	{{"la presentación", "presentacion"}, {"la hoja del presupuesto", "presupuesto"}, {"el contrato", "contrato"},
		{"la factura", "factura"}, {"el informe", "informe"}, {"el itinerario", "itinerario"},
		{"el contrato del piso", "contrato-piso"}, {"el plano del piso", "plano"}, {"el acta de la reunión", "acta"},
		{"las tarjetas de embarque", "tarjetas-embarque"}, {"el menú", "menu"}, {"las entradas", "entradas"},
		{"la receta", "receta"}},
}

var bringables = words{
	{"the wine", "dessert", "some bread", "the cheese", "the speaker", "the board games", "a cake"},
	{"o vinho", "a sobremesa", "o pão", "o queijo", "a caixinha de som", "os jogos", "um bolo"},
	{"el vino", "el postre", "pan", "el queso", "el altavoz", "los juegos", "una tarta"},
}

var dishes = words{
	{"sourdough pizza", "Thai green curry", "shakshuka", "ramen", "lasagne", "fish tacos", "banana bread", "mushroom risotto", "dumplings", "fish and chips"},
	{"feijoada", "moqueca", "bacalhau à Brás", "pão de queijo", "escondidinho", "risoto de cogumelos", "bolo de cenoura", "pastel de nata", "coxinha", "açaí"},
	{"tortilla de patatas", "paella", "tacos al pastor", "empanadas", "gazpacho", "arroz con pollo", "churros", "ceviche", "croquetas", "milanesa"},
}

var mountains = words{
	{"Snowdon", "Ben Nevis", "Helvellyn", "Scafell Pike", "the Cairngorms", "Stanage Edge"},
	{"Serra da Estrela", "Pedra da Gávea", "Serra da Mantiqueira", "Pico da Bandeira", "Chapada Diamantina"},
	{"Picos de Europa", "Sierra de Guadarrama", "Montserrat", "el Aconcagua", "Cerro Catedral"},
}

var beaches = words{
	{"Brighton", "Portobello", "West Wittering", "Camber Sands", "St Ives"},
	{"Ipanema", "Cascais", "Ubatuba", "Comporta", "Copacabana", "Trancoso"},
	{"la Barceloneta", "Sitges", "Tulum", "Mar del Plata", "Cádiz", "Zahara"},
}

var books = words{
	{"Project Hail Mary", "Klara and the Sun", "The Thursday Murder Club", "Pachinko", "Circe", "Lessons in Chemistry", "Tomorrow, and Tomorrow, and Tomorrow"},
	{"Torto Arado", "Dom Casmurro", "O Alienista", "Ensaio sobre a Cegueira", "A Hora da Estrela", "Capitães da Areia"},
	{"Cien años de soledad", "La sombra del viento", "Rayuela", "Pedro Páramo", "Patria", "Nada", "La casa de los espíritus"},
}

var albums = words{
	{"Rumours", "Kind of Blue", "the new Beyoncé album", "that playlist {$first} made", "Blue by Joni Mitchell"},
	{"Tribalistas", "Elis & Tom", "o disco novo da Marisa Monte", "aquela playlist de {$first}", "Clube da Esquina"},
	{"El Mal Querer", "Motomami", "el disco nuevo de Jorge Drexler", "la playlist de {$first}", "Clics modernos"},
}

var shows = words{
	{"Bake Off", "the football", "Slow Horses", "The Bear", "the quiz show"},
	{"a novela", "o jogo do Corinthians", "Sintonia", "o BBB", "a final do campeonato"},
	{"La casa de papel", "el Clásico", "Élite", "el partido", "la final"},
}

// smallTalk opens a chat about nothing in particular.
var smallTalk = words{
	{"{Morning|Good morning|Morning all|Morning, team}{!|} {☀️|👋|☕}",
		"{Anyone else|Is anyone else} {exhausted|still half asleep|still recovering from the weekend} {today|this morning}?",
		"What a game last night{!|, still can't believe that last goal}",
		"Just finished {$book}{ — so good| — what an ending|}",
		"Can't stop listening to {$album}",
		"{{The rain is back|It's pouring again} {here|in {$city}}{ 🌧️|}|Finally some sun {here|in {$city}}{ ☀️|}}",
		"{Friday|The weekend} can't come soon enough{ 😩|}",
		"The cat knocked over {my plant|my coffee|the laptop charger} again 🙃",
		"Who's watching {$show} {tonight|{$day}}?",
		"Coffee number {three|four} {already|and it's not even {10|11}}",
		"{Finally|At last} fixed my bike{ 🚲|}",
		"Guess who just ran {5k|10k|a half marathon} {without stopping|in under an hour}{ 💪|}",
		"{Happy Friday|Happy Monday, I guess}{, everyone|}{!| 😅}",
		"Is it just me or is {$city} {freezing|boiling|so busy} today?"},
	{"Bom dia, {família|gente|pessoal}! {☀️|❤️|☕}",
		"{Alguém mais|Quem mais} {tá morto de sono|tá cansado|ainda tá se recuperando do fim de semana} hoje?",
		"Que {jogo|jogão} ontem{, hein|}!{ ⚽|}",
		"{Terminei|Acabei de ler} {$book}{, amei|, recomendo demais|}",
		"Não consigo parar de ouvir {$album}",
		"{Que chuva {hoje|aqui em {$city}}{ 🌧️|}|{Que calor|Finalmente sol} {hoje|aqui em {$city}}{ ☀️|}}",
		"O gato derrubou {minha planta|meu café|o carregador} de novo 🙃",
		"Quem vai ver {$show} {hoje|{$day}}?",
		"{Terceiro|Quarto} café do dia e ainda {nem são {10|11}h|é de manhã}",
		"Finalmente consertei a bicicleta{ 🚲|}",
		"Adivinha quem correu {5|10} km {sem parar|em menos de uma hora}{ 💪|}",
		"{Sextou|Boa semana}{, gente|, pessoal|}{!| 🎉}",
		"É impressão minha ou {$city} tá {um gelo|um forno|lotada} hoje?"},
	{"¡Buenos días, {equipo|gente|chicos}! {☀️|👋|☕}",
		"¿{Alguien más|Quién más} {está muerto de sueño|está agotado|sigue recuperándose del finde} hoy?",
		"¡Qué partido anoche{, madre mía|}!",
		"{Acabo de terminar|Terminé} {$book}{, me encantó|, lo recomiendo muchísimo|}",
		"No puedo dejar de escuchar {$album}",
		"{Qué lluvia {hoy|aquí en {$city}}{ 🌧️|}|{Qué calor|Por fin sol} {hoy|aquí en {$city}}{ ☀️|}}",
		"El gato tiró {mi planta|mi café|el cargador} otra vez 🙃",
		"¿Quién ve {$show} {esta noche|{$day}}?",
		"{Tercer|Cuarto} café del día y {no son ni las {10|11}|todavía es por la mañana}",
		"Por fin arreglé la bici{ 🚲|}",
		"Adivinad quién ha corrido {5|10} km {sin parar|en menos de una hora}{ 💪|}",
		"{¡Feliz viernes|¡Feliz lunes, supongo}{, gente|}!",
		"¿Soy yo o {$city} está {helada|ardiendo|a tope} hoy?"},
}

// tasks are things to do, said after "remind me to", "lembrar de",
// "recuérdame".
var tasks = words{
	{"call the dentist", "renew my passport", "pay the electricity bill", "book the car service", "buy a birthday present for {$name}",
		"send {$name} the {slides|photos|invoice}", "water the plants", "return the library books", "cancel the gym trial",
		"print the boarding passes", "order more coffee beans", "reply to {$name} about {the weekend|the trip|dinner}",
		"pick up the dry cleaning", "book a table at {$spot}", "renew the car insurance", "book a haircut",
		"submit the expense report", "fix the bike's back brake", "call Mum", "call the bank about the card",
		"take the recycling out", "clean the fridge", "back up my phone", "confirm dinner with {$name}", "pay {$name} back £{$n}"},
	{"ligar para o dentista", "renovar o passaporte", "pagar a conta de luz", "levar o carro na revisão",
		"comprar um presente para {$name}", "mandar {as fotos|a apresentação|o contrato} para {$name}", "regar as plantas",
		"devolver os livros da biblioteca", "cancelar a academia", "imprimir os cartões de embarque", "comprar café",
		"responder {$name} sobre {o fim de semana|a viagem|o jantar}", "buscar a roupa na lavanderia",
		"reservar uma mesa no restaurante", "renovar o seguro do carro", "marcar o cabeleireiro",
		"enviar o relatório de despesas", "consertar o freio da bicicleta", "ligar para a mãe",
		"ligar para o banco por causa do cartão", "levar o lixo reciclável", "limpar a geladeira",
		"fazer backup do celular", "confirmar o jantar com {$name}", "pagar R$ {$n} para {$name}"},
	{"llamar al dentista", "renovar el pasaporte", "pagar la factura de la luz", "llevar el coche al taller",
		"comprar un regalo para {$name}", "mandarle {las fotos|la presentación|el contrato} a {$name}", "regar las plantas",
		"devolver los libros a la biblioteca", "cancelar el gimnasio", "imprimir las tarjetas de embarque", "comprar café",
		"contestarle a {$name} sobre {el finde|el viaje|la cena}", "recoger la ropa de la tintorería",
		"reservar mesa en el restaurante", "renovar el seguro del coche", "pedir cita en la peluquería",
		"enviar el informe de gastos", "arreglar el freno de la bici", "llamar a mamá", "llamar al banco por la tarjeta",
		"sacar el reciclaje", "limpiar la nevera", "hacer una copia del móvil", "confirmar la cena con {$name}",
		"devolverle {$n} € a {$name}"},
}

var groceries = words{
	{"eggs", "coffee beans", "olive oil", "oat milk", "bananas", "sourdough", "washing-up liquid", "tomatoes", "parmesan",
		"rice", "lemons", "dog food", "yoghurt", "spinach", "toilet paper", "chickpeas"},
	{"ovos", "café", "azeite", "leite", "bananas", "pão", "detergente", "tomates", "queijo", "arroz", "feijão", "limões",
		"iogurte", "papel higiênico", "alface", "manteiga"},
	{"huevos", "café", "aceite de oliva", "leche", "plátanos", "pan", "lavavajillas", "tomates", "queso", "arroz",
		"limones", "yogures", "papel higiénico", "espinacas", "garbanzos", "mantequilla"},
}

// ideas follow "Idea:"; ideaClauses follow "What if", "E se", "¿Y si".
var ideas = words{
	{"a weekly digest email of everything I bookmarked", "a shared calendar for the climbing crew",
		"a podcast about {small museums|street food|forgotten inventions}", "a map of every bakery we've tried",
		"a board-game night once a month", "turning the spare room into a studio",
		"an app that splits bills from a photo of the receipt", "a newsletter for our street",
		"a van trip along the {Portuguese|Spanish} coast", "a cookbook of Grandma's recipes", "a book swap shelf at the office",
		"a {monthly|weekly} supper club with {$name}", "a photo book of the {Lisbon|Sintra|Porto} trip",
		"learning {Portuguese|Spanish} before the trip", "a running club that ends at a bakery",
		"a plant-sitting rota for the building", "a vegetable garden on the roof", "a treasure hunt for {$name}'s birthday"},
	{"um resumo semanal por e-mail de tudo que salvei", "um calendário compartilhado para a família",
		"um podcast sobre {museus pequenos|comida de rua|invenções esquecidas}", "um mapa de todas as padarias que a gente já provou",
		"uma noite de jogos de tabuleiro todo mês", "transformar o quarto de hóspedes num estúdio",
		"um app que divide a conta pela foto do recibo", "uma newsletter para a rua", "uma viagem de van pelo litoral {português|espanhol}",
		"um livro de receitas da vó", "uma estante de troca de livros no escritório", "um jantar {mensal|semanal} com {$name}",
		"um álbum de fotos da viagem a {Lisboa|Sintra|Porto}", "aprender espanhol antes da viagem", "uma horta no terraço",
		"uma caça ao tesouro no aniversário de {$name}", "um grupo de corrida que termina na padaria"},
	{"un resumen semanal por correo de todo lo que guardo", "un calendario compartido para el club de lectura",
		"un podcast sobre {museos pequeños|comida callejera|inventos olvidados}", "un mapa de todas las panaderías que hemos probado",
		"una noche de juegos de mesa al mes", "convertir el cuarto de invitados en un estudio",
		"una app que divide la cuenta con una foto del ticket", "un boletín para la calle", "un viaje en furgo por la costa {portuguesa|gallega}",
		"un libro con las recetas de la abuela", "una estantería de intercambio de libros en la oficina",
		"una cena {al mes|cada semana} con {$name}", "un álbum de fotos del viaje a {Lisboa|Sintra|Oporto}",
		"aprender portugués antes del viaje", "un huerto en la azotea", "una búsqueda del tesoro para el cumple de {$name}",
		"un club de running que termina en una panadería"},
}

var ideaClauses = words{
	{"we rented a van for the trip", "we started a book club at work", "we hosted a supper club once a month",
		"we swapped flats with {$name} for a week", "I learned to make {sourdough|fresh pasta|kimchi}",
		"we cycled to {Brighton|the coast} in the summer", "we did a tiny film festival in the garden",
		"I took Fridays off in {June|September}", "we turned the garage into a climbing wall", "we planned the whole trip by train"},
	{"a gente alugasse uma van para a viagem", "a gente começasse um clube do livro no trabalho",
		"a gente fizesse um jantar por mês lá em casa", "a gente trocasse de casa com {$name} por uma semana",
		"eu aprendesse a fazer {pão de fermentação natural|massa fresca|kimchi}", "a gente fosse de bicicleta até {Santos|a praia} no verão",
		"a gente fizesse um festival de cinema no quintal", "eu tirasse as sextas de folga em {junho|setembro}",
		"a gente fizesse a viagem toda de trem"},
	{"alquiláramos una furgo para el viaje", "montáramos un club de lectura en el trabajo", "hiciéramos una cena al mes en casa",
		"cambiáramos de casa con {$name} una semana", "aprendiera a hacer {pan de masa madre|pasta fresca|kimchi}",
		"fuéramos en bici hasta {la costa|Sitges} en verano", "organizáramos un festival de cine en la terraza",
		"me cogiera los viernes libres en {junio|septiembre}", "hiciéramos todo el viaje en tren"},
}

// facts are things worth writing down, after "Note:".
var facts = words{
	{"the wifi password at {the cabin|Mum's|the office} is on the {fridge|back of the router}",
		"{$name}'s flat is number {$n}, buzzer {$n2}", "parked on level {-1|-2|3}, spot {A|B|C}{$n}",
		"the {plumber|electrician} charges £{$n3} an hour", "{$name} is allergic to {peanuts|shellfish|cats}",
		"the boiler was serviced on {$date}", "{$name}'s birthday is {$date}", "the locker code at the {gym|pool} is {$n4}",
		"the {spare key|bike lock key} is in the {blue jar|drawer by the door}", "{$name} takes {tea, no sugar|oat milk|sparkling water}",
		"the car's tyre pressure is {32|34|36} psi", "the landlord's number is in the lease, page {2|3|4}"},
	{"a senha do wifi {da casa de praia|da casa da mãe|do escritório} está {na geladeira|atrás do roteador}",
		"o apê de {$name} é o {$n}, interfone {$n2}", "estacionei no {G1|G2|subsolo 2}, vaga {$n}",
		"o {encanador|eletricista} cobra R$ {$n3} a hora", "{$name} tem alergia a {amendoim|camarão|gato}",
		"a revisão do aquecedor foi {$date}", "o aniversário de {$name} é {$date}", "o código do armário da academia é {$n4}",
		"a chave reserva está {no pote azul|na gaveta da entrada}", "{$name} prefere {chá sem açúcar|leite de aveia|água com gás}",
		"a calibragem do pneu é {30|32|34} libras", "o telefone do síndico está no contrato, página {2|3|4}"},
	{"la contraseña del wifi {de la casa del pueblo|de casa de mamá|de la oficina} está {en la nevera|detrás del router}",
		"el piso de {$name} es el {$n}º, portero {$n2}", "aparqué en la planta {-1|-2}, plaza {$n}",
		"el {fontanero|electricista} cobra {$n3} € la hora", "{$name} tiene alergia a {los cacahuetes|el marisco|los gatos}",
		"la revisión de la caldera fue el {$date}", "el cumple de {$name} es el {$date}", "el código de la taquilla del gimnasio es {$n4}",
		"la llave de repuesto está {en el tarro azul|en el cajón de la entrada}", "{$name} prefiere {té sin azúcar|leche de avena|agua con gas}",
		"la presión de las ruedas es {2,2|2,3|2,4} bar", "el teléfono del casero está en el contrato, página {2|3|4}"},
}

var tags = words{
	{"work", "home", "health", "reading", "trip", "money", "family", "weekend"},
	{"trabalho", "casa", "saúde", "leitura", "viagem", "dinheiro", "família", "fimdesemana"},
	{"trabajo", "casa", "salud", "lectura", "viaje", "dinero", "familia", "finde"},
}

// captions say what is in a photo of each kind.
var captions = map[string]tr{
	Sunset: {
		"{Sunset from {$spot}|Tonight's sky over {$city}|Not a bad view from {$spot}|Golden hour in {$city}}{ 🌅|}",
		"{Pôr do sol — {$spot}|Olha o céu de hoje em {$city}|Fim de tarde em {$city}|Que entardecer em {$city}}{ 🌅|}",
		"{Atardecer — {$spot}|El cielo de hoy en {$city}|Qué atardecer en {$city}|Última luz en {$city}}{ 🌅|}"},
	Mountains: {
		"{View from the top of {the new route|the ridge|{$mountain}}|Made it up {$mountain}|Day {two|three} of the hike, {$mountain} behind us}{ 🧗| ⛰️|}",
		"{Vista lá de cima — {$mountain}|Chegamos ao topo! {$mountain}|Dia {dois|três} da trilha, {$mountain} ao fundo}{ ⛰️|}",
		"{Vista desde arriba — {$mountain}|¡Cumbre! {$mountain}|Día {dos|tres} de ruta, {$mountain} al fondo}{ ⛰️|}"},
	City: {
		"{{$city} by night|Evening walk through {$city}|{$city}, you beauty|Lights on in {$city}}",
		"{{$city} à noite|Passeio de fim de tarde por {$city}|{$city} nunca decepciona|Luzes de {$city}}",
		"{{$city} de noche|Paseo nocturno por {$city}|{$city} nunca falla|Luces de {$city}}"},
	Food: {
		"{Tonight's dinner: {$dish}|Made {$dish} from scratch|First attempt at {$dish}|Lunch: {$dish}}{ 😋|}",
		"{Jantar de hoje: {$dish}|Fiz {$dish}|Primeira tentativa de {$dish}|Almoço: {$dish}}{ 😋|}",
		"{Cena de hoy: {$dish}|Hice {$dish}|Primer intento de {$dish}|Comida: {$dish}}{ 😋|}"},
	Garden: {
		"{The garden's finally blooming|New plants on the balcony|Mum's roses this year|The tomatoes are coming along}{ 🌸| 🌱|}",
		"{O jardim da vó está lindo|Plantas novas na varanda|As rosas da mãe este ano|Os tomates estão vingando}{ 🌸| 🌱|}",
		"{El jardín por fin florece|Plantas nuevas en el balcón|Las rosas de mamá este año|Los tomates van creciendo}{ 🌸| 🌱|}"},
	Beach: {
		"{Beach day at {$beach}|Cold water but worth it|Found our spot at {$beach}|{$beach}, finally}{ 🏖️|}",
		"{Dia de praia em {$beach}|Água gelada mas valeu|Achamos nosso cantinho em {$beach}|{$beach}, finalmente}{ 🏖️|}",
		"{Día de playa en {$beach}|El agua fría pero merece la pena|Ya tenemos sitio en {$beach}|{$beach}, por fin}{ 🏖️|}"},
	Cake: {
		"{Happy birthday, {$first}! 🎂|{$first}'s birthday cake|We made a cake for {$first}|Cake o'clock 🎂}",
		"{Parabéns, {$first}! 🎂|Bolo de aniversário para {$first}|Fizemos um bolo para {$first}|Hora do bolo 🎂}",
		"{¡Feliz cumple, {$first}! 🎂|Tarta de cumpleaños para {$first}|Hicimos una tarta para {$first}|Hora de la tarta 🎂}"},
}
