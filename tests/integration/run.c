// Harness for the integration tests: bounded processes, captured output,
// trace-by-PID choreography, JSON access. See run.h.
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "run.h"

#define MAX_PROCS     8
#define MAX_TEMP_DIRS 4
#define MAX_ARGS      64
/* Poll slice: how late we notice an exit while no output arrives. */
#define PUMP_SLICE_MS 20
/*
 * After a process is reaped, its pipes may still be held by a child it
 * left behind; stop reading them after this grace period.
 */
#define PIPE_GRACE_S 1.0

/*
 * Each Criterion test runs in a process of its own, so this registry and
 * the strings handed out below live exactly as long as one test.
 */
static struct proc *procs[MAX_PROCS];
static int n_procs;
static char *temp_dirs[MAX_TEMP_DIRS];
static int n_temp_dirs;

void require_root(void)
{
	const char *ci = getenv("CI");

	if (geteuid() == 0)
		return;
	if (ci && !strcmp(ci, "true"))
		cr_assert_fail(
			"integration tests need root (CAP_BPF+CAP_PERFMON) and CI=true: they must run, not skip");
	cr_skip_test(
		"integration tests need root (CAP_BPF+CAP_PERFMON); run as root or set CI=true");
}

/* Tests only create plain files (or a device node) directly inside. */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	umount2(dir, MNT_DETACH); /* a full_fs_dir(); EINVAL for the others */
	rmdir(dir);
}

void harness_cleanup(void)
{
	for (int i = 0; i < n_procs; i++) {
		struct proc *p = procs[i];

		if (!p->reaped) {
			kill(-p->pid, SIGKILL);
			waitpid(p->pid, NULL, 0);
			p->reaped = true;
		}
	}
	for (int i = 0; i < n_temp_dirs; i++)
		remove_dir(temp_dirs[i]);
	n_temp_dirs = 0;
}

const char *temp_dir(void)
{
	char *dir = strdup("/tmp/latscope-itest-XXXXXX");

	cr_assert(dir && n_temp_dirs < MAX_TEMP_DIRS, "harness: too many temp dirs");
	cr_assert(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	temp_dirs[n_temp_dirs++] = dir;
	return dir;
}

void assert_only_file(const char *dir, const char *keep)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	cr_assert(d, "opendir %s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		cr_assert(keep && !strcmp(e->d_name, keep),
			  "stray file %s/%s (a temp file left behind?)", dir, e->d_name);
	}
	closedir(d);
}

void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert(!fclose(f), "%s: %s", path, strerror(errno));
}

const char *full_fs_dir(int free_pages)
{
	const char *dir = temp_dir(), *fill = strf("%s/fill", dir), *out = strf("%s/out", dir);
	long page = sysconf(_SC_PAGESIZE);
	static char zeros[4096];
	int fd;

	/* Private mounts: no one else sees this one, and it ends with the test. */
	cr_assert(!unshare(CLONE_NEWNS), "unshare: %s", strerror(errno));
	cr_assert(!mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), "mount: %s", strerror(errno));
	cr_assert(!mount("tmpfs", dir, "tmpfs", 0, strf("size=%ld", (free_pages + 4) * page)),
		  "mount tmpfs: %s", strerror(errno));
	fd = open(fill, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert(fd >= 0, "%s: %s", fill, strerror(errno));
	/* Page by page until the file system is full, then give back @free_pages. */
	while (write(fd, zeros, sizeof(zeros)) == (ssize_t)sizeof(zeros))
		;
	cr_assert(errno == ENOSPC, "filling %s: %s", dir, strerror(errno));
	cr_assert(!ftruncate(fd, lseek(fd, 0, SEEK_END) / page * page - free_pages * page));
	close(fd);
	/* Directories take no pages: the test's files alone are in here. */
	cr_assert(!mkdir(out, 0755), "mkdir %s: %s", out, strerror(errno));
	return out;
}

double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *vstrf(const char *fmt, va_list ap)
{
	char *s;

	cr_assert(vasprintf(&s, fmt, ap) >= 0, "out of memory");
	return s;
}

const char *strf(const char *fmt, ...)
{
	const char *s;
	va_list ap;

	va_start(ap, fmt);
	s = vstrf(fmt, ap);
	va_end(ap);
	return s;
}

static const char *env_path(const char *name)
{
	const char *v = getenv(name);

	cr_assert(v && *v, "%s is not set: run the tests with `make integration-test`", name);
	return v;
}

const char *latscope_bin(void)
{
	return env_path("LATSCOPE");
}

const char *workload_bin(const char *name)
{
	return strf("%s/%s", env_path("WORKLOADS"), name);
}

const char *tool_bin(const char *name)
{
	char *dir = strdup(latscope_bin());
	const char *path = strf("%s/tools/%s", dirname(dir), name);

	free(dir);
	return path;
}

