// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * CPU time and scheduling delays of traced processes, from the scheduler's
 * tracepoints:
 *   on-CPU     switch-in to switch-out, summed per tgid;
 *   off-CPU    switch-out while blocked to the next switch-in (histogram);
 *   run queue  wake-up (or preemption) to the next switch-in (histogram).
 * sched_switch runs on every context switch of the machine: other
 * processes' threads leave at the tgid prefilter (one array lookup per
 * side); threads of traced processes carry task storage.
 */
#include "common.bpf.h"
#include "lat_stats.bpf.h"
#include "resources.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define TASK_RUNNING 0

struct sched_task {
	__u64 on_since;	  /* switched in at; 0: not running */
	__u64 off_since;  /* blocked since; 0: not blocked */
	__u64 wait_since; /* runnable since (woken or preempted) */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sched_task);
} sched_tasks SEC(".maps");

static const struct sched_counts sched_zero;
TGID_COUNTS_MAP(sched_counts, struct sched_counts);

TGID_LAT_MAP(off_cpu_stats);
TGID_LAT_MAP(runq_stats);

/*
 * Who of ours runs on each CPU, since when: on-CPU time needs no task
 * storage, which can refuse service (NULL) when the CPU is already inside
 * a task-storage call, e.g. a BPF program preempted in one; a per-CPU
 * array never does, so no slice is lost.
 */
struct cpu_slot {
	__u32 pid; /* 0: none of ours */
	__u32 pad;
	__u64 since;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_slot);
} cpu_running SEC(".maps");

/* The thread's storage, created if its process is traced; else NULL. */
static __always_inline struct sched_task *task_state(struct task_struct *task)
{
	return traced_task_storage(&sched_tasks, task);
}

/* Returns the clock it read (0: @prev is none of ours). */
static __always_inline __u64 switch_out(struct task_struct *prev, struct cpu_slot *slot,
					bool runnable)
{
	bool ran_here = slot->pid && slot->pid == prev->pid;
	struct sched_task *st = task_state(prev);
	struct sched_counts *c;
	__u64 now;

	slot->pid = 0;
	if (!st && !ran_here)
		return 0;
	now = bpf_ktime_get_ns();
	c = counts_of(&sched_counts, prev->tgid, &sched_zero);
	if (c) {
		if (ran_here)
			c->on_cpu_ns += now - slot->since;
		if (runnable)
			c->involuntary++;
		else
			c->voluntary++;
	}
	if (!st)
		return now;
	st->on_since = 0;
	if (runnable) {
		st->wait_since = now;
	} else {
		st->off_since = now;
		st->wait_since = 0;
	}
	return now;
}

static __always_inline void switch_in(struct task_struct *next, struct cpu_slot *slot, __u64 now)
{
	struct sched_task *st = task_state(next);
	__u32 tgid = next->tgid;

	if (!st && !(tgid_may_be_traced(tgid) && tgid_is_traced(tgid)))
		return;
	if (!now)
		now = bpf_ktime_get_ns();
	slot->pid = next->pid;
	slot->since = now;
	if (!st)
		return;
	if (st->off_since)
		lat_stats_add(&off_cpu_stats, tgid, now - st->off_since, false);
	if (st->wait_since)
		lat_stats_add(&runq_stats, tgid, now - st->wait_since, false);
	st->off_since = st->wait_since = 0;
	st->on_since = now;
}

/* prev_state is the tracepoint's own argument since 5.18. */
SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	__u32 zero = 0;
	struct cpu_slot *slot = bpf_map_lookup_elem(&cpu_running, &zero);
	__u64 now;

	if (!slot)
		return 0;
	/* Most switches on a machine are none of ours: no clock read. */
	now = switch_out(prev, slot, preempt || prev_state == TASK_RUNNING);
	switch_in(next, slot, now);
	return 0;
}

static __always_inline void woken(struct task_struct *task)
{
	struct sched_task *st = task_state(task);

	/* A spurious wake-up of a running task starts no wait. */
	if (st && !st->on_since && !st->wait_since)
		st->wait_since = bpf_ktime_get_ns();
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup, struct task_struct *task)
{
	woken(task);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new, struct task_struct *task)
{
	woken(task);
	return 0;
}
