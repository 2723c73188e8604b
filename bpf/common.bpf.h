/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Maps and helpers every latscope BPF object shares. Each object declares
 * them; the loader creates them once (in the lifecycle object) and hands the
 * same file descriptors to every other object with bpf_map__reuse_fd(), so
 * all programs filter on one tgid set and write into one ring buffer.
 */
#ifndef LATSCOPE_COMMON_BPF_H
#define LATSCOPE_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "latscope.h"

/* Processes (tgids) being traced; the value is unused. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LATSCOPE_MAX_TGIDS);
	__type(key, __u32);
	__type(value, __u8);
} traced_tgids SEC(".maps");

/*
 * Prefilter for traced_tgids. Tracepoints fire for every process on the
 * machine; an array lookup (inlined by the verifier) and a bit test let
 * the others go for a few ns instead of a hash lookup.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tgid_filter);
} tgid_filter SEC(".maps");

/* Rare-path records to user space; the size is set by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HEALTH_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} health SEC(".maps");

static __always_inline __u64 tgid_filter_bit(__u32 tgid)
{
	return 1ULL << (tgid % 64);
}

static __always_inline __u32 tgid_filter_word(__u32 tgid)
{
	return (tgid % LATSCOPE_TGID_FILTER_BITS) / 64;
}

/* False: certainly not traced. True: ask tgid_is_traced(). */
static __always_inline bool tgid_may_be_traced(__u32 tgid)
{
	__u32 zero = 0;
	struct tgid_filter *filter = bpf_map_lookup_elem(&tgid_filter, &zero);

	return filter && (filter->words[tgid_filter_word(tgid)] & tgid_filter_bit(tgid));
}

static __always_inline bool tgid_is_traced(__u32 tgid)
{
	return tgid_may_be_traced(tgid) && bpf_map_lookup_elem(&traced_tgids, &tgid) != NULL;
}

/* Adds @tgid to the traced set; false if the set is full. */
static __always_inline bool tgid_trace(__u32 tgid)
{
	__u32 zero = 0;
	struct tgid_filter *filter = bpf_map_lookup_elem(&tgid_filter, &zero);
	__u8 one = 1;

	if (filter)
		__sync_fetch_and_or(&filter->words[tgid_filter_word(tgid)], tgid_filter_bit(tgid));
	return bpf_map_update_elem(&traced_tgids, &tgid, &one, BPF_NOEXIST) == 0;
}

static __always_inline void health_inc(enum health_counter which)
{
	__u32 key = which;
	__u64 *value = bpf_map_lookup_elem(&health, &key);

	if (value)
		*value += 1;
}

/*
 * Reserve a ring-buffer record and fill its header; a full buffer is
 * counted, never silent. Callers submit with bpf_ringbuf_submit().
 */
static __always_inline void *record_reserve(__u32 size, enum rec_type type, __u64 pid_tgid,
					    __u64 ts_ns)
{
	struct rec_header *hdr = bpf_ringbuf_reserve(&events, size, 0);

	if (!hdr) {
		health_inc(HEALTH_RINGBUF_DROPS);
		return NULL;
	}
	hdr->type = type;
	hdr->tgid = pid_tgid >> 32;
	hdr->tid = (__u32)pid_tgid;
	hdr->pad = 0;
	hdr->ts_ns = ts_ns;
	return hdr;
}

/*
 * A record built in place (header filled by the caller), copied into the
 * ring buffer by the kernel: cheaper than a reserve and a copy in BPF
 * instructions. A full buffer is counted, never silent.
 */
static __always_inline void record_output(void *rec, __u32 size, __u64 flags)
{
	if (bpf_ringbuf_output(&events, rec, size, flags))
		health_inc(HEALTH_RINGBUF_DROPS);
}

/*
 * @task's storage in @map when its process is traced: found without the
 * hash lookup for threads seen before, created for new ones. Creation can
 * fail (the kernel's per-CPU storage lock busy under preemption, or no
 * memory); the event is then counted as missed, never dropped silently.
 */
static __always_inline void *traced_task_storage(void *map, struct task_struct *task)
{
	void *value;

	if (!tgid_may_be_traced(task->tgid))
		return NULL;
	value = bpf_task_storage_get(map, task, NULL, 0);
	if (value || !tgid_is_traced(task->tgid))
		return value;
	value = bpf_task_storage_get(map, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!value)
		health_inc(HEALTH_TASK_STORAGE_MISSED);
	return value;
}

#endif /* LATSCOPE_COMMON_BPF_H */
