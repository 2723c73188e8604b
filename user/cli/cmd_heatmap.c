// latscope heatmap: a latency heat map (SVG) from JSON Lines snapshots.
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/commands.h"
#include "judge/timeline.h"
#include "views/json/snapshot.h"

#define DEFAULT_ROWS 40

static void heatmap_usage(FILE *out)
{
	fprintf(out,
		"usage: latscope heatmap SNAPSHOTS.jsonl -o OUT.svg [OPTIONS]\n\n"
		"Draws one row's latency over time from snapshots written with\n"
		"'latscope record -i N --jsonl -o SNAPSHOTS.jsonl': a column per interval,\n"
		"latency up (log scale), colour for the calls in each cell.\n\n"
		"  -o, --output FILE        the SVG file (replaced atomically)\n"
		"  -r, --row ROW            what to draw: syscalls.read, functions.malloc,\n"
		"                           'requests[\":8080 GET /x\"]', 'upstreams[\"10.0.0.5:5432\"]'\n"
		"                           (default: the row with the most calls)\n"
		"      --rows N             at most N latency rows (default %d)\n"
		"  -l, --list               list the rows there are, with their calls\n"
		"  -h, --help               this help\n"
		"  exit: 0 written, 1 nothing to draw or cannot write, 2 usage or unreadable input\n",
		DEFAULT_ROWS);
}

struct heatmap_cmd {
	const char *input, *output, *row;
	int rows;
	bool list;
};

static int parse(int argc, char **argv, struct heatmap_cmd *c)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' }, { "row", required_argument, NULL, 'r' },
		{ "rows", required_argument, NULL, 'R' },   { "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },	    { 0 },
	};
	char *end;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:r:lh", options, NULL)) != -1) {
		switch (opt) {
		case 'o':
			c->output = optarg;
			break;
		case 'r':
			c->row = optarg;
			break;
		case 'R':
			c->rows = (int)strtol(optarg, &end, 10);
			if (*end || c->rows < 1 || c->rows > 1000) {
				print_usage_error("heatmap", "invalid --rows '%s': 1 to 1000",
						  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'l':
			c->list = true;
			break;
		case 'h':
			heatmap_usage(stdout);
			return -1;
		default:
			print_usage_error("heatmap", "%s '%s'",
					  opt == ':' ? "no value for option" : "unknown option",
					  argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		print_usage_error("heatmap", "heatmap reads one file of snapshots");
		return EXIT_USAGE;
	}
	c->input = argv[optind];
	if (!c->output && !c->list) {
		print_usage_error("heatmap", "no output: give -o OUT.svg (or --list)");
		return EXIT_USAGE;
	}
	return 0;
}

static int add(void *ctx, json_t *snap)
{
	return timeline_add(ctx, snap);
}

int do_heatmap(int argc, char **argv)
{
	struct heatmap_cmd c = { .rows = DEFAULT_ROWS };
	struct timeline tl = {};
	char why[512];
	int rc = parse(argc, argv, &c);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (c.output && snapshot_check_writable(c.output, why, sizeof(why))) {
		print_error("%s", why);
		return EXIT_FAILURE_RUN;
	}
	if (snapshot_read_lines(c.input, add, &tl, why, sizeof(why))) {
		print_error("%s", why);
		rc = EXIT_USAGE;
	} else if (c.list) {
		timeline_list(stdout, &tl);
	} else if (timeline_render(&tl, c.row, c.rows, c.output, stdout, why, sizeof(why))) {
		print_error("%s", why);
		rc = EXIT_FAILURE_RUN;
	}
	timeline_free(&tl);
	return rc;
}
