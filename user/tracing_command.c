// The frame every tracing subcommand shares: options, help, errors, run.
#include <bpf/libbpf.h>
#include "commands.h"
#include "options.h"

int run_tracing_command(int argc, char **argv, void (*usage)(FILE *out),
			int (*run)(struct trace_cli *cli))
{
	struct trace_cli cli;
	char why[256];
	int rc;

	rc = trace_cli_parse(argc, argv, &cli, why, sizeof(why));
	if (rc == PARSE_HELP) {
		usage(stdout);
		rc = EXIT_OK;
	} else if (rc != PARSE_OK) {
		print_error("%s", why);
		usage(stderr);
		rc = EXIT_USAGE;
	} else {
		if (!cli.verbose)
			libbpf_set_print(NULL);
		rc = run(&cli);
	}
	trace_cli_free(&cli);
	return rc;
}
