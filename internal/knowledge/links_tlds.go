package knowledge

import "strings"

// knownTLDs are the top-level domains for which a bare "name.tld" without a
// path counts as a link. The list is deliberately short of two-letter country
// codes that are everyday words in English, Portuguese or Spanish ("it",
// "is", "no", "do", "se", "la"...), so that a missing space after a full stop
// ("there.it was") does not become a link; with a path any TLD counts.
var knownTLDs = func() map[string]bool {
	const list = `com net org edu gov mil int info biz name pro mobi app dev io ai co me tv ly gl gg
		xyz site online store tech blog news link page shop club live life world today cloud
		digital media space website top wiki design email art social network studio agency
		games game video music film photo photos fm cc ws im sh gd vc
		br pt es mx ar cl pe uy ve bo py ec cr gt hn ni pa sv pr
		uk ca au nz ie de fr nl ch dk fi pl cz sk hu ro bg gr ru ua tr il ae sa eg ma za ng ke
		pk bd jp cn hk tw kr sg th vn ph eu lt lv ee hr rs ba`
	m := make(map[string]bool)
	for _, t := range strings.Fields(list) {
		m[t] = true
	}
	return m
}()
