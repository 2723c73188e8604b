// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Function latency: uprobe entry to uretprobe return of the same thread.
 * One entry and one return program serve every traced function; the loader
 * attaches them once per function with the function's id as the BPF cookie.
 *
 * Each thread keeps a stack of the traced calls it is inside, so recursion
 * and nesting pair every return with its own entry, and "self" time (the
 * call's time minus the time of the traced calls it made) falls out of it.
 */
#include "common.bpf.h"
#include "lat_stats.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct func_frame {
	__u64 start_ns;
	__u64 callee_ns; /* inclusive time of traced calls made from this one */
	__u32 id;
	__u32 pad;
};

struct func_stack {
	/*
	 * Traced calls in flight, including those too deep to remember:
	 * frames[] holds the outermost LATSCOPE_FUNC_DEPTH of them. Counting
	 * the rest keeps every later return paired with the right frame.
	 */
	__u32 depth;
	__u32 pad;
	struct func_frame frames[LATSCOPE_FUNC_DEPTH];
};

/* Per thread, freed with the thread (like syscalls.bpf.c's in-flight call). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct func_stack);
} func_stacks SEC(".maps");

/*
 * Per function id: inclusive latency, and self time (inclusive minus
 * traced callees). Arrays, sized by the loader to the functions traced:
 * allocated once at load, so the hot path never allocates (and never
 * fails to), and lookups are the cheapest there are.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lat_stats);
} func_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} func_self_ns SEC(".maps");

SEC("uprobe")
int func_entry(struct pt_regs *ctx)
{
	struct func_stack *stack;
	__u32 depth;

	/* The uprobe is attached for the target's pid only: no tgid filter. */
	stack = bpf_task_storage_get(&func_stacks, bpf_get_current_task_btf(), NULL,
				     BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!stack) {
		health_inc(HEALTH_TASK_STORAGE_MISSED);
		return 0;
	}
	depth = stack->depth++;
	if (depth >= LATSCOPE_FUNC_DEPTH) {
		health_inc(HEALTH_FUNC_TOO_DEEP);
		return 0;
	}
	stack->frames[depth].id = (__u32)bpf_get_attach_cookie(ctx);
	stack->frames[depth].callee_ns = 0;
	stack->frames[depth].start_ns = bpf_ktime_get_ns();
	return 0;
}

/*
 * A global function is verified once, on its own, whatever the state of
 * the caller: the histogram code is not walked again for every stack
 * depth the return path can see (inlined, that hit the verifier's limit).
 */
__noinline int func_record(__u32 id, __u64 duration, __u64 self_ns)
{
	__u64 *self;

	lat_stats_add(&func_stats, id, duration, false);
	self = bpf_map_lookup_elem(&func_self_ns, &id);
	if (self)
		*self += self_ns;
	return 0;
}

/* Pops frame @top and returns its duration. */
static __always_inline __u64 pop_frame(struct func_stack *stack, __u32 top, __u64 now, __u64 *self)
{
	struct func_frame *frame = &stack->frames[top & (LATSCOPE_FUNC_DEPTH - 1)];
	__u64 duration = now - frame->start_ns;

	*self = duration - frame->callee_ns;
	if (top > 0)
		stack->frames[(top - 1) & (LATSCOPE_FUNC_DEPTH - 1)].callee_ns += duration;
	stack->depth = top;
	return duration;
}

/*
 * A return pairs with the newest frame. When that frame is another
 * function's, returns were skipped (longjmp, exceptions) or this call's
 * entry came before the probes were attached: either way the stack no
 * longer says which call this is. It is counted and the stack restarts
 * empty; the calls in flight below are then counted as unpaired too,
 * never measured wrong.
 */
SEC("uretprobe")
int func_return(struct pt_regs *ctx)
{
	__u32 id = (__u32)bpf_get_attach_cookie(ctx);
	__u64 now = bpf_ktime_get_ns(), duration, self;
	struct func_stack *stack;
	__u32 top;

	stack = bpf_task_storage_get(&func_stacks, bpf_get_current_task_btf(), NULL, 0);
	if (!stack || !stack->depth) {
		health_inc(HEALTH_FUNC_UNPAIRED);
		return 0;
	}
	top = stack->depth - 1;
	if (top >= LATSCOPE_FUNC_DEPTH) {
		stack->depth--; /* a call too deep to remember: counted on entry */
		return 0;
	}
	if (stack->frames[top].id != id) {
		health_inc(HEALTH_FUNC_UNPAIRED);
		stack->depth = 0;
		return 0;
	}
	duration = pop_frame(stack, top, now, &self);
	return func_record(id, duration, self);
}
