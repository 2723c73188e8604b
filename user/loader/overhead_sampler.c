// Sampling BPF run-time statistics, and the loader's own CPU and memory.
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "loader/overhead_sampler.h"

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

void overhead_window_open(struct overhead *oh, __u64 now_ns, __u64 traced_syscalls)
{
	if (oh->mode != OVERHEAD_SAMPLED && oh->mode != OVERHEAD_CONTINUOUS)
		return;
	if (overhead_window_is_open(oh))
		return;
	if (oh->mode == OVERHEAD_SAMPLED) {
		oh->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (oh->stats_fd < 0) {
			oh->mode = OVERHEAD_UNAVAILABLE;
			snprintf(oh->reason, sizeof(oh->reason), "bpf_enable_stats: %s",
				 strerror(errno));
			return;
		}
	}
	for (int i = 0; i < oh->n_progs; i++) {
		struct prog_cost *p = &oh->progs[i];

		read_prog_stats(p->fd, &p->runs_at_open, &p->ns_at_open);
		p->off_at_open = off_time_total(&p->detached, now_ns);
	}
	oh->window_opened_ns = now_ns;
	oh->traced_at_open = traced_syscalls;
}

void overhead_window_close(struct overhead *oh, __u64 now_ns, __u64 traced_syscalls)
{
	__u64 window = now_ns - oh->window_opened_ns, per_syscall_runs = 0;
	bool syscalls_attached = true;

	if (!overhead_window_is_open(oh))
		return;
	/* Read before disabling so the window's last runs are counted. */
	for (int i = 0; i < oh->n_progs; i++) {
		struct prog_cost *p = &oh->progs[i];
		__u64 runs, ns, off = off_time_total(&p->detached, now_ns) - p->off_at_open;

		if (read_prog_stats(p->fd, &runs, &ns))
			continue;
		p->runs += runs - p->runs_at_open;
		p->run_ns += ns - p->ns_at_open;
		p->win_run_ns = ns - p->ns_at_open;
		p->win_on_ns = off < window ? window - off : 0;
		p->sampled_on_ns += p->win_on_ns;
		if (p->per_syscall) {
			per_syscall_runs += runs - p->runs_at_open;
			syscalls_attached &= !off;
		}
	}
	/* A shed window's runs and traced calls would not match: left out. */
	oh->windows++;
	if (syscalls_attached) {
		oh->filter_windows++;
		oh->filter_runs += per_syscall_runs;
		oh->traced_sampled += traced_syscalls - oh->traced_at_open;
	}
	if (oh->stats_fd >= 0) {
		close(oh->stats_fd);
		oh->stats_fd = -1;
	}
	oh->sampled_ns += window;
	oh->window_opened_ns = 0;
}

void overhead_update_loader(struct overhead *oh)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return;
	oh->loader_cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
			   ru.ru_stime.tv_usec / 1e6;
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
