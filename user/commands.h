/* Subcommands, one file each, dispatched from main.c. */
#ifndef LATSCOPE_COMMANDS_H
#define LATSCOPE_COMMANDS_H

/* Exit codes shared by every subcommand. */
enum exit_code {
	EXIT_OK = 0,
	EXIT_FAILURE_RUN = 1,	/* could not trace, or could not write output */
	EXIT_USAGE = 2,		/* bad command line */
};

#include <stdio.h>

struct trace_cli;

int do_record(int argc, char **argv);
int do_top(int argc, char **argv);
/*
 * record's pipeline on parsed options (text reports, -o/--json snapshots);
 * top falls back to it when stdout is not a terminal. Returns an exit code.
 */
int record_run(struct trace_cli *cli);
/*
 * The frame of every tracing subcommand: parse the shared options, answer
 * --help, report a bad command line (exit 2), quiet libbpf unless -v, then
 * @run the trace. Returns the exit code.
 */
int run_tracing_command(int argc, char **argv, void (*usage)(FILE *out),
			int (*run)(struct trace_cli *cli));

/* One line on stderr: "latscope: <message>". */
void print_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
