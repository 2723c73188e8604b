// Model -> the JSON snapshot's "resources" section.
#include "views/json/snapshot.h"

#define J(x) ((json_int_t)(x))

static double per_s(__u64 count, double seconds)
{
	return seconds > 0 ? count / seconds : 0;
}

/* A latency summary with its histogram, as the syscall rows have it. */
static json_t *hist_section(const struct res_view *v, enum res_hist h)
{
	json_t *obj = snapshot_latency_json(&v->lat[h]);

	json_object_set_new(obj, "histogram", snapshot_hist_json(&v->hist[h]));
	return obj;
}

static json_t *cpu_json(const struct res_view *v)
{
	return json_pack("{s:I, s:f, s:I, s:I, s:o, s:o}",
			 "on_cpu_ns", J(v->c.sched.on_cpu_ns),
			 "cpu_share", v->cpu_share,
			 "voluntary_switches", J(v->c.sched.voluntary),
			 "involuntary_switches", J(v->c.sched.involuntary),
			 "off_cpu", hist_section(v, RES_OFF_CPU),
			 "run_queue", hist_section(v, RES_RUN_QUEUE));
}

static json_t *memory_json(const struct res_view *v)
{
	const struct proc_stats *p = &v->proc->proc;

	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:b}",
			 "rss_kb", J(p->rss_kb), "peak_rss_kb", J(p->peak_rss_kb),
			 "threads", J(p->threads), "fds", J(p->fds),
			 "minor_faults", J(v->c.minor_faults),
			 "major_faults", J(v->c.major_faults),
			 "minor_faults_per_s", per_s(v->c.minor_faults, v->seconds),
			 "major_faults_per_s", per_s(v->c.major_faults, v->seconds),
			 "final", v->proc->proc_gone);
}

static json_t *faults_json(const struct res_view *v)
{
	__u64 total = v->c.faults.user + v->c.faults.kernel;

	return json_pack("{s:I, s:I, s:I, s:f}", "user", J(v->c.faults.user),
			 "kernel", J(v->c.faults.kernel), "total", J(total),
			 "rate_per_s", per_s(total, v->seconds));
}

static json_t *disk_json(const struct res_view *v)
{
	const struct block_counts *b = &v->c.block;

	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:I, s:o}",
			 "reads", J(b->reads), "writes", J(b->writes),
			 "others", J(b->others), "read_bytes", J(b->read_bytes),
			 "write_bytes", J(b->write_bytes),
			 "read_bytes_per_s", per_s(b->read_bytes, v->seconds),
			 "write_bytes_per_s", per_s(b->write_bytes, v->seconds),
			 "errors", J(b->errors),
			 "latency", hist_section(v, RES_BLOCK_IO));
}

static json_t *net_json(const struct res_view *v)
{
	const struct net_counts *n = &v->c.net;
	json_t *tcp = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
				"active_opens", J(n->active_opens),
				"passive_opens", J(n->passive_opens),
				"local_closes", J(n->local_closes),
				"remote_closes", J(n->remote_closes),
				"aborts", J(n->aborts),
				"connect_failures", J(n->connect_failures),
				"retransmits", J(n->retransmits),
				"resets_sent", J(n->resets_sent),
				"resets_received", J(n->resets_received),
				"connect", hist_section(v, RES_CONNECT));

	return json_pack("{s:I, s:I, s:I, s:I, s:f, s:f, s:o}",
			 "bytes_sent", J(n->bytes_sent),
			 "bytes_received", J(n->bytes_received),
			 "sends", J(n->sends), "receives", J(n->receives),
			 "sent_bytes_per_s", per_s(n->bytes_sent, v->seconds),
			 "received_bytes_per_s", per_s(n->bytes_received, v->seconds),
			 "tcp", tcp);
}

static bool group_on(const struct model *model, enum res_group g)
{
	return model->res.groups & RES_GROUP_BIT(g);
}

static json_t *process_json(const struct model *model, const struct res_view *v)
{
	json_t *obj = json_pack("{s:i, s:s}", "pid", (int)v->proc->tgid,
				"comm", v->proc->comm);

	if (group_on(model, RES_SCHED))
		json_object_set_new(obj, "cpu", cpu_json(v));
	if (v->proc->proc_seen)
		json_object_set_new(obj, "memory", memory_json(v));
	if (group_on(model, RES_FAULTS))
		json_object_set_new(obj, "faults", faults_json(v));
	if (group_on(model, RES_BLOCK))
		json_object_set_new(obj, "disk", disk_json(v));
	if (group_on(model, RES_NET))
		json_object_set_new(obj, "net", net_json(v));
	return obj;
}

json_t *snapshot_resources(struct model *model, enum model_window window)
{
	json_t *groups = json_object(), *procs = json_array();
	const struct res_view *views;
	int n;

	for (int g = 0; g < RES_GROUPS; g++)
		json_object_set_new(groups, res_group_names[g],
				    json_boolean(group_on(model, g)));
	model_resource_views(model, window, &views, &n);
	for (int i = 0; i < n; i++)
		json_array_append_new(procs, process_json(model, &views[i]));
	return json_pack("{s:o, s:o}", "groups", groups, "processes", procs);
}
