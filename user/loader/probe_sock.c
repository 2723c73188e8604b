/*
 * Probe family "sock": request tracking (--no-requests) and the net
 * resource group (--no-net), one BPF object with one program per socket
 * tracepoint (bpf/sock.bpf.c). Its cost is one figure: a fused program's
 * run time cannot be split between the two honestly.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "model/model.h"
#include "loader/probe.h"
#include "loader/tls_attach.h"
#include "sock.skel.h"

struct sock_probe {
	struct sock_bpf *skel;
	bool requests, net, tls;
	struct tls_probe *tls_probe; /* OpenSSL uprobes (requests over TLS) */
	const struct probe_ctx *ctx;
	struct lat_stats *lat; /* lookup buffers: one value per CPU */
	struct req_group_counts *counts;
	struct req_endpoint_stats *endpoint;
	struct sock_state *flush_buf; /* sock_finish() */
};

static bool net_wanted(const struct trace_opts *opts)
{
	return probe_resource_wanted(opts, "net");
}

static void sock_off(struct trace_opts *opts)
{
	opts->requests = false;
	probe_resource_off(opts, "net");
}

static bool sock_wanted(const struct trace_opts *opts)
{
	return opts->requests || net_wanted(opts);
}

/* As many groups as LATSCOPE_REQ_STATS_BUDGET holds, at least 16. */
static __u32 max_groups(int n_cpus)
{
	__u64 per_group = (__u64)sizeof(struct lat_stats) * n_cpus;
	__u64 n = LATSCOPE_REQ_STATS_BUDGET / per_group;

	if (n > LATSCOPE_MAX_REQ_GROUPS)
		n = LATSCOPE_MAX_REQ_GROUPS;
	return n < 16 ? 16 : n;
}

/*
 * Kernel-counted endpoints: as many as a quarter of the groups' budget
 * holds (their histograms are preallocated too), at least 16.
 */
static __u32 max_endpoints(int n_cpus)
{
	__u64 n =
		LATSCOPE_REQ_STATS_BUDGET / 4 / ((__u64)sizeof(struct req_endpoint_stats) * n_cpus);

	if (n > LATSCOPE_MAX_KERNEL_ENDPOINTS)
		n = LATSCOPE_MAX_KERNEL_ENDPOINTS;
	return n < 16 ? 16 : n;
}

/*
 * Records per CPU between forced wake-ups of the loader: all CPUs together
 * then fill at most a quarter of the ring buffer before one.
 */
static __u32 wakeup_every(__u32 ring_bytes, int n_cpus)
{
	__u64 n = ring_bytes / 4 / sizeof(struct request_rec) / n_cpus;

	return n ? n : 1;
}

/*
 * Request groups: as many as the histogram budget allows, or, with
 * request tracking off, one slot each, so that no histogram array is
 * preallocated for nothing.
 */
static int size_request_maps(struct sock_probe *p, const struct probe_ctx *ctx)
{
	struct sock_bpf *skel = p->skel;
	__u32 groups = p->requests ? max_groups(ctx->n_cpus) : 1;
	bool in_kernel = p->requests && ctx->opts->requests_model;
	int err;

	skel->rodata->max_groups = groups;
	skel->rodata->kernel_endpoints = in_kernel;
	skel->rodata->req_slow_ns = ctx->opts->slow_ns;
	skel->rodata->wakeup_every = wakeup_every(ctx->opts->ringbuf_bytes, ctx->n_cpus);
	err = bpf_map__set_max_entries(skel->maps.req_stats, groups);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.req_counts, groups);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.tls_handshakes, p->tls ? groups : 1);
	if (!err && !p->requests)
		err = bpf_map__set_max_entries(skel->maps.req_groups, groups);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.endpoint_stats,
					       in_kernel ? max_endpoints(ctx->n_cpus) : 1);
	if (!err && !in_kernel)
		err = bpf_map__set_max_entries(skel->maps.req_keys, 1);
	return err;
}

/* The model named @key's request bytes for kernel endpoint @id. */
static int file_key(void *ctx, const struct req_key *key, __u32 id)
{
	struct sock_probe *p = ctx;
	int err = bpf_map__update_elem(p->skel->maps.req_keys, key, sizeof(*key), &id, sizeof(id),
				       BPF_NOEXIST);

	if (!err)
		p->skel->bss->keys_known = true;
	return err;
}

