// latscope diff: a snapshot against a baseline, exit 1 on regression.
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "diff.h"
#include "snapshot_json.h"

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
	json_error_t error;
	json_t *snap = json_load_file(path, 0, &error);

	if (!json_is_object(snap) ||
	    strcmp(json_string_value(json_object_get(snap, "schema")) ?: "",
		   SNAPSHOT_SCHEMA)) {
		print_error("cannot read snapshot %s: %s", path,
			    snap ? "not a latscope snapshot" : error.text);
		json_decref(snap);
		return NULL;
	}
	return snap;
}

static const struct option long_options[] = {
	{ "max-regression", required_argument, NULL, 'r' },
	{ "min-count", required_argument, NULL, 'm' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static int parse(int argc, char **argv, struct diff_opts *opts, bool *json)
{
	char why[256], *end;
	long v;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (diff_opts_threshold(opts, optarg, why, sizeof(why)))
				return print_error("%s", why), DIFF_ERROR;
			break;
		case 'm':
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 1 || v > 1000000000)
				return print_error("invalid --min-count '%s'", optarg), DIFF_ERROR;
			opts->min_count = (unsigned int)v;
			break;
		case 'j':
			*json = true;
			break;
		case 'h':
			diff_usage(stdout);
			return -1;
		default:
			print_error("%s '%s'", opt == ':' ? "option needs a value:" : "unknown option",
				    argv[optind - 1]);
			return DIFF_ERROR;
		}
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
		rc = json_integer_value(json_object_get(result, "regressions")) ?
			DIFF_REGRESSION : DIFF_OK;
	}
	json_decref(result);
	json_decref(next);
	json_decref(base);
	return rc;
}
