/*
 * text.c - tokeniser and phrase sets. Pure.
 *
 * Phrase sets chain phrases by the hash of their first token, so finding the
 * phrases in a text costs one hash probe per token: rule scoring runs this for
 * every lead, millions of times a second.
 */
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static inline bool is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static inline unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

#define FNV_OFFSET 2166136261u
#define FNV_PRIME  16777619u

uint32_t ls_text_hash(const char *s, size_t len)
{
    uint32_t h = FNV_OFFSET;
    for (size_t i = 0; i < len; i++) {
        h ^= lower((unsigned char)s[i]);
        h *= FNV_PRIME;
    }
    return h;
}

void ls_tokenize(const char *s, size_t len, struct ls_tokens *out)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len > LS_TOK_TEXT_MAX)
        len = LS_TOK_TEXT_MAX;
    out->src = s;
    out->n = 0;
    size_t i = 0;
    while (i < len && out->n < LS_TOK_MAX) {
        while (i < len && !is_word_byte(u[i]))
            i++;
        if (i >= len)
            break;
        size_t start = i;
        uint32_t h = FNV_OFFSET;
        while (i < len && is_word_byte(u[i])) {
            unsigned char c = lower(u[i]);
            out->norm[i] = (char)c;
            h = (h ^ c) * FNV_PRIME;
            i++;
        }
        struct ls_token *t = &out->tok[out->n++];
        t->off = (uint32_t)start;
        t->len = (uint32_t)(i - start);
        t->hash = h;
    }
}

void ls_text_trim(const char **s, size_t *len)
{
    const char *p = *s;
    size_t n = *len;
    while (n && (p[0] == ' ' || p[0] == '\t' || p[0] == '\r' || p[0] == '\n' || p[0] == '\v' ||
                 p[0] == '\f')) {
        p++;
        n--;
    }
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n' ||
                 p[n - 1] == '\v' || p[n - 1] == '\f'))
        n--;
    *s = p;
    *len = n;
}

static inline bool tok_eq(const char *an, const struct ls_token *x, const char *bn,
                          const struct ls_token *y)
{
    return x->hash == y->hash && x->len == y->len && memcmp(an + x->off, bn + y->off, x->len) == 0;
}

bool ls_tokens_equal(const struct ls_tokens *a, const struct ls_tokens *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        if (!tok_eq(a->norm, &a->tok[i], b->norm, &b->tok[i]))
            return false;
    }
    return true;
}

/* ---- phrase sets ------------------------------------------------------ */

struct phrase {
    char *text;           /* owned; normalised tokens joined by single spaces */
    struct ls_token *tok; /* owned; offsets into text */
    size_t ntok;
    int value;
    int next; /* next phrase in the same first-token bucket, or -1 */
};

struct ls_phraseset {
    struct phrase *p; /* owned array */
    size_t n, alloc;
    int *heads; /* owned; bucket -> first phrase index or -1 */
    size_t mask;
};

struct ls_phraseset *ls_phraseset_new(void)
{
    struct ls_phraseset *set = ls_xcalloc(1, sizeof(*set));
    set->mask = 63;
    set->heads = ls_xmalloc((set->mask + 1) * sizeof(int));
    for (size_t i = 0; i <= set->mask; i++)
        set->heads[i] = -1;
    return set;
}

void ls_phraseset_free(struct ls_phraseset *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->n; i++) {
        free(set->p[i].tok);
        free(set->p[i].text);
    }
    free(set->p);
    free(set->heads);
    free(set);
}

static void link_phrase(struct ls_phraseset *set, int idx)
{
    struct phrase *ph = &set->p[idx];
    size_t b = ph->tok[0].hash & set->mask;
    ph->next = -1;
    /* Append at the chain's tail so that earlier phrases are tried first. */
    if (set->heads[b] < 0) {
        set->heads[b] = idx;
        return;
    }
    int k = set->heads[b];
    while (set->p[k].next >= 0)
        k = set->p[k].next;
    set->p[k].next = idx;
}

static void rehash(struct ls_phraseset *set)
{
    size_t nb = (set->mask + 1) * 2;
    free(set->heads);
    set->heads = ls_xmalloc(nb * sizeof(int));
    set->mask = nb - 1;
    for (size_t i = 0; i < nb; i++)
        set->heads[i] = -1;
    for (size_t k = 0; k < set->n; k++)
        link_phrase(set, (int)k);
}

int ls_phraseset_add(struct ls_phraseset *set, const char *phrase, int value)
{
    struct ls_tokens *t = ls_xmalloc(sizeof(*t));
    ls_tokenize(phrase, strlen(phrase), t);
    if (t->n == 0) {
        free(t);
        return -1;
    }
    if (set->n == set->alloc) {
        set->alloc = set->alloc ? set->alloc * 2 : 16;
        set->p = ls_xrealloc(set->p, set->alloc * sizeof(*set->p));
    }
    size_t text_len = 0;
    for (size_t i = 0; i < t->n; i++)
        text_len += t->tok[i].len + 1;
    struct phrase *ph = &set->p[set->n];
    ph->text = ls_xmalloc(text_len);
    ph->tok = ls_xmalloc(t->n * sizeof(*ph->tok));
    ph->ntok = t->n;
    ph->value = value;
    size_t w = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (i)
            ph->text[w++] = ' ';
        memcpy(ph->text + w, ls_tok_str(t, i), t->tok[i].len);
        ph->tok[i] = t->tok[i];
        ph->tok[i].off = (uint32_t)w;
        w += t->tok[i].len;
    }
    ph->text[w] = '\0';
    free(t);

    int idx = (int)set->n++;
    link_phrase(set, idx);
    if (set->n * 2 > set->mask + 1)
        rehash(set);
    return idx;
}

size_t ls_phraseset_count(const struct ls_phraseset *set)
{
    return set->n;
}

const char *ls_phraseset_text(const struct ls_phraseset *set, int phrase)
{
    return set->p[phrase].text;
}

static bool phrase_at(const struct phrase *ph, const struct ls_tokens *t, size_t i)
{
    if (ph->ntok > t->n - i)
        return false;
    for (size_t k = 0; k < ph->ntok; k++) {
        if (!tok_eq(ph->text, &ph->tok[k], t->norm, &t->tok[i + k]))
            return false;
    }
    return true;
}

bool ls_phraseset_find(const struct ls_phraseset *set, const struct ls_tokens *t, size_t from,
                       struct ls_phrase_match *m)
{
    for (size_t i = from; i < t->n; i++) {
        int best = -1;
        for (int k = set->heads[t->tok[i].hash & set->mask]; k >= 0; k = set->p[k].next) {
            const struct phrase *ph = &set->p[k];
            if (phrase_at(ph, t, i) && (best < 0 || ph->ntok > set->p[best].ntok))
                best = k;
        }
        if (best >= 0) {
            m->phrase = best;
            m->value = set->p[best].value;
            m->start = i;
            m->ntok = set->p[best].ntok;
            return true;
        }
    }
    return false;
}

bool ls_phraseset_has_token(const struct ls_phraseset *set, const struct ls_tokens *t, size_t i)
{
    for (int k = set->heads[t->tok[i].hash & set->mask]; k >= 0; k = set->p[k].next) {
        const struct phrase *ph = &set->p[k];
        if (ph->ntok == 1 && tok_eq(ph->text, &ph->tok[0], t->norm, &t->tok[i]))
            return true;
    }
    return false;
}
