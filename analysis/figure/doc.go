// Package figure draws the paper's two-panel figure of a run (Figure,
// WriteFigure): each machine's logical clock and message-queue length
// against time, as PNG, SVG or PDF, the same bytes for the same figure.
//
// It is presentation, kept apart from the measurements of package
// analysis so that those do not depend on the plotting stack. It may
// import sim (for the records it draws) and the plotting libraries
// (gonum.org/v1/plot, codeberg.org/go-pdf/fpdf, golang.org/x/image); it
// must not import analysis or anything built on it, and nothing in
// analysis may import it. Its callers (cmd/desim) turn logs and runs into
// a Figure.
package figure
