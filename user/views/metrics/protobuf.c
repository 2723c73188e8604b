/*
 * The protobuf exposition format: one io.prometheus.client.MetricFamily
 * message per family, each preceded by its length as a varint. Histograms
 * carry their classic buckets and, beside them, the native ones (native.h),
 * so a Prometheus with native histograms enabled stores those and one that
 * keeps classic histograms too (scrape_classic_histograms) finds both.
 *
 * A family's messages are built in an arena, packed with protobuf-c when
 * the next family starts, and the arena is reused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "views/metrics/metrics.pb-c.h"
#include "views/metrics/series.h"

#define CHUNK_BYTES (64 * 1024)

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct pb_state {
	struct chunk *chunks, *current;
	Io__Prometheus__Client__MetricFamily family;
	Io__Prometheus__Client__Metric **metrics;
	size_t n_metrics, cap_metrics;
	uint8_t *packed; /* one family's message, reused */
	size_t cap_packed;
	int err;
};

/* Zeroed memory that lives until the family is packed; NULL sets err. */
static void *arena_alloc(struct pb_state *pb, size_t size)
{
	struct chunk *c = pb->current;

	size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	while (c && c->used + size > c->size)
		c = c->next;
	if (!c) {
		size_t bytes = size > CHUNK_BYTES ? size : CHUNK_BYTES;

		c = malloc(sizeof(*c) + bytes);
		if (!c) {
			pb->err = -ENOMEM;
			return NULL;
		}
		*c = (struct chunk){ .next = pb->chunks, .size = bytes };
		pb->chunks = c;
	}
	pb->current = c;
	c->used += size;
	return memset((char *)c->data + c->used - size, 0, size);
}

static void arena_reset(struct pb_state *pb)
{
	for (struct chunk *c = pb->chunks; c; c = c->next)
		c->used = 0;
	pb->current = pb->chunks;
}

static char *arena_concat(struct pb_state *pb, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = arena_alloc(pb, la + lb + 1);

	if (s) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

static void write_varint(FILE *out, size_t v)
{
	do {
		fputc((int)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)), out);
		v >>= 7;
	} while (v);
}

/*
 * Packed into one buffer and written at once: protobuf-c's streaming pack
 * appends field by field, and a stdio call per field costs more than the
 * packing. Families without samples are left out.
 */
static void flush_family(struct writer *w)
{
	struct pb_state *pb = w->pb;
	size_t size;

	if (pb->n_metrics && !pb->err) {
		pb->family.n_metric = pb->n_metrics;
		pb->family.metric = pb->metrics;
		size = io__prometheus__client__metric_family__get_packed_size(&pb->family);
		if (size > pb->cap_packed) {
			free(pb->packed);
			pb->packed = malloc(size);
			pb->cap_packed = pb->packed ? size : 0;
		}
		if (pb->packed) {
			write_varint(w->out, size);
			io__prometheus__client__metric_family__pack(&pb->family, pb->packed);
			fwrite(pb->packed, 1, size, w->out);
		} else {
			pb->err = -ENOMEM;
		}
	}
	pb->n_metrics = 0;
	arena_reset(pb);
}

static Io__Prometheus__Client__MetricType metric_type(const struct family *f)
{
	if (!strcmp(f->type, "counter"))
		return IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER;
	if (!strcmp(f->type, "gauge"))
		return IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE;
	return IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM;
}

/* A counter family is named by its sample, as in the text format 0.0.4. */
static void pb_family(struct writer *w, const struct family *f)
{
	struct pb_state *pb = w->pb;
	Io__Prometheus__Client__MetricType type = metric_type(f);

	flush_family(w);
	io__prometheus__client__metric_family__init(&pb->family);
	pb->family.name = arena_concat(
		pb, f->name, type == IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER ? "_total" : "");
	pb->family.help = arena_concat(pb, f->help, "");
	pb->family.has_type = true;
	pb->family.type = type;
}

/* A new metric of the current family with copies of @labels; NULL on error. */
static Io__Prometheus__Client__Metric *add_metric(struct pb_state *pb, const struct label *labels,
						  int n)
{
	Io__Prometheus__Client__Metric *m = arena_alloc(pb, sizeof(*m));
	Io__Prometheus__Client__LabelPair *pairs = arena_alloc(pb, n * sizeof(*pairs));
	Io__Prometheus__Client__LabelPair **refs = arena_alloc(pb, n * sizeof(*refs));

	if (!m || (n && (!pairs || !refs)))
		return NULL;
	if (pb->n_metrics == pb->cap_metrics) {
		size_t cap = pb->cap_metrics ? 2 * pb->cap_metrics : 64;
		void *grown = realloc(pb->metrics, cap * sizeof(*pb->metrics));

		if (!grown) {
			pb->err = -ENOMEM;
			return NULL;
		}
		pb->metrics = grown;
		pb->cap_metrics = cap;
	}
	io__prometheus__client__metric__init(m);
	for (int i = 0; i < n; i++) {
		io__prometheus__client__label_pair__init(&pairs[i]);
		pairs[i].name = arena_concat(pb, labels[i].name, "");
		pairs[i].value = arena_concat(pb, labels[i].value, "");
		refs[i] = &pairs[i];
	}
	m->n_label = n;
	m->label = refs;
	pb->metrics[pb->n_metrics++] = m;
	return m;
}

