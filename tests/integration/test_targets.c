// Which processes a trace follows, and that none of their calls go missing
// without a word: a forking shell, calls still in flight.
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "prometheus.h"
#include "run.h"

INTEGRATION_SUITE(targets);

#define LOOPS 40

/* Waits (bounded) until @path exists. */
static bool wait_file(const char *path, double timeout_s)
{
	double end = mono_s() + timeout_s;

	while (access(path, F_OK)) {
		if (mono_s() > end)
			return false;
		usleep(10 * 1000);
	}
	return true;
}

/* Opens @fifo for writing (the reader is blocked in open) and writes a line. */
static void release_fifo(const char *fifo)
{
	int fd = open(fifo, O_WRONLY);

	cr_assert(fd >= 0, "cannot open %s", fifo);
	cr_assert_eq(write(fd, "go\n", 3), 3);
	close(fd);
}

/*
 * The shell loop of issue 14: `while :; do getent hosts localhost; done`,
 * traced by PID. getent's children open sockets (nscd's AF_UNIX socket,
 * then UDP to the resolver for the AAAA lookup /etc/hosts lacks); here the
 * resolver is 127.0.0.1 in a mount namespace of the loop's own, where
 * nothing listens, so each lookup fails at once (ECONNREFUSED) instead of
 * waiting on a real DNS server. The loop is held on a FIFO until the
 * tracer is attached and blocks on another once done, so the shell's own
 * count of iterations is what every figure must equal: one vfork and one
 * successful wait4 per iteration in the shell, one execve per child.
 */
Test(targets, forking_shell_counted_exactly)
{
	const char *dir = temp_dir();
	const char *go = strf("%s/go", dir), *stop = strf("%s/stop", dir);
	const char *count = strf("%s/count", dir), *done = strf("%s/done", dir);
	const char *resolv = strf("%s/resolv.conf", dir), *loop = strf("%s/loop.sh", dir);
	struct proc *shell, *tracer;
	json_t *snap, *wait4, *inflight, *call = NULL;
	long long forks;
	size_t i;

	cr_assert_eq(mkfifo(go, 0600), 0);
	cr_assert_eq(mkfifo(stop, 0600), 0);
	write_text(resolv, "nameserver 127.0.0.1\noptions attempts:1\n");
	write_text(loop, strf("read x < %s\n"
			      "i=0\n"
			      "while [ $i -lt %d ]; do\n"
			      "  getent hosts localhost >/dev/null\n"
			      "  i=$((i+1)); echo $i > %s\n"
			      "done\n"
			      "echo done > %s\n"
			      "read x < %s\n",
			      go, LOOPS, count, done, stop));
	shell = proc_start((char *[]){
		"unshare", "-m", "sh", "-c",
		(char *)strf("mount --bind %s /etc/resolv.conf && exec sh %s", resolv, loop),
		NULL });
	/* The shell is ready when it blocks opening the FIFO. */
	for (int tries = 0; tries < 500; tries++) {
		const char *cmd = read_text(strf("/proc/%d/cmdline", shell->pid));

		if (cmd && !strcmp(cmd, "sh") &&
		    strstr(read_text(strf("/proc/%d/wchan", shell->pid)) ?: "", "wait_for_partner"))
			break;
		usleep(10 * 1000);
	}
	tracer = trace_attach(shell->pid, (char *[]){ "-f", NULL });
	release_fifo(go);
	cr_assert(wait_file(done, RUN_TIMEOUT_S), "the loop did not finish");
	/* Its last call, blocked in open(stop), is entered and in flight. */
	usleep(200 * 1000);
	snap = trace_stop(tracer);
	release_fifo(stop);
	proc_wait(shell, RUN_START_TIMEOUT_S);

	cr_assert_eq(atoi(read_text(count)), LOOPS);
	forks = syscall_count(snap, "vfork") + syscall_count(snap, "fork") +
		syscall_count(snap, "clone") + syscall_count(snap, "clone3");
	cr_assert_eq(forks, LOOPS, "forks %lld, iterations %d", forks, LOOPS);
	wait4 = jpath(snap, "syscalls.wait4");
	cr_assert(wait4, "no wait4 row");
	cr_assert_eq(jint(wait4, "count") - jint(wait4, "errors"), LOOPS);
	cr_assert_eq(syscall_count(snap, "execve"), LOOPS);
	/* The children did reach the resolver: two UDP sends per lookup at least. */
	cr_assert(syscall_count(snap, "sendto") + syscall_count(snap, "sendmmsg") >= LOOPS,
		  "getent's lookups not seen");

	inflight = jpath(snap, "syscalls_in_flight.calls");
	cr_assert(json_array_size(inflight) >= 1, "the blocked open is not shown in flight");
	json_array_foreach (inflight, i, call)
		if (jint(call, "pid") == shell->pid)
			break;
	cr_assert(i < json_array_size(inflight), "no call in flight for the shell");
	cr_assert(!strcmp(jstr(call, "syscall"), "openat") ||
			  !strcmp(jstr(call, "syscall"), "open"),
		  "in flight: %s", jstr(call, "syscall"));
	cr_assert(json_is_false(jpath(call, "entered_before_trace")));
	cr_assert(jint(call, "elapsed_ns") > 0);
	json_decref(snap);
}

