// The model's functions section: views, self time, intervals, probe costs.
#include <criterion/criterion.h>
#include <stdlib.h>
#include "model/model.h"
#include "lat_samples.h"

static void add_samples(struct lat_stats *s, __u64 ns, int n)
{
	lat_samples_add(s, ns, n, false);
}

Test(model_funcs, views_sorted_and_windowed)
{
	struct model *model = model_new(0);
	struct lat_stats *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	const struct func_view *v;
	int n;

	cr_assert(model && a && b);
	cr_assert(!funcs_any(model->funcs));
	funcs_set_info(model->funcs, 0, "outer", "app", "app", false);
	funcs_set_info(model->funcs, 1, "inner", "libx.so", "libx.so", false);
	funcs_set_info(model->funcs, 2, "never", "app", "app", false);
	add_samples(a, 10000000, 10); /* 100 ms inclusive */
	add_samples(b, 4000000, 10);  /* 40 ms */
	funcs_set(model->funcs, 0, a, 60000000);
	funcs_set(model->funcs, 1, b, 40000000);
	model->clock.now_ns = model->clock.start_ns + 2000000000ULL;
	cr_assert(funcs_any(model->funcs));
	funcs_views(model->funcs, WINDOW_TOTAL, NULL, &v, &n);
	cr_assert_eq(n, 2, "a function never called has no row");
	cr_assert_str_eq(v[0].name, "outer");
	cr_assert_eq(v[0].lat.count, 10);
	cr_assert_eq(v[0].self_ns, 60000000);
	cr_assert_float_eq(v[0].lat.rate_per_s, 5.0, 1e-9);

	model_mark_interval(model);
	add_samples(a, 10000000, 5);
	funcs_set(model->funcs, 0, a, 90000000);
	model->clock.now_ns += 1000000000ULL;
	funcs_views(model->funcs, WINDOW_INTERVAL, NULL, &v, &n);
	cr_assert_eq(n, 1);
	cr_assert_eq(v[0].lat.count, 5);
	cr_assert_eq(v[0].self_ns, 30000000);
	free(a);
	free(b);
	model_free(model);
}

Test(model_funcs, hot_probe_rule)
{
	struct model *model = model_new(0);
	struct lat_stats *s = calloc(1, sizeof(*s));
	const struct func_cost *c;
	int n;

	cr_assert(model && s);
	funcs_set_info(model->funcs, 0, "cold", "app", "app", false);
	funcs_set_info(model->funcs, 1, "hot", "app", "app", false);
	s->count = 1000; /* 1000/s x >= 1 us: 0.1 % of a CPU */
	funcs_set(model->funcs, 0, s, 0);
	s->count = 100000; /* 100k/s x >= 1 us: 10 % */
	funcs_set(model->funcs, 1, s, 0);
	model->clock.now_ns = model->clock.start_ns + 1000000000ULL;
	model_func_costs(model, &c, &n);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(c[0].name, "hot", "costliest first");
	cr_assert(c[0].hot);
	cr_assert(!c[1].hot);
	cr_assert_float_eq(c[1].cpu_share, 1000 * FUNC_TRAP_NS_FLOOR / 1e9, 1e-12,
			   "no BPF stats: the trap floor alone");
	free(s);
	model_free(model);
}
