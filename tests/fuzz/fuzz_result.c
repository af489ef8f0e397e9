/*
 * fuzz_result.c - the result encoders. A struct ls_result is built from the
 * input; ls_result_json must give valid UTF-8 JSON that jansson reads back to
 * the same strings (bytes that are not UTF-8 read as Windows-1252, as
 * documented), and ls_result_csv one RFC 4180 record that libcsv reads back
 * into the 13 cells, each equal to its input or to ' + input exactly when the
 * documented formula guard applies. Each text cell also stays one cell when
 * split on ';', '|' or TAB.
 *
 * Issue #9: the JSON carries the identity fields, lead_id, line, the extra
 * columns and duplicate_of; the default column list (ls_result_csv_row, in
 * a dialect whose delimiter the input picks) reads back to 13 + 5 + the
 * extra columns, each text cell guarded.
 *
 * Input: [intent, status, duplicate, delimiter] [role] [industry]
 * [completeness] then seventeen strings cut at NUL bytes: name, role,
 * company, industry, location, bio, reasoning, provider, model, ai_error,
 * email, linkedin_url, external_id, and two extra columns' names and values.
 */
#include <csv.h>
#include <stdbool.h>
#include <string.h>

#include "core/buf.h"
#include "core/result.h"
#include "core/utf8.h"
#include "fuzz/fuzz.h"

#define N_STR 17
#define CAP   (1u << 20)

/* The text a reader must get back: s itself, or s read as Windows-1252. */
static void as_utf8(const char *s, size_t len, struct ls_buf *out)
{
    ls_buf_reset(out);
    if (ls_utf8_valid(s, len))
        FUZZ_CHECK(ls_buf_add(out, s, len) == LS_OK);
    else
        FUZZ_CHECK(ls_cp1252_to_utf8(s, len, out) == LS_OK);
}

/* ---- the guard, written again from its documentation (result.h) ---------- */

