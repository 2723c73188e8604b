// Which tracepoints the running kernel has, and what a missing one turns off.
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "loader/probe.h"

/* A kernel with the tracepoint has BTF for its tp_btf prototype. */
bool probe_btf_has_tracepoint(const struct btf *vmlinux, const char *name)
{
	char type[128];

	snprintf(type, sizeof(type), "btf_trace_%s", name);
	return btf__find_by_name_kind(vmlinux, type, BTF_KIND_TYPEDEF) > 0;
}

static int note_lacking(struct probe_ctx *ctx, const char *name)
{
	const char **lacking = realloc(ctx->lacking, (ctx->n_lacking + 1) * sizeof(*lacking));

	if (!lacking)
		return -ENOMEM;
	lacking[ctx->n_lacking++] = name;
	ctx->lacking = lacking;
	return 0;
}

int probe_check_tracepoints(struct probe_ctx *ctx, const struct probe_family *f,
			    tracepoint_probe_fn has, const struct btf *vmlinux,
			    const struct tracepoint_need **missing)
{
	*missing = NULL;
	for (const struct tracepoint_need *n = f->needs; n && n->name; n++) {
		int err;

		if (has(vmlinux, n->name))
			continue;
		err = note_lacking(ctx, n->name);
		if (err)
			return err;
		if (!n->optional && !*missing)
			*missing = n;
	}
	return 0;
}

bool probe_kernel_lacks(const struct probe_ctx *ctx, const char *name)
{
	for (int i = 0; i < ctx->n_lacking; i++)
		if (!strcmp(ctx->lacking[i], name))
			return true;
	return false;
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
