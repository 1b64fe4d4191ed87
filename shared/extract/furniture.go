package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html/atom"
)

// Lines of page furniture that sit inside article containers without any
// class saying so. Each rule reads one short block's own text; the lists
// are language knowledge (the common European languages), not site rules.

// furnitureLabels are whole lines that are controls, not content: share
// buttons, back-to-top links, print and mail links. Matched against the
// entire line, so a sentence mentioning Facebook is never affected.
func furnitureLabels(k string) bool {
	switch k {
	case
		"top", "back to top", "to top", "go to top", "scroll to top",
		"nach oben", "zurück nach oben", "zum seitenanfang", "seitenanfang",
		"haut de page", "retour en haut", "volver arriba", "ir arriba",
		"torna su", "torna all'inizio", "naar boven", "do góry",
		"share", "share this", "share this article", "share this story",
		"share this post", "share article", "share on facebook", "share on twitter",
		"share on linkedin", "share via email", "share via e-mail", "copy link",
		"teilen", "artikel teilen", "beitrag teilen", "link kopieren",
		"partager", "partager cet article", "compartir", "compartir artículo",
		"condividi", "delen", "udostępnij",
		"tweet", "email", "e-mail", "mail", "print", "drucken",
		"imprimer", "imprimir", "stampa",
		"facebook", "twitter", "x", "linkedin", "whatsapp", "pinterest",
		"reddit", "telegram", "xing", "flipboard", "threads", "bluesky",
		// comment, rating, source and embed controls
		"comment", "reply", "kommentieren", "antworten", "répondre", "responder", "rispondi",
		"no ratings yet", "noch keine bewertungen", "quellen ausblenden", "quellen einblenden",
		"externer inhalt", "zum shop":
		return true
	}
	return false
}

// followPrefixes open "Follow <Site> on ..." lines.
var followPrefixes = []string{"follow ", "folgen sie ", "folge uns", "folgt uns", "suivez", "síguenos", "siguenos", "seguici", "volg ons", "obserwuj"}

// isFurnitureLine reports a short line that is a control or a "follow us"
// appeal, wherever it sits in the container.
func isFurnitureLine(text string) bool {
	if len(text) > 60 {
		return false
	}
	t := strings.ToLower(strings.TrimSpace(text))
	t = strings.Trim(t, " :.!|·•↑^▲⬆()")
	if furnitureLabels(t) {
		return true
	}
	if len(t) <= 40 {
		for _, p := range followPrefixes {
			if strings.HasPrefix(t, p) {
				return true
			}
		}
	}
	return false
}

// dateLabels are the labels in front of a date line ("Updated:",
// "Veröffentlicht am"); the words are matched after lower-casing.
func dateWords(k string) bool {
	switch k {
	case
		"updated", "published", "posted", "last", "modified", "on",
		"at", "am", "pm", "um", "uhr", "h", "de", "del",
		"le", "à", "a", "las", "of", "the", "and", "und",
		"aktualisiert", "veröffentlicht", "veröffentlichung", "erstellt",
		"zuletzt", "geändert", "stand", "publié", "mis", "jour",
		"publicado", "actualizado", "pubblicato", "aggiornato", "il",
		"publicação", "atualizado", "gepubliceerd", "bijgewerkt", "op",
		"opublikowano", "zaktualizowano", "dnia", "date", "datum",
		"publikacja", "aktualizacja", "asked", "answered", "edited",
		"publiziert", "ultima", "modifica",
		"cet", "cest", "utc", "gmt", "est", "edt", "pst", "pdt",
		"bst", "mez", "mesz", "ist", "et":
		return true
	}
	return false
}

// monthPrefixes are the first three letters of month names (and weekday
// names) in the languages of the lists above.
func monthPrefixes(k string) bool {
	switch k {
	case
		"jan", "feb", "mar", "apr", "may", "jun", "jul",
		"aug", "sep", "oct", "nov", "dec", "mär", "mai",
		"okt", "dez", "fév", "fev", "avr", "jui", "aoû",
		"aou", "déc", "ene", "abr", "ago", "dic", "gen",
		"giu", "lug", "set", "ott", "out", "dez.", "maa",
		"mrt", "sty", "lut", "kwi", "maj", "cze", "lip",
		"sie", "wrz", "paź", "lis", "gru",
		"mon", "tue", "wed", "thu", "fri", "sat", "sun",
		"mon.", "die", "mit", "don", "fre", "sam", "son",
		"lun", "mer", "jeu", "ven", "dim", "mié", "jue",
		"vie", "sáb", "dom":
		return true
	}
	return false
}

// isDateLine reports a line that holds a date (and perhaps a time and a
// label) and nothing else: "Updated: 11.04.2020, 10:27", "17 April 2012 •
// 2:54pm", "opublikowano: 7 kwietnia 2021".
func isDateLine(text string) bool {
	if len(text) > 80 || !strings.ContainsAny(text, "0123456789") {
		return false // every date has a number
	}
	numbers, months := 0, 0
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(words) == 0 {
		return false
	}
	for _, w := range words {
		switch {
		case w[0] >= '0' && w[0] <= '9':
			rest := strings.TrimLeft(w, "0123456789")
			if rest != "" && rest != "am" && rest != "pm" && rest != "h" && rest != "st" && rest != "nd" && rest != "rd" && rest != "th" {
				return false
			}
			numbers++
		case dateWords(w):
		case len([]rune(w)) >= 3 && monthPrefixes(string([]rune(w)[:3])):
			months++
		default:
			return false
		}
	}
	return numbers >= 1 && months >= 1 || hasNumericDate(text)
}

