package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"runtime"
	"strings"

	"golang.org/x/net/html"

	"github.com/riptidecrawler/riptide/shared/spider"
)

// htmlParse is the "+parse" stand-in for extraction: one full HTML parse
// into a tree, then one walk collecting the visible text (skipping script
// and style), the title and the links (as an extractor returns them from
// the same parse). It is the least any extractor pays; the real one does
// more (readability scoring, markdown, metadata).
func htmlParse(_ context.Context, pageURL string, body []byte) (json.RawMessage, []spider.Link, error) {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	base, err := url.Parse(pageURL)
	if err != nil {
		return nil, nil, err
	}
	var text strings.Builder
	var title string
	links := []spider.Link{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "style", "noscript":
				return
			case "title":
				if n.FirstChild != nil {
					title = n.FirstChild.Data
				}
			case "a":
				var href, rel string
				for _, a := range n.Attr {
					switch a.Key {
					case "href":
						href = strings.TrimSpace(a.Val)
					case "rel":
						rel = strings.ToLower(a.Val)
					}
				}
				if u, err := base.Parse(href); err == nil && href != "" && !strings.HasPrefix(href, "#") && (u.Scheme == "http" || u.Scheme == "https") {
					links = append(links, spider.Link{URL: u.String(), Text: nodeText(n), NoFollow: strings.Contains(rel, "nofollow")})
				}
			}
		}
		if n.Type == html.TextNode {
			if s := strings.TrimSpace(n.Data); s != "" {
				text.WriteString(s)
				text.WriteByte(' ')
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	words := countWords(text.String())
	out, err := json.Marshal(map[string]any{"url": pageURL, "title": title, "word_count": words, "text_bytes": text.Len()})
	return out, links, err
}

func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// countWords counts runs of non-space bytes (ASCII whitespace), without
// allocating the words.
func countWords(s string) int {
	n, in := 0, false
	for i := 0; i < len(s); i++ {
		space := s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r'
		if !space && !in {
			n++
		}
		in = !space
	}
	return n
}

func numCPU() int { return runtime.NumCPU() }
