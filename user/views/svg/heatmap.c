// A latency heat map drawn as SVG (see heatmap.h).
#include <errno.h>
#include <libxml/xmlwriter.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>
#include "base/format.h"
#include "views/svg/heatmap.h"

#define LEFT	   78.0 /* latency labels */
#define TOP	   34.0 /* title */
#define BOTTOM	   46.0 /* time labels, legend */
#define RIGHT	   16.0
#define CELL_H	   12.0
#define PLOT_W	   720.0 /* columns share this, within the bounds below */
#define MIN_CELL_W 3.0
#define MAX_CELL_W 24.0

/* Light to dark (a yellow-orange-red ramp), readable on white. */
static const char *const palette[HEATMAP_LEVELS + 1] = {
	"#ffffff", "#ffffcc", "#ffeda0", "#fed976", "#feb24c",
	"#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026",
};

int heatmap_level(__u64 count, __u64 max)
{
	int level;

	if (!count || !max)
		return 0;
	level = (int)ceil(HEATMAP_LEVELS * log1p((double)count) / log1p((double)max));
	return level < 1 ? 1 : level > HEATMAP_LEVELS ? HEATMAP_LEVELS : level;
}

const char *heatmap_colour(int level)
{
	return palette[level < 0 ? 0 : level > HEATMAP_LEVELS ? HEATMAP_LEVELS : level];
}

static double cell_w(const struct heatmap *hm)
{
	double w = hm->n_cols ? floor(PLOT_W / hm->n_cols) : MAX_CELL_W;

	return w < MIN_CELL_W ? MIN_CELL_W : w > MAX_CELL_W ? MAX_CELL_W : w;
}

void heatmap_cell_box(const struct heatmap *hm, int row, int col, struct heatmap_box *out)
{
	out->w = cell_w(hm);
	out->h = CELL_H;
	out->x = LEFT + col * out->w;
	/* Slow at the top, as on a latency axis. */
	out->y = TOP + (hm->n_rows - 1 - row) * CELL_H;
}

void heatmap_size(const struct heatmap *hm, double *width, double *height)
{
	*width = LEFT + hm->n_cols * cell_w(hm) + RIGHT;
	if (*width < 420)
		*width = 420;
	*height = TOP + hm->n_rows * CELL_H + BOTTOM;
}

static int text(xmlTextWriterPtr w, double x, double y, const char *anchor, const char *s)
{
	int rc = 0;

	rc |= xmlTextWriterStartElement(w, BAD_CAST "text") < 0;
	rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "x", "%.1f", x) < 0;
	rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "y", "%.1f", y) < 0;
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "text-anchor", BAD_CAST anchor) < 0;
	rc |= xmlTextWriterWriteString(w, BAD_CAST s) < 0;
	rc |= xmlTextWriterEndElement(w) < 0;
	return rc;
}

static int rect(xmlTextWriterPtr w, const struct heatmap_box *b, const char *fill)
{
	int rc = 0;

	rc |= xmlTextWriterStartElement(w, BAD_CAST "rect") < 0;
	rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "x", "%.1f", b->x) < 0;
	rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "y", "%.1f", b->y) < 0;
	rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "width", "%.1f", b->w) < 0;
	rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "height", "%.1f", b->h) < 0;
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "fill", BAD_CAST fill) < 0;
	return rc;
}

static int cells(xmlTextWriterPtr w, const struct heatmap *hm, __u64 max)
{
	int rc = 0;

	for (int r = 0; r < hm->n_rows; r++) {
		for (int c = 0; c < hm->n_cols; c++) {
			__u64 n = hm->counts[r * hm->n_cols + c];
			char lo[16], hi[16];
			struct heatmap_box b;

			if (!n)
				continue;
			heatmap_cell_box(hm, r, c, &b);
			rc |= rect(w, &b, heatmap_colour(heatmap_level(n, max)));
			rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "data-count", "%llu",
								(unsigned long long)n) < 0;
			rc |= xmlTextWriterStartElement(w, BAD_CAST "title") < 0;
			rc |= xmlTextWriterWriteFormatString(
				      w, "%llu calls, %s - %s, %.1f s", (unsigned long long)n,
				      format_duration(hm->row_low_ns[r], lo, sizeof(lo)),
				      format_duration(hm->row_low_ns[r + 1], hi, sizeof(hi)),
				      hm->col_end_s[c]) < 0;
			rc |= xmlTextWriterEndElement(w) < 0;
			rc |= xmlTextWriterEndElement(w) < 0;
		}
	}
	return rc;
}

