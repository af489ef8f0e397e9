/*
 * offline.c - the offline judge. Pure.
 *
 * Words are compared by a light stem (common English suffixes removed, so
 * "automates", "automated" and "automation" meet) and a stem may extend the
 * other by at most two letters ("grow" / "growth"). Offer words and signal
 * words sit in small hash tables keyed by their first four letters, so a bio
 * costs one probe per word.
 */
#include "offline.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"
#include "utf8.h"
#include "xalloc.h"

#define STEM_MAX  48
#define BUCKETS   256
#define QUOTE_MAX 60 /* bytes of any quoted text in a reasoning */

const char *const ls_offline_signals[] = {
    "scaling",      "scale",       "hiring",         "hire",       "growth",      "growing",
    "automation",   "automate",    "pipeline",       "expanding",  "expansion",   "outbound",
    "outreach",     "prospecting", "revenue",        "funding",    "funded",      "raised",
    "launching",    "launch",      "migrating",      "evaluating", "budget",      "efficiency",
    "productivity", "quota",       "demand",         "conversion", "acquisition", "optimizing",
    "streamline",   "modernize",   "transformation", NULL,
};

/* Words too common to count as overlap between a bio and an offer. */
static const char *const stop_words[] = {
    "the",        "and",        "for",      "with",         "from",      "into",     "our",
    "your",       "their",      "you",      "we",           "they",      "are",      "was",
    "were",       "been",       "have",     "has",          "had",       "that",     "this",
    "these",      "those",      "who",      "what",         "which",     "where",    "when",
    "how",        "all",        "any",      "more",         "most",      "over",     "about",
    "than",       "then",       "them",     "its",          "also",      "just",     "such",
    "via",        "per",        "out",      "not",          "can",       "will",     "help",
    "helps",      "helping",    "make",     "makes",        "b2b",       "b2c",      "mid",
    "market",     "team",       "teams",    "company",      "companies", "business", "businesses",
    "solution",   "solutions",  "people",   "work",         "working",   "years",    "year",
    "experience", "passionate", "seasoned", "professional", "focus",     "focused",  "looking",
    "based",      "new",        "one",      "every",        "each",      "very",     "like",
    "get",        "use",        "using",    "driven",       "leader",    "leading",  NULL,
};

struct term {
    char stem[STEM_MAX];
    size_t len;
    int src_kind; /* 0 value prop, 1 use case, 2 signal */
    int src_idx;
    int next; /* bucket chain */
};

struct table {
    struct term *t; /* owned */
    size_t n, alloc;
    int heads[BUCKETS];
};

struct ls_offline {
    const struct ls_offer *offer; /* borrowed */
    struct ls_rules_offer *ro;    /* owned */
    struct ls_phraseset *stop;    /* owned */
    struct table offer_terms;
    struct table signals;
};

/* ---- stems ------------------------------------------------------------- */

static size_t stem(const char *w, size_t len, char out[STEM_MAX])
{
    static const char *const suffixes[] = {
        "izations", "ization", "ational", "ations", "ation", "ments", "ment", "ings",
        "ness",     "able",    "ible",    "ing",    "ers",   "ial",   "ies",  "ied",
        "er",       "es",      "ed",      "ly",     "s",     NULL,
    };
    if (len >= STEM_MAX)
        len = STEM_MAX - 1;
    memcpy(out, w, len);
    for (size_t i = 0; suffixes[i]; i++) {
        size_t sl = strlen(suffixes[i]);
        if (len >= sl + 3 && memcmp(out + len - sl, suffixes[i], sl) == 0) {
            len -= sl;
            if (suffixes[i][0] == 'i' && suffixes[i][1] == 'e')
                out[len++] = 'y';
            break;
        }
    }
    if (len >= 4 && out[len - 1] == 'e')
        len--;
    out[len] = '\0';
    return len;
}

static bool stem_match(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen == blen)
        return memcmp(a, b, alen) == 0;
    const char *s = alen < blen ? a : b;
    const char *l = alen < blen ? b : a;
    size_t sl = alen < blen ? alen : blen;
    size_t ll = alen < blen ? blen : alen;
    return sl >= 4 && ll - sl <= 2 && memcmp(s, l, sl) == 0;
}

static unsigned bucket_of(const char *s, size_t len)
{
    return ls_text_hash(s, len < 4 ? len : 4) % BUCKETS;
}

static void table_init(struct table *tb)
{
    memset(tb, 0, sizeof(*tb));
    for (size_t i = 0; i < BUCKETS; i++)
        tb->heads[i] = -1;
}

static const struct term *table_find(const struct table *tb, const char *s, size_t len)
{
    for (int k = tb->heads[bucket_of(s, len)]; k >= 0; k = tb->t[k].next) {
        if (stem_match(tb->t[k].stem, tb->t[k].len, s, len))
            return &tb->t[k];
    }
    return NULL;
}

