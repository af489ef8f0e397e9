/*
 * offline.h - the built-in offline judge: a deterministic, explainable stand-in
 * for a language model, used when no model is configured and as the fallback
 * when a model call fails for good. Pure: no network, no randomness.
 *
 * It weighs evidence found in the data and names it in its reasoning:
 *   role seniority       decision maker 3, influencer 1
 *   industry fit         exact 3, adjacent 1 (the rule layer's matching)
 *   offer overlap        bio words that echo the offer's value props or use
 *                        cases: 1 per distinct match, at most 2
 *   buying signals       words such as scaling, hiring, automation, pipeline:
 *                        1 per distinct signal, at most 2
 * Evidence >= 6 is High, >= 3 Medium, else Low.
 */
#ifndef LS_CORE_OFFLINE_H
#define LS_CORE_OFFLINE_H

#include "lead.h"
#include "offer.h"
#include "rules.h"
#include "verdict.h"

#define LS_OFFLINE_HIGH   6
#define LS_OFFLINE_MEDIUM 3

/* Buying-signal words (NULL-terminated; static). Documented in the README. */
extern const char *const ls_offline_signals[];

/*
 * Compiled for one offer. Owned: ls_offline_free. Borrows rules and offer,
 * which must outlive it. Read-only after creation: safe for many threads.
 */
struct ls_offline;
struct ls_offline *ls_offline_new(const struct ls_rules *rules, const struct ls_offer *offer);
void ls_offline_free(struct ls_offline *o);

/* Judges one lead (borrowed). Always produces a verdict with a reasoning. */
void ls_offline_judge(const struct ls_offline *o, const struct ls_lead *lead,
                      struct ls_verdict *out);

#endif
