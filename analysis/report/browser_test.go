package report_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"desim/analysis/report"
	"desim/experiment"
)

// raceDetector is set in builds with the race detector (race_test.go).
var raceDetector bool

// browser returns the path of a Chromium or Chrome, "" when there is none.
func browser() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// pageCheck is what the page says of itself in the browser.
type pageCheck struct {
	InnerWidth      int      `json:"innerWidth"`
	BodyScrollWidth int      `json:"bodyScrollWidth"`
	DocScrollWidth  int      `json:"docScrollWidth"`
	Images          int      `json:"images"`
	Undecoded       []string `json:"undecoded"`
	TOCLinks        int      `json:"tocLinks"`
	Unresolved      []string `json:"unresolved"`
	Overflowing     []string `json:"overflowing"`
}

// checkJS measures the page: every image decoded, every link of the table
// of contents resolved, and how wide the page is against the window (with
// the elements that stick out of it, outside the scroll containers, to
// tell what to fix).
const checkJS = `(async () => {
	const imgs = [...document.images];
	const decoded = await Promise.all(imgs.map(i => i.decode().then(() => i.naturalWidth > 0, () => false)));
	const links = [...document.querySelectorAll('nav a[href^="#"]')];
	const w = window.innerWidth;
	return {
		innerWidth: w,
		bodyScrollWidth: document.body.scrollWidth,
		docScrollWidth: document.documentElement.scrollWidth,
		images: imgs.length,
		undecoded: imgs.filter((_, k) => !decoded[k]).map(i => i.alt.slice(0, 40)),
		tocLinks: links.length,
		unresolved: links.filter(a => !document.getElementById(decodeURIComponent(a.hash.slice(1)))).map(a => a.getAttribute('href')),
		overflowing: [...document.body.querySelectorAll('*')]
			.filter(e => !e.closest('.scroll') && e.getBoundingClientRect().right > w + 0.5)
			.slice(0, 10).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' + Math.round(e.getBoundingClientRect().right)),
	};
})()`

