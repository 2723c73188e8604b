// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Page faults of traced processes, counted per tgid at the x86 exception
 * tracepoints: page_fault_user (the faulting instruction ran in user mode)
 * and page_fault_kernel (the kernel touched user memory, e.g. in read()).
 * They fire on fault entry, before the fault is resolved, so they cannot
 * tell minor from major; the loader reads that split from /proc.
 */
#include "common.bpf.h"
#include "resources.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static const struct fault_counts fault_zero;
TGID_COUNTS_MAP(fault_counts, struct fault_counts);

static __always_inline struct fault_counts *traced_counts(void)
{
	__u32 tgid = current_tgid();

	if (!tgid_is_traced(tgid))
		return NULL;
	return counts_of(&fault_counts, tgid, &fault_zero);
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(fault_user, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	struct fault_counts *c = traced_counts();

	if (c)
		c->user++;
	return 0;
}

SEC("tp_btf/page_fault_kernel")
int BPF_PROG(fault_kernel, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	struct fault_counts *c = traced_counts();

	if (c)
		c->kernel++;
	return 0;
}
