// Function latency through uprobes (-u): exact call counts, latencies of
// known functions, recursion, threads, shared libraries, PIE and non-PIE,
// stripped binaries and the one-line errors. Every run uses -c, so the
// probes are in place before main() and no call is missed.
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "run.h"

INTEGRATION_SUITE(funcs);

#define MS 1000000LL

static struct proc *record_funcs(const char *binary, const char *args, char *const opts[])
{
	return record_command(strf("%s %s", workload_bin(binary), args), opts);
}

static json_t *funcs_snapshot(const char *binary, const char *args, const char *spec)
{
	return snapshot_of(
		record_funcs(binary, args, (char *[]){ "--json", "-u", (char *)spec, NULL }));
}

static long long func_int(json_t *snap, const char *func, const char *field)
{
	return jint(snap, strf("functions.%s.%s", func, field));
}

/* One histogram per row, and self time within total time. */
static void assert_func_consistent(json_t *snap, const char *func)
{
	json_t *row = jpath(jpath(snap, "functions"), func);

	assert_latency_row(row, strf("functions.%s", func));
	cr_assert(jint(row, "self_ns") <= jint(row, "total_ns"));
}

static void assert_within(long long got, long long want, double tolerance, const char *what)
{
	double err = (double)llabs(got - want) / (double)want;

	cr_assert(err <= tolerance, "%s: %lld ns, expected %lld ns within %.0f%%", what, got, want,
		  tolerance * 100);
}

Test(funcs, exact_count_pie)
{
	json_t *snap = funcs_snapshot("funcs", "count 1000", "count_me");

	cr_assert_eq(func_int(snap, "count_me", "count"), 1000);
	cr_assert_str_eq(jstr(snap, "functions.count_me.module"), "funcs");
	assert_func_consistent(snap, "count_me");
	/* x86_64's return trampoline enters the kernel once per return: ours, not the target's. */
	cr_assert_eq(syscall_count(snap, "uretprobe") + syscall_count(snap, "syscall_335") +
			     syscall_count(snap, "uprobe") + syscall_count(snap, "syscall_336"),
		     0, "latscope's uprobe trampoline counted as the target's syscalls");
	json_decref(snap);
}

Test(funcs, exact_count_non_pie)
{
	json_t *snap = funcs_snapshot("funcs-nopie", "count 777", "count_me");

	cr_assert_eq(func_int(snap, "count_me", "count"), 777);
	assert_func_consistent(snap, "count_me");
	json_decref(snap);
}

/* p50 within 5 % of the median the workload measured around its own calls. */
Test(funcs, sleeping_function_p50)
{
	struct proc *p = record_funcs("funcs", "sleep 15 20",
				      (char *[]){ "--json", "-u", "sleep_fixed", NULL });
	json_t *snap = snapshot_of(p);
	const char *median = strstr(p->err.data, "median_ns ");

	cr_assert_not_null(median, "the workload prints its median: %s", p->err.data);
	cr_assert_eq(func_int(snap, "sleep_fixed", "count"), 15);
	assert_within(func_int(snap, "sleep_fixed", "p50_ns"), atoll(median + strlen("median_ns ")),
		      0.05, "p50");
	json_decref(snap);
}

/*
 * recurse(5) with a 20 ms sleep per level: level k lasts its own sleep plus
 * every deeper level's, so sorted, the five inclusive times are the suffix
 * sums of the sleeps the workload measured (outermost first): min is the
 * innermost level, p50 (3rd of 5) level 3, max level 1, and the total their
 * sum. recurse's self time excludes sleep_fixed (traced too).
 */
Test(funcs, recursion_each_level)
{
	struct proc *p =
		record_funcs("funcs", "recurse 5 20",
			     (char *[]){ "--json", "-u", "recurse", "-u", "sleep_fixed", NULL });
	json_t *snap = snapshot_of(p);
	const char *line = strstr(p->err.data, "sleep_ns ");
	long long sleep[5], level[5], total = 0;
	char *end;

	cr_assert_not_null(line, "the workload prints its sleeps: %s", p->err.data);
	line += strlen("sleep_ns ");
	for (int i = 0; i < 5; i++, line = end)
		sleep[i] = strtoll(line, &end, 10);
	for (int i = 4; i >= 0; i--)
		level[i] = sleep[i] + (i < 4 ? level[i + 1] : 0);
	for (int i = 0; i < 5; i++)
		total += level[i];
	cr_assert_eq(func_int(snap, "recurse", "count"), 5);
	cr_assert_eq(func_int(snap, "sleep_fixed", "count"), 5);
	assert_within(func_int(snap, "recurse", "min_ns"), level[4], 0.05, "level 5");
	assert_within(func_int(snap, "recurse", "p50_ns"), level[2], 0.05, "level 3");
	assert_within(func_int(snap, "recurse", "max_ns"), level[0], 0.05, "level 1");
	assert_within(func_int(snap, "recurse", "total_ns"), total, 0.05, "total");
	cr_assert_lt(func_int(snap, "recurse", "self_ns"), 5 * MS,
		     "recurse's own code is cheap: %lld ns", func_int(snap, "recurse", "self_ns"));
	cr_assert_eq(func_int(snap, "sleep_fixed", "self_ns"),
		     func_int(snap, "sleep_fixed", "total_ns"), "a leaf is all self");
	cr_assert_eq(jint(snap, "overhead.probes.unpaired"), 0);
	cr_assert_eq(jint(snap, "overhead.probes.too_deep"), 0);
	assert_func_consistent(snap, "recurse");
	json_decref(snap);
}