/*
 * A process blocked in one call for the whole trace completes no syscall:
 * the report says what it is blocked in instead of "no syscalls seen".
 */
Test(targets, blocked_call_shown_in_flight)
{
	struct proc *sleeper = proc_start((char *[]){ "sleep", "5", NULL });
	struct proc *tracer;

	usleep(100 * 1000);
	tracer = run_latscope((char *[]){ "record", "-p", (char *)strf("%d", sleeper->pid), "-d",
					  "1", NULL },
			      NULL);
	proc_signal(sleeper, SIGKILL);
	assert_exit(tracer, 0);
	cr_assert(strstr(tracer->out.data, "no syscall returned in this window"), "report:\n%s",
		  tracer->out.data);
	cr_assert(strstr(tracer->out.data,
			 strf("clock_nanosleep since before the trace (pid %d)", sleeper->pid)),
		  "report:\n%s", tracer->out.data);
}

/* A sysload run waiting for SIGUSR1 ("ready PID" printed). */
static struct proc *start_waiting(const char *bin, const char *mode, const char *n)
{
	struct proc *p = proc_start(
		(char *[]){ (char *)bin, "--wait-signal", (char *)mode, (char *)n, NULL });

	cr_assert(proc_wait_output(p, false, "ready ", RUN_START_TIMEOUT_S), "%s never ready", bin);
	return p;
}

static void run_to_end(struct proc *p)
{
	proc_signal(p, SIGUSR1);
	proc_wait(p, RUN_TIMEOUT_S);
	assert_exit(p, 0);
}

/*
 * --comm: every process of that name, one running before the trace and
 * one started during it (matched at its exec); a process of another name
 * making the same calls is not traced.
 */
Test(targets, comm_before_and_after_attach)
{
	const char *bin = strf("%s/lsc_comm_test", temp_dir());
	struct proc *before, *after, *other, *tracer;
	json_t *snap;

	cr_assert(!system(strf("cp %s %s", workload_bin("sysload"), bin)));
	before = start_waiting(bin, "getppid", "100");
	other = start_waiting(workload_bin("sysload"), "getppid", "50");
	tracer = proc_start((char *[]){ (char *)latscope_bin(), "record", "--comm", "lsc_comm_test",
					"--json", NULL });
	cr_assert(proc_wait_output(tracer, true,
				   "latscope: tracing comm lsc_comm_test (1 processes",
				   RUN_TIMEOUT_S),
		  "stderr:\n%s", tracer->err.data);
	after = start_waiting(bin, "getppid", "200");
	run_to_end(before);
	run_to_end(after);
	run_to_end(other);
	snap = trace_stop(tracer);
	cr_assert_eq(syscall_count(snap, "getppid"), 300);
	cr_assert(jfind_int(jpath(snap, "targets"), "pid", before->pid));
	cr_assert(jfind_int(jpath(snap, "targets"), "pid", after->pid));
	cr_assert(!jfind_int(jpath(snap, "targets"), "pid", other->pid));
	cr_assert_str_eq(jstr(snap, "selector.targets"), "comm lsc_comm_test");
	json_decref(snap);
}

