package demo

// This file is the demo's cast and what they say: three friends in direct
// chats, three groups, and notes to self, in English, Portuguese and
// Spanish, with links, photos, voice notes, places and a document.

type person struct {
	name, phone string
}

type chat struct {
	id, name string
	group    bool
}

type place struct {
	name, address string
	lat, lon      float64
}

// line is one message. from nil is the demo user (sent from the phone).
type line struct {
	chat    *chat
	from    *person
	typ     string // "" is text
	text    string
	picture string // images: what Picture draws
	place   *place
	file    string // documents: the file name
	// at is when, in the backfilled day, the message was sent (hours
	// after midnight); live lines are sent now.
	at float64
}

var (
	bea     = &person{"Bea Carter", "447700900101"}
	tom     = &person{"Tom Walsh", "447700900202"}
	joao    = &person{"João Pereira", "5511987654321"}
	mariana = &person{"Mariana Costa", "351912345678"}
	lucia   = &person{"Lucía Fernández", "34612345678"}
	diego   = &person{"Diego Ruiz", "5215512345678"}

	dmBea   = &chat{id: bea.phone, name: bea.name}
	dmJoao  = &chat{id: joao.phone, name: joao.name}
	dmLucia = &chat{id: lucia.phone, name: lucia.name}
	self    = &chat{id: "me"}

	climbing = &chat{id: "120363025550000001", name: "Climbing crew", group: true}
	familia  = &chat{id: "120363025550000002", name: "Família Pereira", group: true}
	viaje    = &chat{id: "120363025550000003", name: "Viaje a Lisboa", group: true}

	comercio = &place{"Praça do Comércio", "Praça do Comércio, 1100-148 Lisboa", 38.7075, -9.1364}
	wall     = &place{"The Castle Climbing Centre", "Green Lanes, London N4 2HA", 51.5655, -0.0926}
	sintra   = &place{"Palácio da Pena", "Estrada da Pena, 2710-609 Sintra", 38.7876, -9.3906}
	padaria  = &place{"Padaria Portuguesa", "Rua Garrett 19, Lisboa", 38.7107, -9.1421}
)

// history is the day before the demo starts, in the groups: enough talk
// (questions, decisions, links, photos) for a daily summary.
var history = []line{
	{chat: climbing, from: tom, at: 7.9, text: "Morning all! Wall opens at 8 today, I'm heading there before work"},
	{chat: climbing, from: bea, at: 8.2, text: "Jealous. I have meetings until noon 😩"},
	{chat: climbing, from: diego, at: 9.0, text: "Who's coming on Saturday? I can drive, the car has space for 4"},
	{chat: climbing, from: tom, at: 9.1, text: "Me! Can we leave at 8 so we beat the crowds?"},
	{chat: climbing, from: bea, at: 9.4, text: "Count me in. Should we book the guide for the multi-pitch?"},
	{chat: climbing, from: diego, at: 10.2, text: "Decided: we leave Saturday at 8 from my place, I'll book the guide today"},
	{chat: climbing, from: tom, at: 12.5, typ: "image", picture: Mountains, text: "View from the top of the new route 🧗"},
	{chat: climbing, from: bea, at: 13.0, text: "Good article on finger training for beginners: https://en.wikipedia.org/wiki/Bouldering"},
	{chat: climbing, from: diego, at: 18.3, text: "Guide booked for Saturday 9:30, €40 each. Bring your harness!"},
	{chat: climbing, from: tom, at: 18.5, text: "Legend. Does anyone have a spare belay device?"},
	{chat: climbing, from: bea, at: 19.0, text: "I do, I'll bring it"},
	{chat: climbing, from: diego, at: 21.4, typ: "location", place: wall, text: ""},

	{chat: familia, from: mariana, at: 8.1, text: "Bom dia, família! Alguém vai ao mercado hoje?"},
	{chat: familia, from: joao, at: 8.4, text: "Eu vou depois do almoço. Precisam de alguma coisa?"},
	{chat: familia, from: mariana, at: 8.6, text: "Traz laranjas e pão, por favor 🍊"},
	{chat: familia, from: joao, at: 11.0, typ: "image", picture: Garden, text: "O jardim da vó está lindo este ano"},
	{chat: familia, from: mariana, at: 11.2, text: "Que lindo! Vamos fazer o almoço de domingo lá?"},
	{chat: familia, from: joao, at: 11.5, text: "Combinado: almoço de domingo na casa da vó ao meio-dia"},
	{chat: familia, from: mariana, at: 15.0, text: "A receita do bolo de laranja está aqui https://pt.wikipedia.org/wiki/Bolo"},
	{chat: familia, from: joao, at: 20.2, typ: "voice"},
	{chat: familia, from: mariana, at: 21.0, text: "Boa noite a todos ❤️"},

	{chat: viaje, from: lucia, at: 9.3, text: "¡Buenos días! Ya tengo los billetes para Lisboa 🎉"},
	{chat: viaje, from: diego, at: 9.5, text: "¿A qué hora sale el vuelo?"},
	{chat: viaje, from: lucia, at: 9.6, text: "El viernes a las 7:15 desde Madrid"},
	{chat: viaje, from: mariana, at: 10.4, text: "Eu mostro a cidade para vocês! Precisam ver o pôr do sol no Miradouro"},
	{chat: viaje, from: diego, at: 12.0, text: "¿Alguien sabe si los tranvías aceptan tarjeta?"},
	{chat: viaje, from: mariana, at: 12.3, text: "Sim, com o cartão Viva Viagem"},
	{chat: viaje, from: lucia, at: 16.8, text: "Mirad este barrio: https://es.wikipedia.org/wiki/Alfama"},
	{chat: viaje, from: diego, at: 17.1, typ: "location", place: comercio},
	{chat: viaje, from: lucia, at: 19.5, text: "Decidido: el sábado vamos a Sintra y el domingo a Belém"},
	{chat: viaje, from: mariana, at: 22.0, typ: "image", picture: City, text: "Lisboa à noite"},
}

