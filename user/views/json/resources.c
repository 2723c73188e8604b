// Model -> the JSON snapshot's "resources" section, from the family table.
#include <string.h>
#include "views/json/snapshot.h"

/* The object holding dotted @path ("tcp.connect"), made as needed; *leaf its last part. */
static json_t *parent_of(json_t *obj, const char *path, const char **leaf)
{
	const char *dot;

	while ((dot = strchr(path, '.'))) {
		char part[64];
		json_t *child;

		snprintf(part, sizeof(part), "%.*s", (int)(dot - path), path);
		child = json_object_get(obj, part);
		if (!child) {
			child = json_object();
			json_object_set_new(obj, part, child);
		}
		obj = child;
		path = dot + 1;
	}
	*leaf = path;
	return obj;
}

static json_t *field_json(const struct res_view *v, const struct res_family *f,
			  const struct res_field *field)
{
	double x = res_field_value(v, f, field);

	switch (field->unit) {
	case RES_UNIT_FLAG:
		return json_boolean(x != 0);
	case RES_UNIT_SHARE:
	case RES_UNIT_RATE:
		return json_real(x);
	default:
		return json_integer((json_int_t)x);
	}
}

/* A latency summary with its histogram, as the syscall rows have it. */
static json_t *hist_json(const struct res_view *v, const struct res_family *f, int h)
{
	json_t *obj = snapshot_latency_json(res_view_hist(v, f, h));

	json_object_set_new(obj, "histogram", snapshot_hist_json(v->hist[f->first_hist + h]));
	return obj;
}

/* Sets @value at dotted @path under @obj. */
static void set_path(json_t *obj, const char *path, json_t *value)
{
	const char *leaf;
	json_t *parent = parent_of(obj, path, &leaf);

	json_object_set_new(parent, leaf, value);
}

static json_t *family_json(const struct res_view *v, const struct res_family *f)
{
	json_t *obj = json_object();

	for (int i = 0; i < f->n_fields; i++)
		if (f->fields[i].json)
			set_path(obj, f->fields[i].json, field_json(v, f, &f->fields[i]));
	for (int h = 0; h < f->n_hists; h++)
		set_path(obj, f->hists[h].json, hist_json(v, f, h));
	return obj;
}

static json_t *process_json(const struct resources *res, const struct res_view *v)
{
	json_t *obj = json_pack("{s:i, s:s}", "pid", (int)v->proc->tgid, "comm", v->proc->comm);

	/* A container's process: its PID where it lives, and its cgroup. */
	if (v->proc->ns_pid)
		json_object_set_new(obj, "ns_pid", json_integer(v->proc->ns_pid));
	if (v->proc->cgroup_id)
		json_object_set_new(obj, "cgroup_id", json_integer((json_int_t)v->proc->cgroup_id));

	for (int i = 0; i < res_n_families; i++)
		if (res_family_shown(res, &res_families[i], v))
			json_object_set_new(obj, res_families[i].json,
					    family_json(v, &res_families[i]));
	return obj;
}

json_t *snapshot_resources(struct model *model, enum model_window window)
{
	json_t *groups = json_object(), *procs = json_array();
	const struct res_view *views;
	int n;

	for (int i = 0; i < res_n_families; i++)
		if (res_families[i].optional)
			json_object_set_new(groups, res_families[i].name,
					    json_boolean(model->res.groups & RES_GROUP_BIT(i)));
	resources_views(&model->res, window, NULL, &views, &n);
	for (int i = 0; i < n; i++)
		json_array_append_new(procs, process_json(&model->res, &views[i]));
	return json_pack("{s:o, s:o}", "groups", groups, "processes", procs);
}