// hasNumericDate finds a day.month.year style date (11.04.2020, 2020-04-11,
// 4/11/2020): three runs of digits joined by one kind of separator.
func hasNumericDate(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' || i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
			continue
		}
		j, runs, sep := i, 0, byte(0)
		for {
			k := j
			for k < len(s) && s[k] >= '0' && s[k] <= '9' {
				k++
			}
			if k == j || k-j > 4 {
				break
			}
			runs++
			if runs == 3 {
				return true
			}
			if k >= len(s) || (s[k] != '.' && s[k] != '-' && s[k] != '/') || sep != 0 && s[k] != sep {
				break
			}
			sep, j = s[k], k+1
		}
	}
	return false
}

// skipLaterArticles keeps one article where a container holds several:
// pages with infinite scroll append the next story, with its own <h1>, in
// an <article> of its own. When the first outermost <article> holds an
// <h1> and prose, every later outermost <article> with an <h1> is left out.
func skipLaterArticles(main *node) {
	var arts []*node
	var walk func(n *node)
	walk = func(n *node) {
		if n.isText() || !keep(n) {
			return
		}
		if n.tag == atom.Article && n != main {
			arts = append(arts, n)
			return
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(main)
	if len(arts) < 2 || !hasKeptTag(arts[0], atom.H1) || keptProse(arts[0]) == 0 {
		return
	}
	for _, a := range arts[1:] {
		if hasKeptTag(a, atom.H1) {
			a.skip = true
		}
	}
}

func hasKeptTag(n *node, tag atom.Atom) bool {
	if n.tag == tag {
		return true
	}
	for _, k := range n.kids {
		if !k.isText() && keep(k) && hasKeptTag(k, tag) {
			return true
		}
	}
	return false
}

// creditLabels open a photo or source credit line: "Foto: dpa", "(Credit:
// Jane Doe / Agency)", "Bildquelle: ...". Matched after lower-casing,
// before the first colon.
func creditLabels(k string) bool {
	switch k {
	case
		"foto", "fotos", "bild", "bilder", "bildquelle", "photo", "photos",
		"photo credit", "photo credits", "credit", "credits", "image", "image credit",
		"image source", "quelle", "crédito", "créditos", "crédit", "crédits",
		"fuente", "fonte", "zdjęcie", "fot", "titelbild", "beitragsbild", "headerbild",
		"bildnachweis", "bildnachweise", "fotonachweis", "fotocredit", "fotocredits",
		"photocredit", "photocredits", "crédits photos", "crédit photo", "copyright":
		return true
	}
	return false
}

// isCreditLine reports a short block that is a photo credit, or a caption
// that carries one: it holds a copyright sign, or opens with a credit
// label and a colon. A credit names the photographer or agency of an
// image the text does not show; it is never part of the article's prose.
func isCreditLine(text string) bool {
	if strings.Contains(text, "©") {
		return true
	}
	t := strings.TrimLeft(strings.ToLower(text), " ([")
	i := strings.IndexAny(t, ":.")
	if i <= 0 || i > 16 {
		return false
	}
	return creditLabels(strings.TrimSpace(t[:i]))
}

// isBreadcrumbLine reports a line of three or more parts joined by one kind
// of separator, all but the last short: "Home > Blog > Title of the post",
// "News » Health » Fitness". Sentences seldom use these separators twice. A
// pipe does not count: product lines use it ("Three sizes | 15" | 19"").
func isBreadcrumbLine(text string) bool {
	for _, sep := range []string{"»", "›", ">", "→"} {
		if strings.Count(text, sep) < 2 {
			continue
		}
		parts := strings.Split(text, sep)
		for _, p := range parts[:len(parts)-1] {
			if utf8.RuneCountInString(strings.TrimSpace(p)) > 40 {
				return false
			}
		}
		return true
	}
	return false
}

// publicationLabels are the dateWords that say the date is the page's own
// (published, updated), not a date the text talks about.
func publicationLabels(k string) bool {
	switch k {
	case
		"updated", "published", "posted", "modified", "aktualisiert", "veröffentlicht",
		"publiziert", "erstellt", "geändert", "publié", "publicado", "actualizado",
		"pubblicato", "aggiornato", "publicação", "atualizado", "gepubliceerd", "bijgewerkt",
		"opublikowano", "zaktualizowano", "publikacja", "aktualizacja":
		return true
	}
	return false
}

// isPublicationDateLine reports a date line with a label saying it is the
// page's publication or update date: "Aktualisiert am 17.01.2021.",
// "Publiziert: 03.04.2020, 12:35". It is page metadata wherever it sits.
func isPublicationDateLine(text string) bool {
	if !isDateLine(text) {
		return false
	}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if publicationLabels(w) {
			return true
		}
	}
	return false
}