static void table_add(struct table *tb, const char *s, size_t len, int kind, int idx)
{
    if (table_find(tb, s, len))
        return; /* the first source of a word is the one quoted */
    if (tb->n == tb->alloc) {
        tb->alloc = tb->alloc ? tb->alloc * 2 : 32;
        tb->t = ls_xrealloc(tb->t, tb->alloc * sizeof(*tb->t));
    }
    struct term *t = &tb->t[tb->n];
    memcpy(t->stem, s, len);
    t->stem[len] = '\0';
    t->len = len;
    t->src_kind = kind;
    t->src_idx = idx;
    unsigned b = bucket_of(s, len);
    t->next = tb->heads[b];
    tb->heads[b] = (int)tb->n++;
}

/* True when token i of t can carry meaning: 3+ bytes, not a number, not a stop word. */
static bool meaningful(const struct ls_offline *o, const struct ls_tokens *t, size_t i)
{
    const char *s = ls_tok_str(t, i);
    return t->tok[i].len >= 3 && !(s[0] >= '0' && s[0] <= '9') &&
           !ls_phraseset_has_token(o->stop, t, i);
}

static void index_texts(struct ls_offline *o, const struct ls_strlist *l, int kind,
                        struct ls_tokens *t)
{
    for (size_t i = 0; i < l->n; i++) {
        ls_tokenize(l->v[i], strlen(l->v[i]), t);
        for (size_t k = 0; k < t->n; k++) {
            if (!meaningful(o, t, k))
                continue;
            char st[STEM_MAX];
            size_t n = stem(ls_tok_str(t, k), t->tok[k].len, st);
            table_add(&o->offer_terms, st, n, kind, (int)i);
        }
    }
}

struct ls_offline *ls_offline_new(const struct ls_rules *rules, const struct ls_offer *offer)
{
    struct ls_offline *o = ls_xcalloc(1, sizeof(*o));
    struct ls_tokens *t = ls_xmalloc(sizeof(*t));
    o->offer = offer;
    o->ro = ls_rules_offer_new(rules, offer);
    o->stop = ls_phraseset_new();
    for (size_t i = 0; stop_words[i]; i++)
        ls_phraseset_add(o->stop, stop_words[i], 0);
    table_init(&o->offer_terms);
    table_init(&o->signals);
    index_texts(o, &offer->value_props, 0, t);
    index_texts(o, &offer->ideal_use_cases, 1, t);
    for (size_t i = 0; ls_offline_signals[i]; i++) {
        char st[STEM_MAX];
        size_t n = stem(ls_offline_signals[i], strlen(ls_offline_signals[i]), st);
        table_add(&o->signals, st, n, 2, (int)i);
    }
    free(t);
    return o;
}

void ls_offline_free(struct ls_offline *o)
{
    if (o == NULL)
        return;
    ls_rules_offer_free(o->ro);
    ls_phraseset_free(o->stop);
    free(o->offer_terms.t);
    free(o->signals.t);
    free(o);
}

/* ---- judging ------------------------------------------------------------- */

struct evidence {
    struct ls_rule_score rs;
    size_t n_overlap;
    size_t overlap_tok[2];             /* bio token indexes */
    const struct term *overlap_src[2]; /* offer words they echo */
    size_t n_signal;
    size_t signal_tok[2];
    const struct term *signal_term[2];
};

static void scan_bio(const struct ls_offline *o, const struct ls_tokens *t, struct evidence *ev)
{
    for (size_t i = 0; i < t->n && (ev->n_overlap < 2 || ev->n_signal < 2); i++) {
        if (!meaningful(o, t, i))
            continue;
        char st[STEM_MAX];
        size_t n = stem(ls_tok_str(t, i), t->tok[i].len, st);
        const struct term *hit = table_find(&o->offer_terms, st, n);
        if (hit && ev->n_overlap < 2 && (ev->n_overlap == 0 || ev->overlap_src[0] != hit)) {
            ev->overlap_tok[ev->n_overlap] = i;
            ev->overlap_src[ev->n_overlap++] = hit;
        }
        const struct term *sig = table_find(&o->signals, st, n);
        if (sig && ev->n_signal < 2 && (ev->n_signal == 0 || ev->signal_term[0] != sig)) {
            ev->signal_tok[ev->n_signal] = i;
            ev->signal_term[ev->n_signal++] = sig;
        }
    }
}

/* Appends "text" clipped to QUOTE_MAX bytes on a character boundary. */
static void quote(struct ls_buf *b, const char *s, size_t len)
{
    size_t n = ls_utf8_clip(s, len, QUOTE_MAX);
    ls_buf_addc(b, '"');
    ls_buf_add(b, s, n);
    if (n < len)
        ls_buf_adds(b, "...");
    ls_buf_addc(b, '"');
}

static void quote_tok(struct ls_buf *b, const struct ls_tokens *t, size_t i)
{
    quote(b, t->src + t->tok[i].off, t->tok[i].len);
}

static const char *icp_entry(const struct ls_offline *o, const struct ls_rule_score *rs)
{
    if (rs->icp_entry < 0)
        return "";
    if (rs->adjacent_via == LS_ADJ_LIST)
        return o->offer->adjacent_industries.v[rs->icp_entry];
    return ls_offer_icp(o->offer)->v[rs->icp_entry];
}

