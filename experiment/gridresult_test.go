package experiment

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"desim/analysis"
	"desim/analysis/report"
	"desim/analysis/stats"
	"desim/internal/golden"
	"desim/scenarios"
)

// agreeGrid is a grid of A3 with machine 2's rate over values at die 10
// (where its load is 1 at rate 2), over seeds of duration.
func agreeGrid(t *testing.T, values, duration string, seeds int) *Grid {
	t.Helper()
	return mustGrid(t, fmt.Sprintf(`name: agree
base: A3
duration: %s
seeds: %d
vary:
  - field: machines[2].rate
    values: [%s]
  - field: die
    values: [10]
`, duration, seeds, values))
}

// checkAgreement recounts a result's agreement by hand from the cells'
// loads (GridLoads of each cell's scenario) and drift verdicts, by the
// rule Agreement documents, and compares.
func checkAgreement(t *testing.T, g *Grid, res *GridResult) {
	t.Helper()
	var judged, agree, excluded int
	var misses []GridMiss
	for c, cell := range res.Cells {
		s, err := g.Cell(c)
		if err != nil {
			t.Fatal(err)
		}
		loads := GridLoads(s)
		for i, m := range cell.Output.Machines {
			qs := m.Metric(analysis.QueueSlope)
			if cl := report.Classify(qs); cell.Drift[i] != cl {
				t.Errorf("cell %d machine %d: drift %s, the rule says %s", c, i, cell.Drift[i], cl)
			}
			if cell.Loads[i] != loads[i] {
				t.Errorf("cell %d machine %d: load %v, GridLoads %v", c, i, cell.Loads[i], loads[i])
			}
			if math.Abs(loads[i]-1) <= AgreementBand {
				excluded++
				continue
			}
			judged++
			drifts := cell.Drift[i] == report.Drifts
			if cell.Drift[i] != report.Undetermined && drifts == (loads[i] >= 1) {
				agree++
				continue
			}
			misses = append(misses, GridMiss{Cell: c, Machine: i, Load: loads[i], Class: cell.Drift[i], QueueSlope: qs,
				Label:  fmt.Sprintf("machines[2].rate=%s die=%s", cell.Values[0], cell.Values[1]),
				Replay: fmt.Sprintf("desim grid %s --duration %s --cell %d | desim sweep - --seeds %d-%d", g.ref(), scenarios.FormatDuration(g.Base.Duration), c, res.Seeds.From, res.Seeds.To)})
		}
	}
	a := res.Agreement
	if a.Judged != judged || a.Agree != agree || a.Excluded != excluded {
		t.Errorf("agreement: %d of %d judged agree, %d excluded; counted by hand %d of %d, %d excluded", a.Agree, a.Judged, a.Excluded, agree, judged, excluded)
	}
	if want := float64(agree) / float64(judged); judged > 0 && a.Share != want {
		t.Errorf("share %v, want %d/%d = %v", a.Share, agree, judged, want)
	}
	if a.Target != AgreementTarget || a.Rule == "" {
		t.Errorf("target %v, rule %q", a.Target, a.Rule)
	}
	if len(a.Misses) != len(misses) {
		t.Errorf("%d misses, counted by hand %d: %+v", len(a.Misses), len(misses), a.Misses)
		return
	}
	for k, m := range a.Misses {
		w := misses[k]
		if m.Cell != w.Cell || m.Machine != w.Machine || m.Load != w.Load || m.Class != w.Class || m.Label != w.Label || m.Replay != w.Replay || m.QueueSlope.Mean != w.QueueSlope.Mean {
			t.Errorf("miss %d: %+v\nwant %+v", k, m, w)
		}
	}
}

