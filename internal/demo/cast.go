package demo

// This file is the demo's cast: the people who write, the chats they write
// in (direct chats, groups, and the chat with oneself), the places they
// share and the contacts they pass on. Phone numbers are in ranges kept for
// fiction where a country has one (UK 07700 900xxx, US 555-01xx).

type person struct {
	name, phone string
	lang        lang
	// city is where the person lives: the places they share.
	city string
	// she: Portuguese and Spanish sentences about the person agree with it.
	she bool
}

// first is the person's first name.
func (p *person) first() string {
	for i, r := range p.name {
		if r == ' ' {
			return p.name[:i]
		}
	}
	return p.name
}

type chat struct {
	id, name string
	group    bool
	lang     lang
	// members write in the group; a direct chat's member is the friend.
	members []*person
	// cities are where the chat's plans and places are.
	cities []string
}

type place struct {
	name, address, city string
	lat, lon            float64
}

// contact is a card someone passes on: a plumber, a dentist.
type contact struct {
	name, phone string
	// job is what they do, in each language (the generic form: "um bom
	// ...", "un buen ...").
	job [numLangs]string
}

var (
	bea      = &person{"Bea Carter", "447700900101", en, "London", true}
	tom      = &person{"Tom Walsh", "447700900202", en, "London", false}
	priya    = &person{"Priya Shah", "447700900303", en, "London", true}
	sam      = &person{"Sam Okafor", "12025550147", en, "London", false}
	hannah   = &person{"Hannah Becker", "447700900404", en, "Edinburgh", true}
	joao     = &person{"João Pereira", "5511987654321", pt, "São Paulo", false}
	mariana  = &person{"Mariana Costa", "351912345678", pt, "Lisboa", true}
	carla    = &person{"Carla Mendes", "5521998765432", pt, "Rio de Janeiro", true}
	rafael   = &person{"Rafael Souza", "5531991234567", pt, "São Paulo", false}
	ines     = &person{"Inês Rocha", "351936543210", pt, "Porto", true}
	lucia    = &person{"Lucía Fernández", "34612345678", es, "Madrid", true}
	diego    = &person{"Diego Ruiz", "5215512345678", es, "Ciudad de México", false}
	valen    = &person{"Valentina Gómez", "5491123456789", es, "Buenos Aires", true}
	pablo    = &person{"Pablo Martín", "34655123456", es, "Barcelona", false}
	camila   = &person{"Camila Rojas", "56912345678", es, "Madrid", true}
	everyone = []*person{bea, tom, priya, sam, hannah, joao, mariana, carla, rafael, ines, lucia, diego, valen, pablo, camila}

	// The three groups with yesterday's history keep the ids and names
	// they have always had, so that an old demo folder goes on making sense.
	climbing = &chat{id: "120363025550000001", name: "Climbing crew", group: true, lang: en,
		members: []*person{tom, bea, hannah, sam}, cities: []string{"London", "Edinburgh"}}
	familia = &chat{id: "120363025550000002", name: "Família Pereira", group: true, lang: pt,
		members: []*person{joao, mariana, ines, rafael}, cities: []string{"São Paulo", "Lisboa", "Porto"}}
	viaje = &chat{id: "120363025550000003", name: "Viaje a Lisboa", group: true, lang: es,
		members: []*person{lucia, diego, pablo, valen}, cities: []string{"Lisboa"}}
	product = &chat{id: "120363025550000004", name: "Product team", group: true, lang: en,
		members: []*person{priya, sam, hannah, bea}, cities: []string{"London"}}
	futebol = &chat{id: "120363025550000005", name: "Futebol de quinta", group: true, lang: pt,
		members: []*person{rafael, joao, carla}, cities: []string{"São Paulo", "Rio de Janeiro"}}
	lectura = &chat{id: "120363025550000006", name: "Club de lectura", group: true, lang: es,
		members: []*person{camila, valen, lucia, pablo}, cities: []string{"Madrid", "Barcelona", "Buenos Aires"}}

	groups = []*chat{climbing, familia, viaje, product, futebol, lectura}
	// backfilled are the groups with a day of history, one per language.
	backfilled = []*chat{climbing, familia, viaje}

	// self is the chat with oneself ("Message yourself"): notes to self.
	self = &chat{id: "me"}
)

// direct is the direct chat with p.
func direct(p *person) *chat {
	return &chat{id: p.phone, name: p.name, lang: p.lang, members: []*person{p}, cities: []string{p.city}}
}

