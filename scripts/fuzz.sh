#!/usr/bin/env bash
# Runs the fuzz targets (fuzz/, cargo-fuzz + libFuzzer) for SECONDS each;
# fails on the first crash, leak, timeout or out-of-memory, and says where
# the input that caused it was written.
#   scripts/fuzz.sh [SECONDS] [TARGET...]     (default: 30 s, every target)
# FUZZ_SANITIZER=none builds without AddressSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
shift || true
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  targets=(trace_reader replay wire)
fi
sanitizer=${FUZZ_SANITIZER:-address}

# cargo-fuzz passes unstable compiler flags (-Zsanitizer, sanitizer
# coverage); this lets a stable toolchain accept them. No nightly needed.
export RUSTC_BOOTSTRAP=1

mkdir -p fuzz/logs
for target in "${targets[@]}"; do
  corpus=fuzz/corpus/$target
  log=fuzz/logs/$target.log
  mkdir -p "$corpus"
  echo "== fuzzing $target for ${seconds}s (sanitizer: $sanitizer; log: $log)"
  # The first corpus directory collects what the fuzzer finds (not
  # committed); the seeds and the test fixtures are only read.
  # The wire reader's seeds are batches of its bytes, not trace files.
  seeds=(fuzz/seeds tests/fixtures)
  dict=(-dict=fuzz/trace.dict)
  if [ "$target" = wire ]; then
    seeds=(fuzz/wire-seeds)
    dict=()
  fi
  if ! cargo fuzz run --sanitizer "$sanitizer" "$target" \
      "$corpus" "${seeds[@]}" -- \
      ${dict[@]+"${dict[@]}"} -max_total_time="$seconds" \
      -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 \
      -print_final_stats=1 >"$log" 2>&1; then
    # The panic or sanitizer report and where the input went; else (a build
    # error) the end of the log, without cargo-fuzz's dump of the input.
    if ! grep -m1 -A3 -E 'panicked at|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)' "$log" >&2; then
      grep -v '^[[:space:]]*\[[0-9, ]*\]$' "$log" | tail -n 40 >&2
    fi
    grep -E '^SUMMARY|Test unit written to' "$log" >&2 || true
    echo "fuzz: $target failed; reproduce with: RUSTC_BOOTSTRAP=1 cargo fuzz run $target fuzz/artifacts/$target/<file>" >&2
    exit 1
  fi
  grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true
done
