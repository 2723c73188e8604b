// Starting a trace for a subcommand, and writing its snapshots.
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/wait.h>
#include "cli/commands.h"
#include "views/metrics/server.h"
#include "views/json/snapshot.h"
#include "cli/trace_run.h"

struct trace_run {
	struct session_hooks inner;	/* the subcommand's own hooks */
	struct metrics_server *metrics; /* NULL without --listen */
	struct session *session;
};

/* The subcommand's hooks, each reached through the run that wraps them. */
static void run_on_event(void *ctx, struct model *model, int type, const void *item)
{
	struct trace_run *run = ctx;

	if (run->inner.on_event)
		run->inner.on_event(run->inner.ctx, model, type, item);
}

static int run_on_interval(void *ctx, struct model *model)
{
	struct trace_run *run = ctx;

	return run->inner.on_interval ? run->inner.on_interval(run->inner.ctx, model) : 0;
}

/* Scrapes read what this publishes; a failed render keeps the last one. */
static int run_on_tick(void *ctx, struct model *model)
{
	struct trace_run *run = ctx;

	metrics_server_update(run->metrics, model);
	return run->inner.on_tick ? run->inner.on_tick(run->inner.ctx, model) : 0;
}

static int run_on_wakeup(void *ctx, struct model *model)
{
	struct trace_run *run = ctx;

	return run->inner.on_wakeup ? run->inner.on_wakeup(run->inner.ctx, model) : 0;
}

static void announce(const struct trace_settings *cli, const struct model *model)
{
	const struct target_info *t = &model->targets[0];

	if (model->selector[0]) {
		fprintf(stderr,
			"latscope: tracing %s (%d processes now, and those that join); "
			"Ctrl-C to stop\n",
			model->selector, model->n_targets);
		return;
	}
	if (cli->command)
		fprintf(stderr, "latscope: tracing '%s' (pid %d); Ctrl-C to stop\n", cli->command,
			t->pid);
	else
		fprintf(stderr, "latscope: tracing pid %d (%s)%s; Ctrl-C to stop\n", t->pid,
			t->comm, model->n_targets > 1 ? " and more" : "");
}

static void announce_metrics(struct trace_run *run)
{
	if (!run->metrics)
		return;
	metrics_server_update(run->metrics, session_model(run->session));
	fprintf(stderr, "latscope: serving metrics on http://%s/metrics\n",
		metrics_server_address(run->metrics));
}

int trace_run_start(struct trace_settings *cli, const struct session_hooks *hooks,
		    struct trace_run **out)
{
	struct session_hooks wrapped = {
		.on_event = run_on_event,
		.on_interval = run_on_interval,
		.on_tick = run_on_tick,
		.on_wakeup = run_on_wakeup,
	};
	struct trace_run *run;
	char why[512];
	int err;

	*out = NULL;
	if (!cli->verbose)
		libbpf_set_print(NULL);
	if (cli->output && (err = snapshot_check_writable(cli->output, why, sizeof(why)))) {
		print_error("%s", why);
		return err;
	}
	run = calloc(1, sizeof(*run));
	if (!run)
		return -ENOMEM;
	run->inner = *hooks;
	wrapped.ctx = run;
	/* Bound before attaching: a busy port must not cost the target anything. */
	err = metrics_server_start(&cli->metrics, &run->metrics, why, sizeof(why));
	if (!err)
		err = session_start(cli, &wrapped, &run->session, why, sizeof(why));
	if (err) {
		print_error("%s", why);
		trace_run_free(run);
		return err;
	}
	*out = run;
	if (trace_run_start_error(run))
		return 0; /* the caller says it, in one line */
	announce_metrics(run);
	announce(cli, session_model(run->session));
	return 0;
}

static const struct target_info *command_target(struct trace_run *run)
{
	const struct model *model = session_model(run->session);

	return model->n_targets && model->targets[0].spawned ? &model->targets[0] : NULL;
}

const char *trace_run_start_error(struct trace_run *run)
{
	const struct target_info *t = command_target(run);

	return t && t->start_error[0] ? t->start_error : NULL;
}

int trace_run_command_status(struct trace_run *run)
{
	const struct target_info *t = command_target(run);

	if (!t || t->state != TARGET_EXITED)
		return -1;
	if (WIFSIGNALED(t->exit_code))
		return 128 + WTERMSIG(t->exit_code);
	return WIFEXITED(t->exit_code) ? WEXITSTATUS(t->exit_code) : -1;
}

int trace_run_command_signal(struct trace_run *run)
{
	const struct target_info *t = command_target(run);

	return t && t->state == TARGET_EXITED && WIFSIGNALED(t->exit_code) ? WTERMSIG(t->exit_code)
									   : 0;
}

struct session *trace_run_session(struct trace_run *run)
{
	return run->session;
}

void trace_run_free(struct trace_run *run)
{
	unsigned long scrapes, dropped;

	if (!run)
		return;
	if (run->metrics) {
		scrapes = metrics_server_scrapes(run->metrics);
		dropped = metrics_server_dropped(run->metrics);
		if (scrapes)
			fprintf(stderr, "latscope: metrics: %lu scrapes served\n", scrapes);
		if (dropped)
			fprintf(stderr,
				"latscope: metrics: %lu connections closed for sending no request in time\n",
				dropped);
		metrics_server_stop(run->metrics);
	}
	session_free(run->session);
	free(run);
}

int trace_run_emit(const struct trace_settings *cli, const json_t *snap)
{
	int err = 0;

	if (cli->output) {
		err = cli->jsonl ? snapshot_append_line(cli->output, snap)
				 : snapshot_write_file(cli->output, snap);
		if (err)
			print_error("cannot write %s: %s", cli->output, strerror(-err));
	}
	/* A failure on stdout is main()'s to report, once, whoever wrote there. */
	if (!err && cli->json_stdout)
		err = snapshot_print(stdout, snap, cli->jsonl);
	return err;
}