// TestReportInBrowser opens a freshly made REPORT.html in headless
// Chromium at a desktop and a phone width, and checks that the page loads
// without console errors, decodes every figure, never needs sideways
// scrolling (wide tables scroll in their own container) and that every
// entry of its table of contents leads somewhere. Screenshots are saved in
// the test's temporary directory, and copied to $DESIM_REPORT_SCREENSHOTS
// when it is set.
func TestReportInBrowser(t *testing.T) {
	if raceDetector {
		t.Skip("skipped under the race detector, which slows the report's figures twentyfold; runs without -race")
	}
	exe := browser()
	if exe == "" {
		t.Skip("no chromium, chromium-browser or google-chrome on PATH (.ci/run installs Debian's chromium)")
	}
	start := time.Now() // timing-ok: logged, never asserted

	// A quick reproduce: every built-in, 2 seeds of 30 s, the grids' cells
	// 2 seeds of 5 s, no real sockets, and two of the original's runs
	// (their figures side by side) against 20 simulated seeds.
	dir := t.TempDir()
	original := filepath.Join("..", "calibrate", "testdata", "original")
	r, err := experiment.Reproduce(context.Background(), experiment.ReproduceOptions{
		Dir: dir, Seeds: 2, Duration: 30 * time.Second, NoReal: true, Workers: 1,
		GridSeeds: 2, GridDuration: 5 * time.Second,
		Logs: []string{filepath.Join(original, "A1"), filepath.Join(original, "C1")}, LogSeeds: 20,
		Command: "desim reproduce --seeds 2 --duration 30s --grid-seeds 2 --grid-duration 5s --no-real --logs ../calibrate/testdata/original/A1,../calibrate/testdata/original/C1 --log-seeds 20",
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "REPORT.html")
	written, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	figs := map[string][]byte{}
	for _, s := range r.Scenarios {
		if figs[s.Figure], err = os.ReadFile(filepath.Join(dir, filepath.FromSlash(s.Figure))); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range r.Grids {
		if figs[g.Figure], err = os.ReadFile(filepath.Join(dir, filepath.FromSlash(g.Figure))); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range r.Logs {
		for _, f := range []string{l.Figure, l.DesimFigure} {
			if figs[f], err = os.ReadFile(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
				t.Fatal(err)
			}
		}
	}
	again, err := r.HTML(figs)
	if err != nil || !bytes.Equal(again, written) {
		t.Fatalf("REPORT.html is not the rendering of its report and figures (err %v)", err)
	}
	// Add a validation section, with a line longer than a phone's width,
	// as the real-socket validation writes.
	r.Validation = []report.ValidationTable{{
		Scenario: "A3", Command: "desim validate A3 --duration 60s --speed 20 --seeds 200 --real-runs 1", Passed: true,
		Text: "simulated seeds 1..200; real runs' seeds 1..1\n\nmachine metric        real   sim mean   sim sd   z      within\n" + strings.Repeat("-", 160) + "\n",
	}}
	html, err := r.HTML(figs)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, html, 0o644); err != nil {
		t.Fatal(err)
	}
	made := time.Since(start) // timing-ok

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		t.Fatalf("starting %s: %v", exe, err)
	}

	// Every console message of the page, from now on.
	var mu sync.Mutex
	var console []string
	cctx, stopConsole := context.WithCancel(bctx)
	messages := chromedp.Console(cctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				console = append(console, m.String())
				mu.Unlock()
			}
		}
	}()

	shots := t.TempDir()
	for _, vp := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{
		{"desktop", 1280, 900, false},
		{"phone", 390, 844, true},
	} {
		t.Run(vp.name, func(t *testing.T) {
			emulate := []chromedp.EmulateViewportOption{}
			if vp.mobile {
				emulate = append(emulate, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
			}
			if err := chromedp.Do(bctx, chromedp.EmulateViewport(vp.width, vp.height, emulate...), chromedp.Navigate("file://"+path)); err != nil {
				t.Fatal(err)
			}
			got, err := chromedp.Run(bctx, chromedp.Evaluate[pageCheck](checkJS, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: window %d px, body %d px, document %d px; %d images, %d contents links", vp.name, got.InnerWidth, got.BodyScrollWidth, got.DocScrollWidth, got.Images, got.TOCLinks)
			// With the viewport meta, a phone lays the page out at its own
			// width, not at a desktop's.
			if got.InnerWidth != int(vp.width) {
				t.Errorf("window.innerWidth = %d, want %d", got.InnerWidth, vp.width)
			}
			if got.BodyScrollWidth > got.InnerWidth || got.DocScrollWidth > got.InnerWidth {
				t.Errorf("the page scrolls sideways: body %d px, document %d px wide in a window of %d; sticking out: %q", got.BodyScrollWidth, got.DocScrollWidth, got.InnerWidth, got.Overflowing)
			}
			if want := len(r.Scenarios) + len(r.Grids) + 2*len(r.Logs); got.Images != want || len(got.Undecoded) > 0 {
				t.Errorf("%d images (want %d), not decoded: %q", got.Images, want, got.Undecoded)
			}
			// Five sections, the phase diagrams' and the recorded runs',
			// each claim, scenario, grid, validation and recorded run.
			if want := 7 + len(r.Claims) + len(r.Scenarios) + len(r.Grids) + len(r.Validation) + len(r.Logs); got.TOCLinks != want || len(got.Unresolved) > 0 {
				t.Errorf("%d links in the table of contents (want %d); leading nowhere: %q", got.TOCLinks, want, got.Unresolved)
			}
			png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			shot := filepath.Join(shots, fmt.Sprintf("REPORT-%s-%d.png", vp.name, vp.width))
			if err := os.WriteFile(shot, png, 0o644); err != nil {
				t.Fatal(err)
			}
			if keep := os.Getenv("DESIM_REPORT_SCREENSHOTS"); keep != "" {
				if err := os.WriteFile(filepath.Join(keep, filepath.Base(shot)), png, 0o644); err != nil {
					t.Error(err)
				}
			}
			t.Logf("screenshot %s (%d bytes)", shot, len(png))
		})
	}
	stopConsole()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(console) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(console, "\n"))
	}
	t.Logf("%s; report made in %s, whole test %s", exe, made.Round(time.Millisecond), time.Since(start).Round(time.Millisecond)) // timing-ok
}
