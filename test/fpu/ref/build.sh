#!/usr/bin/env bash
# Rebuilds the FPU oracle (test/fpu/ref/fpref) from fpref.c with Debian's gcc-riscv64-linux-gnu.
# Static, so qemu-riscv64 runs it without a sysroot. The binary is committed; tests only need qemu-riscv64.
set -euo pipefail
cd "$(dirname "$0")"
riscv64-linux-gnu-gcc -Os -static -march=rv64gc -mabi=lp64d -o fpref fpref.c
riscv64-linux-gnu-strip fpref
ls -l fpref
