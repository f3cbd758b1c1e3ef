# Sourced by build scripts: picks the wasm32 route that scripts/wasm-toolchain.sh set up.
if [ "${HARK_WASM_ROUTE:-}" = debian ] || ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  # Debian's rustc-web through the wrapper that points at the self-built wasm32 sysroot.
  export PATH="${XDG_CACHE_HOME:-$HOME/.cache}/hark/bin:/usr/bin:$HOME/.cargo/bin:$PATH"
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=/usr/lib/llvm-22/bin/wasm-ld
  unset RUSTC
fi
