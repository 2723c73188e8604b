// latscope top: the live view, or record's text reports when not a terminal.
#include <curses.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "commands.h"
#include "format.h"
#include "report_text.h"
#include "session.h"
#include "snapshot_json.h"
#include "top_columns.h"
#include "top_keys.h"
#include "top_screen.h"

#define NS_PER_S	1000000000ULL
/* Interval marks happen on session ticks, which come every second. */
#define MIN_INTERVAL_S	1.0
#define HOLD_POLL_MS	100

struct top {
	const struct trace_cli *cli;
	struct top_state state;
	struct top_frame frame;
	struct top_key_ctx keys;	/* what the last frame looked like */
	__u64 interval_ns, next_mark_ns;
	char footer[160];
	char snapshot_path[PATH_MAX];
	bool quit;
};

static void redraw(struct top *t, struct model *model)
{
	top_screen_draw(model, &t->state, &t->frame, &t->keys);
}

/* The newest slow call or process event, in report_text's words. */
static void on_event(void *ctx, struct model *model, int rec_type,
		     const void *item)
{
	struct top *t = ctx;
	FILE *line = fmemopen(t->footer, sizeof(t->footer), "w");

	if (!line)
		return;
	if (rec_type == REC_SYSCALL_SLOW)
		report_text_slow_call(line, model, item);
	else
		report_text_proc_event(line, model, item);
	fclose(line);
	t->footer[strcspn(t->footer, "\n")] = '\0';
}

/*
 * top marks intervals itself, on ticks, and draws the last complete one:
 * between marks (and while paused, when it stops marking) the figures
 * stand still instead of restarting from an empty window.
 */
static int on_tick(void *ctx, struct model *model)
{
	struct top *t = ctx;

	if (!t->next_mark_ns)
		t->next_mark_ns = model->start_ns + t->interval_ns;
	if (!t->state.paused && model->now_ns >= t->next_mark_ns) {
		model_mark_interval(model);
		t->next_mark_ns += t->interval_ns;
		if (t->next_mark_ns <= model->now_ns)
			t->next_mark_ns = model->now_ns + t->interval_ns;
	}
	redraw(t, model);
	return 0;
}

static void default_snapshot_path(struct top *t, const struct model *model)
{
	time_t now = time(NULL);
	char when[32];
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y%m%d-%H%M%S", &tm);
	snprintf(t->snapshot_path, sizeof(t->snapshot_path),
		 "latscope-%d-%s.json", model->targets[0].pid, when);
}

static int write_snapshot(struct top *t, struct model *model)
{
	json_t *snap;
	int err;

	if (t->cli->output)
		snprintf(t->snapshot_path, sizeof(t->snapshot_path), "%s",
			 t->cli->output);
	else
		default_snapshot_path(t, model);
	snap = snapshot_build(model, false);
	err = snap ? snapshot_write_file(t->snapshot_path, snap) : -ENOMEM;
	json_decref(snap);
	if (err)
		snprintf(t->footer, sizeof(t->footer), "cannot write %.120s: %s",
			 t->snapshot_path, strerror(-err));
	else
		snprintf(t->footer, sizeof(t->footer), "snapshot written to %.120s",
			 t->snapshot_path);
	return err;
}

/* Reads every waiting key; returns 1 when the user quits. */
static int handle_keys(struct top *t, struct model *model)
{
	int key;

	while ((key = top_screen_key()) != ERR) {
		switch (top_handle_key(&t->state, key, &t->keys)) {
		case TOP_NONE:
			continue;
		case TOP_QUIT:
			t->quit = true;
			return 1;
		case TOP_RESET:
			model_reset(model);
			snprintf(t->footer, sizeof(t->footer),
				 "counters reset: figures start again from now");
			break;
		case TOP_SNAPSHOT:
			write_snapshot(t, model);
			break;
		case TOP_REDRAW:
			break;
		}
		redraw(t, model);
	}
	return 0;
}

static int on_wakeup(void *ctx, struct model *model)
{
	return handle_keys(ctx, model);
}

/*
 * The targets are gone: the final figures stay on screen, browsable,
 * until q (or a signal), rather than vanishing with the terminal state.
 */
static void hold_final_screen(struct top *t, struct model *model)
{
	while (!session_stop_requested() && !handle_keys(t, model))
		napms(HOLD_POLL_MS);
}

