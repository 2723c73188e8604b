/*
 * Command-line options shared by the tracing subcommands (record, check,
 * top), parsed into the settings of a trace. Parsing is pure: no file or
 * process is touched here, so it is unit-tested directly.
 */
#ifndef LATSCOPE_OPTIONS_H
#define LATSCOPE_OPTIONS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include "session/settings.h"

enum parse_result {
	PARSE_OK = 0,
	PARSE_HELP = 1,	  /* -h: print usage, exit 0 */
	PARSE_ERROR = -1, /* message in err; exit 2 */
};

enum parse_result trace_cli_parse(int argc, char **argv, struct trace_settings *cli, char *err,
				  size_t err_len);
void trace_cli_free(struct trace_settings *cli);
/*
 * The tracing options, for a subcommand's --help, less those named in the
 * NULL-terminated @omit ("--interval"; NULL: none), which it refuses.
 */
void trace_cli_print_usage(FILE *out, const char *const *omit);

#endif
