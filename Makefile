# desim: make build, make test, make run. See README.md.
GO ?= go
BIN := bin/desim

.PHONY: all build test fmt vet run bench fuzz clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/desim

# The test command CI runs (.ci/run): formatting, vet, and every test with
# the race detector.
test: fmt vet
	$(GO) test -race ./...

fmt:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# A paper scenario end to end: A3 as published (590 s of virtual time).
run: build
	./$(BIN) run A3

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./sim ./analysis

clean:
	rm -rf bin out
