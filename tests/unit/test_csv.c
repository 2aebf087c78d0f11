/* SPDX-License-Identifier: MIT */
/*
 * test_csv - the RFC 4180 reader and writer: a table of inputs with the
 * records (fields joined by '|', records by '\n') or the error each one
 * must produce, a listmonk export, reading from a FILE, caps, and a
 * write-then-read round trip.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "csv.h"

struct read_case {
    const char *in;
    size_t len;       /* 0 = strlen(in) */
    const char *want; /* records rendered as "line:f1|f2\n..." or errors as
                         "!line N: reason\n" */
};

static const struct read_case cases[] = {
    {"a,b,c\n", 0, "1:a|b|c\n"},
    {"a,b,c", 0, "1:a|b|c\n"}, /* no final line end */
    {"a,b\r\nc,d\r\n", 0, "1:a|b\n2:c|d\n"},
    {"a,b\nc,d\n", 0, "1:a|b\n2:c|d\n"},
    {"\xEF\xBB\xBF"
     "email,name\r\nx@y.org,X\r\n",
     0, "1:email|name\n2:x@y.org|X\n"},
    {"\"a,b\",c\n", 0, "1:a,b|c\n"},
    {"\"say \"\"hi\"\"\",x\n", 0, "1:say \"hi\"|x\n"},
    {"\"multi\nline\",z\nnext,row\n", 0, "1:multi\nline|z\n3:next|row\n"},
    {"\"multi\r\nline\",z\r\nnext,row\r\n", 0,
     "1:multi\r\nline|z\n3:next|row\n"},
    {",,\n", 0, "1:||\n"},
    {"\"\",\"\"\n", 0, "1:|\n"},
    {"a\n\n\nb\n", 0, "1:a\n4:b\n"},     /* empty lines skipped */
    {"a\r\n\r\nb\r\n", 0, "1:a\n3:b\n"}, /* also with CRLF */
    {"", 0, ""},
    {"\xEF\xBB\xBF", 0, ""},
    {" a , b \n", 0, "1: a | b \n"}, /* blanks are data */
    {"a\rb\r", 0, "1:a\n2:b\n"},     /* old Mac line ends */
    {"ab\"c,d\nok,1\n", 0,
     "!line 1: a quote inside an unquoted field (quote the field and "
     "double the quote)\n2:ok|1\n"},
    {"\"ab\"c,d\nok,1\n", 0,
     "!line 1: text after the closing quote of a field\n2:ok|1\n"},
    {"ok\n\"open,never closed\n", 0,
     "1:ok\n!line 2: a quoted field is not closed before the end of the "
     "file\n"},
    {"a\0b,c\nd\n", 7, "!line 1: contains a NUL byte\n2:d\n"},
    /* an error inside a multi-line record reports its first line and the
     * next record keeps the right line number */
    {"x\n\"a\nb\"c,d\ne,f\n", 0,
     "1:x\n!line 2: text after the closing quote of a field\n4:e|f\n"},
};

/* render - read every record of in into out as in the table */
static void
render(const char *in, size_t len, struct buf *out)
{
    struct csv_reader r;
    struct csv_record rec;
    struct err err;
    int rc;

    csv_reader_init_mem(&r, in, len);
    csv_record_init(&rec);
    for (int guard = 0; guard < 100; guard++) {
        err_init(&err);
        rc = csv_read(&r, &rec, &err);
        if (rc == 0)
            break;
        if (rc == -1) {
            buf_addf(out, "!%s\n", err.msg);
            if (r.fatal)
                break;
            continue;
        }
        buf_addf(out, "%ld:", rec.line);
        for (size_t i = 0; i < rec.n; i++)
            buf_addf(out, "%s%s", i ? "|" : "", csv_field(&rec, i));
        buf_addc(out, '\n');
    }
    csv_record_release(&rec);
}

static void
test_table(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf out;
        buf_init(&out, BUF_UNLIMITED);
        render(cases[i].in, cases[i].len ? cases[i].len : strlen(cases[i].in),
               &out);
        if (strcmp(buf_str(&out), cases[i].want) != 0)
            fprintf(stderr, "case %zu:\n", i);
        CHECK_STR_EQ(buf_str(&out), cases[i].want);
        buf_release(&out);
    }
}

