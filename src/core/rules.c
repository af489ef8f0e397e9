/*
 * rules.c - rule-layer scoring. Pure.
 *
 * Everything that depends only on the configuration is compiled once into
 * struct ls_rules; everything that depends on the offer's ideal customer
 * profile (ICP) is compiled once per offer into struct ls_rules_offer, so that
 * scoring a lead is two tokenisations and a handful of hash probes.
 */
#include "rules.h"

#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "xalloc.h"

struct ls_rules {
    const struct ls_rules_config *cfg; /* borrowed */
    struct ls_phraseset *excluded, *decision, *influencer, *stop;
    struct ls_phraseset *families; /* value = family index */
    size_t n_families;
};

struct ls_rules_offer {
    const struct ls_rules *r;     /* borrowed */
    const struct ls_offer *offer; /* borrowed: the matched entries' text */
    struct ls_phraseset *icp;     /* ICP entries, value = entry index */
    struct ls_phraseset *icp_sig; /* significant ICP tokens, value = entry index */
    uint32_t *icp_fam;            /* owned; family mask per ICP entry */
    size_t n_icp;
    uint32_t icp_fam_all;
    struct ls_phraseset *adj;     /* adjacent_industries entries */
    struct ls_phraseset *adj_sig; /* their significant tokens */
};

static struct ls_phraseset *set_of(const char *const *words)
{
    struct ls_phraseset *s = ls_phraseset_new();
    for (size_t i = 0; words && words[i]; i++)
        ls_phraseset_add(s, words[i], (int)i);
    return s;
}

struct ls_rules *ls_rules_new(const struct ls_rules_config *cfg)
{
    struct ls_rules *r = ls_xcalloc(1, sizeof(*r));
    r->cfg = cfg;
    r->excluded = set_of(cfg->excluded_roles);
    r->decision = set_of(cfg->decision_roles);
    r->influencer = set_of(cfg->influencer_roles);
    r->stop = set_of(cfg->stop_words);
    r->families = ls_phraseset_new();
    for (size_t f = 0; cfg->families && cfg->families[f].name && f < LS_FAMILIES_MAX; f++) {
        for (size_t k = 0; cfg->families[f].terms[k]; k++)
            ls_phraseset_add(r->families, cfg->families[f].terms[k], (int)f);
        r->n_families = f + 1;
    }
    return r;
}

void ls_rules_free(struct ls_rules *r)
{
    if (r == NULL)
        return;
    ls_phraseset_free(r->excluded);
    ls_phraseset_free(r->decision);
    ls_phraseset_free(r->influencer);
    ls_phraseset_free(r->stop);
    ls_phraseset_free(r->families);
    free(r);
}

const struct ls_rules_config *ls_rules_config_of(const struct ls_rules *r)
{
    return r->cfg;
}

/* Bit mask of the industry families any phrase of t belongs to. */
static uint32_t family_mask(const struct ls_rules *r, const struct ls_tokens *t, int *first)
{
    uint32_t mask = 0;
    struct ls_phrase_match m;
    size_t from = 0;
    *first = -1;
    while (from < t->n && ls_phraseset_find(r->families, t, from, &m)) {
        if (*first < 0)
            *first = m.value;
        mask |= 1u << m.value;
        from = m.start + 1;
    }
    return mask;
}

/* Adds the tokens of entry that are not stop words to sig, tagged with idx. */
static void add_significant(const struct ls_rules *r, const struct ls_tokens *t, int idx,
                            struct ls_phraseset *sig)
{
    for (size_t i = 0; i < t->n; i++) {
        if (ls_phraseset_has_token(r->stop, t, i))
            continue;
        char tok[LS_TOK_TEXT_MAX + 1];
        memcpy(tok, ls_tok_str(t, i), t->tok[i].len);
        tok[t->tok[i].len] = '\0';
        ls_phraseset_add(sig, tok, idx);
    }
}

struct ls_rules_offer *ls_rules_offer_new(const struct ls_rules *r, const struct ls_offer *offer)
{
    struct ls_rules_offer *ro = ls_xcalloc(1, sizeof(*ro));
    struct ls_tokens *t = ls_xmalloc(sizeof(*t));
    const struct ls_strlist *icp = ls_offer_icp(offer);
    ro->r = r;
    ro->offer = offer;
    ro->icp = ls_phraseset_new();
    ro->icp_sig = ls_phraseset_new();
    ro->n_icp = icp->n;
    ro->icp_fam = ls_xcalloc(icp->n ? icp->n : 1, sizeof(uint32_t));
    for (size_t i = 0; i < icp->n; i++) {
        ls_phraseset_add(ro->icp, icp->v[i], (int)i);
        ls_tokenize(icp->v[i], strlen(icp->v[i]), t);
        add_significant(r, t, (int)i, ro->icp_sig);
        int first;
        ro->icp_fam[i] = family_mask(r, t, &first);
        ro->icp_fam_all |= ro->icp_fam[i];
    }
    ro->adj = ls_phraseset_new();
    ro->adj_sig = ls_phraseset_new();
    for (size_t i = 0; i < offer->adjacent_industries.n; i++) {
        const char *s = offer->adjacent_industries.v[i];
        ls_phraseset_add(ro->adj, s, (int)i);
        ls_tokenize(s, strlen(s), t);
        add_significant(r, t, (int)i, ro->adj_sig);
    }
    free(t);
    return ro;
}

void ls_rules_offer_free(struct ls_rules_offer *ro)
{
    if (ro == NULL)
        return;
    ls_phraseset_free(ro->icp);
    ls_phraseset_free(ro->icp_sig);
    ls_phraseset_free(ro->adj);
    ls_phraseset_free(ro->adj_sig);
    free(ro->icp_fam);
    free(ro);
}

