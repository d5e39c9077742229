#!/usr/bin/env bash
# libFuzzer targets (Fuzz/Targets), built outside SwiftPM with `swiftc -sanitize=fuzzer`:
# YizhanCore is compiled once with coverage instrumentation, then one binary per target.
#
#   scripts/fuzz.sh build                 build every target into .build-fuzz/
#   scripts/fuzz.sh run TARGET [ARGS…]    fuzz one target (libFuzzer flags, e.g. -runs=10000000 -jobs=1);
#                                         new inputs go to .build-fuzz/corpus/TARGET, seeded from Fuzz/corpus
#   scripts/fuzz.sh ci [RUNS]             CI: build, replay the committed corpus, then fuzz each target
#                                         for RUNS inputs (default 50000) from it with a fixed seed, so
#                                         a red CI is reproducible and not a lottery; fails on any crash
#
# Targets: telemetry (decoder vs JSONSerialization), rule_expr, json5_config, http_query.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.build-fuzz
# libFuzzer, not the Swift runtime's backtracer, must see a crash, to save the input.
export SWIFT_BACKTRACE=enable=no
targets=(telemetry rule_expr json5_config http_query)

build() {
    mkdir -p "$out"
    local sources
    sources=$(find Sources/YizhanCore -name '*.swift' | sort)
    local newest
    newest=$(ls -t $sources | head -1)
    if [ ! -f "$out/libYizhanCore.a" ] || [ "$newest" -nt "$out/libYizhanCore.a" ]; then
        echo "fuzz: compiling YizhanCore with coverage instrumentation" >&2
        # shellcheck disable=SC2086
        swiftc -O -sanitize=fuzzer -parse-as-library -enable-testing -module-name YizhanCore \
            -emit-library -static -emit-module -emit-module-path "$out/YizhanCore.swiftmodule" \
            -o "$out/libYizhanCore.a" $sources
    fi
    for t in "${targets[@]}"; do
        if [ ! -x "$out/fuzz-$t" ] || [ "Fuzz/Targets/$t.swift" -nt "$out/fuzz-$t" ] || [ "$out/libYizhanCore.a" -nt "$out/fuzz-$t" ]; then
            echo "fuzz: linking fuzz-$t" >&2
            swiftc -O -sanitize=fuzzer -parse-as-library -I "$out" -L "$out" -lYizhanCore \
                -module-name "Fuzz_$t" "Fuzz/Targets/$t.swift" -o "$out/fuzz-$t"
        fi
    done
}

corpus_dir() {
    mkdir -p "$out/corpus/$1"
    echo "$out/corpus/$1"
}

case "${1:-}" in
build)
    build
    ;;
run)
    t=${2:?usage: scripts/fuzz.sh run TARGET [libFuzzer flags]}
    shift 2
    build
    dir=$(corpus_dir "$t")
    exec "$out/fuzz-$t" -print_final_stats=1 -artifact_prefix="$out/crash-$t-" "$@" "$dir" "Fuzz/corpus/$t"
    ;;
ci)
    runs=${2:-50000}
    build
    for t in "${targets[@]}"; do
        # The committed corpus first, every file exactly once: the regression part.
        "$out/fuzz-$t" -runs=0 "Fuzz/corpus/$t" 2>&1 | tail -1
        # Then a short fuzzing pass from it with a fixed seed: the same inputs on every run of the
        # same code, new inputs kept outside the repository. Random runs are for `run`.
        dir=$(mktemp -d)
        if ! "$out/fuzz-$t" -runs="$runs" -seed=1 -print_final_stats=1 -artifact_prefix="$out/crash-$t-" \
                "$dir" "Fuzz/corpus/$t" > "$out/ci-$t.log" 2>&1; then
            tail -40 "$out/ci-$t.log"
            echo "fuzz: $t FAILED (crashing input in $out/crash-$t-*)" >&2
            exit 1
        fi
        echo "fuzz: $t ok, $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/ci-$t.log" | grep -o '[0-9]*$') inputs (seed 1)"
        rm -rf "$dir"
    done
    ;;
*)
    sed -n '2,12p' "$0" >&2
    exit 2
    ;;
esac
