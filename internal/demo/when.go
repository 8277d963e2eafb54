package demo

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// lang is a language the demo's people write in.
type lang int

const (
	en lang = iota
	pt
	es
	numLangs
)

// String is the language's ISO 639-1 code.
func (l lang) String() string { return [...]string{"en", "pt", "es"}[l] }

var (
	weekdays = [numLangs][7]string{
		{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		{"domingo", "segunda", "terça", "quarta", "quinta", "sexta", "sábado"},
		{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
	}
	months = [numLangs][12]string{
		{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"},
		{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
	}
)

// moment is a day and a time said in a message.
type moment struct {
	at time.Time
	// day is the day alone ("on Saturday", "no sábado", "el sábado") and
	// phrase the day and the time ("on Saturday at 11").
	day, phrase string
	// short is the day as it is said on its own or after a preposition:
	// "Saturday", "the 15th"; "sábado", "dia 15"; "el sábado", "el 15".
	short string
	// clock is the time alone ("at 11", "às 11h", "a las 11").
	clock string
}

// whenOptions narrow the moments pickMoment chooses.
type whenOptions struct {
	// minDays is the earliest day, counted from base's date: 0 allows later
	// today, 2 only days that are not "tomorrow".
	minDays int
}

// pickMoment chooses a plausible moment after base (in base's location) and
// says it in l the way people write it: "tomorrow at 10", "on Saturday at
// 11:30", "on 15 December at 3pm"; "amanhã às 10h", "no sábado às 11h30",
// "dia 15/12 às 15h"; "mañana a las 10", "el sábado a las 11:30", "el 15/12 a
// las 15:00". Days are today, tomorrow, a weekday of the coming week, or a
// date up to four weeks away; times are between 8:00 and 21:45.
func pickMoment(rng *rand.Rand, l lang, base time.Time, o whenOptions) moment {
	var days int
	switch r := rng.IntN(20); {
	case r < 2:
		days = 0
	case r < 8:
		days = 1
	case r < 16:
		days = 2 + rng.IntN(5)
	default:
		days = 7 + rng.IntN(22)
	}
	days = max(days, o.minDays)
	hour := 8 + rng.IntN(14)
	minute := [...]int{0, 0, 0, 0, 15, 30, 30, 45}[rng.IntN(8)]
	if days == 0 {
		// Later today (two hours on at least), or else tomorrow.
		if lo := max(8, base.Hour()+2); lo <= 21 {
			hour = lo + rng.IntN(22-lo)
		} else {
			days = 1
		}
	}
	d := time.Date(base.Year(), base.Month(), base.Day()+days, hour, minute, 0, 0, base.Location())
	m := moment{at: d, clock: clockPhrase(rng, l, hour, minute)}
	m.day = dayPhrase(rng, l, d, days)
	m.short = shortDay(l, d, days)
	m.phrase = m.day + " " + m.clock
	if days == 0 && hour >= 18 && l == en && rng.IntN(2) == 0 {
		m.day, m.phrase = "tonight", "tonight "+m.clock
	}
	return m
}

func dayPhrase(rng *rand.Rand, l lang, d time.Time, days int) string {
	wd := weekdays[l][d.Weekday()]
	switch {
	case days == 0:
		return [...]string{"today", "hoje", "hoy"}[l]
	case days == 1:
		return [...]string{"tomorrow", "amanhã", "mañana"}[l]
	case days < 7:
		switch l {
		case en:
			return [...]string{"on " + wd, wd, "this " + wd}[rng.IntN(3)]
		case pt:
			article := "na "
			if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
				article = "no "
			}
			return [...]string{article + wd, article + wd, wd}[rng.IntN(3)]
		default:
			return [...]string{"el " + wd, "el " + wd, "este " + wd}[rng.IntN(3)]
		}
	}
	day, month := d.Day(), d.Month()
	switch l {
	case en:
		switch rng.IntN(3) {
		case 0:
			return fmt.Sprintf("on %d %s", day, months[en][month-1])
		case 1:
			return fmt.Sprintf("on %s %d", months[en][month-1], day)
		default:
			return fmt.Sprintf("on the %d%s", day, ordinal(day))
		}
	case pt:
		switch rng.IntN(3) {
		case 0:
			return fmt.Sprintf("dia %d/%d", day, month)
		case 1:
			return fmt.Sprintf("dia %02d/%02d", day, month)
		default:
			return fmt.Sprintf("dia %d de %s", day, months[pt][month-1])
		}
	default:
		switch rng.IntN(3) {
		case 0:
			return fmt.Sprintf("el %d/%d", day, month)
		case 1:
			return fmt.Sprintf("el día %d", day)
		default:
			return fmt.Sprintf("el %d de %s", day, months[es][month-1])
		}
	}
}

func shortDay(l lang, d time.Time, days int) string {
	switch {
	case days == 0:
		return [...]string{"today", "hoje", "hoy"}[l]
	case days == 1:
		return [...]string{"tomorrow", "amanhã", "mañana"}[l]
	case days < 7:
		return [...]string{"", "", "el "}[l] + weekdays[l][d.Weekday()]
	}
	return fmt.Sprintf([...]string{"the %d" + ordinal(d.Day()), "dia %d", "el %d"}[l], d.Day())
}

func ordinal(n int) string {
	switch {
	case n%100 >= 11 && n%100 <= 13:
		return "th"
	case n%10 == 1:
		return "st"
	case n%10 == 2:
		return "nd"
	case n%10 == 3:
		return "rd"
	}
	return "th"
}

func clockPhrase(rng *rand.Rand, l lang, hour, minute int) string {
	switch l {
	case en:
		h12, ampm := hour%12, "am"
		if h12 == 0 {
			h12 = 12
		}
		if hour >= 12 {
			ampm = "pm"
		}
		switch {
		case minute == 0 && rng.IntN(3) == 0 && hour <= 11:
			return fmt.Sprintf("at %d", hour)
		case minute == 0:
			return fmt.Sprintf("at %d%s", h12, ampm)
		case rng.IntN(2) == 0:
			return fmt.Sprintf("at %d:%02d%s", h12, minute, ampm)
		default:
			return fmt.Sprintf("at %d:%02d", hour, minute)
		}
	case pt:
		switch {
		case minute == 0:
			return fmt.Sprintf("às %dh", hour)
		case rng.IntN(2) == 0:
			return fmt.Sprintf("às %dh%02d", hour, minute)
		default:
			return fmt.Sprintf("às %d:%02d", hour, minute)
		}
	default:
		switch {
		case minute == 0 && rng.IntN(2) == 0:
			return fmt.Sprintf("a las %d", hour)
		default:
			return fmt.Sprintf("a las %d:%02d", hour, minute)
		}
	}
}
