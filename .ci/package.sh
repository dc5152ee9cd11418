#!/usr/bin/env bash
# Packages the publishable crates, meraki-runtime and meraki, as crates.io would receive them,
# prints the size of each .crate and fails when one is over crates.io's 10 MB upload limit.
#
# Both packages in one `cargo package` call: `meraki` depends on `meraki-runtime` by path and
# version, and cargo (1.90 or newer) resolves that dependency to the runtime it has just
# packaged, through a temporary local registry, so both are verified by building them from
# their .crate files exactly as a user would get them (about 2.5 min on 2 cores).
# Arguments go to `cargo package`, e.g. `--allow-dirty` in a working tree with local changes.
set -euo pipefail
cd "$(dirname "$0")/.."

limit=$((10 * 1000 * 1000)) # crates.io's limit for a .crate upload: 10 MB

# Cargo unpacks the .crate files of that temporary registry under $CARGO_HOME/registry/src/<hash>/,
# the hash named after the registry's path, and reuses an unpacked folder that is already there.
# A checkout at the same path as an earlier run (as on CI) would verify last run's sources, so
# the unpacked copies of these two crates go first. Only local registries' folders (their names
# start with "-": no host) are touched; crates.io's are left alone.
for unpacked in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/{meraki-runtime,meraki}-[0-9]*; do
  [[ -e $unpacked ]] && rm -rf -- "$unpacked"
done
cargo package -p meraki-runtime -p meraki "$@"

dir="${CARGO_TARGET_DIR:-target}/package"
status=0
for name in meraki-runtime meraki; do
  id=$(cargo pkgid -p "$name")   # path+file:///...#name@1.2.3, or ...#1.2.3
  version=${id##*[#@]}
  crate="$dir/$name-$version.crate"
  size=$(stat -c %s "$crate")
  printf '%-16s %10d bytes (%d KiB)  %s\n' "$name" "$size" $((size / 1024)) "$crate"
  if ((size > limit)); then
    echo "error: $crate is over crates.io's limit of $limit bytes" >&2
    status=1
  fi
done
exit $status
