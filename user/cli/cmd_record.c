// latscope record: trace, report as text, write JSON snapshots.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "judge/alerts.h"
#include "cli/commands.h"
#include "cli/extra_options.h"
#include "views/text/report.h"
#include "views/json/snapshot.h"
#include "cli/trace_run.h"

struct record {
	const struct trace_settings *cli;
	FILE *text;   /* reports; NULL when stdout carries JSON */
	FILE *events; /* live slow-call, process-event and alert lines */
	struct alerts alerts;
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

static const struct extra_option record_options[] = {
	{ "alert", true, alerts_take_option },
	{ NULL },
};

static void record_usage(FILE *out)
{
	fprintf(out, "usage: latscope record (-p PID[,PID...] | -c CMD) [OPTIONS]\n\n");
	trace_cli_print_usage(out);
	fprintf(out, "      --alert EXPR         report each breach and recovery of EXPR,\n"
		     "                           judged every second (repeatable)\n");
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
	int err, rc;

	rc = tracing_cli_parse(argc, argv, record_options, &r.alerts, record_usage, &cli);
	if (rc != PARSE_OK) {
		rc = rc == PARSE_HELP ? EXIT_OK : EXIT_USAGE;
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
	session = trace_run_session(run);
	err = session_run(session);
	write_report(&r, session_model(session), WINDOW_TOTAL);
	if ((cli.output || cli.json_stdout) && !r.snapshot_failed)
		write_snapshot(&r, session_model(session));
	rc = err || r.text_failed || r.snapshot_failed ? EXIT_FAILURE_RUN : EXIT_OK;
out:
	trace_run_free(run);
	trace_cli_free(&cli);
	alerts_free(&r.alerts);
	return rc;
}
