// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * System-call latency: sys_enter to sys_exit of the same thread, aggregated
 * in the kernel into per-CPU log-linear histograms per syscall number.
 * Only calls slower than `slow_ns` travel to user space, one record each.
 */
#include "common.bpf.h"
#include "lat_stats.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Report every syscall at least this slow; 0 disables the slow path. */
const volatile __u64 slow_ns = 0;

/*
 * When the loader sheds this family it detaches the programs for part of
 * each period (loader/duty_cycle.c) and, before attaching them again,
 * sets this to the time the new window opens. A call that entered in an
 * earlier window and whose exit was not seen then is stale: its exit now
 * would pair it with whatever syscall returns first, so it is dropped.
 * 0 while nothing was ever shed.
 */
__u64 window_start_ns;

/*
 * In-flight syscall per thread. Task storage is cheaper than a tid-keyed
 * hash and goes away with the thread, so no entry leaks when a thread dies
 * inside a syscall (exit_group never returns).
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct syscall_entry);
} syscall_in_flight SEC(".maps");

/*
 * Histograms live in a per-CPU array of slots, handed out to syscall
 * numbers on first use: a hash keyed by number costs a hashed lookup on
 * every exit, an array indexed by number would pin ~9.5 KB per CPU for
 * each of the ~460 syscalls. The slot table is plain global data, so user
 * space reads it through the skeleton's mmap'ed .bss without a syscall.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LATSCOPE_SYSCALL_SLOTS);
	__type(key, __u32);
	__type(value, struct lat_stats);
} syscall_stats SEC(".maps");

__u32 syscall_slot_of[LATSCOPE_MAX_SYSCALLS]; /* nr -> slot + 1; 0: none */
__u32 syscall_slots_taken;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, LATSCOPE_MAX_ERRNO_KEYS);
	__type(key, struct syscall_errno_key);
	__type(value, __u64);
} syscall_errnos SEC(".maps");

/*
 * x86_64's uprobe trampolines enter the kernel through syscalls of their
 * own (uretprobe 335, Linux 6.11+; uprobe 336, 6.16+), once per probed
 * return or call: latscope's -u probes' work, never the target's.
 */
static __always_inline bool uprobe_trampoline(long nr)
{
#if defined(__TARGET_ARCH_x86)
	return nr == 335 || nr == 336;
#else
	return false;
#endif
}

SEC("tp_btf/sys_enter")
int BPF_PROG(syscall_enter, struct pt_regs *regs, long nr)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct syscall_entry *entry;

	if (uprobe_trampoline(nr))
		return 0;
	entry = traced_task_storage(&syscall_in_flight, task);
	if (!entry)
		return 0;
	entry->nr = nr;
	/* Only a slow-call record shows it; the verifier drops this when off. */
	if (slow_ns)
		entry->arg0 = PT_REGS_PARM1_SYSCALL(regs);
	entry->start_ns = bpf_ktime_get_ns();
	return 0;
}

/* This syscall's histogram on this CPU, taking a free slot on first use. */
static __always_inline struct lat_stats *syscall_stats_of(__u32 nr)
{
	__u32 slot, idx, raced;

	if (nr >= LATSCOPE_MAX_SYSCALLS)
		return NULL;
	slot = syscall_slot_of[nr];
	if (!slot) {
		slot = __sync_fetch_and_add(&syscall_slots_taken, 1) + 1;
		if (slot > LATSCOPE_SYSCALL_SLOTS) {
			health_inc(HEALTH_STATS_FULL);
			return NULL;
		}
		/*
		 * Another CPU may have won the race: use its slot, and give
		 * ours back unless a third CPU took one since (then it is
		 * wasted), so that races cannot use up the slots.
		 */
		raced = __sync_val_compare_and_swap(&syscall_slot_of[nr], 0, slot);
		if (raced) {
			__sync_val_compare_and_swap(&syscall_slots_taken, slot, slot - 1);
			slot = raced;
		}
	}
	idx = slot - 1;
	return bpf_map_lookup_elem(&syscall_stats, &idx);
}

static __always_inline void count_errno(__u32 nr, long ret)
{
	struct syscall_errno_key key = { .nr = nr, .err = -ret };
	__u64 zero = 0, *count = map_lookup_or_init(&syscall_errnos, &key, &zero);

	if (count)
		*count += 1;
}

static __always_inline void report_slow(const struct syscall_entry *entry, long ret, __u64 now,
					__u64 duration)
{
	struct syscall_slow_rec *rec;

	rec = record_reserve(sizeof(*rec), REC_SYSCALL_SLOW, bpf_get_current_pid_tgid(), now);
	if (!rec)
		return;
	rec->nr = entry->nr;
	rec->pad = 0;
	rec->arg0 = entry->arg0;
	rec->ret = ret;
	rec->duration_ns = duration;
	bpf_ringbuf_submit(rec, 0);
}

/* Linux returns -1..-4095 for errors; larger "negative" values are data. */
static __always_inline bool syscall_failed(long ret)
{
	return ret < 0 && ret >= -4095;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(syscall_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct syscall_entry *entry;
	__u64 now, duration;
	bool failed;

	/*
	 * Storage exists only for threads of traced processes: no hash lookup
	 * here. A traced process stays traced until it exits or we detach.
	 */
	if (!tgid_may_be_traced(task->tgid))
		return 0;
	entry = bpf_task_storage_get(&syscall_in_flight, task, NULL, 0);
	if (!entry || entry->start_ns <= window_start_ns)
		return 0;
	now = bpf_ktime_get_ns();
	duration = now - entry->start_ns;
	entry->start_ns = 0;
	failed = syscall_failed(ret);

	lat_stats_record(syscall_stats_of(entry->nr), duration, failed);
	if (failed)
		count_errno(entry->nr, ret);
	if (slow_ns && duration >= slow_ns)
		report_slow(entry, ret, now, duration);
	return 0;
}
