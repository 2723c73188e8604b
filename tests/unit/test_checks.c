// Requirements files, verdicts, and the JUnit XML they become (parsed back
// with libxml2).
#include <criterion/criterion.h>
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "judge/checks.h"
#include "judge/junit.h"

static json_t *snap;
static struct check_list list;

static void setup(void)
{
	snap = json_pack("{s:{s:f}, s:{s:{s:i, s:i, s:f, s:i}}}", "time", "duration_s", 3.0,
			 "syscalls", "read", "count", 100, "errors", 0, "rate_per_s", 33.3,
			 "p99_ns", 2000000);
	memset(&list, 0, sizeof(list));
}

static void teardown(void)
{
	checks_free(&list);
	json_decref(snap);
}

TestSuite(checks, .init = setup, .fini = teardown);

Test(checks, requirements_file_lines)
{
	const char *file = "# performance requirements\n"
			   "\n"
			   "read latency: syscalls.read.p99 < 5ms   # the SLO\n"
			   "syscalls.read.count >= 100\n"
			   "  api: requests[\"GET /a:b # not a comment\"].p95 < 100ms\n"
			   "fast reads: syscalls.read.p99 < 1ms\n";
	char why[256];

	cr_assert_eq(checks_parse_lines(&list, file, "req.txt", why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(list.n, 4);
	cr_expect_str_eq(list.items[0].name, "read latency");
	cr_expect_str_eq(expr_text(list.items[0].expr), "syscalls.read.p99 < 5ms");
	cr_expect_str_eq(list.items[0].origin, "req.txt:3");
	cr_expect_str_eq(list.items[1].name, "syscalls.read.count >= 100");
	cr_expect_str_eq(list.items[2].name, "api");
	cr_expect_str_eq(expr_text(list.items[2].expr),
			 "requests[\"GET /a:b # not a comment\"].p95 < 100ms");
	cr_expect_eq(checks_evaluate(&list, snap), 2, "no data and a miss fail");
	cr_expect_eq(list.items[0].result.verdict, EXPR_PASS);
	cr_expect_eq(list.items[1].result.verdict, EXPR_PASS);
	cr_expect_eq(list.items[2].result.verdict, EXPR_NO_DATA);
	cr_expect_eq(list.items[3].result.verdict, EXPR_FAIL);
}

Test(checks, errors_name_file_line_and_column)
{
	char why[256];

	cr_assert_eq(checks_parse_lines(&list, "ok: 1 < 2\n\n  slow: syscalls.read.p99 < 5xs\n",
					"req.txt", why, sizeof(why)),
		     -EINVAL);
	/* columns count in the line: "  slow: " is 8 bytes, the unit is at 22 + 8 */
	cr_expect_str_eq(
		why,
		"req.txt:3: column 30: unknown unit 'xs' (ns, us, ms, s, %, B, KB, MB, GB, /s)");
	cr_assert_eq(checks_parse_lines(&list, ": 1 < 2\n", "r", why, sizeof(why)), -EINVAL);
	cr_expect(strstr(why, "empty requirement name"), "%s", why);
	cr_assert_eq(checks_parse_lines(&list, "# nothing\n\n", "r", why, sizeof(why)), -EINVAL);
	cr_expect(strstr(why, "no requirements"), "%s", why);
	cr_assert_eq(checks_load_file(&list, "/nonexistent/req", why, sizeof(why)), -ENOENT);
}

Test(checks, table_and_json)
{
	char why[256], *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);
	json_t *j, *r;

	cr_assert_eq(checks_add(&list, "p99", "syscalls.read.p99 < 1ms", "--assert", 0, why,
				sizeof(why)),
		     0);
	cr_assert_eq(checks_add(&list, NULL, "syscalls.read.rate > 10/s", "--assert", 0, why,
				sizeof(why)),
		     0);
	cr_expect_eq(checks_evaluate(&list, snap), 1);
	checks_print(out, &list);
	fclose(out);
	cr_expect(strstr(text, "p99 "), "%s", text);
	cr_expect(strstr(text, "2.00ms"), "%s", text);
	cr_expect(strstr(text, "< 1.00ms"), "%s", text);
	cr_expect(strstr(text, "FAIL"), "%s", text);
	cr_expect(strstr(text, "1 of 2 requirements met: FAIL\n"), "%s", text);
	free(text);
	j = checks_json(&list);
	cr_expect_eq(json_integer_value(json_object_get(j, "failed")), 1);
	cr_expect_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(j, "results"), 0), "verdict")),
			 "fail");
	r = json_array_get(json_object_get(j, "results"), 1);
	cr_expect_float_eq(json_number_value(json_object_get(r, "measured")), 33.3, 1e-9);
	cr_expect_float_eq(json_number_value(json_object_get(r, "limit")), 10, 1e-9);
	cr_expect_str_eq(json_string_value(json_object_get(r, "unit")), "per_s");
	cr_expect_str_eq(json_string_value(json_object_get(r, "measured_text")), "33.3/s");
	r = json_array_get(json_object_get(j, "results"), 0);
	cr_expect_float_eq(json_number_value(json_object_get(r, "measured")), 2e6, 1e-9);
	cr_expect_str_eq(json_string_value(json_object_get(r, "unit")), "ns");
	json_decref(j);
}

