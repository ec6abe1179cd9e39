# Multi-stage build: a static binary (pure-Go SQLite, no cgo) with templates,
# static files and the Changzhou reference data embedded, run as non-root.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/honestmeasure ./cmd/honestmeasure \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/honestmeasure /usr/local/bin/honestmeasure
# The data folder holds the SQLite file and the development secret; with
# MySQL in production it stays empty.
COPY --from=build --chown=65532:65532 /out/data /data
ENV HM_ADDR=:8080 HM_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/honestmeasure"]
CMD ["serve"]
