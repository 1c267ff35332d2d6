package sim

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mathext"
)

// The portable exp, log and ln Γ agree with the math package's to a few
// ulps over the ranges the table uses.
func TestDeterministicElementary(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for range 100_000 {
		x := (r.Float64()*2 - 1) * 700 // normal numbers
		if got, want := expDet(x), math.Exp(x); math.Abs(got-want) > 4e-16*want {
			t.Fatalf("expDet(%g) = %g, math.Exp %g", x, got, want)
		}
		y := math.Exp((r.Float64()*2 - 1) * 700)
		if got, want := logDet(y), math.Log(y); math.Abs(got-want) > 4e-16*math.Abs(want)+1e-300 {
			t.Fatalf("logDet(%g) = %g, math.Log %g", y, got, want)
		}
		z := math.Exp((r.Float64()*2 - 1) * 12)
		want, _ := math.Lgamma(z)
		if got := lgammaPos(z); math.Abs(got-want) > 5e-14+1e-14*math.Abs(want) {
			t.Fatalf("lgammaPos(%g) = %g, math.Lgamma %g", z, got, want)
		}
	}
}

// gammaPQ agrees with gonum's regularized incomplete gamma functions.
func TestGammaPQ(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for range 20_000 {
		a := math.Exp((r.Float64()*2 - 1) * 9.3) // 1e-4 .. 1e4
		x := a * math.Exp((r.Float64()*2-1)*2)
		p, q, _ := gammaPQ(a, logDet(x), lgammaPos(a))
		wp, wq := mathext.GammaIncReg(a, x), mathext.GammaIncRegComp(a, x)
		// ln(x^a e^-x/Γ(a)) loses about a·ε of absolute accuracy, hence the
		// looser bound for large a (still far below a ns in a quantile).
		tol := 1e-12 * math.Max(1, math.Sqrt(a)/10)
		if math.Abs(p-wp) > tol || math.Abs(q-wq) > tol+1e-10*wq {
			t.Fatalf("a=%g x=%g: P, Q = %g, %g; gonum %g, %g", a, x, p, q, wp, wq)
		}
	}
}
