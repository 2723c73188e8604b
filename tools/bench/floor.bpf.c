// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Bench only (never linked into latscope): the cheapest syscall-latency
 * tracer there can be, as a yardstick for what latscope's own pair adds.
 * Each pair is sys_enter + sys_exit as tp_btf programs, like latscope's;
 * tools/bench/floor.c attaches one of them.
 *
 *   empty   return at once: what a tp_btf program costs at all
 *   clock   the floor pair: prefiltered (one compare of the tgid), then one
 *           clock read each, the exit taking the difference
 *   switch  what a syscall program switched off by a global flag costs,
 *           the alternative to detaching its links when shedding: the
 *           enter returns after the prefilter and the flag, the exit
 *           still looks up task storage (a call that entered while the
 *           switch was on must finish)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 target_tgid = 0;

__u64 enabled = 0; /* the switch: never on in the bench */
__u64 last_enter_ns, total_ns, calls;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} in_flight SEC(".maps");

static __always_inline bool traced(struct task_struct *task)
{
	return task->tgid == target_tgid;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(empty_enter, struct pt_regs *regs, long nr)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(empty_exit, struct pt_regs *regs, long ret)
{
	return 0;
}

/* One thread in the storm: a global is enough to keep the clock read live. */
SEC("tp_btf/sys_enter")
int BPF_PROG(clock_enter, struct pt_regs *regs, long nr)
{
	if (!traced(bpf_get_current_task_btf()))
		return 0;
	last_enter_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(clock_exit, struct pt_regs *regs, long ret)
{
	if (!traced(bpf_get_current_task_btf()))
		return 0;
	total_ns += bpf_ktime_get_ns() - last_enter_ns;
	calls++;
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(switch_enter, struct pt_regs *regs, long nr)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (!traced(task) || !enabled)
		return 0;
	last_enter_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(switch_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 *start;

	if (!traced(task))
		return 0;
	start = bpf_task_storage_get(&in_flight, task, NULL, 0);
	if (!start || !*start)
		return 0;
	total_ns += bpf_ktime_get_ns() - *start;
	*start = 0;
	return 0;
}
