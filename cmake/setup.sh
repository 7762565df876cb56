#!/usr/bin/env bash
# Shared set-up for run.sh and test.sh: install missing Debian packages, configure, build.
# Idempotent: does nothing but an incremental build when everything is in place.
set -euo pipefail

DMASIM_PACKAGES=(cmake ninja-build g++ pkg-config libsystemc-dev verilator libgtest-dev
  libgmock-dev nlohmann-json3-dev gnuplot-nox parallel clang-14 libclang-rt-14-dev)

dmasim_install_packages() {
  local missing=()
  for p in "${DMASIM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "dmasim: installing ${missing[*]}" >&2
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "dmasim: need root or sudo to install ${missing[*]}" >&2; exit 2; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq </dev/null
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
}

dmasim_build() {
  local root="$1"
  local build="${2:-$root/build}"
  if [ ! -f "$build/build.ninja" ]; then
    # shellcheck disable=SC2086
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      ${DMASIM_CMAKE_ARGS:-} >/dev/null
  fi
  # Quiet when it works; the whole log when it does not.
  if ! cmake --build "$build" -j "$(nproc)" >"$build/build.log" 2>&1; then
    cat "$build/build.log" >&2
    echo "dmasim: build failed (log: $build/build.log)" >&2
    exit 2
  fi
}
