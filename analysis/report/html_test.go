package report

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"regexp"
	"strings"
	"testing"

	"desim/analysis/stats"
)

// tinyPNG returns a w×h PNG.
func tinyPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// htmlReport builds a report of synthetic scenarios, with a figure for
// each, and renders it.
func htmlReport(t *testing.T) (*Report, string) {
	t.Helper()
	in := Input{
		Seeds: stats.SeedRange{From: 1, To: 100}, Duration: "60s", Command: "desim reproduce --seeds 100",
		Scenarios: []ScenarioInput{
			input(t, "A2", fast, drifty, drifty), input(t, "A3", fast, fast, drifty), input(t, "A4", fast, steady, unsure),
			input(t, "B2", fast, steady, steady), input(t, "B2-captioned", fast, drifty, drifty),
		},
		ValidationNote: "Skipped.",
	}
	figs := map[string][]byte{}
	for i := range in.Scenarios {
		name := in.Scenarios[i].Scenario.Name
		in.Scenarios[i].Figure = "figures/" + name + ".png"
		in.Scenarios[i].FigureCommand = "desim run " + name + " --seed 1 --plot"
		figs[in.Scenarios[i].Figure] = tinyPNG(t, 120, 45)
	}
	r := Build(in)
	html, err := r.HTML(figs)
	if err != nil {
		t.Fatal(err)
	}
	return r, string(html)
}

var (
	hrefRe  = regexp.MustCompile(`<a href="#([^"]*)"`)
	idRe    = regexp.MustCompile(` id="([^"]*)"`)
	tableRe = regexp.MustCompile(`(?s)<div class="scroll"[^>]*>\s*<table>(.*?)</table></div>`)
	imgRe   = regexp.MustCompile(`<img [^>]*>`)
)

// TestHTMLAccessible checks each rule of the page's accessibility on a
// synthetic report, one subtest per rule.
func TestHTMLAccessible(t *testing.T) {
	r, html := htmlReport(t)
	t.Run("viewport", func(t *testing.T) {
		if !strings.Contains(html, `<meta name="viewport" content="width=device-width, initial-scale=1">`) {
			t.Error("no viewport meta")
		}
	})
	t.Run("language", func(t *testing.T) {
		if !strings.Contains(html, `<html lang="en">`) {
			t.Error("no lang on <html>")
		}
	})
	t.Run("table of contents resolves, ids unique", func(t *testing.T) {
		ids := map[string]int{}
		for _, m := range idRe.FindAllStringSubmatch(html, -1) {
			ids[m[1]]++
		}
		for id, n := range ids {
			if n > 1 {
				t.Errorf("id %q used %d times", id, n)
			}
		}
		toc := html[strings.Index(html, "<nav"):strings.Index(html, "</nav>")]
		links := hrefRe.FindAllStringSubmatch(toc, -1)
		// Five sections, five claims, five scenarios.
		if len(links) != 5+len(r.Claims)+len(r.Scenarios) {
			t.Errorf("%d links in the table of contents, want %d", len(links), 5+len(r.Claims)+len(r.Scenarios))
		}
		for _, l := range links {
			if ids[l[1]] != 1 {
				t.Errorf("table of contents links to #%s, which no element has", l[1])
			}
		}
	})
	t.Run("every section heading has an id", func(t *testing.T) {
		for _, h3 := range regexp.MustCompile(`<h3[ >]`).FindAllStringIndex(html, -1) {
			if !strings.HasPrefix(html[h3[0]:], `<h3 id="`) {
				t.Errorf("a heading without an id: %.60s", html[h3[0]:])
			}
		}
		for _, h2 := range regexp.MustCompile(`<h2>`).FindAllStringIndex(html, -1) {
			if before := html[:h2[0]]; !strings.HasSuffix(before, `<section id="`+sectionID(t, html[h2[0]:])+`">`) && !strings.HasSuffix(before, `<nav id="contents" aria-label="Contents">`) {
				t.Errorf("an <h2> that opens no section with an id: %.60s", html[h2[0]:])
			}
		}
		for _, c := range r.Claims {
			if !strings.Contains(html, fmt.Sprintf(`<h3 id="claim-%s">Claim %s:`, c.ID, c.ID)) {
				t.Errorf("no heading with id claim-%s", c.ID)
			}
		}
		if !strings.Contains(html, `<h3 id="scenario-B2-captioned">B2-captioned</h3>`) {
			t.Errorf("no heading with id scenario-B2-captioned")
		}
	})
	t.Run("tables", func(t *testing.T) {
		tables := tableRe.FindAllStringSubmatch(html, -1)
		if n := strings.Count(html, "<table"); len(tables) != n || n != 1+len(r.Scenarios) {
			t.Fatalf("%d tables in scroll containers of %d, want %d", len(tables), n, 1+len(r.Scenarios))
		}
		for _, m := range tables {
			tb := m[1]
			head, body, ok := strings.Cut(tb, "</thead>")
			if !ok || !strings.Contains(tb, "<caption") || !strings.Contains(head, "<thead>") {
				t.Errorf("table without a caption or a <thead>: %.100s", tb)
				continue
			}
			if strings.Count(head, "<th ") != strings.Count(head, `<th scope="col">`) || strings.Count(head, "<th ") < 5 {
				t.Errorf("header cells without scope=col: %.200s", head)
			}
			rows := strings.Count(body, "<tr>")
			if rows == 0 || strings.Count(body, `<tr><th scope="row">`) != rows {
				t.Errorf("rows without a row header (scope=row): %.200s", body)
			}
		}
		if !strings.Contains(html, `<div class="scroll" style="overflow-x:auto"`) {
			t.Error("no scroll container with overflow-x:auto")
		}
	})
	t.Run("figures", func(t *testing.T) {
		imgs := imgRe.FindAllString(html, -1)
		if len(imgs) != len(r.Scenarios) {
			t.Fatalf("%d images, want %d", len(imgs), len(r.Scenarios))
		}
		for i, img := range imgs {
			s := r.Scenarios[i]
			if !strings.Contains(img, `alt="`+s.Name+`, seed 1: `) || !strings.Contains(img, `width="120" height="45"`) || !strings.Contains(img, `src="data:image/png;base64,`) {
				t.Errorf("image %d: %.300s", i, img)
			}
		}
	})
	t.Run("verdicts in words", func(t *testing.T) {
		for _, c := range r.Claims {
			want := fmt.Sprintf(`<p class="verdict %s">Verdict: %s</p>`, c.Verdict, strings.ToUpper(string(c.Verdict)))
			if !strings.Contains(html, want) {
				t.Errorf("claim %s: no %q", c.ID, want)
			}
		}
		for _, w := range []string{"<td>yes</td>", "<td>no</td>", "<td>undetermined</td>"} {
			if !strings.Contains(html, w) {
				t.Errorf("no drift verdict %s in the tables", w)
			}
		}
	})
}

