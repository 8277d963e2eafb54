package knowledge

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// This file finds dates and times in folded text (see fold) and resolves them
// against "now" in the user's time zone. Every pattern works on lower-case
// text without accents, so "amanhã", "Amanha" and "AMANHÃ" are one word.

// civil is a calendar date, without a time zone.
type civil struct {
	y int
	m time.Month
	d int
}

func civilOf(t time.Time) civil {
	y, m, d := t.Date()
	return civil{y, m, d}
}

func (c civil) noon() time.Time { return time.Date(c.y, c.m, c.d, 12, 0, 0, 0, time.UTC) }

// addDays returns the date n days after c.
func (c civil) addDays(n int) civil {
	return civilOf(time.Date(c.y, c.m, c.d+n, 12, 0, 0, 0, time.UTC))
}

// addMonths returns the same day n months later, clamped to the end of a
// shorter month (31 January + 1 month is 28 or 29 February).
func (c civil) addMonths(n int) civil {
	first := time.Date(c.y, c.m+time.Month(n), 1, 12, 0, 0, 0, time.UTC)
	y, m, _ := first.Date()
	return civil{y, m, min(c.d, daysIn(y, m))}
}

func (c civil) weekday() time.Weekday { return c.noon().Weekday() }

func (c civil) before(o civil) bool {
	if c.y != o.y {
		return c.y < o.y
	}
	if c.m != o.m {
		return c.m < o.m
	}
	return c.d < o.d
}

func daysIn(y int, m time.Month) int { return time.Date(y, m+1, 0, 12, 0, 0, 0, time.UTC).Day() }

func validDate(y, m, d int) bool {
	return m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, time.Month(m))
}

// period is a part of the day, said with or instead of a time ("tonight",
// "da tarde", "por la mañana"); it tells 9 from 21.
type period uint8

const (
	periodNone period = iota
	periodEarly
	periodMorning
	periodAfternoon
	periodEvening
	periodNight
)

var periodWords = map[string]period{
	"morning": periodMorning, "manha": periodMorning, "manana": periodMorning,
	"afternoon": periodAfternoon, "tarde": periodAfternoon,
	"evening": periodEvening,
	"night":   periodNight, "noite": periodNight, "noche": periodNight,
	"madrugada": periodEarly,
}

type temporalKind uint8

const (
	tDate     temporalKind = iota + 1 // a calendar day
	tTime                             // a time of day
	tDuration                         // a span from now ("in 2 hours")
	tPeriod                           // only a part of the day
)

// Certainty of an hour: how much a period or a guess may still change it.
const (
	hourGuess   = iota // "at 5", "às 3": 1..7 are taken as afternoon
	hourLiteral        // "5:30", "8h": a period may still move it ("8h da noite")
	hourExact          // "5pm", "17:30": never changed
)

// temporal is one date or time expression found in a folded text.
type temporal struct {
	start, end int // in the folded text, prepositions before it included
	kind       temporalKind
	date       civil
	vague      bool // "today": a date, but not news worth reporting
	hour, min  int
	certainty  int
	period     period
	dur        time.Duration
	bare       bool // a bare period word ("morning"), kept only right after a date
	// A range of times ("3-4pm") ends at endHour:endMin.
	hasEnd          bool
	endHour, endMin int
	endCertainty    int
}

// scan is one search for expressions: the environment, and a way to ask
// whether the folded "a" at a position was written "à" (Portuguese "às 10"
// is a time, "as 10" in English is not).
type scan struct {
	*dateEnv
	grave func(pos int) bool
}

// dateEnv is what relative expressions are resolved against.
type dateEnv struct {
	now   time.Time // in the user's location
	today civil
	// monthFirst reads an ambiguous numeric date "3/4" as month/day
	// (English) rather than day/month (Portuguese, Spanish).
	monthFirst bool
}

func newDateEnv(now time.Time, loc *time.Location) *dateEnv {
	if loc == nil {
		loc = time.UTC
	}
	now = now.In(loc)
	return &dateEnv{now: now, today: civilOf(now)}
}

// group returns submatch i of m in s, or "".
func group(s string, m []int, i int) string {
	if 2*i+1 >= len(m) || m[2*i] < 0 {
		return ""
	}
	return s[m[2*i]:m[2*i+1]]
}

