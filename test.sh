#!/usr/bin/env bash
# Quick start 2: set up this machine, build, run the whole CTest suite.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$root/cmake/setup.sh"
dmasim_install_packages
dmasim_build "$root"
cd "$root/build"
# Soaks run only when asked for (./test.sh -L soak); any argument replaces the default.
if [ $# -eq 0 ]; then set -- -LE soak; fi
exec ctest --output-on-failure -j "$(nproc)" "$@"