/* Where cgroup v2 is mounted (/sys/fs/cgroup, or .../unified on hybrid systems). */
static const char *cgroup2_mount(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[1024], mnt[512], type[64];
	const char *found = NULL;

	cr_assert(f);
	while (!found && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");

		if (sep && sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1 &&
		    sscanf(sep + 3, "%63s", type) == 1 && !strcmp(type, "cgroup2"))
			found = strf("%s", mnt);
	}
	fclose(f);
	cr_assert(found, "cgroup v2 is not mounted");
	return found;
}

static void join_cgroup(const char *cg, pid_t pid)
{
	write_text(strf("%s/cgroup.procs", cg), strf("%d\n", pid));
}

/*
 * --cgroup: a process in it before the trace (whose child, forked during
 * it, is in it too), and one moved into it during the trace; a process
 * outside it is not traced.
 */
Test(targets, cgroup_before_and_after_attach)
{
	const char *cg = strf("%s/latscope-test-%d", cgroup2_mount(), getpid());
	struct proc *before, *joins, *outside, *tracer;
	json_t *snap;

	rmdir(cg);
	cr_assert_eq(mkdir(cg, 0755), 0, "cannot create cgroup %s", cg);
	before = start_waiting(workload_bin("sysload"), "fork", "100");
	join_cgroup(cg, before->pid);
	joins = start_waiting(workload_bin("sysload"), "getppid", "200");
	outside = start_waiting(workload_bin("sysload"), "getppid", "50");
	tracer = proc_start((char *[]){ (char *)latscope_bin(), "record", "--cgroup", (char *)cg,
					"--json", NULL });
	cr_assert(proc_wait_output(tracer, true, "(1 processes now", RUN_TIMEOUT_S), "stderr:\n%s",
		  tracer->err.data);
	join_cgroup(cg, joins->pid);
	run_to_end(before);
	run_to_end(joins);
	run_to_end(outside);
	snap = trace_stop(tracer);
	rmdir(cg);
	/* The forked child's 100 and the joiner's 200; the parent only waits. */
	cr_assert_eq(syscall_count(snap, "getppid"), 300);
	cr_assert(jfind_int(jpath(snap, "targets"), "pid", joins->pid), "the joiner is no target");
	cr_assert(!jfind_int(jpath(snap, "targets"), "pid", outside->pid));
	cr_assert(jint(snap, "selector.cgroup_id") > 0);
	json_decref(snap);
}

/* The one child of @parent (/proc/PID/task/TID/children may be compiled out). */
static pid_t child_of(pid_t parent)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;

	cr_assert(dir);
	while (!found && (de = readdir(dir))) {
		const char *stat = read_text(strf("/proc/%s/stat", de->d_name));
		const char *close = stat ? strrchr(stat, ')') : NULL;
		int ppid;

		if (close && sscanf(close + 1, " %*c %d", &ppid) == 1 && ppid == parent)
			found = atoi(de->d_name);
	}
	closedir(dir);
	return found;
}

/*
 * A process in a PID namespace of its own (a container's, here
 * `unshare --pid --fork`): traced under its host PID through -p PARENT -f,
 * shown with the PID it has where it lives (1) and its cgroup.
 */
