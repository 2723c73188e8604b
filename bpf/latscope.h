/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The ABI between latscope's BPF programs and its loader: every map key,
 * map value and ring-buffer record both sides touch is declared here, once.
 *
 * It includes nothing kernel-specific so that it compiles under vmlinux.h
 * (BPF side) and under <linux/types.h> (user side).
 */
#ifndef LATSCOPE_H
#define LATSCOPE_H

#include "hist.h"

#define LATSCOPE_COMM_LEN 16
#define LATSCOPE_PATH_LEN 128

/* Syscall numbers above this are not tracked (x86_64 tops out near 470). */
#define LATSCOPE_MAX_SYSCALLS 512
/* Distinct syscalls with a histogram (~9.5 KB per CPU each). */
#define LATSCOPE_SYSCALL_SLOTS 64
/* Distinct (syscall, errno) pairs remembered for "top errnos". */
#define LATSCOPE_MAX_ERRNO_KEYS 1024
/* Processes (tgids) traced at once, including children followed on fork. */
#define LATSCOPE_MAX_TGIDS 4096
/* Functions traced with uprobes at once (ids 0..MAX-1, the BPF cookie). */
#define LATSCOPE_MAX_FUNCS 1024
/* Nested traced calls remembered per thread; deeper ones are counted only. */
#define LATSCOPE_FUNC_DEPTH 32
/* Bits in the traced-tgid prefilter (see tgid_may_be_traced()). */
#define LATSCOPE_TGID_FILTER_BITS 4096

/*
 * A bitmap over tgid % LATSCOPE_TGID_FILTER_BITS: a clear bit proves a
 * process is not traced, a set bit sends it on to the exact hash lookup.
 * Bits are only ever set (a collision makes clearing unsafe).
 */
struct tgid_filter {
	__u64 words[LATSCOPE_TGID_FILTER_BITS / 64];
};

/* Latency of one kind of call, accumulated per CPU, never reset. */
struct lat_stats {
	__u64 count;
	__u64 errors;
	__u64 total_ns;
	__u64 min_ns; /* 0 until the first sample on this CPU */
	__u64 max_ns;
	__u64 buckets[HIST_BUCKETS];
};

/*
 * A thread's syscall in flight (task storage, syscalls.bpf.c). User space
 * reads it through a pidfd to say how long a call not yet returned has run.
 */
struct syscall_entry {
	__u64 start_ns; /* 0: no syscall in flight that we saw enter */
	__u64 arg0;
	__u32 nr;
	__u32 pad;
};

struct syscall_errno_key {
	__u32 nr;
	__u32 err; /* positive errno */
};

/*
 * Resource groups (sched, faults, block, net): per-tgid counters, summed
 * over CPUs by the loader. Every field is a __u64 so that user space can
 * difference two readings field by field.
 */
#define LATSCOPE_MAX_REQUESTS 4096 /* block requests in flight, traced */
/*
 * Processes with resource histograms (off-CPU, run queue, block, connect).
 * A per-CPU histogram is ~9.5 KB per CPU: 256 processes on 64 CPUs would
 * be 150 MB per map. Beyond this, samples count in HEALTH_STATS_FULL.
 */
#define LATSCOPE_MAX_HIST_TGIDS 256

struct sched_counts {
	__u64 on_cpu_ns;   /* summed when each on-CPU slice ends */
	__u64 voluntary;   /* switched out blocked (sleep, I/O, lock) */
	__u64 involuntary; /* switched out still runnable (preempted) */
};

struct fault_counts {
	__u64 user;   /* taken in user mode */
	__u64 kernel; /* taken in kernel mode (e.g. copy_to_user) */
};

struct block_counts {
	__u64 reads, writes, others; /* others: flush, discard, ... */
	__u64 read_bytes, write_bytes;
	__u64 errors;
};

struct net_counts {
	__u64 bytes_sent, bytes_received;  /* IPv4/IPv6 sockets */
	__u64 sends, receives;		   /* calls that moved bytes */
	__u64 active_opens, passive_opens; /* connect() / accepted */
	__u64 local_closes, remote_closes; /* who sent the first FIN */
	__u64 aborts;			   /* established, closed without FIN */
	__u64 connect_failures;
	__u64 retransmits, resets_sent, resets_received;
};

/* Counters the kernel keeps about itself; indices into the `health` map. */
enum health_counter {
	HEALTH_RINGBUF_DROPS,	    /* records lost because the ring buffer was full */
	HEALTH_TGIDS_FULL,	    /* children not followed: traced_tgids was full */
	HEALTH_STATS_FULL,	    /* samples lost: a stats map was full */
	HEALTH_FUNC_TOO_DEEP,	    /* traced calls nested deeper than FUNC_DEPTH */
	HEALTH_FUNC_UNPAIRED,	    /* a return not matching the entry on top */
	HEALTH_TASK_STORAGE_MISSED, /* events lost: task storage not created */
	HEALTH_COUNTERS,
};