// TestGridAgreement: the agreement is computed from the runs: all of
// them agree on a clear grid with enough seeds; with too few the verdicts
// are undetermined and the misses name cell, machine and the command that
// replays them; loads within AgreementBand of 1 are left out.
func TestGridAgreement(t *testing.T) {
	// Machine 2 of A3 at die 10 has load 1 at rate 2 (see
	// TestGridBoundaryByHand); 2.05 puts it just inside the band.
	if l := analysis.Loads([]float64{6, 6, 2.05}, 10)[2]; math.Abs(l-1) > AgreementBand || l == 1 {
		t.Fatalf("load of machine 2 at rate 2.05: %v, want within %g of 1", l, AgreementBand)
	}
	for _, c := range []struct {
		name, values, duration string
		seeds                  int
		check                  func(t *testing.T, a Agreement, res *GridResult)
	}{
		{"clear", "0.5, 6", "60s", 40, func(t *testing.T, a Agreement, res *GridResult) {
			if a.Judged != 6 || a.Excluded != 0 || a.Agree != 6 || a.Share != 1 || !a.Meets() || len(a.Misses) != 0 {
				t.Errorf("agreement %+v, want all 6 machines judged and agreeing", a)
			}
			if res.Cells[0].Drift[2] != report.Drifts || res.Cells[1].Drift[2] != report.Steady {
				t.Errorf("machine 2: %s at rate 0.5, %s at rate 6; want drifts and steady", res.Cells[0].Drift[2], res.Cells[1].Drift[2])
			}
		}},
		{"too short", "0.5, 6", "2s", 3, func(t *testing.T, a Agreement, res *GridResult) {
			undetermined := 0
			for _, cell := range res.Cells {
				for _, d := range cell.Drift {
					if d == report.Undetermined {
						undetermined++
					}
				}
			}
			if undetermined == 0 {
				t.Errorf("no undetermined verdict from 3 runs of 2 s: %v, %v", res.Cells[0].Drift, res.Cells[1].Drift)
			}
			if a.Share >= 1 || a.Meets() || len(a.Misses) == 0 || len(a.Misses) != a.Judged-a.Agree {
				t.Errorf("agreement %+v, want misses and a share below 1", a)
			}
			for _, m := range a.Misses {
				if !strings.HasPrefix(m.Replay, fmt.Sprintf("desim grid agree --duration 2s --cell %d | desim sweep - --seeds 1-3", m.Cell)) {
					t.Errorf("miss in cell %d: replay %q", m.Cell, m.Replay)
				}
			}
			// Undetermined counts as a miss, whatever the load.
			for c, cell := range res.Cells {
				for i, d := range cell.Drift {
					if d != report.Undetermined {
						continue
					}
					found := false
					for _, m := range a.Misses {
						found = found || m.Cell == c && m.Machine == i
					}
					if !found {
						t.Errorf("cell %d machine %d (load %.3f) is undetermined but not a miss", c, i, cell.Loads[i])
					}
				}
			}
		}},
		{"in the band", "0.5, 2.05, 6", "60s", 40, func(t *testing.T, a Agreement, res *GridResult) {
			if a.Excluded != 1 || a.Judged != 8 {
				t.Errorf("%d excluded, %d judged; want machine 2 of cell 1 excluded and the 8 others judged", a.Excluded, a.Judged)
			}
			for _, m := range a.Misses {
				if m.Cell == 1 && m.Machine == 2 {
					t.Errorf("the machine in the band is a miss: %+v", m)
				}
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := agreeGrid(t, c.values, c.duration, c.seeds)
			res, err := RunGrid(context.Background(), g, SweepOptions{Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			checkAgreement(t, g, res)
			c.check(t, res.Agreement, res)
			// The table reports the agreement and the misses' replays.
			var b bytes.Buffer
			if err := WriteGrid(&b, res, stats.FormatTable); err != nil {
				t.Fatal(err)
			}
			a := res.Agreement
			if want := fmt.Sprintf("agreement with the theory: %d of %d machines", a.Agree, a.Judged); !strings.Contains(b.String(), want) {
				t.Errorf("the table lacks %q:\n%s", want, b.String())
			}
			for _, m := range a.Misses {
				if !strings.Contains(b.String(), "replay: "+m.Replay) {
					t.Errorf("the table lacks the replay of cell %d machine %d:\n%s", m.Cell, m.Machine, b.String())
				}
			}
		})
	}
}

// TestWriteGridCSV: one header with a column per axis named by its field
// (quoted when it holds a comma), then one row per cell, machine and
// metric, which encoding/csv reads back.
func TestWriteGridCSV(t *testing.T) {
	g := mustGrid(t, tinyGrid)
	res, err := RunGrid(context.Background(), g, SweepOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteGrid(&b, res, stats.FormatCSV); err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(b.String(), "\n")
	if want := `grid,cell,"machines[1,2].rate",die,machine,load,drift,metric,n,mean,sd,ci95,min,max,min_seed,max_seed,predicted,z`; head != want {
		t.Errorf("header %q, want %q", head, want)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	if want := 1 + 6*3*len(analysis.Metrics); len(rows) != want {
		t.Fatalf("%d rows, want a header and one per cell, machine and metric: %d", len(rows), want)
	}
	if rows[0][2] != "machines[1,2].rate" || rows[0][3] != "die" {
		t.Errorf("axis columns %q, %q", rows[0][2], rows[0][3])
	}
	r := 1
	for c, cell := range res.Cells {
		for i, m := range cell.Output.Machines {
			for k, metric := range analysis.Metrics {
				row := rows[r]
				r++
				sum := m.Metrics[k]
				want := []string{"tiny", strconv.Itoa(c), cell.Values[0], cell.Values[1], strconv.Itoa(i), "", string(cell.Drift[i]), metric.Key, "30"}
				for col, w := range want {
					if w != "" && row[col] != w {
						t.Errorf("row %d column %s: %q, want %q", r-1, rows[0][col], row[col], w)
					}
				}
				if l, err := strconv.ParseFloat(row[5], 64); err != nil || l != cell.Loads[i] {
					t.Errorf("row %d: load %q, want %v", r-1, row[5], cell.Loads[i])
				}
				if mean, err := strconv.ParseFloat(row[9], 64); err != nil || mean != sum.Mean {
					t.Errorf("row %d: mean %q, want %v", r-1, row[9], sum.Mean)
				}
			}
		}
	}
}

// tableRows returns the data rows of a two-axis grid table, split into
// fields: the row's value, then one field per column.
func tableRows(t *testing.T, table string) [][]string {
	t.Helper()
	lines := strings.Split(table, "\n")
	for k, l := range lines {
		if strings.HasPrefix(l, "rows: ") {
			var rows [][]string
			for _, d := range lines[k+2:] {
				if d == "" {
					return rows
				}
				rows = append(rows, strings.Fields(d))
			}
		}
	}
	t.Fatalf("no rows in the table:\n%s", table)
	return nil
}

// TestWriteGridTable: a row per value of the first axis with a column per
// value of the second, each marked by its machine's drift verdict.
func TestWriteGridTable(t *testing.T) {
	g := mustGrid(t, tinyGrid)
	res, err := RunGrid(context.Background(), g, SweepOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteGrid(&b, res, stats.FormatTable); err != nil {
		t.Fatal(err)
	}
	table := b.String()
	if !strings.Contains(table, "rows: machines[1,2].rate; columns: die\n") {
		t.Errorf("the table does not name its rows and columns:\n%s", table)
	}
	rows := tableRows(t, table)
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3:\n%s", len(rows), table)
	}
	for r, row := range rows {
		if len(row) != 3 || row[0] != g.Axes[0].Values[r].Text {
			t.Errorf("row %d: %q, want the rate and 2 columns", r, row)
		}
	}
	// At rate 0.5 the slow machines drift at both dice; at 6 none does.
	for k, f := range rows[0][1:] {
		if !strings.HasSuffix(f, "*") {
			t.Errorf("rate 0.5, column %d: %q is not marked as drifting:\n%s", k, f, table)
		}
	}
	for k, f := range rows[2][1:] {
		if strings.ContainsAny(f, "*?!") {
			t.Errorf("rate 6, column %d: %q is marked:\n%s", k, f, table)
		}
	}
	// Every mark is the cell's verdict.
	for r, row := range rows {
		for k, f := range row[1:] {
			c := r*2 + k
			mean, at := res.ShownValue(c)
			want := cellText(mean)
			switch res.Cells[c].Drift[at] {
			case report.Drifts:
				want += "*"
			case report.Undetermined:
				want += "?"
			}
			for _, m := range res.Agreement.Misses {
				if m.Cell == c && m.Machine == at {
					want = cellText(mean) + "!"
				}
			}
			if f != want {
				t.Errorf("cell %d: %q, want %q", c, f, want)
			}
		}
	}
}

// TestWriteGridTableGolden compares a tiny grid's table with
// testdata/grid/tiny-table.golden ("go test ./experiment -update"
// rewrites it).
func TestWriteGridTableGolden(t *testing.T) {
	g := mustGrid(t, strings.Replace(tinyGrid, "seeds: 30", "seeds: 10", 1))
	res, err := RunGrid(context.Background(), g, SweepOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteGrid(&b, res, stats.FormatTable); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "grid", "tiny-table.golden"), b.Bytes())
}