/* listmonk's subscriber export: attributes is JSON with doubled quotes */
static void
test_listmonk(void)
{
    static const char in[] =
        "uuid,email,name,attributes,status,created_at,updated_at\n"
        "5e2c1d0a-8c1b-4e1b-9b0a-0c1d2e3f4a5b,ada@example.org,Ada "
        "Lovelace,\"{\"\"city\"\": \"\"London\"\", \"\"tags\"\": "
        "[\"\"math\"\", \"\"engines\"\"]}\",enabled,2024-01-02 "
        "10:00:00.123456+00,2024-01-03 11:00:00+00\n"
        "6f3d2e1b-9d2c-5f2c-0c1b-1d2e3f4a5b6c,\"grace@example.org\","
        "\"Hopper, Grace\",{},blocklisted,2024-02-02 10:00:00+00,2024-02-02 "
        "10:00:00+00\n";
    struct csv_reader r;
    struct csv_record hdr, rec;
    struct err err;
    int email, name, attrs;

    csv_reader_init_mem(&r, in, sizeof(in) - 1);
    csv_record_init(&hdr);
    csv_record_init(&rec);
    CHECK_INT_EQ(csv_read(&r, &hdr, &err), 1);
    CHECK_INT_EQ(hdr.n, 7);
    email = csv_header_index(&hdr, "EMAIL");
    name = csv_header_index(&hdr, "name");
    attrs = csv_header_index(&hdr, "attributes");
    CHECK_INT_EQ(email, 1);
    CHECK_INT_EQ(name, 2);
    CHECK_INT_EQ(attrs, 3);
    CHECK_INT_EQ(csv_header_index(&hdr, "keywords"), -1);
    CHECK_INT_EQ(csv_read(&r, &rec, &err), 1);
    CHECK_INT_EQ(rec.line, 2);
    CHECK_STR_EQ(csv_field(&rec, (size_t)email), "ada@example.org");
    CHECK_STR_EQ(csv_field(&rec, (size_t)name), "Ada Lovelace");
    CHECK_STR_EQ(csv_field(&rec, (size_t)attrs),
                 "{\"city\": \"London\", \"tags\": [\"math\", \"engines\"]}");
    CHECK_INT_EQ(csv_read(&r, &rec, &err), 1);
    CHECK_INT_EQ(rec.line, 3);
    CHECK_STR_EQ(csv_field(&rec, (size_t)email), "grace@example.org");
    CHECK_STR_EQ(csv_field(&rec, (size_t)name), "Hopper, Grace");
    CHECK_STR_EQ(csv_field(&rec, 4), "blocklisted");
    CHECK_STR_EQ(csv_field(&rec, 99), ""); /* out of range */
    CHECK_INT_EQ(csv_read(&r, &rec, &err), 0);
    csv_record_release(&hdr);
    csv_record_release(&rec);
}

/* caps on field size, record size and field count are reported, and the
 * reader resumes with the next record */
static void
test_caps(void)
{
    struct buf in;
    struct csv_reader r;
    struct csv_record rec;
    struct err err;

    buf_init(&in, BUF_UNLIMITED);
    for (int i = 0; i < 100; i++)
        buf_addc(&in, 'x');
    buf_adds(&in, ",short\nnext\n");
    for (int i = 0; i < 20; i++)
        buf_adds(&in, "a,");
    buf_adds(&in, "a\nlast\n");

    csv_reader_init_mem(&r, in.data, in.len);
    r.field_max = 50;
    r.fields_max = 10;
    csv_record_init(&rec);
    CHECK_INT_EQ(csv_read(&r, &rec, &err), -1);
    CHECK_CONTAINS(err.msg, "line 1: a field is too long");
    CHECK_INT_EQ(csv_read(&r, &rec, &err), 1);
    CHECK_STR_EQ(csv_field(&rec, 0), "next");
    CHECK_INT_EQ(csv_read(&r, &rec, &err), -1);
    CHECK_CONTAINS(err.msg, "line 3: too many fields");
    CHECK_INT_EQ(csv_read(&r, &rec, &err), 1);
    CHECK_STR_EQ(csv_field(&rec, 0), "last");
    CHECK_INT_EQ(rec.line, 4);
    CHECK_INT_EQ(csv_read(&r, &rec, &err), 0);

    csv_reader_init_mem(&r, in.data, in.len);
    r.record_max = 60;
    CHECK_INT_EQ(csv_read(&r, &rec, &err), -1);
    CHECK_CONTAINS(err.msg, "line 1: the record is too long");
    csv_record_release(&rec);
    buf_release(&in);
}