static int xpath_count(xmlDocPtr doc, const char *path)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr obj = xmlXPathEvalExpression(BAD_CAST path, ctx);
	int n = obj && obj->nodesetval ? obj->nodesetval->nodeNr : 0;

	xmlXPathFreeObject(obj);
	xmlXPathFreeContext(ctx);
	return n;
}

/* Violations of the Jenkins xUnit JUnit schema (tests/junit/junit-10.xsd). */
static int schema_errors(xmlDocPtr doc)
{
	xmlSchemaParserCtxtPtr pctx = xmlSchemaNewParserCtxt("tests/junit/junit-10.xsd");
	xmlSchemaPtr schema = pctx ? xmlSchemaParse(pctx) : NULL;
	xmlSchemaValidCtxtPtr vctx = schema ? xmlSchemaNewValidCtxt(schema) : NULL;
	int rc;

	cr_assert(vctx, "cannot load tests/junit/junit-10.xsd (run from the source tree)");
	rc = xmlSchemaValidateDoc(vctx, doc);
	xmlSchemaFreeValidCtxt(vctx);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pctx);
	return rc;
}

/* The schema is real: it refuses what Jenkins refuses. */
Test(checks, junit_schema_refuses_a_file_attribute)
{
	xmlDocPtr doc = xmlReadMemory("<testsuites><testsuite name=\"s\" tests=\"1\">"
				      "<testcase name=\"x\" file=\"--assert\"/></testsuite>"
				      "</testsuites>",
				      103, "x.xml", NULL, 0);

	cr_assert(doc);
	cr_expect_neq(schema_errors(doc), 0);
	xmlFreeDoc(doc);
}

/* A count of what never happened is 0: `count == 0` asserts absence. */
Test(checks, count_of_the_unseen_is_zero)
{
	char why[256];

	cr_assert_eq(checks_add(&list, NULL, "syscalls.getppid.count == 0", "--assert", 0, why,
				sizeof(why)),
		     0);
	cr_assert_eq(checks_add(&list, NULL, "syscalls.getppid.p99 < 1ms", "--assert", 0, why,
				sizeof(why)),
		     0);
	cr_assert_eq(checks_add(&list, NULL, "resources[\"nginx\"].rss < 1GB", "--assert", 0, why,
				sizeof(why)),
		     0);
	cr_expect_eq(checks_evaluate(&list, snap), 2);
	cr_expect_eq(list.items[0].result.verdict, EXPR_PASS, "%s", list.items[0].result.reason);
	cr_expect_eq(list.items[1].result.verdict, EXPR_NO_DATA, "no percentile of nothing");
	cr_expect_eq(list.items[2].result.verdict, EXPR_NO_DATA, "no section, no size");
}

