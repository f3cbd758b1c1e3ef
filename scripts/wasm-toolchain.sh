#!/usr/bin/env bash
# Makes `scripts/wasm-env.sh` able to build wasm32-unknown-unknown.
# 1. With rustup and a reachable download server: `rustup target add wasm32-unknown-unknown`.
# 2. Otherwise (offline Debian, as on CI): Debian's rustc-web (an LLVM that knows wasm32) + its
#    Rust source; the wasm32 std is built once with -Zbuild-std and kept as a sysroot in
#    ~/.cache/hark, and a small `rustc` wrapper points at it so wasm-pack sees a normal toolchain.
source "$(dirname "$0")/lib.sh"

# HARK_WASM_ROUTE=debian forces route 2 (to test it on a machine where route 1 works).
if [ "${HARK_WASM_ROUTE:-}" != debian ]; then
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then exit 0; fi
  if command -v rustup >/dev/null && timeout 120 rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
    say "wasm32 target installed with rustup"; exit 0
  fi
fi

missing=()
for p in rustc-web cargo-web rust-web-src lld-22; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "rustup cannot add wasm32 here; installing Debian's wasm-capable rustc: ${missing[*]}"
  as_root apt-get update -q
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

version=$(/usr/bin/rustc --version | awk '{print $2}')
sysroot="$HARK_CACHE/wasm-sysroot-$version"
libdir="$sysroot/lib/rustlib/wasm32-unknown-unknown/lib"
if ! ls "$libdir"/libstd-*.rlib >/dev/null 2>&1; then
  say "building the wasm32 standard library with rustc $version (once, ~1 min)"
  probe=$(mktemp -d)
  mkdir -p "$probe/src"
  printf '[package]\nname = "stdprobe"\nversion = "0.0.0"\nedition = "2021"\n[lib]\ncrate-type = ["cdylib"]\n[workspace]\n' > "$probe/Cargo.toml"
  echo 'pub fn f() -> usize { std::vec![1].len() }' > "$probe/src/lib.rs"
  (cd "$probe" && PATH=/usr/bin:$PATH RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=/usr/lib/llvm-22/bin/wasm-ld \
    /usr/bin/cargo build -q --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort)
  mkdir -p "$libdir"
  find "$probe/target/wasm32-unknown-unknown/release/deps" -name '*.rlib' ! -name 'libstdprobe*' -exec cp {} "$libdir/" \;
  rm -rf "$probe"
fi
for d in x86_64-unknown-linux-gnu src etc; do
  [ -e "/usr/lib/rustlib/$d" ] && ln -sfn "/usr/lib/rustlib/$d" "$sysroot/lib/rustlib/$d"
done
mkdir -p "$HARK_CACHE/bin"
printf '#!/bin/sh\nexec /usr/bin/rustc --sysroot=%s "$@"\n' "$sysroot" > "$HARK_CACHE/bin/rustc"
chmod +x "$HARK_CACHE/bin/rustc"
say "wasm32 toolchain ready (Debian rustc $version, sysroot $sysroot)"
