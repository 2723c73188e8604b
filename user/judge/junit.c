// Verdicts as JUnit XML, written with libxml2's text writer (it escapes).
#include <errno.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include "base/output_file.h"
#include "judge/junit.h"

static int write_case(xmlTextWriterPtr w, const struct check *c)
{
	const struct expr_result *r = &c->result;
	char message[512];
	int rc = 0;

	rc |= xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0;
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "classname", BAD_CAST "latscope.check") < 0;
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST c->name) < 0;
	rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "time", "%.6f", c->eval_s) < 0;
	if (r->verdict != EXPR_PASS) {
		snprintf(message, sizeof(message), "measured %s, limit %s%s%s", r->measured,
			 r->limit, r->reason[0] ? ": " : "", r->reason);
		rc |= xmlTextWriterStartElement(w, BAD_CAST "failure") < 0;
		rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "message", BAD_CAST message) < 0;
		rc |= xmlTextWriterWriteAttribute(
			      w, BAD_CAST "type",
			      BAD_CAST(r->verdict == EXPR_NO_DATA ? "no_data" : "threshold")) < 0;
		rc |= xmlTextWriterWriteString(w, BAD_CAST check_text(c)) < 0;
		rc |= xmlTextWriterEndElement(w) < 0;
	}
	rc |= xmlTextWriterStartElement(w, BAD_CAST "system-out") < 0;
	/* Where the requirement came from, since JUnit has no attribute for it. */
	rc |= xmlTextWriterWriteFormatString(w, "%s: %s => %s (limit %s)", c->origin, check_text(c),
					     r->measured, r->limit) < 0;
	rc |= xmlTextWriterEndElement(w) < 0;
	rc |= xmlTextWriterEndElement(w) < 0;
	return rc ? -EIO : 0;
}

static int write_document(xmlTextWriterPtr w, const struct check_list *list, double duration_s)
{
	int failed = checks_failed(list), rc = 0;

	xmlTextWriterSetIndent(w, 1);
	rc |= xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0;
	rc |= xmlTextWriterStartElement(w, BAD_CAST "testsuites") < 0;
	rc |= xmlTextWriterStartElement(w, BAD_CAST "testsuite") < 0;
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST "latscope check") < 0;
	rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "tests", "%d", list->n) < 0;
	rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "failures", "%d", failed) < 0;
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "errors", BAD_CAST "0") < 0;
	rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "time", "%.3f", duration_s) < 0;
	for (int i = 0; i < list->n && !rc; i++)
		rc |= write_case(w, &list->items[i]) != 0;
	rc |= xmlTextWriterEndDocument(w) < 0;
	return rc ? -EIO : 0;
}

/* The caller reports failures in its own one line; libxml2 stays quiet. */
static void quiet(void *ctx, const char *fmt, ...)
{
}

/*
 * libxml2 writes into the FILE, which output_file_close() then flushes,
 * syncs and checks: a write error libxml2 does not report still shows.
 */
int junit_write(const char *path, const struct check_list *list, double duration_s)
{
	xmlOutputBufferPtr buf;
	xmlTextWriterPtr w;
	struct output_file out;
	int err;

	err = output_file_open(&out, path);
	if (err)
		return err;
	xmlSetGenericErrorFunc(NULL, quiet);
	buf = xmlOutputBufferCreateFile(out.f, NULL);
	w = buf ? xmlNewTextWriter(buf) : NULL;
	if (!w) {
		xmlOutputBufferClose(buf);
		return output_file_close(&out, -ENOMEM);
	}
	err = write_document(w, list, duration_s);
	xmlFreeTextWriter(w); /* flushes into out.f, which stays open */
	return output_file_close(&out, err);
}
