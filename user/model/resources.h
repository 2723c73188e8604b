/*
 * The "resources" section of the model: per traced process (tgid), what it
 * cost the machine, by resource family — CPU time and scheduling delays,
 * page faults, block I/O, network (BPF probe families) and memory (/proc).
 *
 * Families and their fields are data (model/resource_families.c): every
 * view — options, the text report, JSON, metrics, top's columns and the
 * expression language — is produced from that one table, so a new family
 * is its BPF program, its loader file and rows there.
 *
 * A process's figures are counters (slots) and histograms, kept as
 * cumulative readings (model/readings.h) like every other section.
 */
#ifndef LATSCOPE_MODEL_RESOURCES_H
#define LATSCOPE_MODEL_RESOURCES_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "base/latency.h"
#include "model/readings.h"

#define RES_MAX_FAMILIES 8
#define RES_MAX_SLOTS	 64 /* counters of all families together */
#define RES_MAX_HISTS	 8  /* histograms of all families together */
#define RES_FIELD_SLOTS	 3  /* counters one field may sum */

/* The slot of @member of a family's counter struct (every member a __u64). */
#define RES_SLOT(type, member) (offsetof(type, member) / sizeof(__u64))

/* How a field is shown: its unit. */
enum res_unit {
	RES_UNIT_COUNT,
	RES_UNIT_BYTES,
	RES_UNIT_KIB,	/* /proc's kB */
	RES_UNIT_NS,	/* a duration */
	RES_UNIT_SHARE, /* a fraction of one CPU (ns per second / 1e9) */
	RES_UNIT_RATE,	/* per second */
	RES_UNIT_FLAG,	/* 0 or 1 */
};

/* How a field's value comes out of its slots for a window. */
enum res_how {
	RES_SUM,	/* the slots' counts in the window, summed */
	RES_PER_SECOND, /* the same, per second of the window */
	RES_GAUGE,	/* the latest value (memory): never differenced */
};

/* One figure of a family, with what every view needs to show it. */
struct res_field {
	const char *json; /* path in the family's JSON object; NULL: none */
	enum res_how how;
	enum res_unit unit;
	__u8 slots[RES_FIELD_SLOTS]; /* within the family */
	__u8 n_slots;
	const char *text_true; /* RES_UNIT_FLAG: text when set, else "" */
	/* Expressions: resources.NAME (NULL: not offered). */
	const char *expr;
	/*
	 * Prometheus: fields with one metric name in a row are one family,
	 * told apart by `label`="label_value"; help on the first of them.
	 */
	const char *metric, *label, *label_value, *help;
	/* latscope top: a column of the resources view (NULL: none). */
	const char *top_title;
	int top_width;
	bool alarm_nonzero; /* any is worth a highlight (major faults) */
};

/* A family's latency histogram (off-CPU, block I/O, connect). */
struct res_hist_def {
	const char *name;  /* "off_cpu": expressions say off_cpu_p99 */
	const char *json;  /* path in the family's JSON object */
	const char *title; /* the text report's row */
	const char *metric, *help;
};

struct res_family {
	const char *name; /* --NAME / --no-NAME, and the loader's key */
	const char *json; /* the process's JSON object: "disk" for block */
	/* A probe family a user switches on and off; false: /proc, always. */
	bool optional;
	bool default_on;
	const char *option_help;
	int n_slots;		 /* counters (its counter struct's __u64s) */
	const char *const *text; /* report lines; "{json path}" placeholders */
	const struct res_field *fields;
	int n_fields;
	const struct res_hist_def *hists;
	int n_hists;
	/* Set by resource_families_init(): where its slots and histograms start. */
	int first_slot, first_hist;
};

extern const struct res_family *const res_families;
extern const int res_n_families;

/* The family called @name (a probe family's key), or NULL. */
const struct res_family *res_family_find(const char *name);
/* Its index: the bit of trace options' resource_groups. */
int res_family_index(const struct res_family *f);
#define RES_GROUP_BIT(i) (1U << (i))
/* The optional families on by default, as group bits. */
__u32 res_default_groups(void);
/* The group bit of family @name (0 when unknown); for tests and options. */
__u32 res_group_bit(const char *name);

