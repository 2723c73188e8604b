/*
 * Expressions read live: a field's value from a model's window, with the
 * paths, keys and combining rules a snapshot has (judge/expr_fields.h),
 * but no snapshot built. Live alerts judge each tick this way.
 */
#ifndef LATSCOPE_EXPR_MODEL_H
#define LATSCOPE_EXPR_MODEL_H

#include <stddef.h>
#include "judge/expr_fields.h"
#include "model/model.h"

/* What a live row reads its fields from. */
struct expr_live_row {
	const struct lat_summary *lat; /* latency rows */
	bool no_errors;		       /* functions: errors are not measured */
	const struct res_view *res;    /* resource rows */
	/* Unkeyed sections (overhead, time, slow_syscalls). */
	const struct model *model;
	const struct overhead_view *overhead;
	double seconds;
};

/*
 * The value of @ref in @model's @window: 0, or -ENODATA with a one-line
 * reason when the section, row or field has nothing in it.
 */
int expr_model_value(const struct field_ref *ref, struct model *model, enum model_window window,
		     double *value, char *why, size_t len);

#endif
