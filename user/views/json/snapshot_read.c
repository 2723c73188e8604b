// Reading snapshots back: one file, or JSON Lines one snapshot at a time.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "views/json/snapshot.h"

/* Top-level members whose type every reader relies on. */
static const struct {
	const char *key;
	json_type type;
} members[] = {
	{ "time", JSON_OBJECT },	  { "targets", JSON_ARRAY },
	{ "histogram", JSON_OBJECT },	  { "syscalls", JSON_OBJECT },
	{ "requests", JSON_OBJECT },	  { "upstreams", JSON_OBJECT },
	{ "functions", JSON_OBJECT },	  { "resources", JSON_OBJECT },
	{ "overhead", JSON_OBJECT },	  { "interval", JSON_OBJECT },
	{ "slow_syscalls", JSON_OBJECT }, { "process_events", JSON_OBJECT },
	{ "checks", JSON_OBJECT },	  { "alerts", JSON_OBJECT },
};

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_NULL:
		return "null";
	default:
		return "a boolean";
	}
}

int snapshot_validate(const json_t *snap, const char *name, char *why, size_t len)
{
	const char *schema = json_string_value(json_object_get(snap, "schema"));
	const json_t *version = json_object_get(snap, "version");

	if (!json_is_object(snap) || !schema || strcmp(schema, SNAPSHOT_SCHEMA)) {
		snprintf(why, len, "cannot read snapshot %s: not a latscope snapshot", name);
		return -EINVAL;
	}
	/* Within a version fields are only added; another version may mean anything. */
	if (!json_is_integer(version) || json_integer_value(version) != SNAPSHOT_VERSION) {
		if (json_is_integer(version))
			snprintf(why, len,
				 "cannot read snapshot %s: version %lld, this latscope reads "
				 "version %d",
				 name, (long long)json_integer_value(version), SNAPSHOT_VERSION);
		else
			snprintf(why, len, "cannot read snapshot %s: no integer \"version\"", name);
		return -EPROTO;
	}
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		const json_t *v = json_object_get(snap, members[i].key);

		if (v && json_typeof(v) != members[i].type) {
			snprintf(why, len, "cannot read snapshot %s: \"%s\" is %s, not %s", name,
				 members[i].key, type_name(v),
				 members[i].type == JSON_ARRAY ? "an array" : "an object");
			return -EINVAL;
		}
	}
	return 0;
}

json_t *snapshot_read_file(const char *path, char *why, size_t len)
{
	json_error_t error;
	json_t *snap = json_load_file(path, 0, &error);

	if (!snap) {
		if (error.line > 0)
			snprintf(why, len, "cannot read snapshot %s: line %d: %s", path, error.line,
				 error.text);
		else
			snprintf(why, len, "cannot read snapshot %s: %s", path, error.text);
		return NULL;
	}
	if (snapshot_validate(snap, path, why, len)) {
		json_decref(snap);
		return NULL;
	}
	return snap;
}

int snapshot_read_lines(const char *path, int (*each)(void *ctx, json_t *snap), void *ctx,
			char *why, size_t len)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, name[4200];
	size_t cap = 0;
	ssize_t n;
	int lineno = 0, err = 0;

	if (!f) {
		err = -errno;
		snprintf(why, len, "cannot read %s: %s", path, strerror(errno));
		return err;
	}
	while (!err && (n = getline(&line, &cap, f)) > 0) {
		json_error_t error;
		json_t *snap;

		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)n)
			continue;
		snprintf(name, sizeof(name), "%s:%d", path, lineno);
		snap = json_loadb(line, n, 0, &error);
		if (!snap) {
			snprintf(why, len, "cannot read snapshot %s: %s", name, error.text);
			err = -EINVAL;
		} else {
			err = snapshot_validate(snap, name, why, len);
			if (!err)
				err = each(ctx, snap);
			json_decref(snap);
		}
	}
	if (!err && ferror(f)) {
		snprintf(why, len, "cannot read %s: %s", path, strerror(EIO));
		err = -EIO;
	}
	if (!err && !lineno) {
		snprintf(why, len, "cannot read %s: no snapshot in it", path);
		err = -ENODATA;
	}
	free(line);
	fclose(f);
	return err;
}

int snapshot_hist_decode(const json_t *hist, struct lat_stats *out)
{
	const json_t *b;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!json_is_array(hist))
		return -ENODATA;
	json_array_foreach (hist, i, b) {
		json_int_t low = json_integer_value(json_array_get(b, 0));
		json_int_t width = json_integer_value(json_array_get(b, 1));
		json_int_t count = json_integer_value(json_array_get(b, 2));
		__u32 bucket;

		if (json_array_size(b) != 3 || low < 0 || width < 1 || count < 0)
			return -EINVAL;
		bucket = hist_bucket_of((__u64)low);
		if (hist_bucket_low(bucket) != (__u64)low ||
		    hist_bucket_width(bucket) != (__u64)width)
			return -EINVAL;
		out->buckets[bucket] += (__u64)count;
		out->count += (__u64)count;
		if (!out->min_ns || (__u64)low < out->min_ns)
			out->min_ns = (__u64)low;
		if ((__u64)(low + width - 1) > out->max_ns)
			out->max_ns = (__u64)(low + width - 1);
	}
	return 0;
}

int snapshot_row_stats(const json_t *row, struct lat_stats *out)
{
	const json_t *min = json_object_get(row, "min_ns"), *max = json_object_get(row, "max_ns");
	int err = snapshot_hist_decode(json_object_get(row, "histogram"), out);

	if (err)
		return err;
	out->errors = (__u64)json_integer_value(json_object_get(row, "errors"));
	out->total_ns = (__u64)json_integer_value(json_object_get(row, "total_ns"));
	/* The exact extremes, where the row has them, are inside the end buckets. */
	if (json_is_integer(min) && json_integer_value(min) >= (json_int_t)out->min_ns)
		out->min_ns = (__u64)json_integer_value(min);
	if (json_is_integer(max) && json_integer_value(max) > 0 &&
	    json_integer_value(max) <= (json_int_t)out->max_ns)
		out->max_ns = (__u64)json_integer_value(max);
	return 0;
}
