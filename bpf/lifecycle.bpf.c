// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process lifecycle of traced processes: follow children on fork (when
 * asked), report fork, exec and exit through the ring buffer, and stop
 * tracing a tgid once its last thread is gone.
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile bool follow_children = false;

static __always_inline struct proc_rec *proc_rec_reserve(enum rec_type type,
							 struct task_struct *task)
{
	__u64 pid_tgid = ((__u64)BPF_CORE_READ(task, tgid) << 32) | (__u32)BPF_CORE_READ(task, pid);
	struct proc_rec *rec;

	rec = record_reserve(sizeof(*rec), type, pid_tgid, bpf_ktime_get_ns());
	if (!rec)
		return NULL;
	rec->child_tgid = 0;
	rec->exit_code = 0;
	bpf_probe_read_kernel_str(rec->comm, sizeof(rec->comm), task->comm);
	rec->filename[0] = '\0';
	return rec;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(lifecycle_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 child_tgid = child->tgid;
	struct proc_rec *rec;

	/* A new thread shares its tgid and is traced already. */
	if (child_tgid == parent->tgid || !tgid_is_traced(parent->tgid))
		return 0;
	if (!follow_children)
		return 0;
	if (!tgid_trace(child_tgid))
		health_inc(HEALTH_TGIDS_FULL);
	rec = proc_rec_reserve(REC_PROC_FORK, parent);
	if (!rec)
		return 0;
	rec->child_tgid = child_tgid;
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(lifecycle_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct proc_rec *rec;

	if (!tgid_is_traced(task->tgid))
		return 0;
	rec = proc_rec_reserve(REC_PROC_EXEC, task);
	if (!rec)
		return 0;
	bpf_probe_read_kernel_str(rec->filename, sizeof(rec->filename),
				  BPF_CORE_READ(bprm, filename));
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

/*
 * The tracepoint fires for every exiting thread. signal->live has already
 * been decremented by then, so zero means this thread ends the process; read
 * it rather than the tracepoint's group_dead argument, which older kernels
 * lack.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(lifecycle_exit, struct task_struct *task)
{
	__u32 tgid = task->tgid;
	struct proc_rec *rec;

	if (!tgid_is_traced(tgid))
		return 0;
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	bpf_map_delete_elem(&traced_tgids, &tgid);
	rec = proc_rec_reserve(REC_PROC_EXIT, task);
	if (!rec)
		return 0;
	rec->exit_code = BPF_CORE_READ(task, exit_code);
	bpf_ringbuf_submit(rec, 0);
	return 0;
}
