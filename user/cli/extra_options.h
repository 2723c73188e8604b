/*
 * Options a subcommand adds to the shared tracing options (--assert for
 * check, --alert for record and top): taken out of argv before
 * trace_cli_parse() sees the rest, so the shared parser stays one table.
 */
#ifndef LATSCOPE_EXTRA_OPTIONS_H
#define LATSCOPE_EXTRA_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "cli/options.h"

struct extra_option {
	const char *name; /* long name without "--" */
	bool has_value;
	/* Nonzero (with @why filled) rejects the command line. */
	int (*take)(void *ctx, const char *name, const char *value, char *why, size_t len);
};

/*
 * Removes every "--NAME VALUE", "--NAME=VALUE" (or "--NAME" for flags) of
 * the NULL-name terminated @opts from argv, keeping the rest in order.
 * Values of the shared options that take one (-c CMD, ...) are skipped, so
 * `-c 'x --assert'`-like values are never mistaken for options.
 */
int extra_options_take(int *argc, char **argv, const struct extra_option *opts, void *ctx,
		       char *why, size_t len);

/*
 * A tracing subcommand's whole command line (record, top): its @extra
 * options into @ctx, then the shared ones into @cli. A bad line prints its
 * error in one line that points at `latscope @cmd --help`; --help prints
 * @usage on stdout. argv is reordered.
 */
enum parse_result tracing_cli_parse(const char *cmd, int argc, char **argv,
				    const struct extra_option *extra, void *ctx,
				    void (*usage)(FILE *out), struct trace_settings *cli);

#endif