/* Deeper than the per-thread stack: counted, never a wrong number. */
Test(funcs, recursion_deeper_than_stack)
{
	json_t *snap = snapshot_of(record_funcs("funcs", "recurse 40 0",
						(char *[]){ "--json", "-u", "recurse", NULL }));

	cr_assert_eq(func_int(snap, "recurse", "count"), 32);
	cr_assert_eq(jint(snap, "overhead.probes.too_deep"), 8);
	cr_assert_eq(jint(snap, "overhead.probes.unpaired"), 0);
	json_decref(snap);
}

Test(funcs, threads)
{
	json_t *snap = funcs_snapshot("funcs", "threads 4 2500", "count_me");

	cr_assert_eq(func_int(snap, "count_me", "count"), 10000);
	json_decref(snap);
}

Test(funcs, own_shared_library)
{
	json_t *snap = funcs_snapshot("funcs", "lib 500", "libfuncs:lib_work");

	cr_assert_eq(func_int(snap, "lib_work", "count"), 500);
	cr_assert_str_eq(jstr(snap, "functions.lib_work.module"), "libfuncs.so");
	json_decref(snap);
}

/* The overhead section's entry for @func, from overhead.probes.functions. */
static json_t *probe_of(json_t *snap, const char *func)
{
	json_t *p = jfind_str(jpath(snap, "overhead.probes.functions"), "function", func);

	cr_assert(p, "no overhead.probes entry for %s", func);
	return p;
}

Test(funcs, glob_says_how_many)
{
	struct proc *p =
		record_funcs("funcs", "hot 300", (char *[]){ "--json", "-u", "funcs:hot_*", NULL });
	json_t *snap = snapshot_of(p);

	cr_assert(strstr(p->err.data, "-u funcs:hot_*: 2 functions in "), "%s", p->err.data);
	cr_assert_eq(func_int(snap, "hot_push", "count"), 300);
	cr_assert_eq(func_int(snap, "hot_lea", "count"), 300);
#if defined(__x86_64__)
	cr_assert_str_eq(jstr(probe_of(snap, "hot_push"), "first_insn"), "emulated");
	cr_assert_str_eq(jstr(probe_of(snap, "hot_lea"), "first_insn"), "single-stepped");
#endif
	json_decref(snap);
}

/*
 * 200 000 hits in a few seconds at >= 1 us each is far above 1 % of a CPU:
 * warned about. A probe never hit is not.
 */
Test(funcs, hot_probe_warned)
{
	const char *out = strf("%s/snap.json", temp_dir());
	struct proc *p = record_funcs("funcs", "push 200000",
				      (char *[]){ "-o", (char *)out, "-u", "hot_push", "-u",
						  "count_me", NULL });
	json_t *snap;

	assert_exit(p, 0);
	snap = json_parse_file(out);
	cr_assert(json_is_true(json_object_get(probe_of(snap, "hot_push"), "hot")));
	cr_assert(json_is_false(json_object_get(probe_of(snap, "count_me"), "hot")));
	cr_assert(strstr(p->out.data, "warning: the probe on hot_push (funcs) fires "), "%s",
		  p->out.data);
	cr_assert_null(strstr(p->out.data, "warning: the probe on count_me"));
}

/*
 * libc itself may call malloc, so compare N and 2N calls of the same
 * program: the difference is exactly N.
 */
Test(funcs, libc_malloc_difference)
{
	json_t *one = funcs_snapshot("funcs", "malloc 1000", "libc:malloc");
	json_t *two = funcs_snapshot("funcs", "malloc 2000", "libc:malloc");

	cr_assert_eq(func_int(two, "malloc", "count") - func_int(one, "malloc", "count"), 1000);
	json_decref(one);
	json_decref(two);
}

