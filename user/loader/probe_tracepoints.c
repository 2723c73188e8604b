// Which tracepoints the running kernel has, and what a missing one turns off.
#include <bpf/btf.h>
#include <stdio.h>
#include "loader/probe.h"

/* A kernel with the tracepoint has BTF for its tp_btf prototype. */
bool probe_kernel_has_tracepoint(const struct probe_ctx *ctx, const char *name)
{
	char type[128];

	snprintf(type, sizeof(type), "btf_trace_%s", name);
	return btf__find_by_name_kind(ctx->vmlinux, type, BTF_KIND_TYPEDEF) > 0;
}

const struct tracepoint_need *probe_missing_tracepoint(const struct probe_family *f,
						       tracepoint_probe_fn has,
						       const struct probe_ctx *ctx)
{
	for (const struct tracepoint_need *n = f->needs; n && n->name; n++)
		if (!has(ctx, n->name))
			return n;
	return NULL;
}

void probe_describe_missing(const struct probe_family *f, const struct tracepoint_need *need,
			    char *buf, size_t len)
{
	char since[64] = "";

	if (need->since)
		snprintf(since, sizeof(since), " (%s)", need->since);
	if (f->essential)
		snprintf(buf, len, "kernel lacks tracepoint %s%s: cannot trace without %s",
			 need->name, since, f->provides);
	else
		snprintf(buf, len, "kernel lacks tracepoint %s%s: %s off", need->name, since,
			 f->provides);
}
