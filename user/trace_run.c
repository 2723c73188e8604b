// Starting a trace for a subcommand, and writing its snapshots.
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "snapshot_json.h"
#include "trace_run.h"

static void announce(const struct trace_cli *cli, const struct model *model)
{
	const struct target_info *t = &model->targets[0];

	if (cli->command)
		fprintf(stderr, "latscope: tracing '%s' (pid %d); Ctrl-C to stop\n",
			cli->command, t->pid);
	else
		fprintf(stderr, "latscope: tracing pid %d (%s)%s; Ctrl-C to stop\n",
			t->pid, t->comm, model->n_targets > 1 ? " and more" : "");
}

int trace_run_start(struct trace_cli *cli,
		    const struct session_hooks *hooks, struct session **out)
{
	char why[256];
	int err;

	*out = NULL;
	if (!cli->verbose)
		libbpf_set_print(NULL);
	if (cli->output && (err = snapshot_check_writable(cli->output, why, sizeof(why)))) {
		print_error("%s", why);
		return err;
	}
	err = session_start(cli, hooks, out, why, sizeof(why));
	if (err) {
		print_error("%s", why);
		return err;
	}
	announce(cli, session_model(*out));
	return 0;
}

int trace_run_emit(const struct trace_cli *cli, const json_t *snap)
{
	int err = 0;

	if (cli->output) {
		err = cli->jsonl ? snapshot_append_line(cli->output, snap)
				 : snapshot_write_file(cli->output, snap);
		if (err)
			print_error("cannot write %s: %s", cli->output, strerror(-err));
	}
	if (!err && cli->json_stdout) {
		err = snapshot_print(stdout, snap, cli->jsonl);
		if (err)
			print_error("cannot write JSON to stdout: %s", strerror(-err));
	}
	return err;
}