/* Every ring-buffer record starts with its type, retsnoop-style. */
enum rec_type {
	REC_SYSCALL_SLOW = 1,
	REC_PROC_FORK,
	REC_PROC_EXEC,
	REC_PROC_EXIT,
	REC_REQUEST,
	REC_PROC_JOIN, /* a process moved into the target cgroup */
};

struct rec_header {
	__u32 type; /* enum rec_type */
	__u32 tgid;
	__u32 tid;
	__u32 pad;
	__u64 ts_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
};

struct syscall_slow_rec {
	struct rec_header hdr;
	__u32 nr;
	__u32 pad;
	__u64 arg0;
	__s64 ret;
	__u64 duration_ns;
};

struct proc_rec {
	struct rec_header hdr;
	__u32 child_tgid; /* fork: the new process */
	__s32 exit_code;  /* exit: as wait(2) encodes it */
	char comm[LATSCOPE_COMM_LEN];
	char filename[LATSCOPE_PATH_LEN]; /* exec only */
};

/*
 * Request tracking (sock_requests.bpf.h). A connection's role decides what a
 * "request" is: a server reads a request and writes its response; a client
 * writes a call and reads its reply.
 */
/*
 * Bytes kept of a request (call) in flight, from its first byte on, over
 * every read of it: enough for 16 pipelined Redis commands of a few keys
 * (~45 bytes each), 8 pipelined HTTP GETs, a JSON-RPC message's method or
 * a PostgreSQL statement's first 1000 characters. User space splits them
 * into messages (user/protocols/); the kernel never parses them.
 */
#define LATSCOPE_CAPTURE_LEN 1024
/*
 * First bytes kept of a response (reply), over every write of it: a
 * status line (13 bytes), a JSON-RPC reply's "error" key, or the replies
 * to a pipelined batch of small Redis commands. Every byte of it goes
 * into each record (it sits before the request bytes), so it is kept
 * small.
 */
#define LATSCOPE_RESP_CAPTURE_LEN 256
/*
 * Listening ports + peers tracked: each costs a ~9.5 KB histogram per CPU,
 * preallocated, so the loader lowers this on machines with many CPUs.
 */
#define LATSCOPE_MAX_REQ_GROUPS	  256
#define LATSCOPE_REQ_STATS_BUDGET (64U << 20) /* bytes, over all CPUs */

enum req_role {
	REQ_ROLE_SERVER = 1, /* accepted, or first operation was a read */
	REQ_ROLE_CLIENT = 2, /* connect()ed, or first operation was a write */
};

enum req_outcome {
	REQ_DONE = 1,	 /* the response (reply) was seen */
	REQ_ABORTED = 2, /* the connection closed before any response */
};

/* How an exchange's record came to be sent (request_rec.flags). */
enum req_flags {
	REQ_F_CLOSED = 1,  /* the connection closed (or reset): its last record */
	REQ_F_FLUSHED = 2, /* answered, sent when the trace ended */
	REQ_F_TLS = 4,	   /* bytes are TLS plaintext, read through OpenSSL */
};

/* HTTP status classes counted in the kernel; 0 is "no HTTP status line". */
#define LATSCOPE_STATUS_CLASSES 6

/*
 * A request group: a server's local port, or a client's peer. Addresses
 * are IPv6; IPv4 is stored v4-mapped (::ffff:a.b.c.d).
 */
struct req_group_key {
	__u16 role; /* enum req_role */
	__u16 port; /* server: local port; client: peer port (host order) */
	__u32 pad;
	__u8 addr[16]; /* client: peer address; server: zero */
};

/* Exact per-group counters beside the group's lat_stats, per CPU. */
struct req_group_counts {
	__u64 aborted;
	__u64 bytes_in;	 /* server: request bytes; client: reply bytes */
	__u64 bytes_out; /* server: response bytes; client: call bytes */
	__u64 status[LATSCOPE_STATUS_CLASSES];
};

/*
 * Requests the kernel counts without a record (sock_requests.bpf.h): once
 * user space has named an exchange whose request bytes were captured
 * whole (at most LATSCOPE_REQ_KEY_LEN of them) as one HTTP request
 * answered with a final status line, it files those bytes' key in the
 * req_keys map with its endpoint's id. A later request of the same group
 * with the same bytes (req_key_hash(), bpf/req_key.h), answered with a
 * 2xx-5xx status line, faster than --slow, on a connection that stays
 * open, is counted in that endpoint's req_endpoint_stats, and only its
 * status line is copied. Everything else still goes up as a record.
 */
#define LATSCOPE_REQ_KEY_LEN	      512
#define LATSCOPE_MAX_REQ_KEYS	      4096
#define LATSCOPE_MAX_KERNEL_ENDPOINTS 256
/* Answer bytes kept once the endpoint is known: "HTTP/1.1 200 " and more. */
#define LATSCOPE_STATUS_CAPTURE_LEN 16

struct req_key {
	__u32 group;
	__u32 len; /* request bytes, all captured */
	__u64 hash;
};

