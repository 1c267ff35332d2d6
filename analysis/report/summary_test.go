package report

import (
	"bytes"
	"testing"
)

// TestWriteSummary: claims with their verdict upper-cased and padded,
// then the validations, then the recorded runs with their built-in's
// outcome (a failing one marked as expected).
func TestWriteSummary(t *testing.T) {
	r := &Report{
		Claims:     []Claim{{ID: "1", Claim: "drift grows", Verdict: "supported"}, {ID: "3a", Claim: "queues", Verdict: "not supported"}},
		Validation: []ValidationTable{{Scenario: "A3", Verdict: "passed"}},
		Logs: []LogsReport{
			{Run: "r1", Validation: LogsValidation{Verdict: "passed"}},
			{Run: "r2", Validation: LogsValidation{Verdict: "passed"}, Builtin: &LogsValidation{Scenario: "A1", Verdict: "FAILED"}},
			{Run: "r3", Validation: LogsValidation{Verdict: "FAILED"}, Builtin: &LogsValidation{Scenario: "A2", Verdict: "passed", Passed: true}},
		},
	}
	var b bytes.Buffer
	r.WriteSummary(&b)
	want := "claim 1   SUPPORTED    drift grows\n" +
		"claim 3a  NOT SUPPORTED queues\n" +
		"real sockets vs simulator, A3: passed\n" +
		"recorded run r1: calibrated passed, no built-in of its rates and die\n" +
		"recorded run r2: calibrated passed, plain built-in A1 FAILED (expected without a timing model)\n" +
		"recorded run r3: calibrated FAILED, plain built-in A2 passed\n"
	if b.String() != want {
		t.Errorf("summary:\n%s\nwant:\n%s", b.String(), want)
	}
}
