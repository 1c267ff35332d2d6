# desim: make reproduce, make test, make build, make run. See README.md.
GO ?= go
BIN := bin/desim

.PHONY: all build install test fmt vet run reproduce bench clean figures

all: build

build:
	$(GO) build -o $(BIN) ./cmd/desim

# desim on PATH: installs it into $(go env GOBIN), or $(go env GOPATH)/bin
# when GOBIN is unset; that directory must be on PATH.
install:
	$(GO) install ./cmd/desim

# The test command CI runs (.ci/run): formatting, vet, every test with the
# race detector; then the analysis packages built without their assembly
# (tag purego), and every test once more as a 32-bit program (GOARCH=386,
# which this amd64 Linux machine runs), both of which must give the golden
# files' bytes.
test: fmt vet
	$(GO) test -race ./...
	$(GO) test -tags purego ./analysis/...
	GOARCH=386 $(GO) test ./...

fmt:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# A paper scenario end to end: A3 as published (590 s of virtual time).
run: build
	./$(BIN) run A3

# The paper's experiments in one command: figures, sweeps over 1000 seeds,
# predictions, real-socket validation and the report with the claims'
# verdicts, in out/reproduce/.
reproduce: build
	./$(BIN) reproduce

# The README's figures, docs/figures/<name>.png: every built-in scenario
# (scenarios/*.yaml) with seed 1 over its published span (the scenario's
# own duration, so that each figure can be laid beside the paper's), each
# made by the command line the README shows under it; and the built-in
# grids' figures, docs/figures/grid-<name>.png (about 30 s in all).
figures: build
	@mkdir -p docs/figures
	@set -e; for s in $(basename $(notdir $(wildcard scenarios/*.yaml))); do \
		./$(BIN) run $$s --seed 1 --out out/figures/$$s --plot --quiet 2>/dev/null; \
		cp out/figures/$$s/figure.png docs/figures/$$s.png; \
		echo "docs/figures/$$s.png"; \
	done
	./$(BIN) run A3 --seed 1 --duration 20s --trace --out out/figures/A3-trace --quiet 2>/dev/null
	./$(BIN) spacetime out/figures/A3-trace -o docs/trace-spacetime-A3.png
	@set -e; for g in $(basename $(notdir $(wildcard experiment/grids/*.yaml))); do \
		./$(BIN) grid $$g --plot docs/figures/grid-$$g.png --quiet -o out/figures/grid-$$g.txt; \
		echo "docs/figures/grid-$$g.png"; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./sim ./analysis/... ./experiment

clean:
	rm -rf bin out