/* The final screen shows the whole trace (since the last reset). */
static void finish(struct top *t, struct model *model)
{
	t->frame.ended = true;
	t->state.paused = false;
	t->state.cumulative = true;
	if (model->mark_ns < model->now_ns)
		model_mark_interval(model);
	if (t->cli->output)
		write_snapshot(t, model);
	redraw(t, model);
	if (!t->quit && !session_stop_requested() &&
	    model_all_targets_exited(model))
		hold_final_screen(t, model);
}

static void print_outcome(const struct top *t, const struct model *model)
{
	const struct target_info *target = &model->targets[0];
	char status[32], up[16];

	format_duration(model->now_ns - model->start_ns, up, sizeof(up));
	if (target->state == TARGET_EXITED)
		printf("latscope top: pid %d (%s) exited (%s) after %s\n", target->pid,
		       target->comm,
		       format_wait_status(target->exit_code, status, sizeof(status)), up);
	else
		printf("latscope top: traced pid %d (%s) for %s\n", target->pid,
		       target->comm, up);
	if (t->snapshot_path[0])
		printf("latscope top: last snapshot: %s\n", t->snapshot_path);
}

static void top_init(struct top *t, const struct trace_cli *cli)
{
	int defaults[TOP_MAX_VIEWS] = { 0 };
	double interval_s = cli->interval_s > MIN_INTERVAL_S ? cli->interval_s
							     : MIN_INTERVAL_S;

	memset(t, 0, sizeof(*t));
	t->cli = cli;
	for (int i = 0; i < top_n_views && i < TOP_MAX_VIEWS; i++)
		defaults[i] = top_views[i].default_sort;
	top_state_init(&t->state, top_n_views, defaults);
	t->interval_ns = (__u64)(interval_s * NS_PER_S);
	t->frame.warn_ns = cli->warn_ns;
	t->frame.footer = t->footer;
}

static int run_live(const struct trace_cli *cli)
{
	struct session_hooks hooks = {
		.on_event = on_event,
		.on_tick = on_tick,
		.on_wakeup = on_wakeup,
	};
	struct trace_cli session_cli = *cli;
	struct session *session = NULL;
	struct model *model;
	struct top t;
	char why[256];
	int err;

	top_init(&t, cli);
	hooks.ctx = &t;
	/* top marks intervals itself (see on_tick); the command keeps off the tty. */
	session_cli.interval_s = 0;
	session_cli.command_stdio_null = true;

	if (cli->output && snapshot_check_writable(cli->output, why, sizeof(why))) {
		print_error("%s", why);
		return EXIT_FAILURE_RUN;
	}
	err = session_start(&session_cli, &hooks, &session, why, sizeof(why));
	if (err) {
		print_error("%s", why);
		return EXIT_FAILURE_RUN;
	}
	model = session_model(session);
	if (top_screen_open()) {
		print_error("cannot initialise the terminal (TERM=%s)", getenv("TERM") ?: "");
		session_free(session);
		return EXIT_FAILURE_RUN;
	}
	redraw(&t, model);
	err = session_run(session);
	finish(&t, model);
	top_screen_close();
	if (err)
		print_error("tracing stopped: %s", strerror(-err));
	print_outcome(&t, model);
	session_free(session);
	return err ? EXIT_FAILURE_RUN : EXIT_OK;
}

static void top_usage(FILE *out)
{
	fprintf(out,
		"usage: latscope top (-p PID[,PID...] | -c CMD) [OPTIONS]\n\n"
		"A live, top-style view of latency percentiles. -i sets the interval\n"
		"the figures cover and the refresh (default and minimum 1 s); -o FILE\n"
		"is written on 'w' and at the end. With -c, the command's output is\n"
		"discarded (redirect it inside CMD to keep it). When stdout is not a\n"
		"terminal, prints record's text report every interval instead.\n"
		"Keys: h or ? in the view.\n\n%s",
		trace_cli_usage);
}

static int top_run(struct trace_cli *cli)
{
	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
		if (cli->interval_s <= 0)
			cli->interval_s = 1;
		fprintf(stderr, "latscope top: not a terminal: a text report every %gs\n",
			cli->interval_s);
		return record_run(cli);
	}
	if (cli->json_stdout || cli->jsonl) {
		print_error("--json and --jsonl would garble the screen: use -o FILE");
		return EXIT_USAGE;
	}
	return run_live(cli);
}

int do_top(int argc, char **argv)
{
	return run_tracing_command(argc, argv, top_usage, top_run);
}
