/*
 * fuzz_prompt.c - libFuzzer target for core/prompt: whatever the offer and
 * leads say, the request keeps its shape.
 *
 * The input is NUL-separated fields: the offer's name, value prop and ideal
 * customer, then five fields (role, company, industry, location, bio) for
 * each of up to four leads; the first byte picks the number of leads and the
 * wire format. Fields that are not UTF-8 are read as Windows-1252 first, as
 * the CSV reader does (leads and offers are UTF-8 by contract). For each
 * input it builds the user text and both request bodies and checks that:
 *   - each body is valid JSON and carries the user text unchanged;
 *   - the data block sits between exactly two markers with the nonce, and no
 *     other marker exists;
 *   - no '<' or '>' appears inside the block, and its only raw newlines are
 *     the layout's (the offer, one line per record, the end);
 *   - the JSON inside re-parses, and every record holds exactly its id, its
 *     five fields and its id again, each field a clipped prefix of the input.
 * Any violation aborts.
 *
 *   clang -fsanitize=fuzzer,address,undefined -std=c17 -D_POSIX_C_SOURCE=200809L \
 *       -Isrc src/core/\*.c tests/fuzz/fuzz_prompt.c -ljansson -lcsv -lm
 *   ./a.out -max_total_time=60 tests/fuzz/corpus/prompt
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/lead.h"
#include "core/offer.h"
#include "core/prompt.h"
#include "core/utf8.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NONCE     "0123456789abcdef0123456789abcdef"
#define MAX_LEADS 4
#define N_FIELDS  (3 + 5 * MAX_LEADS)

static const enum ls_field lead_fields[5] = {LS_F_ROLE, LS_F_COMPANY, LS_F_INDUSTRY, LS_F_LOCATION,
                                             LS_F_BIO};
static const char *const lead_keys[5] = {"role", "company", "industry", "location", "bio"};

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_prompt: %s\n", what);
        abort();
    }
}

/* The input's fields, each made valid UTF-8 (owned: free). */
static void split(const uint8_t *data, size_t size, char *fields[N_FIELDS])
{
    size_t f = 0, start = 0;
    for (size_t i = 0; i <= size && f < N_FIELDS; i++) {
        if (i < size && data[i] != '\0')
            continue;
        const char *s = (const char *)data + start;
        size_t len = i - start;
        struct ls_buf b;
        ls_buf_init(&b, 3 * len + 1);
        if (ls_utf8_valid(s, len))
            ls_buf_add(&b, s, len);
        else
            ls_cp1252_to_utf8(s, len, &b);
        fields[f++] = ls_buf_steal(&b, NULL);
        start = i + 1;
    }
    while (f < N_FIELDS)
        fields[f++] = ls_xstrdup("");
}

/* got is what a field of input want, clipped to max bytes on a character, decodes to. */
static bool clipped_prefix(const char *got, const char *want, size_t max)
{
    if (got == NULL)
        return false;
    size_t gl = strlen(got), wl = strlen(want);
    if (gl > wl || memcmp(got, want, gl) != 0)
        return false;
    /* Cut only where it had to be, and only between characters. */
    return gl == wl ? wl <= max
                    : gl <= max && gl + 4 > max && ((unsigned char)want[gl] & 0xC0) != 0x80;
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *q = hay; (q = strstr(q, needle)) != NULL; q++)
        n++;
    return n;
}

static const char *str_of(const json_t *j, const char *key)
{
    const char *s = json_string_value(json_object_get(j, key));
    return s ? s : "";
}

/* One record: exactly its id, its fields and its id again. */
static void check_record(const json_t *rec, const struct ls_prompt_lead *pl)
{
    check(json_object_size(rec) == 7, "a record has other keys than its own");
    check(strcmp(str_of(rec, "id"), pl->id) == 0, "a record's id is not its lead's");
    check(strcmp(str_of(rec, "end"), pl->id) == 0, "a record's end is not its own id");
    for (size_t k = 0; k < 5; k++) {
        size_t max = lead_fields[k] == LS_F_BIO ? LS_PROMPT_BIO_MAX : LS_PROMPT_FIELD_MAX;
        check(clipped_prefix(str_of(rec, lead_keys[k]), pl->lead->f[lead_fields[k]], max),
              "a record's field is not a clipped prefix of its lead's");
    }
}

/* The lines of the block: the offer, one per record, the end. */
static void check_lines(const char *block, size_t len, const struct ls_prompt *p)
{
    const char *q = block, *end = block + len;
    for (size_t line = 0; line < p->n + 2; line++) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        const char *stop = nl ? nl : end;
        check(line == p->n + 1 ? nl == NULL : nl != NULL, "a raw newline that is not the layout's");
        if (line > 0 && line <= p->n) {
            char head[32], tail[32];
            const char *id = p->leads[line - 1].id;
            size_t n = (size_t)(stop - q) - (line < p->n); /* the comma between records */
            snprintf(head, sizeof(head), "{\"id\":\"%s\",", id);
            snprintf(tail, sizeof(tail), ",\"end\":\"%s\"}", id);
            check(n >= strlen(head) + strlen(tail) && memcmp(q, head, strlen(head)) == 0 &&
                      memcmp(q + n - strlen(tail), tail, strlen(tail)) == 0,
                  "a record's line does not open and close with its id");
        }
        q = stop + 1;
    }
}

