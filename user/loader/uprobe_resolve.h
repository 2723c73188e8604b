/*
 * From `-u` specs to uprobe sites: which file (the main executable, a
 * library mapped in the target, or a path), which functions in it, and
 * their file offsets. Each failure is one line in @why.
 */
#ifndef LATSCOPE_UPROBE_RESOLVE_H
#define LATSCOPE_UPROBE_RESOLVE_H

#include <linux/types.h>
#include <stdbool.h>
#include <sys/types.h>
#include "latscope.h"
#include "loader/symbols.h"
#include "loader/uprobe_spec.h"

/* Most functions one glob may match; more is an error, not a truncation. */
#define UPROBE_GLOB_CAP 1000

/* One function in one file: one id, one row in the report. */
struct func_site {
	char name[128];
	char module[64];		    /* base name of the file */
	char binary[SYMBOLS_PATH_LEN + 32]; /* the path attached to */
	char symbols_from[SYMBOLS_PATH_LEN];
	__u64 offset; /* file offset of the entry */
	bool stepped; /* first instruction single-stepped */
	dev_t dev;
	ino_t ino;
};

/* A site attached in one process. */
struct func_attach {
	__u32 site;
	pid_t pid;
};

struct func_set {
	struct func_site sites[LATSCOPE_MAX_FUNCS];
	int n_sites;
	struct func_attach *attach;
	int n_attach, cap_attach;
};

/* What one spec matched, for the "N functions in FILE" line. */
struct resolve_note {
	int matched;
	char binary[SYMBOLS_PATH_LEN];
	char symbols_from[SYMBOLS_PATH_LEN];
};

/*
 * Adds the functions @spec names in process @pid. With @exec_path (a -c
 * command held before exec) the executable is that file and libraries are
 * found through its DT_NEEDED entries, since its maps do not exist yet.
 */
int uprobe_resolve(const struct uprobe_spec *spec, pid_t pid, const char *exec_path,
		   struct func_set *set, struct resolve_note *note, char *why, size_t len);
void func_set_free(struct func_set *set);

/* The executable a simple command line would run (PATH lookup), or -ENOENT. */
int command_executable(const char *command, char *path, size_t len);

#endif