static void explain_profile(const struct ls_offline *o, const struct ls_lead *lead,
                            const struct evidence *ev, struct ls_buf *b)
{
    static const char *const kind_text[] = {
        [LS_ROLE_DECISION] = " is a decision-maker role",
        [LS_ROLE_INFLUENCER] = " is an influencer role",
        [LS_ROLE_EXCLUDED] = " is a junior or support role",
        [LS_ROLE_OTHER] = " is not a buying role",
    };
    if (lead->len[LS_F_ROLE]) {
        quote(b, lead->f[LS_F_ROLE], lead->len[LS_F_ROLE]);
        ls_buf_adds(b, kind_text[ev->rs.role_kind]);
    } else {
        ls_buf_adds(b, "No role is given");
    }
    if (lead->len[LS_F_INDUSTRY] == 0) {
        ls_buf_adds(b, " and no industry is given.");
        return;
    }
    ls_buf_adds(b, " and industry ");
    quote(b, lead->f[LS_F_INDUSTRY], lead->len[LS_F_INDUSTRY]);
    const char *entry = icp_entry(o, &ev->rs);
    switch (ev->rs.industry_match) {
    case LS_IND_EXACT:
        ls_buf_adds(b, " matches the offer's ideal customer ");
        quote(b, entry, strlen(entry));
        break;
    case LS_IND_ADJACENT:
        if (ev->rs.adjacent_via == LS_ADJ_LIST) {
            ls_buf_adds(b, " is one of the offer's adjacent industries (");
            quote(b, entry, strlen(entry));
            ls_buf_addc(b, ')');
        } else {
            ls_buf_adds(b, " is adjacent to the offer's ideal customer ");
            quote(b, entry, strlen(entry));
        }
        break;
    case LS_IND_NONE:
        ls_buf_adds(b, " is outside the offer's ideal customers");
        break;
    }
    ls_buf_addc(b, '.');
}

/* Appends: "word" echoes the value prop "text". */
static void echo(const struct ls_offline *o, const struct ls_tokens *t, size_t tok,
                 const struct term *src, struct ls_buf *b)
{
    const char *text = src->src_kind == 0 ? o->offer->value_props.v[src->src_idx]
                                          : o->offer->ideal_use_cases.v[src->src_idx];
    quote_tok(b, t, tok);
    ls_buf_adds(b, src->src_kind == 0 ? " echoes the value prop " : " echoes the use case ");
    quote(b, text, strlen(text));
}

static void explain_bio(const struct ls_offline *o, const struct ls_lead *lead,
                        const struct ls_tokens *t, const struct evidence *ev, struct ls_buf *b)
{
    if (lead->len[LS_F_BIO] == 0) {
        ls_buf_adds(b, " No bio is given.");
        return;
    }
    if (ev->n_overlap == 0 && ev->n_signal == 0) {
        ls_buf_adds(b, " The bio shows no overlap with the offer and no buying signals.");
        return;
    }
    if (ev->n_overlap) {
        ls_buf_adds(b, " The bio's ");
        echo(o, t, ev->overlap_tok[0], ev->overlap_src[0], b);
        if (ev->n_overlap > 1) {
            ls_buf_adds(b, " and ");
            echo(o, t, ev->overlap_tok[1], ev->overlap_src[1], b);
        }
    }
    if (ev->n_signal) {
        ls_buf_adds(b,
                    ev->n_overlap ? ", with buying signals (" : " The bio shows buying signals (");
        quote_tok(b, t, ev->signal_tok[0]);
        if (ev->n_signal > 1) {
            ls_buf_adds(b, ", ");
            quote_tok(b, t, ev->signal_tok[1]);
        }
        ls_buf_addc(b, ')');
    }
    ls_buf_addc(b, '.');
}

void ls_offline_judge(const struct ls_offline *o, const struct ls_lead *lead,
                      struct ls_verdict *out)
{
    struct evidence ev = {0};
    struct ls_tokens *t = ls_xmalloc(sizeof(*t));
    ls_rules_eval(o->ro, lead, &ev.rs);
    ls_tokenize(lead->f[LS_F_BIO], lead->len[LS_F_BIO], t);
    scan_bio(o, t, &ev);

    int points = 0;
    points += ev.rs.role_kind == LS_ROLE_DECISION ? 3 : ev.rs.role_kind == LS_ROLE_INFLUENCER;
    points += ev.rs.industry_match == LS_IND_EXACT ? 3 : ev.rs.industry_match == LS_IND_ADJACENT;
    points += (int)ev.n_overlap + (int)ev.n_signal;
    out->intent = points >= LS_OFFLINE_HIGH     ? LS_INTENT_HIGH
                  : points >= LS_OFFLINE_MEDIUM ? LS_INTENT_MEDIUM
                                                : LS_INTENT_LOW;

    struct ls_buf b;
    ls_buf_init(&b, 4096);
    explain_profile(o, lead, &ev, &b);
    explain_bio(o, lead, t, &ev, &b);
    ls_reasoning_clean(ls_buf_str(&b), b.len, out->reasoning);
    ls_buf_release(&b);
    free(t);
}
