#!/bin/sh
# Regenerate vmlinux.h from the running kernel's BTF (committed per arch).
set -eu
out=${1:?usage: gen_vmlinux.sh OUTPUT}
mkdir -p "$(dirname "$out")"
bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out"
