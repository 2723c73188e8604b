// latscope top driven for real: in a detached 80x24 tmux session (a private
// server per test), keys sent with send-keys, the screen read with
// capture-pane. The workload is tests/workloads/steady.c: every 100 ms,
// 10 getppid, one failed open, one 100 ms sleep.
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "run.h"

#define TMUX_TIMEOUT_S 5.0
/* Loading BPF on a busy machine, then the first 1 s interval. */
#define FIRST_FRAME_S 10.0
#define SCREEN_S      5.0
#define MAX_TMUX_ARGS 24

static const char *sock; /* this test's tmux server */

static void top_cleanup(void)
{
	if (sock) {
		char *argv[] = { "tmux", "-S", (char *)sock, "kill-server", NULL };

		proc_forget(run_command(argv, TMUX_TIMEOUT_S));
		sock = NULL;
	}
	harness_cleanup();
}

TestSuite(top, .init = require_root, .fini = top_cleanup);

/* Runs tmux on this test's server; returns its stdout. */
static const char *tmux(const char *arg, ...)
{
	char *argv[MAX_TMUX_ARGS] = { "tmux", "-S", (char *)sock };
	int argc = 3;
	struct proc *p;
	va_list ap;

	va_start(ap, arg);
	for (; arg && argc < MAX_TMUX_ARGS - 1; arg = va_arg(ap, const char *))
		argv[argc++] = (char *)arg;
	va_end(ap);
	argv[argc] = NULL;
	p = run_command(argv, TMUX_TIMEOUT_S);
	cr_assert(p->reaped && !p->timed_out && p->exit_code == 0, "tmux %s failed: %s", argv[3],
		  p->err.data);
	proc_forget(p); /* screens are polled: many short tmux runs */
	return p->out.data;
}

/*
 * Starts `latscope top ARGS` in an 80x24 pane with no status line. The
 * shell around it reports how latscope ended and whether the terminal
 * modes came back (cbreak/noecho would show as -icanon/-echo), then stays.
 */
static void start_top(const char *args)
{
	const char *dir = temp_dir();
	const char *conf = strf("%s/tmux.conf", dir);
	const char *script;
	FILE *f = fopen(conf, "w");

	cr_assert(f, "%s: %s", conf, strerror(errno));
	fputs("set -g status off\n", f);
	fclose(f);
	sock = strf("%s/tmux.sock", dir);
	script = strf(
		"cd %s; %s top %s; rc=$?; "
		"if stty -a | grep -Eq -- '(^| )-(icanon|echo)( |$)'; then t=raw; else t=sane; fi; "
		"echo \"latscope-exit=$rc tty=$t\"; exec sleep 120",
		dir, latscope_bin(), args);
	tmux("-f", conf, "new-session", "-d", "-x", "80", "-y", "24", "-s", "top", script, NULL);
}

static const char *steady_cmd(int ticks)
{
	return strf("-c '%s %d'", workload_bin("steady"), ticks);
}

static const char *screen(void)
{
	return tmux("capture-pane", "-p", "-t", "top", NULL);
}

static void keys(const char *key)
{
	tmux("send-keys", "-t", "top", key, NULL);
}

/* The screen once @needle is on it; fails after @timeout_s showing the last. */
static const char *wait_screen(const char *needle, double timeout_s)
{
	double deadline = mono_s() + timeout_s;
	const char *s;

	for (;;) {
		s = screen();
		if (strstr(s, needle))
			return s;
		if (mono_s() > deadline)
			break;
		usleep(100000);
	}
	cr_assert_fail("'%s' not on screen after %.0fs:\n%s", needle, timeout_s, s);
	return NULL;
}

/*
 * The first interval also holds the program's start-up (execve, mmap...);
 * from the second on, the table is the workload's three rows.
 */
static const char *wait_steady(void)
{
	double deadline = mono_s() + FIRST_FRAME_S;
	const char *s;

	do {
		s = wait_screen("getppid ", FIRST_FRAME_S);
		if (!strstr(s, "\nexecve "))
			return s;
		usleep(100000);
	} while (mono_s() < deadline);
	cr_assert_fail("start-up calls still in the last interval:\n%s", s);
	return NULL;
}