/* A C++ method by its demangled name, without the parameter list. */
Test(funcs, cxx_demangled_name)
{
	json_t *snap = funcs_snapshot("funcs", "cxx 250", "app::Server::run");

	cr_assert_eq(jint(jpath(snap, "functions"), "app::Server::run(int).count"), 250);
	json_decref(snap);
}

Test(funcs, separate_debug_file)
{
	json_t *snap = funcs_snapshot("funcs-debuglink", "count 100", "count_me");
	const char *from = jstr(snap, "functions.count_me.symbols_from");

	cr_assert_eq(func_int(snap, "count_me", "count"), 100);
	cr_assert(strstr(from, "funcs-debuglink.debug"), "symbols from %s", from);
	json_decref(snap);
}

/* Requirements on functions: latscope check with -u. */
Test(funcs, check_asserts_on_functions)
{
	const char *cmd = strf("%s count 100", workload_bin("funcs"));
	struct proc *pass =
		run_command((char *[]){ (char *)latscope_bin(), "check", "-c", (char *)cmd, "-u",
					"count_me", "--assert", "functions.count_me.count == 100",
					"--assert", "functions.count_me.p99 < 1s", NULL },
			    RUN_TIMEOUT_S);
	struct proc *fail = run_command((char *[]){ (char *)latscope_bin(), "check", "-c",
						    (char *)cmd, "-u", "count_me", "--assert",
						    "functions.count_me.count > 100", NULL },
					RUN_TIMEOUT_S);

	assert_exit(pass, 0);
	assert_exit(fail, 1);
	cr_assert(strstr(fail->out.data, "FAIL"), "%s", fail->out.data);
}

static void assert_error(const char *binary, const char *spec, const char *needle)
{
	struct proc *p = record_funcs(binary, "count 1", (char *[]){ "-u", (char *)spec, NULL });

	assert_exit(p, 1);
	cr_assert(strstr(p->err.data, needle), "'%s' not in: %s", needle, p->err.data);
	cr_assert_eq(strchr(p->err.data, '\n') - p->err.data + 1, (long)strlen(p->err.data),
		     "one line: %s", p->err.data);
}

Test(funcs, stripped_binary_error)
{
	assert_error("funcs-stripped", "count_me", "stripped, no debug info");
}

Test(funcs, missing_symbol_suggests)
{
	assert_error("funcs", "count_mee", "no function named 'count_mee'");
	assert_error("funcs", "count_mee", "closest: count_me");
}

Test(funcs, library_not_found_error)
{
	assert_error("funcs", "libssl:SSL_write", "library 'libssl' is not a direct dependency");
}

Test(funcs, glob_too_many_error)
{
	assert_error("funcs", "libc:*", "functions in ");
	assert_error("funcs", "libc:*", "at most 1000 can be traced");
}

/*
 * By PID: the executable from /proc/PID/exe, libraries from its maps. The
 * library named twice (short name, path) is probed once.
 */
Test(funcs, by_pid_exe_and_mapped_library)
{
	const char *by_path = strf("%s:lib_work", workload_bin("libfuncs.so"));
	struct traced t = trace_pid("funcs", (char *[]){ "lib", "400", NULL },
				    (char *[]){ "--json", "-u", "libfuncs:lib_work", "-u",
						(char *)by_path, "-u", "main", NULL });
	json_t *snap = snapshot_of(t.tracer);

	assert_exit(t.workload, 0);
	cr_assert_eq(func_int(snap, "lib_work", "count"), 400);
	cr_assert_eq(json_object_size(jpath(snap, "functions")), 1,
		     "main was running at attach: no call of it completes");
	json_decref(snap);
}

Test(funcs, by_pid_library_not_mapped)
{
	struct proc *w = proc_start(
		(char *[]){ (char *)workload_bin("funcs"), "--wait-signal", "count", "1", NULL });
	struct proc *p;

	cr_assert(proc_wait_output(w, false, "ready ", RUN_START_TIMEOUT_S));
	p = run_command((char *[]){ (char *)latscope_bin(), "record", "-p",
				    (char *)strf("%d", w->pid), "-u", "libssl:SSL_write", NULL },
			RUN_TIMEOUT_S);
	proc_signal(w, SIGUSR1);
	proc_wait(w, RUN_TIMEOUT_S);
	assert_exit(p, 1);
	cr_assert(strstr(p->err.data,
			 strf("library 'libssl' is not mapped in pid %d (mapped: ", w->pid)),
		  "%s", p->err.data);
	cr_assert(strstr(p->err.data, "libfuncs.so"), "lists what is mapped: %s", p->err.data);
}
