#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/fuzz_config.cpp, fuzz_regs.cpp, fuzz_results.cpp) with
# clang++-14 and ASan + UBSan, replays the saved reproducers of tests/fuzz/repro/, then runs
# each fuzzer for a bounded time on its seed corpus. Exit status: 0 nothing found; 1 a fuzzer
# or a reproducer crashed (artifacts and logs in BUILD_DIR); 2 cannot build.
#
#   cmake/fuzz.sh [BUILD_DIR [SECONDS]]     defaults: build-fuzz 30 (seconds per fuzzer)
#
# Needs clang-14 and libclang-rt-14-dev (cmake/setup.sh installs them), libsystemc-dev,
# nlohmann-json3-dev, pkg-config. The fuzzers run at the same time.
# New corpus entries go to BUILD_DIR/corpus_*, never into the source tree.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-build-fuzz}"
SECONDS_EACH="${2:-30}"
case "$SECONDS_EACH" in '' | *[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number" >&2; exit 2 ;; esac
mkdir -p "$BUILD"
BUILD="$(cd "$BUILD" && pwd)"

CXX="${CXX_FUZZ:-clang++-14}"
command -v "$CXX" >/dev/null || { echo "fuzz.sh: $CXX not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }
SC_CFLAGS="$(pkg-config --cflags systemc)" || { echo "fuzz.sh: pkg-config systemc failed (libsystemc-dev)" >&2; exit 2; }
SC_LIBS="$(pkg-config --libs systemc)"

# -fno-sanitize-recover: a UBSan finding stops the fuzzer like an ASan one.
FLAGS=(-std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
  -fno-sanitize-recover=undefined -I"$ROOT")

build_config() {
  "$CXX" "${FLAGS[@]}" -o "$BUILD/fuzz_config" \
    "$ROOT/tests/fuzz/fuzz_config.cpp" "$ROOT/sim/params.cpp" "$ROOT/sim/config.cpp" \
    "$ROOT/firmware/miniport/injections.cpp"
}
# The results reader behind dmasim merge, and the CSV row and plot script made of a record.
build_results() {
  "$CXX" "${FLAGS[@]}" -o "$BUILD/fuzz_results" \
    "$ROOT/tests/fuzz/fuzz_results.cpp" "$ROOT/sim/results_reader.cpp" "$ROOT/sim/params.cpp" \
    "$ROOT/sim/config.cpp" "$ROOT/firmware/miniport/injections.cpp" "$ROOT/sim/sweep_rows.cpp" \
    "$ROOT/sim/sweep_plot.cpp" "$ROOT/sim/gnuplot.cpp" "$ROOT/sim/child_process.cpp" \
    "$ROOT/sim/analytic.cpp" "$ROOT/models/link_timing.cpp" "$ROOT/sim/output_file.cpp"
}
# libsystemc.so defines main() (which calls sc_main); libFuzzer's main() comes from a static
# archive linked into the executable, so it is the one used (the executable's definition wins
# over a shared library's; no duplicate-symbol error). fuzz_regs.cpp defines an sc_main that
# aborts, only to satisfy libsystemc.so's reference to it.
build_regs() {
  # shellcheck disable=SC2086
  "$CXX" "${FLAGS[@]}" -DSC_INCLUDE_DYNAMIC_PROCESSES $SC_CFLAGS -o "$BUILD/fuzz_regs" \
    "$ROOT/tests/fuzz/fuzz_regs.cpp" "$ROOT/models/dma_engine.cpp" "$ROOT/models/host_memory.cpp" \
    "$ROOT/models/pcie_link.cpp" "$ROOT/models/root_complex.cpp" "$ROOT/models/link_timing.cpp" \
    "$ROOT/models/write_order.cpp" \
    "$ROOT/models/sparse_memory.cpp" $SC_LIBS
}

t0=$(date +%s)
echo "fuzz.sh: building into $BUILD with $CXX"
build_config >"$BUILD/build_config.log" 2>&1 &
pc=$!
build_regs >"$BUILD/build_regs.log" 2>&1 &
pr=$!
ok=1
wait $pc || { cat "$BUILD/build_config.log" >&2; ok=0; }
# Two builds at a time: the machine has two cores.
build_results >"$BUILD/build_results.log" 2>&1 &
ps=$!
wait $pr || { cat "$BUILD/build_regs.log" >&2; ok=0; }
wait $ps || { cat "$BUILD/build_results.log" >&2; ok=0; }
[ $ok = 1 ] || { echo "fuzz.sh: build failed" >&2; exit 2; }
echo "fuzz.sh: built in $(($(date +%s) - t0)) s"

export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# Options per fuzzer. fuzz_regs runs without LeakSanitizer: once SystemC's QuickThreads
# coroutines have run, LSan no longer sees pointers on the main thread's stack and reports
# libFuzzer's own argv copy (allocated in FuzzerDriver) as leaked, at exit and in libFuzzer's
# per-input leak check alike. Leaks of the models are the job of the ASan test suite
# (DMASIM_SANITIZE). fuzz_config has no SystemC and keeps leak detection.
asan_opts() {
  case "$1" in
    regs) echo "detect_leaks=0" ;;
    *) echo "detect_leaks=1" ;;
  esac
}
lf_opts() {
  case "$1" in
    regs) echo "-detect_leaks=0" ;;
    *) echo "-detect_leaks=1" ;;
  esac
}

