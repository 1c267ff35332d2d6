// Package progress shows the progress of many runs as a bar on a terminal.
//
// Imports: the standard library, golang.org/x/term and
// schollz/progressbar; any desim package may use it.
package progress

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// New returns the callback that counts n more runs done out of total, and
// a function that ends the display. When w is a terminal (and quiet is
// false) it is a bar with runs/s and the time left, labelled what;
// otherwise the callback is nil and nothing is shown. The callback may be
// called from several goroutines.
func New(w io.Writer, what string, total int, quiet bool) (add func(n int), finish func()) {
	f, ok := w.(*os.File)
	if quiet || !ok || !term.IsTerminal(int(f.Fd())) || total == 0 {
		return nil, func() {}
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("runs"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	var mu sync.Mutex
	return func(n int) {
			mu.Lock()
			bar.Add(n)
			mu.Unlock()
		}, func() {
			bar.Finish()
		}
}
