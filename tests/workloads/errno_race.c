// Two threads, one per CPU, make the same failing system call at the same
// moment, once for each of a list of system calls: each (syscall, errno)
// pair is first seen by two CPUs at once, the race in which both miss the
// errno map's lookup and the second update finds the first one's entry.
//
//   errno_race
//
// Every call is given file descriptor -1 and fails with EBADF (seccomp, as
// in containers, lets them through, unlike unassigned numbers): afterwards
// each syscall of the list has exactly 2 EBADF failures. Prints the list
// as "nrs N,N,...". Exit 1 if any call did otherwise.
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Each checks the descriptor before anything else it is given. */
static const long calls[] = {
	SYS_write,	 SYS_fstat,	 SYS_lseek,	 SYS_pwrite64,
	SYS_readv,	 SYS_writev,	 SYS_dup,	 SYS_fsync,
	SYS_fdatasync,	 SYS_ftruncate,	 SYS_getdents64, SYS_fchdir,
	SYS_fchmod,	 SYS_fchown,	 SYS_fstatfs,	 SYS_ioctl,
	SYS_sendto,	 SYS_recvfrom,	 SYS_shutdown,	 SYS_listen,
	SYS_bind,	 SYS_connect,	 SYS_accept,	 SYS_getsockname,
	SYS_getpeername, SYS_setsockopt, SYS_getsockopt, SYS_syncfs,
	SYS_fadvise64,	 SYS_flistxattr, SYS_readahead,	 SYS_inotify_rm_watch,
};
#define KEYS	(sizeof(calls) / sizeof(calls[0]))
#define THREADS 2

static int arrived; /* both threads pass barrier k when it reaches THREADS * (k + 1) */
static int failures;

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* One CPU only: the calls still happen, they just cannot race. */
	sched_setaffinity(0, sizeof(set), &set);
}

static void *racer(void *arg)
{
	pin_to_cpu((int)(long)arg);
	for (size_t k = 0; k < KEYS; k++) {
		__atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) < (int)(THREADS * (k + 1)))
			;
		if (syscall(calls[k], -1, 0, 0, 0, 0, 0) != -1 || errno != EBADF) {
			fprintf(stderr, "errno_race: syscall %ld: %s, not EBADF\n", calls[k],
				strerror(errno));
			__atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
		}
	}
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];

	for (long i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, racer, (void *)i))
			return 1;
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	printf("nrs ");
	for (size_t k = 0; k < KEYS; k++)
		printf("%s%ld", k ? "," : "", calls[k]);
	printf("\n");
	return failures ? 1 : 0;
}
