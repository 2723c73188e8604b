/* Reaching into resource rows and views by family name, for the tests. */
#ifndef LATSCOPE_TEST_RES_ROWS_H
#define LATSCOPE_TEST_RES_ROWS_H

#include <criterion/criterion.h>
#include <string.h>
#include "model/resources.h"

static inline const struct res_family *fam(const char *name)
{
	const struct res_family *f = res_family_find(name);

	cr_assert(f, "no family %s", name);
	return f;
}

/* The cumulative reading of @member of @type in @row: an lvalue. */
#define RES_NOW(row, family, type, member) \
	(res_process_slot((row), fam(family), RES_SLOT(type, member))->now)
#define SCHED_NOW(row, m)  RES_NOW(row, "sched", struct sched_counts, m)
#define BLOCK_NOW(row, m)  RES_NOW(row, "block", struct block_counts, m)
#define NET_NOW(row, m)	   RES_NOW(row, "net", struct net_counts, m)
#define MEMORY_NOW(row, m) RES_NOW(row, "memory", struct memory_counts, m)

/* A view's window value of @member of @type. */
#define RES_VIEW(view, family, type, member) \
	((view)->slots[fam(family)->first_slot + RES_SLOT(type, member)])

static inline double res_view_field(const struct res_view *v, const char *family, const char *json)
{
	const struct res_family *f = fam(family);

	for (int i = 0; i < f->n_fields; i++)
		if (f->fields[i].json && !strcmp(f->fields[i].json, json))
			return res_field_value(v, f, &f->fields[i]);
	cr_assert_fail("no field %s.%s", family, json);
	return 0;
}

static inline bool res_row_has_hists(const struct res_process *row)
{
	for (int h = 0; h < RES_MAX_HISTS; h++)
		if (row->hists[h])
			return true;
	return false;
}

#endif
