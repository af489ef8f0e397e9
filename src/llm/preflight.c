/* preflight.c - the model metadata check at the start of a job (see preflight.h). */
#include "preflight.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/llm_parse.h"
#include "core/model_meta.h"
#include "core/price.h"
#include "core/scrub.h"
#include "sys/log.h"

#define META_MAX     (256 * 1024) /* bytes of a metadata reply kept */
#define META_TIMEOUT 10000        /* ms: a cheap call, answered in well under a second */

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
    return ls_buf_add(ud, p, size * n) == LS_OK ? size * n : CURL_WRITEFUNC_ERROR;
}

void ls_llm_retirement_warning(const char *provider, const char *model, char *out, size_t cap)
{
    const char *date, *note;
    if (cap == 0)
        return;
    out[0] = '\0';
    if (ls_price_retirement(provider, model, &date, &note))
        snprintf(out, cap, "%s model %s: %s (the provider's deprecation page)", provider, model,
                 note);
}

static int judge(const struct ls_http_provider_config *cfg, long status, struct ls_buf *resp,
                 const char *const *secrets, size_t n_secrets, char *warning, size_t cap,
                 struct ls_err *err)
{
    const char *name = cfg->wire == LS_WIRE_GEMINI ? "gemini" : "openai";
    const char *body = ls_buf_str(resp);
    if (status == 200) {
        /* A body that is not JSON (a server that answers every path) has nothing to say. */
        if (warning[0] == '\0')
            ls_model_meta_date(body, resp->len, name, cfg->model, warning, cap);
        return LS_OK;
    }
    bool refused = status == 401 || status == 403 ||
                   (status == 404 &&
                    ls_model_meta_names_model(body, cfg->model, cfg->wire == LS_WIRE_GEMINI)) ||
                   (status == 400 && cfg->wire == LS_WIRE_GEMINI); /* Gemini: API key not valid */
    if (!refused) {
        ls_log(LS_LOG_INFO, "llm.preflight_skipped", "provider=%s status=%ld", name, status);
        return LS_OK;
    }
    struct ls_llm_reply reply;
    ls_llm_reply_init(&reply, 1024);
    if (cfg->wire == LS_WIRE_GEMINI)
        ls_llm_gemini_reply(status, body, resp->len, &reply);
    else
        ls_llm_openai_reply(status, body, resp->len, &reply);
    char msg[LS_ERR_MSG_MAX];
    snprintf(msg, sizeof(msg), "%s", reply.error[0] ? reply.error : "the model was refused");
    ls_scrub_cstr(msg, sizeof(msg), secrets, n_secrets);
    ls_llm_reply_release(&reply);
    return ls_err_set(err, LS_EUPSTREAM, "model check: %s", msg);
}

int ls_llm_preflight(const struct ls_http_provider_config *cfg, const char *const *secrets,
                     size_t n_secrets, char *warning, size_t cap, struct ls_err *err)
{
    const char *name = cfg->wire == LS_WIRE_GEMINI ? "gemini" : "openai";
    ls_llm_retirement_warning(name, cfg->model, warning, cap);
    size_t bl = strlen(cfg->base_url);
    while (bl && cfg->base_url[bl - 1] == '/')
        bl--;
    char url[1200];
    snprintf(url, sizeof(url), "%.*s%s%s", (int)bl, cfg->base_url,
             cfg->wire == LS_WIRE_GEMINI ? "/v1beta/models/" : "/models/", cfg->model);
    struct curl_slist *headers = NULL;
    if (cfg->api_key && cfg->api_key[0]) {
        char auth[600];
        /* The key goes in a header only, never in the URL or a log. */
        snprintf(auth, sizeof(auth),
                 cfg->wire == LS_WIRE_GEMINI ? "x-goog-api-key: %s" : "Authorization: Bearer %s",
                 cfg->api_key);
        headers = curl_slist_append(headers, auth);
    }
    struct ls_buf resp;
    ls_buf_init(&resp, META_MAX);
    CURL *h = curl_easy_init();
    long status = 0;
    CURLcode res = CURLE_FAILED_INIT;
    if (h) {
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
        long t =
            cfg->timeout_ms > 0 && cfg->timeout_ms < META_TIMEOUT ? cfg->timeout_ms : META_TIMEOUT;
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, t);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                         cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : t);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
        curl_easy_setopt(h, CURLOPT_USERAGENT, "leadscore/" LS_VERSION);
        res = curl_easy_perform(h);
        if (res == CURLE_OK)
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(h);
    }
    curl_slist_free_all(headers);
    int rc = LS_OK;
    if (res != CURLE_OK)
        ls_log(LS_LOG_INFO, "llm.preflight_skipped", "provider=%s curl=%d", name, (int)res);
    else
        rc = judge(cfg, status, &resp, secrets, n_secrets, warning, cap, err);
    ls_buf_release(&resp);
    return rc;
}
