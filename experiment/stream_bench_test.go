package experiment

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

// peakHeap samples the heap in use (runtime.MemStats.HeapInuse, read
// through runtime/metrics, which does not stop the world) every
// millisecond until stop is called, and returns the largest value seen,
// in bytes.
func peakHeap() (stop func() uint64) {
	runtime.GC()
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	var peak uint64
	sample := func() {
		metrics.Read(samples)
		peak = max(peak, samples[0].Value.Uint64()+samples[1].Value.Uint64())
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				sample()
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		sample()
		return peak
	}
}

// BenchmarkStreamRun200MB analyzes and plots a run whose logs take about
// 200 MB (A1, seed 1, 340,000 s of virtual time: 6.1 million lines),
// written by the simulator into a temporary directory, and reports the
// peak heap in use: what "desim analyze" and "desim plot" do, streaming
// (StreamRun) and, for comparison, reading the logs whole (ReadRun).
// Streaming holds a few MB whatever the size of the logs.
func BenchmarkStreamRun200MB(b *testing.B) {
	s, err := Load("A1", Overrides{Duration: 340_000 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	d := Dir(b.TempDir())
	if _, err := SimulateToDir(context.Background(), s, d); err != nil {
		b.Fatal(err)
	}
	var size int64
	for i := range s.Machines {
		st, err := os.Stat(d.Log(i))
		if err != nil {
			b.Fatal(err)
		}
		size += st.Size()
	}
	summary, err := os.ReadFile(d.Summary())
	if err != nil {
		b.Fatal(err)
	}
	// Each way returns what it made: the summary's JSON or the PNG.
	ways := []struct {
		name string
		run  func() ([]byte, error)
	}{
		{"analyze/stream", func() ([]byte, error) {
			r, err := StreamRun(string(d))
			if err != nil {
				return nil, err
			}
			return r.Summary().Marshal(), nil
		}},
		{"analyze/whole", func() ([]byte, error) {
			r, err := ReadRun(string(d))
			if err != nil {
				return nil, err
			}
			return r.Summary().Marshal(), nil
		}},
		{"plot/stream", func() ([]byte, error) {
			r, err := StreamRun(string(d))
			if err != nil {
				return nil, err
			}
			return RenderFigure(r.Figure(), "png")
		}},
		{"plot/whole", func() ([]byte, error) {
			r, err := ReadRun(string(d))
			if err != nil {
				return nil, err
			}
			return RenderFigure(r.Figure(), "png")
		}},
	}
	outs := map[string][]byte{}
	for _, w := range ways {
		b.Run(w.name, func(b *testing.B) {
			b.SetBytes(size)
			var peak uint64
			var out []byte
			for b.Loop() {
				stop := peakHeap()
				var err error
				if out, err = w.run(); err != nil {
					b.Fatal(err)
				}
				peak = max(peak, stop())
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(size)/(1<<20), "log-MB")
			outs[w.name] = out
		})
	}
	// Streaming makes the very bytes of reading whole.
	if out, ok := outs["analyze/stream"]; ok && !bytes.Equal(out, summary) {
		b.Errorf("analyze/stream: the summary differs from summary.json")
	}
	if out, ok := outs["plot/stream"]; ok && outs["plot/whole"] != nil && !bytes.Equal(out, outs["plot/whole"]) {
		b.Errorf("plot/stream: the figure differs from plot/whole's")
	}
}
