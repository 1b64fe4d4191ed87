package extract

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// The tests in this file pin the failure kinds seen on pages nobody tuned
// for (issue 12), each on a small page written for the purpose. The
// comments name a development-set page that showed the failure.

func extractString(t *testing.T, html, pageURL string) *Document {
	t.Helper()
	d, err := FromHTML(context.Background(), []byte(html), pageURL, Options{})
	if err != nil {
		t.Fatalf("FromHTML: %v", err)
	}
	return d
}

func wantIn(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

func wantNotIn(t *testing.T, what, got string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(got, w) {
			t.Errorf("%s contains %q:\n%s", what, w, got)
		}
	}
}

// Kind 1: markup from <noscript> in the text. Tracking pixels (some sites
// escape them: extraction-dev f3383d309da66960), tag-manager iframes,
// lazy-image twins and "enable JavaScript" notices never reach the text,
// and a pixel in <head> does not hide the metadata after it.
func TestNoscriptMarkupNeverReachesText(t *testing.T) {
	d := extractString(t, `<!doctype html><html lang="en"><head><title>Harbour dues rise | Coast Post</title>
<script>fbq('init', '1');</script>
<noscript><img height="1" width="1" style="display:none" src="https://px.test/tr?id=1&amp;ev=PageView"></noscript>
<meta name="description" content="The harbour board raises mooring dues.">
<link rel="canonical" href="https://coast.test/dues">
</head><body>
<noscript>&lt;img height="1" width="1" style="display:none" src="https://px.test/tr?id=2&amp;amp;noscript=1"&gt;</noscript>
<noscript><iframe src="https://tags.test/ns.html" height="0" width="0" style="display:none"></iframe></noscript>
<article><h1>Harbour dues rise for the summer</h1>
<p>The harbour board voted on Tuesday to raise mooring dues by twelve percent from June, the first increase in six years, citing the cost of dredging the inner basin.</p>
<p><noscript><img src="/boats.jpg" alt="Boats in the basin"></noscript>Boat owners at the meeting asked for the increase to be phased in over two seasons, which the board declined to do.</p>
<p>The new rates will be published on the board's notice board and on its website before the end of the month.</p>
<noscript>Please enable JavaScript to view the comments.</noscript>
</article></body></html>`, "https://coast.test/dues")
	wantIn(t, "text", d.Text, "raise mooring dues by twelve percent", "phased in over two seasons", "before the end of the month")
	wantNotIn(t, "text", d.Text, "<", "px.test", "iframe", "enable JavaScript")
	wantNotIn(t, "markdown", d.Markdown, "<img", "px.test", "enable JavaScript")
	if d.Description != "The harbour board raises mooring dues." || d.CanonicalURL != "https://coast.test/dues" {
		t.Errorf("metadata after a head <noscript> lost: description %q canonical %q", d.Description, d.CanonicalURL)
	}
}

