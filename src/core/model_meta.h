/*
 * model_meta.h - reading the model metadata a service answers at the start
 * of a job (llm/preflight.c): OpenAI's model object (GET /models/{id}) and
 * Gemini's Model resource (GET /v1beta/models/{id}). Pure.
 */
#ifndef LS_CORE_MODEL_META_H
#define LS_CORE_MODEL_META_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A retirement date the metadata body s[0..len) (borrowed) carries itself in
 * shutdown_date, shutdownDate, deprecation_date or deprecationDate (the
 * first one that is a non-empty string; no documented field has one, some
 * servers add it): "<provider> model <model>: the service gives <field>
 * <date>" (the date cut at 40 bytes) into out[0..cap), cut to fit. provider
 * and model: borrowed, NUL-terminated. Returns whether it wrote one; out is
 * untouched when not (a body that is not a JSON object has nothing to say).
 */
bool ls_model_meta_date(const char *s, size_t len, const char *provider, const char *model,
                        char *out, size_t cap);

/*
 * Does a 404 body (borrowed, NUL-terminated) speak of the model (the model
 * is unknown), rather than of the path (no such route)? model_not_found,
 * Gemini's NOT_FOUND naming models/, or the model's id (borrowed) anywhere.
 */
bool ls_model_meta_names_model(const char *body, const char *model, bool is_gemini);

#endif