static uint32_t decode(const unsigned char *s, size_t len, size_t *n)
{
    if (s[0] < 0x80 || len < 2) {
        *n = 1;
        return s[0];
    }
    if (s[0] < 0xE0) {
        *n = 2;
        return (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
    }
    if (s[0] < 0xF0 || len < 4) {
        *n = 3;
        return (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    }
    *n = 4;
    return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
           (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
}

static bool in_list(uint32_t c, const uint32_t (*ranges)[2], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (c >= ranges[i][0] && c <= ranges[i][1])
            return true;
    }
    return false;
}

static const uint32_t blanks[][2] = {
    {0x09, 0x0D},     {0x20, 0x20},     {0x85, 0x85},     {0xA0, 0xA0},     {0x1680, 0x1680},
    {0x2000, 0x200A}, {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000},
    {0xAD, 0xAD},     {0x061C, 0x061C}, {0x180E, 0x180E}, {0x200B, 0x200F}, {0x202A, 0x202E},
    {0x2060, 0x2064}, {0x2066, 0x2069}, {0xFEFF, 0xFEFF},
};

static const uint32_t signs[][2] = {
    {'=', '='},       {'+', '+'},       {'-', '-'},       {'@', '@'},       {0xFF1D, 0xFF1D},
    {0xFF0B, 0xFF0B}, {0xFF0D, 0xFF0D}, {0xFF20, 0xFF20}, {0xFE66, 0xFE66}, {0xFE62, 0xFE62},
    {0xFE63, 0xFE63}, {0xFE6B, 0xFE6B}, {0x2212, 0x2212},
};

static bool dangerous(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    if (len && (s[0] == '\t' || s[0] == '\r' || s[0] == '\n'))
        return true;
    for (size_t i = 0, n; i < len; i += n) {
        uint32_t c = decode(s + i, len - i, &n);
        if (!in_list(c, blanks, LS_ARRAY_LEN(blanks)))
            return in_list(c, signs, LS_ARRAY_LEN(signs));
    }
    return false;
}

/* ---- CSV read-back --------------------------------------------------------- */

struct cells {
    size_t n, rows;
    struct ls_buf v[24];
};

static void on_cell(void *s, size_t len, void *ud)
{
    struct cells *c = ud;
    if (c->n < LS_ARRAY_LEN(c->v)) {
        ls_buf_init(&c->v[c->n], CAP);
        FUZZ_CHECK(ls_buf_add(&c->v[c->n], s, len) == LS_OK);
    }
    c->n++;
}

static void on_row(int term, void *ud)
{
    (void)term;
    ((struct cells *)ud)->rows++;
}

static int no_space(unsigned char c)
{
    (void)c;
    return 0; /* spaces are data, as in a spreadsheet */
}

static void csv_read(const char *text, size_t len, int opts, unsigned char delim, struct cells *c)
{
    struct csv_parser p;
    FUZZ_CHECK(csv_init(&p, (unsigned char)opts) == 0);
    csv_set_delim(&p, delim);
    csv_set_space_func(&p, no_space);
    FUZZ_CHECK(csv_parse(&p, text, len, on_cell, on_row, c) == len);
    FUZZ_CHECK(csv_fini(&p, on_cell, on_row, c) == 0);
    csv_free(&p);
}

static void cells_release(struct cells *c)
{
    for (size_t i = 0; i < c->n && i < LS_ARRAY_LEN(c->v); i++)
        ls_buf_release(&c->v[i]);
}

static bool equals(const struct ls_buf *b, const char *s, size_t len)
{
    return b->len == len && memcmp(ls_buf_str(b), s, len) == 0;
}

/* cell is want, or ' + want exactly when want needs the guard. */
static void check_guarded(const struct ls_buf *cell, const struct ls_buf *want)
{
    bool guard = dangerous(ls_buf_str(want), want->len);
    if (guard) {
        FUZZ_CHECK(cell->len == want->len + 1 && cell->data[0] == '\'');
        FUZZ_CHECK(memcmp(cell->data + 1, ls_buf_str(want), want->len) == 0);
    } else {
        FUZZ_CHECK(equals(cell, ls_buf_str(want), want->len));
    }
}

/* One cell on its own stays one cell whatever the delimiter. */
static void check_cell_alone(const char *s, size_t len, const struct ls_buf *want)
{
    static const unsigned char delims[] = {',', ';', '|', '\t'};
    struct ls_buf out;
    ls_buf_init(&out, CAP);
    FUZZ_CHECK(ls_csv_cell(&out, s, len) == LS_OK);
    FUZZ_CHECK(ls_utf8_valid(ls_buf_str(&out), out.len));
    for (size_t d = 0; d < sizeof(delims) && out.len; d++) {
        struct cells c = {0};
        csv_read(out.data, out.len, 0, delims[d], &c);
        FUZZ_CHECK(c.n == 1 && c.rows == 1);
        check_guarded(&c.v[0], want);
        cells_release(&c);
    }
    ls_buf_release(&out);
}

/* ---- JSON read-back ------------------------------------------------------- */

static void check_json_str(const json_t *obj, const char *key, const char *s, size_t len)
{
    struct ls_buf want;
    ls_buf_init(&want, CAP);
    as_utf8(s, len, &want);
    const json_t *v = json_object_get(obj, key);
    FUZZ_CHECK(json_is_string(v));
    FUZZ_CHECK(json_string_length(v) == want.len);
    FUZZ_CHECK(memcmp(json_string_value(v), ls_buf_str(&want), want.len) == 0);
    ls_buf_release(&want);
}

static void check_json_int(const json_t *obj, const char *key, int want)
{
    const json_t *v = json_object_get(obj, key);
    FUZZ_CHECK(json_is_integer(v) && json_integer_value(v) == want);
}

static void check_json(const struct ls_result *r)
{
    struct ls_buf b;
    ls_buf_init(&b, CAP);
    FUZZ_CHECK(ls_result_json(r, &b) == LS_OK);
    FUZZ_CHECK(ls_utf8_valid(ls_buf_str(&b), b.len));
    json_error_t jerr;
    json_t *j = json_loadb(ls_buf_str(&b), b.len, JSON_REJECT_DUPLICATES, &jerr);
    FUZZ_CHECK(json_is_object(j) && json_object_size(j) == 21);
    /* One entry per rule factor, whose points are the breakdown's. */
    const json_t *factors = json_object_get(j, "factors");
    FUZZ_CHECK(json_is_array(factors) && json_array_size(factors) == 3);
    const struct ls_lead *l = &r->lead;
    check_json_str(j, "name", l->f[LS_F_NAME], l->len[LS_F_NAME]);
    check_json_str(j, "role", l->f[LS_F_ROLE], l->len[LS_F_ROLE]);
    check_json_str(j, "company", l->f[LS_F_COMPANY], l->len[LS_F_COMPANY]);
    check_json_str(j, "industry", l->f[LS_F_INDUSTRY], l->len[LS_F_INDUSTRY]);
    check_json_str(j, "location", l->f[LS_F_LOCATION], l->len[LS_F_LOCATION]);
    check_json_str(j, "reasoning", r->reasoning, strlen(r->reasoning));
    const char *intent = ls_intent_name(r->intent);
    check_json_str(j, "intent", intent, strlen(intent));
    check_json_int(j, "score", r->score);
    check_json_int(j, "rule_score", r->rule_score);
    check_json_int(j, "ai_score", r->ai_score);
    const json_t *bd = json_object_get(j, "breakdown");
    FUZZ_CHECK(json_is_object(bd) && json_object_size(bd) == 3);
    check_json_int(bd, "role", r->role_points);
    check_json_int(bd, "industry", r->industry_points);
    check_json_int(bd, "completeness", r->completeness_points);
    const json_t *ai = json_object_get(j, "ai");
    bool has_error = r->ai_error[0] != '\0';
    FUZZ_CHECK(json_is_object(ai) && json_object_size(ai) == (has_error ? 4u : 3u));
    check_json_str(ai, "provider", r->provider, strlen(r->provider));
    check_json_str(ai, "model", r->model, strlen(r->model));
    const char *st = ls_ai_status_name(r->status);
    check_json_str(ai, "status", st, strlen(st));
    if (has_error)
        check_json_str(ai, "error", r->ai_error, strlen(r->ai_error));
    check_json_str(j, "email", l->f[LS_F_EMAIL], l->len[LS_F_EMAIL]);
    check_json_str(j, "linkedin_url", l->f[LS_F_LINKEDIN_URL], l->len[LS_F_LINKEDIN_URL]);
    check_json_str(j, "external_id", l->f[LS_F_EXTERNAL_ID], l->len[LS_F_EXTERNAL_ID]);
    check_json_str(j, "linkedin_bio", l->f[LS_F_BIO], l->len[LS_F_BIO]);
    char id[LS_LEAD_ID_MAX];
    ls_lead_id(id, r->upload_id, r->idx);
    check_json_str(j, "lead_id", id, strlen(id));
    check_json_int(j, "line", (int)r->line);
    if (r->is_duplicate) {
        ls_lead_id(id, r->upload_id, r->original_idx);
        check_json_str(j, "duplicate_of", id, strlen(id));
    } else {
        FUZZ_CHECK(json_is_null(json_object_get(j, "duplicate_of")));
    }
    /* The extra names differ in their first byte, so both are keys, in file order. */
    const json_t *extra = json_object_get(j, "extra");
    FUZZ_CHECK(json_is_object(extra) && json_object_size(extra) == l->n_extra);
    struct ls_buf name;
    ls_buf_init(&name, CAP);
    for (size_t x = 0; x < l->n_extra; x++) {
        as_utf8(l->extra_name[x], strlen(l->extra_name[x]), &name);
        check_json_str(extra, ls_buf_str(&name), l->extra[x], l->extra_len[x]);
    }
    ls_buf_release(&name);
    json_decref(j);
    ls_buf_release(&b);
}

/* ---- CSV record ------------------------------------------------------------ */

static void check_csv(const struct ls_result *r)
{
    struct ls_buf b;
    ls_buf_init(&b, CAP);
    FUZZ_CHECK(ls_result_csv(r, &b) == LS_OK);
    FUZZ_CHECK(b.len >= 2 && memcmp(b.data + b.len - 2, "\r\n", 2) == 0);
    FUZZ_CHECK(ls_utf8_valid(b.data, b.len));
    struct cells c = {0};
    csv_read(b.data, b.len, CSV_STRICT | CSV_STRICT_FINI, ',', &c);
    FUZZ_CHECK(c.rows == 1 && c.n == 13);

    const struct ls_lead *l = &r->lead;
    const struct {
        size_t cell;
        const char *s;
        size_t len;
    } text[] = {
        {0, l->f[LS_F_NAME], l->len[LS_F_NAME]},
        {1, l->f[LS_F_ROLE], l->len[LS_F_ROLE]},
        {2, l->f[LS_F_COMPANY], l->len[LS_F_COMPANY]},
        {5, r->reasoning, strlen(r->reasoning)},
        {6, l->f[LS_F_INDUSTRY], l->len[LS_F_INDUSTRY]},
        {7, l->f[LS_F_LOCATION], l->len[LS_F_LOCATION]},
    };
    struct ls_buf want;
    ls_buf_init(&want, CAP);
    for (size_t i = 0; i < LS_ARRAY_LEN(text); i++) {
        as_utf8(text[i].s, text[i].len, &want);
        check_guarded(&c.v[text[i].cell], &want);
        check_cell_alone(text[i].s, text[i].len, &want);
    }
    const char *intent = ls_intent_name(r->intent);
    FUZZ_CHECK(equals(&c.v[3], intent, strlen(intent)));
    const int nums[][2] = {
        {4, r->score},        {8, r->rule_score},       {9, r->ai_score},
        {10, r->role_points}, {11, r->industry_points}, {12, r->completeness_points}};
    for (size_t i = 0; i < LS_ARRAY_LEN(nums); i++) {
        char n[16];
        int k = snprintf(n, sizeof(n), "%d", nums[i][1]);
        FUZZ_CHECK(equals(&c.v[nums[i][0]], n, (size_t)k));
    }
    ls_buf_release(&want);
    cells_release(&c);
    ls_buf_release(&b);
}

/* The default columns in a dialect: 13 + 5 + the extras, text guarded, one record. */
static void check_csv_cols(const struct ls_result *r, char delim)
{
    const struct ls_lead *l = &r->lead;
    struct ls_cols cols;
    ls_cols_default(&cols, l->extra_name, l->n_extra);
    struct ls_csv_dialect d = {delim, true};
    struct ls_buf b;
    ls_buf_init(&b, CAP);
    FUZZ_CHECK(ls_result_csv_head(&cols, &d, &b) == LS_OK);
    FUZZ_CHECK(b.len >= 5 && memcmp(b.data, "\xEF\xBB\xBF", 3) == 0);
    size_t head = b.len;
    FUZZ_CHECK(ls_result_csv_row(r, &cols, &d, &b) == LS_OK);
    FUZZ_CHECK(memcmp(b.data + b.len - 2, "\r\n", 2) == 0);
    FUZZ_CHECK(ls_utf8_valid(b.data, b.len));
    struct cells c = {0};
    csv_read(b.data + head, b.len - head, CSV_STRICT | CSV_STRICT_FINI, (unsigned char)delim, &c);
    FUZZ_CHECK(c.rows == 1 && c.n == LS_COL_STD + l->n_extra);
    const struct {
        size_t cell;
        const char *s;
        size_t len;
    } text[] = {
        {0, l->f[LS_F_NAME], l->len[LS_F_NAME]},
        {15, l->f[LS_F_EMAIL], l->len[LS_F_EMAIL]},
        {16, l->f[LS_F_LINKEDIN_URL], l->len[LS_F_LINKEDIN_URL]},
        {17, l->f[LS_F_EXTERNAL_ID], l->len[LS_F_EXTERNAL_ID]},
        {18, l->extra[0], l->extra_len[0]},
        {19, l->extra[1], l->extra_len[1]},
    };
    struct ls_buf want;
    ls_buf_init(&want, CAP);
    for (size_t i = 0; i < LS_ARRAY_LEN(text); i++) {
        as_utf8(text[i].s, text[i].len, &want);
        check_guarded(&c.v[text[i].cell], &want);
    }
    char id[LS_LEAD_ID_MAX];
    ls_lead_id(id, r->upload_id, r->idx);
    FUZZ_CHECK(equals(&c.v[13], id, strlen(id)));
    ls_buf_release(&want);
    cells_release(&c);
    ls_buf_release(&b);
    ls_cols_release(&cols);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    char *text = malloc(size - 4 + 1);
    FUZZ_CHECK(text != NULL);
    memcpy(text, data + 4, size - 4);
    text[size - 4] = '\0';
    const char *s[N_STR];
    char *p = text, *end = text + (size - 4);
    for (int i = 0; i < N_STR; i++) {
        s[i] = p <= end ? p : "";
        p += p <= end ? strlen(p) + 1 : 0;
    }

    struct ls_result r = {0};
    ls_lead_clear(&r.lead);
    static const int field_str[LS_F_ALL] = {0, 1, 2, 3, 4, 5, 10, 11, 12};
    for (int f = 0; f < LS_F_ALL; f++) {
        r.lead.f[f] = s[field_str[f]];
        r.lead.len[f] = strlen(s[field_str[f]]);
    }
    /* Two extra columns whose names cannot be equal (a repeated header shows once). */
    char *names[2];
    const char *names_c[2];
    const char *vals[2] = {s[14], s[16]};
    size_t lens[2] = {strlen(s[14]), strlen(s[16])};
    for (int x = 0; x < 2; x++) {
        size_t n = strlen(s[13 + 2 * x]);
        names[x] = malloc(n + 2);
        FUZZ_CHECK(names[x] != NULL);
        names[x][0] = (char)('a' + x);
        memcpy(names[x] + 1, s[13 + 2 * x], n + 1);
        names_c[x] = names[x];
    }
    r.lead.n_extra = 2;
    r.lead.extra_name = names_c;
    r.lead.extra = vals;
    r.lead.extra_len = lens;
    r.upload_id = 1 + data[1];
    r.idx = data[2];
    r.line = data[3];
    r.is_duplicate = (data[0] & 0x40) != 0;
    r.original_idx = data[1] / 2;
    r.intent = (enum ls_intent)(data[0] & 3);
    r.status = (enum ls_ai_status)((data[0] >> 2) % 4);
    r.role_points = data[1] % 21;
    r.industry_points = data[2] % 21;
    r.completeness_points = data[3] % 11;
    r.rule_score = r.role_points + r.industry_points + r.completeness_points;
    r.ai_score = ls_intent_points(r.intent);
    r.score = r.rule_score + r.ai_score;
    r.reasoning = s[6];
    r.provider = s[7];
    r.model = s[8];
    r.ai_error = s[9];

    check_json(&r);
    check_csv(&r);
    static const char delims[] = {',', ';', '\t', '|'};
    check_csv_cols(&r, delims[(data[0] >> 4) & 3]);
    free(names[0]);
    free(names[1]);
    free(text);
    return 0;
}
