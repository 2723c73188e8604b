// Which probe families a kernel can load: their tracepoints against what
// the kernel has, and the one line that says what a missing one turns off.
#include <criterion/criterion.h>
#include <bpf/btf.h>
#include <stdlib.h>
#include <string.h>
#include "loader/probe.h"
#include "model/resources.h"

static const struct probe_family *const *families;
static int n_families;

/* The family named @name in the loader's table. */
static const struct probe_family *family(const char *name)
{
	for (int i = 0; i < n_families; i++)
		if (!strcmp(families[i]->name, name))
			return families[i];
	cr_assert_fail("no probe family %s", name);
	return NULL;
}

static void setup(void)
{
	families = trace_families(&n_families);
}

TestSuite(probe_tracepoints, .init = setup);

/* The tracepoint the pretend kernel lacks; NULL: it has them all. */
static const char *lacking;

static bool pretend_kernel_has(const struct btf *vmlinux, const char *name)
{
	return !lacking || strcmp(name, lacking);
}

/* What probe_check_tracepoints() finds missing in @f with @lack lacking. */
static const struct tracepoint_need *missing_with(const struct probe_family *f, const char *lack)
{
	const struct tracepoint_need *missing;
	struct probe_ctx ctx = {};

	lacking = lack;
	cr_assert_eq(probe_check_tracepoints(&ctx, f, pretend_kernel_has, NULL, &missing), 0);
	cr_assert_eq(probe_kernel_lacks(&ctx, lack ? lack : ""), lack && ctx.n_lacking, "%s: %s",
		     f->name, lack);
	free(ctx.lacking);
	return missing;
}

static const char *describe(const struct probe_family *f, const struct tracepoint_need *need)
{
	static char line[256];

	probe_describe_missing(f, need, line, sizeof(line));
	return line;
}

Test(probe_tracepoints, a_complete_kernel_loads_every_family)
{
	for (int i = 0; i < n_families; i++)
		cr_assert_null(missing_with(families[i], NULL), "%s", families[i]->name);
}

/* The case the probing is for: the socket tracepoints came in 6.3. */
Test(probe_tracepoints, before_linux_6_3_sockets_are_off)
{
	const struct tracepoint_need *need = missing_with(family("sock"), "sock_send_length");

	cr_assert_not_null(need);
	cr_assert_str_eq(need->name, "sock_send_length");
	cr_assert_str_eq(describe(family("sock"), need),
			 "kernel lacks tracepoint sock_send_length (Linux 6.3+): "
			 "request and network tracking off");
	cr_assert_not(family("sock")->essential);
	for (int i = 0; i < n_families; i++)
		if (families[i] != family("sock"))
			cr_assert_null(missing_with(families[i], "sock_send_length"), "%s",
				       families[i]->name);
}

/* Every tracepoint a family names counts, not only its first. */
Test(probe_tracepoints, any_missing_tracepoint_turns_its_family_off)
{
	for (int i = 0; i < n_families; i++) {
		const struct probe_family *f = families[i];

		for (const struct tracepoint_need *n = f->needs; n && n->name; n++)
			cr_assert_eq(missing_with(f, n->name), n->optional ? NULL : n, "%s: %s",
				     f->name, n->name);
		cr_assert(f->needs || f == family("funcs"), "%s names no tracepoint", f->name);
		cr_assert(!f->needs || f->provides, "%s says nothing of what is lost", f->name);
	}
}

/* Before 6.5 block attributes requests at issue: a variant, not a skip. */
Test(probe_tracepoints, an_optional_tracepoint_picks_a_variant)
{
	struct probe_ctx ctx = {};
	const struct tracepoint_need *missing;

	lacking = "block_io_start";
	cr_assert_eq(probe_check_tracepoints(&ctx, family("block"), pretend_kernel_has, NULL,
					     &missing),
		     0);
	cr_assert_null(missing);
	cr_assert(probe_kernel_lacks(&ctx, "block_io_start"));
	cr_assert_not(probe_kernel_lacks(&ctx, "block_rq_issue"));
	free(ctx.lacking);
}

Test(probe_tracepoints, uprobes_need_no_tracepoint)
{
	cr_assert_null(missing_with(family("funcs"), "sys_enter"));
}

/* Without lifecycle there is no trace (shared maps, exits): an error. */
Test(probe_tracepoints, lifecycle_is_essential)
{
	const struct tracepoint_need *need =
		missing_with(family("lifecycle"), "sched_process_exit");

	cr_assert(family("lifecycle")->essential);
	cr_assert_str_eq(describe(family("lifecycle"), need),
			 "kernel lacks tracepoint sched_process_exit: cannot trace "
			 "without the process lifecycle (exits, forks)");
	cr_assert_str_eq(describe(family("syscalls"), missing_with(family("syscalls"), "sys_exit")),
			 "kernel lacks tracepoint sys_exit: syscall latency off");
}

/*
 * The real probe, against this machine's BTF (readable without root). A
 * tracepoint named without .since claims every tp_btf kernel has it: so
 * does this one, unless the name is misspelt.
 */
Test(probe_tracepoints, this_kernel)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();

	if (!vmlinux)
		cr_skip_test("no kernel BTF here");
	cr_assert_not(probe_btf_has_tracepoint(vmlinux, "no_such_tracepoint"));
	for (int i = 0; i < n_families; i++)
		for (const struct tracepoint_need *n = families[i]->needs; n && n->name; n++)
			cr_assert(n->since || probe_btf_has_tracepoint(vmlinux, n->name),
				  "%s: no tracepoint %s", families[i]->name, n->name);
	btf__free(vmlinux);
}

/* A family the kernel cannot load must say so in the options every view reads. */
Test(probe_tracepoints, a_skipped_family_turns_itself_off)
{
	struct trace_opts opts = { .requests = true,
				   .syscalls = true,
				   .resource_groups = res_default_groups() |
						      res_group_bit("sched") };

	for (int i = 0; i < n_families; i++)
		cr_assert(families[i]->essential || !families[i]->needs || families[i]->turn_off,
			  "%s can be skipped but cannot say so", families[i]->name);
	family("sock")->turn_off(&opts);
	cr_assert_not(opts.requests);
	cr_assert_not(opts.resource_groups & res_group_bit("net"));
	cr_assert(opts.resource_groups & res_group_bit("block"), "others stay on");
	family("sched")->turn_off(&opts);
	cr_assert_not(opts.resource_groups & res_group_bit("sched"));
	family("syscalls")->turn_off(&opts);
	cr_assert_not(opts.syscalls);
}
