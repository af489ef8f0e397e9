/* lead.c - lead helpers. Pure. */
#include "lead.h"

#include <stdint.h>
#include <string.h>

#include "sha256.h"
#include "text.h"

const char *const ls_field_names[LS_F_ALL] = {
    "name",         "role",  "company",      "industry",    "location",
    "linkedin_bio", "email", "linkedin_url", "external_id",
};

void ls_lead_clear(struct ls_lead *lead)
{
    for (int i = 0; i < LS_F_ALL; i++) {
        lead->f[i] = "";
        lead->len[i] = 0;
    }
    lead->n_extra = 0;
    lead->extra_name = NULL;
    lead->extra = NULL;
    lead->extra_len = NULL;
}

void ls_lead_set(struct ls_lead *lead, enum ls_field f, const char *s)
{
    lead->f[f] = s;
    lead->len[f] = strlen(s);
}

/* Appends s trimmed, ASCII-lower-cased, white-space runs as one space when fold_space. */
static void add_norm(struct ls_buf *out, const char *s, size_t len, bool fold_space)
{
    ls_text_trim(&s, &len);
    bool in_space = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (fold_space && (c == ' ' || (c >= '\t' && c <= '\r'))) {
            in_space = true;
            continue;
        }
        if (in_space)
            ls_buf_addc(out, ' ');
        in_space = false;
        ls_buf_addc(out, (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c));
    }
}

static bool blank(const char *s, size_t len)
{
    ls_text_trim(&s, &len);
    return len == 0;
}

bool ls_lead_dup_key(const struct ls_lead *lead, struct ls_buf *out)
{
    if (!blank(lead->f[LS_F_EMAIL], lead->len[LS_F_EMAIL])) {
        ls_buf_adds(out, "e:");
        add_norm(out, lead->f[LS_F_EMAIL], lead->len[LS_F_EMAIL], false);
        return true;
    }
    if (blank(lead->f[LS_F_NAME], lead->len[LS_F_NAME]) ||
        blank(lead->f[LS_F_COMPANY], lead->len[LS_F_COMPANY]))
        return false;
    ls_buf_adds(out, "n:");
    add_norm(out, lead->f[LS_F_NAME], lead->len[LS_F_NAME], true);
    ls_buf_addc(out, '\x1f');
    add_norm(out, lead->f[LS_F_COMPANY], lead->len[LS_F_COMPANY], true);
    return true;
}

bool ls_lead_dup_hash(const struct ls_lead *lead, int64_t *out)
{
    struct ls_buf key;
    /* Fields are capped by the reader (8 KiB each), so the key always fits. */
    ls_buf_init(&key, SIZE_MAX);
    bool has = ls_lead_dup_key(lead, &key);
    if (has) {
        unsigned char d[LS_SHA256_LEN];
        struct ls_sha256 c;
        ls_sha256_init(&c);
        ls_sha256_update(&c, key.data ? key.data : "", key.len);
        ls_sha256_final(&c, d);
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
            v = v << 8 | d[i];
        *out = (int64_t)v;
    }
    ls_buf_release(&key);
    return has;
}
