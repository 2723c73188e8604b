// latscope: the entry point and the subcommand dispatch table.
#include <stdio.h>
#include <string.h>
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
};

static void usage(FILE *out)
{
	fprintf(out, "usage: latscope COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'latscope COMMAND --help' shows a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	print_error("unknown command '%s'", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