Test(targets, pid_namespace_both_pids)
{
	struct proc *ns = proc_start((char *[]){ "unshare", "--pid", "--fork", "--mount-proc",
						 (char *)workload_bin("sysload"), "--wait-signal",
						 "getppid", "10", NULL });
	struct proc *tracer;
	json_t *snap, *targets, *t, *found = NULL, *row;
	pid_t host = 0;
	size_t i;

	cr_assert(proc_wait_output(ns, false, "ready 1", RUN_START_TIMEOUT_S), "stdout: %s",
		  ns->out.data);
	tracer = trace_attach(ns->pid, (char *[]){ "-f", NULL });
	host = child_of(ns->pid);
	cr_assert(host > 1, "the namespaced workload was not found");
	kill(host, SIGUSR1);
	proc_wait(ns, RUN_TIMEOUT_S);
	snap = trace_stop(tracer);
	cr_assert_eq(syscall_count(snap, "getppid"), 10);
	targets = jpath(snap, "targets");
	json_array_foreach (targets, i, t)
		if (jint(t, "pid") == host)
			found = t;
	cr_assert(found, "pid %d not among the targets", host);
	cr_assert_eq(jint(found, "ns_pid"), 1);
	cr_assert(jint(found, "cgroup_id") > 0);
	cr_assert_eq(jint(found, "descendant_of"), ns->pid);
	row = jfind_int(jpath(snap, "resources.processes"), "pid", host);
	cr_assert(row, "no resource row for %d", host);
	cr_assert_eq(jint(row, "ns_pid"), 1);
	json_decref(snap);
}

/* The value of the first sample line of @metric in @body; -1 if absent. */
static double sample_value(const char *body, const char *series)
{
	const char *line = body ? strstr(body, series) : NULL;

	return line ? atof(line + strlen(series)) : -1;
}

/* Polls /metrics until @series reads @want (bounded). */
static bool wait_series(int port, const char *series, double want)
{
	for (double end = mono_s() + RUN_TIMEOUT_S; mono_s() < end; usleep(50 * 1000)) {
		int status;
		char *body = http_get(port, "/metrics", &status);
		double v = sample_value(body, series);

		free(body);
		if (v == want)
			return true;
	}
	return false;
}

/*
 * --keep-running: the exporter outlives its target and traces the next
 * process of that name, on the same latscope_target_up series (1, 0 while
 * none runs, 1 again); snapshots and metrics name the host.
 */
Test(targets, keep_running_survives_restart)
{
	const char *bin = strf("%s/lsc_keep_test", temp_dir());
	const char *up = "latscope_target_up{target=\"lsc_keep_test\"} ";
	struct proc *first, *second, *tracer;
	char host[256] = "";
	json_t *snap;
	int port, status;
	char *body;

	gethostname(host, sizeof(host) - 1);
	cr_assert(!system(strf("cp %s %s", workload_bin("sysload"), bin)));
	first = start_waiting(bin, "getppid", "10");
	tracer = proc_start((char *[]){ (char *)latscope_bin(), "record", "--comm", "lsc_keep_test",
					"--keep-running", "--listen", "127.0.0.1:0", "--json",
					NULL });
	cr_assert(proc_wait_output(tracer, true, "latscope: tracing comm", RUN_TIMEOUT_S),
		  "stderr:\n%s", tracer->err.data);
	port = announced_port(tracer);
	cr_assert(wait_series(port, up, 1), "target not up");
	run_to_end(first);
	cr_assert(wait_series(port, up, 0), "target still up after it exited");
	cr_assert(!tracer->reaped, "latscope ended with its target");
	second = start_waiting(bin, "getppid", "20");
	cr_assert(wait_series(port, up, 1), "the restarted target was not picked up");
	body = http_get(port, "/metrics", &status);
	cr_assert(body && strstr(body, strf("latscope_host_info{host=\"%s\"} 1", host)),
		  "no host name in the metrics");
	free(body);
	run_to_end(second);
	snap = trace_stop(tracer);
	cr_assert_eq(syscall_count(snap, "getppid"), 30);
	cr_assert_str_eq(jstr(snap, "host"), host);
	json_decref(snap);
}
