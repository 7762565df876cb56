#!/usr/bin/env bash
# Quick start 2: set up this machine, build, run the whole CTest suite.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$root/cmake/setup.sh"
dmasim_install_packages
dmasim_build "$root"
cd "$root/build"
exec ctest --output-on-failure -j "$(nproc)" "$@"
