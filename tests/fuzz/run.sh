#!/usr/bin/env bash
# Fuzz the DC decoder (core/imaging/_jpeg_dc.c) with libFuzzer under ASan and UBSan.
#   bash tests/fuzz/run.sh [SECONDS]      (default 300; needs clang: apt-get install clang)
# The corpus it grows stays in $FUZZ_DIR (default /tmp/photoflow-fuzz) for the next run; a crash
# leaves its input there as crash-*; replay one with: $FUZZ_DIR/jpeg_dc_fuzzer FILE
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v clang >/dev/null || { echo "needs clang with libFuzzer: apt-get install clang" >&2; exit 2; }
PY=.venv/bin/python
INCLUDE=$($PY -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
LIBDIR=$($PY -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR"))')
VERSION=$($PY -c 'import sys; print("%d.%d" % sys.version_info[:2])')
OUT=${FUZZ_DIR:-/tmp/photoflow-fuzz}
mkdir -p "$OUT/corpus"

clang -g -O1 -std=c99 -Wall -Wextra -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=undefined -I"$INCLUDE" tests/fuzz/jpeg_dc_fuzzer.c \
  -L"$LIBDIR" -Wl,-rpath,"$LIBDIR" -lpython"$VERSION" -o "$OUT/jpeg_dc_fuzzer"
$PY tests/fuzz/seeds.py "$OUT/seeds"

# PYTHONMALLOC=malloc: each plane the decoder fills is its own allocation, guarded by ASan.
export PYTHONMALLOC=malloc PYTHONHOME=$($PY -c 'import sys; print(sys.base_prefix)')
export ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$OUT"
exec ./jpeg_dc_fuzzer -dict="$OLDPWD/tests/fuzz/jpeg.dict" -max_len=65536 -timeout=10 \
  -max_total_time="${1:-300}" -print_final_stats=1 corpus seeds
