package spacetime_test

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	imagedraw "image/draw"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"desim/analysis/spacetime"
	"desim/analysis/trace"
	_ "desim/internal/golden" // registers -update for "go test ./... -update"
	"desim/scenarios"
	"desim/sim"
)

var keep = flag.String("keep", "", "write the test diagrams into this directory, to look at them")

// tracedRun writes a traced run of cfg into a fresh directory.
func tracedRun(tb testing.TB, cfg sim.Config) trace.Files {
	tb.Helper()
	dir := tb.TempDir()
	n := len(cfg.Machines)
	files := trace.Files{Messages: filepath.Join(dir, "messages.csv")}
	logs := make([]io.Writer, n)
	bufs := make([]*bytes.Buffer, n)
	for i := range logs {
		bufs[i] = new(bytes.Buffer)
		logs[i] = bufs[i]
		files.Logs = append(files.Logs, filepath.Join(dir, "machine-"+strconv.Itoa(i)+".csv"))
	}
	e, err := sim.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	var msgs bytes.Buffer
	lw, mw := sim.NewLogWriter(logs), sim.NewMessageWriter(&msgs)
	if err := e.RunTraced(lw, mw); err != nil {
		tb.Fatal(err)
	}
	lw.Flush()
	mw.Flush()
	for i, b := range bufs {
		os.WriteFile(files.Logs[i], b.Bytes(), 0o644)
	}
	os.WriteFile(files.Messages, msgs.Bytes(), 0o644)
	return files
}

func builtin(tb testing.TB, name string, d time.Duration) (sim.Config, []string) {
	tb.Helper()
	s, err := scenarios.Builtin(name)
	if err != nil {
		tb.Fatal(err)
	}
	s.Duration = d
	var labels []string
	for i, m := range s.Machines {
		labels = append(labels, fmt.Sprintf("machine %d (%s c/s)", i, m.Rate))
	}
	return s.Config(1), labels
}

func build(tb testing.TB, files trace.Files, opt spacetime.Options) *spacetime.Diagram {
	tb.Helper()
	d, err := spacetime.Build(files, opt)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func render(tb testing.TB, d *spacetime.Diagram, format string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := spacetime.Write(&buf, d, format); err != nil {
		tb.Fatal(err)
	}
	if *keep != "" {
		os.WriteFile(filepath.Join(*keep, strings.ReplaceAll(tb.Name(), "/", "-")+"."+format), buf.Bytes(), 0o644)
	}
	return buf.Bytes()
}

// colorCounts counts the pixels of img in r of exactly each colour of cs.
func colorCounts(img image.Image, r image.Rectangle, cs []color.RGBA) []int {
	rgba := image.NewRGBA(img.Bounds())
	imagedraw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, imagedraw.Src)
	n := make([]int, len(cs))
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			px := rgba.RGBAAt(x, y)
			for i, c := range cs {
				if px == c {
					n[i]++
				}
			}
		}
	}
	return n
}

// The diagram of A3's first seconds: the size the layout gives, and dots
// of every kind's colour below the header, in the rows' area.
func TestDiagramPNG(t *testing.T) {
	cfg, labels := builtin(t, "A3", 20*time.Second)
	files := tracedRun(t, cfg)
	d := build(t, files, spacetime.Options{Labels: labels, Title: "A3, seed 1", Duration: cfg.Duration})
	img, err := png.Decode(bytes.NewReader(render(t, d, "png")))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	wantW := int(spacetime.Width.Dots(spacetime.DPI) + 0.5)
	wantH := int(spacetime.Height(3).Dots(spacetime.DPI) + 0.5)
	if b.Dx() != wantW || b.Dy() != wantH || wantW != 1200 {
		t.Fatalf("size %dx%d, want %dx%d", b.Dx(), b.Dy(), wantW, wantH)
	}
	body := image.Rect(0, b.Dy()/4, b.Dx(), b.Dy())
	counts := colorCounts(img, body, spacetime.KindColors[:])
	kinds := map[spacetime.Kind]int{}
	for _, r := range d.Rows {
		for _, tk := range r.Ticks {
			kinds[spacetime.KindOf(tk.Event)]++
		}
	}
	for k, n := range counts {
		if kinds[spacetime.Kind(k)] > 0 && n < 10*kinds[spacetime.Kind(k)] {
			t.Errorf("kind %d: %d ticks but %d pixels of its colour", k, kinds[spacetime.Kind(k)], n)
		}
	}
	for k := range 4 {
		if kinds[spacetime.Kind(k)] == 0 {
			t.Errorf("A3's first 10 s have no tick of kind %d: pick another window for the test", k)
		}
	}
	// The legend shows every kind's colour too, above the rows.
	head := colorCounts(img, image.Rect(0, 0, b.Dx(), b.Dy()/5), spacetime.KindColors[:])
	for k, n := range head {
		if n == 0 {
			t.Errorf("legend: no pixel of kind %d's colour", k)
		}
	}
}