/* write awkward fields, read them back unchanged, from a FILE with BOM */
static void
test_roundtrip(void)
{
    static const char *const fields[][4] = {
        {"plain", "with,comma", "with \"quote\"", "multi\nline"},
        {"", " lead", "trail ", "crlf\r\ninside"},
        {"ünïcödé", "=1+2", "\"", ","},
    };
    struct buf out;
    struct csv_reader r;
    struct csv_record rec;
    struct err err;
    FILE *fp;

    buf_init(&out, BUF_UNLIMITED);
    buf_adds(&out, "\xEF\xBB\xBF");
    for (size_t i = 0; i < 3; i++) {
        for (size_t j = 0; j < 4; j++)
            csv_add_field(&out, fields[i][j], j == 0);
        csv_end_record(&out);
    }
    CHECK_CONTAINS(buf_str(&out),
                   "plain,\"with,comma\",\"with \"\"quote\"\"\"");
    CHECK_CONTAINS(buf_str(&out), "\r\n,\" lead\",\"trail \"");

    fp = tmpfile();
    CHECK(fp != NULL);
    if (fp == NULL)
        return;
    CHECK_INT_EQ(fwrite(out.data, 1, out.len, fp), out.len);
    rewind(fp);
    csv_reader_init_file(&r, fp);
    csv_record_init(&rec);
    for (size_t i = 0; i < 3; i++) {
        CHECK_INT_EQ(csv_read(&r, &rec, &err), 1);
        CHECK_INT_EQ(rec.n, 4);
        for (size_t j = 0; j < 4; j++)
            CHECK_STR_EQ(csv_field(&rec, j), fields[i][j]);
    }
    CHECK_INT_EQ(csv_read(&r, &rec, &err), 0);
    fclose(fp);

    /* a FILE that starts with 0xEF but no BOM keeps its bytes */
    fp = tmpfile();
    if (fp != NULL) {
        fputs("\xEF\xBBx,y\n", fp);
        rewind(fp);
        csv_reader_init_file(&r, fp);
        CHECK_INT_EQ(csv_read(&r, &rec, &err), 1);
        CHECK_STR_EQ(csv_field(&rec, 0), "\xEF\xBBx");
        CHECK_STR_EQ(csv_field(&rec, 1), "y");
        fclose(fp);
    }
    csv_record_release(&rec);
    buf_release(&out);
}

/* Formula cells (OWASP "CSV injection"): neutralised with one leading
 * apostrophe, given back exactly by csv_cell_value(), everything else
 * untouched; written, read and unescaped, every value survives. */
static void
test_cells(void)
{
    static const struct {
        const char *value, *cell;
    } cells[] = {
        {"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
        {"+HYPERLINK(\"http://x\")", "\"'+HYPERLINK(\"\"http://x\"\")\""},
        {"-rl, kv cache", "\"'-rl, kv cache\""},
        {"@SUM(A1)", "'@SUM(A1)"},
        {"\tx", "'\tx"},
        {"\rx", "\"'\rx\""},
        {"'=already", "''=already"},
        {"''+two", "'''+two"},
        {"'plain", "'plain"},
        {"'", "'"},
        {"kv cache, -rl", "\"kv cache, -rl\""},
        {"a=b", "a=b"},
        {"", ""},
        {"=", "'="},
    };
    struct buf out;
    struct csv_reader r;
    struct csv_record rec;
    struct err err;

    for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
        buf_init(&out, BUF_UNLIMITED);
        csv_add_cell(&out, cells[i].value, 1);
        CHECK_STR_EQ(buf_str(&out), cells[i].cell);
        csv_add_field(&out, "end", 0);
        csv_end_record(&out);
        csv_reader_init_mem(&r, out.data, out.len);
        csv_record_init(&rec);
        err_init(&err);
        CHECK_INT_EQ(csv_read(&r, &rec, &err), 1);
        CHECK_STR_EQ(csv_cell_value(csv_field(&rec, 0)), cells[i].value);
        csv_record_release(&rec);
        buf_release(&out);
    }
}

int
main(void)
{
    test_table();
    test_listmonk();
    test_caps();
    test_roundtrip();
    test_cells();
    return CHECK_DONE();
}
