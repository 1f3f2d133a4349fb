#!/usr/bin/env bash
# The engine's fuzz targets for a short, fixed time each (CI runs this on every run through
# scripts/test.sh), or for as long as you like (the long campaign, docs/ENGINE.md).
#
#   scripts/fuzz.sh                      every target for NEXUS_FUZZ_SECONDS (15) seconds
#   NEXUS_FUZZ_SECONDS=3600 NEXUS_FUZZ_SEED=0 scripts/fuzz.sh pe   one target for an hour, random
#
# Seeded by default (NEXUS_FUZZ_SEED=1): CI's short run walks the same mutations from the same
# corpus every time, so it fails on what a change broke, reproducibly, and not on a lucky draw
# that finds an old bug in a third-party parser (as goblin's entry-point overflow once did,
# stopping a merge that had nothing to do with Mach-O). Exploring is the long campaign's job:
# NEXUS_FUZZ_SEED=0 lets libFuzzer pick a random seed. Whatever either finds goes into the
# regression inputs below and is fixed.
#
# How: real libFuzzer (coverage-guided) on the stable toolchain. The targets are built with
# cargo alone and the instrumentation flags cargo-fuzz itself passes (-C passes=sancov-module
# and the sanitizer-coverage options, all stable), for the host target so build scripts stay
# uninstrumented; no nightly, no cargo-fuzz install. What stable cannot give is
# AddressSanitizer; set NEXUS_FUZZ_SANITIZER=address to use `cargo +nightly fuzz` instead
# when nightly and cargo-fuzz are installed (the long campaign should).
#
# Each target first replays the regression inputs (crates/nexus-engine/tests/data/fuzz: inputs
# that once crashed or exhausted memory), then fuzzes from a corpus seeded with those, the
# shared fixtures (when present) and a few synthetic headers. A crash, a timeout or an
# out-of-memory stops the run with a non-zero status, the input saved under
# crates/nexus-engine/fuzz/artifacts/<target>/ and the command that reproduces it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$NEXUS_ROOT"

fuzz_dir=crates/nexus-engine/fuzz
seconds="${NEXUS_FUZZ_SECONDS:-15}"
seed="${NEXUS_FUZZ_SEED:-1}"
rss_mb="${NEXUS_FUZZ_RSS_LIMIT_MB:-2048}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(analyze pe elf_macho)
triple="$(rustc -vV | sed -n 's/^host: //p')"
target_dir="${NEXUS_FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-$NEXUS_ROOT/target}/../fuzz-target}"
regressions=crates/nexus-engine/tests/data/fuzz
fixtures="$NEXUS_ROOT/fixtures/binaries"

seed_corpus() {
  local corpus="$1"
  mkdir -p "$corpus"
  cp "$regressions"/* "$corpus/" 2>/dev/null || true
  if [ -d "$fixtures" ]; then cp "$fixtures"/* "$corpus/"; fi
  # Tiny headers of each format, so every parser is reached from the first second.
  printf 'MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00' > "$corpus/seed-mz"
  printf '\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00' > "$corpus/seed-elf"
  printf '\xcf\xfa\xed\xfe\x07\x00\x00\x01\x03\x00\x00\x00\x02\x00\x00\x00' > "$corpus/seed-macho"
  printf '\xca\xfe\xba\xbe\x00\x00\x00\x02' > "$corpus/seed-fat"
  printf 'X5O!P%%@AP[4\\PZX54(P^)7CC)7}$' > "$corpus/seed-text"
}

if [ "${NEXUS_FUZZ_SANITIZER:-none}" = address ]; then
  command -v cargo-fuzz >/dev/null || die "NEXUS_FUZZ_SANITIZER=address needs cargo-fuzz (cargo install cargo-fuzz)"
  rustup toolchain list | grep -q nightly || die "NEXUS_FUZZ_SANITIZER=address needs the nightly toolchain"
  for target in "${targets[@]}"; do
    corpus="$fuzz_dir/corpus/$target"
    seed_corpus "$corpus"
    say "fuzz $target for ${seconds}s (cargo-fuzz, nightly, AddressSanitizer)"
    (cd "$fuzz_dir" && cargo +nightly fuzz run "$target" "corpus/$target" -- \
      -seed="$seed" -max_total_time="$seconds" -rss_limit_mb="$rss_mb" -timeout=10)
  done
  exit 0
fi

say "building the fuzz targets (stable, libFuzzer with sanitizer coverage, $triple)"
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
(cd "$fuzz_dir" && CARGO_TARGET_DIR="$target_dir" cargo +stable build --release \
  --target "$triple" "${targets[@]/#/--bin=}")
bin_dir="$target_dir/$triple/release"

failed=()
for target in "${targets[@]}"; do
  binary="$bin_dir/$target"
  artifacts="$fuzz_dir/artifacts/$target"
  corpus="$fuzz_dir/corpus/$target"
  mkdir -p "$artifacts"
  seed_corpus "$corpus"
  say "fuzz $target: replaying $(ls "$regressions" | wc -l) regression inputs, then ${seconds}s of fuzzing (seed $seed)"
  # -runs=0 executes every input once; the regressions must pass before anything new is tried.
  if ! "$binary" -runs=0 -rss_limit_mb="$rss_mb" -timeout=10 -artifact_prefix="$artifacts/" \
      "$regressions" >"$artifacts/replay.log" 2>&1; then
    tail -n 30 "$artifacts/replay.log" >&2
    failed+=("$target (regression)")
    continue
  fi
  if ! "$binary" -seed="$seed" -max_total_time="$seconds" -rss_limit_mb="$rss_mb" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "$corpus" >"$artifacts/run.log" 2>&1; then
    tail -n 40 "$artifacts/run.log" >&2
    found=$(ls -t "$artifacts"/crash-* "$artifacts"/timeout-* "$artifacts"/oom-* "$artifacts"/leak-* 2>/dev/null | head -n 1 || true)
    say "fuzz $target FAILED; input: ${found:-see $artifacts/run.log}"
    say "reproduce: $binary ${found:-<input>}"
    failed+=("$target")
    continue
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$artifacts/run.log")
  say "fuzz $target: ${runs:-?} executions in ${seconds}s, no crash"
done

if [ ${#failed[@]} -gt 0 ]; then
  die "fuzz targets failed: ${failed[*]}"
fi
