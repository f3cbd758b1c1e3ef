# Shared helpers for Hark's scripts. Sourced, not run.
set -euo pipefail
HARK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HARK_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/hark"
export PATH="$HOME/.cargo/bin:$PATH"
say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
