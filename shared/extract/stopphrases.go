package extract

import (
	"strings"
	"unicode"
)

// sectionStops are the headings that open a page's furniture inside an
// article container: related stories, the next story, newsletter and share
// boxes. Once one appears after most of the prose, the rest of the
// container is furniture too. The list is language knowledge (the common
// European news and blog languages), matched against short lines only.
var sectionStops = []string{
	// English
	"related", "more from", "more on this", "more stories", "read more", "read also", "also read",
	"you may also like", "you might also like", "you may be interested", "recommended", "most read",
	"most popular", "latest news", "share this", "follow us", "newsletter", "trackbacks", "pingbacks",
	"about the author", "further reading", "next article", "previous article", "next story",
	"previous story", "next post", "previous post", "read next", "up next", "more news",
	// German
	"mehr zum thema", "das könnte sie auch interessieren", "das könnte dich auch interessieren",
	"ähnliche beiträge", "ähnliche artikel", "verwandte artikel", "weitere beiträge", "weitere artikel",
	"auch interessant", "lesen sie auch", "lesen sie mehr", "meistgelesen", "mehr über", "mehr aus",
	"mehr zu", "über den autor", "diese beiträge", "empfehlungen", "zum newsletter", "beitrag teilen",
	"artikel teilen", "nächster artikel", "vorheriger artikel", "nächster beitrag", "vorheriger beitrag",
	// French, Spanish, Italian, Portuguese, Dutch, Polish
	"à lire aussi", "lire aussi", "sur le même sujet", "articles similaires", "article suivant",
	"article précédent", "te puede interesar", "noticias relacionadas", "lee también", "más noticias",
	"artículos relacionados", "artículo siguiente", "artículo anterior", "potrebbe interessarti",
	"articoli correlati", "leggi anche", "articolo successivo", "articolo precedente", "leia também",
	"veja também", "notícias relacionadas", "lees ook", "gerelateerd", "zobacz też", "zobacz także",
	"czytaj też", "czytaj także", "polecamy",
}

// commentStops open a comment section. Readers' comments can be longer
// than the article, so these end the article wherever it has begun, not
// only after most of the prose.
var commentStops = []string{
	"comments", "leave a reply", "leave a comment", "top rated comments", "view all comments",
	"join the discussion", "join the conversation", "kommentare", "kommentar schreiben",
	"schreibe einen kommentar", "diskutieren sie mit", "leserkommentare", "vos réactions",
	"commentaires", "laisser un commentaire", "comentarios", "deja un comentario", "commenti",
	"lascia un commento", "comentários", "deixe um comentário", "reacties", "laat een reactie achter",
	"skomentuj", "komentarze",
}

// isSectionStop reports whether a short block reads like the heading of a
// furniture section, and whether that section holds comments. A leading
// count is skipped: comment sections are announced as "27 commentaires",
// "5 Kommentare on ...", "2 thoughts on ...".
func isSectionStop(text string) (stop, comments bool) {
	if len(text) > 80 {
		return false, false
	}
	t := strings.ToLower(strings.TrimSpace(text))
	t = strings.TrimRight(t, ":.…!» ")
	if c := strings.TrimLeft(t, "0123456789 ()[]"); c != t {
		t = c
		for _, s := range countedStops {
			if strings.HasPrefix(t, s) {
				return true, true
			}
		}
	}
	for _, s := range commentStops {
		if strings.HasPrefix(t, s) {
			return true, true
		}
	}
	for _, s := range sectionStops {
		if strings.HasPrefix(t, s) {
			return true, false
		}
	}
	return false, false
}

// countedStops follow a number in the heading of a comment section.
var countedStops = []string{
	"comment", "thought", "response", "repl", "kommentar", "antwort", "reaktion", "commentaire",
	"réponse", "comentario", "respuesta", "comment", "risposte", "reacties", "reactie", "komentarz",
	"odpowied",
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
	// membership and paywall offers ("log in to" is not one: how-tos and
	// documentation tell readers to log in)
	"hazte miembro", "hazte socio",
	"cancela cuando", "cancel anytime", "jederzeit kündbar", "instant access", "online access",
	"exklusive angebote", "exclusive offers",
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

// pageSelfReferences name the page itself ("this article", "diesen
// Artikel"). Each starts with a space so that only whole words match in
// the space-padded, lower-cased line.
var pageSelfReferences = []string{
	" this article", " this post", " this page", " this story", " this recipe",
	" diesen artikel", " dieser artikel", " der artikel", " den artikel", " dem artikel",
	" diesen beitrag", " dieser beitrag", " der beitrag", " den beitrag", " dem beitrag",
	" diese seite", " dieses rezept", " cet article", " l'article", " l’article", " cette page",
	" este artículo", " el artículo", " esta página", " esta nota", " esta receta",
	" questo articolo", " l'articolo", " questa pagina", " este artigo", " o artigo",
	" dit artikel", " deze pagina", " ten artykuł", " ta strona",
}

// isFeedbackQuestion reports a short question to the reader about the
// page itself: "Was this article helpful?", "Wie bewerten Sie diesen
// Artikel?", "Möchten Sie den Artikel teilen?". It belongs to a rating or
// share widget, not to the text. Questions about anything else (an FAQ's
// "How long should a blog post be?") do not name the page.
func isFeedbackQuestion(text string) bool {
	t := strings.TrimRight(text, " *")
	if !strings.HasSuffix(t, "?") || len(t) > 120 {
		return false
	}
	t = " " + strings.ToLower(t)
	for _, s := range pageSelfReferences {
		if i := strings.Index(t, s); i >= 0 {
			if j := i + len(s); j == len(t) || !isWordByte(t[j]) {
				return true
			}
		}
	}
	return false
}

// isWordByte reports an ASCII letter or digit, or a byte of a multi-byte
// UTF-8 rune (a letter in the languages above).
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}

