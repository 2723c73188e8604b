// Snapshots (views/json snapshot_read_file, then what check and diff do
// with one): the input is a snapshot file, judged by requirements naming
// every section and compared with itself and with a snapshot that has
// every section, both ways.
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include "judge/checks.h"
#include "judge/diff.h"
#include "views/json/snapshot.h"
#include "fuzz.h"

static const char requirements[] = "syscalls.read.p99 < 1ms\n"
				   "syscalls.count > 0 and syscalls.error_rate < 5%\n"
				   "requests[\"GET /x\"].p95 < 100ms\n"
				   "requests[\":8080\"].count >= 1\n"
				   "requests.error_rate < 1%\n"
				   "upstreams[\"127.0.0.1:5432\"].p99 < 20ms\n"
				   "functions.f.count > 0\n"
				   "resources.cpu < 70% and resources[\"app\"].rss < 200MB\n"
				   "overhead.kernel_cpu < 2% and overhead.loader_rss < 50MB\n"
				   "time.duration > 1s\n"
				   "slow_syscalls.reported == 0\n";

static json_t *reference;
static struct check_list checks;
static struct diff_opts opts;
static FILE *sink;

static void setup(void)
{
	char why[256];

	reference = json_loads(FUZZ_SNAPSHOT, 0, NULL);
	if (!reference || checks_parse_lines(&checks, requirements, "fuzz", why, sizeof(why)))
		abort();
	diff_opts_init(&opts);
	sink = fopen("/dev/null", "w");
}

static void compare(const json_t *base, const json_t *next)
{
	json_t *result = diff_snapshots(base, next, &opts);

	if (result)
		diff_print(sink, result);
	json_decref(result);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("snapshot", 0);
	char path[64], why[512];
	json_t *snap;

	if (!reference)
		setup();
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	snap = snapshot_read_file(path, why, sizeof(why));
	close(fd);
	if (!snap)
		return 0;
	checks_evaluate(&checks, snap);
	checks_print(sink, &checks);
	json_decref(checks_json(&checks));
	compare(snap, snap);
	compare(reference, snap);
	compare(snap, reference);
	json_decref(snap);
	return 0;
}