status=0

# 1. Saved reproducers of earlier findings: each must now run clean.
shopt -s nullglob
for f in "$ROOT"/tests/fuzz/repro/*; do
  name="$(basename "$f")"
  target="${name%%_*}"  # regs_... -> fuzz_regs, config_... -> fuzz_config, results_...
  log="$BUILD/repro_$name.log"
  if ASAN_OPTIONS="$(asan_opts "$target")" "$BUILD/fuzz_$target" $(lf_opts "$target") "$f" >"$log" 2>&1; then
    echo "fuzz.sh: reproducer $name: passes"
  else
    echo "fuzz.sh: reproducer $name: STILL FAILS (log $log):" >&2
    grep -m1 -E "ERROR: |FINDING|runtime error" "$log" >&2 || tail -5 "$log" >&2
    status=1
  fi
done

# 2. Bounded fuzzing, every target at once.
run_fuzzer() {
  local t="$1"
  mkdir -p "$BUILD/corpus_$t" "$BUILD/artifacts"
  ASAN_OPTIONS="$(asan_opts "$t")" "$BUILD/fuzz_$t" $(lf_opts "$t") \
    -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$BUILD/artifacts/$t-" \
    "$BUILD/corpus_$t" "$ROOT/tests/fuzz/corpus_$t" >"$BUILD/fuzz_$t.log" 2>&1
}
t1=$(date +%s)
declare -A pid
for t in config regs results; do
  run_fuzzer "$t" &
  pid[$t]=$!
done
for t in config regs results; do
  rc=0
  wait "${pid[$t]}" || rc=$?
  log="$BUILD/fuzz_$t.log"
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  eps="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  slow="$(sed -n 's/^stat::slowest_unit_time_sec: *//p' "$log" | tail -1)"
  cov="$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[^ ]+' || true)"
  if [ "$rc" = 0 ]; then
    echo "fuzz.sh: fuzz_$t: nothing found; ${execs:-?} inputs, ${eps:-?} exec/s, slowest ${slow:-?} s, $cov"
  else
    echo "fuzz.sh: fuzz_$t: FOUND A CRASH (exit $rc), log $log:" >&2
    grep -m3 -E "ERROR: |FINDING|runtime error|SystemC (ERROR|FATAL)" "$log" >&2 || tail -20 "$log" >&2
    grep -E "^(artifact_prefix|Test unit written)" "$log" >&2 || true
    status=1
  fi
done
echo "fuzz.sh: fuzzing took $(($(date +%s) - t1)) s, total $(($(date +%s) - t0)) s"
exit $status
