// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process lifecycle of traced processes: follow children on fork (when
 * asked), report fork, exec and exit through the ring buffer, and stop
 * tracing a tgid once its last thread is gone.
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile bool follow_children = false;
/*
 * Targets chosen by what they are, not by PID: processes in the cgroup v2
 * with this id or below it (--cgroup, --unit), or named @target_comm
 * (--comm). A process that forks, execs or moves into a match is traced
 * from then on, here in the kernel: the one filter stays the tgid set.
 */
const volatile __u64 target_cgroup_id = 0;
const volatile char target_comm[LATSCOPE_COMM_LEN] = {};

/* Deep enough for system.slice/x.service/... and container runtimes. */
#define CGROUP_MAX_DEPTH 16

static __always_inline bool in_target_cgroup(struct task_struct *task)
{
	struct cgroup *cg = BPF_CORE_READ(task, cgroups, dfl_cgrp);

	for (int i = 0; i < CGROUP_MAX_DEPTH && cg; i++) {
		if (BPF_CORE_READ(cg, kn, id) == target_cgroup_id)
			return true;
		/* self, the cgroup's own css, is its first member. */
		cg = (struct cgroup *)BPF_CORE_READ(cg, self.parent);
	}
	return false;
}

static __always_inline bool comm_matches(struct task_struct *task)
{
	char comm[LATSCOPE_COMM_LEN];

	if (bpf_probe_read_kernel_str(comm, sizeof(comm), task->comm) < 0)
		return false;
	for (int i = 0; i < LATSCOPE_COMM_LEN; i++) {
		if (comm[i] != target_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

static __always_inline bool selected(struct task_struct *task)
{
	if (target_cgroup_id && in_target_cgroup(task))
		return true;
	return target_comm[0] && comm_matches(task);
}

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
	if (child_tgid == parent->tgid)
		return 0;
	if (!(follow_children && tgid_is_traced(parent->tgid)) && !selected(child))
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

	/* comm is the new program's by now: `exec nginx` makes a match. */
	if (!tgid_is_traced(task->tgid) && !(selected(task) && tgid_trace(task->tgid)))
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

/*
 * A process moved into the target cgroup (a write to cgroup.procs, a
 * service manager placing a new service) is traced from then on. The
 * tracepoint fires after the move, once for the whole thread group.
 */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(lifecycle_cgroup_join, struct cgroup *dst, const char *path, struct task_struct *task,
	     bool threadgroup)
{
	__u32 tgid = task->tgid;
	struct proc_rec *rec;

	if (!target_cgroup_id || tgid_is_traced(tgid) || !in_target_cgroup(task))
		return 0;
	if (!tgid_trace(tgid)) {
		health_inc(HEALTH_TGIDS_FULL);
		return 0;
	}
	rec = proc_rec_reserve(REC_PROC_JOIN, task);
	if (rec)
		bpf_ringbuf_submit(rec, 0);
	return 0;
}
