/* SPDX-License-Identifier: MIT */
/*
 * test_mime - the MIME writer: mime_header() refuses CR, LF and other
 * control characters and lines over 998 octets, writing nothing;
 * mime_encode_words() keeps plain ASCII and splits the rest into RFC 2047
 * words between UTF-8 characters;
 * mime_alternative() refuses a boundary that could collide or is not a
 * token, and writes an entity that libetpan's parser (the oracle) reads
 * back as multipart/alternative with the boundary and two UTF-8
 * quoted-printable parts whose decoded bodies are the inputs (line breaks
 * as CRLF).
 */
#include <libetpan/libetpan.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "mime.h"

/* headers - the header writer and its refusals */
static void
headers(void)
{
    struct buf b;
    struct err err;
    char longv[1000];

    buf_init(&b, BUF_UNLIMITED);
    err_init(&err);
    CHECK(mime_header(&b, "List-Id", "<news.example.org>", &err) == 0);
    CHECK_STR_EQ(buf_str(&b), "List-Id: <news.example.org>\r\n");
    buf_reset(&b);
    CHECK(mime_header(&b, "List-Id", "x\r\nBcc: victim@example.org", &err) ==
          -1);
    CHECK_CONTAINS(err.msg, "control characters");
    CHECK(mime_header(&b, "List-Id", "x\nBcc: v@example.org", &err) == -1);
    CHECK(mime_header(&b, "List-Id", "x\rBcc: v@example.org", &err) == -1);
    CHECK(mime_header(&b, "Feedback-ID", "a\tb", &err) == -1);
    CHECK(mime_header(&b, "Feedback-ID", "a\x7f", &err) == -1);
    memset(longv, 'v', sizeof(longv) - 1);
    longv[sizeof(longv) - 1] = '\0';
    longv[998 - 4] = '\0'; /* "X: " + 994 + ... = 997 octets: fits */
    CHECK(mime_header(&b, "X", longv, &err) == 0);
    CHECK_INT_EQ(b.len, 3 + 994 + 2);
    buf_reset(&b);
    longv[998 - 4] = 'v';
    longv[998 - 2] = '\0'; /* 999 octets */
    CHECK(mime_header(&b, "X", longv, &err) == -1);
    CHECK_CONTAINS(err.msg, "too long");
    CHECK_INT_EQ(b.len, 0);
    CHECK(mime_value_ok("the subject", "Caf\xc3\xa9", &err) == 0);
    CHECK(mime_value_ok("the subject", "a\r\nb", &err) == -1);
    CHECK_CONTAINS(err.msg, "the subject");
    CHECK(mime_value_ok("the subject", longv, &err) == -1);
    buf_release(&b);
}

/* body_of - the decoded body of part onto out */
static void
body_of(struct mailmime *part, struct buf *out)
{
    struct mailmime_data *d = part->mm_data.mm_single;
    char *dec = NULL;
    size_t idx = 0, n = 0;

    CHECK(d != NULL && d->dt_encoding == MAILMIME_MECHANISM_QUOTED_PRINTABLE);
    if (d == NULL)
        return;
    CHECK(mailmime_part_parse(d->dt_data.dt_text.dt_data,
                              d->dt_data.dt_text.dt_length, &idx,
                              d->dt_encoding, &dec, &n) == MAILIMF_NO_ERROR);
    if (dec != NULL) {
        buf_add(out, dec, n);
        mmap_string_unref(dec);
    }
}

