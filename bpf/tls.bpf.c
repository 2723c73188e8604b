// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * OpenSSL's read, write, handshake and shutdown calls of traced processes,
 * at entry: what each thread is doing, for the socket tracepoints that
 * fire inside the call (tls_calls.bpf.h). The loader attaches them to
 * every libssl file traced processes map, for all processes (new
 * mappings of the same file, by dlopen or in children, are covered), and
 * the tgid filter comes first.
 *
 * SSL_read and SSL_read_ex both call one internal function with
 * (ssl, buf, num); the loader attaches there when it finds it, whose
 * first instruction the kernel emulates, rather than at the exported
 * entries, which begin with one it single-steps (a second trap, several
 * µs a call). The same holds for the writes.
 */
#include "common.bpf.h"
#include "tls_calls.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline struct tls_call *call_enter(void *ssl, __u64 buf, __u64 len,
						   enum tls_call_kind kind)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct tls_call *c;

	if (!tgid_is_traced(task->tgid))
		return NULL;
	c = bpf_task_storage_get(&tls_calls, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!c)
		return NULL;
	c->ssl = (__u64)ssl;
	c->buf = buf;
	c->len = len;
	c->kind = kind;
	c->io = 0;
	c->n++;
	return c;
}

/*
 * SSL_read(ssl, buf, int num), SSL_read_ex(ssl, buf, size_t num,
 * size_t *readbytes), and the internal read both call, whose arguments
 * are SSL_read_ex's.
 */
SEC("uprobe")
int BPF_KPROBE(tls_read, void *ssl, void *buf, long num, void *readbytes)
{
	struct tls_call *c = call_enter(ssl, (__u64)buf, (int)num < 0 ? 0 : num, TLS_CALL_READ);

	if (c)
		c->readbytes = (__u64)readbytes;
	return 0;
}

/* The read in progress on this thread, now returning; NULL if none. */
static __always_inline struct tls_call *read_returning(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct tls_call *c;

	if (!tgid_may_be_traced(task->tgid))
		return NULL;
	c = bpf_task_storage_get(&tls_calls, task, NULL, 0);
	if (!c || c->kind != TLS_CALL_READ)
		return NULL;
	c->returns = 1;
	return c;
}

/* The first bytes a read returned, kept for the socket side. */
static __always_inline void read_returned(struct tls_call *c, long bytes)
{
	__u32 n;

	if (bytes <= 0)
		return;
	n = bytes < LATSCOPE_CAPTURE_LEN ? bytes : LATSCOPE_CAPTURE_LEN;
	if (bpf_probe_read_user(c->data, n, (void *)c->buf))
		return;
	c->data_len = n;
	c->data_n = c->n;
}

/* SSL_read_ex and the internal read: 1 on success, the bytes in *readbytes. */
SEC("uretprobe")
int BPF_KRETPROBE(tls_read_ex_return, int ok)
{
	struct tls_call *c = read_returning();
	__u64 bytes = 0;

	if (!c || ok <= 0 || bpf_probe_read_user(&bytes, sizeof(bytes), (void *)c->readbytes))
		return 0;
	read_returned(c, bytes);
	return 0;
}

/* SSL_read: the bytes. */
SEC("uretprobe")
int BPF_KRETPROBE(tls_read_return, int bytes)
{
	struct tls_call *c = read_returning();

	if (c)
		read_returned(c, bytes);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(tls_write, void *ssl, void *buf, long num)
{
	call_enter(ssl, (__u64)buf, (int)num < 0 ? 0 : num, TLS_CALL_WRITE);
	return 0;
}

/* SSL_do_handshake (SSL_accept and SSL_connect call it) */
SEC("uprobe")
int BPF_KPROBE(tls_handshake, void *ssl)
{
	call_enter(ssl, 0, 0, TLS_CALL_HANDSHAKE);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(tls_shutdown, void *ssl)
{
	call_enter(ssl, 0, 0, TLS_CALL_OTHER);
	return 0;
}