const char *sysload_cmd(const char *args)
{
	return strf("%s %s", workload_bin("sysload"), args);
}

static void capture_init(struct capture *c, int fd)
{
	c->cap = 4096;
	c->data = calloc(1, c->cap);
	cr_assert(c->data, "out of memory");
	c->len = 0;
	c->fd = fd;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void capture_close(struct capture *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Read what is available now; close on EOF or error. */
static void capture_read(struct capture *c)
{
	while (c->fd >= 0) {
		ssize_t n;

		if (c->cap - c->len < 4096) {
			c->cap *= 2;
			c->data = realloc(c->data, c->cap);
			cr_assert(c->data, "out of memory");
		}
		n = read(c->fd, c->data + c->len, c->cap - c->len - 1);
		if (n > 0) {
			c->len += n;
			c->data[c->len] = '\0';
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		capture_close(c);
	}
}

const char *read_text(const char *path)
{
	struct capture c;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	capture_init(&c, fd);
	capture_read(&c);
	return c.data;
}

static void note_status(struct proc *p, int status)
{
	p->reaped = true;
	p->ended_s = mono_s();
	if (WIFSIGNALED(status)) {
		p->term_signal = WTERMSIG(status);
		p->exit_code = -1;
	} else {
		p->exit_code = WEXITSTATUS(status);
	}
}

static bool proc_finished(const struct proc *p)
{
	return p->reaped && p->out.fd < 0 && p->err.fd < 0;
}

/*
 * One round for every registered process: wait up to @timeout_ms for
 * output, read it, reap whoever ended. Reading all of them, not just the
 * one a caller waits for, keeps every pipe drained so nobody blocks.
 */
static void pump(int timeout_ms)
{
	struct pollfd fds[2 * MAX_PROCS];
	struct capture *caps[2 * MAX_PROCS];
	int n = 0, status;

	for (int i = 0; i < n_procs; i++) {
		struct capture *c[2] = { &procs[i]->out, &procs[i]->err };

		for (int k = 0; k < 2; k++) {
			if (c[k]->fd < 0)
				continue;
			fds[n] = (struct pollfd){ .fd = c[k]->fd, .events = POLLIN };
			caps[n++] = c[k];
		}
	}
	if (poll(fds, n, timeout_ms) > 0)
		for (int i = 0; i < n; i++)
			if (fds[i].revents)
				capture_read(caps[i]);
	for (int i = 0; i < n_procs; i++) {
		struct proc *p = procs[i];

		if (!p->reaped && waitpid(p->pid, &status, WNOHANG) == p->pid)
			note_status(p, status);
		if (p->reaped && mono_s() - p->ended_s > PIPE_GRACE_S) {
			capture_close(&p->out);
			capture_close(&p->err);
		}
	}
}

static void reset_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGUSR1, SIGPIPE, SIGCHLD };
	sigset_t none;

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void __attribute__((noreturn))
child_exec(char *const argv[], int out[2], int err[2], pid_t parent)
{
	int null = open("/dev/null", O_RDONLY);

	/* Own group: a timeout kills latscope together with its -c child. */
	setpgid(0, 0);
	/* A test that dies (failed assertion) must not leave workloads behind. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	/* An ignored SIGINT would survive exec; tests rely on default signals. */
	reset_signals();
	dup2(null, STDIN_FILENO);
	dup2(out[1], STDOUT_FILENO);
	dup2(err[1], STDERR_FILENO);
	execvp(argv[0], argv);
	dprintf(STDERR_FILENO, "harness: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

struct proc *proc_start(char *const argv[])
{
	struct proc *p = calloc(1, sizeof(*p));
	pid_t parent = getpid();
	int out[2], err[2];

	cr_assert(p && n_procs < MAX_PROCS, "harness: too many processes");
	cr_assert(!pipe2(out, O_CLOEXEC) && !pipe2(err, O_CLOEXEC), "pipe: %s", strerror(errno));
	p->started_s = mono_s();
	p->pid = fork();
	cr_assert(p->pid >= 0, "fork: %s", strerror(errno));
	if (p->pid == 0)
		child_exec(argv, out, err, parent);
	setpgid(p->pid, p->pid); /* also here: no race with a kill(-pid) */
	close(out[1]);
	close(err[1]);
	capture_init(&p->out, out[0]);
	capture_init(&p->err, err[0]);
	procs[n_procs++] = p;
	return p;
}

void proc_forget(struct proc *p)
{
	cr_assert(p->reaped, "harness: only a finished process can be forgotten");
	capture_close(&p->out);
	capture_close(&p->err);
	for (int i = 0; i < n_procs; i++) {
		if (procs[i] == p) {
			procs[i] = procs[--n_procs];
			break;
		}
	}
}

static int slice_ms(double deadline)
{
	double left = deadline - mono_s();

	if (left <= 0)
		return 0;
	return left * 1000 < PUMP_SLICE_MS ? (int)(left * 1000) + 1 : PUMP_SLICE_MS;
}

bool proc_wait_output(struct proc *p, bool on_stderr, const char *needle, double timeout_s)
{
	struct capture *c = on_stderr ? &p->err : &p->out;
	double deadline = mono_s() + timeout_s;

	for (;;) {
		if (strstr(c->data, needle))
			return true;
		if (proc_finished(p) || mono_s() >= deadline)
			return false;
		pump(slice_ms(deadline));
	}
}

void proc_wait(struct proc *p, double timeout_s)
{
	double deadline = mono_s() + timeout_s;
	int status;

	while (!proc_finished(p)) {
		if (mono_s() >= deadline && !p->reaped) {
			p->timed_out = true;
			kill(-p->pid, SIGKILL);
			if (waitpid(p->pid, &status, 0) == p->pid)
				note_status(p, status);
		}
		pump(slice_ms(deadline));
	}
}

void proc_signal(struct proc *p, int sig)
{
	if (!p->reaped)
		kill(p->pid, sig);
}

static int copy_args(char **dst, int n, char *const src[])
{
	for (int i = 0; src && src[i]; i++) {
		cr_assert(n < MAX_ARGS - 1, "harness: too many arguments");
		dst[n++] = src[i];
	}
	dst[n] = NULL;
	return n;
}

struct proc *run_command(char *const argv[], double timeout_s)
{
	struct proc *p = proc_start(argv);

	proc_wait(p, timeout_s);
	return p;
}

struct traced trace_pid_start(const char *workload, char *const workload_args[], char *const opts[])
{
	char *wargv[MAX_ARGS] = { (char *)workload_bin(workload), "--wait-signal" };
	char *largv[MAX_ARGS] = { (char *)latscope_bin(), "record", "-p" };
	struct traced t = {};

	copy_args(wargv, 2, workload_args);
	t.workload = proc_start(wargv);
	cr_assert(proc_wait_output(t.workload, false, "ready ", RUN_START_TIMEOUT_S),
		  "%s never printed 'ready PID'; stderr:\n%s", workload, t.workload->err.data);

	largv[3] = (char *)strf("%d", t.workload->pid);
	copy_args(largv, 4, opts);
	t.tracer = proc_start(largv);
	/* Start the workload only once latscope says its programs are attached. */
	if (!proc_wait_output(t.tracer, true, "latscope: tracing ", RUN_TIMEOUT_S)) {
		proc_wait(t.tracer, 1);
		cr_assert_fail("latscope never attached (exit %d, signal %d); stderr:\n%s",
			       t.tracer->exit_code, t.tracer->term_signal, t.tracer->err.data);
	}
	proc_signal(t.workload, SIGUSR1);
	t.attached = true;
	return t;
}

struct traced trace_pid(const char *workload, char *const workload_args[], char *const opts[])
{
	struct traced t = trace_pid_start(workload, workload_args, opts);

	proc_wait(t.workload, RUN_TIMEOUT_S);
	proc_wait(t.tracer, RUN_TIMEOUT_S);
	return t;
}

struct proc *run_latscope(char *const args[], const char *shell_redirect)
{
	char *argv[MAX_ARGS] = { "sh", "-c", NULL };
	int first = 0;

	if (shell_redirect) {
		argv[2] = (char *)strf("exec \"$0\" \"$@\" %s", shell_redirect);
		first = 3;
	}
	argv[first] = (char *)latscope_bin();
	copy_args(argv, first + 1, args);
	return run_command(argv, RUN_TIMEOUT_S);
}

struct proc *record_command(const char *cmd, char *const opts[])
{
	char *argv[MAX_ARGS] = { (char *)latscope_bin(), "record", "-c", (char *)cmd };

	copy_args(argv, 4, opts);
	return run_command(argv, RUN_TIMEOUT_S);
}

json_t *snapshot_of(const struct proc *tracer)
{
	json_t *snap;

	assert_exit(tracer, 0);
	snap = json_parse(tracer->out.data);
	cr_assert_str_eq(jstr(snap, "schema"), "latscope.snapshot");
	cr_assert_eq(jint(snap, "version"), 1);
	return snap;
}

void assert_exit(const struct proc *p, int code)
{
	cr_assert(!p->timed_out, "pid %d still running at its deadline: killed; stderr:\n%s",
		  p->pid, p->err.data);
	cr_assert(p->term_signal == 0 && p->exit_code == code,
		  "exit code %d (signal %d), expected %d; stderr:\n%s", p->exit_code,
		  p->term_signal, code, p->err.data);
}

json_t *json_parse(const char *text)
{
	json_error_t error;
	json_t *root = json_loads(text, 0, &error);

	cr_assert(root, "invalid JSON (line %d: %s); text starts:\n%.2000s", error.line, error.text,
		  text);
	return root;
}

json_t *json_parse_file(const char *path)
{
	json_error_t error;
	json_t *root = json_load_file(path, 0, &error);

	cr_assert(root, "%s: invalid JSON (line %d: %s)", path, error.line, error.text);
	return root;
}

json_t *jpath(json_t *root, const char *path)
{
	char *copy = strdup(path), *save = NULL;
	json_t *node = root;

	cr_assert(copy, "out of memory");
	for (char *key = strtok_r(copy, ".", &save); key && node;
	     key = strtok_r(NULL, ".", &save)) {
		if (json_is_array(node))
			node = json_array_get(node, strtoul(key, NULL, 10));
		else
			node = json_object_get(node, key);
	}
	free(copy);
	return node;
}

long long jint(json_t *root, const char *path)
{
	json_t *v = jpath(root, path);

	cr_assert(json_is_integer(v), "snapshot: %s is %s, expected an integer", path,
		  v ? "not an integer" : "missing");
	return json_integer_value(v);
}

const char *jstr(json_t *root, const char *path)
{
	json_t *v = jpath(root, path);

	cr_assert(json_is_string(v), "snapshot: %s is %s, expected a string", path,
		  v ? "not a string" : "missing");
	return json_string_value(v);
}

json_t *jfind_str(json_t *array, const char *key, const char *value)
{
	json_t *elem;
	size_t i;

	json_array_foreach (array, i, elem) {
		const char *s = json_string_value(json_object_get(elem, key));

		if (s && !strcmp(s, value))
			return elem;
	}
	return NULL;
}

json_t *jfind_int(json_t *array, const char *key, long long value)
{
	json_t *elem;
	size_t i;

	json_array_foreach (array, i, elem) {
		json_t *v = json_object_get(elem, key);

		if (json_is_integer(v) && json_integer_value(v) == value)
			return elem;
	}
	return NULL;
}

long long jhist_total(json_t *row)
{
	json_t *bucket;
	long long sum = 0;
	size_t i;

	json_array_foreach (json_object_get(row, "histogram"), i, bucket)
		sum += json_integer_value(json_array_get(bucket, 2));
	return sum;
}

void assert_latency_row(json_t *row, const char *what)
{
	static const char *const order[] = { "min_ns", "p50_ns",  "p90_ns", "p95_ns",
					     "p99_ns", "p999_ns", "max_ns" };
	long long sum;

	cr_assert(json_is_object(row), "no %s row", what);
	sum = jhist_total(row);
	cr_assert_eq(sum, jint(row, "count"), "%s: histogram holds %lld of %lld calls", what, sum,
		     jint(row, "count"));
	for (size_t i = 1; i < sizeof(order) / sizeof(order[0]); i++)
		cr_assert(jint(row, order[i - 1]) <= jint(row, order[i]), "%s: %s %lld > %s %lld",
			  what, order[i - 1], jint(row, order[i - 1]), order[i],
			  jint(row, order[i]));
}

long long syscall_count(json_t *snap, const char *name)
{
	json_t *syscalls = json_object_get(snap, "syscalls");

	cr_assert(json_is_object(syscalls), "snapshot has no \"syscalls\" object");
	if (!json_object_get(syscalls, name))
		return 0;
	return jint(syscalls, strf("%s.count", name));
}

int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	cr_assert(fd >= 0);
	cr_assert(!bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
		  !getsockname(fd, (struct sockaddr *)&a, &len));
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

bool port_open(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok = fd >= 0 && !connect(fd, (struct sockaddr *)&a, sizeof(a));

	if (fd >= 0)
		close(fd);
	return ok;
}

void wait_port(struct proc *p, int port, const char *what)
{
	for (double end = mono_s() + RUN_START_TIMEOUT_S; !port_open(port);) {
		cr_assert(mono_s() < end, "%s did not listen on %d; stderr:\n%s", what, port,
			  p->err.data);
		usleep(20000);
	}
}

struct proc *trace_attach(pid_t pid, char *const opts[])
{
	char *argv[MAX_ARGS] = { (char *)latscope_bin(), "record", "-p", (char *)strf("%d", pid),
				 "--json" };
	struct proc *tracer;
	int n = copy_args(argv, 5, opts);

	argv[n] = NULL;
	tracer = proc_start(argv);
	cr_assert(proc_wait_output(tracer, true, "latscope: tracing ", RUN_TIMEOUT_S),
		  "latscope never attached; stderr:\n%s", tracer->err.data);
	return tracer;
}

json_t *trace_stop(struct proc *tracer)
{
	proc_signal(tracer, SIGINT);
	proc_wait(tracer, RUN_TIMEOUT_S);
	return snapshot_of(tracer);
}
