// Expressions (judge/expr*.c): the input as one --assert, judged over a
// snapshot with every section, and as a requirements file.
#include <jansson.h>
#include "judge/checks.h"
#include "judge/expr.h"
#include "fuzz.h"

static json_t *snapshot;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct check_list list = {};
	struct expr_error error;
	struct expr_result result;
	struct expr *e = NULL;
	char *text = fuzz_cstring(data, size), why[512];

	if (!snapshot)
		snapshot = json_loads(FUZZ_SNAPSHOT, 0, NULL);
	if (!expr_parse(text, &e, &error)) {
		expr_eval(e, snapshot, &result);
		expr_text(e);
		expr_free(e);
	}
	if (!checks_parse_lines(&list, text, "fuzz.txt", why, sizeof(why))) {
		checks_evaluate(&list, snapshot);
		json_decref(checks_json(&list));
	}
	checks_free(&list);
	free(text);
	return 0;
}
