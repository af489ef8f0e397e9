/*
 * text.h - normalisation, tokens and whole-token phrase matching. Pure.
 *
 * Normalising lowercases ASCII and treats every byte that is not an ASCII
 * letter or digit as a separator. Bytes >= 0x80 count as letters, so UTF-8
 * words such as "Geschäftsführer" stay whole tokens. Matching works on whole
 * tokens and token sequences, never raw substrings: "Director" does not
 * contain the token "cto" and "Headhunter" does not contain "head".
 */
#ifndef LS_CORE_TEXT_H
#define LS_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LS_TOK_MAX      256  /* tokens kept per text; the rest are ignored */
#define LS_TOK_TEXT_MAX 8192 /* bytes of a text that are tokenised */

struct ls_token {
    uint32_t off;  /* offset in the source text (and in norm) */
    uint32_t len;  /* bytes */
    uint32_t hash; /* FNV-1a of the lowercased bytes */
};

struct ls_tokens {
    const char *src; /* borrowed: the text that was tokenised */
    size_t n;
    struct ls_token tok[LS_TOK_MAX];
    char norm[LS_TOK_TEXT_MAX]; /* lowercased copy of src, same offsets */
};

/* Splits s[0..len) into lowercase tokens. s is borrowed by out->src. */
void ls_tokenize(const char *s, size_t len, struct ls_tokens *out);

/* Lowercased bytes of token i. Borrowed from t. */
static inline const char *ls_tok_str(const struct ls_tokens *t, size_t i)
{
    return t->norm + t->tok[i].off;
}

/* FNV-1a over len bytes, lowercasing ASCII first. */
uint32_t ls_text_hash(const char *s, size_t len);

/* Trims ASCII whitespace from both ends of *s / *len in place. */
void ls_text_trim(const char **s, size_t *len);

/* True when the two token lists are the same sequence. */
bool ls_tokens_equal(const struct ls_tokens *a, const struct ls_tokens *b);

/*
 * A set of phrases (token sequences), each with an integer value, matched
 * against tokenised text. Opaque; built once, then read-only (thread-safe for
 * concurrent readers).
 */
struct ls_phraseset;

struct ls_phrase_match {
    int phrase;   /* index of the phrase, in order of ls_phraseset_add */
    int value;    /* the phrase's value */
    size_t start; /* first token index in the text */
    size_t ntok;  /* tokens matched */
};

/* Owned: free with ls_phraseset_free. */
struct ls_phraseset *ls_phraseset_new(void);
void ls_phraseset_free(struct ls_phraseset *set);

/*
 * Adds a phrase, normalised like text ("Co-Founder" == "co founder").
 * A phrase with no tokens is ignored. Returns the phrase index or -1.
 */
int ls_phraseset_add(struct ls_phraseset *set, const char *phrase, int value);

size_t ls_phraseset_count(const struct ls_phraseset *set);
/* The normalised phrase text ("co founder"). Borrowed from set. */
const char *ls_phraseset_text(const struct ls_phraseset *set, int phrase);

/*
 * Finds the leftmost phrase that occurs in t at token index >= from (the
 * longest one when several start at the same token). Returns true and fills m
 * when found.
 */
bool ls_phraseset_find(const struct ls_phraseset *set, const struct ls_tokens *t, size_t from,
                       struct ls_phrase_match *m);

/* True when token i of t is, on its own, a one-token phrase of set. */
bool ls_phraseset_has_token(const struct ls_phraseset *set, const struct ls_tokens *t, size_t i);

#endif
