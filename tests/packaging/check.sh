#!/usr/bin/env bash
# `make packaging-check`: what a user reads and installs agrees with the
# binary. Help per command (and `help CMD`), one-line usage errors, the man
# page (renders without warnings, names every option --help lists), bash
# completion (offers a command's options, not the ones it refuses), and
# `make install PREFIX=... DESTDIR=...` into a scratch directory.
#
#   tests/packaging/check.sh [BUILD_DIR]     (no root needed)
set -uo pipefail

BUILD=${1:-build}
LATSCOPE=$BUILD/latscope
MAN_SRC=tools/man/latscope.1.scd
fails=0
checks=0

ok() { checks=$((checks + 1)); }
fail() { checks=$((checks + 1)); fails=$((fails + 1)); echo "packaging: FAIL: $*"; }
expect() { # expect DESCRIPTION COMMAND...
	local what=$1; shift
	if "$@"; then ok; else fail "$what"; fi
}

stage=$(mktemp -d /tmp/latscope-packaging-XXXXXX)
trap 'rm -rf "$stage"' EXIT

# --version, and help that is the command's own --help.
expect "--version" grep -qE '^latscope [0-9]+\.[0-9]+\.[0-9]+$' <("$LATSCOPE" --version)
for cmd in record top check diff heatmap; do
	expect "help $cmd is $cmd --help" cmp -s <("$LATSCOPE" help "$cmd") <("$LATSCOPE" "$cmd" --help)
	expect "$cmd --help starts with its usage" grep -q "^usage: latscope $cmd" <("$LATSCOPE" "$cmd" --help)
	for opt in $("$LATSCOPE" "$cmd" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
		expect "man page lacks $cmd's $opt" grep -q -- "\\*$opt\\|$opt\\*\\|, $opt" "$MAN_SRC"
	done
done
# check judges the whole trace: its help does not offer what it refuses.
for opt in --interval --jsonl; do
	expect "check --help lists $opt, which check refuses" \
		bash -c "! '$LATSCOPE' check --help | grep -q -- '$opt '"
done
expect "-c help says simple commands are exec'd" grep -q "exec'd" <("$LATSCOPE" record --help)

# Usage errors: exit 2, one line, pointing at the command's help.
usage_error() { # usage_error CMD ARGS...
	local cmd=$1 err rc
	err=$("$LATSCOPE" "$@" 2>&1 >/dev/null); rc=$?
	[[ $rc -eq 2 && $(printf '%s\n' "$err" | wc -l) -eq 1 &&
		$err == "latscope: "*"(see latscope $cmd --help)" ]] ||
		{ echo "  got exit $rc: $err"; return 1; }
}
expect "record --bogus" usage_error record -p 1 --bogus
expect "check without requirements" usage_error check -p 1
expect "check -i" usage_error check -p 1 -i 1 --assert 'syscalls.count > 0'
expect "diff with one file" usage_error diff a.json
expect "heatmap without -o" usage_error heatmap a.jsonl
expect "record --heatmap without -i" usage_error record -p 1 --heatmap x.svg
expect "unknown command" bash -c "'$LATSCOPE' recrd 2>&1 | grep -qx \"latscope: unknown command 'recrd' (see latscope --help)\""

# The man page renders without a warning.
expect "man page renders cleanly" bash -c "groff -man -ww -z '$BUILD/latscope.1' 2>&1 | grep -q . && exit 1 || exit 0"

# bash completion offers the options of the command being typed.
complete_words() { # complete_words WORD... (the last one is being completed)
	bash -c 'source tools/completion/latscope.bash
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _latscope
		printf "%s\n" "${COMPREPLY[@]}"' bash "$@"
}
PATH=$BUILD:$PATH
expect "bash: check --sn" grep -qx -- --snapshot <(PATH=$PATH complete_words latscope check --sn)
expect "bash: record --his" grep -qx -- --hist <(PATH=$PATH complete_words latscope record --his)
expect "bash: check offers no --interval" bash -c "! grep -qx -- --interval <(PATH=$PATH; $(declare -f complete_words); complete_words latscope check --int)"
expect "bash: commands" grep -qx heatmap <(complete_words latscope he)
expect "zsh completion parses" zsh -n tools/completion/_latscope

# make install into a scratch DESTDIR, and the installed binary runs.
expect "make install" make --no-print-directory -s install PREFIX=/usr DESTDIR="$stage" BUILD="$BUILD"
for f in usr/bin/latscope usr/share/man/man1/latscope.1 \
	usr/share/bash-completion/completions/latscope usr/share/zsh/vendor-completions/_latscope \
	usr/share/doc/latscope/LICENSE; do
	expect "installed $f" test -s "$stage/$f"
done
expect "installed binary is executable" test -x "$stage/usr/bin/latscope"
expect "installed binary runs" grep -q '^latscope ' <("$stage/usr/bin/latscope" --version)
expect "installed man page renders" bash -c "man -l '$stage/usr/share/man/man1/latscope.1' 2>/dev/null | grep -q 'latscope - latency tracer'"

echo "packaging: $((checks - fails)) passed, $fails failed"
[[ $fails -eq 0 ]]
