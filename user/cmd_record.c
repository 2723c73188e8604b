// latscope record: trace, report as text, write JSON snapshots.
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "report_text.h"
#include "session.h"
#include "snapshot_json.h"

struct record {
	const struct trace_cli *cli;
	FILE *text;	/* reports; NULL when stdout carries JSON */
	FILE *events;	/* live slow-call and process-event lines */
};

static void on_event(void *ctx, struct model *model, int rec_type,
		     const void *item)
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
	int err = 0;

	if (!snap) {
		print_error("cannot build the JSON snapshot");
		return -ENOMEM;
	}
	if (r->cli->output) {
		err = r->cli->jsonl ? snapshot_append_line(r->cli->output, snap)
				    : snapshot_write_file(r->cli->output, snap);
		if (err)
			print_error("cannot write %s: %s", r->cli->output, strerror(-err));
	}
	if (!err && r->cli->json_stdout) {
		err = snapshot_print(stdout, snap, r->cli->jsonl);
		if (err)
			print_error("cannot write JSON to stdout: %s", strerror(-err));
	}
	json_decref(snap);
	return err;
}

static int on_interval(void *ctx, struct model *model)
{
	struct record *r = ctx;

	if (r->text)
		report_text_print(r->text, model, WINDOW_INTERVAL);
	if (r->cli->output || (r->cli->json_stdout && r->cli->jsonl))
		return write_snapshot(r, model);
	return 0;
}

static void record_usage(FILE *out)
{
	fprintf(out, "usage: latscope record (-p PID[,PID...] | -c CMD) [OPTIONS]\n\n%s",
		trace_cli_usage);
}

static void announce(const struct trace_cli *cli, const struct model *model)
{
	const struct target_info *t = &model->targets[0];

	if (cli->command)
		fprintf(stderr, "latscope: tracing '%s' (pid %d); Ctrl-C to stop\n",
			cli->command, t->pid);
	else
		fprintf(stderr, "latscope: tracing pid %d (%s)%s; Ctrl-C to stop\n",
			t->pid, t->comm, model->n_targets > 1 ? " and more" : "");
}

int do_record(int argc, char **argv)
{
	struct session_hooks hooks = { .on_event = on_event, .on_interval = on_interval };
	struct trace_cli cli;
	struct record r = {};
	struct session *session = NULL;
	char why[256];
	int err, rc;

	rc = trace_cli_parse(argc, argv, &cli, why, sizeof(why));
	if (rc == PARSE_HELP) {
		record_usage(stdout);
		return EXIT_OK;
	}
	if (rc != PARSE_OK) {
		print_error("%s", why);
		record_usage(stderr);
		return EXIT_USAGE;
	}
	if (!cli.verbose)
		libbpf_set_print(NULL);
	r.cli = &cli;
	r.text = cli.json_stdout ? NULL : stdout;
	r.events = cli.json_stdout ? stderr : stdout;
	hooks.ctx = &r;

	if (cli.output && snapshot_check_writable(cli.output, why, sizeof(why))) {
		print_error("%s", why);
		rc = EXIT_FAILURE_RUN;
		goto out;
	}
	err = session_start(&cli, &hooks, &session, why, sizeof(why));
	if (err) {
		print_error("%s", why);
		rc = EXIT_FAILURE_RUN;
		goto out;
	}
	announce(&cli, session_model(session));
	err = session_run(session);
	if (r.text)
		report_text_print(r.text, session_model(session), WINDOW_TOTAL);
	if ((cli.output || cli.json_stdout) &&
	    write_snapshot(&r, session_model(session)))
		err = -EIO;
	rc = err ? EXIT_FAILURE_RUN : EXIT_OK;
out:
	session_free(session);
	trace_cli_free(&cli);
	return rc;
}
