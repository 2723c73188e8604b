#!/bin/sh
# Checks that user/'s includes point down the layers and form no cycle.
#
# Each folder of user/ is a layer with a rank (the table below, also drawn
# in README "Layout"). A file may include headers of its own folder and of
# folders ranked lower; peers of one rank (loader and the views, session
# and judge) do not include each other. Among modules (x.c and x.h are one
# module) the includes must form no cycle, inside a folder too. Headers
# from bpf/ (the ABI) are below everything; skeletons belong to the loader,
# and the protobuf code generated from views/metrics/metrics.proto to the
# metrics view.
#
# Usage: tools/check_layers.sh [USER_DIR]   (exit 1 and one line per fault)
set -eu
cd "${1:-user}"

ranks='base 0
protocols 1
model 2
loader 3
views/text 3
views/json 3
views/metrics 3
views/top 3
views/svg 3
session 4
judge 4
cli 5'

edges=$(mktemp)
trap 'rm -f "$edges"' EXIT

# "file include" pairs for every quoted include.
find . -name '*.[ch]' | sed 's|^\./||' | sort | while read -r file; do
	sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file" | while read -r inc; do
		echo "$file $inc"
	done
done | awk -v ranks="$ranks" -v edges="$edges" '
function folder(path,   n, parts) {
	n = split(path, parts, "/")
	if (n < 2)
		return ""
	if (parts[1] == "views" && n >= 3)
		return parts[1] "/" parts[2]
	return parts[1]
}
function module(path) {
	sub(/\.[ch]$/, "", path)
	return path
}
BEGIN {
	n = split(ranks, lines, "\n")
	for (i = 1; i <= n; i++) {
		split(lines[i], kv, " ")
		rank[kv[1]] = kv[2]
	}
	bad = 0
}
{
	file = $1; inc = $2
	from = folder(file)
	if (!(from in rank)) {
		printf "layers: %s is in no layer (add its folder to tools/check_layers.sh)\n", file
		bad = 1
		next
	}
	if (inc ~ /\.pb-c\.h$/ && from != "views/metrics") {
		printf "layers: %s includes %s: only views/metrics knows the generated protobuf code\n", file, inc
		bad = 1
		next
	}
	if (inc ~ /\.skel\.h$/) {
		if (from != "loader") {
			printf "layers: %s includes skeleton %s: only loader/ knows skeletons\n", file, inc
			bad = 1
		}
		next
	}
	to = folder(inc)
	if (to == "")
		next	# bpf/ ABI headers (latscope.h, hist.h, lat_record.h)
	if (!(to in rank)) {
		printf "layers: %s includes %s, in no layer\n", file, inc
		bad = 1
		next
	}
	if (to != from && rank[to] >= rank[from]) {
		printf "layers: %s (%s, rank %d) includes %s (%s, rank %d): includes point only downward\n", \
			file, from, rank[from], inc, to, rank[to]
		bad = 1
	}
	if (module(file) != module(inc))
		print module(file), module(inc) > edges
}
END { exit bad }
' || status=1

# tsort names the modules of a cycle on stderr.
if ! tsort "$edges" > /dev/null 2> "$edges.err"; then
	echo "layers: include cycle among modules:"
	grep -v 'input contains a loop' "$edges.err" | sed 's/^tsort: /  /'
	status=1
fi
rm -f "$edges.err"
if [ "${status:-0}" -ne 0 ]; then
	exit 1
fi
echo "layers: includes point downward, no cycles"
