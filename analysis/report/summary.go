package report

import (
	"fmt"
	"io"
	"strings"
)

// WriteSummary writes the report's verdicts in brief, as desim reproduce
// prints them: one line per claim, per real-socket validation and per
// recorded run (against its calibrated scenario and, if there is one, the
// plain built-in of its rates and die).
func (r *Report) WriteSummary(w io.Writer) {
	for _, cl := range r.Claims {
		fmt.Fprintf(w, "claim %-2s  %-12s %s\n", cl.ID, strings.ToUpper(string(cl.Verdict)), cl.Claim)
	}
	for _, v := range r.Validation {
		fmt.Fprintf(w, "real sockets vs simulator, %s: %s\n", v.Scenario, v.Verdict)
	}
	for _, l := range r.Logs {
		builtin := "no built-in of its rates and die"
		if b := l.Builtin; b != nil {
			builtin = fmt.Sprintf("plain built-in %s %s (expected without a timing model)", b.Scenario, b.Verdict)
			if b.Passed {
				builtin = fmt.Sprintf("plain built-in %s %s", b.Scenario, b.Verdict)
			}
		}
		fmt.Fprintf(w, "recorded run %s: calibrated %s, %s\n", l.Run, l.Validation.Verdict, builtin)
	}
}
