package extract

import "strings"

// sectionStops are the headings that open a page's furniture inside an
// article container: related stories, comments, newsletter and share
// boxes. Once one appears after most of the prose, the rest of the
// container is furniture too. The list is language knowledge (the common
// European news and blog languages), matched against short lines only.
var sectionStops = []string{
	// English
	"related", "more from", "more on this", "more stories", "read more", "read also", "also read",
	"you may also like", "you might also like", "you may be interested", "recommended", "most read",
	"most popular", "latest news", "comments", "leave a reply", "leave a comment", "share this",
	"follow us", "newsletter", "trackbacks", "pingbacks", "about the author", "further reading",
	// German
	"mehr zum thema", "das könnte sie auch interessieren", "das könnte dich auch interessieren",
	"ähnliche beiträge", "ähnliche artikel", "verwandte artikel", "weitere beiträge", "weitere artikel",
	"auch interessant", "lesen sie auch", "lesen sie mehr", "meistgelesen", "mehr über", "mehr aus",
	"mehr zu", "kommentare", "kommentar schreiben", "schreibe einen kommentar", "über den autor",
	"diese beiträge", "empfehlungen", "zum newsletter", "beitrag teilen", "artikel teilen",
	// French, Spanish, Italian, Portuguese, Dutch, Polish
	"à lire aussi", "lire aussi", "sur le même sujet", "articles similaires", "vos réactions",
	"commentaires", "te puede interesar", "noticias relacionadas", "lee también", "más noticias",
	"artículos relacionados", "comentarios", "potrebbe interessarti", "articoli correlati",
	"leggi anche", "commenti", "leia também", "veja também", "notícias relacionadas", "lees ook",
	"gerelateerd", "reacties", "zobacz też", "zobacz także", "czytaj też", "czytaj także",
	"polecamy", "skomentuj", "komentarze",
}

// isSectionStop reports whether a short block reads like the heading of a
// furniture section.
func isSectionStop(text string) bool {
	if len(text) > 80 {
		return false
	}
	t := strings.ToLower(strings.TrimSpace(text))
	t = strings.TrimRight(t, ":.…!» ")
	for _, s := range sectionStops {
		if strings.HasPrefix(t, s) {
			return true
		}
	}
	return false
}

// callsToAction are phrases of the short appeals that publishers put
// between and after paragraphs: subscribe, sign up, download the app,
// donate. A short block containing one is furniture wherever it sits.
var callsToAction = []string{
	"subscribe", "sign up", "newsletter", "download the", "download our", "follow us", "donate",
	"support our", "support us", "advertisement", "sponsored",
	"abonnieren", "abonniere", "jetzt abo", "newsletter", "melde dich", "melden sie sich", "registrieren sie",
	"unterstützen sie", "unterstütze", "jetzt spenden", "anzeige",
	"abonnez-vous", "inscrivez-vous", "suscríbete", "apóyanos", "únete", "iscriviti", "abbonati",
	"assine", "inscreva-se", "zapisz się", "subskryp", "wesprzyj",
}

// isCallToAction reports whether a short block is an appeal to the reader.
func isCallToAction(text string) bool {
	if len(text) > 220 {
		return false
	}
	t := strings.ToLower(text)
	for _, s := range callsToAction {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}