/* Line number of the table row named @name, or -1. */
static int row_index(const char *s, const char *name)
{
	size_t len = strlen(name);
	int line = 0;

	for (const char *p = s; *p; line++) {
		if (!strncmp(p, name, len) && p[len] == ' ')
			return line;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return -1;
}

/* The line of the table row named @name, or "" if absent. */
static const char *row_line(const char *s, const char *name)
{
	int line = row_index(s, name);

	if (line < 0)
		return "";
	while (line--)
		s = strchr(s, '\n') + 1;
	return strf("%.*s", (int)strcspn(s, "\n"), s);
}

/* The row's COUNT column (the first after the name), or -1 if absent. */
static long long row_count(const char *s, const char *name)
{
	long long count = -1;

	sscanf(row_line(s, name), "%*s %lld", &count);
	return count;
}

/* The header's trace uptime, as shown. */
static const char *uptime(const char *s)
{
	const char *p = strstr(s, "  up ");

	cr_assert(p, "no uptime in header:\n%s", s);
	return strf("%.*s", (int)strcspn(p + 5, " \n"), p + 5);
}

/* The target's pid, from the header "pid N (steady)". */
static pid_t target_pid(const char *s)
{
	const char *p = strstr(s, " pid ");
	int pid = 0;

	cr_assert(p && sscanf(p, " pid %d", &pid) == 1, "no pid in header:\n%s", s);
	return pid;
}

static pid_t parent_of(pid_t pid)
{
	char path[64];
	int ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	cr_assert(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fscanf(f, "%*d (%*[^)]) %*c %d", &ppid), 1);
	fclose(f);
	return ppid;
}

/* latscope ended (status @rc), the terminal is back to normal, the target gone. */
static void assert_exited_cleanly(pid_t target, int rc)
{
	const char *s = wait_screen("latscope-exit=", SCREEN_S);

	cr_assert(strstr(s, strf("latscope-exit=%d tty=sane", rc)),
		  "exit status or terminal modes wrong:\n%s", s);
	cr_assert_null(strstr(s, "SYSCALL "), "the live view is still on screen:\n%s", s);
	cr_assert(kill(target, 0) == -1 && errno == ESRCH, "the -c target %d outlived latscope",
		  target);
}

Test(top, header_rows_and_plausible_figures)
{
	const char *s;

	start_top(steady_cmd(600));
	s = wait_screen("getppid ", FIRST_FRAME_S);
	cr_assert(strstr(s, "latscope top  pid "), "header:\n%s", s);
	cr_assert(strstr(s, "(steady) running"), "target state:\n%s", s);
	cr_assert(strstr(s, "last interval 1.0s"), "window:\n%s", s);
	cr_assert(strstr(s, " 1 syscalls "), "view tabs:\n%s", s);
	/* 10 ticks of 10 calls in a 1 s interval; a tick either side is timing. */
	cr_assert(row_count(s, "getppid") >= 80 && row_count(s, "getppid") <= 120,
		  "getppid count %lld:\n%s", row_count(s, "getppid"), s);
	cr_assert(row_count(s, "clock_nanosleep") >= 8 && row_count(s, "clock_nanosleep") <= 12,
		  "sleeps:\n%s", s);
	cr_assert(strstr(s, "100ms"), "sleep percentiles near 100ms:\n%s", s);
	keys("q");
	assert_exited_cleanly(target_pid(s), 0);
}

Test(top, sort_keys_change_the_order)
{
	const char *s;

	start_top(steady_cmd(600));
	s = wait_steady();
	/* By total time (the default): 10 sleeps of 100 ms beat 100 getppid. */
	cr_assert_lt(row_index(s, "clock_nanosleep"), row_index(s, "getppid"), "default sort:\n%s",
		     s);
	keys("<");
	keys("<");
	keys("<");
	s = wait_screen("sort COUNT", SCREEN_S);
	cr_assert_lt(row_index(s, "getppid"), row_index(s, "clock_nanosleep"), "by count:\n%s", s);
	keys("R");
	s = wait_screen("(reversed)", SCREEN_S);
	cr_assert_gt(row_index(s, "getppid"), row_index(s, "clock_nanosleep"), "reversed:\n%s", s);
	keys("q");
	assert_exited_cleanly(target_pid(s), 0);
}

Test(top, views_filter_and_histogram)
{
	const char *s;

	start_top(steady_cmd(600));
	s = wait_screen("getppid ", FIRST_FRAME_S);
	keys("h");
	wait_screen("Press any key to go back", SCREEN_S);
	keys("x");
	wait_screen("SYSCALL ", SCREEN_S);
	keys("Tab");
	s = wait_screen("no requests in this window", SCREEN_S);
	cr_assert(strstr(s, "--no-requests)"), "the requests view says how:\n%s", s);
	keys("5");
	s = wait_screen("PROGRAM", SCREEN_S);
	cr_assert(row_index(s, "syscall_enter") > 0, "overhead per program:\n%s", s);
	keys("1");
	wait_screen("SYSCALL ", SCREEN_S);
	keys("/");
	keys("ppid");
	keys("Enter");
	s = wait_screen("filter: ppid", SCREEN_S);
	cr_assert(row_index(s, "getppid") > 0, "filtered:\n%s", s);
	cr_assert_eq(row_index(s, "clock_nanosleep"), -1, "filtered out:\n%s", s);
	keys("Enter");
	s = wait_screen("getppid: ", SCREEN_S);
	cr_assert(strstr(s, "<p50"), "percentile markers on the bars:\n%s", s);
	cr_assert(strstr(s, "|#"), "bars:\n%s", s);
	keys("Escape");
	wait_screen("SYSCALL ", SCREEN_S);
	keys("q");
	assert_exited_cleanly(target_pid(s), 0);
}

Test(top, colours_for_errors_and_warn_threshold)
{
	const char *s;
	const char *sleeps, *ppid, *opens;

	start_top(strf("--warn 50ms %s", steady_cmd(600)));
	wait_screen("getppid ", FIRST_FRAME_S);
	s = tmux("capture-pane", "-e", "-p", "-t", "top", NULL);
	sleeps = strstr(s, "clock_nanosleep");
	opens = strstr(s, "openat");
	ppid = strstr(s, "getppid");
	cr_assert(sleeps && opens && ppid, "%s", s);
	/* Yellow (SGR 33) on the 100 ms percentiles; red (31) on ENOENTs. */
	cr_assert(memmem(sleeps, strcspn(sleeps, "\n"), "\033[33m", 5), "warn colour:\n%s", s);
	cr_assert(memmem(opens, strcspn(opens, "\n"), "\033[31m", 5), "error colour:\n%s", s);
	cr_assert_null(memmem(ppid, strcspn(ppid, "\n"), "\033[33m", 5), "getppid is fast:\n%s", s);
	keys("q");
}

/* Target exit: shown in the header, final (whole-trace) figures, exact. */
Test(top, target_exit_shown_with_final_snapshot)
{
	const char *dir = temp_dir(), *path = strf("%s/final.json", dir);
	const char *s;
	json_t *snap;

	start_top(strf("-o %s %s", path, steady_cmd(15)));
	/* The header says "exited" from the tick that saw it; the end follows. */
	s = wait_screen("[ended: q quits]", FIRST_FRAME_S);
	cr_assert(strstr(s, "exited, exit 0"), "%s", s);
	cr_assert(strstr(s, "cumulative"), "final figures cover the trace:\n%s", s);
	cr_assert(strstr(s, "snapshot written to"), "%s", s);
	/* The final screen can still be browsed: filter down to one row. */
	keys("/");
	keys("getppid");
	keys("Enter");
	s = wait_screen("filter: getppid\n", SCREEN_S);
	cr_assert_eq(row_count(s, "getppid"), 150, "15 ticks of 10:\n%s", s);
	snap = json_parse_file(path);
	cr_assert_eq(jint(snap, "syscalls.getppid.count"), 150);
	cr_assert_str_eq(jstr(snap, "targets.0.state"), "exited");
	json_decref(snap);
	keys("q");
	assert_exited_cleanly(target_pid(s), 0);
}

Test(top, sigterm_restores_the_terminal)
{
	const char *s;
	pid_t target;

	start_top(steady_cmd(600));
	s = wait_screen("getppid ", FIRST_FRAME_S);
	target = target_pid(s);
	cr_assert_eq(kill(parent_of(target), SIGTERM), 0);
	assert_exited_cleanly(target, 0);
}

Test(top, reset_and_snapshot_keys)
{
	const char *dir = temp_dir(), *path = strf("%s/now.json", dir);
	const char *s;
	json_t *snap;

	start_top(strf("-o %s %s", path, steady_cmd(600)));
	wait_screen("getppid ", FIRST_FRAME_S);
	keys("c");
	wait_screen("cumulative", SCREEN_S);
	s = wait_screen("up 3", FIRST_FRAME_S);
	cr_assert_geq(row_count(s, "getppid"), 200, "three seconds in:\n%s", s);
	keys("r");
	s = wait_screen("counters reset", SCREEN_S);
	cr_assert_eq(row_index(s, "getppid"), -1, "nothing since the reset:\n%s", s);
	s = wait_screen("getppid ", SCREEN_S);
	cr_assert_leq(row_count(s, "getppid"), 120, "one interval since reset:\n%s", s);
	keys("w");
	wait_screen("snapshot written to", SCREEN_S);
	snap = json_parse_file(path);
	cr_assert_geq(jint(snap, "syscalls.getppid.count"), 300,
		      "snapshots cover the whole trace, resets aside");
	json_decref(snap);
	keys("q");
	assert_exited_cleanly(target_pid(s), 0);
}

Test(top, pause_freezes_the_figures)
{
	const char *s, *before, *after, *up;

	start_top(steady_cmd(600));
	wait_screen("getppid ", FIRST_FRAME_S);
	keys("p");
	s = wait_screen("PAUSED", SCREEN_S);
	before = row_line(s, "getppid");
	up = uptime(s);
	cr_assert(before[0], "%s", s);
	/* Two ticks later the clock has moved, the figures have not. */
	usleep(2200000);
	s = screen();
	after = row_line(s, "getppid");
	cr_assert_str_eq(after, before, "paused figures changed:\n%s", s);
	cr_assert_str_neq(uptime(s), up, "the trace goes on while paused:\n%s", s);
	cr_assert(strstr(s, "PAUSED"), "%s", s);
	keys("p");
	s = wait_screen("getppid ", SCREEN_S);
	keys("q");
	assert_exited_cleanly(target_pid(s), 0);
}

Test(top, resize_redraws_to_fit)
{
	const char *s;

	start_top(steady_cmd(600));
	wait_screen("getppid ", FIRST_FRAME_S);
	tmux("resize-window", "-t", "top", "-x", "60", "-y", "15", NULL);
	s = wait_screen("SYSCALL ", SCREEN_S);
	for (const char *p = s; (p = strchr(p, '\n')); p++)
		cr_assert_leq(strcspn(p + 1, "\n"), 60, "a line wider than 60:\n%s", s);
	cr_assert(strstr(s, "latscope top  pid"), "%s", s);
	/* P95..MAX do not fit: Right scrolls them in, the names stay. */
	s = wait_screen("columns >", SCREEN_S);
	cr_assert_null(strstr(s, " MAX"), "%s", s);
	for (int i = 0; i < 4; i++)
		keys("Right");
	s = wait_screen(" MAX", SCREEN_S);
	cr_assert(strstr(s, "\ngetppid "), "the name column stays:\n%s", s);
	cr_assert(strstr(s, "< columns"), "%s", s);
	keys("q");
	assert_exited_cleanly(target_pid(s), 0);
}

/* Function latency (uprobes) in its own view: exact calls, a histogram. */
Test(top, functions_view)
{
	const char *s;
	double p50 = 0;

	start_top(strf("-u sleep_fixed -c '%s sleep 15 20'", workload_bin("funcs")));
	s = wait_screen("[ended: q quits]", FIRST_FRAME_S); /* the whole trace, not a tick */
	keys("3");
	s = wait_screen("FUNCTION", SCREEN_S);
	cr_assert_eq(row_count(s, "sleep_fixed"), 15, "15 calls:\n%s", s);
	/* A sleep overshoots, never undershoots: 20 ms to 25 ms on a busy box. */
	cr_assert(sscanf(row_line(s, "sleep_fixed"), "%*s %*s %*s %*s %*s %lfms", &p50) == 1 &&
			  p50 >= 19.7 && p50 <= 25,
		  "p50 near the 20 ms sleep:\n%s", s);
	keys("Enter");
	s = wait_screen("sleep_fixed: 15 calls", SCREEN_S);
	cr_assert(strstr(s, "<p50"), "%s", s);
	keys("q");
	assert_exited_cleanly(target_pid(s), 0);
}

/* Resources per process: the target's row, over the whole trace. */
Test(top, resources_view)
{
	const char *s;
	pid_t target;

	start_top(steady_cmd(600));
	s = wait_screen("getppid ", FIRST_FRAME_S);
	target = target_pid(s);
	keys("4");
	s = wait_screen("COMMAND", SCREEN_S);
	cr_assert(strstr(row_line(s, "steady"), strf(" %d ", target)),
		  "the target's row, with its pid:\n%s", s);
	/* Resources take the live window like every other view ('c' toggles). */
	cr_assert(strstr(s, "last interval"), "%s", s);
	keys("c");
	s = wait_screen("cumulative", SCREEN_S);
	cr_assert(strstr(row_line(s, "steady"), strf(" %d ", target)), "%s", s);
	keys("q");
	assert_exited_cleanly(target, 0);
}

/* A request row's COUNT (the first figure after its name), or -1. */
static long long request_count(const char *s, const char *name)
{
	const char *line = row_line(s, name);
	long long count = -1;

	if (*line)
		sscanf(line + strlen(name), "%lld", &count);
	return count;
}

/* The screen once row @name shows @count (the next interval's redraw). */
static const char *wait_request_count(const char *name, long long count)
{
	double deadline = mono_s() + FIRST_FRAME_S;
	const char *s;

	do {
		s = screen();
		if (request_count(s, name) == count)
			return s;
		usleep(100000);
	} while (mono_s() < deadline);
	cr_assert_fail("no '%s' row counting %lld:\n%s", name, count, s);
	return NULL;
}

/*
 * The demo service under 12 keep-alive requests per endpoint: one row per
 * served endpoint (":PORT GET /path") with exact counts, every 4th /error a
 * 5xx, /slow (60 ms) first by p95, the upstream peer's row, the header's
 * req/s and error share, and Enter on a row shows its histogram.
 */
Test(top, requests_view_on_the_demo_server)
{
	struct proc *server, *lg;
	int http_port, up_port;
	const char *s, *slow, *err;

	server = proc_start((char *[]){ (char *)tool_bin("demo_server"), "--slow-ms", "60",
					"--upstream-ms", "30", "--error-every", "4", NULL });
	cr_assert(proc_wait_output(server, false, "upstream ", RUN_START_TIMEOUT_S),
		  "demo_server did not start; stderr:\n%s", server->err.data);
	cr_assert_eq(sscanf(server->out.data, "http %d upstream %d", &http_port, &up_port), 2);
	start_top(strf("-p %d", server->pid));
	wait_screen("syscalls ", FIRST_FRAME_S);
	keys("2");
	keys("c");
	wait_screen("no requests in this window", SCREEN_S);
	lg = run_command((char *[]){ (char *)tool_bin("loadgen"), "--port",
				     (char *)strf("%d", http_port), "--count", "12", "--paths",
				     "/fast,/slow,/error,/upstream", "--mode", "keepalive",
				     "--resets", "0", NULL },
			 30);
	assert_exit(lg, 0);
	slow = strf(":%d GET /slow", http_port);
	err = strf(":%d GET /error", http_port);
	/* The upstream peer (one call per /upstream), the upstream service's own
	 * (not HTTP) port, and the endpoints: all there once loadgen is done. */
	wait_request_count(strf("127.0.0.1:%d", up_port), 12);
	wait_request_count(strf(":%d", up_port), 12);
	wait_request_count(strf(":%d GET /upstream", http_port), 12);
	s = wait_request_count(slow, 12);
	cr_assert_eq(request_count(s, strf(":%d GET /fast", http_port)), 12, "%s", s);
	cr_assert_eq(request_count(s, err), 12, "%s", s);
	cr_assert(strstr(row_line(s, err), " 3   25.0"), "3 of 12 are 5xx:\n%s", s);
	/* 60 served requests (48 HTTP + 12 upstream), 3 of them 5xx. */
	cr_assert(strstr(s, "req err 5.00%"), "header error share:\n%s", s);
	cr_assert_null(strstr(s, "req/s 0 "), "header req/s:\n%s", s);
	cr_assert(strstr(s, "drops 0\n"), "the header fits 80 columns:\n%s", s);
	keys(">");
	keys(">");
	keys(">");
	s = wait_screen("sort P95", SCREEN_S);
	cr_assert_eq(row_index(s, slow), row_index(s, "ENDPOINT") + 1,
		     "60 ms /slow on top by p95:\n%s", s);
	keys("/");
	keys("slow");
	keys("Enter");
	wait_screen("filter: slow", SCREEN_S);
	keys("Enter");
	s = wait_screen(strf("%s: 12", slow), SCREEN_S);
	cr_assert(strstr(s, "<p50"), "%s", s);
	keys("q");
	wait_screen("latscope-exit=0 tty=sane", SCREEN_S);
	proc_signal(server, SIGTERM);
	proc_wait(server, 2);
}

/* --alert as in record: the header counts breaches, the footer tells. */
Test(top, alerts_breach_on_screen)
{
	const char *s;

	start_top(strf("--alert 'syscalls.getppid.count < 50' %s", steady_cmd(600)));
	s = wait_screen("BREACH syscalls.getppid.count < 50", FIRST_FRAME_S);
	cr_assert(strstr(s, "alerts 1/1"), "breach counted in the header:\n%s", s);
	keys("q");
	assert_exited_cleanly(target_pid(s), 0);
}

Test(top, bad_options_are_usage_errors)
{
	const char *bad[][2] = {
		{ "--warn", "soon" },
		{ "--alert", "syscalls.read.p99 <" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { (char *)latscope_bin(),
				 "top",
				 (char *)bad[i][0],
				 (char *)bad[i][1],
				 "-p",
				 "1",
				 NULL };
		struct proc *p = run_command(argv, RUN_TIMEOUT_S);

		assert_exit(p, 2);
		cr_assert(strstr(p->err.data, bad[i][0]), "names the option: %s", p->err.data);
		proc_forget(p);
	}
	/* JSON on stdout would garble the screen: refused on a terminal only. */
	start_top(strf("--json %s", steady_cmd(600)));
	wait_screen("latscope-exit=2 tty=sane", FIRST_FRAME_S);
}

/*
 * Piped: record's text report every interval, then the final one (--warn,
 * meaningless in text, is accepted and dropped).
 */
Test(top, not_a_terminal_prints_text_reports)
{
	char *argv[] = { (char *)latscope_bin(),
			 "top",
			 "--warn",
			 "10ms",
			 "-c",
			 (char *)strf("%s 25", workload_bin("steady")),
			 NULL };
	struct proc *p = run_command(argv, RUN_TIMEOUT_S);
	const char *last = NULL, *row;
	long long count = 0;
	int reports = 0;

	assert_exit(p, 0);
	cr_assert(strstr(p->err.data, "not a terminal"), "%s", p->err.data);
	for (const char *s = p->out.data; (s = strstr(s, "== latscope: ")); s++) {
		reports++;
		last = s;
	}
	cr_assert_geq(reports, 3, "two 1 s intervals and the final report:\n%s", p->out.data);
	cr_assert(strstr(last, "| total "), "the final report covers the trace");
	row = strstr(last, "\ngetppid ");
	cr_assert(row && sscanf(row, " getppid %lld", &count) == 1, "%s", last);
	cr_assert_eq(count, 250);
	cr_assert_null(strchr(p->out.data, '\033'), "no escape sequences when piped");
}