/* entity - the multipart/alternative read back by libetpan */
static void
entity(void)
{
    static const char text[] = "Hello =\n\n-- \nPaperboy \xe2\x80\x94 news\n";
    static const char html[] = "<p style=\"x\">caf\xc3\xa9</p>\n";
    struct mime_text parts[2] = {{"plain", text, sizeof(text) - 1},
                                 {"html", html, sizeof(html) - 1}};
    struct buf b, got;
    struct err err;
    struct mailmime *mime = NULL, *alt;
    size_t idx = 0;

    buf_init(&b, BUF_UNLIMITED);
    buf_init(&got, BUF_UNLIMITED);
    err_init(&err);
    CHECK(mime_alternative(&b, "=_pb_0123abcd", parts, 2, &err) == 0);
    CHECK(strncmp(buf_str(&b),
                  "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; "
                  "boundary=\"=_pb_0123abcd\"\r\n\r\n--=_pb_0123abcd\r\n",
                  96) == 0);
    CHECK(mailmime_parse(buf_str(&b), b.len, &idx, &mime) == MAILIMF_NO_ERROR);
    /* a message (the header) whose body is the multipart */
    alt = mime != NULL && mime->mm_type == MAILMIME_MESSAGE
              ? mime->mm_data.mm_message.mm_msg_mime
              : NULL;
    CHECK(alt != NULL && alt->mm_type == MAILMIME_MULTIPLE);
    if (alt != NULL && alt->mm_type == MAILMIME_MULTIPLE) {
        clist *l = alt->mm_data.mm_multipart.mm_mp_list;
        struct mailmime_content *ct = alt->mm_content_type;
        CHECK_STR_EQ(ct->ct_subtype, "alternative");
        CHECK_STR_EQ(mailmime_content_param_get(ct, "boundary"),
                     "=_pb_0123abcd");
        CHECK(clist_count(l) == 2);
        if (clist_count(l) == 2) {
            struct mailmime *p1 = clist_nth_data(l, 0);
            struct mailmime *p2 = clist_nth_data(l, 1);
            CHECK_STR_EQ(p1->mm_content_type->ct_subtype, "plain");
            CHECK_STR_EQ(p2->mm_content_type->ct_subtype, "html");
            CHECK_STR_EQ(
                mailmime_content_param_get(p1->mm_content_type, "charset"),
                "utf-8");
            body_of(p1, &got);
            CHECK_STR_EQ(
                buf_str(&got),
                "Hello =\r\n\r\n-- \r\nPaperboy \xe2\x80\x94 news\r\n");
            buf_reset(&got);
            body_of(p2, &got);
            CHECK_STR_EQ(buf_str(&got), "<p style=\"x\">caf\xc3\xa9</p>\r\n");
        }
    }
    if (mime != NULL)
        mailmime_free(mime);

    /* refused: nothing written */
    buf_reset(&b);
    CHECK(mime_alternative(&b, "pb_no_equals", parts, 2, &err) == -1);
    CHECK(mime_alternative(&b, "=_a\"b", parts, 2, &err) == -1);
    CHECK(mime_alternative(&b, "=_a\r\nb", parts, 2, &err) == -1);
    CHECK(mime_alternative(&b,
                           "=_0123456789012345678901234567890123456789"
                           "0123456789012345678901234567890",
                           parts, 2, &err) == -1);
    parts[1].subtype = "html\r\nBcc: x";
    CHECK(mime_alternative(&b, "=_ok", parts, 2, &err) == -1);
    CHECK_INT_EQ(b.len, 0);
    buf_release(&b);
    buf_release(&got);
}

/* words - RFC 2047 encoded words: plain ASCII kept, "=?" and non-ASCII
 * encoded, long input split between characters */
static void
words(void)
{
    struct buf e;
    buf_init(&e, 4096);
    mime_encode_words("plain ascii", &e);
    CHECK_STR_EQ(buf_str(&e), "plain ascii");
    buf_reset(&e);
    mime_encode_words("a =?b?= c", &e);
    CHECK(strncmp(buf_str(&e), "=?UTF-8?B?", 10) == 0);
    buf_reset(&e);
    /* base64 with padding ('/' and '=' included) */
    mime_encode_words("a =?b?= cd", &e);
    CHECK_STR_EQ(buf_str(&e), "=?UTF-8?B?YSA9P2I/PSBjZA==?=");
    buf_reset(&e);
    mime_encode_words("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                      "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                      "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                      "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
                      &e);
    /* 48 bytes: two words of 30 bytes at most, none split */
    CHECK_STR_EQ(buf_str(&e),
                 "=?UTF-8?B?w6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOp?= "
                 "=?UTF-8?B?w6nDqcOpw6nDqcOpw6nDqcOp?=");
    buf_release(&e);
}

int
main(void)
{
    headers();
    words();
    entity();
    return CHECK_DONE();
}