const numberPattern = `(\d{1,4}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|a\s+couple\s+of|a\s+few|couple\s+of|few|um|uma|dois|duas|tres|quatro|cinco|seis|sete|oito|nove|dez|onze|doze|quinze|vinte|trinta|uno?|una|dos|cuatro|siete|ocho|nueve|diez|once|doce|quince|veinte|treinta|alguns|algumas|unos|unas)`

var numberWords = map[string]int{
	"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
	"thirty": 30, "couple of": 2, "a couple of": 2, "few": 3, "a few": 3,
	"um": 1, "uma": 1, "dois": 2, "duas": 2, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6,
	"sete": 7, "oito": 8, "nove": 9, "dez": 10, "onze": 11, "doze": 12, "quinze": 15,
	"vinte": 20, "trinta": 30, "alguns": 3, "algumas": 3,
	"un": 1, "uno": 1, "una": 1, "dos": 2, "cuatro": 4, "siete": 7, "ocho": 8, "nueve": 9,
	"diez": 10, "once": 11, "doce": 12, "quince": 15, "veinte": 20, "treinta": 30, "unos": 3, "unas": 3,
}

func parseNumber(s string) (int, bool) {
	s = strings.Join(strings.Fields(s), " ")
	if n, ok := numberWords[s]; ok {
		return n, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

var weekdayNames = map[string]time.Weekday{
	"monday": time.Monday, "mon": time.Monday, "tuesday": time.Tuesday, "tue": time.Tuesday,
	"tues": time.Tuesday, "wednesday": time.Wednesday, "wed": time.Wednesday,
	"thursday": time.Thursday, "thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday,
	"friday": time.Friday, "fri": time.Friday, "saturday": time.Saturday, "sat": time.Saturday,
	"sunday": time.Sunday, "sun": time.Sunday,
	"segunda": time.Monday, "terca": time.Tuesday, "quarta": time.Wednesday, "quinta": time.Thursday,
	"sexta": time.Friday, "sabado": time.Saturday, "domingo": time.Sunday,
	"lunes": time.Monday, "martes": time.Tuesday, "miercoles": time.Wednesday, "jueves": time.Thursday,
	"viernes": time.Friday,
}

var monthNames = map[string]time.Month{
	"january": 1, "jan": 1, "janeiro": 1, "enero": 1, "ene": 1,
	"february": 2, "feb": 2, "fevereiro": 2, "fev": 2, "febrero": 2,
	"march": 3, "mar": 3, "marco": 3, "marzo": 3,
	"april": 4, "apr": 4, "abril": 4, "abr": 4,
	"may": 5, "maio": 5, "mai": 5, "mayo": 5,
	"june": 6, "jun": 6, "junho": 6, "junio": 6,
	"july": 7, "jul": 7, "julho": 7, "julio": 7,
	"august": 8, "aug": 8, "agosto": 8, "ago": 8,
	"september": 9, "sep": 9, "sept": 9, "setembro": 9, "set": 9, "septiembre": 9, "setiembre": 9,
	"october": 10, "oct": 10, "outubro": 10, "out": 10, "octubre": 10,
	"november": 11, "nov": 11, "novembro": 11, "noviembre": 11,
	"december": 12, "dec": 12, "dezembro": 12, "dez": 12, "diciembre": 12, "dic": 12,
}

// monthNeedsOf are Portuguese and Spanish month abbreviations that are also
// everyday words ("3 out of 5"); after a day they count only with "de"/"of".
var monthNeedsOf = setOf("fev abr mai ago set out dez ene dic")

const (
	monthsEN  = `january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec`
	monthsAll = monthsEN + `|janeiro|fevereiro|marco|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro|enero|febrero|marzo|mayo|junio|julio|septiembre|setiembre|octubre|noviembre|diciembre|fev|abr|mai|ago|set|out|dez|ene|dic`
)

// datePrepositions before a bare "3/12" make it a date rather than a fraction.
var datePrepositions = setOf("on by until till before due from dia el para ate hasta em en no na desde del of")

// durationPrepositions before "2h" make it a duration, not a time of day.
var durationPrepositions = setOf("for por durante during ha hace levou took tardou tardo demora demorou")

// weekdayFollowers may follow a bare Portuguese weekday that is also an
// ordinal ("sexta", "quinta"): "sexta às 10", "segunda de manhã".
var weekdayFollowers = setOf("as a ao de das pela e ou pra para que cedo antes depois agora at in on")

// extendPrepositions are the words before a date or time that belong to it
// and leave the title with it: "by Friday", "na sexta", "hasta el lunes".
var extendPrepositions = setOf(`on by until till before at for from due to around in
	no na em ate para pra a ao as de do da pelas pela nesta neste nessa nesse essa esse
	el la los las en hasta antes del este al dia`)

// temporalRule is one kind of expression. need is a cheap test run first:
// "#" needs a digit in the text, anything else is a list of substrings
// separated by "|", one of which must be in the text.
type temporalRule struct {
	need string
	re   *regexp.Regexp
	fn   func(e *scan, s string, m []int) (temporal, bool)
}

func (r *temporalRule) mayMatch(s string, hasDigit bool) bool {
	if r.need == "#" {
		return hasDigit
	}
	for n := range strings.SplitSeq(r.need, "|") {
		if strings.Contains(s, n) {
			return true
		}
	}
	return false
}

func dateOffset(days int) func(*scan, string, []int) (temporal, bool) {
	return func(e *scan, _ string, _ []int) (temporal, bool) {
		return temporal{kind: tDate, date: e.today.addDays(days)}, true
	}
}

var temporalRules = []temporalRule{
	// in 3 days / daqui a 2 semanas / en un mes / in 2 hours
	{"in |within|daqui|em |en |dentro", regexp.MustCompile(`\b(?:in|within|daqui\s+a|daqui|em|en|dentro\s+de)\s+` + numberPattern +
		`\s*(days?|dias?|weeks?|semanas?|months?|mes|meses|years?|anos?|hours?|horas?|hrs?|h|minutes?|minutos?|mins?)\b`),
		func(e *scan, s string, m []int) (temporal, bool) {
			n, ok := parseNumber(group(s, m, 1))
			if !ok {
				return temporal{}, false
			}
			unit := group(s, m, 2)
			switch {
			case strings.HasPrefix(unit, "d"):
				if n > 3660 {
					return temporal{}, false
				}
				return temporal{kind: tDate, date: e.today.addDays(n)}, true
			case strings.HasPrefix(unit, "w") || strings.HasPrefix(unit, "s"):
				if n > 520 {
					return temporal{}, false
				}
				return temporal{kind: tDate, date: e.today.addDays(7 * n)}, true
			case strings.HasPrefix(unit, "mo") || strings.HasPrefix(unit, "mes"):
				if n > 120 {
					return temporal{}, false
				}
				return temporal{kind: tDate, date: e.today.addMonths(n)}, true
			case strings.HasPrefix(unit, "y") || strings.HasPrefix(unit, "ano"):
				if n > 10 {
					return temporal{}, false
				}
				return temporal{kind: tDate, date: e.today.addMonths(12 * n)}, true
			case strings.HasPrefix(unit, "h"):
				if n > 240 {
					return temporal{}, false
				}
				return temporal{kind: tDuration, dur: time.Duration(n) * time.Hour}, true
			default:
				if n > 14400 {
					return temporal{}, false
				}
				return temporal{kind: tDuration, dur: time.Duration(n) * time.Minute}, true
			}
		}},
	{"tomorrow|overmorrow|amanha|manana", regexp.MustCompile(`\b(?:(?:the\s+)?day\s+after\s+tomorrow|overmorrow|depois\s+de\s+amanha|pasado\s+manana)\b`), dateOffset(2)},
	{"tom|tmr|amanha|manana", regexp.MustCompile(`\b(tomorrow|tomorow|tmrw|tmr|amanha|manana)\b`),
		func(e *scan, s string, m []int) (temporal, bool) {
			if group(s, m, 1) == "manana" {
				switch prevWord(s, m[0]) {
				case "la", "esta", "de", "cada":
					return temporal{}, false // "la mañana" is the morning
				}
			}
			return temporal{kind: tDate, date: e.today.addDays(1)}, true
		}},
	{"today|hoje|hj|hoy", regexp.MustCompile(`\b(?:today|hoje|hj|hoy)\b`),
		func(e *scan, _ string, _ []int) (temporal, bool) {
			return temporal{kind: tDate, date: e.today, vague: true}, true
		}},
	{"toni", regexp.MustCompile(`\b(?:tonight|tonite)\b`),
		func(e *scan, _ string, _ []int) (temporal, bool) {
			return temporal{kind: tDate, date: e.today, period: periodNight}, true
		}},
	{"this |esta |essa |nesta |nessa ", regexp.MustCompile(`\b(?:this|esta|essa|nesta|nessa)\s+(morning|afternoon|evening|night|manha|tarde|noite|manana|noche)\b`),
		func(e *scan, s string, m []int) (temporal, bool) {
			return temporal{kind: tDate, date: e.today, period: periodWords[group(s, m, 1)]}, true
		}},
	{"morning|afternoon|evening|night|manha|tarde|noite|madrugada|manana|noche", regexp.MustCompile(`\b(?:in\s+the|at|de|a|na|pela|por\s+la|en\s+la|a\s+la)\s+(morning|afternoon|evening|night|manha|tarde|noite|madrugada|manana|noche)\b`),
		func(e *scan, s string, m []int) (temporal, bool) {
			return temporal{kind: tPeriod, period: periodWords[group(s, m, 1)]}, true
		}},
	{"morning|afternoon|evening|night|manha|noite|noche", regexp.MustCompile(`\b(morning|afternoon|evening|night|manha|noite|noche)\b`),
		func(e *scan, s string, m []int) (temporal, bool) {
			return temporal{kind: tPeriod, period: periodWords[group(s, m, 1)], bare: true}, true
		}},
	// next week: the Monday that starts it
	{"week|semana", regexp.MustCompile(`\b(?:next\s+week|semana\s+que\s+(?:vem|viene)|proxima\s+semana|semana\s+proxima)\b`),
		func(e *scan, _ string, _ []int) (temporal, bool) {
			n := (8 - int(e.today.weekday())) % 7
			if n == 0 {
				n = 7
			}
			return temporal{kind: tDate, date: e.today.addDays(n)}, true
		}},
	// next month: its first day
	{"month|mes", regexp.MustCompile(`\b(?:next\s+month|mes\s+que\s+(?:vem|viene)|proximo\s+mes|mes\s+proximo)\b`),
		func(e *scan, _ string, _ []int) (temporal, bool) {
			first := civil{e.today.y, e.today.m, 1}
			return temporal{kind: tDate, date: first.addMonths(1)}, true
		}},
	// the weekend: its Saturday, or today when it is already the weekend
	{"weekend|semana|finde", regexp.MustCompile(`\b(?:(?:this|next|the)\s+)?weekend\b|\bfim\s+de\s+semana\b|\bfin\s+de\s+semana\b|\bfinde\b`),
		func(e *scan, _ string, _ []int) (temporal, bool) {
			wd := e.today.weekday()
			if wd == time.Saturday || wd == time.Sunday {
				return temporal{kind: tDate, date: e.today}, true
			}
			return temporal{kind: tDate, date: e.today.addDays(int(time.Saturday - wd))}, true
		}},
	{"mon|tue|wed|thu|fri|sat|sun|segunda|terca|quarta|quinta|sexta|sabado|domingo|lunes|martes|miercoles|jueves|viernes", regexp.MustCompile(`\b((?:next|this|coming|proxima|proximo|esta|essa|nesta|nessa|este|el\s+proximo)\s+)?` +
		`(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun|` +
		`segunda|terca|quarta|quinta|sexta|sabado|domingo|lunes|martes|miercoles|jueves|viernes)` +
		`((?:\s*-\s*|\s+)feira)?(\s+que\s+(?:vem|viene))?\b`),
		weekdayRule},
	// 2026-12-03
	{"#", regexp.MustCompile(`\b(\d{4})([-/.])(\d{1,2})([-/.])(\d{1,2})\b`),
		func(e *scan, s string, m []int) (temporal, bool) {
			if group(s, m, 2) != group(s, m, 4) {
				return temporal{}, false
			}
			y, _ := strconv.Atoi(group(s, m, 1))
			mo, _ := strconv.Atoi(group(s, m, 3))
			d, _ := strconv.Atoi(group(s, m, 5))
			c, ok := e.dayMonth(d, mo, y, true)
			return temporal{kind: tDate, date: c}, ok
		}},
	// 03/12, 3/12/2026, 12/25
	{"#", regexp.MustCompile(`\b(\d{1,2})([/.-])(\d{1,2})(?:([/.-])(\d{4}|\d{2}))?\b`), numericDateRule},
	// 3 de dezembro (de 2026), 3rd of December, 3 December 2026, dia 3 de diciembre
	{"#", regexp.MustCompile(`\b(?:(?:the|dia|el\s+dia|el)\s+)?(\d{1,2})(?:st|nd|rd|th|º|ª|o)?(\s+of\s+|\s+de\s+|\s+)(` +
		monthsAll + `)\b\.?(?:,?\s+(?:de\s+|of\s+)?(\d{4})\b)?`),
		func(e *scan, s string, m []int) (temporal, bool) {
			name := group(s, m, 3)
			if monthNeedsOf[name] && strings.TrimSpace(group(s, m, 2)) == "" {
				return temporal{}, false
			}
			d, _ := strconv.Atoi(group(s, m, 1))
			y, hasYear := 0, group(s, m, 4) != ""
			if hasYear {
				y, _ = strconv.Atoi(group(s, m, 4))
			}
			c, ok := e.dayMonth(d, int(monthNames[name]), y, hasYear)
			return temporal{kind: tDate, date: c}, ok
		}},
	// December 3, Dec 3rd, 2026
	{"#", regexp.MustCompile(`\b(` + monthsEN + `)\b\.?\s+(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4})\b)?`),
		func(e *scan, s string, m []int) (temporal, bool) {
			d, _ := strconv.Atoi(group(s, m, 2))
			y, hasYear := 0, group(s, m, 3) != ""
			if hasYear {
				y, _ = strconv.Atoi(group(s, m, 3))
			}
			c, ok := e.dayMonth(d, int(monthNames[group(s, m, 1)]), y, hasYear)
			return temporal{kind: tDate, date: c}, ok
		}},
	// the 15th, dia 15, el día 15: that day of this month, or of the next
	{"#", regexp.MustCompile(`\b(?:the\s+(\d{1,2})(?:st|nd|rd|th)|(?:el\s+)?dia\s+(\d{1,2}))\b`),
		func(e *scan, s string, m []int) (temporal, bool) {
			if m[1] < len(s) && strings.IndexByte("/.-", s[m[1]]) >= 0 {
				return temporal{}, false // "dia 20/03" is a numeric date
			}
			ds := group(s, m, 1)
			if ds == "" {
				ds = group(s, m, 2)
			}
			d, _ := strconv.Atoi(ds)
			c := civil{e.today.y, e.today.m, 1}
			for range 12 {
				if validDate(c.y, int(c.m), d) && !(civil{c.y, c.m, d}).before(e.today) {
					return temporal{kind: tDate, date: civil{c.y, c.m, d}}, true
				}
				c = c.addMonths(1)
			}
			return temporal{}, false
		}},

	// 3-4pm, 15h-16h, from 3 to 4pm, de 15h a 16h (see analyse_events.go)
	{"#", reTimeRange, timeRangeRule},
	// 5pm, 5:30 p.m.
	{"#", regexp.MustCompile(`\b(\d{1,2})(?:[:.h](\d{2}))?\s*([ap])\.?\s?m\b\.?`),
		func(e *scan, s string, m []int) (temporal, bool) {
			return amPm(group(s, m, 1), group(s, m, 2), group(s, m, 3))
		}},
	// at 5, at 5:30, at 5 o'clock, around 7pm, @ 9
	{"#", regexp.MustCompile(`(?:\b(?:at|around|by)\s+|@\s*)(\d{1,2})(?:[:.](\d{2}))?(?:\s*([ap])\.?\s?m\b\.?|\s*o'?\s?clock\b|\b)`),
		func(e *scan, s string, m []int) (temporal, bool) {
			if ap := group(s, m, 3); ap != "" {
				return amPm(group(s, m, 1), group(s, m, 2), ap)
			}
			return clockTime(group(s, m, 1), group(s, m, 2), hourGuess)
		}},
	// 17:30, 17h30, 8:05h
	{"#", regexp.MustCompile(`\b(\d{1,2})(?::|h)(\d{2})(?:\s*(?:h|hs|hrs))?\b`),
		func(e *scan, s string, m []int) (temporal, bool) {
			if m[0] > 0 && strings.IndexByte(":./", s[m[0]-1]) >= 0 {
				return temporal{}, false
			}
			return clockTime(group(s, m, 1), group(s, m, 2), hourLiteral)
		}},
	// 15h, 8 hs
	{"#", regexp.MustCompile(`\b(\d{1,2})\s?(?:h|hs|hrs)\b`),
		func(e *scan, s string, m []int) (temporal, bool) {
			if durationPrepositions[prevWord(s, m[0])] {
				return temporal{}, false
			}
			return clockTime(group(s, m, 1), "", hourLiteral)
		}},
	// às 15h, às 15h30, às 3 da tarde, às 10 e meia, por volta das 8
	{"#", regexp.MustCompile(`\b(as|a|ao|pelas|ate\s+as|antes\s+das|depois\s+das|por\s+volta\s+das|das)\s+(\d{1,2})` +
		`(?:(?::|h)(\d{2})(?:\s*h)?|\s*(h|hs|hrs|horas?)|)\b(?:\s+e\s+(meia|quinze))?(?:\s+(?:da|de|a)\s+(manha|tarde|noite|madrugada))?`),
		func(e *scan, s string, m []int) (temporal, bool) {
			return spokenTime(e, s, m, "meia")
		}},
	// a las 10, a las 10 de la mañana, a la 1 y media
	{"#", regexp.MustCompile(`\b(a\s+las|a\s+la|sobre\s+las|hacia\s+las|antes\s+de\s+las|despues\s+de\s+las|hasta\s+las|para\s+las|desde\s+las|las|la)\s+(\d{1,2})` +
		`(?:(?::|h)(\d{2})(?:\s*h)?|\s*(h|hs|hrs|horas?)|)\b(?:\s+y\s+(media|cuarto))?(?:\s+(?:de\s+la|por\s+la|en\s+la)\s+(manana|tarde|noche|madrugada))?`),
		func(e *scan, s string, m []int) (temporal, bool) {
			return spokenTime(e, s, m, "media")
		}},
	{"noon|midday|midnight|meio|meia|mediodia|medianoche", regexp.MustCompile(`\b(?:(?:at|ao|a|al|a\s+la)\s+)?(noon|midday|midnight|meio\s*-?\s*dia|meia\s*-?\s*noite|mediodia|medianoche)\b`),
		func(e *scan, s string, m []int) (temporal, bool) {
			w := group(s, m, 1)
			if strings.HasPrefix(w, "midn") || strings.HasPrefix(w, "meia") || w == "medianoche" {
				return temporal{kind: tTime, hour: 0, certainty: hourExact}, true
			}
			return temporal{kind: tTime, hour: 12, certainty: hourExact}, true
		}},
}

// weekdayRule accepts a weekday name when it cannot be another word: English
// abbreviations ("sat", "sun") need "on", "next" or the like before them, and
// the Portuguese weekdays that are also ordinals ("segunda", "sexta") need a
// preposition, "-feira", "que vem", or to stand at the end or before a time.
// The date is the next such weekday after today: today's weekday means a
// week from today.
func weekdayRule(e *scan, s string, m []int) (temporal, bool) {
	qual, name := group(s, m, 1), group(s, m, 2)
	suffix := group(s, m, 3) + group(s, m, 4)
	switch name {
	case "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun":
		q := strings.TrimSpace(qual)
		if q != "next" && q != "this" && q != "coming" {
			switch prevWord(s, m[0]) {
			case "on", "by", "until", "till", "before":
			default:
				return temporal{}, false
			}
		}
	case "segunda", "quarta", "quinta", "sexta":
		if qual == "" && suffix == "" {
			rest := strings.TrimLeft(s[m[1]:], " ")
			pw := prevWord(s, m[0])
			ok := rest == "" || !isWordRune([]rune(rest)[0]) || weekdayFollowers[nextWord(s, m[1])]
			switch pw {
			case "na", "ate", "pra", "para", "de", "toda", "nesta", "nessa", "proxima", "esta", "essa":
				ok = true
			}
			if !ok {
				return temporal{}, false
			}
		}
	}
	target := weekdayNames[name]
	n := (int(target) - int(e.today.weekday()) + 7) % 7
	if n == 0 {
		n = 7
	}
	return temporal{kind: tDate, date: e.today.addDays(n)}, true
}

// numericDateRule reads "a/b" and "a/b/year" as day/month, the order used in
// Portuguese and Spanish and in most of the world; as month/day only when
// day/month is impossible and month/day is not ("12/25"). Without a year, or
// a two-digit component, or a date preposition before it, a bare "1/2" is
// taken for a fraction and ignored; "24/7" and ratings like "9/10" are too.
func numericDateRule(e *scan, s string, m []int) (temporal, bool) {
	a, sep, b, sep2, ys := group(s, m, 1), group(s, m, 2), group(s, m, 3), group(s, m, 4), group(s, m, 5)
	if m[0] > 0 && strings.IndexByte("/.-:,+", s[m[0]-1]) >= 0 {
		return temporal{}, false
	}
	if m[1] < len(s) {
		c := s[m[1]]
		if c == '/' || (strings.IndexByte(".-:,", c) >= 0 && m[1]+1 < len(s) && s[m[1]+1] >= '0' && s[m[1]+1] <= '9') {
			return temporal{}, false
		}
	}
	hasYear := ys != ""
	if hasYear && sep2 != sep {
		return temporal{}, false
	}
	if !hasYear && sep != "/" {
		return temporal{}, false // "1.5" and "3-4" are numbers, not dates
	}
	x, _ := strconv.Atoi(a)
	y, _ := strconv.Atoi(b)
	prep := datePrepositions[prevWord(s, m[0])]
	if !hasYear && !prep {
		if len(a) < 2 && len(b) < 2 {
			return temporal{}, false
		}
		if a+"/"+b == "24/7" || ((b == "10" || b == "5") && x <= y && a[0] != '0') {
			return temporal{}, false
		}
	}
	year := 0
	if hasYear {
		year, _ = strconv.Atoi(ys)
		if len(ys) == 2 {
			year += 2000
		}
	}
	day, month := x, y
	if e.monthFirst && validDate(2000, x, y) || !validDate(2000, month, day) && validDate(2000, x, y) {
		day, month = y, x
	}
	c, ok := e.dayMonth(day, month, year, hasYear)
	return temporal{kind: tDate, date: c}, ok
}

// dayMonth resolves a day and month: with a year, the date itself when it
// is today or later (past dates are not due dates); without one, its next
// occurrence from today on.
func (e *dateEnv) dayMonth(d, m, y int, hasYear bool) (civil, bool) {
	if hasYear {
		if !validDate(y, m, d) || y > e.today.y+50 {
			return civil{}, false
		}
		c := civil{y, time.Month(m), d}
		return c, !c.before(e.today)
	}
	for y := e.today.y; y <= e.today.y+8; y++ {
		if validDate(y, m, d) {
			if c := (civil{y, time.Month(m), d}); !c.before(e.today) {
				return c, true
			}
		}
	}
	return civil{}, false
}

func amPm(hs, ms, ap string) (temporal, bool) {
	h, _ := strconv.Atoi(hs)
	mi, _ := strconv.Atoi(ms)
	if h < 1 || h > 12 || mi > 59 {
		return temporal{}, false
	}
	h %= 12
	if ap == "p" {
		h += 12
	}
	return temporal{kind: tTime, hour: h, min: mi, certainty: hourExact}, true
}

func clockTime(hs, ms string, certainty int) (temporal, bool) {
	h, _ := strconv.Atoi(hs)
	mi, _ := strconv.Atoi(ms)
	if h > 23 || mi > 59 {
		return temporal{}, false
	}
	if h >= 13 || h == 0 || (len(hs) == 2 && hs[0] == '0') {
		certainty = hourExact
	}
	return temporal{kind: tTime, hour: h, min: mi, certainty: certainty}, true
}

// spokenTime reads the Portuguese and Spanish "às 3 da tarde" and
// "a las 10 y media" forms (groups: preposition, hour, minutes, "h" suffix,
// half/quarter, part of day). A bare "as 10" or "las 3" without any of the
// other parts is only a time when the preposition was written "às" or "a las".
func spokenTime(e *scan, s string, m []int, half string) (temporal, bool) {
	prep := strings.Join(strings.Fields(group(s, m, 1)), " ")
	hs, ms, hsuf, frac, per := group(s, m, 2), group(s, m, 3), group(s, m, 4), group(s, m, 5), group(s, m, 6)
	bare := ms == "" && hsuf == "" && frac == "" && per == ""
	if bare {
		switch prep {
		case "a", "as":
			if e.grave == nil || !e.grave(m[2]) {
				return temporal{}, false // "as 10 of us", not "às 10"
			}
		case "la", "las", "das":
			return temporal{}, false
		}
	}
	certainty := hourGuess
	if ms != "" || strings.HasPrefix(hsuf, "h") && !strings.HasPrefix(hsuf, "hor") {
		certainty = hourLiteral
	}
	t, ok := clockTime(hs, ms, certainty)
	if !ok {
		return t, false
	}
	switch frac {
	case half:
		t.min = 30
	case "quinze", "cuarto":
		t.min = 15
	}
	t.period = periodWords[per]
	return t, true
}

// findTemporal returns the date and time expressions in the folded text s
// (grave, which may be nil, tells where an "a" was written "à"),
// in order, without overlaps (at one place the longest wins), each widened to
// take in the prepositions in front of it ("until next Friday").
func findTemporal(s string, env *dateEnv, grave func(int) bool) []temporal {
	e := &scan{dateEnv: env, grave: grave}
	hasDigit := strings.ContainsAny(s, "0123456789")
	var all []temporal
	for i := range temporalRules {
		r := &temporalRules[i]
		if !r.mayMatch(s, hasDigit) {
			continue
		}
		for _, m := range r.re.FindAllStringSubmatchIndex(s, -1) {
			if t, ok := r.fn(e, s, m); ok {
				t.start, t.end = m[0], m[1]
				all = append(all, t)
			}
		}
	}
	if len(all) == 0 {
		return nil
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].start != all[j].start {
			return all[i].start < all[j].start
		}
		return all[i].end > all[j].end
	})
	var sel []temporal
	lastEnd := 0
	for _, t := range all {
		if t.start < lastEnd {
			continue
		}
		if t.bare {
			if len(sel) == 0 || sel[len(sel)-1].kind != tDate || strings.TrimSpace(s[sel[len(sel)-1].end:t.start]) != "" {
				continue
			}
		}
		sel = append(sel, t)
		lastEnd = t.end
	}
	floor := 0
	for i := range sel {
		sel[i].start = extendOverPrepositions(s, sel[i].start, floor)
		floor = sel[i].end
	}
	return sel
}

