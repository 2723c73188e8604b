// latscope: the entry point and the subcommand dispatch table.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "base/output_file.h"
#include "base/version.h"
#include "cli/commands.h"

struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	int write_error; /* the exit code when its output could not be written */
};

static const struct cmd commands[] = {
	{ "record", do_record, "trace processes, print a report, write a JSON snapshot",
	  EXIT_FAILURE_RUN },
	{ "check", do_check, "judge performance requirements (live or on a snapshot), for CI",
	  EXIT_USAGE /* check and diff say 2 for any error */ },
	{ "diff", do_diff, "compare two snapshots, flag regressions", EXIT_USAGE },
	{ "top", do_top, "live, top-style view of latency percentiles", EXIT_FAILURE_RUN },
	{ "heatmap", do_heatmap, "draw a latency heat map (SVG) from --jsonl snapshots",
	  EXIT_FAILURE_RUN },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))
/*
 * Whatever a command printed on stdout (a report, a table, a snapshot)
 * must have arrived: a full disk or a closed pipe is an error, reported
 * here once for every command, not a lost report and exit 0. stdout goes
 * through a checked stream to know why; a terminal keeps its own (top's
 * ncurses needs a real one), and its failures still show, as EIO.
 */
static struct checked_fd stdout_sink = { .fd = STDOUT_FILENO };

static void check_stdout(void)
{
	FILE *f;

	if (isatty(STDOUT_FILENO))
		return;
	f = checked_stream(&stdout_sink);
	if (f)
		stdout = f;
}

static int finish_stdout(const struct cmd *cmd, int rc)
{
	if (!stream_flush(stdout))
		return rc;
	print_error("cannot write to stdout: %s", strerror(stdout_sink.err ?: EIO));
	return cmd->write_error;
}

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
	check_stdout();
	c = find(argv[1]);
	if (c)
		return finish_stdout(c, c->run(argc - 1, argv + 1));
	print_usage_error(NULL, "unknown command '%s'", argv[1]);
	return EXIT_USAGE;
}
