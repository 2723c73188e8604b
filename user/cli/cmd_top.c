// latscope top: the live view, or record's text reports when not a terminal.
#include <curses.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "judge/alerts.h"
#include "cli/commands.h"
#include "cli/extra_options.h"
#include "base/format.h"
#include "base/parse.h"
#include "views/text/report.h"
#include "views/json/snapshot.h"
#include "views/top/columns.h"
#include "views/top/keys.h"
#include "views/top/screen.h"
#include "cli/trace_run.h"

#define NS_PER_S 1000000000ULL
/* Interval marks happen on session ticks, which come every second. */
#define MIN_INTERVAL_S 1.0
#define HOLD_POLL_MS   100

/* top's own options, beside the shared tracing ones. */
struct top_opts {
	__u64 warn_ns;
	struct alerts alerts; /* --alert EXPR, judged every tick */
};

struct top {
	const struct trace_settings *cli;
	struct alerts *alerts;
	struct top_state state;
	struct top_frame frame;
	struct top_key_ctx keys; /* what the last frame looked like */
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
static void on_event(void *ctx, struct model *model, int rec_type, const void *item)
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

/* Alerts as record judges them; the newest change goes to the footer. */
static void judge_alerts(struct top *t, struct model *model)
{
	char *text = NULL, *last;
	size_t len = 0;
	FILE *out;

	if (!t->alerts->n || !(out = open_memstream(&text, &len)))
		return;
	alerts_judge(t->alerts, model, out);
	fclose(out);
	if (len) {
		text[len - 1] = '\0'; /* the last newline */
		last = strrchr(text, '\n');
		snprintf(t->footer, sizeof(t->footer), "%s", last ? last + 1 : text);
	}
	free(text);
	t->frame.n_alerts = t->alerts->n;
	t->frame.n_breached = 0;
	for (int i = 0; i < t->alerts->n; i++)
		t->frame.n_breached += t->alerts->items[i].breached;
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
		t->next_mark_ns = model->clock.start_ns + t->interval_ns;
	if (!t->state.paused && model->clock.now_ns >= t->next_mark_ns) {
		model_mark_interval(model);
		t->next_mark_ns += t->interval_ns;
		if (t->next_mark_ns <= model->clock.now_ns)
			t->next_mark_ns = model->clock.now_ns + t->interval_ns;
	}
	judge_alerts(t, model);
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
	snprintf(t->snapshot_path, sizeof(t->snapshot_path), "latscope-%d-%s.json",
		 model->n_targets ? model->targets[0].pid : 0, when);
}

static int write_snapshot(struct top *t, struct model *model)
{
	json_t *snap;
	int err;

	if (t->cli->output)
		snprintf(t->snapshot_path, sizeof(t->snapshot_path), "%s", t->cli->output);
	else
		default_snapshot_path(t, model);
	snap = snapshot_build(model, false);
	if (snap && t->alerts->n)
		json_object_set_new(snap, "alerts", alerts_json(t->alerts));
	err = snap ? snapshot_write_file(t->snapshot_path, snap) : -ENOMEM;
	json_decref(snap);
	if (err)
		snprintf(t->footer, sizeof(t->footer), "cannot write %.120s: %s", t->snapshot_path,
			 strerror(-err));
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
	if (model->clock.mark_ns < model->clock.now_ns)
		model_mark_interval(model);
	if (t->cli->output)
		write_snapshot(t, model);
	redraw(t, model);
	if (!t->quit && !session_stop_requested() && !model->selector[0] &&
	    model_all_targets_exited(model))
		hold_final_screen(t, model);
}

static void print_outcome(const struct top *t, const struct model *model)
{
	const struct target_info *target = &model->targets[0];
	char status[32], up[16];

	format_duration(model->clock.now_ns - model->clock.start_ns, up, sizeof(up));
	if (model->selector[0])
		printf("latscope top: traced %s (%d processes) for %s\n", model->selector,
		       model->n_targets, up);
	else if (target->state == TARGET_EXITED)
		printf("latscope top: pid %d (%s) exited (%s) after %s\n", target->pid,
		       target->comm, format_wait_status(target->exit_code, status, sizeof(status)),
		       up);
	else
		printf("latscope top: traced pid %d (%s) for %s\n", target->pid, target->comm, up);
	if (t->snapshot_path[0])
		printf("latscope top: last snapshot: %s\n", t->snapshot_path);
}

static void top_init(struct top *t, const struct trace_settings *cli, struct top_opts *opts)
{
	int defaults[TOP_MAX_VIEWS] = { 0 };
	double interval_s = cli->interval_s > MIN_INTERVAL_S ? cli->interval_s : MIN_INTERVAL_S;

	memset(t, 0, sizeof(*t));
	t->cli = cli;
	t->alerts = &opts->alerts;
	for (int i = 0; i < top_n_views && i < TOP_MAX_VIEWS; i++)
		defaults[i] = top_views[i].default_sort;
	top_state_init(&t->state, top_n_views, defaults);
	t->interval_ns = (__u64)(interval_s * NS_PER_S);
	t->frame.warn_ns = opts->warn_ns;
	t->frame.n_alerts = opts->alerts.n;
	t->frame.footer = t->footer;
}

static int run_live(const struct trace_settings *cli, struct top_opts *opts)
{
	struct session_hooks hooks = {
		.on_event = on_event,
		.on_tick = on_tick,
		.on_wakeup = on_wakeup,
	};
	struct trace_settings session_cli = *cli;
	struct trace_run *run;
	struct session *session;
	struct model *model;
	struct top t;
	int err;

	top_init(&t, cli, opts);
	hooks.ctx = &t;
	/* top marks intervals itself (see on_tick); the command keeps off the tty. */
	session_cli.interval_s = 0;
	session_cli.command_stdio_null = true;
	if (trace_run_start(&session_cli, &hooks, &run))
		return EXIT_FAILURE_RUN;
	if (trace_run_start_error(run)) {
		print_error("%s", trace_run_start_error(run));
		trace_run_free(run);
		return EXIT_FAILURE_RUN;
	}
	session = trace_run_session(run);
	model = session_model(session);
	if (top_screen_open()) {
		print_error("cannot initialise the terminal (TERM=%s)", getenv("TERM") ?: "");
		trace_run_free(run);
		return EXIT_FAILURE_RUN;
	}
	redraw(&t, model);
	err = session_run(session);
	finish(&t, model);
	top_screen_close();
	if (err)
		print_error("tracing stopped: %s", strerror(-err));
	print_outcome(&t, model);
	trace_run_free(run);
	return err ? EXIT_FAILURE_RUN : EXIT_OK;
}

static void top_usage(FILE *out)
{
	fprintf(out, "usage: latscope top (-p PID[,PID...] | -c CMD) [OPTIONS]\n\n"
		     "A live, top-style view of latency percentiles. -i sets the interval\n"
		     "the figures cover and the refresh (default and minimum 1 s); -o FILE\n"
		     "is written on 'w' and at the end. With -c, the command's output is\n"
		     "discarded (redirect it inside CMD to keep it). When stdout is not a\n"
		     "terminal, prints record's text report every interval instead.\n"
		     "Keys: h or ? in the view.\n\n");
	trace_cli_print_usage(out, NULL);
	fprintf(out, "      --warn DURATION      highlight latencies above this (e.g. 10ms)\n"
		     "      --alert EXPR         show each breach and recovery of EXPR,\n"
		     "                           judged every second (repeatable)\n");
}

static int take_warn(void *ctx, const char *name, const char *value, char *why, size_t len)
{
	struct top_opts *opts = ctx;

	if (parse_duration_ns(value, 1000000ULL, &opts->warn_ns) || !opts->warn_ns) {
		snprintf(why, len, "invalid --warn '%s': expected a duration, e.g. 10ms", value);
		return -EINVAL;
	}
	return 0;
}

static int take_alert(void *ctx, const char *name, const char *value, char *why, size_t len)
{
	struct top_opts *opts = ctx;

	return alerts_take_option(&opts->alerts, name, value, why, len);
}

static const struct extra_option top_options[] = {
	{ "warn", true, take_warn },
	{ "alert", true, take_alert },
	{ NULL },
};

/*
 * Not a terminal: record does the work, with a report every interval.
 * "-i 1" goes first so that the user's own -i, later, wins. Only --warn,
 * which means nothing in text, is taken out; record parses the rest.
 */
static int run_as_record(int argc, char **argv)
{
	static const struct extra_option warn_only[] = {
		{ "warn", true, take_warn },
		{ NULL },
	};
	char **args = calloc(argc + 3, sizeof(*args));
	struct top_opts ignored = {};
	char why[256];
	int rc;

	if (!args)
		return EXIT_FAILURE_RUN;
	args[0] = argv[0];
	args[1] = "-i";
	args[2] = "1";
	memcpy(args + 3, argv + 1, (argc - 1) * sizeof(*args));
	argc += 2;
	extra_options_take(&argc, args, warn_only, &ignored, why, sizeof(why));
	fprintf(stderr, "latscope top: not a terminal: text reports instead\n");
	rc = do_record(argc, args);
	free(args);
	return rc;
}

/* Parses a copy of argv: record may need the original (run_as_record). */
static int parse_top_cli(int argc, char **argv, struct top_opts *opts, struct trace_settings *cli)
{
	char **args = calloc(argc + 1, sizeof(*args));
	int rc;

	if (!args)
		return PARSE_ERROR;
	memcpy(args, argv, argc * sizeof(*args));
	rc = tracing_cli_parse("top", argc, args, top_options, opts, top_usage, cli);
	free(args);
	return rc;
}

int do_top(int argc, char **argv)
{
	struct trace_settings cli = {};
	struct top_opts opts = {};
	int rc;

	rc = parse_top_cli(argc, argv, &opts, &cli);
	if (rc != PARSE_OK) {
		rc = rc == PARSE_HELP ? EXIT_OK : EXIT_USAGE;
	} else if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
		rc = run_as_record(argc, argv);
	} else if (cli.json_stdout || cli.jsonl) {
		print_usage_error("top", "--json and --jsonl would garble the screen: use -o FILE");
		rc = EXIT_USAGE;
	} else {
		rc = run_live(&cli, &opts);
	}
	trace_cli_free(&cli);
	alerts_free(&opts.alerts);
	return rc;
}
