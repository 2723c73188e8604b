// latscope diff: a snapshot against a baseline, exit 1 on regression.
#include <getopt.h>
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
		"      --max-regression X   flag a metric worse by more than X: 10%% (default)\n"
		"                           sets every latency; p99=5%% one metric (repeatable);\n"
		"                           error_rate is in points (default 1%%); rate only if set\n"
		"      --min-count N        skip rows with fewer calls on either side (default 20)\n"
		"      --json               the comparison as JSON on stdout\n"
		"  exit: 0 no regression, 1 a regression, 2 usage or unreadable input\n");
}

static json_t *load(const char *path)
{
	char why[512];
	json_t *snap = snapshot_read_file(path, why, sizeof(why));

	if (!snap)
		print_error("%s", why);
	return snap;
}

static const struct option long_options[] = {
	{ "max-regression", required_argument, NULL, 'r' },
	{ "min-count", required_argument, NULL, 'm' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static int usage_error(const char *why)
{
	print_error("%s", why);
	return DIFF_ERROR;
}

static int parse_one(int opt, const char *arg, struct diff_opts *opts, bool *json)
{
	char why[256], *end;
	long v;

	switch (opt) {
	case 'r':
		return diff_opts_threshold(opts, arg, why, sizeof(why)) ? usage_error(why) : 0;
	case 'm':
		v = strtol(arg, &end, 10);
		if (*end || end == arg || v < 1 || v > 1000000000)
			return usage_error("invalid --min-count: a whole number from 1");
		opts->min_count = (unsigned int)v;
		return 0;
	case 'j':
		*json = true;
		return 0;
	}
	return usage_error("unknown option, or an option without its value (see --help)");
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
		rc = parse_one(opt, optarg, opts, json);
		if (rc)
			return rc;
	}
	if (argc - optind != 2) {
		print_error("diff needs two snapshots: BASE.json NEW.json");
		diff_usage(stderr);
		return DIFF_ERROR;
	}
	return DIFF_OK;
}

int do_diff(int argc, char **argv)
{
	struct diff_opts opts;
	json_t *base = NULL, *next = NULL, *result = NULL;
	bool json = false;
	int rc;

	diff_opts_init(&opts);
	rc = parse(argc, argv, &opts, &json);
	if (rc)
		return rc < 0 ? DIFF_OK : rc;
	rc = DIFF_ERROR;
	base = load(argv[optind]);
	next = base ? load(argv[optind + 1]) : NULL;
	result = next ? diff_snapshots(base, next, &opts) : NULL;
	if (result) {
		json_object_set_new(result, "base", json_string(argv[optind]));
		json_object_set_new(result, "new", json_string(argv[optind + 1]));
		if (json)
			snapshot_print(stdout, result, false);
		else
			diff_print(stdout, result);
		rc = json_integer_value(json_object_get(result, "regressions")) ? DIFF_REGRESSION
										: DIFF_OK;
	}
	json_decref(result);
	json_decref(next);
	json_decref(base);
	return rc;
}