static void pb_sample(struct writer *w, const struct family *f, const struct label *labels, int n,
		      enum value_unit unit, __u64 value)
{
	struct pb_state *pb = w->pb;
	Io__Prometheus__Client__Metric *m = add_metric(pb, labels, n);
	double v = unit == AS_SECONDS	   ? value / 1e9
		   : unit == AS_MILLIONTHS ? value / 1e6
					   : (double)value;

	if (!m)
		return;
	if (pb->family.type == IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER) {
		m->counter = arena_alloc(pb, sizeof(*m->counter));
		if (!m->counter)
			return;
		io__prometheus__client__counter__init(m->counter);
		m->counter->has_value = true;
		m->counter->value = v;
	} else {
		m->gauge = arena_alloc(pb, sizeof(*m->gauge));
		if (!m->gauge)
			return;
		io__prometheus__client__gauge__init(m->gauge);
		m->gauge->has_value = true;
		m->gauge->value = v;
	}
}

/* The classic ladder, cumulative, as the text format writes it (no +Inf). */
static int add_classic(struct writer *w, Io__Prometheus__Client__Histogram *h,
		       const struct lat_stats *stats)
{
	struct pb_state *pb = w->pb;
	const struct metrics_exporter *mx = w->mx;
	Io__Prometheus__Client__Bucket *buckets = arena_alloc(pb, mx->n_bounds * sizeof(*buckets));
	Io__Prometheus__Client__Bucket **refs = arena_alloc(pb, mx->n_bounds * sizeof(*refs));
	__u64 cumulative = 0;
	__u32 b = 0;

	if (!buckets || !refs)
		return -ENOMEM;
	for (int k = 0; k < mx->n_bounds; k++) {
		for (; b < mx->cuts[k]; b++)
			cumulative += stats->buckets[b];
		io__prometheus__client__bucket__init(&buckets[k]);
		buckets[k].has_cumulative_count = buckets[k].has_upper_bound = true;
		buckets[k].cumulative_count = cumulative;
		buckets[k].upper_bound = mx->bounds_ns[k] / 1e9;
		refs[k] = &buckets[k];
	}
	h->n_bucket = mx->n_bounds;
	h->bucket = refs;
	return 0;
}

static int add_native(struct writer *w, Io__Prometheus__Client__Histogram *h,
		      const struct lat_stats *stats)
{
	struct pb_state *pb = w->pb;
	struct native_hist *nh = &w->mx->native;
	Io__Prometheus__Client__BucketSpan *spans, **refs;

	native_encode(w->mx->native_map, stats, nh);
	spans = arena_alloc(pb, nh->n_spans * sizeof(*spans));
	refs = arena_alloc(pb, nh->n_spans * sizeof(*refs));
	h->positive_delta = arena_alloc(pb, nh->n_deltas * sizeof(*h->positive_delta));
	if (nh->n_spans && (!spans || !refs || !h->positive_delta))
		return -ENOMEM;
	h->has_schema = h->has_zero_threshold = h->has_zero_count = true;
	h->schema = NATIVE_SCHEMA;
	h->zero_threshold = NATIVE_ZERO_THRESHOLD;
	h->zero_count = nh->zero_count;
	for (int i = 0; i < nh->n_spans; i++) {
		io__prometheus__client__bucket_span__init(&spans[i]);
		spans[i].has_offset = spans[i].has_length = true;
		spans[i].offset = nh->spans[i].offset;
		spans[i].length = nh->spans[i].length;
		refs[i] = &spans[i];
	}
	h->n_positive_span = nh->n_spans;
	h->positive_span = refs;
	memcpy(h->positive_delta, nh->deltas, nh->n_deltas * sizeof(*h->positive_delta));
	h->n_positive_delta = nh->n_deltas;
	return 0;
}

static void pb_histogram(struct writer *w, const struct family *f, const struct lat_series *s)
{
	struct pb_state *pb = w->pb;
	Io__Prometheus__Client__Metric *m = add_metric(pb, s->labels, s->n_labels);
	Io__Prometheus__Client__Histogram *h = m ? arena_alloc(pb, sizeof(*h)) : NULL;

	if (!h)
		return;
	io__prometheus__client__histogram__init(h);
	m->histogram = h;
	if (add_classic(w, h, s->hist) || add_native(w, h, s->hist)) {
		pb->err = -ENOMEM;
		return;
	}
	/* The count is the buckets' sum, as the text format's _count. */
	h->has_sample_count = h->has_sample_sum = true;
	h->sample_count = w->mx->native.count;
	h->sample_sum = w->mx->native.sum_s;
}

static int pb_finish(struct writer *w)
{
	struct pb_state *pb = w->pb;
	int err;

	flush_family(w);
	err = pb->err;
	while (pb->chunks) {
		struct chunk *next = pb->chunks->next;

		free(pb->chunks);
		pb->chunks = next;
	}
	free(pb->metrics);
	free(pb->packed);
	free(pb);
	w->pb = NULL;
	return err;
}

static int pb_start(struct writer *w)
{
	w->pb = calloc(1, sizeof(*w->pb));
	return w->pb ? 0 : -ENOMEM;
}

const struct writer_ops protobuf_writer_ops = {
	.start = pb_start,
	.family = pb_family,
	.sample = pb_sample,
	.histogram = pb_histogram,
	.finish = pb_finish,
};
