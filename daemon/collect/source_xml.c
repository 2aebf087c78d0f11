/* SPDX-License-Identifier: MIT */
/*
 * source_xml - shared expat plumbing for the XML feed parsers (see
 * source_xml.h).
 */
#include "source_xml.h"

#include <expat.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "xalloc.h"

void
source_xml_stop(struct source_xml *x, const char *why)
{
    if (x->why[0] == '\0')
        str_copy(x->why, sizeof(x->why), why);
    XML_StopParser((XML_Parser)x->parser, XML_FALSE);
}

/* sx_start - expat start handler: depth check, reset text, dispatch */
static void XMLCALL
sx_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    struct source_xml *x = ud;

    if (++x->depth > SOURCE_XML_MAX_DEPTH) {
        source_xml_stop(x, "elements nested too deeply");
        return;
    }
    buf_reset(&x->text);
    if (x->start)
        x->start(x, name, attrs);
}

/* sx_end - expat end handler: size check, dispatch, reset text */
static void XMLCALL
sx_end(void *ud, const XML_Char *name)
{
    struct source_xml *x = ud;

    if (x->text.failed) {
        source_xml_stop(x, "element text too large");
        return;
    }
    if (x->end)
        x->end(x, name);
    buf_reset(&x->text);
    x->depth--;
}

/* sx_chars - expat character data: accumulate (capped) */
static void XMLCALL
sx_chars(void *ud, const XML_Char *s, int len)
{
    struct source_xml *x = ud;

    if (len > 0)
        buf_add(&x->text, s, (size_t)len);
}

/* sx_doctype - any DOCTYPE is refused: feeds have none, bombs need one */
static void XMLCALL
sx_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
           const XML_Char *pubid, int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    source_xml_stop(ud, "DOCTYPE declarations are not allowed (possible "
                        "entity-expansion attack)");
}

/* sx_entity - any entity declaration is refused */
static void XMLCALL
sx_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
          int value_len, const XML_Char *base, const XML_Char *sysid,
          const XML_Char *pubid, const XML_Char *notation)
{
    (void)name;
    (void)is_param;
    (void)value;
    (void)value_len;
    (void)base;
    (void)sysid;
    (void)pubid;
    (void)notation;
    source_xml_stop(ud, "entity declarations are not allowed (possible "
                        "entity-expansion attack)");
}

const char *
source_xml_attr(const char **attrs, const char *name)
{
    for (int i = 0; attrs && attrs[i]; i += 2)
        if (strcmp(attrs[i], name) == 0)
            return attrs[i + 1];
    return NULL;
}

void
source_xml_set(char **field, const struct buf *text)
{
    free(*field);
    *field = xstrndup(buf_str(text), text->len);
}

int
source_xml_sniff(const char *data, size_t len, const char *tag)
{
    size_t n = len < 1024 ? len : 1024;

    return memmem(data, n, tag, strlen(tag)) != NULL;
}

int
source_xml_parse(struct source_xml *x, const char *data, size_t len,
                 const char *what, struct err *err)
{
    XML_Parser p;
    int rc = -1;

    if (len > (size_t)0x7fffffff) {
        err_set(err, ERR_PERM, "%s: document too large", what);
        return -1;
    }
    p = XML_ParserCreateNS(NULL, ' ');
    if (p == NULL) {
        err_set(err, ERR_TEMP, "%s: cannot create XML parser", what);
        return -1;
    }
    x->parser = p;
    x->depth = 0;
    x->why[0] = '\0';
    buf_init(&x->text, SOURCE_XML_MAX_TEXT);
    XML_SetUserData(p, x);
    XML_SetElementHandler(p, sx_start, sx_end);
    XML_SetCharacterDataHandler(p, sx_chars);
    XML_SetStartDoctypeDeclHandler(p, sx_doctype);
    XML_SetEntityDeclHandler(p, sx_entity);
    XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
    if (XML_Parse(p, data, (int)len, XML_TRUE) != XML_STATUS_OK) {
        if (x->why[0] != '\0')
            err_set(err, ERR_PERM, "%s: %s at line %lu", what, x->why,
                    (unsigned long)XML_GetCurrentLineNumber(p));
        else
            err_set(err, ERR_PERM, "%s: not well-formed XML: %s at line %lu",
                    what, XML_ErrorString(XML_GetErrorCode(p)),
                    (unsigned long)XML_GetCurrentLineNumber(p));
        goto out;
    }
    if (x->why[0] != '\0') {
        err_set(err, ERR_PERM, "%s: %s", what, x->why);
        goto out;
    }
    rc = 0;
out:
    buf_release(&x->text);
    XML_ParserFree(p);
    x->parser = NULL;
    return rc;
}
