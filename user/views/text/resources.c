// Text report: the resources section, one block per traced process.
#include "base/format.h"
#include "views/text/resources.h"

#define ULL(x) ((unsigned long long)(x))

static bool group_on(const struct model *model, enum res_group g)
{
	return model->res.groups & RES_GROUP_BIT(g);
}

/* "resources (groups: block net; off: --sched --faults)" */
static void print_groups(FILE *out, const struct model *model)
{
	const char *sep = "";

	fprintf(out, "resources (groups:");
	for (int g = 0; g < RES_GROUPS; g++)
		if (group_on(model, g))
			fprintf(out, " %s", res_group_names[g]);
	if (!model->res.groups)
		fprintf(out, " none");
	for (int g = 0; g < RES_GROUPS; g++) {
		if (group_on(model, g))
			continue;
		fprintf(out, "%s --%s", *sep ? "" : "; off:", res_group_names[g]);
		sep = " ";
	}
	fprintf(out, ")\n");
}

static void print_cpu(FILE *out, const struct res_view *v)
{
	char on[16];

	fprintf(out, "    cpu: on-CPU %s = %.1f%% of one CPU; switched out %llu blocked, %llu preempted\n",
		format_duration(v->c.sched.on_cpu_ns, on, sizeof(on)),
		v->cpu_share * 100, ULL(v->c.sched.voluntary),
		ULL(v->c.sched.involuntary));
}

static void print_memory(FILE *out, const struct res_view *v)
{
	const struct proc_stats *p = &v->proc->proc;
	char rss[16], peak[16], rate[16];

	if (!v->proc->proc_seen)
		return;
	fprintf(out, "    memory: RSS %s, peak %s, %ld threads, %ld fds%s; faults %llu minor (%s/s), %llu major\n",
		format_kib(p->rss_kb, rss, sizeof(rss)),
		format_kib(p->peak_rss_kb, peak, sizeof(peak)), p->threads,
		p->fds, v->proc->proc_gone ? " (at exit)" : "",
		ULL(v->c.minor_faults),
		format_count(v->seconds > 0 ? v->c.minor_faults / v->seconds : 0,
			     rate, sizeof(rate)),
		ULL(v->c.major_faults));
}

static void print_faults(FILE *out, const struct res_view *v)
{
	fprintf(out, "    page faults (tracepoints): %llu in user mode, %llu in kernel mode\n",
		ULL(v->c.faults.user), ULL(v->c.faults.kernel));
}

static void print_block(FILE *out, const struct res_view *v)
{
	const struct block_counts *b = &v->c.block;
	char rd[16], wr[16];

	fprintf(out, "    disk: %llu reads %s, %llu writes %s, %llu other, %llu errors\n",
		ULL(b->reads), format_byte_count(b->read_bytes, rd, sizeof(rd)),
		ULL(b->writes), format_byte_count(b->write_bytes, wr, sizeof(wr)),
		ULL(b->others), ULL(b->errors));
}

static void print_net(FILE *out, const struct res_view *v)
{
	const struct net_counts *n = &v->c.net;
	char tx[16], rx[16];

	fprintf(out, "    net: sent %s in %llu calls, received %s in %llu calls\n",
		format_byte_count(n->bytes_sent, tx, sizeof(tx)), ULL(n->sends),
		format_byte_count(n->bytes_received, rx, sizeof(rx)), ULL(n->receives));
	fprintf(out, "    tcp: opened %llu active, %llu passive; closed %llu local, %llu remote, %llu aborted; %llu failed connects, %llu retransmits, resets %llu sent, %llu received\n",
		ULL(n->active_opens), ULL(n->passive_opens), ULL(n->local_closes),
		ULL(n->remote_closes), ULL(n->aborts), ULL(n->connect_failures),
		ULL(n->retransmits), ULL(n->resets_sent), ULL(n->resets_received));
}

static const char *const hist_titles[RES_HISTS] = {
	[RES_OFF_CPU] = "off-CPU",
	[RES_RUN_QUEUE] = "run queue",
	[RES_BLOCK_IO] = "block I/O",
	[RES_CONNECT] = "connect",
};

static void print_latencies(FILE *out, const struct res_view *v)
{
	bool header = false;

	for (int h = 0; h < RES_HISTS; h++) {
		const struct lat_summary *l = &v->lat[h];
		char q[LAT_QUANTILES][16], max[16], count[16];

		if (!l->count)
			continue;
		if (!header)
			fprintf(out, "    %-12s %8s %8s %8s %8s %8s %8s %8s\n", "LATENCY",
				"COUNT", "P50", "P90", "P95", "P99", "P99.9", "MAX");
		header = true;
		for (int i = 0; i < LAT_QUANTILES; i++)
			format_duration(l->quantile_ns[i], q[i], sizeof(q[i]));
		fprintf(out, "    %-12s %8s %8s %8s %8s %8s %8s %8s\n", hist_titles[h],
			format_count(l->count, count, sizeof(count)), q[0], q[1],
			q[2], q[3], q[4], format_duration(l->max_ns, max, sizeof(max)));
	}
}

static void print_process(FILE *out, const struct model *model,
			  const struct res_view *v)
{
	fprintf(out, "  pid %u (%s)\n", v->proc->tgid, v->proc->comm);
	if (group_on(model, RES_SCHED))
		print_cpu(out, v);
	print_memory(out, v);
	if (group_on(model, RES_FAULTS))
		print_faults(out, v);
	if (group_on(model, RES_BLOCK))
		print_block(out, v);
	if (group_on(model, RES_NET))
		print_net(out, v);
	print_latencies(out, v);
}

void report_text_resources(FILE *out, struct model *model,
			   enum model_window window)
{
	const struct res_view *views;
	int n;

	model_resource_views(model, window, &views, &n);
	if (!n)
		return;
	print_groups(out, model);
	for (int i = 0; i < n; i++)
		print_process(out, model, &views[i]);
}
