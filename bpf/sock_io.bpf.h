/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Socket I/O seen from the system-call side: which syscall a task is in,
 * and where that call's user buffer is. The socket tracepoints
 * (sock_send_length / sock_recv_length, 6.3+) name the sock and the bytes
 * moved but not the buffer; the registers the task entered the syscall
 * with (bpf_task_pt_regs) have it, so a request's first bytes can be
 * copied once the call moved them.
 */
#ifndef LATSCOPE_SOCK_IO_BPF_H
#define LATSCOPE_SOCK_IO_BPF_H

#include <bpf/bpf_endian.h>
#include "common.bpf.h"

#define SOCK_IO_AF_INET	 2
#define SOCK_IO_AF_INET6 10
#define SOCK_IO_MSG_PEEK 2

enum sock_io_kind {
	SOCK_IO_NONE,
	SOCK_IO_READ,  /* (fd, buf, len): read, recvfrom */
	SOCK_IO_WRITE, /* (fd, buf, len): write, sendto */
	SOCK_IO_READV, /* (fd, iov, n) */
	SOCK_IO_WRITEV,
	SOCK_IO_RECVMSG, /* (fd, msghdr, flags) */
	SOCK_IO_SENDMSG,
	SOCK_IO_SENDFILE, /* (out_fd, in_fd, ...): no user buffer */
};

/* Syscall numbers per architecture; every other call is SOCK_IO_NONE. */
static __always_inline enum sock_io_kind sock_io_kind_of(long nr)
{
	switch (nr) {
#if defined(__TARGET_ARCH_x86)
	case 0:
	case 45:
		return SOCK_IO_READ; /* read, recvfrom */
	case 1:
	case 44:
		return SOCK_IO_WRITE; /* write, sendto */
	case 19:
		return SOCK_IO_READV;
	case 20:
		return SOCK_IO_WRITEV;
	case 47:
		return SOCK_IO_RECVMSG;
	case 46:
		return SOCK_IO_SENDMSG;
	case 40:
		return SOCK_IO_SENDFILE;
#elif defined(__TARGET_ARCH_arm64)
	case 63:
	case 207:
		return SOCK_IO_READ;
	case 64:
	case 206:
		return SOCK_IO_WRITE;
	case 65:
		return SOCK_IO_READV;
	case 66:
		return SOCK_IO_WRITEV;
	case 212:
		return SOCK_IO_RECVMSG;
	case 211:
		return SOCK_IO_SENDMSG;
	case 71:
		return SOCK_IO_SENDFILE;
#endif
	}
	return SOCK_IO_NONE;
}

/* The number of the syscall @regs (its entry registers) belong to. */
static __always_inline long sock_io_syscall_nr(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return regs->orig_ax;
#elif defined(__TARGET_ARCH_arm64)
	return regs->syscallno;
#else
	return -1;
#endif
}

static __always_inline bool sock_io_is_read(enum sock_io_kind kind)
{
	return kind == SOCK_IO_READ || kind == SOCK_IO_READV || kind == SOCK_IO_RECVMSG;
}

/*
 * The first user buffer of an I/O call and its length: the buffer itself,
 * the first iovec of readv/writev, or the first iovec of a msghdr.
 */
static __always_inline __u64 sock_io_first_buf(enum sock_io_kind kind, __u64 arg1, __u64 arg2,
					       __u64 *len)
{
	struct iovec iov = {};
	struct user_msghdr msg = {};

	switch (kind) {
	case SOCK_IO_READ:
	case SOCK_IO_WRITE:
		*len = arg2;
		return arg1;
	case SOCK_IO_READV:
	case SOCK_IO_WRITEV:
		if (!arg2 || bpf_probe_read_user(&iov, sizeof(iov), (void *)arg1))
			return 0;
		break;
	case SOCK_IO_RECVMSG:
	case SOCK_IO_SENDMSG:
		if (bpf_probe_read_user(&msg, sizeof(msg), (void *)arg1) || !msg.msg_iovlen ||
		    bpf_probe_read_user(&iov, sizeof(iov), msg.msg_iov))
			return 0;
		break;
	default:
		return 0;
	}
	*len = iov.iov_len;
	return (__u64)iov.iov_base;
}

/*
 * Appends to a capture (@dst, @cap bytes, @len of them used) the first
 * bytes of the @done a call moved through @buf; returns the new length.
 * @cap is a power of two with @cap bytes of room after @dst, so that a
 * copy at an offset below @cap of at most @cap bytes provably fits.
 */
static __always_inline __u16 sock_io_capture(char *dst, __u32 cap, __u16 len, __u64 buf,
					     __u64 buf_len, long done)
{
	__u32 off = len, n = done < (long)buf_len ? done : buf_len;

	if (!buf || done <= 0 || off >= cap)
		return len;
	if (n > cap - off)
		n = cap - off;
	off &= cap - 1;
	if (!n || n > cap || bpf_probe_read_user(dst + off, n, (void *)buf))
		return len;
	return off + n;
}

#endif /* LATSCOPE_SOCK_IO_BPF_H */
