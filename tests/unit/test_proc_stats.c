// /proc parsing: captured status and stat files in, figures out.
#include <criterion/criterion.h>
#include <errno.h>
#include <unistd.h>
#include "loader/proc_stats.h"

static const char status_text[] = "Name:\tdemo_app\n"
				  "Umask:\t0022\n"
				  "State:\tS (sleeping)\n"
				  "Tgid:\t6448\n"
				  "VmPeak:\t   10428 kB\n"
				  "VmSize:\t   10424 kB\n"
				  "VmHWM:\t    3260 kB\n"
				  "VmRSS:\t    3188 kB\n"
				  "RssAnon:\t     128 kB\n"
				  "Threads:\t2\n"
				  "SigQ:\t0/7823\n";

Test(proc_stats, status_fields)
{
	struct proc_stats s = {};

	cr_assert_eq(proc_parse_status(status_text, &s), 0);
	cr_assert_eq(s.rss_kb, 3188);
	cr_assert_eq(s.peak_rss_kb, 3260);
	cr_assert_eq(s.threads, 2);
	cr_assert(s.has_memory);
}

Test(proc_stats, zombie_has_no_memory)
{
	struct proc_stats s = {};

	cr_assert_eq(proc_parse_status("Name:\tx\nState:\tZ (zombie)\nThreads:\t1\n", &s), 0);
	cr_assert_not(s.has_memory);
	cr_assert_eq(s.rss_kb, 0);
	cr_assert_eq(s.threads, 1);
}

Test(proc_stats, status_without_threads_is_invalid)
{
	struct proc_stats s = {};

	cr_assert_eq(proc_parse_status("Name:\tx\n", &s), -EINVAL);
}

Test(proc_stats, key_prefix_is_not_a_match)
{
	struct proc_stats s = {};

	/* "VmRSSx" must not be read as VmRSS. */
	cr_assert_eq(proc_parse_status("VmRSSx:\t5 kB\nThreads:\t1\n", &s), 0);
	cr_assert_not(s.has_memory);
}

Test(proc_stats, stat_faults_after_odd_comm)
{
	/* A comm with spaces and a ')' inside: fields follow the last ')'. */
	const char *stat = "6448 (we ird) name) S 1 6448 6448 0 -1 4194560 "
			   "1234 0 7 0 12 3 0 0 20 0 2 0 100 10674176 797\n";
	struct proc_stats s = {};

	cr_assert_eq(proc_parse_stat(stat, &s), 0);
	cr_assert_eq(s.minor_faults, 1234);
	cr_assert_eq(s.major_faults, 7);
}

Test(proc_stats, stat_truncated_is_invalid)
{
	struct proc_stats s = {};

	cr_assert_eq(proc_parse_stat("1 (x) S 1 1", &s), -EINVAL);
	cr_assert_eq(proc_parse_stat("garbage", &s), -EINVAL);
}

Test(proc_stats, reads_own_process)
{
	struct proc_stats s = {};

	cr_assert_eq(proc_stats_read(getpid(), &s), 0);
	cr_assert_gt(s.rss_kb, 0);
	cr_assert_geq(s.peak_rss_kb, s.rss_kb);
	cr_assert_geq(s.threads, 1);
	cr_assert_geq(s.fds, 3);
	cr_assert_gt(s.minor_faults, 0);
}

Test(proc_stats, gone_process_is_esrch)
{
	struct proc_stats s = {};

	cr_assert_eq(proc_stats_read(0x3ffffffe, &s), -ESRCH);
}

Test(proc_stats, cpu_time_is_utime_plus_stime)
{
	/* pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	const char *stat = "6448 (a (b) c) R 1 6448 6448 0 -1 4194560 120 0 3 0 250 50 0 0 20 0";
	__u64 ns;

	cr_assert_eq(proc_parse_cpu_ns(stat, 100, &ns), 0);
	cr_assert_eq(ns, 3000000000ULL, "300 ticks of 10 ms");
	cr_assert_eq(proc_parse_cpu_ns("6448 (x) R 1", 100, &ns), -EINVAL);
	cr_assert_eq(proc_parse_cpu_ns(stat, 0, &ns), -EINVAL);
}

/* NSpid lists the PID in each namespace, the process's own last. */
Test(proc_stats, ns_pid_is_the_innermost)
{
	struct proc_stats s = {};

	cr_assert_eq(proc_parse_status("NSpid:\t8123\t40\t1\nNSpgid:\t77\nThreads:\t1\n", &s), 0);
	cr_assert_eq(s.ns_pid, 1);
	cr_assert_eq(proc_parse_status("NSpid:\t8123\nThreads:\t1\n", &s), 0);
	cr_assert_eq(s.ns_pid, 8123);
	cr_assert_eq(proc_parse_status("Threads:\t1\n", &s), 0);
	cr_assert_eq(s.ns_pid, -1);
}