// places are real places, with their real coordinates.
var places = []*place{
	{"Praça do Comércio", "Praça do Comércio, 1100-148 Lisboa", "Lisboa", 38.7075, -9.1364},
	{"Miradouro da Senhora do Monte", "Largo Monte, 1170-253 Lisboa", "Lisboa", 38.7191, -9.1327},
	{"Time Out Market", "Av. 24 de Julho 49, 1200-479 Lisboa", "Lisboa", 38.7069, -9.1459},
	{"LX Factory", "R. Rodrigues de Faria 103, 1300-501 Lisboa", "Lisboa", 38.7036, -9.1786},
	{"Torre de Belém", "Av. Brasília, 1400-038 Lisboa", "Lisboa", 38.6916, -9.2160},
	{"Oceanário de Lisboa", "Esplanada Dom Carlos I, 1990-005 Lisboa", "Lisboa", 38.7635, -9.0937},
	{"Palácio da Pena", "Estrada da Pena, 2710-609 Sintra", "Lisboa", 38.7876, -9.3906},
	{"Livraria Lello", "R. das Carmelitas 144, 4050-161 Porto", "Porto", 41.1469, -8.6149},
	{"Mercado do Bolhão", "R. Formosa 322, 4000-248 Porto", "Porto", 41.1496, -8.6059},
	{"Ponte Luís I", "Ponte Luiz I, Porto", "Porto", 41.1399, -8.6094},
	{"Parque Ibirapuera", "Av. Pedro Álvares Cabral, São Paulo - SP", "São Paulo", -23.5874, -46.6576},
	{"MASP", "Av. Paulista 1578, Bela Vista, São Paulo - SP", "São Paulo", -23.5614, -46.6559},
	{"Mercado Municipal", "R. da Cantareira 306, Centro, São Paulo - SP", "São Paulo", -23.5417, -46.6296},
	{"Beco do Batman", "R. Gonçalo Afonso, Vila Madalena, São Paulo - SP", "São Paulo", -23.5560, -46.6861},
	{"Praia de Ipanema", "Av. Vieira Souto, Ipanema, Rio de Janeiro - RJ", "Rio de Janeiro", -22.9868, -43.2050},
	{"Bondinho Pão de Açúcar", "Av. Pasteur 520, Urca, Rio de Janeiro - RJ", "Rio de Janeiro", -22.9557, -43.1651},
	{"Escadaria Selarón", "R. Joaquim Silva, Lapa, Rio de Janeiro - RJ", "Rio de Janeiro", -22.9153, -43.1790},
	{"Palacio de Cristal", "Parque del Retiro, 28009 Madrid", "Madrid", 40.4138, -3.6821},
	{"Mercado de San Miguel", "Plaza de San Miguel, 28005 Madrid", "Madrid", 40.4154, -3.7090},
	{"Museo del Prado", "C. de Ruiz de Alarcón 23, 28014 Madrid", "Madrid", 40.4138, -3.6921},
	{"Templo de Debod", "C. de Ferraz 1, 28008 Madrid", "Madrid", 40.4240, -3.7178},
	{"Sagrada Família", "C/ de Mallorca 401, 08013 Barcelona", "Barcelona", 41.4036, 2.1744},
	{"Park Güell", "C/ d'Olot, 08024 Barcelona", "Barcelona", 41.4145, 2.1527},
	{"Mercat de la Boqueria", "La Rambla 91, 08001 Barcelona", "Barcelona", 41.3817, 2.1716},
	{"Platja de la Barceloneta", "Passeig Marítim de la Barceloneta, Barcelona", "Barcelona", 41.3784, 2.1925},
	{"Palacio de Bellas Artes", "Av. Juárez, Centro, 06050 Ciudad de México", "Ciudad de México", 19.4352, -99.1412},
	{"Museo Frida Kahlo", "Londres 247, Coyoacán, 04100 Ciudad de México", "Ciudad de México", 19.3551, -99.1626},
	{"Castillo de Chapultepec", "Bosque de Chapultepec I Secc, 11580 Ciudad de México", "Ciudad de México", 19.4204, -99.1819},
	{"Caminito", "Caminito, La Boca, Buenos Aires", "Buenos Aires", -34.6393, -58.3628},
	{"El Ateneo Grand Splendid", "Av. Santa Fe 1860, Buenos Aires", "Buenos Aires", -34.5959, -58.3943},
	{"Plaza de Mayo", "Plaza de Mayo, Buenos Aires", "Buenos Aires", -34.6083, -58.3722},
	{"The Castle Climbing Centre", "Green Lanes, London N4 2HA", "London", 51.5655, -0.0926},
	{"Borough Market", "8 Southwark St, London SE1 1TL", "London", 51.5055, -0.0910},
	{"Parliament Hill", "Hampstead Heath, London NW5 1QR", "London", 51.5608, -0.1511},
	{"Tate Modern", "Bankside, London SE1 9TG", "London", 51.5076, -0.0994},
	{"Columbia Road Flower Market", "Columbia Rd, London E2 7RG", "London", 51.5290, -0.0696},
	{"Arthur's Seat", "Holyrood Park, Edinburgh EH8 8AZ", "Edinburgh", 55.9441, -3.1618},
	{"Victoria Street", "Victoria St, Edinburgh EH1 2JL", "Edinburgh", 55.9486, -3.1935},
}

// contacts are the cards people pass on.
var contacts = []contact{
	{"Marco Silva", "447700900777", [numLangs]string{"plumber", "encanador", "fontanero"}},
	{"Ana Lopes", "351913579246", [numLangs]string{"dentist", "dentista", "dentista"}},
	{"Kevin Doyle", "447700900888", [numLangs]string{"electrician", "eletricista", "electricista"}},
	{"Sofia Almeida", "5511976543210", [numLangs]string{"physio", "fisioterapeuta", "fisioterapeuta"}},
	{"Javier Ortega", "34622334455", [numLangs]string{"bike mechanic", "mecânico de bicicleta", "mecánico de bicis"}},
	{"Rita Nunes", "5521987651234", [numLangs]string{"vet", "veterinário", "veterinario"}},
	{"Olivia Grant", "447700900999", [numLangs]string{"accountant", "contador", "contable"}},
	{"Lorena Vidal", "5491134567890", [numLangs]string{"hairdresser", "cabeleireiro", "peluquero"}},
}

// vcard is a contact card as WhatsApp sends it.
func (c contact) vcard() string {
	return "BEGIN:VCARD\nVERSION:3.0\nFN:" + c.name + "\nTEL;type=CELL;waid=" + c.phone + ":+" + c.phone + "\nEND:VCARD"
}