static int sock_load(struct probe_ctx *ctx, void **state)
{
	struct sock_probe *p = calloc(1, sizeof(*p));
	struct sock_bpf *skel;
	int err;

	if (!p)
		return -ENOMEM;
	*state = p;
	p->ctx = ctx;
	p->requests = ctx->opts->requests;
	p->net = net_wanted(ctx->opts);
	if (p->requests) {
		p->lat = calloc(ctx->n_cpus, sizeof(*p->lat));
		p->counts = calloc(ctx->n_cpus, sizeof(*p->counts));
		p->endpoint = calloc(ctx->n_cpus, sizeof(*p->endpoint));
		if (!p->lat || !p->counts || !p->endpoint)
			return -ENOMEM;
	}
	p->skel = skel = sock_bpf__open();
	if (!skel)
		return -errno;
	skel->rodata->track_requests = p->requests;
	skel->rodata->count_net = p->net;
	p->tls = p->requests && ctx->opts->tls;
	skel->rodata->track_tls = p->tls;
	if (!p->net) {
		bpf_program__set_autoload(skel->progs.net_retransmit, false);
		bpf_program__set_autoload(skel->progs.net_send_reset, false);
		bpf_program__set_autoload(skel->progs.net_receive_reset, false);
	}
	err = size_request_maps(p, ctx);
	if (!err)
		err = probe_share_common_maps(ctx, PROBE_COMMON_MAPS(skel));
	if (!err)
		err = sock_bpf__load(skel);
	/* With --no-tls, the probe only notes OpenSSL as not decoded. */
	if (!err && p->requests)
		err = tls_probe_load(ctx, p->tls ? skel->maps.tls_calls : NULL, &p->tls_probe);
	if (!err && skel->rodata->kernel_endpoints)
		err = requests_count_in_kernel(ctx->opts->requests_model,
					       bpf_map__max_entries(skel->maps.endpoint_stats),
					       file_key, p);
	return err;
}

static int sock_attach(void *state)
{
	struct sock_probe *p = state;
	int err = sock_bpf__attach(p->skel);

	return err ? err : tls_probe_scan(p->tls_probe, p->ctx, NULL);
}

static int sock_register_costs(void *state, struct overhead *oh)
{
	struct sock_probe *p = state;

	int err = probe_register_object(oh, p->skel->obj, false);

	return err ? err : tls_probe_register_costs(p->tls_probe, oh);
}

/* Sums group @id's per-CPU values; a group with no sample yet reads as 0. */
static void read_group(struct sock_probe *p, int n_cpus, __u32 id, struct lat_stats *lat,
		       struct req_group_counts *counts)
{
	struct sock_bpf *skel = p->skel;

	memset(lat, 0, sizeof(*lat));
	memset(counts, 0, sizeof(*counts));
	if (!bpf_map__lookup_elem(skel->maps.req_stats, &id, sizeof(id), p->lat,
				  n_cpus * sizeof(*p->lat), 0))
		for (int cpu = 0; cpu < n_cpus; cpu++)
			lat_stats_merge(lat, &p->lat[cpu]);
	if (bpf_map__lookup_elem(skel->maps.req_counts, &id, sizeof(id), p->counts,
				 n_cpus * sizeof(*p->counts), 0))
		return;
	for (int cpu = 0; cpu < n_cpus; cpu++) {
		const struct req_group_counts *c = &p->counts[cpu];

		counts->aborted += c->aborted;
		counts->bytes_in += c->bytes_in;
		counts->bytes_out += c->bytes_out;
		for (int i = 0; i < LATSCOPE_STATUS_CLASSES; i++)
			counts->status[i] += c->status[i];
	}
}

/* Group @id's TLS handshakes, summed over CPUs; -errno when unreadable. */
static int read_handshakes(struct sock_probe *p, int n_cpus, __u32 id, struct lat_stats *lat)
{
	memset(lat, 0, sizeof(*lat));
	if (bpf_map__lookup_elem(p->skel->maps.tls_handshakes, &id, sizeof(id), p->lat,
				 n_cpus * sizeof(*p->lat), 0))
		return -errno;
	for (int cpu = 0; cpu < n_cpus; cpu++)
		lat_stats_merge(lat, &p->lat[cpu]);
	return 0;
}

