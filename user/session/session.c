// Setting up a trace and running its clock.
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "loader/overhead_sampler.h"
#include "session/budget.h"
#include "session/privileges.h"
#include "loader/proc_stats.h"
#include "session/session.h"
#include "loader/cgroup.h"
#include "loader/proc_pid.h"
#include "session/target.h"
#include "loader/trace.h"

#define NS_PER_S    1000000000ULL
#define MAX_TICK_NS NS_PER_S
/* BPF stats are on for this share of every tick (see overhead.h). */
#define STATS_SAMPLE_FRACTION 0.1
/* Longest wait in poll, so signals and target exits are noticed quickly. */
#define MAX_POLL_MS 100

struct session {
	struct trace_settings cli;
	char cgroup_path[4096]; /* --cgroup, --unit: resolved */
	struct session_hooks hooks;
	struct trace *trace;
	struct model *model;
	struct held_child child;
	struct budget_keeper budget;
	int handler_error;
};

static volatile sig_atomic_t stop_requested;

void session_request_stop(struct session *session)
{
	(void)session;
	stop_requested = 1;
}

bool session_stop_requested(void)
{
	return stop_requested;
}

static void request_stop(int sig)
{
	stop_requested = sig;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* A target as /proc names it: comm, PID in its namespace, cgroup. */
static void identify(struct target_info *t)
{
	proc_pid_comm(t->pid, t->comm, sizeof(t->comm));
	t->ns_pid = proc_pid_in_namespace(t->pid);
	t->cgroup_id = cgroup_id_of_pid(t->pid);
}

/* A process the kernel started tracing because it matched the selector. */
static void note_selected(struct model *model, const struct proc_rec *rec, int type)
{
	pid_t pid = type == REC_PROC_FORK ? (pid_t)rec->child_tgid : (pid_t)rec->hdr.tgid;
	struct target_info *t;

	if ((type != REC_PROC_FORK && type != REC_PROC_EXEC && type != REC_PROC_JOIN) ||
	    model_find_target(model, pid))
		return;
	/*
	 * A restarted service: the new process takes the place of an exited
	 * one of its name, so that views (latscope_target_up) follow it.
	 */
	for (int i = 0; i < model->n_targets; i++) {
		t = &model->targets[i];
		if (t->state == TARGET_EXITED && !strcmp(t->comm, rec->comm)) {
			memset(t, 0, sizeof(*t));
			t->pid = pid;
			t->state = TARGET_RUNNING;
			identify(t);
			return;
		}
	}
	if (model_add_target(model, pid, false))
		return;
	t = model_find_target(model, pid);
	identify(t);
	if (!t->comm[0])
		memcpy(t->comm, rec->comm, sizeof(t->comm) - 1);
}

static int on_record(void *ctx, const void *data, size_t size)
{
	struct session *s = ctx;
	struct model *model = s->model;
	int type = model_add_record(model, data, size);

	if (type < 0)
		return 0; /* malformed: counted nowhere worse than ignoring */
	if (type == REC_PROC_EXIT)
		proc_stats_on_exit(model, data);
	if (model->selector[0])
		note_selected(model, data, type);
	/* Only slow requests, not every request, are events. */
	if (s->hooks.on_event && model->last_event)
		s->hooks.on_event(s->hooks.ctx, model, type, model->last_event);
	return 0;
}

/*
 * BPF filters on the process (tgid); a thread id given to -p would match
 * nothing, so trace the process it belongs to and say so.
 */
static int check_targets(struct trace_settings *cli, char *why, size_t len)
{
	for (int i = 0; i < cli->n_pids; i++) {
		int err = proc_pid_check(cli->pids[i], why, len);
		pid_t tgid;

		if (err)
			return err;
		if (proc_pid_tgid(cli->pids[i], &tgid) || tgid == cli->pids[i])
			continue;
		fprintf(stderr, "latscope: %d is a thread of process %d: tracing the process\n",
			cli->pids[i], tgid);
		cli->pids[i] = tgid;
	}
	return 0;
}

/* "server" for "./bin/server --port 8080", as the kernel's comm would read. */
static void command_name(const char *command, char *buf, size_t len)
{
	const char *start = command + strspn(command, " \t");
	const char *end = start + strcspn(start, " \t");
	const char *slash = memrchr(start, '/', end - start);

	if (slash)
		start = slash + 1;
	snprintf(buf, len, "%.*s", (int)(end - start), start);
}

static enum child_stdio child_stdio(const struct trace_settings *cli)
{
	if (cli->command_stdio_null)
		return CHILD_STDIO_NULL;
	return cli->json_stdout ? CHILD_STDOUT_TO_STDERR : CHILD_STDIO_INHERIT;
}

/*
 * -p PID -f: the processes already under each given one are traced as
 * well (the fork handler only sees those forked later). Run before the
 * attach and once after, for those forked in between.
 */
static int add_descendants(struct session *s)
{
	struct model *model = s->model;
	int n_given = s->cli.n_pids, err = 0;

	for (int i = 0; i < n_given && !err; i++) {
		pid_t *found;
		int n;

		if (proc_pid_descendants(s->cli.pids[i], &found, &n))
			continue;
		for (int j = 0; j < n && !err; j++) {
			struct target_info *t;

			if (model_find_target(model, found[j]))
				continue;
			err = model_add_target(model, found[j], false);
			if (err)
				break;
			t = model_find_target(model, found[j]);
			t->descendant_of = s->cli.pids[i];
			identify(t);
			err = trace__add_tgid(s->trace, found[j]);
		}
		free(found);
	}
	return err;
}

/* --comm, --cgroup, --unit: the processes that match now. */
static int add_selected(struct session *s)
{
	struct model *model = s->model;
	pid_t *found;
	int n, err;

	err = s->cli.comm ? proc_pid_by_comm(s->cli.comm, &found, &n)
			  : cgroup_processes(s->cgroup_path, &found, &n);
	for (int i = 0; i < n && !err; i++) {
		struct target_info *t;

		if (model_find_target(model, found[i]) || !proc_pid_alive(found[i]))
			continue;
		err = model_add_target(model, found[i], false);
		if (err)
			break;
		t = model_find_target(model, found[i]);
		identify(t);
		err = trace__add_tgid(s->trace, found[i]);
	}
	free(found);
	return err;
}

/* Resolves --cgroup / --unit before anything loads; says what is traced. */
static int resolve_selector(struct session *s, char *why, size_t len)
{
	struct model *model = s->model;
	int err = 0;

	if (s->cli.comm)
		snprintf(model->selector, sizeof(model->selector), "comm %s", s->cli.comm);
	else if (s->cli.cgroup)
		err = cgroup_resolve(s->cli.cgroup, s->cgroup_path, sizeof(s->cgroup_path),
				     &model->cgroup_id, why, len);
	else if (s->cli.unit)
		err = cgroup_of_unit(s->cli.unit, s->cgroup_path, sizeof(s->cgroup_path),
				     &model->cgroup_id, why, len);
	if (!err && model->cgroup_id)
		snprintf(model->selector, sizeof(model->selector), "cgroup %.300s", s->cgroup_path);
	return err;
}

static int add_targets(struct session *s, char *why, size_t len)
{
	struct model *model = s->model;
	int err = 0;

	if (s->cli.command) {
		err = target_spawn_held(s->cli.command, child_stdio(&s->cli), &s->child);
		if (err) {
			snprintf(why, len, "cannot start '%s': %s", s->cli.command, strerror(-err));
			return err;
		}
		err = model_add_target(model, s->child.pid, true);
		if (!err)
			err = trace__add_tgid(s->trace, s->child.pid);
	} else if (model->selector[0]) {
		err = add_selected(s);
	} else {
		for (int i = 0; i < s->cli.n_pids && !err; i++) {
			if (model_find_target(model, s->cli.pids[i]))
				continue; /* a thread id and its process */
			err = model_add_target(model, s->cli.pids[i], false);
			if (!err)
				err = trace__add_tgid(s->trace, s->cli.pids[i]);
		}
		if (!err && s->cli.follow)
			err = add_descendants(s);
	}
	if (err)
		snprintf(why, len, "cannot register targets: %s", strerror(-err));
	/* A held child is still latscope until it execs: name it by its command. */
	for (int i = 0; i < model->n_targets; i++) {
		struct target_info *t = &model->targets[i];

		if (t->spawned)
			command_name(s->cli.command, t->comm, sizeof(t->comm));
		else
			identify(t);
	}
	return err;
}

/*
 * The command could not be exec'd: the trace is over before it began.
 * Nothing of what the held child did (latscope's own code) is a result.
 */
static void command_failed(struct session *s, int exec_errno)
{
	struct target_info *t = model_find_target(s->model, s->child.pid);
	const char *start = s->cli.command + strspn(s->cli.command, " \t");
	long peak;

	if (!t)
		return;
	/* The program as given (a path or a name looked up in PATH). */
	snprintf(t->start_error, sizeof(t->start_error), "cannot run %.*s: %s",
		 (int)strcspn(start, " \t"), start, strerror(exec_errno));
	if (target_reap(s->child.pid, true, &t->exit_code, &peak))
		s->child.pid = 0;
	t->state = TARGET_EXITED;
}

/*
 * A -p target that exited while the probes were being attached would
 * leave an empty report that looks like an idle process.
 */
static int check_still_there(struct model *model, char *why, size_t len)
{
	for (int i = 0; i < model->n_targets; i++) {
		if (model->targets[i].descendant_of || proc_pid_alive(model->targets[i].pid))
			continue;
		snprintf(why, len, "pid %d exited before tracing started", model->targets[i].pid);
		return -ESRCH;
	}
	return 0;
}

static int load_and_attach(struct session *s, char *why, size_t len)
{
	struct trace_opts opts = {
		.follow_children = s->cli.follow,
		.target_comm = s->cli.comm,
		.slow_ns = s->cli.slow_ns,
		.requests = s->cli.requests,
		.tls = s->cli.tls,
		.syscalls = s->cli.syscalls,
		.ringbuf_bytes = s->cli.ringbuf_bytes,
		.func_specs = s->cli.func_specs,
		.n_func_specs = s->cli.n_func_specs,
		.command = s->cli.command,
		.resource_groups = s->cli.resource_groups,
		.on_record = on_record,
		.ctx = s,
		.requests_model = s->model->requests,
	};
	int err = resolve_selector(s, why, len);

	if (err)
		return err;
	opts.target_cgroup_id = s->model->cgroup_id;
	err = trace__open(&opts, &s->trace);
	if (err) {
		snprintf(why, len, "cannot load BPF programs: %s%s", strerror(-err),
			 s->cli.verbose ? "" : " (-v shows the verifier log)");
		return err;
	}
	/* A family the kernel could not load is off, in every view too. */
	s->model->res.groups = trace__opts(s->trace)->resource_groups;
	s->model->syscalls.off = !trace__opts(s->trace)->syscalls;
	err = add_targets(s, why, len);
	if (err)
		return err;
	err = trace__attach(s->trace);
	if (err) {
		if (*trace__error(s->trace))
			snprintf(why, len, "%s", trace__error(s->trace));
		else
			snprintf(why, len, "cannot attach BPF programs: %s", strerror(-err));
		return err;
	}
	if (s->cli.overhead)
		trace__register_costs(s->trace, &s->model->overhead);
	budget_keeper_start(&s->budget, &s->cli, s->trace, s->model, now_ns());
	if (s->cli.command) {
		int exec_errno;

		err = target_release(&s->child, &exec_errno);
		if (err)
			snprintf(why, len, "cannot start '%s': %s", s->cli.command, strerror(-err));
		else if (exec_errno)
			command_failed(s, exec_errno);
	} else if (s->model->selector[0]) {
		/* Those that started while the probes were attached. */
		err = add_selected(s);
		if (err)
			snprintf(why, len, "cannot register targets: %s", strerror(-err));
	} else {
		err = check_still_there(s->model, why, len);
		if (!err && s->cli.follow) {
			err = add_descendants(s);
			if (err)
				snprintf(why, len, "cannot register targets: %s", strerror(-err));
		}
	}
	return err;
}

static void install_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = request_stop };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int session_start(struct trace_settings *cli, const struct session_hooks *hooks,
		  struct session **out, char *why, size_t len)
{
	struct session *s;
	int err;