/* One endpoint's requests counted in the kernel, per CPU. */
struct req_endpoint_stats {
	struct lat_stats lat;
	struct req_group_counts counts; /* aborted unused: only answered ones */
};

/*
 * One finished (or aborted) request, with the first bytes of each side.
 * Records are variable-sized: data holds req_len bytes of the request,
 * then resp_len bytes of its answer, and the record ends there
 * (request_rec_size()), so a short request and answer cost a short record.
 */
struct request_rec {
	struct rec_header hdr; /* ts_ns: first byte of the request */
	__u32 group;	       /* id in the req_groups map */
	__u16 role;	       /* enum req_role */
	__u16 outcome;	       /* enum req_outcome */
	__u16 local_port, peer_port;
	__u8 peer_addr[16];
	__u64 duration_ns;
	__u64 bytes_in, bytes_out;
	__u16 req_len, resp_len; /* bytes captured (<= LATSCOPE_CAPTURE_LEN) */
	__u16 status_class;	 /* the HTTP status class the kernel counted */
	__u16 flags;		 /* REQ_F_* */
	__u32 conn_id;		 /* the connection, unique for the trace (from 1) */
	__u32 seq;		 /* this exchange's number on it (from 0) */
	/* Server: request, response; client: call, reply. */
	char data[LATSCOPE_CAPTURE_LEN + LATSCOPE_RESP_CAPTURE_LEN];
};

/* The bytes a record with @req_len and @resp_len bytes captured takes. */
#define request_rec_size(req_len, resp_len) \
	(__builtin_offsetof(struct request_rec, data) + (req_len) + (resp_len))

enum conn_phase {
	PHASE_IDLE,   /* nothing in flight */
	PHASE_ASK,    /* server: reading a request; client: writing a call */
	PHASE_ANSWER, /* server: writing a response; client: reading a reply */
};

/*
 * A connection's request state. The record of the request in flight is
 * built in place (ports, group, first bytes of each side, byte counts)
 * and sent as it is when the request ends: one copy, done by the kernel.
 */
struct req_conn {
	/*
	 * rec.hdr.ts_ns: first byte of the request; rec.data: the request
	 * bytes (the answer's are appended when the record is sent).
	 */
	struct request_rec rec;
	char resp[LATSCOPE_RESP_CAPTURE_LEN]; /* the answer's first bytes */
	/*
	 * Room after rec.data and resp for the verifier: a copy at an
	 * offset below CAP of at most CAP bytes provably stays inside.
	 */
	char slack[LATSCOPE_CAPTURE_LEN];
	__u64 last_ns; /* last byte of the answer so far */
	/*
	 * The traced tgid that made it: its I/O needs no hash lookup. 0: no
	 * connection tracked (tgid 0 is the idle task, never traced).
	 */
	__u32 owner;
	__u16 phase; /* enum conn_phase */
	__u16 pad;
	/*
	 * The request in flight's kernel endpoint id + 1, found when its
	 * answer began; 0: none (the request goes up as a record).
	 */
	__u32 endpoint;
	/*
	 * The last request bytes found in req_keys on this connection, and
	 * their endpoint: a client that repeats itself skips the lookup.
	 */
	__u32 known_endpoint; /* id + 1; 0: none */
	__u32 known_len;
	__u64 known_hash;
};

/* Whom a socket's TCP events count for (the net group). */
struct sock_owner {
	/* 0: not recorded (tgid 0 is the idle task, never traced) */
	__u32 tgid;
	__u32 flags;	  /* enum owner_flags (sock_net.bpf.h) */
	__u64 connect_ns; /* SYN_SENT at */
};

enum tls_state {
	TLS_UNDECIDED, /* no byte moved yet */
	TLS_PLAIN,     /* clear text, or TLS through a library not probed */
	TLS_OPENSSL,   /* TLS through OpenSSL calls the uprobes see */
};

/*
 * A connection's TLS state (sock_tls.bpf.h). SSL_read's plaintext exists
 * only once the call returns, and no uretprobe is attached: its buffer is
 * kept here and copied at the connection's next event.
 */
struct tls_conn {
	__u64 ssl;	/* the connection's SSL *, when TLS_OPENSSL */
	__u64 rbuf;	/* a read's plaintext buffer still to copy; 0: none */
	__u64 rcall;	/* the call that reads into it (tid << 32 | call number) */
	__u64 hs_start; /* first and last byte of the handshake */
	__u64 hs_last;
	__u32 rlen; /* bytes of rbuf to copy at most */
	__u8 state; /* enum tls_state */
	__u8 hs;    /* a handshake timed and not yet counted */
	__u16 pad;
};

/*
 * A socket's storage (sock.bpf.c): what each part keeps. The loader reads
 * it through a socket fd when the trace ends, to count a request already
 * answered on a connection that stays open.
 */
struct sock_state {
	struct sock_owner owner; /* net: whom TCP events count for */
	struct req_conn conn;	 /* requests: the request in flight */
	struct tls_conn tls;	 /* requests over TLS */
};

#endif /* LATSCOPE_H */
