package figure

import "testing"

// TestTicksNoNegativeZero: a tick at zero is labelled "0", never "-0",
// whatever side of zero the axis starts on.
func TestTicksNoNegativeZero(t *testing.T) {
	for _, r := range [][2]float64{{-1, 35}, {-1e-9, 10}, {-0.5, 0.5}, {-3, 0}} {
		for _, integer := range []bool{false, true} {
			for _, tk := range (niceTicks{integer: integer}).Ticks(r[0], r[1]) {
				if tk.Label == "-0" || tk.Label == "-0.0" {
					t.Errorf("range %v: tick labelled %q", r, tk.Label)
				}
			}
		}
	}
}
