#!/usr/bin/env bash
# Quick start 1: set up this machine, build, run the default simulation (or the given options).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$root/cmake/setup.sh"
dmasim_install_packages
dmasim_build "$root"
cd "$root"
if [ $# -eq 0 ]; then
  set -- --vcd waves/default.vcd --json results.json
fi
exec "$root/build/dmasim" "$@"