/* Latency bounds every few rows, interval ends every few columns. */
static int axes(xmlTextWriterPtr w, const struct heatmap *hm)
{
	int row_step = hm->n_rows > 12 ? (hm->n_rows + 11) / 12 : 1;
	int col_step = (int)ceil(60.0 / cell_w(hm));
	struct heatmap_box b;
	char buf[32];
	int rc = 0;

	for (int r = 0; r <= hm->n_rows; r += row_step) {
		heatmap_cell_box(hm, r < hm->n_rows ? r : hm->n_rows - 1, 0, &b);
		format_duration(hm->row_low_ns[r], buf, sizeof(buf));
		rc |= text(w, LEFT - 6, (r < hm->n_rows ? b.y + b.h : b.y) + 4, "end", buf);
	}
	for (int c = 0; c < hm->n_cols; c += col_step) {
		heatmap_cell_box(hm, 0, c, &b);
		snprintf(buf, sizeof(buf), "%.0fs", hm->col_end_s[c]);
		rc |= text(w, b.x + b.w / 2, TOP + hm->n_rows * CELL_H + 14, "middle", buf);
	}
	return rc;
}

static int legend(xmlTextWriterPtr w, const struct heatmap *hm, __u64 max)
{
	double y = TOP + hm->n_rows * CELL_H + 24;
	char buf[48];
	int rc = 0;

	rc |= text(w, LEFT, y + 10, "start", "calls per cell: 1");
	for (int l = 1; l <= HEATMAP_LEVELS; l++) {
		struct heatmap_box b = { LEFT + 100 + (l - 1) * 16, y, 16, 12 };

		rc |= rect(w, &b, heatmap_colour(l));
		rc |= xmlTextWriterEndElement(w) < 0;
	}
	snprintf(buf, sizeof(buf), "%llu (log scale)", (unsigned long long)max);
	rc |= text(w, LEFT + 100 + HEATMAP_LEVELS * 16 + 6, y + 10, "start", buf);
	return rc;
}

static int document(xmlTextWriterPtr w, const struct heatmap *hm)
{
	double width, height;
	__u64 max = 0;
	int rc = 0;

	for (int i = 0; i < hm->n_rows * hm->n_cols; i++)
		if (hm->counts[i] > max)
			max = hm->counts[i];
	heatmap_size(hm, &width, &height);
	rc |= xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0;
	rc |= xmlTextWriterStartElement(w, BAD_CAST "svg") < 0;
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns",
					  BAD_CAST "http://www.w3.org/2000/svg") < 0;
	rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "width", "%.0f", width) < 0;
	rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "height", "%.0f", height) < 0;
	rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "viewBox", "0 0 %.0f %.0f", width,
						height) < 0;
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "font-family", BAD_CAST "sans-serif") < 0;
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "font-size", BAD_CAST "11") < 0;
	rc |= rect(w, &(struct heatmap_box){ 0, 0, width, height }, heatmap_colour(0));
	rc |= xmlTextWriterEndElement(w) < 0;
	rc |= text(w, LEFT, 20, "start", hm->title);
	rc |= cells(w, hm, max);
	rc |= axes(w, hm);
	rc |= legend(w, hm, max);
	rc |= xmlTextWriterEndDocument(w) < 0;
	rc |= xmlTextWriterFlush(w) < 0;
	return rc ? -EIO : 0;
}

int heatmap_svg_write(const char *path, const struct heatmap *hm)
{
	xmlTextWriterPtr w;
	char tmp[4096];
	int err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	errno = 0;
	w = xmlNewTextWriterFilename(tmp, 0);
	if (!w)
		return errno ? -errno : -EIO;
	xmlTextWriterSetIndent(w, 1);
	err = document(w, hm);
	xmlFreeTextWriter(w);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