/* The kernel-counted endpoints' figures, summed over CPUs, into their rows. */
static void collect_endpoints(struct sock_probe *p, int n_cpus, struct model *model)
{
	__u32 n = requests_kernel_ids(model->requests);
	struct req_endpoint_stats sum;

	for (__u32 id = 0; id < n; id++) {
		if (bpf_map__lookup_elem(p->skel->maps.endpoint_stats, &id, sizeof(id), p->endpoint,
					 n_cpus * sizeof(*p->endpoint), 0))
			continue;
		memset(&sum, 0, sizeof(sum));
		for (int cpu = 0; cpu < n_cpus; cpu++) {
			const struct req_group_counts *c = &p->endpoint[cpu].counts;

			lat_stats_merge(&sum.lat, &p->endpoint[cpu].lat);
			sum.counts.bytes_in += c->bytes_in;
			sum.counts.bytes_out += c->bytes_out;
			for (int i = 0; i < LATSCOPE_STATUS_CLASSES; i++)
				sum.counts.status[i] += c->status[i];
		}
		requests_set_endpoint(model->requests, id, &sum);
	}
}

static int collect_requests(struct sock_probe *p, int n_cpus, struct model *model)
{
	struct bpf_map *groups = p->skel->maps.req_groups;
	struct req_group_key key, next, *prev = NULL;
	struct req_group_counts counts;
	struct lat_stats lat;
	__u32 id;
	int err;

	/*
	 * Endpoints before groups: a request counted in between is then in
	 * its group and not yet in a row, never the other way round.
	 */
	collect_endpoints(p, n_cpus, model);
	/* Values are cumulative and never deleted: read, don't drain. */
	while (!bpf_map__get_next_key(groups, prev, &next, sizeof(next))) {
		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(groups, &key, sizeof(key), &id, sizeof(id), 0))
			continue;
		read_group(p, n_cpus, id, &lat, &counts);
		err = requests_set_group(model->requests, id, &key, &lat, &counts);
		if (!err && p->tls && !read_handshakes(p, n_cpus, id, &lat))
			err = requests_set_handshakes(model->requests, id, &lat);
		if (err && err != -ERANGE)
			return err;
	}
	return 0;
}

static int collect_net(struct sock_probe *p, int n_cpus, struct model *model)
{
	int err;

	err = probe_collect_counts(p->skel->maps.net_counts, n_cpus, model, "net");
	if (!err)
		err = probe_collect_hists(p->skel->maps.connect_stats, n_cpus, model, "net", 0);
	return err;
}

static int sock_collect(void *state, const struct probe_ctx *ctx, struct model *model)
{
	struct sock_probe *p = state;
	int err = 0;

	if (p->requests)
		err = tls_probe_scan(p->tls_probe, ctx, model);
	if (!err && p->requests)
		err = collect_requests(p, ctx->n_cpus, model);
	if (!err && p->net)
		err = collect_net(p, ctx->n_cpus, model);
	return err;
}

/*
 * A client's reply read through SSL_read, whose plaintext the kernel
 * copies only at the connection's next event: copied from the target.
 */
static void copy_tls_read(struct sock_state *st, pid_t tgid)
{
	struct request_rec *rec = &st->conn.rec;
	size_t room = LATSCOPE_RESP_CAPTURE_LEN - rec->resp_len;
	struct iovec local = { st->conn.resp + rec->resp_len, room };
	struct iovec remote = { (void *)(uintptr_t)st->tls.rbuf, room };
	ssize_t n;

	if (st->tls.state != TLS_OPENSSL || !st->tls.rbuf || rec->role != REQ_ROLE_CLIENT)
		return;
	if (remote.iov_len > st->tls.rlen)
		remote.iov_len = local.iov_len = st->tls.rlen;
	n = process_vm_readv(tgid, &local, 1, &remote, 1, 0);
	if (n > 0)
		rec->resp_len += n;
}

/*
 * The request on @fd (a socket of the target, duplicated into latscope),
 * when it was answered and waits only for a turn-around or a close that
 * the end of the trace will not see: counted in the model as the kernel
 * would have counted it.
 */