/*
 * The role's kind, and in *term the configured term that decided it (a
 * phrase's value is its index in the config list, see set_of), or NULL.
 */
static enum ls_role_kind role_kind(const struct ls_rules *r, const struct ls_tokens *t,
                                   const char **term)
{
    const struct ls_rules_config *cfg = r->cfg;
    struct ls_phrase_match m;
    *term = NULL;
    /* REQ-RULE-ROLE: the first rule that applies wins. */
    for (size_t i = 0; i < t->n; i++) {
        if (ls_phraseset_has_token(r->excluded, t, i)) {
            if (ls_phraseset_find(r->excluded, t, i, &m))
                *term = cfg->excluded_roles[m.value];
            return LS_ROLE_EXCLUDED;
        }
    }
    if (ls_phraseset_find(r->decision, t, 0, &m)) {
        *term = cfg->decision_roles[m.value];
        return LS_ROLE_DECISION;
    }
    if (ls_phraseset_find(r->influencer, t, 0, &m)) {
        *term = cfg->influencer_roles[m.value];
        return LS_ROLE_INFLUENCER;
    }
    return LS_ROLE_OTHER;
}

enum ls_role_kind ls_rules_role_kind(const struct ls_rules *r, const char *role, size_t len)
{
    struct ls_tokens t;
    const char *term;
    ls_tokenize(role, len, &t);
    return role_kind(r, &t, &term);
}

/* Index of a phrase of set equal to the whole of t, or -1. */
static int whole_match(const struct ls_phraseset *set, const struct ls_tokens *t)
{
    struct ls_phrase_match m;
    if (t->n && ls_phraseset_find(set, t, 0, &m) && m.start == 0 && m.ntok == t->n)
        return m.value;
    return -1;
}

/* Entry index of the first significant token of t found in sig, or -1. */
static int shared_token(const struct ls_rules *r, const struct ls_phraseset *sig,
                        const struct ls_tokens *t)
{
    struct ls_phrase_match m;
    for (size_t i = 0; i < t->n; i++) {
        if (ls_phraseset_has_token(r->stop, t, i))
            continue;
        if (ls_phraseset_has_token(sig, t, i) && ls_phraseset_find(sig, t, i, &m))
            return m.value;
    }
    return -1;
}

static void industry(const struct ls_rules_offer *ro, const struct ls_offer *offer,
                     const struct ls_tokens *t, struct ls_rule_score *out)
{
    const struct ls_strlist *icp = ls_offer_icp(offer);
    const struct ls_rules *r = ro->r;
    int idx;
    out->industry_match = LS_IND_NONE;
    out->adjacent_via = LS_ADJ_NONE;
    out->icp_entry = -1;
    out->family = -1;
    out->industry_term = NULL;
    if (t->n == 0)
        return;
    /* REQ-RULE-IND-EXACT: exact beats any adjacent entry, whatever the order. */
    idx = whole_match(ro->icp, t);
    if (idx >= 0) {
        out->industry_match = LS_IND_EXACT;
        out->icp_entry = idx;
        out->industry_term = icp->v[idx];
        return;
    }
    idx = shared_token(r, ro->icp_sig, t);
    if (idx >= 0) {
        out->industry_match = LS_IND_ADJACENT;
        out->adjacent_via = LS_ADJ_TOKEN;
        out->icp_entry = idx;
        out->industry_term = icp->v[idx];
        return;
    }
    int first;
    uint32_t mask = family_mask(r, t, &first) & ro->icp_fam_all;
    if (mask) {
        out->industry_match = LS_IND_ADJACENT;
        out->adjacent_via = LS_ADJ_FAMILY;
        out->family = __builtin_ctz(mask);
        out->industry_term = r->cfg->families[out->family].name;
        for (size_t i = 0; i < ro->n_icp; i++) {
            if (ro->icp_fam[i] & (1u << out->family)) {
                out->icp_entry = (int)i;
                break;
            }
        }
        return;
    }
    idx = whole_match(ro->adj, t);
    if (idx < 0)
        idx = shared_token(r, ro->adj_sig, t);
    if (idx >= 0) {
        out->industry_match = LS_IND_ADJACENT;
        out->adjacent_via = LS_ADJ_LIST;
        out->icp_entry = idx;
        out->industry_term = offer->adjacent_industries.v[idx];
    }
}

void ls_rules_eval(const struct ls_rules_offer *ro, const struct ls_lead *lead,
                   struct ls_rule_score *out)
{
    const struct ls_rules_config *cfg = ro->r->cfg;
    struct ls_tokens t;

    ls_tokenize(lead->f[LS_F_ROLE], lead->len[LS_F_ROLE], &t);
    out->role_kind = role_kind(ro->r, &t, &out->role_term);
    out->role = out->role_kind == LS_ROLE_DECISION     ? cfg->points_decision
                : out->role_kind == LS_ROLE_INFLUENCER ? cfg->points_influencer
                                                       : 0;

    ls_tokenize(lead->f[LS_F_INDUSTRY], lead->len[LS_F_INDUSTRY], &t);
    industry(ro, ro->offer, &t, out);
    out->industry = out->industry_match == LS_IND_EXACT      ? cfg->points_exact
                    : out->industry_match == LS_IND_ADJACENT ? cfg->points_adjacent
                                                             : 0;

    /* REQ-RULE-COMPLETE: every field non-empty after trimming. */
    out->missing = 0;
    for (int f = 0; f < LS_F_COUNT; f++) {
        const char *s = lead->f[f];
        size_t len = lead->len[f];
        ls_text_trim(&s, &len);
        if (len == 0)
            out->missing |= 1u << f;
    }
    out->completeness = out->missing == 0 ? cfg->points_complete : 0;
    out->total = out->role + out->industry + out->completeness;
}
