// Heat maps: crafted intervals -> SVG -> PNG (rsvg-convert, as a viewer
// would draw it) -> every cell's colour checked against its count.
#include <criterion/criterion.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "base/latency.h"
#include "judge/timeline.h"
#include "lat_samples.h"
#include "views/json/snapshot.h"
#include "views/text/histogram.h"

/* An interval line of `record -i --jsonl`: syscalls.read with @n_us calls per value. */
static json_t *interval_snapshot(double end_s, const int *n_at, const __u64 *ns, int n_values)
{
	struct lat_stats *s = calloc(1, sizeof(*s));
	json_t *snap;

	cr_assert(s);
	for (int i = 0; i < n_values; i++)
		lat_samples_add(s, ns[i], n_at[i], false);
	snap = json_pack("{s:s, s:i, s:{s:f}, s:{s:{s:{s:I, s:o}}}}", "schema", "latscope.snapshot",
			 "version", 1, "time", "duration_s", end_s, "interval", "syscalls", "read",
			 "count", (json_int_t)s->count, "histogram", snapshot_hist_json(s));
	free(s);
	return snap;
}

struct image {
	png_image png;
	unsigned char *rgb;
};

static void read_png(const char *path, struct image *img)
{
	memset(img, 0, sizeof(*img));
	img->png.version = PNG_IMAGE_VERSION;
	cr_assert(png_image_begin_read_from_file(&img->png, path), "%s", img->png.message);
	img->png.format = PNG_FORMAT_RGB;
	img->rgb = malloc(PNG_IMAGE_SIZE(img->png));
	cr_assert(img->rgb);
	cr_assert(png_image_finish_read(&img->png, NULL, img->rgb, 0, NULL), "%s",
		  img->png.message);
}

static void pixel_hex(const struct image *img, double x, double y, char *out)
{
	const unsigned char *p = img->rgb + ((size_t)y * img->png.width + (size_t)x) * 3;

	snprintf(out, 8, "#%02x%02x%02x", p[0], p[1], p[2]);
}

/*
 * Three intervals of reads at 1 us, 10 us and 1 ms in known numbers: the
 * picture shows each count's colour where its cell is, and nothing else.
 */
Test(heatmap, cells_match_the_counts_once_rendered)
{
	static const __u64 ns[] = { 1000, 10000, 1000000 };
	static const int counts[3][3] = { { 5, 0, 1 }, { 500, 50, 0 }, { 1, 1, 2000 } };
	char dir[] = "/tmp/latscope-heatmap-XXXXXX", svg[64], png[64], cmd[256], why[256];
	struct timeline tl = {};
	struct heatmap hm;
	struct image img;
	__u64 max = 0, seen = 0;

	cr_assert(mkdtemp(dir));
	snprintf(svg, sizeof(svg), "%s/h.svg", dir);
	snprintf(png, sizeof(png), "%s/h.png", dir);
	for (int c = 0; c < 3; c++) {
		json_t *snap = interval_snapshot(c + 1.0, counts[c], ns, 3);

		cr_assert_eq(timeline_add(&tl, snap), 0);
		json_decref(snap);
	}
	cr_assert_eq(timeline_render(&tl, "syscalls.read", 40, svg, NULL, why, sizeof(why)), 0,
		     "%s", why);
	snprintf(cmd, sizeof(cmd), "rsvg-convert --format png -o %s %s", png, svg);
	cr_assert_eq(system(cmd), 0, "rsvg-convert failed (package librsvg2-bin)");
	read_png(png, &img);

	cr_assert_eq(timeline_heatmap(&tl, timeline_find(&tl, "syscalls", "read"), 40, &hm), 0);
	cr_assert_eq(hm.n_cols, 3);
	for (int i = 0; i < hm.n_rows * hm.n_cols; i++)
		if (hm.counts[i] > max)
			max = hm.counts[i];
	cr_expect_eq(max, 2000);
	for (int r = 0; r < hm.n_rows; r++) {
		for (int c = 0; c < hm.n_cols; c++) {
			__u64 n = hm.counts[r * hm.n_cols + c];
			struct heatmap_box b;
			char got[8];

			heatmap_cell_box(&hm, r, c, &b);
			pixel_hex(&img, b.x + b.w / 2, b.y + b.h / 2, got);
			cr_expect_str_eq(got, heatmap_colour(heatmap_level(n, max)),
					 "cell row %d col %d (%llu calls)", r, c,
					 (unsigned long long)n);
			seen += n;
		}
	}
	cr_expect_eq(seen, 5 + 1 + 500 + 50 + 1 + 1 + 2000, "every call in one cell");
	for (int c = 0; c < 3; c++) {
		for (int v = 0; v < 3; v++) {
			int r = 0;

			while (r + 1 <= hm.n_rows && hm.row_low_ns[r + 1] <= ns[v])
				r++;
			cr_expect_eq(hm.counts[r * hm.n_cols + c], (__u64)counts[c][v],
				     "interval %d, %llu ns", c, (unsigned long long)ns[v]);
		}
	}
	timeline_heatmap_free(&hm);
	timeline_free(&tl);
	free(img.rgb);
	png_image_free(&img.png);
	unlink(svg);
	unlink(png);
	rmdir(dir);
}

Test(heatmap, levels_and_rows)
{
	char section[32], key[256];

	cr_expect_eq(heatmap_level(0, 100), 0);
	cr_expect_eq(heatmap_level(1, 1), HEATMAP_LEVELS);
	cr_expect_eq(heatmap_level(100, 100), HEATMAP_LEVELS);
	cr_expect_lt(heatmap_level(2, 100000), heatmap_level(300, 100000));
	cr_assert_eq(
		timeline_parse_row("syscalls.read", section, sizeof(section), key, sizeof(key)), 0);
	cr_expect_str_eq(key, "read");
	cr_assert_eq(timeline_parse_row("requests[\":8080 GET /x\"]", section, sizeof(section), key,
					sizeof(key)),
		     0);
	cr_expect_str_eq(section, "requests");
	cr_expect_str_eq(key, ":8080 GET /x");
	cr_expect_neq(
		timeline_parse_row("sycalls.read", section, sizeof(section), key, sizeof(key)), 0);
	cr_expect_neq(timeline_parse_row("requests[\"x\"", section, sizeof(section), key,
					 sizeof(key)),
		      0);
}

/* record --hist: bars that add up, with the percentiles marked where they fall. */
Test(histogram_text, bars_and_markers)
{
	struct lat_stats *s = calloc(1, sizeof(*s));
	char *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);
	long total = 0;

	cr_assert(s && out);
	lat_samples_add(s, 2000, 980, false);
	lat_samples_add(s, 5000000, 20, false);
	hist_text_print(out, "read", s, HIST_TEXT_BARS);
	fclose(out);
	cr_expect(!strncmp(text, "read: 1000 calls\n", 17), "%s", text);
	for (char *line = strchr(text, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
		char lo[16], hi[16];
		long n;

		cr_assert_eq(sscanf(line + 1, " %15s - %15s %ld |", lo, hi, &n), 3, "%s", line);
		total += n;
	}
	cr_expect_eq(total, 1000);
	cr_expect(strstr(text, "| <p50 <p90\n"), "p50 and p90 on the 2 us bar: %s", text);
	cr_expect(strstr(text, "| <p99 <p99.9\n"), "%s", text);
	cr_expect_leq(strlen(text) - strlen(strrchr(text, '\n')),
		      (size_t)(HIST_TEXT_BARS + 1) * 80);
	free(text);
	free(s);
}
