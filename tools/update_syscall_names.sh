#!/bin/sh
# Refresh the vendored syscall lists (tools/syscalls/) from a kernel source
# tree, as strace keeps its tables current: every x86_64 syscall of
# arch/x86/entry/syscalls/syscall_64.tbl ("common" and "64" ABIs) that the
# build machine's <asm/unistd_64.h> lacks. Numbers from 424 on are the same
# on every architecture and go to common.txt; older ones to x86_64.txt.
#
# Usage: tools/update_syscall_names.sh /path/to/linux
set -eu
tree=${1:?usage: $0 KERNEL_TREE}
dir=$(dirname "$0")/syscalls
tbl=$tree/arch/x86/entry/syscalls/syscall_64.tbl
version=$(make -s -C "$tree" kernelversion 2>/dev/null || echo "?")
header=${UNISTD_H:-$(echo '#include <asm/unistd.h>' | cc -E -M -x c - | tr ' \\' '\n\n' | grep 'unistd_64.h$' | head -n1)}
new=$(sed -n 's/^#define __NR_[a-z0-9_]*[ \t]\{1,\}\([0-9]\{1,\}\)$/\1/p' "$header" |
	awk 'NR == FNR { known[$1] = 1; next }
	     $1 ~ /^[0-9]+$/ && ($2 == "common" || $2 == "64") && !($1 in known) { print $1, $3 }' \
		- "$tbl")
cat > "$dir/common.txt" <<EOT
# Syscalls newer than the oldest <asm/unistd_64.h> latscope builds against
# (Debian 12's linux-libc-dev, Linux 6.1, ends at 450), in the numbering
# every architecture shares since 424. "NR name" per line; current to
# Linux $version. Regenerate with tools/update_syscall_names.sh KERNEL_TREE.
$(echo "$new" | awk '$1 >= 424')
EOT
cat > "$dir/x86_64.txt" <<EOT
# x86_64 only, newer than Debian 12's <asm/unistd_64.h>: the uprobe
# trampolines' own syscalls (Linux 6.11 and 6.16). See common.txt.
$(echo "$new" | awk '$1 < 424')
EOT
echo "tools/syscalls/: $(echo "$new" | grep -c .) syscalls the header lacks (Linux $version)"
