// The one way latscope reports an error: a single line on stderr.
#include <stdarg.h>
#include <stdio.h>
#include "cli/commands.h"

void print_error(const char *fmt, ...)
{
	va_list ap;

	fputs("latscope: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void print_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("latscope: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see latscope %s%s--help)\n", cmd ? cmd : "", cmd ? " " : "");
}
