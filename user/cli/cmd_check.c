// latscope check: performance requirements as exit codes, for CI.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "judge/checks.h"
#include "cli/commands.h"
#include "cli/extra_options.h"
#include "judge/junit.h"
#include "views/json/snapshot.h"
#include "cli/trace_run.h"

/* check's own exit codes: a failed requirement is 1, anything else wrong 2. */
enum { CHECK_PASS = 0, CHECK_FAIL = 1, CHECK_ERROR = 2 };

struct check_cmd {
	struct check_list checks;
	const char *junit;
	const char *snapshot;
};

static int take_option(void *ctx, const char *name, const char *value, char *why, size_t len)
{
	struct check_cmd *c = ctx;

	if (!strcmp(name, "assert"))
		return checks_add(&c->checks, NULL, value, "--assert", 0, why, len);
	if (!strcmp(name, "requirements"))
		return checks_load_file(&c->checks, value, why, len);
	if (!strcmp(name, "junit"))
		c->junit = value;
	else
		c->snapshot = value;
	return 0;
}

static const struct extra_option check_options[] = {
	{ "assert", true, take_option },
	{ "requirements", true, take_option },
	{ "junit", true, take_option },
	{ "snapshot", true, take_option },
	{ NULL },
};

/* check judges the whole trace: no intervals. */
static const char *const refused[] = { "--interval", "--jsonl", NULL };

static void check_usage(FILE *out)
{
	fprintf(out, "usage: latscope check (-p PID | -c CMD) [-d SECONDS] REQUIREMENTS [OPTIONS]\n"
		     "       latscope check --snapshot FILE REQUIREMENTS [--junit FILE]\n\n"
		     "  REQUIREMENTS: one or more of\n"
		     "      --assert EXPR        e.g. 'syscalls.read.p99 < 1ms' (repeatable)\n"
		     "      --requirements FILE  one assertion per line: [NAME:] EXPR [# comment]\n"
		     "      --junit FILE         also write the verdicts as JUnit XML\n"
		     "      --snapshot FILE      judge a saved JSON snapshot instead of tracing\n"
		     "  exit: 0 all requirements met, 1 any failed, 2 usage or tracing error\n\n"
		     "tracing options:\n");
	trace_cli_print_usage(out, refused);
}

/* Judges @snap, shows the verdicts, writes JUnit; returns the exit code. */
static int judge(struct check_cmd *c, json_t *snap, FILE *table)
{
	int failed = checks_evaluate(&c->checks, snap);
	double duration =
		json_number_value(json_object_get(json_object_get(snap, "time"), "duration_s"));

	checks_print(table, &c->checks);
	checks_print_details(table, &c->checks, snap);
	if (c->junit) {
		int err = junit_write(c->junit, &c->checks, duration);

		if (err) {
			print_error("cannot write %s: %s", c->junit, strerror(-err));
			return CHECK_ERROR;
		}
	}
	return failed ? CHECK_FAIL : CHECK_PASS;
}

static int check_snapshot_file(struct check_cmd *c, int argc, char **argv)
{
	char why[512];
	json_t *snap;
	int rc;

	if (argc > 1) {
		print_usage_error("check", "--snapshot takes no tracing options ('%s')", argv[1]);
		return CHECK_ERROR;
	}
	snap = snapshot_read_file(c->snapshot, why, sizeof(why));
	if (!snap) {
		print_error("%s", why);
		return CHECK_ERROR;
	}
	rc = judge(c, snap, stdout);
	json_decref(snap);
	return rc;
}

/*
 * -c: the run is only a result if its command ran. One that could not
 * start, or that a signal killed (a crash, the OOM killer), fails the
 * check whatever the figures say: one more requirement, "command", in
 * the table and the JUnit file (only then: a run that went well keeps
 * its requirements as given).
 */
static int judge_command(struct check_cmd *c, struct trace_run *run)
{
	const char *start_error = trace_run_start_error(run);
	int sig = trace_run_command_signal(run);
	char measured[64], reason[192];

	if (start_error)
		return checks_add_fact(&c->checks, "command", "the command ran", false,
				       "not started", start_error);
	if (sig) {
		snprintf(measured, sizeof(measured), "killed by %s", sigabbrev_np(sig) ?: "?");
		snprintf(reason, sizeof(reason), "the command died of signal %d (SIG%s)", sig,
			 sigabbrev_np(sig) ?: "?");
		return checks_add_fact(&c->checks, "command",
				       "the command ran and no signal killed it", false, measured,
				       reason);
	}
	return 0; /* ran, and exited or was still running: the figures decide */
}

static int check_live(struct check_cmd *c, int argc, char **argv)
{
	struct session_hooks hooks = {};
	struct trace_run *run = NULL;
	struct trace_settings cli;
	char why[512];
	json_t *snap = NULL;
	int rc;

	rc = trace_cli_parse(argc, argv, &cli, why, sizeof(why));
	if (rc != PARSE_OK) {
		print_usage_error("check", "%s", why);
		rc = CHECK_ERROR;
		goto out;
	}
	if (cli.interval_s > 0 || cli.jsonl) {
		print_usage_error("check",
				  "check judges the whole trace: -i and --jsonl do not apply");
		rc = CHECK_ERROR;
		goto out;
	}
	rc = CHECK_ERROR;
	if (trace_run_start(&cli, &hooks, &run))
		goto out;
	if (!trace_run_start_error(run) && session_run(trace_run_session(run)))
		goto out;
	if (cli.command && judge_command(c, run))
		goto out;
	snap = snapshot_build(session_model(trace_run_session(run)), false);
	if (!snap)
		goto out;
	rc = judge(c, snap, cli.json_stdout ? stderr : stdout);
	json_object_set_new(snap, "checks", checks_json(&c->checks));
	if ((cli.output || cli.json_stdout) && trace_run_emit(&cli, snap))
		rc = CHECK_ERROR;
out:
	json_decref(snap);
	trace_run_free(run);
	trace_cli_free(&cli);
	return rc;
}

int do_check(int argc, char **argv)
{
	struct check_cmd c = {};
	char why[512];
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			check_usage(stdout);
			return CHECK_PASS;
		}
	}
	if (extra_options_take(&argc, argv, check_options, &c, why, sizeof(why))) {
		print_usage_error("check", "%s", why);
		rc = CHECK_ERROR;
	} else if (c.junit && snapshot_check_writable(c.junit, why, sizeof(why))) {
		print_error("%s", why);
		rc = CHECK_ERROR;
	} else if (!c.checks.n) {
		print_usage_error("check",
				  "no requirements: give --assert EXPR or --requirements FILE");
		rc = CHECK_ERROR;
	} else {
		rc = c.snapshot ? check_snapshot_file(&c, argc, argv) : check_live(&c, argc, argv);
	}
	checks_free(&c.checks);
	return rc;
}
