/*
 * rules.h - the rule layer of a lead's score (max 50 points). Pure.
 *
 *   role          decision maker +20, influencer +10, excluded/other 0
 *   industry      exact ICP match +20, adjacent +10
 *   completeness  +10 when all six fields are non-empty
 *
 * All lists and numbers live in one table, ls_rules_default_config() in
 * rules_config.c. Matching is on whole normalised tokens (see text.h).
 */
#ifndef LS_CORE_RULES_H
#define LS_CORE_RULES_H

#include <stdint.h>

#include "lead.h"
#include "offer.h"

#define LS_FAMILIES_MAX 32

struct ls_industry_family {
    const char *name;
    const char *const *terms; /* NULL-terminated */
};

struct ls_rules_config {
    int points_decision;                       /* role: decision maker */
    int points_influencer;                     /* role: influencer */
    int points_exact;                          /* industry equals an ICP entry */
    int points_adjacent;                       /* industry near an ICP entry */
    int points_complete;                       /* all six fields present */
    const char *const *excluded_roles;         /* tokens that zero the role points */
    const char *const *decision_roles;         /* terms, checked before influencer terms */
    const char *const *influencer_roles;       /* terms */
    const char *const *stop_words;             /* tokens that never make industries adjacent */
    const struct ls_industry_family *families; /* terminated by {NULL, NULL} */
};

/* The built-in configuration (static storage; borrowed). */
const struct ls_rules_config *ls_rules_default_config(void);

/*
 * The three enums below are stored with each result (store migration 8):
 * append new values only, never renumber.
 */
enum ls_role_kind { LS_ROLE_OTHER, LS_ROLE_EXCLUDED, LS_ROLE_INFLUENCER, LS_ROLE_DECISION };

enum ls_industry_match { LS_IND_NONE, LS_IND_ADJACENT, LS_IND_EXACT };

/* How an adjacent industry was recognised. */
enum ls_adjacent_via { LS_ADJ_NONE, LS_ADJ_TOKEN, LS_ADJ_FAMILY, LS_ADJ_LIST };

struct ls_rule_score {
    int role, industry, completeness; /* the parts ... */
    int total;                        /* ... which always add up to total */
    enum ls_role_kind role_kind;
    enum ls_industry_match industry_match;
    enum ls_adjacent_via adjacent_via;
    int icp_entry; /* index into ls_offer_icp(), or into adjacent_industries for LS_ADJ_LIST; -1 */
    int family;    /* family index for LS_ADJ_FAMILY, else -1 */
    /* What each factor matched, for the result's "factors" (issue #8). */
    const char *role_term;     /* borrowed from the config: the excluded, decision or
                                  influencer term that decided role_kind; NULL for OTHER */
    const char *industry_term; /* borrowed from the offer (the ICP or adjacent_industries
                                  entry) or the config (the family name for LS_ADJ_FAMILY);
                                  NULL for LS_IND_NONE */
    unsigned missing;          /* bit (1 << enum ls_field) per field empty after trimming */
};

/* Compiled global rules. Owned: ls_rules_free. Read-only after creation. */
struct ls_rules;
struct ls_rules *ls_rules_new(const struct ls_rules_config *cfg);
void ls_rules_free(struct ls_rules *r);
/* The configuration r was built from (borrowed). */
const struct ls_rules_config *ls_rules_config_of(const struct ls_rules *r);

/*
 * Rules compiled for one offer. Owned: ls_rules_offer_free. Borrows r and
 * offer, which must outlive it. Read-only, so one may serve many threads.
 */
struct ls_rules_offer;
struct ls_rules_offer *ls_rules_offer_new(const struct ls_rules *r, const struct ls_offer *offer);
void ls_rules_offer_free(struct ls_rules_offer *ro);

/* Scores one lead. Never fails; an all-empty lead scores 0. */
void ls_rules_eval(const struct ls_rules_offer *ro, const struct ls_lead *lead,
                   struct ls_rule_score *out);

/* The role points alone, for callers that only need them. */
enum ls_role_kind ls_rules_role_kind(const struct ls_rules *r, const char *role, size_t len);

#endif
