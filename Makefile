# The README's two commands are the source of truth; these are shortcuts.
MYSQL_DSN ?= hm:hm@tcp(127.0.0.1:3306)/hm_test

.PHONY: run test test-mysql vet fmt build
run:
	go run ./cmd/honestmeasure -demo

test:
	go test -race -count=1 ./...

test-mysql:
	HM_TEST_MYSQL_DSN='$(MYSQL_DSN)' go test -race -count=1 ./...

vet:
	go vet ./...
	@test -z "$$(gofmt -l .)" || (gofmt -l . && echo "gofmt needed" && exit 1)

build:
	CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o honestmeasure ./cmd/honestmeasure

# Benchmarks against the issue-6 targets (not part of go test): SQLite by
# default; see cmd/hmbench's package comment for MySQL and the 1M mode.
.PHONY: bench
bench:
	go run ./cmd/hmbench
