# Helpers the benchmark scripts share; sourced, not run.

# median: the median of the numbers on stdin (sort -g: 1e+06 and 12.5 alike);
# fails on empty input.
median() {
	sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) exit 1; print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# pid_prog_stats PID: "ID NAME RUN_NS RUNS" for each BPF program PID holds
# (its fds, /proc/PID/fdinfo), from `bpftool prog show`. RUN_NS and RUNS
# count only while kernel.bpf_stats_enabled is 1.
pid_prog_stats() {
	local ids
	# Nothing when PID is gone (a tracer that died): the caller sees no rows.
	ids=" $({ grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null || true; } | awk '{ print $2 }' | sort -u | tr '\n' ' ') "
	bpftool prog show | awk -v ids="$ids" '
		/^[0-9]+:/ { id = $1; sub(":", "", id)
			if (!index(ids, " " id " ")) next
			name = ""; ns = 0; runs = 0
			for (i = 2; i < NF; i++) {
				if ($i == "name") name = $(i + 1)
				if ($i == "run_time_ns") ns = $(i + 1)
				if ($i == "run_cnt") runs = $(i + 1)
			}
			print id, name, ns, runs }'
}
