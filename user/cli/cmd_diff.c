// latscope diff: a snapshot against a baseline, exit 1 on regression.
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/commands.h"
#include "judge/diff.h"
#include "views/json/snapshot.h"

enum { DIFF_OK = 0, DIFF_REGRESSION = 1, DIFF_ERROR = 2 };

static void diff_usage(FILE *out)
{
	fprintf(out,
		"usage: latscope diff BASE.json NEW.json [OPTIONS]\n\n"
		"Prints the verdict, then the regressions and improvements.\n\n"
		"      --max-regression X   flag a metric worse by more than X: 10%% (default)\n"
		"                           sets every latency; p99=5%% one metric (repeatable);\n"
		"                           error_rate is in points (default 1%%); rate only if set\n"
		"      --min-count N        skip rows with fewer calls on either side (default 10)\n"
		"      --alpha P            a change counts only when its p-value on the two\n"
		"                           histograms is below P (default 0.01)\n"
		"      --include-idle       judge blocking syscalls too (accept, epoll_wait,\n"
		"                           poll, futex, nanosleep, ...; shown, not judged, by default)\n"
		"      --allow-missing      pass when a section has data on one side only\n"
		"      --all                every compared metric, also unchanged ones and noise\n"
		"      --json               the comparison as JSON on stdout\n"
		"  -h, --help               this help\n"
		"  exit: 0 no regression, 1 a regression or no data to compare,\n"
		"        2 usage or unreadable input\n");
}

static json_t *load(const char *path)
{
	char why[512];
	json_t *snap = snapshot_read_file(path, why, sizeof(why));

	if (!snap)
		print_error("%s", why);
	return snap;
}

enum {
	OPT_MAX_REGRESSION = 256,
	OPT_MIN_COUNT,
	OPT_ALPHA,
	OPT_INCLUDE_IDLE,
	OPT_ALLOW_MISSING,
	OPT_ALL,
	OPT_JSON,
};

static const struct option long_options[] = {
	{ "max-regression", required_argument, NULL, OPT_MAX_REGRESSION },
	{ "min-count", required_argument, NULL, OPT_MIN_COUNT },
	{ "alpha", required_argument, NULL, OPT_ALPHA },
	{ "include-idle", no_argument, NULL, OPT_INCLUDE_IDLE },
	{ "allow-missing", no_argument, NULL, OPT_ALLOW_MISSING },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static int usage_error(const char *why)
{
	print_usage_error("diff", "%s", why);
	return DIFF_ERROR;
}

static int parse_one(int opt, const char *arg, struct diff_opts *opts, bool *json)
{
	char why[256], *end;
	double p;
	long v;

	switch (opt) {
	case OPT_MAX_REGRESSION:
		return diff_opts_threshold(opts, arg, why, sizeof(why)) ? usage_error(why) : 0;
	case OPT_MIN_COUNT:
		v = strtol(arg, &end, 10);
		if (*end || end == arg || v < 1 || v > 1000000000)
			return usage_error("invalid --min-count: a whole number from 1");
		opts->min_count = (unsigned int)v;
		return 0;
	case OPT_ALPHA:
		p = strtod(arg, &end);
		if (*end || end == arg || !(p > 0 && p <= 1))
			return usage_error("invalid --alpha: a p-value above 0, at most 1");
		opts->alpha = p;
		return 0;
	case OPT_INCLUDE_IDLE:
		opts->include_idle = true;
		return 0;
	case OPT_ALLOW_MISSING:
		opts->allow_missing = true;
		return 0;
	case OPT_ALL:
		opts->all = true;
		return 0;
	case OPT_JSON:
		*json = true;
		return 0;
	}
	return -1;
}

static int parse(int argc, char **argv, struct diff_opts *opts, bool *json)
{
	int opt, rc;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		if (opt == 'h') {
			diff_usage(stdout);
			return -1;
		}
		if (opt == '?' || opt == ':') {
			print_usage_error("diff", "%s '%s'",
					  opt == '?' ? "unknown option" : "no value for option",
					  argv[optind - 1]);
			return DIFF_ERROR;
		}
		rc = parse_one(opt, optarg, opts, json);
		if (rc)
			return rc;
	}
	if (argc - optind != 2)
		return usage_error("diff needs two snapshots: BASE.json NEW.json");
	return DIFF_OK;
}

int do_diff(int argc, char **argv)
{
	struct diff_opts opts;
	json_t *base = NULL, *next = NULL, *result = NULL;
	bool json = false;
	const char *verdict;
	int rc;

	diff_opts_init(&opts);
	rc = parse(argc, argv, &opts, &json);
	if (rc)
		return rc < 0 ? DIFF_OK : rc;
	rc = DIFF_ERROR;
	base = load(argv[optind]);
	next = base ? load(argv[optind + 1]) : NULL;
	result = next ? diff_snapshots(base, next, &opts) : NULL;
	if (next && !result)
		print_error("out of memory comparing the snapshots");
	if (result) {
		json_object_set_new(result, "base", json_string(argv[optind]));
		json_object_set_new(result, "new", json_string(argv[optind + 1]));
		if (json)
			snapshot_print(stdout, result, false);
		else
			diff_print(stdout, result);
		verdict = json_string_value(json_object_get(result, "verdict"));
		rc = !strcmp(verdict, "pass") ? DIFF_OK : DIFF_REGRESSION;
	}
	json_decref(result);
	json_decref(next);
	json_decref(base);
	return rc;
}
