// Package layers holds only a test: that desim's packages import only
// downwards, cmd → experiment → analysis → scenarios → sim (a layer may
// skip floors; nothing imports a floor above it), that package analysis
// does not link the figure stack, and that no file that ships in the
// binary imports testing.
package layers