// boxHeadings are headings of furniture boxes that do not end the article
// when they appear (the box may sit between paragraphs, and what follows
// it is often the article again): "Zum Weiterlesen", "Vous aimerez aussi",
// "Top Themen der Redaktion".
var boxHeadings = []string{
	"more like this", "recommended for you", "popular posts", "trending", "editor's picks",
	"zum weiterlesen", "weitere informationen", "noch mehr", "top themen", "neueste artikel",
	"neueste beiträge", "schon gelesen", "passend dazu", "lesetipp", "das thema könnte",
	"diese artikel könnten", "vous aimerez", "voir aussi", "à lire également", "también te puede",
	"te recomendamos", "otras noticias", "ti potrebbe interessare", "più letti",
}

// isBoxHeading reports a short line that is the heading of a furniture box:
// a section stop ("Related articles", "Mehr zum Thema") or one of
// boxHeadings, followed by at most three more words. Only the line itself
// is cut here; whether the rest of the container goes too is decided by
// isSectionStop and the share of prose before it. A sentence ("Read more
// about how ... .") or a label with its value ("Recommended: Bank account
// numbers") is not a heading.
func isBoxHeading(text string) bool {
	if len(text) > 80 {
		return false
	}
	t := strings.ToLower(strings.TrimSpace(text))
	t = strings.TrimRight(t, ":…!» ")
	if strings.HasSuffix(t, ".") || strings.Contains(t, ":") {
		return false
	}
	for _, list := range [][]string{sectionStops, boxHeadings} {
		for _, s := range list {
			if strings.HasPrefix(t, s) && len(strings.Fields(t[len(s):])) <= 3 {
				return true
			}
		}
	}
	return false
}

// disclosureWords mark an advertising disclosure above an article:
// "Anzeige", "*Werbung", "contains affiliate links", "Sponsored".
func disclosureWords(k string) bool {
	switch k {
	case "affiliate", "werbung", "anzeige", "sponsored", "gesponsert", "advertorial",
		"advertisement", "publicidad", "publicité", "pubblicità", "reklama":
		return true
	}
	return false
}

// isAdDisclosure reports a short block holding one of disclosureWords as a
// word of its own ("Bild anzeigen" is not one).
func isAdDisclosure(text string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r)
	}) {
		if disclosureWords(w) {
			return true
		}
	}
	return false
}

// postMetaPrefixes open the metadata line of a blog post: its categories
// and tags. postMetaPhrases appear inside one ("This entry was posted in
// News. Bookmark the permalink.", "... und abgelegt unter Linux").
var (
	postMetaPrefixes = []string{
		"posted in", "filed under", "veröffentlicht in", "abgelegt unter", "tags:", "tagged:",
		"tagged with", "kategorie:", "kategorien:", "category:", "categories:", "schlagwörter:",
		"schlagworte:", "stichwörter:", "catégorie:", "catégories:", "categoría:", "categorías:",
		"categoria:", "categorie:", "etiquetas:", "kategoria:", "tagi:",
	}
	postMetaPhrases = []string{"permalink", "this entry was posted", "und abgelegt unter", "| tags:"}
)

// isPostMetaLine reports a blog post's metadata line: categories, tags,
// the permalink.
func isPostMetaLine(text string) bool {
	t := strings.ToLower(strings.TrimSpace(text))
	for _, p := range postMetaPrefixes {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	for _, p := range postMetaPhrases {
		if strings.Contains(t, p) {
			return true
		}
	}
	return false
}

// readMoreLinks end the excerpt of a teaser for another page ("... am
// Weiterlesen …", "... Read more »"). A bare "more" is not one: "learn
// more" and "and more" end sentences of articles and product pages
// (extraction-modern lost shingles on six pages with it).
var readMoreLinks = []string{
	"weiterlesen", "read more", "continue reading", "lire la suite", "leer más", "mehr lesen",
	"weiter lesen", "leggi tutto", "czytaj dalej", "read the full story",
}

// endsWithReadMore reports a block of some length that ends with a "read
// more" label: the excerpt of a teaser, not the article.
func endsWithReadMore(text string) bool {
	t := strings.ToLower(strings.TrimRight(text, " …»›→.>"))
	for _, s := range readMoreLinks {
		if strings.HasSuffix(t, s) && len(t) > len(s)+20 {
			return true
		}
	}
	return false
}