// extendOverPrepositions moves start left over up to three prepositions
// that stand right before it (only spaces between), but not below floor.
func extendOverPrepositions(s string, start, floor int) int {
	for range 3 {
		w := prevWord(s, start)
		if w == "" || !extendPrepositions[w] {
			break
		}
		j := start
		for j > 0 && s[j-1] == ' ' {
			j--
		}
		if j-len(w) < floor {
			break
		}
		start = j - len(w)
	}
	return start
}

// due is a resolved due date.
type due struct {
	at      time.Time
	hasTime bool
}

// resolve turns the expressions of one clause into a due date: a span from
// now ("in 2 hours") wins; otherwise the first date and the first time, with
// parts of the day moving guessed hours ("at 9 tonight" is 21:00) and a bare
// hour from 1 to 7 taken as afternoon. A time without a date is today when
// still ahead, else tomorrow. It also returns the expressions it used, which
// leave the title.
func (e *dateEnv) resolve(ts []temporal) (*due, []temporal) {
	var date, clock *temporal
	var used []temporal
	per := periodNone
	for i := range ts {
		t := &ts[i]
		switch t.kind {
		case tDuration:
			at := e.now.Add(t.dur).Truncate(time.Minute)
			return &due{at: at, hasTime: true}, []temporal{*t}
		case tDate:
			if date == nil {
				date = t
				used = append(used, *t)
				if per == periodNone {
					per = t.period
				}
			}
		case tTime:
			if clock == nil {
				clock = t
				used = append(used, *t)
				if t.period != periodNone {
					per = t.period
				}
			}
		case tPeriod:
			if per == periodNone {
				per = t.period
			}
			used = append(used, *t)
		}
	}
	if date == nil && clock == nil {
		return nil, nil
	}
	loc := e.now.Location()
	if clock == nil {
		return &due{at: time.Date(date.date.y, date.date.m, date.date.d, 0, 0, 0, 0, loc)}, used
	}
	h := adjustHour(clock.hour, clock.certainty, per)
	if date != nil {
		return &due{at: time.Date(date.date.y, date.date.m, date.date.d, h, clock.min, 0, 0, loc), hasTime: true}, used
	}
	at := time.Date(e.today.y, e.today.m, e.today.d, h, clock.min, 0, 0, loc)
	if at.Before(e.now) {
		at = time.Date(e.today.y, e.today.m, e.today.d+1, h, clock.min, 0, 0, loc)
	}
	return &due{at: at, hasTime: true}, used
}

// adjustHour applies a part of the day to an hour that was not exact.
func adjustHour(h, certainty int, p period) int {
	if certainty == hourExact {
		return h
	}
	switch p {
	case periodAfternoon, periodEvening:
		if h >= 1 && h < 12 {
			return h + 12
		}
	case periodNight:
		if h == 12 {
			return 0
		}
		if h >= 5 && h < 12 {
			return h + 12
		}
	case periodNone:
		if certainty == hourGuess && h >= 1 && h <= 7 {
			return h + 12
		}
	}
	return h
}