/* What /proc said of a process at its latest reading (loader/proc_stats.c). */
struct proc_stats {
	long rss_kb;	    /* VmRSS */
	long peak_rss_kb;   /* VmHWM */
	long threads;	    /* Threads */
	long ns_pid;	    /* NSpid's last field: the PID in its own namespace; -1: none */
	long fds;	    /* entries in /proc/PID/fd; -1 if unreadable */
	bool has_memory;    /* false for zombies: no Vm* lines */
	__u64 minor_faults; /* minflt, since the process started */
	__u64 major_faults; /* majflt */
};

/* The memory family's slots, filled from /proc (res_process_set_proc). */
struct memory_counts {
	__u64 minor_faults, major_faults;	 /* since tracing began */
	__u64 rss_kb, peak_rss_kb, threads, fds; /* gauges; fds may be -1 */
	__u64 final;				 /* 1 once /proc/PID is gone: figures at exit */
};

struct res_process {
	__u32 tgid;
	char comm[LATSCOPE_COMM_LEN];
	struct count_readings slots[RES_MAX_SLOTS];
	/* Allocated on first use: most followed children never need them. */
	struct lat_readings *hists[RES_MAX_HISTS];
	bool proc_seen;		      /* /proc was read at least once */
	__u32 ns_pid;		      /* PID in its own namespace (NSpid); 0: unknown */
	__u64 cgroup_id;	      /* cgroup v2 id; 0: unknown */
	bool proc_gone;		      /* /proc/PID no longer readable */
	__u64 base_minor, base_major; /* /proc fault counters at start */
};

/* One process as views show it, for a window. */
struct res_view {
	const struct res_process *proc;
	__u64 slots[RES_MAX_SLOTS]; /* the window's counts; gauges' values */
	struct lat_summary lat[RES_MAX_HISTS];
	const struct lat_stats *hist[RES_MAX_HISTS]; /* never NULL */
	double seconds;				     /* window length */
};

struct resources {
	const struct model_clock *clock;
	__u32 groups;		    /* RES_GROUP_BIT()s switched on */
	struct res_process **procs; /* by tgid */
	int n, cap;
	struct res_view *views;	      /* storage behind resources_views() */
	struct lat_stats *view_hists; /* n * RES_MAX_HISTS */
};

void resources_init(struct resources *res, const struct model_clock *clock, __u32 groups);
void resources_free(struct resources *res);
/* The row of @tgid, created on first use; NULL when out of memory. */
struct res_process *resources_process(struct resources *res, __u32 tgid);
/* The cumulative readings of slot @slot of family @f. */
struct count_readings *res_process_slot(struct res_process *row, const struct res_family *f,
					int slot);
/* Histogram @h of family @f, cumulative, allocated on first use (NULL: no memory). */
struct lat_stats *res_process_hist(struct res_process *row, const struct res_family *f, int h);
/*
 * A /proc reading. @ran_before: the process ran before tracing began (-p),
 * so its first fault counters are the baseline; otherwise it is zero.
 */
void res_process_set_proc(struct res_process *row, const struct proc_stats *stats, bool ran_before);
/* /proc/PID is gone: the memory figures are those at exit. */
void res_process_mark_gone(struct res_process *row);
/*
 * The kernel's own peak RSS of a reaped process (ru_maxrss, KB), where
 * /proc, read mid-exit or never, says less; NULL @row is ignored.
 */
void res_process_set_peak_rss(struct res_process *row, long peak_kb);
void resources_step(struct resources *res, enum readings_step step);

/* Whether @f's figures are shown for @v: switched on, or /proc was read. */
bool res_family_shown(const struct resources *res, const struct res_family *f,
		      const struct res_view *v);
/*
 * Views of processes whose comm contains @filter (NULL: all), ordered by
 * tgid, for @window; valid until the next call.
 */
int resources_views(struct resources *res, enum model_window window, const char *filter,
		    const struct res_view **views, int *n);
/* A field's value in a view (RES_UNIT_KIB stays in KiB). */
double res_field_value(const struct res_view *v, const struct res_family *f,
		       const struct res_field *field);
const struct lat_summary *res_view_hist(const struct res_view *v, const struct res_family *f,
					int h);

#endif
