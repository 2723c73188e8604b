/* Subcommands, one file each, dispatched from main.c. */
#ifndef LATSCOPE_COMMANDS_H
#define LATSCOPE_COMMANDS_H

/* Exit codes shared by every subcommand. */
enum exit_code {
	EXIT_OK = 0,
	EXIT_FAILURE_RUN = 1, /* could not trace, or could not write output */
	EXIT_USAGE = 2,	      /* bad command line */
};

int do_record(int argc, char **argv);
int do_top(int argc, char **argv);
int do_check(int argc, char **argv);
int do_diff(int argc, char **argv);
int do_heatmap(int argc, char **argv);

/* One line on stderr: "latscope: <message>". */
void print_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A bad command line, in one line that says where help is:
 * "latscope: <message> (see latscope CMD --help)"; @cmd NULL: the top level.
 */
void print_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
