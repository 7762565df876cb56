#!/usr/bin/env bash
# Quick start 2: set up this machine, build, run the whole CTest suite.
#   ./test.sh               the suite (soaks excluded), in build/
#   ./test.sh --sanitize    the same suite built with ASan + UBSan, in build-asan/
#   ./test.sh ARGS...       ctest arguments instead of the default (e.g. -L soak, -R RequestGrid)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$root/cmake/setup.sh"
dmasim_install_packages
build="$root/build"
if [ "${1:-}" = "--sanitize" ]; then
  shift
  build="$root/build-asan"
  export DMASIM_CMAKE_ARGS="-DDMASIM_SANITIZE=ON"
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
fi
dmasim_build "$root" "$build"
cd "$build"
# Soaks run only when asked for (./test.sh -L soak); any argument replaces the default.
if [ $# -eq 0 ]; then set -- -LE soak; fi
exec ctest --output-on-failure -j "$(nproc)" "$@"
