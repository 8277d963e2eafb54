package knowledge

import (
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// place is a location found in a clause: coordinates, a name, an address,
// or some of them.
type place struct {
	start, end int // byte offsets in the clause of the text that gave it
	lat, lng   float64
	hasCoords  bool
	name       string
	address    string
}

var (
	// -23.5505, -46.6333 (three decimals or more and a comma, so that
	// prices, scores and version numbers are not taken for coordinates)
	reDecimalCoords = regexp.MustCompile(`([-+]?\d{1,2}\.\d{3,})\s*[,;]\s*([-+]?\d{1,3}\.\d{3,})`)
	// lat: -23.55, lng: -46.63
	reLabelledCoords = regexp.MustCompile(`(?i)\blat(?:itude)?\s*[:=]?\s*([-+]?\d{1,2}(?:\.\d+)?)\s*[,;]?\s*(?:lng|lon|long|longitude)\s*[:=]?\s*([-+]?\d{1,3}(?:\.\d+)?)`)
	// 23°33'01.8"S 46°38'02.0"W, 23.5505° S, 46.6333° W; O (oeste) and L
	// (leste) are the Portuguese and Spanish letters for west and east.
	reDMS = regexp.MustCompile(`(?i)(\d{1,2}(?:[.,]\d+)?)\s*[°º]\s*(?:(\d{1,2}(?:[.,]\d+)?)\s*['′’]\s*)?(?:(\d{1,2}(?:[.,]\d+)?)\s*(?:"|″|''|”|′′)\s*)?([NS])[\s,;]*` +
		`(\d{1,3}(?:[.,]\d+)?)\s*[°º]\s*(?:(\d{1,2}(?:[.,]\d+)?)\s*['′’]\s*)?(?:(\d{1,2}(?:[.,]\d+)?)\s*(?:"|″|''|”|′′)\s*)?([EWOL])\b`)
	// geo:-23.5505,-46.6333;u=35?q=-23.5505,-46.6333(Label) (RFC 5870 and
	// the Android "q" extension)
	reGeoURI = regexp.MustCompile(`(?i)\bgeo:([-+]?\d{1,2}(?:\.\d+)?),([-+]?\d{1,3}(?:\.\d+)?)(?:,[-+]?\d+(?:\.\d+)?)?(?:;[^\s?]*)?(?:\?q=(\S*))?`)

	reLatLngPair  = regexp.MustCompile(`^\s*([-+]?\d{1,3}(?:\.\d+)?)\s*,\s*([-+]?\d{1,3}(?:\.\d+)?)\s*(?:\((.*)\))?\s*$`)
	reGoogleBang  = regexp.MustCompile(`!3d([-+]?\d{1,2}(?:\.\d+)?)!4d([-+]?\d{1,3}(?:\.\d+)?)`)
	reGoogleAt    = regexp.MustCompile(`/@([-+]?\d{1,2}(?:\.\d+)?),([-+]?\d{1,3}(?:\.\d+)?)`)
	reGooglePlace = regexp.MustCompile(`/maps/(?:place|search)/([^/@]+)`)
)

// validCoords reports whether lat and lng are on Earth; 0,0 is taken for
// "no position", which is what it almost always means in a link.
func validCoords(lat, lng float64) bool {
	if math.IsNaN(lat) || math.IsNaN(lng) {
		return false
	}
	return lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180 && !(lat == 0 && lng == 0)
}

func parseFloat(s string) (float64, bool) {
	v, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	return v, err == nil
}

func parseLatLng(latS, lngS string) (float64, float64, bool) {
	lat, ok1 := parseFloat(latS)
	lng, ok2 := parseFloat(lngS)
	return lat, lng, ok1 && ok2 && validCoords(lat, lng)
}

// findPlace returns the first place in text: coordinates written out, a geo:
// URI, or a map link among links (Google Maps, OpenStreetMap, Apple Maps,
// Waze).
func findPlace(text string, links []linkSpan) (place, bool) {
	var best place
	found := false
	consider := func(p place) {
		if !found || p.start < best.start {
			best, found = p, true
		}
	}
	inLink := func(i int) bool {
		for _, l := range links {
			if i >= l.start && i < l.end {
				return true
			}
		}
		return false
	}
	for _, l := range links {
		if p, ok := parseMapLink(l.url); ok {
			p.start, p.end = l.start, l.end
			consider(p)
			break
		}
	}
	for _, m := range reDecimalCoords.FindAllStringSubmatchIndex(text, -1) {
		if inLink(m[0]) || !coordBoundary(text, m[0], m[1]) {
			continue
		}
		if lat, lng, ok := parseLatLng(group(text, m, 1), group(text, m, 2)); ok {
			consider(place{start: m[0], end: m[1], lat: lat, lng: lng, hasCoords: true})
			break
		}
	}
	for _, m := range reLabelledCoords.FindAllStringSubmatchIndex(text, -1) {
		if lat, lng, ok := parseLatLng(group(text, m, 1), group(text, m, 2)); ok && !inLink(m[0]) {
			consider(place{start: m[0], end: m[1], lat: lat, lng: lng, hasCoords: true})
			break
		}
	}
	for _, m := range reDMS.FindAllStringSubmatchIndex(text, -1) {
		if p, ok := dmsPlace(text, m); ok && !inLink(m[0]) {
			consider(p)
			break
		}
	}
	for _, m := range reGeoURI.FindAllStringSubmatchIndex(text, -1) {
		if p, ok := geoPlace(text, m); ok {
			consider(p)
			break
		}
	}
	return best, found
}

// coordBoundary rejects decimal pairs that are part of something longer
// (a version number, an IP address, a longer number).
func coordBoundary(text string, start, end int) bool {
	if start > 0 {
		c := text[start-1]
		if c == '.' || c == '/' || c == '-' || c == '+' || c >= '0' && c <= '9' || unicode.IsLetter(rune(c)) {
			return false
		}
	}
	if end < len(text) {
		c := text[end]
		if c == '.' && end+1 < len(text) && text[end+1] >= '0' && text[end+1] <= '9' || c >= '0' && c <= '9' {
			return false
		}
	}
	return true
}

func dmsPart(deg, minutes, sec string) (float64, bool) {
	d, ok := parseFloat(deg)
	if !ok {
		return 0, false
	}
	var mi, se float64
	if minutes != "" {
		if mi, ok = parseFloat(minutes); !ok || mi >= 60 {
			return 0, false
		}
	}
	if sec != "" {
		if se, ok = parseFloat(sec); !ok || se >= 60 {
			return 0, false
		}
	}
	return d + mi/60 + se/3600, true
}

func dmsPlace(text string, m []int) (place, bool) {
	lat, ok1 := dmsPart(group(text, m, 1), group(text, m, 2), group(text, m, 3))
	lng, ok2 := dmsPart(group(text, m, 5), group(text, m, 6), group(text, m, 7))
	if !ok1 || !ok2 {
		return place{}, false
	}
	if strings.EqualFold(group(text, m, 4), "S") {
		lat = -lat
	}
	if h := strings.ToUpper(group(text, m, 8)); h == "W" || h == "O" {
		lng = -lng
	}
	lat, lng = roundCoord(lat), roundCoord(lng)
	if !validCoords(lat, lng) {
		return place{}, false
	}
	return place{start: m[0], end: m[1], lat: lat, lng: lng, hasCoords: true}, true
}

// roundCoord keeps seven decimals (about a centimetre), so that a position
// converted from degrees, minutes and seconds prints cleanly.
func roundCoord(v float64) float64 { return math.Round(v*1e7) / 1e7 }

func geoPlace(text string, m []int) (place, bool) {
	p := place{start: m[0], end: m[1]}
	if lat, lng, ok := parseLatLng(group(text, m, 1), group(text, m, 2)); ok {
		p.lat, p.lng, p.hasCoords = lat, lng, true
	}
	if q := trimLinkEnd(group(text, m, 3), 0); q != "" {
		if dq, err := url.QueryUnescape(q); err == nil {
			q = dq
		}
		if mm := reLatLngPair.FindStringSubmatch(q); mm != nil {
			if lat, lng, ok := parseLatLng(mm[1], mm[2]); ok {
				p.lat, p.lng, p.hasCoords = lat, lng, true
			}
			p.name = strings.TrimSpace(mm[3])
		} else {
			p.address = strings.TrimSpace(q)
		}
	}
	return p, p.hasCoords || p.address != ""
}

// parseMapLink reads a place out of a map link: coordinates and, when the
// link carries them, a name or an address. Short links (maps.app.goo.gl)
// carry neither; they would need a network request and are not read.
func parseMapLink(raw string) (place, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return place{}, false
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	q := u.Query()
	var p place
	setCoords := func(latS, lngS string) {
		if p.hasCoords {
			return
		}
		if lat, lng, ok := parseLatLng(latS, lngS); ok {
			p.lat, p.lng, p.hasCoords = lat, lng, true
		}
	}
	setPair := func(v string) bool {
		if m := reLatLngPair.FindStringSubmatch(v); m != nil {
			setCoords(m[1], m[2])
			return true
		}
		return false
	}
	switch {
	case isGoogleMaps(host, u.Path):
		// The pin itself (!3d/!4d) is more precise than the view (@).
		if m := reGoogleBang.FindStringSubmatch(u.Path); m != nil {
			setCoords(m[1], m[2])
		}
		if m := reGoogleAt.FindStringSubmatch(u.Path); m != nil {
			setCoords(m[1], m[2])
		}
		for _, k := range [...]string{"q", "query", "ll", "center", "destination", "daddr"} {
			v := q.Get(k)
			if v == "" || setPair(v) {
				continue
			}
			if k != "ll" && k != "center" && p.name == "" {
				p.name, p.address = v, v
			}
		}
		if m := reGooglePlace.FindStringSubmatch(u.Path); m != nil {
			name := strings.ReplaceAll(m[1], "+", " ")
			if !setPair(name) && p.name == "" {
				p.name = name
			}
		}
	case host == "openstreetmap.org" || host == "osm.org":
		setCoords(q.Get("mlat"), q.Get("mlon"))
		if frag, ok := strings.CutPrefix(u.Fragment, "map="); ok {
			parts := strings.Split(frag, "/")
			if len(parts) >= 3 {
				setCoords(parts[1], parts[2])
			}
		}
	case host == "maps.apple.com" || host == "maps.apple":
		for _, k := range [...]string{"ll", "coordinate", "sll", "center"} {
			if v := q.Get(k); v != "" {
				setPair(v)
			}
		}
		p.name = q.Get("q")
		if p.name == "" {
			p.name = q.Get("name")
		}
		p.address = q.Get("address")
		if p.name != "" && setPair(p.name) {
			p.name = ""
		}
	case host == "waze.com" || strings.HasSuffix(host, ".waze.com"):
		setPair(q.Get("ll"))
		p.name = q.Get("q")
	default:
		return place{}, false
	}
	p.name = strings.TrimSpace(p.name)
	p.address = strings.TrimSpace(p.address)
	return p, p.hasCoords || p.name != "" || p.address != ""
}

// isGoogleMaps recognises maps.google.<tld> and google.<tld>/maps.
func isGoogleMaps(host, path string) bool {
	labels := strings.Split(host, ".")
	if len(labels) < 2 || len(labels) > 4 {
		return false
	}
	if labels[0] == "maps" && labels[1] == "google" {
		return true
	}
	return labels[0] == "google" && (path == "/maps" || strings.HasPrefix(path, "/maps/"))
}

// formatCoords writes a position as "lat, lng" with as few digits as needed.
func formatCoords(lat, lng float64) string {
	return strconv.FormatFloat(lat, 'f', -1, 64) + ", " + strconv.FormatFloat(lng, 'f', -1, 64)
}

// streetWords make a text after "fica na" or "queda en" look like an address
// even without a number or a capital letter.
var streetWords = setOf(`rua avenida av alameda travessa praca estrada rodovia largo esquina shopping
	street st avenue ave road rd boulevard blvd lane square plaza
	calle avenida carrera paseo plaza camino esquina`)

// looksLikeAddress reports whether s reads like a place: it has a digit, a
// capitalised word, or a street word.
func looksLikeAddress(s string) bool {
	for _, w := range strings.Fields(s) {
		r := []rune(w)[0]
		if unicode.IsDigit(r) || unicode.IsUpper(r) {
			return true
		}
		if streetWords[strings.Trim(foldString(w), ".,;:")] {
			return true
		}
	}
	return false
}
