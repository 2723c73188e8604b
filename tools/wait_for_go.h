/*
 * For workloads a tracer attaches to by PID: print "ready PID" and block
 * until SIGUSR1, so the tracer is in place before the first measured call.
 */
#ifndef LATSCOPE_WAIT_FOR_GO_H
#define LATSCOPE_WAIT_FOR_GO_H

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static inline void wait_for_go(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("ready %d\n", getpid());
	fflush(stdout);
	sigwait(&set, &sig);
}

#endif
