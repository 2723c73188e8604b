// Options (cli/options.c trace_cli_parse): the input is a command line,
// its arguments separated by NUL bytes, as the kernel passes argv.
#include "cli/options.h"
#include "fuzz.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_settings cli;
	char *argv[MAX_ARGS + 1] = { "record" };
	char *text = malloc(size + 1), err[512];
	int argc = 1;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t i = 0; i < size && argc < MAX_ARGS; i += strlen(text + i) + 1)
		argv[argc++] = text + i;
	argv[argc] = NULL;
	trace_cli_parse(argc, argv, &cli, err, sizeof(err));
	trace_cli_free(&cli);
	free(text);
	return 0;
}