// sectionID returns the id a section heading's text should have, from
// the table of contents' fixed sections.
func sectionID(t *testing.T, h2 string) string {
	t.Helper()
	for text, id := range map[string]string{
		"Overview": "overview", "The paper's claims": "claims", "The B2/B3 caption discrepancy": "caption",
		"Scenarios": "scenarios", "Real sockets against the simulator": "validation", "Contents": "contents",
	} {
		if strings.HasPrefix(h2, "<h2>"+text+"</h2>") || strings.HasPrefix(h2, "<h2>"+strings.ReplaceAll(text, "'", "&#39;")+"</h2>") {
			return id
		}
	}
	return "?"
}

// TestFigureAlt checks the alt text of each kind of figure.
func TestFigureAlt(t *testing.T) {
	for _, c := range []struct {
		name string
		ms   []machine
		want string
	}{
		{"all steady", []machine{fast, steady},
			"X, seed 1: the logical clock (left) and the message queue length (right) against time of machines 0 (6 c/s) and 1 (2 c/s), die 10. Over the sweep's 100 runs: no machine drifts: every queue stays short and the clocks rise together."},
		{"one drifts", []machine{fast, fast, drifty},
			"X, seed 1: the logical clock (left) and the message queue length (right) against time of machines 0 (6 c/s), 1 (6 c/s) and 2 (1 c/s), die 10. Over the sweep's 100 runs: machine 2 (1 c/s) drifts, its queue growing by 0.200 messages per second and its clock falling behind the fastest by 1.000 ticks per second; machines 0 and 1 are steady."},
		{"two drift", []machine{fast, drifty, drifty},
			"X, seed 1: the logical clock (left) and the message queue length (right) against time of machines 0 (6 c/s), 1 (1 c/s) and 2 (1 c/s), die 10. Over the sweep's 100 runs: machine 1 (1 c/s) drifts, its queue growing by 0.200 messages per second and its clock falling behind the fastest by 1.000 ticks per second; machine 2 (1 c/s) drifts, its queue growing by 0.200 messages per second and its clock falling behind the fastest by 1.000 ticks per second; machine 0 is steady."},
		{"undetermined", []machine{fast, steady, unsure},
			"X, seed 1: the logical clock (left) and the message queue length (right) against time of machines 0 (6 c/s), 1 (2 c/s) and 2 (1 c/s), die 10. Over the sweep's 100 runs: machines 0 and 1 are steady; whether machine 2 drifts is undetermined."},
		{"two undetermined", []machine{unsure, unsure},
			"X, seed 1: the logical clock (left) and the message queue length (right) against time of machines 0 (1 c/s) and 1 (1 c/s), die 10. Over the sweep's 100 runs: whether machines 0 and 1 drift is undetermined."},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Build(Input{Scenarios: []ScenarioInput{input(t, "X", c.ms...)}})
			if got := figureAlt(&r.Scenarios[0]); got != c.want {
				t.Errorf("alt text\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

func TestHTMLMissingFigure(t *testing.T) {
	in := Input{Scenarios: []ScenarioInput{input(t, "A2", fast, drifty)}}
	in.Scenarios[0].Figure = "figures/A2.png"
	if _, err := Build(in).HTML(map[string][]byte{}); err == nil || !strings.Contains(err.Error(), "figures/A2.png") {
		t.Errorf("HTML without the figure's bytes = %v, want an error naming it", err)
	}
}

// TestHTMLIDsUnique: scenarios whose names make the same id, or collide
// with a section's, still get ids of their own.
func TestHTMLIDsUnique(t *testing.T) {
	r := Build(Input{Scenarios: []ScenarioInput{input(t, "a.b", fast, steady), input(t, "a_b", fast, steady), input(t, "a-b", fast, steady), input(t, "a.b", fast, steady)}})
	html, err := r.HTML(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<h3 id="scenario-a-b">a.b</h3>`, `<h3 id="scenario-a_b">a_b</h3>`, `<h3 id="scenario-a-b-2">a-b</h3>`, `<h3 id="scenario-a-b-3">a.b</h3>`} {
		if !strings.Contains(string(html), want) {
			t.Errorf("no %s", want)
		}
	}
}
