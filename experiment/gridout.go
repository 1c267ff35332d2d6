package experiment

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"desim/analysis"
	"desim/analysis/report"
	"desim/analysis/stats"
)

// WriteGrid writes a grid's result as JSON (the GridResult), CSV (one row
// per cell, machine and metric) or a table (the shown metric over the
// plane, and the agreement).
func WriteGrid(w io.Writer, res *GridResult, f stats.Format) error {
	switch f {
	case stats.FormatJSON:
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	case stats.FormatCSV:
		return writeGridCSV(w, res)
	}
	return writeGridTable(w, res)
}

// jsonNum formats x as encoding/json does (NaN and infinities as Go does).
func jsonNum(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	b, _ := json.Marshal(x)
	return string(b)
}

func optJSONNum(x *float64) string {
	if x == nil {
		return ""
	}
	return jsonNum(*x)
}

// writeGridCSV writes one row per cell, machine and metric: the grid,
// the cell, its value on each axis (a column named by the field), the
// machine, its load and drift class, then the metric's summary as in a
// sweep's CSV.
func writeGridCSV(w io.Writer, res *GridResult) error {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	head := []string{"grid", "cell"}
	for _, a := range res.Axes {
		head = append(head, a.Field)
	}
	head = append(head, "machine", "load", "drift", "metric", "n", "mean", "sd", "ci95", "min", "max", "min_seed", "max_seed", "predicted", "z")
	if err := cw.Write(head); err != nil {
		return err
	}
	for c, cell := range res.Cells {
		for i, m := range cell.Output.Machines {
			for k, v := range m.Metrics {
				row := []string{res.Grid, strconv.Itoa(c)}
				row = append(row, cell.Values...)
				row = append(row, strconv.Itoa(i), jsonNum(cell.Loads[i]), string(cell.Drift[i]), analysis.Metrics[k].Key,
					strconv.FormatInt(v.N, 10), jsonNum(v.Mean), jsonNum(v.SD), jsonNum(v.CI95), jsonNum(v.Min), jsonNum(v.Max),
					strconv.FormatUint(v.MinSeed, 10), strconv.FormatUint(v.MaxSeed, 10), optJSONNum(v.Predicted), optJSONNum(v.Z))
				if err := cw.Write(row); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// ShownValue returns the value the grid shows for cell c: the mean of the
// shown metric of the shown machine, or the largest or smallest mean over
// machines; and the machine it comes from.
func (res *GridResult) ShownValue(c int) (float64, int) {
	m, _ := analysis.MetricByKey(res.Show.Metric)
	ms := res.Cells[c].Output.Machines
	if res.Show.Extreme == "" {
		return ms[res.Show.Machine].Metric(m).Mean, res.Show.Machine
	}
	best, at := math.NaN(), -1
	for i, mo := range ms {
		v := mo.Metric(m).Mean
		if at < 0 || res.Show.Extreme == "max" && v > best || res.Show.Extreme == "min" && v < best {
			best, at = v, i
		}
	}
	return best, at
}

// ShownLabel names what the grid shows, with its unit, e.g. "queue_slope
// of machine 2 (messages/s)".
func (res *GridResult) ShownLabel() string {
	m, _ := analysis.MetricByKey(res.Show.Metric)
	who := fmt.Sprintf("machine %d", res.Show.Machine)
	switch res.Show.Extreme {
	case "max":
		who = "the machine where it is largest"
	case "min":
		who = "the machine where it is smallest"
	}
	return fmt.Sprintf("%s of %s (%s)", m.Key, who, m.Unit)
}

// cellText formats a mean in at most 5 columns: "4.561", ".102",
// "-.041", "12.3", "0" for |v| < 0.0005.
func cellText(v float64) string {
	a := math.Abs(v)
	var t string
	switch {
	case math.IsNaN(v):
		return "-"
	case a < 0.0005:
		return "0"
	case a >= 1e5:
		return strconv.FormatFloat(v, 'g', 1, 64)
	case a >= 100:
		t = strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		t = strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		t = strconv.FormatFloat(v, 'f', 2, 64)
	default:
		t = strconv.FormatFloat(v, 'f', 3, 64)
		t = strings.Replace(t, "0.", ".", 1)
	}
	return t
}

// maxMisses is the most disagreements the table lists.
const maxMisses = 10

// writeGridTable writes the shown metric over the plane (rows: the first
// axis' values, columns: the second's), each value marked with its
// machine's drift class, and the agreement with the theory.
func writeGridTable(w io.Writer, res *GridResult) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "grid %s", res.Grid)
	if res.Description != "" {
		fmt.Fprintf(&b, ": %s", res.Description)
	}
	fmt.Fprintf(&b, "\nbase %s, %s s per run, seeds %d-%d, %d cells\n", res.Base, jsonNum(res.DurationS), res.Seeds.From, res.Seeds.To, len(res.Cells))
	fmt.Fprintf(&b, "mean %s over seeds;\n* drifts, ? undetermined by the drift rule, ! disagrees with ρ ≥ 1 (see below)\n\n", res.ShownLabel())
	cols := 1
	if len(res.Axes) == 2 {
		cols = len(res.Axes[1].Values)
	}
	rowHead := res.Axes[0].Field
	if len(res.Axes) == 2 {
		fmt.Fprintf(&b, "rows: %s; columns: %s\n", res.Axes[0].Field, res.Axes[1].Field)
	}
	width := len(rowHead)
	for _, v := range res.Axes[0].Values {
		width = max(width, len(v))
	}
	line := fmt.Sprintf("%-*s", width, rowHead)
	if len(res.Axes) == 2 {
		for _, v := range res.Axes[1].Values {
			line += fmt.Sprintf(" %5s ", v)
		}
	}
	b.WriteString(strings.TrimRight(line, " ") + "\n")
	miss := map[[2]int]bool{}
	for _, m := range res.Agreement.Misses {
		miss[[2]int{m.Cell, m.Machine}] = true
	}
	for r, v := range res.Axes[0].Values {
		line := fmt.Sprintf("%-*s", width, v)
		for k := range cols {
			c := r*cols + k
			val, at := res.ShownValue(c)
			mark := " "
			switch {
			case miss[[2]int{c, at}]:
				mark = "!"
			case res.Cells[c].Drift[at] == report.Drifts:
				mark = "*"
			case res.Cells[c].Drift[at] == report.Undetermined:
				mark = "?"
			}
			line += fmt.Sprintf(" %5s%s", cellText(val), mark)
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	b.WriteString("\n")
	writeAgreement(&b, res.Agreement)
	_, err := w.Write(b.Bytes())
	return err
}

// writeAgreement writes the agreement and its first misses with their
// replay commands.
func writeAgreement(b *bytes.Buffer, a Agreement) {
	verdict := "below the target"
	if a.Meets() {
		verdict = "meets the target"
	}
	fmt.Fprintf(b, "agreement with the theory: %d of %d machines (%.1f %%; target %g %%, %s); %d within %g of ρ = 1 left out\n",
		a.Agree, a.Judged, 100*a.Share, 100*a.Target, verdict, a.Excluded, AgreementBand)
	for k, m := range a.Misses {
		if k == maxMisses {
			fmt.Fprintf(b, "  and %d more (all of them: --json)\n", len(a.Misses)-maxMisses)
			break
		}
		fmt.Fprintf(b, "  cell %d (%s), machine %d: ρ = %.3f, queue slope %.4f ± %.4f msg/s: %s\n    replay: %s\n",
			m.Cell, m.Label, m.Machine, m.Load, m.QueueSlope.Mean, m.QueueSlope.CI95, m.Class, m.Replay)
	}
}