	err = privileges_check(why, len);
	if (!err)
		err = check_targets(cli, why, len);
	if (err)
		return err;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cli = *cli;
	s->hooks = *hooks;
	s->child.release_fd = -1;
	s->child.status_fd = -1;
	s->model = model_new(cli->keep_events);
	if (!s->model) {
		free(s);
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	s->model->follow = cli->follow;
	gethostname(s->model->host, sizeof(s->model->host) - 1);
	model_set_slow_threshold(s->model, cli->slow_ns);
	s->model->requests->proto = cli->proto;
	s->model->syscalls.off = !cli->syscalls;
	s->model->res.groups = cli->resource_groups;
	overhead_init(&s->model->overhead, cli->overhead, STATS_SAMPLE_FRACTION);
	install_signal_handlers();
	err = load_and_attach(s, why, len);
	if (err) {
		session_free(s);
		return err;
	}
	*out = s;
	return 0;
}

/* The -c command ended: its status, and its peak RSS from the kernel. */
static void command_reaped(struct session *s, struct target_info *t, int status, long peak_kb)
{
	t->state = TARGET_EXITED;
	t->exit_code = status;
	s->child.pid = 0;
	res_process_set_peak_rss(resources_process(&s->model->res, t->pid), peak_kb);
}

/* Notices exits whose ring-buffer record was lost, and reaps -c children. */
static void poll_targets(struct session *s)
{
	struct model *model = s->model;

	for (int i = 0; i < model->n_targets; i++) {
		struct target_info *t = &model->targets[i];
		long peak;
		int status;

		if (t->spawned) {
			if (s->child.pid == t->pid && target_reap(t->pid, false, &status, &peak)) {
				command_reaped(s, t, status, peak);
			}
		} else if (t->state != TARGET_EXITED && !proc_pid_alive(t->pid)) {
			t->state = TARGET_EXITED;
		}
	}
}

/* Reads the kernel's aggregates into the model. */
static int refresh(struct session *s, __u64 now)
{
	int err = trace__collect(s->trace, s->model);

	proc_stats_refresh(s->model);
	model_set_now(s->model, now);
	overhead_update_loader(&s->model->overhead);
	if (err)
		fprintf(stderr, "latscope: reading BPF maps: %s\n", strerror(-err));
	return err;
}

/* A tick: refresh, then let the views know. */
static int collect(struct session *s, __u64 now)
{
	int err = refresh(s, now);

	if (s->hooks.on_tick && s->hooks.on_tick(s->hooks.ctx, s->model))
		s->handler_error = 1;
	return err;
}

static void close_stats_window(struct session *s, __u64 now)
{
	refresh(s, now);
	overhead_window_close(&s->model->overhead, now, syscalls_traced(&s->model->syscalls));
}

struct clock {
	__u64 tick_ns, next_tick, next_report, deadline, window_close;
};

static __u64 earliest(const struct clock *c, bool window_open)
{
	__u64 t = c->next_tick;

	if (c->next_report && c->next_report < t)
		t = c->next_report;
	if (c->deadline && c->deadline < t)
		t = c->deadline;
	if (window_open && c->window_close < t)
		t = c->window_close;
	return t;
}

static void open_stats_window(struct session *s, struct clock *c, __u64 now)
{
	overhead_window_open(&s->model->overhead, now, syscalls_traced(&s->model->syscalls));
	c->window_close = now + (__u64)(c->tick_ns * STATS_SAMPLE_FRACTION);
}

static bool trace_is_over(struct session *s, const struct clock *c, __u64 now)
{
	/* A selector's processes come and go: only -d or a signal ends it. */
	return stop_requested || (c->deadline && now >= c->deadline) ||
	       (!s->model->selector[0] && !s->cli.keep_running &&
		model_all_targets_exited(s->model)) ||
	       s->handler_error;
}

static void run_interval(struct session *s, __u64 now)
{
	collect(s, now);
	if (s->hooks.on_interval && s->hooks.on_interval(s->hooks.ctx, s->model))
		s->handler_error = 1;
	model_mark_interval(s->model);
}

/*
 * A command the kernel saw exit (the trace ended on it) may not be reaped
 * yet: wait for it, so that its status and peak RSS are the kernel's.
 */
static void reap_exited_command(struct session *s)
{
	struct target_info *t = s->child.pid ? model_find_target(s->model, s->child.pid) : NULL;
	long peak;
	int status;

	if (t && t->state == TARGET_EXITED && target_reap(t->pid, true, &status, &peak))
		command_reaped(s, t, status, peak);
}

int session_run(struct session *s)
{
	struct overhead *oh = &s->model->overhead;
	__u64 start = now_ns(), now;
	struct clock c = {};
	int err = 0;

	model_start(s->model, start);
	/* Baselines for the fault counters of processes attached by -p. */
	proc_stats_refresh(s->model);
	overhead_mark_tracing_start(oh);
	c.tick_ns = MAX_TICK_NS;
	if (s->cli.interval_s > 0) {
		__u64 interval = (__u64)(s->cli.interval_s * NS_PER_S);

		c.next_report = start + interval;
		if (interval < c.tick_ns)
			c.tick_ns = interval;
	}
	if (s->cli.duration_s > 0)
		c.deadline = start + (__u64)(s->cli.duration_s * NS_PER_S);
	c.next_tick = start + c.tick_ns;
	open_stats_window(s, &c, start);

	for (now = start; !trace_is_over(s, &c, now); now = now_ns()) {
		__u64 wake = earliest(&c, overhead_window_is_open(oh));
		__u64 wait_ms = wake > now ? (wake - now + 999999) / 1000000 : 0;

		err = trace__poll(s->trace, wait_ms > MAX_POLL_MS ? MAX_POLL_MS : (int)wait_ms);
		if (err < 0)
			break;
		err = 0;
		now = now_ns();
		if (overhead_window_is_open(oh) && now >= c.window_close)
			close_stats_window(s, now);
		poll_targets(s);
		if (s->hooks.on_wakeup && s->hooks.on_wakeup(s->hooks.ctx, s->model))
			break;
		if (now >= c.next_tick) {
			collect(s, now);
			budget_keeper_tick(&s->budget, now);
			open_stats_window(s, &c, now);
			c.next_tick += c.tick_ns;
		}
		/* An interval ending with the trace is covered by the final report. */
		if (c.next_report && now >= c.next_report && !(c.deadline && now >= c.deadline)) {
			run_interval(s, now);
			c.next_report += (__u64)(s->cli.interval_s * NS_PER_S);
		}
	}
	/*
	 * Count what is complete but pending (a request answered on a
	 * connection still open), drain what the kernel has written, then
	 * read it all once more.
	 */
	if (trace__finish(s->trace, s->model))
		fprintf(stderr, "latscope: finishing the trace: pending requests not counted\n");
	while (trace__poll(s->trace, 0) > 0)
		;
	reap_exited_command(s);
	now = now_ns();
	collect(s, now);
	overhead_close(oh, now, syscalls_traced(&s->model->syscalls));
	return err;
}

struct model *session_model(struct session *s)
{
	return s->model;
}

void session_free(struct session *s)
{
	if (!s)
		return;
	/* Detach first, so a held child never runs traced by a dead loader. */
	trace__free(s->trace);
	if (s->child.release_fd >= 0 || s->child.pid > 0)
		target_abandon(&s->child);
	model_free(s->model);
	free(s);
}
