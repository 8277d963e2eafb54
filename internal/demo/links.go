package demo

import (
	"fmt"
	"net/url"
	"strings"
)

// link is an address people share and what it is about.
type link struct {
	url, title string
}

// wikipedia holds articles that exist in each language's Wikipedia; with
// internet access their previews load.
var wikipedia = [numLangs][]string{
	{"Bouldering", "Sourdough", "Lisbon", "Sintra", "Pomodoro_Technique", "Octopus", "Aurora", "Espresso", "Origami",
		"Kintsugi", "Tardigrade", "Mount_Everest", "Ultramarathon", "Crossword", "Stoicism", "Bicycle_touring", "Banana_bread",
		"Monstera_deliciosa", "Great_Barrier_Reef", "Camino_de_Santiago", "Flamenco", "Bossa_nova", "Fado", "Tapas",
		"Pastel_de_nata", "Feijoada", "Hygge", "Houseplant", "Chess_opening", "Sleep_hygiene", "High-intensity_interval_training",
		"Hummingbird", "Solar_eclipse", "Voyager_1", "James_Webb_Space_Telescope", "Bauhaus", "Brutalist_architecture",
		"Edinburgh_Festival_Fringe", "Hampstead_Heath", "Borough_Market", "Rock_climbing", "Via_ferrata", "Kombucha",
		"Standing_desk", "Rubber_duck_debugging", "Retrospective", "Design_sprint", "Ramen", "Dim_sum", "Wild_swimming"},
	{"Lisboa", "Porto", "Sintra", "Alfama", "Bossa_nova", "Feijoada", "Pão_de_queijo", "Brigadeiro", "Futebol", "Capoeira",
		"Samba", "Carnaval", "Fernando_Pessoa", "Machado_de_Assis", "Clarice_Lispector", "Oscar_Niemeyer", "Floresta_Amazônica",
		"Azulejo", "Bacalhau", "Caipirinha", "Chimarrão", "Cristo_Redentor", "Madeira", "Ponte_25_de_Abril", "Fado",
		"Pastel_de_nata", "Torto_Arado", "Dom_Casmurro", "Ensaio_sobre_a_Cegueira", "Parque_Ibirapuera",
		"Museu_de_Arte_de_São_Paulo", "Pão_de_Açúcar", "Ilha_Grande", "Chapada_Diamantina", "Lençóis_Maranhenses",
		"Fernando_de_Noronha", "Acarajé", "Moqueca", "Brasília", "Ouro_Preto"},
	{"Alfama", "Tranvía_de_Lisboa", "Paella", "Tortilla_de_patatas", "Churro", "Flamenco", "Tango", "Mate_(infusión)",
		"Gabriel_García_Márquez", "Jorge_Luis_Borges", "Frida_Kahlo", "Antoni_Gaudí", "Templo_Expiatorio_de_la_Sagrada_Familia",
		"Alhambra", "Camino_de_Santiago", "Machu_Picchu", "Día_de_Muertos", "Don_Quijote_de_la_Mancha", "Pablo_Neruda",
		"Museo_del_Prado", "Parque_del_Buen_Retiro", "Salar_de_Uyuni", "Patagonia", "Cebiche", "Gazpacho", "Empanada",
		"Dulce_de_leche", "Cien_años_de_soledad", "Rayuela", "Pedro_Páramo", "La_sombra_del_viento", "Julio_Cortázar",
		"Isabel_Allende", "Ajedrez", "Senderismo", "Escalada", "Sintra", "Torre_de_Belém", "Oceanario_de_Lisboa", "Pastel_de_Belém"},
}

var wikiHost = [numLangs]string{"en.wikipedia.org", "pt.wikipedia.org", "es.wikipedia.org"}

// linksFor are the links people who write in l share: Wikipedia in their
// language, a few well-known pages, and maps of the cast's places.
func linksFor(l lang) []link {
	var out []link
	for _, t := range wikipedia[l] {
		u := url.URL{Scheme: "https", Host: wikiHost[l], Path: "/wiki/" + t}
		out = append(out, link{u.String(), strings.ReplaceAll(t, "_", " ")})
	}
	for _, p := range places {
		out = append(out, link{fmt.Sprintf("https://www.openstreetmap.org/?mlat=%.4f&mlon=%.4f#map=17/%.4f/%.4f", p.lat, p.lon, p.lat, p.lon), p.name})
	}
	return append(out,
		link{"https://www.gutenberg.org/ebooks/1342", "Pride and Prejudice"},
		link{"https://www.gutenberg.org/ebooks/2000", "Don Quijote"},
		link{"https://go.dev/blog/", "The Go Blog"},
		link{"https://github.com/golang/go", "Go on GitHub"},
		link{"https://www.openstreetmap.org/about", "OpenStreetMap"},
	)
}

var linkPools = [numLangs][]link{linksFor(en), linksFor(pt), linksFor(es)}