// Kind 6, the <noscript> half: forum software serves the whole thread
// inside <noscript> for readers without scripts, next to an empty app
// mount (extraction-modern 0504-0512: Discourse threads came back empty).
// A page whose content sits in a <noscript> that was never closed
// (extraction-dev 7e6be4e7cf7ad521) is read the same way.
func TestContentInsideNoscriptIsExtracted(t *testing.T) {
	thread := `<html><head><title>Mooring lines keep chafing - Harbour Forum</title></head><body>
<div id="app"></div>
<noscript data-path="/t/mooring-lines/17">
<header><a href="/">Harbour Forum</a></header>
<div id="main-outlet" class="wrap" role="main">
<h1><a href="/t/mooring-lines/17">Mooring lines keep chafing</a></h1>
<div id="post_1" class="topic-body crawler-post" itemprop="comment">
 <div class="crawler-post-meta"><span class="creator" itemprop="author"><a href="/u/ann">ann</a></span>
 <time datetime="2025-05-02T08:00:00Z" class="post-time">May 2, 2025</time></div>
 <div class="post" itemprop="text"><p>My bow lines chafe through in a couple of weeks where they cross the fairlead. Is there a better way than wrapping them in old hose?</p></div>
</div>
<div id="post_2" class="topic-body crawler-post" itemprop="comment">
 <div class="crawler-post-meta"><span class="creator" itemprop="author"><a href="/u/bo">bo</a></span>
 <time datetime="2025-05-02T09:10:00Z" class="post-time">May 2, 2025</time></div>
 <div class="post" itemprop="text"><p>Hose works if you tie it so it cannot slide. Leather sewn around the line lasts longer, and a bigger fairlead with rounded edges helps most.</p></div>
</div>
<div id="post_3" class="topic-body crawler-post" itemprop="comment">
 <div class="crawler-post-meta"><span class="creator" itemprop="author"><a href="/u/ann">ann</a></span>
 <time datetime="2025-05-03T18:00:00Z" class="post-time">May 3, 2025</time></div>
 <div class="post" itemprop="text"><p>Thanks, I sewed leather on both lines this weekend and replaced the fairlead; no wear after a windy week so far.</p></div>
</div>
</div>
<footer class="container wrap"><nav class="crawler-nav"><a href="/">Home</a> <a href="/categories">Categories</a></nav>
<p class="powered-by-link">Powered by forum software, best viewed with JavaScript enabled</p></footer>
</noscript>
<script src="/app.js"></script>
</body></html>`
	d := extractString(t, thread, "https://forum.test/t/mooring-lines/17")
	wantIn(t, "text", d.Text, "cross the fairlead", "Leather sewn around the line", "no wear after a windy week")
	wantNotIn(t, "text", d.Text, "Powered by", "Categories")
	// The raw HTML holds the thread, so the gate needs no browser for it.
	p, err := Parse(context.Background(), []byte(thread), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if g := p.Gate(); g.Decision != DecisionRaw {
		t.Errorf("gate = %+v, want raw: the thread is in the served HTML", g)
	}

	d = extractString(t, `<html><head><title>Park news</title></head><body>
<noscript><div id="nojs"></noscript>
<div id="main"><div id="menu"><a href="/">Home</a> <a href="/news">News</a></div>
<div class="news"><h2>Bear sighted near the northern trail</h2>
<p>Rangers confirmed on Monday that a brown bear has been seen twice near the northern trail; walkers are asked to keep dogs on a lead and to report sightings.</p>
<p>The trail stays open, but the picnic area at its end is closed until further notice.</p></div></div>
<noscript></div></noscript></body></html>`, "https://park.test/news")
	wantIn(t, "text", d.Text, "brown bear has been seen twice", "picnic area at its end is closed")
}

// Kind 6 and the never-empty rule: a page whose content is short items
// (product grids, category pages: extraction-modern 0638, 0654; a
// search-result listing, extraction-dev a0ca18baebbe702a) has no prose for
// the first pass to find. The page region is the content, and the
// document says that a fallback produced it.
func TestPageWithoutProseFallsBackToItsRegion(t *testing.T) {
	d := extractString(t, `<html><head><title>Coffee - Roastery</title></head><body>
<header class="site-header"><a href="/">Roastery</a> <a href="/account">Sign in</a></header>
<nav><a href="/coffee">Coffee</a> <a href="/tea">Tea</a> <a href="/gear">Gear</a></nav>
<main id="MainContent">
<h1>Coffee</h1><p>4 products</p>
<ul class="grid">
<li class="card"><a href="/p/1"><h3>Dark Roast</h3></a><span class="price">$19.99</span></li>
<li class="card"><a href="/p/2"><h3>Hazelnut Pods</h3></a><span class="price">$15.99</span></li>
<li class="card"><a href="/p/3"><h3>Decaf Blend</h3></a><span class="price">$17.49</span></li>
<li class="card"><a href="/p/4"><h3>Espresso Beans</h3></a><span class="price">$21.00</span></li>
</ul>
</main>
<footer><a href="/privacy">Privacy</a> © Roastery</footer>
</body></html>`, "https://shop.test/coffee")
	wantIn(t, "text", d.Text, "4 products", "Dark Roast", "$19.99", "Espresso Beans")
	wantNotIn(t, "text", d.Text, "Sign in", "Privacy", "Gear")
	if d.ExtractionMethod != MethodPageRegion {
		t.Errorf("extraction_method = %q, want %q", d.ExtractionMethod, MethodPageRegion)
	}
	if !strings.Contains(strings.Join(d.Quality.Reasons, " "), "fallback:page_region") {
		t.Errorf("quality reasons %v do not name the fallback", d.Quality.Reasons)
	}

	// Text only in an element that calls itself furniture: still text,
	// from the last resort.
	d = extractString(t, `<html><body><div class="sidebar"><p>Opening hours: Monday to Friday, nine to five.</p></div></body></html>`, "")
	wantIn(t, "text", d.Text, "Opening hours: Monday to Friday")
	if d.ExtractionMethod != MethodVisibleText {
		t.Errorf("extraction_method = %q, want %q", d.ExtractionMethod, MethodVisibleText)
	}

	// An article stays with the first pass.
	a := extractFixture(t, "article.html", "https://coast.example/a")
	if a.ExtractionMethod != MethodMainContent {
		t.Errorf("article extraction_method = %q, want %q", a.ExtractionMethod, MethodMainContent)
	}
}

// Kind 2: a comment section kept after an article. Without any class
// saying "comments", the heading that opens the section ("5 Kommentare on
// ...", extraction-dev 0b66c381f104f269; "27 commentaires", d50dc5bf5140978a)
// ends the article, even when the comments are longer than the article.
// A Q&A page, with a comment heading under every post, keeps its answers.
func TestCommentSectionAfterAnArticleIsLeftOut(t *testing.T) {
	d := extractString(t, `<html><head><title>Night sky over the city</title></head><body>
<div class="content"><div class="post">
<h1>Night sky over the city</h1>
<p>The city stands black and silent; only the contrail of a late plane crossed the last light above the roofs, and I had the camera ready for once.</p>
<p>The first shot was handheld at ISO 1250 and is noisy; for the second I rested the camera on the railing and used ISO 80, but by then the contrail was gone.</p>
</div>
<h3>3 Kommentare on “Night sky over the city”</h3>
<ol>
<li><p>Both pictures are lovely! The first has the better quality, the second with the contrail in the sky is unbeatable, and the silhouette of the towers against the orange band is exactly what makes it.</p></li>
<li><p>The bright star should be Venus; with a tripod and a long enough zoom you might even see its phase, which would be a nice project for the next clear evening this month.</p></li>
<li><p>I tried the same from our balcony last winter and never got the exposure right, so thank you for writing down the settings you used for both shots in this post.</p></li>
</ol></div></body></html>`, "https://blog.test/night-sky")
	wantIn(t, "text", d.Text, "late plane crossed the last light", "used ISO 80")
	wantNotIn(t, "text", d.Text, "Kommentare", "Both pictures are lovely", "should be Venus", "balcony last winter")

	qa := extractString(t, `<html><head><title>Why is except: pass bad?</title></head><body><main>
<div class="question"><h1>Why is except: pass bad practice?</h1>
<p>I often see remarks that a bare except with pass is discouraged. Sometimes I do not care what the errors are and just want the code to continue. Why is that bad?</p>
<h4>2 Comments</h4><ul><li>It hides bugs you did not anticipate.</li><li>See the linked question.</li></ul></div>
<div class="answer"><p>Because it swallows every exception, including KeyboardInterrupt and SystemExit, and errors you never expected, so a bug shows up far from its cause or not at all.</p>
<h4>Comments</h4><ul><li>Good answer.</li></ul></div>
<div class="answer"><p>Catch the exceptions you expect and can handle, by name; let the others propagate so that someone sees them and the program does not go on in a broken state.</p>
<h4>Comments</h4><ul><li>Agreed.</li></ul></div>
</main></body></html>`, "https://qa.test/q/1")
	wantIn(t, "Q&A text", qa.Text, "bare except with pass", "swallows every exception", "Catch the exceptions you expect")
}

// Kind 3: the next article kept. Pages with infinite scroll append the
// next story in an <article> with its own <h1> (extraction-dev
// 35ffe4034de1fc0b); others put it under a "Next article" heading
// (extraction-modern 0246).
func TestNextArticleIsLeftOut(t *testing.T) {
	d := extractString(t, `<html><head><title>Finns discover wine</title></head><body><main>
<article><h1>Finns discover wine</h1>
<p>They have mastered using what the harsh northern climate gives them: unable to compete with grape wines, they specialise in fruit and berry wines, and they experiment with frost-hardy hybrids.</p>
<p>Urban wineries bring in grapes from abroad, but the wines that win prizes are made from what the country has plenty of: cloudberries, sea buckthorn, forest berries and aronia.</p>
</article>
<article><h1>Is wine better than a doughnut?</h1><p class="byline">By Anna Nowak, 16 March 2021</p>
<p>A neuro-oenologist explains how our brain sometimes deceives us when we taste, and why the price on the label changes what we think we taste in the glass.</p>
<p>In blind tastings the same wine poured from two bottles is often described in very different words, depending on which bottle the taster believes is the expensive one.</p>
</article></main></body></html>`, "https://wine.test/finns")
	wantIn(t, "text", d.Text, "frost-hardy hybrids", "cloudberries, sea buckthorn")
	wantNotIn(t, "text", d.Text, "doughnut", "neuro-oenologist", "blind tastings")

	d = extractString(t, `<html><head><title>Online tutoring platforms</title></head><body><div class="post">
<h1>The best online tutoring platforms</h1>
<p>Choosing a tutoring platform depends on the subject, the age of the child and the budget; we compared eight of them over a term of weekly lessons in maths and reading.</p>
<p>Our first choice offers small classes with certified teachers at a fair price, and its progress reports were the clearest of all the platforms we tried this year.</p>
<p>For older students preparing for exams, a platform with one-to-one lessons and a large pool of subject specialists is worth the higher price per lesson.</p>
<h4>Next article</h4>
<h2>Roadschooling: tips for travelling homeschoolers</h2>
<p>Roadschooling is an alternative to traditional education with a growing appeal among families; here is how to plan lessons when the classroom moves every week.</p>
</div></body></html>`, "https://edu.test/platforms")
	wantIn(t, "text", d.Text, "depends on the subject", "one-to-one lessons")
	wantNotIn(t, "text", d.Text, "Next article", "Roadschooling")
}

// Kind 4: site furniture inside the article container. A date or
// "Updated:" line before the body (extraction-dev 77ed63c1d80f9684,
// 22478ff2dccaa3b3, 0ba53be8adfc49ee), share and print controls, "Follow
// <Site>" appeals and back-to-top links are left out; dates inside the
// body stay.
func TestSiteFurnitureLinesAreLeftOut(t *testing.T) {
	d := extractString(t, `<html><head><title>How habitat loss breeds epidemics</title></head><body><article>
<h1>How habitat loss breeds epidemics</h1>
<p>When their habitat is destroyed, bats and flying foxes move closer to people, and the step from animal to human becomes more likely.</p>
<p>Updated: 11.04.2020, 10:27</p>
<div><span>Share</span></div><div>Tweet</div><div>Print</div>
<p>Thick smoke hung over Indonesia in the autumn of 1997. Within three months fires destroyed five million hectares of forest, and the smoke drifted as far as the jungles of Malaysia, where flying foxes found hardly any food.</p>
<p>On 17 April 1998 the first cases of a new fever were reported among pig farmers; the virus was later traced back to the bats that had moved to the orchards next to the farms.</p>
<p>Follow Coast Post on X</p>
<p>Back to top</p>
</article></body></html>`, "https://news.test/epidemics")
	wantIn(t, "text", d.Text, "bats and flying foxes", "Thick smoke hung over Indonesia", "On 17 April 1998 the first cases")
	wantNotIn(t, "text", d.Text, "Updated", "10:27", "Share", "Tweet", "Print", "Follow Coast Post", "Back to top")
}

// Kind 5: an article split across sibling containers by an ad, an embed
// or a box of links. Only the first block used to be kept (recall 0.24-0.6
// on such pages; extraction-dev 750d786ed085b227, 0d64c63153be08a2).
func TestArticleSplitAcrossSiblingBlocksIsKeptWhole(t *testing.T) {
	d := extractString(t, `<html><head><title>Berlin tests heat-proof streets</title></head><body>
<div class="layout"><div class="story">
<h1>Berlin tests heat-proof streets</h1>
<div class="story-part">
<p>The German capital has launched a five-year project to find out how streets can be rebuilt to store rain and cool the neighbourhood during heat waves.</p>
<p>Three streets in different districts get permeable paving, planted trenches and trees with larger root spaces, and sensors for soil moisture.</p>
</div>
<div class="ad-slot">Advertisement</div>
<div class="embed"><h3>Read also</h3><ul>
<li><a href="/1">Heat wave: the city opens cooling rooms in libraries and town halls</a></li>
<li><a href="/2">Why the city's trees are dying and what the parks department plans</a></li>
<li><a href="/3">Rain tax: what property owners will pay from next year onwards</a></li>
<li><a href="/4">Interview: the climate adaptation officer on the summer of 2030</a></li>
<li><a href="/5">Map: where the city is hottest at night, district by district</a></li>
<li><a href="/6">Drinking fountains: all locations and opening times this summer</a></li>
</ul></div>
<div class="story-part">
<p>Residents were consulted before the work began; most welcomed the trees, some worried about parking spaces, of which a fifth will disappear.</p>
<p>The first results are expected after two summers, when the sensors have recorded enough hot days to compare the streets with others.</p>
</div>
</div>
<div class="sidebar"><a href="/a">Most read one</a> <a href="/b">Most read two</a></div>
</div></body></html>`, "https://city.test/streets")
	wantIn(t, "text", d.Text, "five-year project", "permeable paving", "Residents were consulted", "after two summers")
	wantNotIn(t, "text", d.Text, "Advertisement", "Read also", "cooling rooms", "Most read")
}

// The second opinion: when Readability's candidate holds more than twice
// the first pass's text, it is taken (extraction_method "readability").
// Here a newsletter archive names the text "newsletter" (a
// furniture word), so the first pass finds only the reader quotes;
// Readability, which tries again without the furniture flags when its
// first choice is short, reads the issue (extraction-modern 0228).
func TestReadabilityIsTheSecondOpinion(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<html><head><title>Issue 94: a weekly fitness protocol</title></head><body><main>
<section class="hero"><article class="issue"><div class="rich-text-newsletter">`)
	for i, day := range []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"} {
		fmt.Fprintf(&b, `<p>Day %d, %s: one aspect of fitness gets the session, from endurance to strength, and the protocol explains how long, how hard and why, with the studies behind each choice and how to adapt it to your week.</p>`, i+1, day)
	}
	b.WriteString(`</div></article></section>
<section class="quotes">
<div class="quote"><p>“There are so many nuggets of wisdom and guidance in this episode and the protocol. Thank you so much!”</p></div>
<div class="quote"><p>“I literally cannot stop watching these episodes, they changed how I plan every single week of training.”</p></div>
<div class="quote"><p>“Clear, practical and backed by science: exactly what I needed to finally start a routine and keep it up.”</p></div>
</section></main></body></html>`)
	d := extractString(t, b.String(), "https://lab.test/newsletter/94")
	wantIn(t, "text", d.Text, "Day 1, Monday", "Day 5, Friday")
	if d.ExtractionMethod != MethodReadability {
		t.Errorf("extraction_method = %q, want %q\n%s", d.ExtractionMethod, MethodReadability, d.Text)
	}
}

// Photo credits without a class: a caption ending in "© Agency", a lone
// "Foto: ..." line, a "(Credit: ...)" paragraph. They name who took a
// picture the text does not show (extraction-dev 29232d44eab38979,
// 9192fc0f8f69a682, c1a124170b91eb63). A sentence about copyright and a
// code block with "image:" stay.
func TestPhotoCreditsAreCut(t *testing.T) {
	d := extractString(t, `<html><head><title>Ski season opens</title></head><body><article>
<h1>Ski season opens on the glacier</h1>
<div><img src="/skier.jpg"><p>The champion on the first run of the season. © AFP / Jane Roe</p></div>
<p>The first lifts on the glacier opened on Saturday, two weeks earlier than last year, after a cold October left enough snow on the upper slopes.</p>
<p>Foto: Max Muster</p>
<p>Operators expect a busy season: hotel bookings in the valley are up by a tenth, and the new gondola doubles the number of skiers per hour.</p>
<p>(Credit: John Doe / Mountain Agency)</p>
<p>The lift company holds the copyright to its trail map, which it now publishes under an open licence so that apps can show the slopes.</p>
<pre>services:
  db:
    image: postgres:18</pre>
<p>Avalanche warnings remain in force above 3,000 metres until the new snow has settled, the regional warning service said on Friday.</p>
<p>Beitragsbild: Titelseite der Bergzeitung, Ausriss.</p>
</article></body></html>`, "https://snow.test/opening")
	wantIn(t, "text", d.Text, "first lifts on the glacier", "new gondola", "holds the copyright", "image: postgres:18", "Avalanche warnings")
	wantNotIn(t, "text", d.Text, "AFP / Jane Roe", "Max Muster", "Mountain Agency", "Bergzeitung")
}

// A rating widget's question about the page itself ("Wie bewerten Sie
// diesen Artikel?", extraction-dev c1f92eb72456901a, 234f692114344946) is
// cut; a question in the text about something else stays.
func TestFeedbackQuestionsAreCut(t *testing.T) {
	d := extractString(t, `<html><head><title>Blog length</title></head><body><article>
<h1>How long should a blog post be?</h1>
<p>Search engines do not count words, but readers notice when a post ends before it has answered the question that brought them to the page.</p>
<h2>How long should a blog post be?</h2>
<p>Long enough to answer the question fully, and no longer: for most how-to topics that is between one and two thousand words, with examples.</p>
<p>Shorter posts work for news and announcements, where the reader wants the facts and a link to the details, not a tutorial.</p>
<div><p>Wie bewerten Sie diesen Artikel?</p><p>Was this article helpful?</p></div>
<p>Editors should check the length against the competing pages before publishing, and cut what repeats what the reader already knows.</p>
</article></body></html>`, "https://blog.test/length")
	wantIn(t, "text", d.Text, "How long should a blog post be?", "Long enough to answer", "Editors should check")
	wantNotIn(t, "text", d.Text, "diesen Artikel", "Was this article helpful")
}

// The author's short closing paragraphs after the last long one stay
// (extraction-dev 4fb4b2021addbbdf, d7eb4b3c731ded47); labels, names and
// link lines there still go.
func TestShortClosingParagraphsStay(t *testing.T) {
	d := extractString(t, `<html><head><title>Wakeboard contest</title></head><body><article>
<h1>Contest on the floating ramp</h1>
<p>On the 19th of August the lake hosts the captains' contest again: a floating mini ramp, twenty riders and a jury that judges style over height.</p>
<p>Registration opens at ten in the morning on the beach, the first heats start at noon and the final is planned for five in the afternoon.</p>
<p>Be there or be square!</p>
<p>Das gefällt mir 😉</p>
<p>Mehr Themen:</p>
<p>Jane Roe</p>
<p><a href="/a">Other contests</a></p>
</article></body></html>`, "https://lake.test/contest")
	wantIn(t, "text", d.Text, "first heats start", "Be there or be square!", "Das gefällt mir 😉")
	wantNotIn(t, "text", d.Text, "Mehr Themen", "Jane Roe", "Other contests")
}

// Text comes out in Unicode normalization form C: a page that writes "ü"
// as "u" plus a combining diaeresis, or Bengali "য়" precomposed
// (extraction-dev 2c48c85acef7cbf0, a275a2b2a9f93e98), gives the same text
// as one that writes them the canonical way.
func TestTextIsNFC(t *testing.T) {
	d := extractString(t, "<html><head><title>Babyschalen</title></head><body><article><h1>Babyschalen im Test</h1>"+
		"<p>Besonders bei Babyschalen sollte gepru\u0308ft werden, ob sie zum Auto passen: nicht jede Schale sitzt in jedem Sitz fest genug, und das Gurtschloss muss erreichbar bleiben.</p>"+
		"<p>\u0995\u09c1\u09b7\u09cd\u099f\u09bf\u09df\u09be in the second paragraph, which is long enough to be prose on its own and ends with a full stop.</p>"+
		"</article></body></html>", "https://baby.test/schalen")
	wantIn(t, "text", d.Text, "sollte geprüft werden", "\u0995\u09c1\u09b7\u09cd\u099f\u09bf\u09af\u09bc\u09be")
	wantIn(t, "markdown", d.Markdown, "sollte geprüft werden")
}

// A date line before the body that reads like a sentence ("Veröffentlichung:
// 2. Februar 2022", extraction-dev 028622dd071cfb92; "Publikacja:
// 04.05.2021", d664a9dd4988e67e; "asked Feb 6, 2014 at 20:37",
// c9ba9616d67464d5) is cut like any other date line; a date in the body stays.
func TestPunctuatedDateLinesBeforeTheBodyAreCut(t *testing.T) {
	d := extractString(t, `<html><head><title>Vorverkauf</title></head><body><article>
<h1>Kleiner Vorverkauf für Liga-Heimspiele gestartet</h1>
<p>Veröffentlichung: 2. Februar 2022</p>
<p>Publikacja: 04.05.2021</p>
<p>Der Verein hat den Vorverkauf für die nächsten drei Heimspiele gestartet, zunächst für Dauerkarteninhaber und Mitglieder, ab Montag für alle. Karten gibt es online und an der Geschäftsstelle, die dafür ihre Öffnungszeiten verlängert; ermäßigte Karten nur dort.</p>
<p>Am 2. Februar 2022.</p>
<p>Wegen der geltenden Regeln dürfen höchstens zweitausend Zuschauer in die Halle, die Plätze werden mit Abstand vergeben.</p>
</article></body></html>`, "https://verein.test/vorverkauf")
	wantIn(t, "text", d.Text, "Vorverkauf für die nächsten", "Am 2. Februar 2022.", "zweitausend Zuschauer")
	wantNotIn(t, "text", d.Text, "Veröffentlichung:", "Publikacja")
}

// A breadcrumb line before the body whose links are a small part of it
// (the unlinked title at the end is long: extraction-dev 096ca4147db2bdee)
// is cut; a product line with pipes and an arrow in the body stay.
func TestBreadcrumbLinesBeforeTheBodyAreCut(t *testing.T) {
	d := extractString(t, `<html><head><title>Jahrestagung</title></head><body><article>
<div>&gt; <a href="/blog">Blog</a> &gt; <a href="/blog/laender">Aus den Ländern</a> &gt; Digitalpolitische Jahrestagung 2015 der Stiftung in Stuttgart</div>
<p>Three sizes of fire pits | Ranger 15" | Bonfire 19.5" | Yukon 27"</p>
<p>Die Jahrestagung brachte Fachleute aus Verwaltung, Wirtschaft und Zivilgesellschaft zusammen, um über die digitale Agenda des Landes zu sprechen. Im Mittelpunkt standen offene Daten, Breitband und die Frage, wer die Infrastruktur bezahlt.</p>
<p>Am Nachmittag ging es in Arbeitsgruppen weiter: Schule → Hochschule → Beruf war das Motto der Gruppe Bildung, die Ergebnisse werden im Frühjahr veröffentlicht.</p>
</article></body></html>`, "https://gruen.test/tagung")
	wantIn(t, "text", d.Text, "Three sizes of fire pits | Ranger", "Die Jahrestagung brachte", "Schule → Hochschule → Beruf")
	wantNotIn(t, "text", d.Text, "Aus den Ländern")
}

// The heading of a furniture box in the middle of a container ("Zum
// Weiterlesen", "Mehr zu Klima und Konsum": extraction-dev
// e83cc2476f2a90d7, dfdfe1e39ffecffa, f56276666e96247b) is cut even where
// it does not end the article; a sentence or a label with its value that
// starts the same way stays.
func TestFurnitureBoxHeadingsAreCut(t *testing.T) {
	d := extractString(t, `<html><head><title>Klima und Konsum</title></head><body><article>
<h1>Weniger kaufen, besser leben</h1>
<p>Wer weniger kauft, spart nicht nur Geld: Jede Jacke, die nicht produziert wird, spart Wasser, Energie und Transportwege, und das summiert sich über ein Jahr zu einer beachtlichen Menge an Emissionen.</p>
<h3>Mehr zu Klima und Konsum</h3>
<ul><li><a href="/a">Fast Fashion und das Klima</a></li><li><a href="/b">Reparieren statt wegwerfen</a></li></ul>
<p>Read more about how repair cafés work and where to find one near you.</p>
<p>Recommended: a repair kit with needles, thread and patches</p>
<h3>Zum Weiterlesen:</h3>
<p>Die Initiative hat eine Liste mit Reparaturcafés veröffentlicht, die jede Woche aktualisiert wird und inzwischen mehr als dreihundert Adressen in allen Bundesländern enthält, von Flensburg bis Passau.</p>
</article></body></html>`, "https://klima.test/konsum")
	wantIn(t, "text", d.Text, "Wer weniger kauft", "Read more about how repair", "Recommended: a repair kit", "Liste mit Reparaturcafés")
	wantNotIn(t, "text", d.Text, "Mehr zu Klima", "Zum Weiterlesen")
}

// An advertising disclosure above the article ("Anzeige, enthält Affiliate
// Links", extraction-dev cfa8f1cf5fce4906; "*Werbung. Dieser Beitrag
// enthält Werbung für ...", ea5d6dd429a98679) is cut; "Bild anzeigen" and
// the word in the body stay.
func TestAdDisclosuresBeforeTheBodyAreCut(t *testing.T) {
	d := extractString(t, `<html><head><title>Bademode</title></head><body><article>
<h1>Faire Bademode im Test</h1>
<p>Anzeige, enthält Affiliate Links</p>
<p>*Werbung. Dieser Beitrag enthält Werbung für ein Label.</p>
<p>Bild anzeigen</p>
<p>Faire Bademode ist in den letzten Jahren vielfältiger geworden: Viele Labels nähen aus recycelten Fischernetzen, drucken mit wasserbasierten Farben und zahlen den Näherinnen existenzsichernde Löhne, was sich im Preis bemerkbar macht.</p>
<p>Die Werbung der großen Marken verspricht dasselbe, doch nur wenige legen ihre Lieferketten offen.</p>
</article></body></html>`, "https://bade.test/fair")
	wantIn(t, "text", d.Text, "Bild anzeigen", "Faire Bademode ist", "Die Werbung der großen Marken")
	wantNotIn(t, "text", d.Text, "Affiliate Links", "enthält Werbung")
}

// A labelled publication date inside the body ("Aktualisiert am
// 17.01.2021.", extraction-dev a77761f003dd0310; "Pubblicato il 19
// Febbraio 2020 Ultima modifica ...", fddbd334b9cb331a) is page metadata
// and is cut; a listing whose every item carries "Updated <date>" keeps
// them (extraction-modern 2934), and an unlabelled date in the body stays.
func TestPublicationDatesInTheBodyAreCut(t *testing.T) {
	long := "Die Gemeinde hat beschlossen, den Spielplatz am Bach zu erneuern: neue Geräte, ein Sonnensegel und eine Wasserpumpe, die im Sommer von den Kindern selbst bedient werden kann, sollen bis zum Herbst fertig sein. Die Kosten trägt zur Hälfte das Land."
	d := extractString(t, `<html><head><title>Spielplatz</title></head><body><article><h1>Neuer Spielplatz am Bach</h1>
<p>`+long+`</p><p>Am 3. Mai 2021.</p><p>`+long+`</p><p>Aktualisiert am 17.01.2021.</p></article></body></html>`, "https://gemeinde.test/spielplatz")
	wantIn(t, "text", d.Text, "Am 3. Mai 2021.")
	wantNotIn(t, "text", d.Text, "Aktualisiert am")

	var b strings.Builder
	b.WriteString(`<html><head><title>Tools</title></head><body><main><h1>Best note apps</h1>`)
	for i, day := range []string{"March 2, 2026", "February 27, 2026", "March 5, 2026"} {
		fmt.Fprintf(&b, `<div><h2>App number %d</h2><p>Updated %s</p><p>%s</p></div>`, i+1, day, long)
	}
	b.WriteString(`</main></body></html>`)
	d = extractString(t, b.String(), "https://tools.test/notes")
	// (The first item's date comes before the body proper, where every
	// date line goes.)
	wantIn(t, "text", d.Text, "Updated February 27, 2026", "Updated March 5, 2026")
}

// A blog post's metadata line inside the container ("This entry was posted
// in News. Bookmark the permalink.", extraction-dev 6c1c51d6bbee7177;
// "Erstellt am ... und abgelegt unter Linux", 1332e04683b9b252;
// "Veröffentlicht in Body & Fitness", 100dec7c6932f772) is cut; a sentence
// that mentions posting stays.
func TestPostMetadataLinesAreCut(t *testing.T) {
	d := extractString(t, `<html><head><title>Rsync</title></head><body><article>
<h1>Backups with rsync over ssh</h1>
<p>Veröffentlicht in <a href="/c/linux">Linux</a></p>
<p>Rsync copies only what changed, which makes nightly backups of a home directory fast even over a slow line; over ssh the copy is encrypted and needs no daemon on the server, only a key that is allowed to run rsync and nothing else.</p>
<p>The video of the talk was posted in 2019 and still shows the setup step by step.</p>
<p>Erstellt am Dienstag 6. Mai 2014 um 23:30 und abgelegt unter <a href="/c/linux">Linux</a>, <a href="/c/tut">Tutorials</a>. Kommentare zu diesem Eintrag im <a href="/feed">RSS 2.0 Feed</a>.</p>
<p>This entry was posted in <a href="/c/news">News</a>. Bookmark the <a href="/p/1">permalink</a>.</p>
<pre>tags: [backup, ssh]</pre>
</article></body></html>`, "https://blog.test/rsync")
	wantIn(t, "text", d.Text, "Rsync copies only what changed", "was posted in 2019", "tags: [backup, ssh]")
	wantNotIn(t, "text", d.Text, "Veröffentlicht in", "abgelegt unter", "permalink")
}

// Paywall and membership offers between paragraphs ("Instant access to the
// full article PDF.", extraction-dev 25b80b3fa597994e; "... und erhalten
// Sie exklusive Angebote!", 181ce2789ea83edb) are calls to action; a
// how-to step that tells the reader to log in is not.
func TestPaywallOffersAreCut(t *testing.T) {
	long := "The certificate program has four required courses and two electives; most students finish it in a year while working, and every course can be taken online or in the evening on campus, with the same instructors and the same exams. "
	d := extractString(t, `<html><head><title>Certificate</title></head><body><article><h1>How to enrol</h1>
<p>`+long+`</p>
<p>Instant access to the full article PDF.</p>
<p>Pay the fee: log in to the student portal, go to My Applications and select Pay.</p>
<p>Hazte miembro y disfruta de beneficios exclusivos.</p>
<p>`+long+`</p></article></body></html>`, "https://school.test/enrol")
	wantIn(t, "text", d.Text, "four required courses", "log in to the student portal")
	wantNotIn(t, "text", d.Text, "Instant access", "Hazte miembro")
}

// Control labels inside the container ("Quellen ausblenden", "Externer
// Inhalt", "Zum Shop", "(Noch keine Bewertungen)": extraction-dev
// 4bfd0a2a4dcf4ab3, e30aaf64b9c13208, 6e94a849dc7db4a7, d1c42d250ed2af89)
// are cut as whole lines; a sentence with the same words stays.
func TestControlLabelsAreCut(t *testing.T) {
	d := extractString(t, `<html><head><title>Studie</title></head><body><article><h1>Neue Studie zu Mooren</h1>
<p>Moore speichern doppelt so viel Kohlenstoff wie alle Wälder der Erde zusammen, obwohl sie nur drei Prozent der Landfläche bedecken; trockengelegt geben sie ihn als Kohlendioxid wieder ab.</p>
<p>Externer Inhalt</p>
<p>Zum Shop</p>
<p>(Noch keine Bewertungen)</p>
<p>Die Forscher wollen die Quellen ausblenden, die nur geschätzte Werte liefern, und nur Messreihen auswerten.</p>
<p>Quellen ausblenden</p>
<p>Wiedervernässte Moore nehmen nach einigen Jahren wieder Kohlenstoff auf, zeigen die Messungen an zwölf Standorten in Norddeutschland.</p>
</article></body></html>`, "https://moor.test/studie")
	wantIn(t, "text", d.Text, "Moore speichern", "Die Forscher wollen die Quellen ausblenden", "Wiedervernässte Moore")
	wantNotIn(t, "text", d.Text, "Externer Inhalt", "Zum Shop", "Noch keine Bewertungen", "Quellen ausblenden\n")
}

// A teaser excerpt that ends with its "Weiterlesen" link (extraction-dev
// 53853154f5424c14) is cut; a sentence that ends with "read more" as
// words and no link stays.
func TestReadMoreExcerptsAreCut(t *testing.T) {
	long := "The island's harbour was rebuilt after the storm with money from the regional fund, and the ferry now docks at all tides, which has brought back the day visitors that the cafés and the museum depend on in summer. "
	d := extractString(t, `<html><head><title>Harbour</title></head><body><article><h1>The harbour reopens</h1>
<p>`+long+`</p>
<p>Summer is holiday time, and the model is enjoying the Greek island with her friends. See for yourself! <a href="/other">Weiterlesen</a></p>
<p>`+long+`Visitors who want to read more can borrow the harbour master's chronicle at the museum.</p>
</article></body></html>`, "https://island.test/harbour")
	wantIn(t, "text", d.Text, "rebuilt after the storm", "want to read more can borrow")
	wantNotIn(t, "text", d.Text, "Summer is holiday time", "Weiterlesen")
}