static void flush_socket(struct sock_probe *p, pid_t tgid, int fd, struct model *model)
{
	struct sock_state *st = p->flush_buf;
	struct request_rec *rec = &st->conn.rec;

	if (bpf_map__lookup_elem(p->skel->maps.socks, &fd, sizeof(fd), st, sizeof(*st), 0) ||
	    !st->conn.owner || st->conn.phase != PHASE_ANSWER)
		return;
	if (rec->req_len > LATSCOPE_CAPTURE_LEN)
		rec->req_len = LATSCOPE_CAPTURE_LEN;
	if (rec->resp_len > LATSCOPE_RESP_CAPTURE_LEN)
		rec->resp_len = LATSCOPE_RESP_CAPTURE_LEN;
	copy_tls_read(st, tgid);
	/* As the kernel sends it: the answer's bytes after the request's. */
	memcpy(rec->data + rec->req_len, st->conn.resp, rec->resp_len);
	rec->hdr.tgid = st->conn.owner;
	rec->hdr.tid = 0;
	rec->outcome = REQ_DONE;
	rec->flags = REQ_F_FLUSHED | (rec->flags & REQ_F_TLS);
	rec->duration_ns = st->conn.last_ns - rec->hdr.ts_ns;
	requests_add_flushed(model->requests, rec);
}

/* Every socket @tgid holds open, through pidfd_getfd(2) (Linux 5.6+). */
static void flush_process(struct sock_probe *p, pid_t tgid, struct model *model)
{
	char dir[32], link[64], target[64];
	int pidfd = syscall(SYS_pidfd_open, tgid, 0);
	struct dirent *d;
	DIR *fds;

	if (pidfd < 0)
		return;
	snprintf(dir, sizeof(dir), "/proc/%d/fd", tgid);
	fds = opendir(dir);
	while (fds && (d = readdir(fds))) {
		ssize_t n;
		int fd;

		snprintf(link, sizeof(link), "/proc/%d/fd/%.16s", tgid, d->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0 || strncmp(target, "socket:", 7))
			continue;
		fd = syscall(SYS_pidfd_getfd, pidfd, atoi(d->d_name), 0);
		if (fd < 0)
			continue;
		flush_socket(p, tgid, fd, model);
		close(fd);
	}
	if (fds)
		closedir(fds);
	close(pidfd);
}

/*
 * The trace ends: a request answered on a keep-alive connection that
 * stays open is complete, but only its connection's next request or its
 * close would end it in the kernel. Its state is read through the socket
 * (socket storage answers lookups by fd) in every target still running.
 */
static int sock_finish(void *state, const struct probe_ctx *ctx, struct model *model)
{
	struct sock_probe *p = state;

	if (!p->requests)
		return 0;
	if (!p->flush_buf && !(p->flush_buf = calloc(1, sizeof(struct sock_state))))
		return -ENOMEM;
	for (int i = 0; i < ctx->n_tgids; i++)
		flush_process(p, ctx->tgids[i], model);
	return 0;
}

static void sock_destroy(void *state)
{
	struct sock_probe *p = state;

	if (!p)
		return;
	tls_probe_free(p->tls_probe);
	sock_bpf__destroy(p->skel);
	free(p->lat);
	free(p->counts);
	free(p->endpoint);
	free(p->flush_buf);
	free(p);
}

static const struct tracepoint_need sock_needs[] = {
	{ .name = "sock_send_length", .since = "Linux 6.3+" },
	{ .name = "sock_recv_length", .since = "Linux 6.3+" },
	{ .name = "inet_sock_set_state" },
	{ .name = "tcp_retransmit_skb" },
	{ .name = "tcp_send_reset" },
	{ .name = "tcp_receive_reset" },
	{ .name = NULL },
};

const struct probe_family probe_sock = {
	.name = "sock",
	.needs = sock_needs,
	.provides = "request and network tracking",
	.wanted = sock_wanted,
	.turn_off = sock_off,
	.load = sock_load,
	.attach = sock_attach,
	.register_costs = sock_register_costs,
	.collect = sock_collect,
	.finish = sock_finish,
	.destroy = sock_destroy,
};
