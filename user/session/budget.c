// The budget, kept every tick: measure, decide, shed or restore.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "loader/listeners.h"
#include "loader/proc_stats.h"
#include "loader/trace.h"
#include "session/budget.h"

#define MAX_PORTS 8

/* Sums each target's CPU time since it was first read (exited ones keep theirs). */
static void read_target_cpu(struct budget_keeper *k)
{
	struct model *model = k->model;

	for (int i = 0; i < model->n_targets; i++) {
		pid_t pid = model->targets[i].pid;
		__u64 ns;
		int j;

		if (model->targets[i].state == TARGET_EXITED || proc_cpu_ns(pid, &ns))
			continue;
		for (j = 0; j < k->n_cpu && k->cpu_pids[j] != pid; j++)
			;
		if (j == k->n_cpu) {
			if (j == BUDGET_MAX_TARGETS)
				continue;
			/* A -p target ran before: its CPU counts from here. */
			k->cpu_pids[k->n_cpu] = pid;
			k->cpu_seen[k->n_cpu++] = model->targets[i].spawned ? 0 : ns;
		}
		if (ns > k->cpu_seen[j])
			model->overhead.target_cpu_ns += ns - k->cpu_seen[j];
		k->cpu_seen[j] = ns;
	}
}

static void describe_ports(const __u16 *ports, int n, char *buf, size_t len)
{
	size_t used = snprintf(buf, len, "%s", n > 1 ? "ports" : "port");

	for (int i = 0; i < n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s %u", i ? "," : "", ports[i]);
}

/*
 * A server's requests are what matters, and its syscalls (~6 per
 * request on nginx, ~1.2 us of tracing) would cost more than its
 * requests: they are sampled unless --syscalls asks for all of them.
 */
static void check_servers(struct budget_keeper *k, __u64 now)
{
	struct model *model = k->model;
	struct budget *b = &model->overhead.budget;
	struct budget_family *syscalls = budget_find(b, "syscalls");
	__u16 ports[MAX_PORTS];
	char list[96];

	if (!k->server_check_until)
		return;
	if (now > k->server_check_until || !syscalls || !k->cli->requests ||
	    !budget_find(b, "sock")) {
		k->server_check_until = 0;
		return;
	}
	for (int i = 0; i < model->n_targets; i++) {
		const struct target_info *t = &model->targets[i];
		int n = t->state == TARGET_EXITED ? 0 : listeners_of(t->pid, ports, MAX_PORTS);

		if (n <= 0)
			continue;
		describe_ports(ports, n, list, sizeof(list));
		budget_cap(b, syscalls, BUDGET_SERVER_LEVEL, BUDGET_SERVER, now);
		trace__set_level(k->trace, "syscalls", syscalls->level, now);
		fprintf(stderr,
			"latscope: pid %d (%s) listens on TCP %s: its requests are traced, its syscalls sampled %s of the time (--syscalls traces every one)\n",
			t->pid, t->comm, list, budget_level_name(BUDGET_SERVER_LEVEL));
		k->server_check_until = 0;
		return;
	}
}

static const char *why_inactive(const struct overhead *oh)
{
	switch (oh->mode) {
	case OVERHEAD_OFF:
		return "BPF stats off (--no-overhead)";
	case OVERHEAD_UNAVAILABLE:
		return "BPF stats unavailable";
	default:
		return NULL;
	}
}

void budget_keeper_start(struct budget_keeper *k, const struct trace_settings *cli,
			 struct trace *trace, struct model *model, __u64 now)
{
	struct budget *b = &model->overhead.budget;
	const char *names[BUDGET_MAX_FAMILIES];
	bool sheddable[BUDGET_MAX_FAMILIES];
	int n = trace__families(trace, names, sheddable, BUDGET_MAX_FAMILIES);

	memset(k, 0, sizeof(*k));
	k->cli = cli;
	k->trace = trace;
	k->model = model;
	budget_init(b, &model->clock, cli->max_overhead);
	for (int i = 0; i < n; i++)
		budget_add_family(b, names[i], sheddable[i]);
	if (!cli->syscalls_all)
		k->server_check_until = now + BUDGET_SERVER_CHECK_NS;
	read_target_cpu(k);
	check_servers(k, now);
}

void budget_keeper_tick(struct budget_keeper *k, __u64 now)
{
	struct overhead *oh = &k->model->overhead;
	struct budget *b = &oh->budget;
	int levels[BUDGET_MAX_FAMILIES], before[BUDGET_MAX_FAMILIES];

	read_target_cpu(k);
	check_servers(k, now);
	b->inactive = why_inactive(oh);
	overhead_close_period(oh, now);
	for (int i = 0; i < b->n; i++)
		before[i] = b->families[i].level;
	budget_decide(b, levels);
	budget_apply(b, levels, now);
	/* Every tick starts the shed families' sub-periods again (duty_cycle.h). */
	for (int i = 0; i < b->n; i++) {
		const struct budget_family *f = &b->families[i];
		int err;

		if (!f->sheddable || (!f->level && !before[i]))
			continue;
		err = trace__set_level(k->trace, f->name, f->level, now);
		if (err)
			fprintf(stderr, "latscope: shedding %s: %s\n", f->name, strerror(-err));
	}
}