// Every format renders, deterministically.
func TestDiagramFormats(t *testing.T) {
	cfg, labels := builtin(t, "B2", 12*time.Second)
	files := tracedRun(t, cfg)
	d := build(t, files, spacetime.Options{Labels: labels, Title: "B2, seed 1"})
	for _, f := range spacetime.Formats {
		a, b := render(t, d, f), render(t, d, f)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renderings differ", f)
		}
		prefix := map[string]string{"png": "\x89PNG", "svg": "<?xml", "pdf": "%PDF"}[f]
		if !bytes.HasPrefix(a, []byte(prefix)) || len(a) < 2000 {
			t.Errorf("%s: %d bytes starting %q", f, len(a), a[:min(len(a), 8)])
		}
	}
	if err := spacetime.Write(io.Discard, d, "gif"); err == nil {
		t.Error("gif: no error")
	}
	for path, want := range map[string]string{"a.PNG": "png", "x/y.svg": "svg", "d.pdf": "pdf", "e.gif": "", "noext": ""} {
		got, err := spacetime.Format(path)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("Format(%q) = %q, %v", path, got, err)
		}
	}
}

// The default window is the first 10 s, cut short after MaxTicks ticks
// when dense; --to keeps the window asked for; --machines draws those
// rows only, with the messages between them; messages start and end on
// ticks of their rows when those are in the window.
func TestBuildWindow(t *testing.T) {
	cfg, labels := builtin(t, "A2", 60*time.Second)
	files := tracedRun(t, cfg)
	d := build(t, files, spacetime.Options{Labels: labels})
	if d.From != 0 || d.To != 10e9 || len(d.Rows) != 3 || d.Rows[1].Label != "machine 1 (1 c/s)" {
		t.Fatalf("window %d-%d, rows %+v", d.From, d.To, d.Rows)
	}
	ticks := map[[2]int64]bool{}
	for r, row := range d.Rows {
		for _, tk := range row.Ticks {
			if tk.At < d.From || tk.At >= d.To {
				t.Fatalf("tick at %d outside the window", tk.At)
			}
			ticks[[2]int64{int64(r), tk.At}] = true
		}
	}
	if len(d.Messages) == 0 {
		t.Fatal("no messages")
	}
	for _, m := range d.Messages {
		if m.Sent >= d.From && m.Sent < d.To && !ticks[[2]int64{int64(m.From), m.Sent}] {
			t.Errorf("message %+v starts on no tick", m)
		}
		if m.State == sim.MessageReceived && m.Received < d.To && !ticks[[2]int64{int64(m.To), m.Received}] {
			t.Errorf("message %+v ends on no tick", m)
		}
		if m.Sent >= d.To || m.State == sim.MessageReceived && m.Received < d.From {
			t.Errorf("message %+v misses the window", m)
		}
	}

	// A dense run: 12 machines at 10 c/s would put 1200 ticks in 10 s.
	dense := sim.Config{Seed: 1, Duration: 30e9, Die: 14, Latency: 1e5}
	for range 12 {
		dense.Machines = append(dense.Machines, sim.MachineConfig{Rate: sim.MustRate("10")})
	}
	dd := build(t, tracedRun(t, dense), spacetime.Options{})
	n := 0
	for _, r := range dd.Rows {
		n += len(r.Ticks)
	}
	if dd.To >= 10e9 || n < spacetime.MaxTicks || n > spacetime.MaxTicks+12 {
		t.Errorf("dense: window to %d ns with %d ticks", dd.To, n)
	}
	render(t, dd, "png")
	dd = build(t, tracedRun(t, dense), spacetime.Options{From: 5e9, To: 7e9, ToSet: true, Machines: []int{3, 0}})
	if dd.From != 5e9 || dd.To != 7e9 || len(dd.Rows) != 2 || dd.Rows[0].Machine != 3 || len(dd.Rows[0].Ticks) != 20 {
		t.Errorf("subset: %d-%d rows %+v", dd.From, dd.To, dd.Rows)
	}
	for _, m := range dd.Messages {
		if m.From > 1 || m.To > 1 {
			t.Errorf("message %+v to or from an undrawn machine", m)
		}
	}
	render(t, dd, "png")

	for _, opt := range []spacetime.Options{
		{Machines: []int{0, 3}}, {Machines: []int{1, 1}}, {From: 5e9, To: 5e9, ToSet: true}, {From: 60e9, Duration: 60e9},
	} {
		if _, err := spacetime.Build(files, opt); err == nil {
			t.Errorf("%+v: no error", opt)
		}
	}
}

// A late window of a run with long queues: the messages waiting through
// the whole window are found, and those still queued at the end drawn.
func TestBuildLateWindow(t *testing.T) {
	cfg, labels := builtin(t, "A2", 120*time.Second)
	files := tracedRun(t, cfg)
	d := build(t, files, spacetime.Options{From: 110e9, Labels: labels, Duration: cfg.Duration})
	var through, left int
	for _, m := range d.Messages {
		if m.Sent < d.From && (m.State != sim.MessageReceived || m.Received >= d.To) {
			through++
		}
		if m.State == sim.MessageQueued {
			left++
		}
	}
	if d.To != 120e9 || through == 0 || left == 0 {
		t.Errorf("window %d-%d: %d messages waiting through it, %d left queued", d.From, d.To, through, left)
	}
	render(t, d, "png")
}

// BenchmarkSpacetime is the default window of a 3600 s A3 run, built and
// drawn as PNG: "desim spacetime" without the run. Target: under 1 s.
func BenchmarkSpacetime(b *testing.B) {
	cfg, labels := builtin(b, "A3", time.Hour)
	files := tracedRun(b, cfg)
	for b.Loop() {
		d, err := spacetime.Build(files, spacetime.Options{Labels: labels, Duration: cfg.Duration})
		if err != nil {
			b.Fatal(err)
		}
		if err := spacetime.Write(io.Discard, d, "png"); err != nil {
			b.Fatal(err)
		}
	}
}
