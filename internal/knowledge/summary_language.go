package knowledge

import (
	"strings"
	"unicode"
)

// Stop words that tell English, Portuguese and Spanish apart. Words common
// to two of them ("que", "de", "no", "mas", "vamos", "dia") are left out;
// accented and unaccented spellings are both listed where people type both.
var (
	stopEN = setOf(`the and is are was were you i it that this to of in for on with have has be will what not my
		your at just can we they she but if there about would should could get got like know think yeah yes
		thanks please going all out up how when who why where from an or our been did does let see good great
		here now some any then them their very really time today tomorrow`)
	stopPT = setOf(`não nao é você voce vc vcs eu um uma isso isto essa esse tá ta com pra pro os do da dos das na
		em mais muito muita também tambem tb tbm já até então entao obrigado obrigada valeu sim bom boa tudo
		bem hoje amanhã amanha agora depois ele ela eles elas nós vou estou tô foi ter tem tenho fazer quando
		onde quem qual meu minha seu sua ao às pelo pela né mesmo coisa aí beleza oi olá ainda só sem sei acho
		pode vai obg blz`)
	stopES = setOf(`el los las la es y un una unos unas con lo le les del al muy pero más también tambien ya hoy
		mañana gracias sí bueno buena bien ahora después despues él ella ellos ellas nosotros voy estoy fue
		tener tengo tiene hacer cuando donde quién cómo cual mi tu su yo eso esto hay qué pues hola oye usted
		ustedes entonces`)
)

// DetectLanguage guesses the dominant language of texts: "he" when Hebrew
// letters outnumber Latin ones, else "en", "pt" or "es" by stop words and
// letters particular to one language (ã, õ, ç; ñ, ¿, ¡). It returns "" when
// unsure: too little evidence (a few words, only emoji or links) or two
// languages too close to call.
func DetectLanguage(texts []string) string {
	var hebrew, latin int
	var en, pt, es float64
	for _, t := range texts {
		t = withoutLinks(t)
		for _, r := range t {
			switch {
			case unicode.Is(unicode.Hebrew, r):
				hebrew++
			case unicode.Is(unicode.Latin, r):
				latin++
			}
			switch r {
			case 'ã', 'õ', 'Ã', 'Õ':
				pt++
			case 'ç', 'Ç':
				pt += 0.5
			case 'ñ', 'Ñ', '¿', '¡':
				es++
			}
		}
		for w := range strings.FieldsFuncSeq(strings.ToLower(t), func(r rune) bool { return !unicode.IsLetter(r) }) {
			if stopEN[w] {
				en++
			}
			if stopPT[w] {
				pt++
			}
			if stopES[w] {
				es++
			}
		}
	}
	if hebrew >= 8 && hebrew > latin {
		return "he"
	}
	best, second, lang := en, 0.0, "en"
	for _, c := range []struct {
		score float64
		lang  string
	}{{pt, "pt"}, {es, "es"}} {
		if c.score > best {
			second, best, lang = best, c.score, c.lang
		} else if c.score > second {
			second = c.score
		}
	}
	if best < 3 || best < 1.5*second {
		return ""
	}
	return lang
}
