// latscope: the entry point and the subcommand dispatch table.
#include <stdio.h>
#include <string.h>
#include "base/version.h"
#include "cli/commands.h"

struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct cmd commands[] = {
	{ "record", do_record, "trace processes, print a report, write a JSON snapshot" },
	{ "check", do_check, "judge performance requirements (live or on a snapshot), for CI" },
	{ "diff", do_diff, "compare two snapshots, flag regressions" },
	{ "top", do_top, "live, top-style view of latency percentiles" },
	{ "heatmap", do_heatmap, "draw a latency heat map (SVG) from --jsonl snapshots" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out, "usage: latscope COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'latscope help COMMAND' or 'latscope COMMAND --help' shows a command's "
		     "options;\n'latscope --version' the version. See also latscope(1).\n");
}

static const struct cmd *find(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

/* `latscope help CMD` is `latscope CMD --help`: one text per command. */
static int help(int argc, char **argv)
{
	char *args[] = { argv[2], "--help", NULL };
	const struct cmd *c;

	if (argc < 3) {
		usage(stdout);
		return EXIT_OK;
	}
	c = find(argv[2]);
	if (!c) {
		print_usage_error(NULL, "unknown command '%s'", argv[2]);
		return EXIT_USAGE;
	}
	return c->run(2, args);
}

int main(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return usage(stdout), EXIT_OK;
	if (!strcmp(argv[1], "help"))
		return help(argc, argv);
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version") ||
	    !strcmp(argv[1], "version")) {
		printf("latscope %s\n", LATSCOPE_VERSION);
		return EXIT_OK;
	}
	c = find(argv[1]);
	if (c)
		return c->run(argc - 1, argv + 1);
	print_usage_error(NULL, "unknown command '%s'", argv[1]);
	return EXIT_USAGE;
}