// live is what happens while the demo runs, one beat (a message and
// perhaps its replies) at a time, from the top again when it runs out.
var live = [][]line{
	{{chat: dmBea, from: bea, text: "Morning! Are we still on for lunch on Thursday?"},
		{chat: dmBea, text: "Yes! 12:30 at the usual place?"}},
	{{chat: self, text: "Remind me to call the dentist tomorrow at 10am"}},
	{{chat: familia, from: mariana, typ: "image", picture: Sunset, text: "Olha o pôr do sol de hoje 🌅"}},
	{{chat: climbing, from: tom, text: "New routes set at the wall this week, anyone up for Wednesday?"},
		{chat: climbing, from: diego, text: "I'm in 💪"}},
	{{chat: dmLucia, from: lucia, text: "¿Viste esto? https://es.wikipedia.org/wiki/Tranv%C3%ADa_de_Lisboa"}},
	{{chat: self, text: "Lembrar de comprar pão e leite amanhã"}},
	{{chat: viaje, from: diego, typ: "location", place: comercio, text: ""}},
	{{chat: dmJoao, from: joao, typ: "voice"}},
	{{chat: self, text: "Idea: a weekly digest email of everything I bookmarked"}},
	{{chat: climbing, from: bea, typ: "image", picture: Mountains, text: "Saturday's crag, look at that sky"}},
	{{chat: self, text: "Tengo que pagar la factura de la luz el viernes"}},
	{{chat: dmBea, from: bea, text: "Here's the talk I mentioned: https://go.dev/talks/2012/concurrency.slide"}},
	{{chat: self, text: "Note to self: the wifi password at the cabin is on the fridge"}},
	{{chat: familia, from: joao, text: "Alguém sabe o horário da farmácia no domingo?"},
		{chat: familia, from: mariana, text: "Abre às 9h, fecha às 13h"}},
	{{chat: self, text: "What if we rented a van for the Lisbon trip?"}},
	{{chat: viaje, from: lucia, typ: "voice"}},
	{{chat: dmJoao, from: joao, text: "Vamos tomar um café amanhã? Conheço uma padaria ótima na Rua Garrett"},
		{chat: dmJoao, text: "Bora! 10h?"}},
	{{chat: self, typ: "location", place: padaria, text: ""}},
	{{chat: viaje, from: diego, typ: "image", picture: Food, text: "Primera cena en Lisboa: bacalhau 🐟"}},
	{{chat: self, text: "Shopping list:\neggs\ncoffee beans\nolive oil"}},
	{{chat: climbing, from: tom, text: "PSA: the booking form breaks if you type <script> or <b>tags</b> in your name 😅"}},
	{{chat: familia, from: mariana, typ: "document", file: "receita-bolo-laranja.pdf", text: "Receita do bolo da vó"}},
	{{chat: self, text: "E se a gente fizesse um podcast sobre viagens?"}},
	{{chat: dmLucia, from: lucia, text: "¿Quedamos el sábado en Sintra? Te mando la ubicación"},
		{chat: dmLucia, from: lucia, typ: "location", place: sintra}},
	{{chat: self, text: "Meet Lucía at Palácio da Pena, Sintra on Saturday at 11"}},
	{{chat: climbing, from: diego, text: "Trip photos are up: https://www.openstreetmap.org/about"}},
	{{chat: self, text: "Remember that the car insurance renews on the 1st"}},
	{{chat: dmBea, from: bea, typ: "voice"}},
	{{chat: viaje, from: mariana, text: "Que tal visitar o Oceanário no domingo?"},
		{chat: viaje, from: lucia, text: "¡Sí! Me encantan los pingüinos 🐧"}},
	{{chat: self, text: "Need to renew my passport before the trip"}},
}
