// uprobe specs (loader/uprobe_spec.c): the input as one -u argument, then
// matched against a few module paths and symbol names.
#include <stdbool.h>
#include "loader/uprobe_spec.h"
#include "fuzz.h"

static const char *const paths[] = { "/usr/lib/x86_64-linux-gnu/libc.so.6", "/srv/app", "" };
static const char *const names[] = { "malloc", "_ZN3app6Server3runEi", "", "handle_request" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uprobe_spec spec = {};
	char *arg = fuzz_cstring(data, size), why[256];

	if (!uprobe_spec_parse(arg, &spec, why, sizeof(why))) {
		for (size_t i = 0; spec.module && i < sizeof(paths) / sizeof(paths[0]); i++)
			uprobe_module_matches(spec.module, paths[i]);
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			uprobe_pattern_matches(&spec, names[i]);
		uprobe_spec_free(&spec);
	}
	free(uprobe_demangle(arg));
	free(arg);
	return 0;
}
