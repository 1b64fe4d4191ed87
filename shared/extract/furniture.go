package extract

import (
	"strings"
	"unicode"

	"golang.org/x/net/html/atom"
)

// Lines of page furniture that sit inside article containers without any
// class saying so. Each rule reads one short block's own text; the lists
// are language knowledge (the common European languages), not site rules.

// furnitureLabels are whole lines that are controls, not content: share
// buttons, back-to-top links, print and mail links. Matched against the
// entire line, so a sentence mentioning Facebook is never affected.
var furnitureLabels = map[string]bool{
	"top": true, "back to top": true, "to top": true, "go to top": true, "scroll to top": true,
	"nach oben": true, "zurück nach oben": true, "zum seitenanfang": true, "seitenanfang": true,
	"haut de page": true, "retour en haut": true, "volver arriba": true, "ir arriba": true,
	"torna su": true, "torna all'inizio": true, "naar boven": true, "do góry": true,
	"share": true, "share this": true, "share this article": true, "share this story": true,
	"share this post": true, "share article": true, "share on facebook": true, "share on twitter": true,
	"share on linkedin": true, "share via email": true, "share via e-mail": true, "copy link": true,
	"teilen": true, "artikel teilen": true, "beitrag teilen": true, "link kopieren": true,
	"partager": true, "partager cet article": true, "compartir": true, "compartir artículo": true,
	"condividi": true, "delen": true, "udostępnij": true,
	"tweet": true, "email": true, "e-mail": true, "mail": true, "print": true, "drucken": true,
	"imprimer": true, "imprimir": true, "stampa": true,
	"facebook": true, "twitter": true, "x": true, "linkedin": true, "whatsapp": true, "pinterest": true,
	"reddit": true, "telegram": true, "xing": true, "flipboard": true, "threads": true, "bluesky": true,
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
	t = strings.Trim(t, " :.!|·•↑^▲⬆")
	if furnitureLabels[t] {
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
var dateWords = map[string]bool{
	"updated": true, "published": true, "posted": true, "last": true, "modified": true, "on": true,
	"at": true, "am": true, "pm": true, "um": true, "uhr": true, "h": true, "de": true, "del": true,
	"le": true, "à": true, "a": true, "las": true, "of": true, "the": true, "and": true, "und": true,
	"aktualisiert": true, "veröffentlicht": true, "veröffentlichung": true, "erstellt": true,
	"zuletzt": true, "geändert": true, "stand": true, "publié": true, "mis": true, "jour": true,
	"publicado": true, "actualizado": true, "pubblicato": true, "aggiornato": true, "il": true,
	"publicação": true, "atualizado": true, "gepubliceerd": true, "bijgewerkt": true, "op": true,
	"opublikowano": true, "zaktualizowano": true, "dnia": true, "date": true, "datum": true,
	"cet": true, "cest": true, "utc": true, "gmt": true, "est": true, "edt": true, "pst": true, "pdt": true,
	"bst": true, "mez": true, "mesz": true, "ist": true, "et": true,
}

// monthPrefixes are the first three letters of month names (and weekday
// names) in the languages of the lists above.
var monthPrefixes = map[string]bool{
	"jan": true, "feb": true, "mar": true, "apr": true, "may": true, "jun": true, "jul": true,
	"aug": true, "sep": true, "oct": true, "nov": true, "dec": true, "mär": true, "mai": true,
	"okt": true, "dez": true, "fév": true, "fev": true, "avr": true, "jui": true, "aoû": true,
	"aou": true, "déc": true, "ene": true, "abr": true, "ago": true, "dic": true, "gen": true,
	"giu": true, "lug": true, "set": true, "ott": true, "out": true, "dez.": true, "maa": true,
	"mrt": true, "sty": true, "lut": true, "kwi": true, "maj": true, "cze": true, "lip": true,
	"sie": true, "wrz": true, "paź": true, "lis": true, "gru": true,
	"mon": true, "tue": true, "wed": true, "thu": true, "fri": true, "sat": true, "sun": true,
	"mon.": true, "die": true, "mit": true, "don": true, "fre": true, "sam": true, "son": true,
	"lun": true, "mer": true, "jeu": true, "ven": true, "dim": true, "mié": true, "jue": true,
	"vie": true, "sáb": true, "dom": true,
}

// isDateLine reports a line that holds a date (and perhaps a time and a
// label) and nothing else: "Updated: 11.04.2020, 10:27", "17 April 2012 •
// 2:54pm", "opublikowano: 7 kwietnia 2021".
func isDateLine(text string) bool {
	if len(text) > 80 {
		return false
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
		case dateWords[w]:
		case len([]rune(w)) >= 3 && monthPrefixes[string([]rune(w)[:3])]:
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
