package analysis

// olsSums are the running sums of a least-squares fit of two series, the
// logical clock c and the queue length q, against one x.
type olsSums struct {
	sx, sxx float64 // Σx, Σx²
	sc, sxc float64 // Σc, Σxc
	sq, sxq float64 // Σq, Σxq
}

// slope returns the least-squares slope of the series with sums sy = Σy and
// sxy = Σxy over n points:
//
//	(Σxy − Σx·Σy/n) / (Σx² − (Σx)²/n)
//
// or 0 when n < 2 or every x is equal.
func (s *olsSums) slope(n int64, sy, sxy float64) float64 {
	if n < 2 {
		return 0
	}
	fn := float64(n)
	den := s.sxx - float64(s.sx*s.sx)/fn
	if !(den > 0) {
		return 0
	}
	return (sxy - float64(s.sx*sy)/fn) / den
}
