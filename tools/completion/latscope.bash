# bash completion for latscope. The options come from `latscope CMD --help`
# itself, so completion always offers what the installed binary takes.

_latscope_options()
{
	"$1" "$2" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

_latscope()
{
	local cur prev cmd
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	cmd=${COMP_WORDS[1]}

	if [[ $COMP_CWORD -eq 1 ]]; then
		COMPREPLY=($(compgen -W 'record top check diff heatmap help --help --version' -- "$cur"))
		return
	fi
	case $prev in
	-p|--pid)
		COMPREPLY=($(compgen -W "$(ps -eo pid= 2>/dev/null)" -- "$cur"))
		return ;;
	-c|--command)
		COMPREPLY=($(compgen -c -- "$cur"))
		return ;;
	--comm)
		COMPREPLY=($(compgen -W "$(ps -eo comm= 2>/dev/null | sort -u)" -- "$cur"))
		return ;;
	--cgroup)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	--unit)
		COMPREPLY=($(compgen -W "$(ls /sys/fs/cgroup/system.slice /sys/fs/cgroup/unified/system.slice 2>/dev/null | grep '\.service$')" -- "$cur"))
		return ;;
	-o|--output|--junit|--heatmap)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--snapshot|--requirements)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	-d|--duration|-i|--interval|--slow|--warn|--assert|--alert|-u|--uprobe|--listen|\
	--buckets|--ringbuf-size|--keep|--max-regression|--min-count|--alpha|-r|--row|\
	--heatmap-row|--rows)
		return ;;
	esac
	if [[ $cmd == help ]]; then
		COMPREPLY=($(compgen -W 'record top check diff heatmap' -- "$cur"))
		return
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_latscope_options "${COMP_WORDS[0]}" "$cmd")" -- "$cur"))
		return
	fi
	case $cmd in
	diff) COMPREPLY=($(compgen -f -X '!*.json' -- "$cur") $(compgen -d -- "$cur")) ;;
	heatmap) COMPREPLY=($(compgen -f -X '!*.jsonl' -- "$cur") $(compgen -d -- "$cur")) ;;
	esac
}

complete -F _latscope latscope
