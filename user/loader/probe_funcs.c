// Probe family "funcs": function latency through uprobes and uretprobes.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "model/model.h"
#include "loader/probe.h"
#include "loader/uprobe_resolve.h"
#include "funcs.skel.h"

struct funcs_probe {
	struct funcs_bpf *skel;
	struct probe_ctx *ctx;
	struct func_set *set;
	struct bpf_link **links;
	int n_links;
	bool info_set;
	struct lat_stats *percpu; /* lookup buffer: one value per CPU */
};

static bool funcs_wanted(const struct trace_opts *opts)
{
	return opts->n_func_specs > 0;
}

static int funcs_load(struct probe_ctx *ctx, void **state)
{
	struct funcs_probe *p = calloc(1, sizeof(*p));
	struct funcs_bpf *skel;

	if (!p)
		return -ENOMEM;
	*state = p;
	p->ctx = ctx;
	p->set = calloc(1, sizeof(*p->set));
	p->percpu = calloc(ctx->n_cpus, sizeof(*p->percpu));
	p->skel = skel = funcs_bpf__open();
	if (!p->set || !p->percpu || !skel)
		return -ENOMEM;
	/* Loaded in attach, once the functions are known. */
	return probe_share_common_maps(ctx, PROBE_COMMON_MAPS(skel));
}

/* Resolves one spec in every target process. */
static int resolve_spec(struct funcs_probe *p, const char *arg, const char *exec_path)
{
	struct probe_ctx *ctx = p->ctx;
	struct resolve_note note;
	struct uprobe_spec spec;
	int err = uprobe_spec_parse(arg, &spec, ctx->why, sizeof(ctx->why));

	for (int i = 0; !err && i < ctx->n_tgids; i++) {
		err = uprobe_resolve(&spec, ctx->tgids[i], exec_path, p->set, &note, ctx->why,
				     sizeof(ctx->why));
		if (!err)
			fprintf(stderr, "latscope: -u %s: %d function%s in %s (symbols from %s)\n",
				arg, note.matched, note.matched == 1 ? "" : "s", note.binary,
				note.symbols_from);
	}
	uprobe_spec_free(&spec);
	return err;
}

static int resolve_all(struct funcs_probe *p)
{
	const struct trace_opts *opts = p->ctx->opts;
	char exec_path[SYMBOLS_PATH_LEN];
	int err = 0;

	/* A -c child is held before exec: its maps are still ours. */
	if (opts->command && command_executable(opts->command, exec_path, sizeof(exec_path))) {
		snprintf(
			p->ctx->why, sizeof(p->ctx->why),
			"-u with -c needs a simple command whose program can be found (no shell syntax): '%s'",
			opts->command);
		return -EINVAL;
	}
	for (int i = 0; !err && i < opts->n_func_specs; i++)
		err = resolve_spec(p, opts->func_specs[i], opts->command ? exec_path : NULL);
	return err;
}

/* Two perf events (fds) per function and process; the default 1024 is tight. */
static void raise_fd_limit(int needed)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= (rlim_t)needed + 64)
		return;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static int attach_one(struct funcs_probe *p, const struct func_attach *a, bool retprobe)
{
	const struct func_site *site = &p->set->sites[a->site];
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = a->site, .retprobe = retprobe);
	struct bpf_program *prog = retprobe ? p->skel->progs.func_return
					    : p->skel->progs.func_entry;
	struct bpf_link *link;

	link = bpf_program__attach_uprobe_opts(prog, a->pid, site->binary, site->offset, &opts);
	if (!link) {
		int err = -errno;

		snprintf(p->ctx->why, sizeof(p->ctx->why),
			 "cannot attach a uprobe to %s in %s (pid %d): %s", site->name,
			 site->module, a->pid, strerror(-err));
		return err;
	}
	p->links[p->n_links++] = link;
	return 0;
}

/* The maps are sized to the functions found, so loading waits for them. */
static int load_sized(struct funcs_probe *p)
{
	struct funcs_bpf *skel = p->skel;
	__u32 n = p->set->n_sites;
	int err;

	err = bpf_map__set_max_entries(skel->maps.func_stats, n);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.func_self_ns, n);
	if (!err)
		err = funcs_bpf__load(skel);
	if (err)
		snprintf(p->ctx->why, sizeof(p->ctx->why),
			 "cannot load the function probes: %s (-v shows the verifier log)",
			 strerror(-err));
	return err;
}

static int funcs_attach(void *state)
{
	struct funcs_probe *p = state;
	int err = resolve_all(p);

	if (!err)
		err = load_sized(p);
	if (err)
		return err;
	p->links = calloc(2 * p->set->n_attach, sizeof(*p->links));
	if (!p->links)
		return -ENOMEM;
	raise_fd_limit(2 * p->set->n_attach);
	/* Return probes first: an entry never waits for its uretprobe. */
	for (int i = 0; !err && i < p->set->n_attach; i++)
		err = attach_one(p, &p->set->attach[i], true);
	for (int i = 0; !err && i < p->set->n_attach; i++)
		err = attach_one(p, &p->set->attach[i], false);
	return err;
}

static int funcs_register_costs(void *state, struct overhead *oh)
{
	struct funcs_probe *p = state;

	return probe_register_object(oh, p->skel->obj, false);
}

static int set_info(struct funcs_probe *p, struct model *model)
{
	for (int id = 0; id < p->set->n_sites; id++) {
		const struct func_site *s = &p->set->sites[id];
		int err = funcs_set_info(model->funcs, id, s->name, s->module, s->symbols_from,
					 s->stepped);

		if (err)
			return err;
	}
	p->info_set = true;
	return 0;
}

static __u64 self_ns(struct funcs_probe *p, __u32 id, int n_cpus)
{
	__u64 values[n_cpus];

	if (bpf_map__lookup_elem(p->skel->maps.func_self_ns, &id, sizeof(id), values,
				 sizeof(values), 0))
		return 0;
	return probe_sum_percpu(values, n_cpus);
}

static int funcs_collect(void *state, const struct probe_ctx *ctx, struct model *model)
{
	struct funcs_probe *p = state;
	struct bpf_map *map = p->skel->maps.func_stats;
	size_t value_size = ctx->n_cpus * sizeof(*p->percpu);
	struct lat_stats merged;
	int err = p->info_set ? 0 : set_info(p, model);

	/* Values are cumulative and never reset: read, don't drain. */
	for (__u32 id = 0; !err && id < (__u32)p->set->n_sites; id++) {
		if (bpf_map__lookup_elem(map, &id, sizeof(id), p->percpu, value_size, 0))
			return -errno;
		memset(&merged, 0, sizeof(merged));
		for (int cpu = 0; cpu < ctx->n_cpus; cpu++)
			lat_stats_merge(&merged, &p->percpu[cpu]);
		err = funcs_set(model->funcs, id, &merged, self_ns(p, id, ctx->n_cpus));
	}
	return err;
}

static void funcs_destroy(void *state)
{
	struct funcs_probe *p = state;

	if (!p)
		return;
	for (int i = 0; i < p->n_links; i++)
		bpf_link__destroy(p->links[i]);
	free(p->links);
	funcs_bpf__destroy(p->skel);
	if (p->set)
		func_set_free(p->set);
	free(p->set);
	free(p->percpu);
	free(p);
}

const struct probe_family probe_funcs = {
	.name = "funcs",
	.wanted = funcs_wanted,
	.load = funcs_load,
	.attach = funcs_attach,
	.register_costs = funcs_register_costs,
	.collect = funcs_collect,
	.destroy = funcs_destroy,
};