Test(checks, junit_xml_parses_back)
{
	char path[] = "/tmp/latscope-junit-XXXXXX", why[256];
	int fd = mkstemp(path);
	xmlDocPtr doc;
	xmlNodePtr suite;
	xmlChar *attr;

	cr_assert(fd >= 0);
	close(fd);
	cr_assert_eq(checks_add(&list, "reads <fast> & \"quoted\" 'ok' é",
				"syscalls.read.p99 < 5ms", "req.txt:1", 0, why, sizeof(why)),
		     0);
	cr_assert_eq(checks_add(&list, NULL, "syscalls.read.p99 < 1ms && 1 < 2", "--assert", 0, why,
				sizeof(why)),
		     0);
	cr_assert_eq(checks_add(&list, NULL, "syscalls.write.p99 < 1ms", "--assert", 0, why,
				sizeof(why)),
		     0);
	checks_evaluate(&list, snap);
	cr_assert_eq(junit_write(path, &list, 3.0), 0);

	doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	cr_assert(doc, "JUnit file is not well-formed XML");
	suite = xmlDocGetRootElement(doc)->children;
	while (suite && suite->type != XML_ELEMENT_NODE)
		suite = suite->next;
	cr_assert_str_eq((const char *)suite->name, "testsuite");
	attr = xmlGetProp(suite, BAD_CAST "tests");
	cr_expect_str_eq((const char *)attr, "3");
	xmlFree(attr);
	attr = xmlGetProp(suite, BAD_CAST "failures");
	cr_expect_str_eq((const char *)attr, "2");
	xmlFree(attr);
	cr_expect_eq(xpath_count(doc, "//testcase"), 3);
	cr_expect_eq(xpath_count(doc, "//testcase/failure"), 2);
	cr_expect_eq(xpath_count(doc,
				 "//testcase[starts-with(@name, 'reads <fast> & \"quoted\"')]"),
		     1, "names survive escaping");
	cr_expect_eq(xpath_count(doc, "//failure[@type='no_data']"), 1);
	cr_expect_eq(xpath_count(doc, "//testcase[@time]"), 3, "every case has a time");
	cr_expect_eq(xpath_count(doc, "//testcase[@file]"), 0);
	cr_expect_eq(schema_errors(doc), 0, "valid against tests/junit/junit-10.xsd");
	cr_expect_eq(xpath_count(doc,
				 "//testcase[@name='syscalls.read.p99 < 1ms && 1 < 2']/failure"),
		     1);
	xmlFreeDoc(doc);
	unlink(path);
}

Test(checks, junit_unwritable_path_fails)
{
	cr_expect_lt(junit_write("/nonexistent/dir/x.xml", &list, 1.0), 0);
}

/* Random lines never crash the requirements parser; errors always say where. */
Test(checks, fuzz_requirements_files)
{
	static const char *const pieces[] = {
		"name",	 ":",	 " ", "#",   "\"",  "'", "[", "]",  "\n",	"\r\n", "syscalls",
		".read", ".p99", "<", "1ms", "and", "(", ")", "\\", "requests", "x:",
	};
	unsigned int seed = 777;
	char text[512], why[256];

	for (int round = 0; round < 5000; round++) {
		struct check_list l = {};
		size_t n = 0;
		int len = rand_r(&seed) % 60;

		for (int i = 0; i < len && n < sizeof(text) - 16; i++)
			n += snprintf(text + n, sizeof(text) - n, "%s",
				      pieces[rand_r(&seed) % (sizeof(pieces) / sizeof(pieces[0]))]);
		text[n] = '\0';
		why[0] = '\0';
		if (checks_parse_lines(&l, text, "f", why, sizeof(why)))
			cr_assert(!strncmp(why, "f", 1), "'%s' -> '%s'", text, why);
		else
			checks_evaluate(&l, snap);
		checks_free(&l);
	}
}
