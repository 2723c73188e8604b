// Sampled BPF run-time statistics and the loader's own resource use.
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "model/overhead.h"

static bool stats_already_enabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int value = 0;

	if (!f)
		return false;
	if (fscanf(f, "%d", &value) != 1)
		value = 0;
	fclose(f);
	return value != 0;
}

void overhead_init(struct overhead *oh, bool enabled, double sample_fraction)
{
	memset(oh, 0, sizeof(*oh));
	oh->stats_fd = -1;
	oh->sample_fraction = sample_fraction;
	if (!enabled)
		oh->mode = OVERHEAD_OFF;
	else if (stats_already_enabled())
		oh->mode = OVERHEAD_CONTINUOUS;
	else
		oh->mode = OVERHEAD_SAMPLED;
}

int overhead_add_prog(struct overhead *oh, const char *name, int fd,
		      bool per_syscall)
{
	struct prog_cost *p;

	if (oh->n_progs >= OVERHEAD_MAX_PROGS)
		return -E2BIG;
	p = &oh->progs[oh->n_progs++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->fd = fd;
	p->per_syscall = per_syscall;
	return 0;
}

static int read_prog_stats(int fd, __u64 *runs, __u64 *run_ns)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int err = bpf_obj_get_info_by_fd(fd, &info, &len);

	if (err)
		return err;
	*runs = info.run_cnt;
	*run_ns = info.run_time_ns;
	return 0;
}

bool overhead_window_is_open(const struct overhead *oh)
{
	return oh->window_opened_ns != 0;
}

void overhead_window_open(struct overhead *oh, __u64 now_ns,
			  __u64 traced_syscalls)
{
	if (oh->mode != OVERHEAD_SAMPLED && oh->mode != OVERHEAD_CONTINUOUS)
		return;
	if (overhead_window_is_open(oh))
		return;
	if (oh->mode == OVERHEAD_SAMPLED) {
		oh->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (oh->stats_fd < 0) {
			oh->mode = OVERHEAD_UNAVAILABLE;
			snprintf(oh->reason, sizeof(oh->reason),
				 "bpf_enable_stats: %s", strerror(errno));
			return;
		}
	}
	for (int i = 0; i < oh->n_progs; i++) {
		struct prog_cost *p = &oh->progs[i];

		read_prog_stats(p->fd, &p->runs_at_open, &p->ns_at_open);
	}
	oh->window_opened_ns = now_ns;
	oh->traced_at_open = traced_syscalls;
}

void overhead_window_close(struct overhead *oh, __u64 now_ns,
			   __u64 traced_syscalls)
{
	if (!overhead_window_is_open(oh))
		return;
	/* Read before disabling so the window's last runs are counted. */
	for (int i = 0; i < oh->n_progs; i++) {
		struct prog_cost *p = &oh->progs[i];
		__u64 runs, ns;

		if (read_prog_stats(p->fd, &runs, &ns))
			continue;
		p->runs += runs - p->runs_at_open;
		p->run_ns += ns - p->ns_at_open;
	}
	if (oh->stats_fd >= 0) {
		close(oh->stats_fd);
		oh->stats_fd = -1;
	}
	oh->sampled_ns += now_ns - oh->window_opened_ns;
	oh->traced_sampled += traced_syscalls - oh->traced_at_open;
	oh->window_opened_ns = 0;
}

void overhead_update_loader(struct overhead *oh)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return;
	oh->loader_cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
			   ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	oh->loader_peak_rss_kb = ru.ru_maxrss;
}

void overhead_mark_tracing_start(struct overhead *oh)
{
	overhead_update_loader(oh);
	oh->loader_cpu_at_start = oh->loader_cpu_s;
}

void overhead_close(struct overhead *oh, __u64 now_ns, __u64 traced_syscalls)
{
	overhead_window_close(oh, now_ns, traced_syscalls);
	overhead_update_loader(oh);
}

static void add_family_cost(struct overhead_view *out, const char *family,
			    double ns_per_s)
{
	int i;

	if (!family)
		return;
	for (i = 0; i < out->n_families; i++)
		if (!strcmp(out->families[i].name, family))
			break;
	if (i == out->n_families)
		out->families[out->n_families++].name = family;
	out->families[i].kernel_ns_per_s += ns_per_s;
	out->families[i].cpu_share += ns_per_s / 1e9;
}

void overhead_view(const struct overhead *oh, double elapsed_s,
		   struct overhead_view *out)
{
	double sampled_s = oh->sampled_ns / 1e9;
	__u64 per_syscall_runs = 0;
	int per_syscall_progs = 0;

	memset(out, 0, sizeof(*out));
	out->mode = oh->mode;
	out->reason = oh->reason;
	out->sample_fraction = oh->mode == OVERHEAD_SAMPLED ?
				       oh->sample_fraction : 1.0;
	out->loader_cpu_s = oh->loader_cpu_s;
	out->loader_cpu_share = elapsed_s > 0 ?
		(oh->loader_cpu_s - oh->loader_cpu_at_start) / elapsed_s : 0;
	out->loader_peak_rss_kb = oh->loader_peak_rss_kb;
	if (sampled_s <= 0)
		return;
	out->n_progs = oh->n_progs;
	for (int i = 0; i < oh->n_progs; i++) {
		const struct prog_cost *p = &oh->progs[i];
		struct prog_cost_view *v = &out->progs[i];

		v->name = p->name;
		v->family = p->family;
		v->runs_per_s = p->runs / sampled_s;
		v->avg_ns = p->runs ? (double)p->run_ns / p->runs : 0;
		v->cpu_share = p->run_ns / 1e9 / sampled_s;
		v->est_runs = (__u64)(v->runs_per_s * elapsed_s);
		v->est_run_ns = (__u64)(v->cpu_share * elapsed_s * 1e9);
		out->kernel_ns_per_s += p->run_ns / sampled_s;
		add_family_cost(out, p->family, p->run_ns / sampled_s);
		if (p->per_syscall) {
			per_syscall_runs += p->runs;
			per_syscall_progs++;
		}
	}
	out->kernel_cpu_share = out->kernel_ns_per_s / 1e9;
	/* Each traced syscall runs every per-syscall program once. */
	if (per_syscall_runs) {
		double traced = (double)per_syscall_progs * oh->traced_sampled;
		double other = 1.0 - traced / per_syscall_runs;

		out->other_process_share = other < 0 ? 0 : other;
	}
}

const char *overhead_mode_name(enum overhead_mode mode)
{
	switch (mode) {
	case OVERHEAD_OFF: return "off";
	case OVERHEAD_SAMPLED: return "sampled";
	case OVERHEAD_CONTINUOUS: return "continuous";
	case OVERHEAD_UNAVAILABLE: return "unavailable";
	}
	return "?";
}
