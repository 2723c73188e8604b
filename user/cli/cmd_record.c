// latscope record: trace, report as text, write JSON snapshots.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "judge/alerts.h"
#include "judge/timeline.h"
#include "cli/commands.h"
#include "cli/extra_options.h"
#include "views/text/histogram.h"
#include "views/text/report.h"
#include "views/json/snapshot.h"
#include "cli/trace_run.h"

struct record {
	const struct trace_settings *cli;
	FILE *text;   /* reports; NULL when stdout carries JSON */
	FILE *events; /* live slow-call, process-event and alert lines */
	struct alerts alerts;
	bool hist;		  /* --hist */
	const char *heatmap;	  /* --heatmap FILE */
	const char *heatmap_row;  /* --heatmap-row ROW */
	struct timeline timeline; /* the intervals, for --heatmap */
	/*
	 * An output failed (already reported): the trace stops, and what
	 * failed is not tried again, so the failure is one line.
	 */
	bool text_failed, snapshot_failed;
};

static void on_event(void *ctx, struct model *model, int rec_type, const void *item)
{
	struct record *r = ctx;

	if (rec_type == REC_SYSCALL_SLOW)
		report_text_slow_call(r->events, model, item);
	else if (rec_type == REC_REQUEST)
		report_text_slow_request(r->events, model, item);
	else
		report_text_proc_event(r->events, model, item);
}

static int write_snapshot(struct record *r, struct model *model)
{
	bool with_interval = r->cli->interval_s > 0;
	json_t *snap = snapshot_build(model, with_interval);
	int err;

	if (!snap) {
		print_error("cannot build the JSON snapshot");
		r->snapshot_failed = true;
		return -ENOMEM;
	}
	if (r->alerts.n)
		json_object_set_new(snap, "alerts", alerts_json(&r->alerts));
	err = trace_run_emit(r->cli, snap);
	json_decref(snap);
	r->snapshot_failed = err != 0;
	return err;
}

/* The interval just ended, as a heat map's next column. */
static int add_heatmap_column(struct record *r, struct model *model)
{
	json_t *snap = snapshot_build(model, true);
	int err = snap ? timeline_add(&r->timeline, snap) : -ENOMEM;

	json_decref(snap);
	if (err)
		print_error("cannot keep the interval for --heatmap: %s", strerror(-err));
	return err;
}

/* The report on stdout; a lost one is main()'s to report, at the end. */
static int write_report(struct record *r, struct model *model, enum model_window window)
{
	if (!r->text || r->text_failed)
		return 0;
	r->text_failed = report_text_print(r->text, model, window) != 0;
	return r->text_failed ? -EIO : 0;
}

/* A failed output ends the trace: nobody would see the rest of it. */
static int on_interval(void *ctx, struct model *model)
{
	struct record *r = ctx;
	int err = write_report(r, model, WINDOW_INTERVAL);

	if (!err && r->heatmap && add_heatmap_column(r, model))
		err = -ENOMEM;
	if (!err && (r->cli->output || (r->cli->json_stdout && r->cli->jsonl)))
		err = write_snapshot(r, model);
	return err;
}

/* Judges the alerts over the tick that just ended; prints what changed. */
static int on_tick(void *ctx, struct model *model)
{
	struct record *r = ctx;

	alerts_judge(&r->alerts, model, r->events);
	return 0;
}

static int take_option(void *ctx, const char *name, const char *value, char *why, size_t len)
{
	struct record *r = ctx;

	if (!strcmp(name, "hist"))
		r->hist = true;
	else if (!strcmp(name, "heatmap"))
		r->heatmap = value;
	else if (!strcmp(name, "heatmap-row"))
		r->heatmap_row = value;
	else
		return alerts_take_option(&r->alerts, name, value, why, len);
	return 0;
}

static const struct extra_option record_options[] = {
	{ "alert", true, take_option },
	{ "hist", false, take_option },
	{ "heatmap", true, take_option },
	{ "heatmap-row", true, take_option },
	{ NULL },
};

static void record_usage(FILE *out)
{
	fprintf(out, "usage: latscope record (-p PID[,PID...] | -c CMD) [OPTIONS]\n\n");
	trace_cli_print_usage(out, NULL);
	fprintf(out,
		"      --alert EXPR         report each breach and recovery of EXPR,\n"
		"                           judged every second (repeatable)\n"
		"      --hist               after the report, latency histograms of every\n"
		"                           function and request row and the 5 busiest syscalls\n"
		"      --heatmap FILE       with -i: an SVG heat map of latency over the\n"
		"                           intervals (see latscope heatmap)\n"
		"      --heatmap-row ROW    what it draws: syscalls.read, 'requests[\":8080 GET /\"]'\n"
		"                           (default: the row with the most calls)\n");
}

int do_record(int argc, char **argv)
{
	struct session_hooks hooks = {
		.on_event = on_event,
		.on_interval = on_interval,
		.on_tick = on_tick,
	};
	struct trace_settings cli = {};
	struct record r = {};
	struct trace_run *run = NULL;
	struct session *session;
	char why[512];
	int err, rc;

	rc = tracing_cli_parse("record", argc, argv, record_options, &r, record_usage, &cli);
	if (rc != PARSE_OK) {
		rc = rc == PARSE_HELP ? EXIT_OK : EXIT_USAGE;
		goto out;
	}
	if ((r.heatmap && !(cli.interval_s > 0)) || (r.heatmap_row && !r.heatmap)) {
		print_usage_error("record", r.heatmap ? "--heatmap needs -i SECONDS"
						      : "--heatmap-row needs --heatmap FILE");
		rc = EXIT_USAGE;
		goto out;
	}
	if (r.heatmap && snapshot_check_writable(r.heatmap, why, sizeof(why))) {
		print_error("%s", why);
		rc = EXIT_FAILURE_RUN;
		goto out;
	}
	r.cli = &cli;
	r.text = cli.json_stdout ? NULL : stdout;
	r.events = cli.json_stdout ? stderr : stdout;
	hooks.ctx = &r;

	if (trace_run_start(&cli, &hooks, &run)) {
		rc = EXIT_FAILURE_RUN;
		goto out;
	}
	if (trace_run_start_error(run)) {
		print_error("%s", trace_run_start_error(run));
		rc = EXIT_FAILURE_RUN;
		goto out;
	}
	session = trace_run_session(run);
	err = session_run(session);
	write_report(&r, session_model(session), WINDOW_TOTAL);
	if (r.text && r.hist && !r.text_failed)
		hist_text_report(r.text, session_model(session), WINDOW_TOTAL);
	if (r.heatmap && !add_heatmap_column(&r, session_model(session)) &&
	    timeline_render(&r.timeline, r.heatmap_row, 40, r.heatmap, r.events, why,
			    sizeof(why))) {
		print_error("%s", why);
		err = -EIO;
	}
	if ((cli.output || cli.json_stdout) && !r.snapshot_failed)
		write_snapshot(&r, session_model(session));
	rc = err || r.text_failed || r.snapshot_failed ? EXIT_FAILURE_RUN : EXIT_OK;
	/* As time(1) and perf stat do: the command's own status, once it ended. */
	if (rc == EXIT_OK && trace_run_command_status(run) > 0)
		rc = trace_run_command_status(run);
out:
	trace_run_free(run);
	trace_cli_free(&cli);
	alerts_free(&r.alerts);
	timeline_free(&r.timeline);
	return rc;
}
