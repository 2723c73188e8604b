/*
 * Which labels identify a target's and a process's series. Prometheus
 * keys a series by its label set, so a label whose value changes when the
 * service restarts (a pid) starts new series each time: the old ones go
 * stale, dashboards and rate() windows break at every restart. Names stay:
 * a target is named by its comm, a process by its comm; the pid is on one
 * info series per target (and on every process series with --metrics-pid).
 */
#include <stdio.h>
#include <string.h>
#include "views/metrics/series.h"

/* "nginx"; the second target with that comm is "nginx#2", in the order given. */
static void target_name(const struct model *model, int i, char *buf, size_t len)
{
	const char *comm = model->targets[i].comm;
	int same = 0;

	for (int k = 0; k < i; k++)
		same += !strcmp(model->targets[k].comm, comm);
	if (same)
		snprintf(buf, len, "%s#%d", comm, same + 1);
	else
		snprintf(buf, len, "%s", comm);
}

int target_labels(const struct model *model, int i, bool with_pid, struct label *out,
		  struct label_text *buf)
{
	target_name(model, i, buf->target, sizeof(buf->target));
	out[0] = (struct label){ "target", buf->target };
	if (!with_pid)
		return 1;
	snprintf(buf->pid, sizeof(buf->pid), "%d", model->targets[i].pid);
	out[1] = (struct label){ "comm", model->targets[i].comm };
	out[2] = (struct label){ "pid", buf->pid };
	return 3;
}

int process_labels(const struct metrics_exporter *mx, const struct res_process *proc,
		   struct label *out, struct label_text *buf)
{
	out[0] = (struct label){ "comm", proc->comm };
	if (!mx->pid_labels)
		return 1;
	snprintf(buf->pid, sizeof(buf->pid), "%u", proc->tgid);
	out[1] = (struct label){ "pid", buf->pid };
	return 2;
}
