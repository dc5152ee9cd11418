#!/usr/bin/env bash
# Every cargo feature of a generated client crate compiles alone, without warnings; so do no
# features and all features together (issue 5).
#
# usage: .ci/check-features.sh [CRATE_DIR]
#   CRATE_DIR defaults to generated-client (the checked-in crate, a workspace member). Any other
#   generated crate works too, e.g. the full API from
#   `cargo xtask codegen --specs DIR --out CRATE_DIR`; set CARGO_TARGET_DIR to share its
#   already built dependencies.
#
# `-D warnings` goes to the generated crate only (`cargo rustc ... -- -D warnings`), so its
# dependencies keep their compiled artifacts; RUSTFLAGS would rebuild them all.
set -euo pipefail
cd "$(dirname "$0")/.."
crate_dir="${1:-generated-client}"
manifest="$crate_dir/Cargo.toml"
[[ -f "$manifest" ]] || { echo "no $manifest" >&2; exit 2; }

# The feature names: keys of the [features] table of the generated Cargo.toml, minus default.
features=$(awk '
  /^\[/ { in_features = ($0 == "[features]"); next }
  in_features && /^[A-Za-z0-9_-]+ *=/ { sub(/ *=.*/, ""); if ($0 != "default") print }
' "$manifest")
[[ -n "$features" ]] || { echo "no features in $manifest" >&2; exit 2; }

check() {
  local label=$1; shift
  local start=$(( $(date +%s%N) / 1000000 ))
  if ! cargo rustc --quiet --manifest-path "$manifest" --lib --profile check "$@" -- -D warnings; then
    echo "FAILED: $label" >&2
    exit 1
  fi
  printf '  ok %-32s %6d ms\n' "$label" $(( $(date +%s%N) / 1000000 - start ))
}

echo "features of $manifest, each alone with -D warnings:"
total_start=$(( $(date +%s%N) / 1000000 ))
check "(none)" --no-default-features
for feature in $features; do
  check "$feature" --no-default-features --features "$feature"
done
check "(all)" --all-features
echo "all features checked in $(( $(date +%s%N) / 1000000 - total_start )) ms"
