/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The net resource group's part of sock.bpf.c: bytes through IPv4/IPv6
 * sockets, TCP connections opened and closed, connect latency,
 * retransmits and resets, per traced process.
 *
 * Bytes are counted in the sending or receiving task's context. TCP state
 * changes, retransmits and resets mostly happen in softirq context, where
 * the current task means nothing: they are attributed through the socket,
 * whose owner (struct sock_owner, in the socket's storage) is recorded
 * when a traced process connects, listens, or moves data through it.
 * Accepted connections inherit the owner of the listening port, if the
 * traced process called listen() while traced.
 *
 * These helpers work on a socket's sock_owner; sock.bpf.c finds, creates
 * and frees the storage that holds it.
 */
#ifndef LATSCOPE_SOCK_NET_BPF_H
#define LATSCOPE_SOCK_NET_BPF_H

#include "common.bpf.h"
#include "lat_stats.bpf.h"
#include "resources.bpf.h"

enum owner_flags {
	OWNER_ACTIVE = 1,	 /* we connected */
	OWNER_PASSIVE = 2,	 /* accepted on a traced listener */
	OWNER_OPEN = 4,		 /* reached ESTABLISHED while traced */
	OWNER_LOCAL_CLOSE = 8,	 /* we sent the first FIN */
	OWNER_REMOTE_CLOSE = 16, /* the peer did */
};

/* Listening ports of traced processes: port -> tgid. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} listen_ports SEC(".maps");

static const struct net_counts net_zero;
TGID_COUNTS_MAP(net_counts, struct net_counts);
TGID_LAT_MAP(connect_stats);

static __always_inline struct net_counts *net_counts_of(__u32 tgid)
{
	return counts_of(&net_counts, tgid, &net_zero);
}

static __always_inline bool net_owner_known(const struct sock_owner *o)
{
	return o->tgid != 0;
}

static __always_inline void net_set_owner(struct sock_owner *o, __u32 tgid, __u32 flags,
					  __u64 connect_ns)
{
	o->tgid = tgid;
	o->flags = flags;
	o->connect_ns = connect_ns;
}

/*
 * Counts @bytes moved by traced task @tgid. Returns whether the socket
 * should get @tgid as its owner: a TCP socket nobody owns yet.
 */
static __always_inline bool net_count_io(const struct sock_owner *o, bool tcp, __u32 tgid,
					 int bytes, bool sent)
{
	struct net_counts *c = net_counts_of(tgid);

	if (!c)
		return false;
	if (sent) {
		c->bytes_sent += bytes;
		c->sends++;
	} else {
		c->bytes_received += bytes;
		c->receives++;
	}
	return tcp && !(o && net_owner_known(o));
}

/* listen() runs in the traced task: later children of the port are its. */
static __always_inline void net_listening(const struct sock *sk, __u32 tgid)
{
	__u32 port = sk->__sk_common.skc_num;

	bpf_map_update_elem(&listen_ports, &port, &tgid, BPF_ANY);
}

/* The traced tgid that listens on @sk's port, or 0. */
static __always_inline __u32 net_listener_of(const struct sock *sk)
{
	__u32 port = sk->__sk_common.skc_num;
	__u32 *tgid = bpf_map_lookup_elem(&listen_ports, &port);

	return tgid ? *tgid : 0;
}

static __always_inline void net_stopped_listening(const struct sock *sk)
{
	__u32 port = sk->__sk_common.skc_num;

	bpf_map_delete_elem(&listen_ports, &port);
}

static __always_inline void net_established(struct sock_owner *o, struct net_counts *c,
					    int oldstate)
{
	o->flags |= OWNER_OPEN;
	if (oldstate == TCP_SYN_SENT) {
		c->active_opens++;
		if (o->connect_ns)
			lat_stats_add(&connect_stats, o->tgid, bpf_ktime_get_ns() - o->connect_ns,
				      false);
	} else if (oldstate == TCP_SYN_RECV) {
		c->passive_opens++;
	}
}

static __always_inline void net_closed(const struct sock_owner *o, struct net_counts *c,
				       int oldstate)
{
	if (oldstate == TCP_SYN_SENT) {
		c->connect_failures++;
		if (o->connect_ns)
			lat_stats_add(&connect_stats, o->tgid, bpf_ktime_get_ns() - o->connect_ns,
				      true);
	} else if (o->flags & OWNER_LOCAL_CLOSE) {
		c->local_closes++;
	} else if (o->flags & OWNER_REMOTE_CLOSE) {
		c->remote_closes++;
	} else if (o->flags & OWNER_OPEN || oldstate == TCP_ESTABLISHED) {
		c->aborts++;
	}
}

/*
 * A state change of an owned connection, other than its opening. The
 * caller frees the storage after a change to CLOSE.
 */
static __always_inline void net_state_change(struct sock_owner *o, int oldstate, int newstate)
{
	struct net_counts *c = net_counts_of(o->tgid);

	if (!c)
		return;
	if (newstate == TCP_ESTABLISHED)
		net_established(o, c, oldstate);
	else if (newstate == TCP_FIN_WAIT1 && !(o->flags & OWNER_REMOTE_CLOSE))
		o->flags |= OWNER_LOCAL_CLOSE;
	else if (newstate == TCP_CLOSE_WAIT && !(o->flags & OWNER_LOCAL_CLOSE))
		o->flags |= OWNER_REMOTE_CLOSE;
	else if (newstate == TCP_CLOSE)
		net_closed(o, c, oldstate);
}

#endif /* LATSCOPE_SOCK_NET_BPF_H */