static void check_user_text(const char *user, const struct ls_prompt *p)
{
    const char *open = "<data nonce=\"" NONCE "\">\n", *close = "\n</data nonce=\"" NONCE "\">";
    check(count_of(user, "nonce=\"" NONCE "\">") == 2, "the nonce's markers are not exactly two");
    check(count_of(user, "<data") == 1 && count_of(user, "</data") == 1, "a marker from lead text");
    const char *start = strstr(user, open);
    check(start != NULL, "no opening marker");
    start += strlen(open);
    const char *end = strstr(start, close);
    check(end != NULL, "no closing marker after the opening one");
    size_t len = (size_t)(end - start);
    check(memchr(start, '<', len) == NULL && memchr(start, '>', len) == NULL,
          "'<' or '>' inside the block");
    check_lines(start, len, p);
    json_error_t e;
    json_t *doc = json_loadb(start, len, JSON_REJECT_DUPLICATES, &e);
    check(doc != NULL, "the block is not JSON");
    const json_t *offer = json_object_get(doc, "offer");
    check(clipped_prefix(str_of(offer, "name"), p->offer->name, LS_PROMPT_OFFER_STR_MAX),
          "the offer's name is not a clipped prefix");
    const json_t *vp = json_object_get(offer, "value_props"),
                 *ic = json_object_get(offer, "ideal_customers");
    check(json_array_size(vp) == 1 && json_array_size(ic) == 1, "the offer's lists changed size");
    check(clipped_prefix(json_string_value(json_array_get(vp, 0)), p->offer->value_props.v[0],
                         LS_PROMPT_OFFER_STR_MAX) &&
              clipped_prefix(json_string_value(json_array_get(ic, 0)),
                             p->offer->ideal_use_cases.v[0], LS_PROMPT_OFFER_STR_MAX),
          "an offer item is not a clipped prefix");
    const json_t *prospects = json_object_get(doc, "prospects");
    check(json_array_size(prospects) == p->n, "not one record per lead");
    for (size_t i = 0; i < p->n; i++)
        check_record(json_array_get(prospects, i), &p->leads[i]);
    json_decref(doc);
}

/* A body is JSON whose user text is exactly the user text. */
static void check_body(const struct ls_buf *b, const char *user, bool gemini)
{
    json_error_t e;
    json_t *j = json_loadb(b->data, b->len, 0, &e);
    check(j != NULL, "a request body is not JSON");
    const json_t *text =
        gemini ? json_object_get(
                     json_array_get(json_object_get(
                                        json_array_get(json_object_get(j, "contents"), 0), "parts"),
                                    0),
                     "text")
               : json_object_get(json_array_get(json_object_get(j, "messages"), 1), "content");
    check(json_is_string(text) && strncmp(json_string_value(text), user, strlen(user)) == 0,
          "a body does not carry the user text");
    json_decref(j);
}

static void one_item(struct ls_strlist *l, char *s)
{
    l->v = ls_xmalloc(sizeof(char *));
    l->v[0] = s;
    l->n = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char *fields[N_FIELDS];
    split(data + 1, size - 1, fields);
    struct ls_offer offer = {0};
    offer.name = fields[0];
    one_item(&offer.value_props, fields[1]);
    one_item(&offer.ideal_use_cases, fields[2]);
    struct ls_lead leads[MAX_LEADS];
    struct ls_prompt_lead pl[MAX_LEADS];
    size_t n = 1 + data[0] % MAX_LEADS;
    for (size_t i = 0; i < n; i++) {
        ls_lead_clear(&leads[i]);
        for (size_t k = 0; k < 5; k++)
            ls_lead_set(&leads[i], lead_fields[k], fields[3 + 5 * i + k]);
        unsigned char rnd[LS_PROMPT_ID_LEN];
        for (size_t k = 0; k < sizeof(rnd); k++)
            rnd[k] = (unsigned char)(i * 37 + k * 11 + data[0]);
        ls_prompt_make_id(rnd, sizeof(rnd), pl[i].id);
        pl[i].lead = &leads[i];
    }
    struct ls_prompt p = {&offer, pl, n, NONCE};
    struct ls_buf user, body;
    ls_buf_init(&user, 4 << 20);
    check(ls_prompt_user_text(&p, &user) == 0, "the user text did not build");
    check_user_text(ls_buf_str(&user), &p);
    ls_buf_init(&body, 4 << 20);
    struct ls_prompt_gemini_opts gopts = {.thinking_budget = data[0] & 8 ? 0 : -1,
                                          .thinking_level = data[0] & 128 ? "minimal" : NULL};
    check(ls_prompt_gemini_body(&p, &gopts, &body) == 0, "the Gemini body did not build");
    check_body(&body, ls_buf_str(&user), true);
    ls_buf_reset(&body);
    struct ls_prompt_openai_opts opts = {.mode = (enum ls_prompt_mode)((data[0] >> 4) % 3),
                                         .max_completion_tokens = data[0] & 32,
                                         .reasoning = data[0] & 64 ? "low" : NULL};
    check(ls_prompt_openai_body(&p, "fuzz-model", &opts, &body) == 0,
          "the OpenAI body did not build");
    check_body(&body, ls_buf_str(&user), false);
    ls_buf_release(&body);
    ls_buf_release(&user);
    ls_offer_release(&offer); /* frees fields 0-2 */
    for (size_t f = 3; f < N_FIELDS; f++)
        free(fields[f]);
    return 0;
}
