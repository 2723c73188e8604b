// Taking a subcommand's own options out of argv (see extra_options.h).
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli/commands.h"
#include "cli/extra_options.h"

/* Shared options whose value is the next argument (options.c). */
static bool takes_value(const char *arg)
{
	static const char *const with_value[] = {
		"-p",	  "--pid",	"-c",	  "--command", "-d",	   "--duration",
		"-i",	  "--interval", "--slow", "-o",	       "--output", "--ringbuf-size",
		"--keep",
	};

	for (size_t i = 0; i < sizeof(with_value) / sizeof(with_value[0]); i++)
		if (!strcmp(arg, with_value[i]))
			return true;
	return false;
}

static const struct extra_option *match(const struct extra_option *opts, const char *arg,
					const char **inline_value)
{
	*inline_value = NULL;
	if (strncmp(arg, "--", 2))
		return NULL;
	for (const struct extra_option *o = opts; o->name; o++) {
		size_t n = strlen(o->name);

		if (strncmp(arg + 2, o->name, n))
			continue;
		if (arg[2 + n] == '=') {
			*inline_value = arg + 3 + n;
			return o;
		}
		if (!arg[2 + n])
			return o;
	}
	return NULL;
}

int extra_options_take(int *argc, char **argv, const struct extra_option *opts, void *ctx,
		       char *why, size_t len)
{
	int out = 1, i;

	for (i = 1; i < *argc; i++) {
		const char *value;
		const struct extra_option *o = match(opts, argv[i], &value);
		int err;

		if (!strcmp(argv[i], "--"))
			break;
		if (!o) {
			argv[out++] = argv[i];
			if (takes_value(argv[i]) && i + 1 < *argc)
				argv[out++] = argv[++i];
			continue;
		}
		if (o->has_value && !value) {
			if (i + 1 >= *argc) {
				snprintf(why, len, "option '--%s' needs a value", o->name);
				return -EINVAL;
			}
			value = argv[++i];
		} else if (!o->has_value && value) {
			snprintf(why, len, "option '--%s' takes no value", o->name);
			return -EINVAL;
		}
		err = o->take(ctx, o->name, value, why, len);
		if (err)
			return err;
	}
	while (i < *argc)
		argv[out++] = argv[i++];
	*argc = out;
	argv[out] = NULL;
	return 0;
}

enum parse_result tracing_cli_parse(const char *cmd, int argc, char **argv,
				    const struct extra_option *extra, void *ctx,
				    void (*usage)(FILE *out), struct trace_settings *cli)
{
	char why[512];
	enum parse_result rc = PARSE_ERROR;

	if (!extra_options_take(&argc, argv, extra, ctx, why, sizeof(why)))
		rc = trace_cli_parse(argc, argv, cli, why, sizeof(why));
	if (rc == PARSE_HELP) {
		usage(stdout);
	} else if (rc != PARSE_OK) {
		print_usage_error(cmd, "%s", why);
	}
	return rc;
}
