/*
 * openapi_schemas.c - components/schemas of GET /openapi.json: every body
 * the service takes or sends, as JSON Schema 2020-12, and the table of
 * error codes. Response schemas are closed (additionalProperties: false), so
 * a field a handler adds without documenting it fails tests/conformance;
 * request schemas say what the handler accepts, no more and no less.
 *
 * The schemas are JSON text with ' for " (see ls_openapi_json): they read
 * as the JSON they become, which json_pack formats would not.
 */
#include "openapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/xalloc.h"

json_t *ls_openapi_json(const char *text)
{
    char *s = ls_xstrdup(text);
    for (char *p = s; *p; p++) {
        if (*p == '\'')
            *p = '"';
    }
    json_error_t e;
    json_t *j = json_loads(s, JSON_REJECT_DUPLICATES, &e);
    if (j == NULL) {
        fprintf(stderr, "openapi: a schema literal does not parse: %s at %d: %.80s\n", e.text,
                e.position, s + (e.position > 20 ? e.position - 20 : 0));
        abort();
    }
    free(s);
    return j;
}

/* ---- error codes ------------------------------------------------------------------- */

/* Every code passed to ls_reply_error / reply_raw / ls_http_error, and every ls_status_name. */
static const struct ls_openapi_code codes[] = {
    {"bad_request", "400",
     "the request line, a header, the framing or the target is malformed (not percent-encoded, "
     "a NUL byte, too many query parameters)"},
    {"invalid", "400",
     "a query parameter or a path id is wrong, unknown or repeated (details.parameter names it)"},
    {"parse_error", "400", "the JSON body is not well-formed (the message has line and column)"},
    {"missing_columns", "400",
     "the CSV header lacks a required column: name, and role or company (details.missing, "
     "details.found)"},
    {"ambiguous_columns", "400",
     "two CSV columns name the same field equally, e.g. Email twice (details.ambiguous, "
     "details.field, details.found)"},
    {"no_leads", "400",
     "the CSV is empty, has no data rows, or every row was rejected (details.rejected, "
     "details.errors)"},
    {"invalid_csv", "400", "the CSV cannot be read at all (for example more than 1024 columns)"},
    {"missing_file", "400", "the multipart body has no part named file"},
    {"invalid_multipart", "400",
     "the multipart body is malformed, nested, or has more than one file part"},
    {"unauthorized", "401",
     "no key where one is needed, a malformed Authorization header, a "
     "key that is not valid or has been revoked, or a session cookie that is malformed, "
     "unknown, signed out, expired or of a revoked key"},
    {"forbidden", "403",
     "the key's role is below the one the operation needs (details.role, details.required)"},
    {"forbidden_origin", "403",
     "a state-changing request (or a preflight) from a browser origin that is not this server "
     "and not in LEADSCORE_CORS_ORIGINS, or a state-changing request signed in by cookie "
     "without Origin of this server or Sec-Fetch-Site: same-origin"},
    {"not_found", "404", "no such endpoint, or no offer, upload, job or key with that id"},
    {"method_not_allowed", "405", "the path exists but not with this method (see Allow)"},
    {"request_timeout", "408", "the request head or body stopped arriving"},
    {"conflict", "409",
     "the state does not allow it: nothing to score yet, nothing scored yet, a job that is "
     "still running or already finished, a key already revoked"},
    {"open_mode", "409",
     "POST /session on a server that is open (no API keys): no sign-in is needed"},
    {"cancelled", "409", "the job POST /score waited for was cancelled (details.job_id)"},
    {"too_large", "413",
     "the body is over its limit (JSON 1 MiB, upload LEADSCORE_MAX_UPLOAD_MB), or a page of "
     "results would be over 64 MiB"},
    {"too_many_rows", "413", "the CSV has more rows than LEADSCORE_MAX_ROWS"},
    {"uri_too_long", "414", "the request target is longer than 8192 bytes"},
    {"unsupported_media_type", "415", "the Content-Type is not one the operation takes"},
    {"expectation_failed", "417", "an Expect header other than 100-continue"},
    {"misdirected_request", "421",
     "the Host is not this server (see LEADSCORE_ALLOWED_HOSTS; against DNS rebinding)"},
    {"validation_error", "422",
     "well-formed JSON of the wrong shape (the message and details.field name the field)"},
    {"queue_full", "429", "LEADSCORE_MAX_QUEUED_JOBS jobs are waiting already"},
    {"header_too_large", "431",
     "the request head is over LEADSCORE_MAX_HEADER_BYTES or has more "
     "than 100 fields"},
    {"internal", "500", "a bug; the server log has the cause under the request id"},
    {"io_error", "500", "a database error that is neither full nor unavailable"},
    {"scoring_failed", "502",
     "the job POST /score waited for failed (details.job_id, "
     "details.scored)"},
    {"upstream_error", "502",
     "a remote service failed (from the status mapping; no operation "
     "sends it today)"},
    {"server_busy", "503", "no connection slot is left (LEADSCORE_MAX_CONNECTIONS)"},
    {"too_many_connections", "503",
     "too many connections from this address (LEADSCORE_MAX_CONNECTIONS_PER_IP)"},
    {"shutting_down", "503",
     "the server is stopping; a job is saved and resumes at the next start (details.job_id)"},
    {"storage_unavailable", "503, 507",
     "503: the database cannot be written (read-only, deleted, failing); 507: it is full (disk "
     "or LEADSCORE_DB_MAX_MB). Nothing was stored"},
    {"timeout", "504",
     "an operation ran out of time (from the status mapping; no operation sends "
     "it today)"},
    {"http_version_not_supported", "505", "a protocol other than HTTP/1.0 or HTTP/1.1"},
};

const struct ls_openapi_code *ls_openapi_codes(size_t *n)
{
    *n = LS_ARRAY_LEN(codes);
    return codes;
}

/* The ErrorCode schema: the enum, and a table of when each code is sent. */
static json_t *error_code_schema(void)
{
    json_t *values = json_array();
    size_t cap = 8192, w = 0;
    char *text = ls_xmalloc(cap);
    w += (size_t)snprintf(text, cap,
                          "The machine-readable reason of an error; the status follows from "
                          "it.\n\n| code | status | when |\n|---|---|---|\n");
    for (size_t i = 0; i < LS_ARRAY_LEN(codes); i++) {
        json_array_append_new(values, json_string(codes[i].code));
        size_t need =
            strlen(codes[i].code) + strlen(codes[i].statuses) + strlen(codes[i].when) + 16;
        if (w + need >= cap) {
            cap = 2 * (w + need);
            text = ls_xrealloc(text, cap);
        }
        w += (size_t)snprintf(text + w, cap - w, "| `%s` | %s | %s |\n", codes[i].code,
                              codes[i].statuses, codes[i].when);
    }
    json_t *s = json_pack("{s:s, s:o, s:s}", "type", "string", "enum", values, "description", text);
    free(text);
    return s;
}

/* ---- schemas ----------------------------------------------------------------------- */

#define REF(name)    "{'$ref':'#/components/schemas/" name "'}"
#define ID           "{'type':'integer','minimum':1}"
#define COUNT        "{'type':'integer','minimum':0}"
#define TEXT         "{'type':'string'}"
#define TIME         "{'type':'string','format':'date-time'}"
#define TIME_OR_NULL "{'type':['string','null'],'format':'date-time'}"
#define TEXT_LIST    "{'type':'array','items':{'type':'string'}}"
#define ENCODING                                                                                   \
    "{'type':'string','minLength':1,'maxLength':31,'description':'How the file was read: utf-8; "  \
    "utf-16le or utf-16be; windows-1252 when some text was not valid UTF-8; or the ?encoding= "    \
    "asked for, lowercased. Everything stored is UTF-8.','examples':['utf-8','windows-1252',"      \
    "'utf-16le','macintosh']}"
#define ROLE "{'type':'string','enum':['viewer','member','admin']}"
#define OBJ  "'type':'object','additionalProperties':false,"

/* One string of an offer as the server checks it (trimmed, non-empty, at most 2000 bytes). */
#define OFFER_TEXT                                                                                 \
    "{'type':'string','minLength':1,'maxLength':2000,'description':'Trimmed; must not be empty; "  \
    "at most 2000 bytes of UTF-8, no NUL'}"
#define OFFER_LIST(min) "{'type':'array','minItems':" min ",'maxItems':100,'items':" OFFER_TEXT "}"
#define OFFER_OPT_LIST                                                                             \
    "{'type':['array','null'],'maxItems':100,'items':" OFFER_TEXT                                  \
    ",'description':'Optional; null is the same as leaving it out'}"

#define UPLOAD_PROPS                                                                               \
    "'id':" ID ",'filename':{'type':'string','maxLength':255,'description':'The multipart "        \
    "file name, or ?filename= of a raw text/csv upload (control characters as _)'},"               \
    "'count':{'type':'integer','minimum':0,'description':'Leads stored'},"                         \
    "'rejected':{'type':'integer','minimum':0,'description':'Rows rejected'},"                     \
    "'encoding':" ENCODING ",'created_at':" TIME "," UPLOAD_READ_PROPS

/* How the file was read and what it held besides the known fields (issue #9). */
#define UPLOAD_READ_PROPS                                                                          \
    "'delimiter':{'type':'string','enum':[',',';','\\t','|'],'description':'The field "            \
    "delimiter the file was read with (csv-excel exports use it)'},"                               \
    "'skipped_lines':{'type':'integer','minimum':0,'description':'Lines before the header (a "     \
    "preamble)'},'missing_columns':{'type':'array','items':{'type':'string','enum':['name',"       \
    "'role','company','industry','location','linkedin_bio','email','linkedin_url',"                \
    "'external_id']},'description':'Known fields the file had no column for (read as empty)'},"    \
    "'warnings':{'type':'array','items':{'type':'string','minLength':1},'description':'What is "   \
    "in doubt about how the file was read (the encoding)'},'extra_columns':{'type':'array',"       \
    "'items':{'type':'string'},'description':'The file\\u0027s other columns, original headers "   \
    "in file order: kept with each lead as extra, and exported after the named columns'},"         \
    "'duplicates':" DUPLICATES
#define DUPLICATES                                                                                 \
    "{'type':'integer','minimum':0,'description':'Rows that repeat an earlier row of the file "    \
    "(the same email, trimmed and case-insensitive; with no email the same name and company): "    \
    "stored with duplicate_of and scored once, or with dedupe=drop left out (and not in count)'}"

/* What a result keeps of its row, so that it joins back to the CRM (issue #9). */
#define LEAD_ID                                                                                     \
    "{'type':'string','pattern':'^[1-9][0-9]*-(0|[1-9][0-9]*)$','description':'<upload id>-<idx>: " \
    "unique within the workspace, stable while the upload lives'}"
#define RESULT_IDENTITY                                                                            \
    "'lead_id':" LEAD_ID ",'line':{'type':'integer','minimum':0,'description':'The line of the "   \
    "file its row started on (0: stored before lines were kept)'},'email':" TEXT ","               \
    "'linkedin_url':" TEXT ",'external_id':{'type':'string','description':'The CRM record id'},"   \
    "'linkedin_bio':" TEXT ",'extra':{'type':'object','additionalProperties':{'type':'string'},"   \
    "'description':'The upload\\u0027s other columns, original header to value, in file order'},"  \
    "'duplicate_of':{'oneOf':[" LEAD_ID ",{'type':'null'}],'description':'The lead_id of the "     \
    "earlier row this one repeats (then ai.status is duplicate), or null'}"

#define COUNTS_PROPS                                                                               \
    "'fallbacks':{'type':'integer','minimum':0,'description':'Leads given the offline verdict "    \
    "after the model failed'},'cache_hits':" COUNT ",'model_calls':" COUNT ",'retries':" COUNT     \
    ",'tokens':" REF(                                                                              \
        "TokenCounts") ",'blocked':{'type':'integer','minimum':0,'description':"                   \
                       "'Of the fallbacks, leads a content filter or safety block refused (ai.status blocked)'}"

#define HEALTH_PROPS                                                                                 \
    "'version':{'type':'string','minLength':1},"                                                     \
    "'ai':{" OBJ "'required':['provider','model'],'properties':{"                                    \
    "'provider':{'type':'string','enum':['offline','gemini','openai']},"                             \
    "'model':{'type':'string','description':'Empty for the offline judge'},"                         \
    "'tier':{'type':'string','enum':['standard','flex'],'description':'LEADSCORE_AI_SERVICE_TIER'}," \
    "'warning':{'type':'string','description':'The model\\u0027s announced shutdown, from the "      \
    "providers\\u0027 deprecation pages'}}},"                                                        \
    "'store':{'type':'string','enum':['sqlite']},"                                                   \
    "'auth':{'type':'string','enum':['open','keys'],'description':'open: no key exists and the "     \
    "server listens on loopback only (or runs with --no-auth); keys: every request but the "         \
    "public ones needs one'},'uptime_s':" COUNT

static const struct {
    const char *name;
    const char *json;
} schemas[] = {
    {"Error",
     "{" OBJ "'required':['error','code'],"
     "'description':'Every error body. The status and the code say what happened; error says it "
     "in words, naming the field, row, parameter or line.',"
     "'properties':{'error':{'type':'string','minLength':1},'code':" REF(
         "ErrorCode") ","
                      "'details':" REF("ErrorDetails") "}}"},
    {"ErrorDetails",
     "{" OBJ "'description':'Present where it helps; which fields depends on the code.',"
     "'properties':{"
     "'missing':{'type':'array','items':{'type':'string'},'description':'missing_columns: the "
     "columns not found'},"
     "'found':{'type':'array','items':{'type':'string'},'description':'missing_columns, "
     "ambiguous_columns: the header as read'},"
     "'ambiguous':{'type':'array','minItems':2,'maxItems':2,'items':{'type':'string'},"
     "'description':'ambiguous_columns: the two headers (field names the field they claim)'},"
     "'rejected':{'type':'integer','minimum':0,'description':'no_leads: rows rejected'},"
     "'errors':{'type':'array','maxItems':100,'items':" REF(
         "RejectedRow") ",'description':'no_"
                        "leads: the first 100 rejected rows'},"
                        "'field':{'type':'string','description':'validation_error: the field at fault; "
                        "ambiguous_columns: the lead field two columns claim'},"
                        "'parameter':{'type':'string','description':'invalid: the query parameter at fault'},"
                        "'role':" ROLE ",'required':" ROLE ","
                        "'job_id':" ID ",'scored':" COUNT "}}"},
    {"Health",
     "{" OBJ "'required':['status','version','ai','store','store_status','auth','uptime_s'],"
     "'properties':{" HEALTH_PROPS ",'status':{'type':'string','const':'ok'},"
     "'store_status':{'type':'string','const':'ok'}}}"},
    {"HealthUnhealthy",
     "{" OBJ "'required':['status','version','ai','store','store_status','auth','uptime_s',"
     "'error','code'],'description':'The store cannot be written: Health with what is wrong, "
     "as an Error says it.','properties':{" HEALTH_PROPS ","
     "'status':{'type':'string','const':'unhealthy'},"
     "'store_status':{'type':'string','const':'unavailable'},"
     "'error':{'type':'string','minLength':1},"
     "'code':{'type':'string','const':'storage_unavailable'}}}"},
    {"OpenApiDocument",
     "{'type':'object','required':['openapi','info','paths','components'],"
     "'description':'This document.','properties':{'openapi':{'type':'string','const':'3.1.0'},"
     "'info':{'type':'object'},'paths':{'type':'object'},'components':{'type':'object'}}}"},
    {"OfferInput",
     "{'type':'object','required':['name','value_props','ideal_use_cases'],"
     "'description':'An offer to score leads against. Other fields are ignored.',"
     "'properties':{'name':" OFFER_TEXT ",'value_props':" OFFER_LIST(
         "1") ","
              "'ideal_use_cases':" OFFER_LIST("1") ","
                                                   "'icp_industries':" OFFER_OPT_LIST
                                                   ",'adjacent_industries':" OFFER_OPT_LIST "}}"},
    {"Offer", "{" OBJ "'required':['name','value_props','ideal_use_cases'],"
              "'description':'An offer as stored: trimmed, optional lists only when not empty.',"
              "'properties':{'name':{'type':'string','minLength':1},'value_props':" TEXT_LIST ","
              "'ideal_use_cases':" TEXT_LIST ",'icp_industries':" TEXT_LIST ","
              "'adjacent_industries':" TEXT_LIST "}}"},
    {"OfferCreated",
     "{" OBJ "'required':['message','offer_id','offer'],"
     "'properties':{'message':" TEXT ",'offer_id':" ID ",'offer':" REF("Offer") "}}"},
    {"OfferSummary", "{" OBJ "'required':['id','name','created_at'],"
                     "'properties':{'id':" ID ",'name':" TEXT ",'created_at':" TIME "}}"},
    {"OfferDetail",
     "{" OBJ "'required':['id','offer'],'properties':{'id':" ID ",'offer':" REF("Offer") "}}"},
    {"OfferList",
     "{" OBJ "'required':['total','current','items'],"
     "'properties':{'total':" COUNT ","
     "'current':{'type':'integer','minimum':0,'description':'The current offer (0: none)'},"
     "'items':{'type':'array','items':" REF("OfferSummary") "}}}"},
    {"RejectedRow",
     "{" OBJ "'required':['line','error'],'description':'A CSV row that was not stored.',"
     "'properties':{'line':{'type':'integer','minimum':1,'description':'Its first line in the "
     "file'},'error':{'type':'string','minLength':1}}}"},
    {"UploadCreated",
     "{" OBJ "'required':['message','upload_id','count','rejected','errors','encoding',"
     "'encoding_confidence','delimiter','skipped_lines','missing_columns','warnings',"
     "'filename','duplicates'],'properties':{'message':" TEXT ",'upload_id':" ID ","
     "'duplicates':" DUPLICATES ","
     "'count':{'type':'integer','minimum':1,'description':'Leads stored'},"
     "'rejected':" COUNT ",'errors':{'type':'array','maxItems':100,'items':" REF(
         "RejectedRow") ",'description':'The first 100 rejected rows'},"
                        "'encoding':{'type':'string','minLength':1,'maxLength':31,'description':'How the file "
                        "was read: utf-8; utf-16le or utf-16be; windows-1252 when some text was not valid UTF-8; "
                        "or the ?encoding= asked for, lowercased. Everything stored is UTF-8.',"
                        "'examples':['utf-8','windows-1252','utf-16le','macintosh']},"
                        "'encoding_confidence':{'type':'string','enum':['certain','guess'],'description':'certain: "
                        "asked for with ?encoding=, a byte order mark, or every byte valid UTF-8; guess: "
                        "Windows-1252, or UTF-16 told from its NUL bytes without a byte order mark'},"
                        "'delimiter':{'type':'string','enum':[',',';','\\t','|'],'description':'The field "
                        "delimiter used'},"
                        "'skipped_lines':{'type':'integer','minimum':0,'maximum':21,'description':'Lines before "
                        "the header (an Excel sep= line, a preamble such as LinkedIn\\u0027s Notes)'},"
                        "'missing_columns':{'type':'array','maxItems':5,'items':{'type':'string','enum':["
                        "'role','company','industry','location','linkedin_bio']},'description':'Scored fields "
                        "the file has no column for: they read as empty (completeness counts them missing)'},"
                        "'warnings':{'type':'array','maxItems':2,'items':{'type':'string','minLength':1},"
                        "'description':'What may be wrong: missing columns, and text that does not look like the "
                        "encoding it was read as (naming ?encoding=)'},"
                        "'filename':{'type':'string','maxLength':255}}}"},
    {"Upload", "{" OBJ "'required':['id','filename','count','rejected','encoding','created_at',"
               "'delimiter','skipped_lines','missing_columns','warnings','extra_columns',"
               "'duplicates'],"
               "'properties':{" UPLOAD_PROPS "}}"},
    {"UploadDetail",
     "{" OBJ "'required':['id','filename','count','rejected','encoding','created_at','errors',"
     "'delimiter','skipped_lines','missing_columns','warnings','extra_columns','duplicates'],"
     "'properties':{" UPLOAD_PROPS ",'errors':{'type':'array','maxItems':100,'items':" REF(
         "RejectedRow") ",'description':'The first 100 rejected rows'}}}"},
    {"UploadList",
     "{" OBJ "'required':['total','current','items'],"
     "'properties':{'total':" COUNT ","
     "'current':{'type':'integer','minimum':0,'description':'The current upload (0: none)'},"
     "'items':{'type':'array','items':" REF("Upload") "}}}"},
    {"Lead",
     "{" OBJ "'required':['idx','line','name','role','company','industry','location',"
     "'linkedin_bio'],'description':'A lead as stored: trimmed UTF-8, empty when the file had "
     "no value.','properties':{'idx':{'type':'integer','minimum':0,'description':'Its position "
     "in the upload'},'line':{'type':'integer','minimum':1},'name':" TEXT ",'role':" TEXT ","
     "'company':" TEXT ",'industry':" TEXT ",'location':" TEXT ",'linkedin_bio':" TEXT "}}"},
    {"LeadList",
     "{" OBJ "'required':['total','limit','offset','items'],"
     "'properties':{'total':" COUNT ",'limit':{'type':'integer','minimum':1,'maximum':10000},"
     "'offset':" COUNT ",'items':{'type':'array','items':" REF("Lead") "}}}"},
    {"IntentCounts", "{" OBJ "'required':['High','Medium','Low'],"
                     "'properties':{'High':" COUNT ",'Medium':" COUNT ",'Low':" COUNT "}}"},
    {"TokenCounts",
     "{" OBJ "'required':['prompt','output'],'description':'Tokens the model services "
     "reported: prompt includes cached (input served from the service cache), output includes "
     "thought (reasoning)','properties':{'prompt':" COUNT ",'output':" COUNT ",'cached':" COUNT
     ",'thought':" COUNT "}}"},
    {"JobRequest",
     "{" OBJ "'description':'What to score; each defaults to the current one. The body may be "
     "empty.','properties':{'offer_id':{'type':['integer','null'],'minimum':1},"
     "'upload_id':{'type':['integer','null'],'minimum':1},"
     "'mode':{'type':['string','null'],'enum':['standard','batch',null],'description':'batch: "
     "through the batch API of the provider (cheaper, slower); default LEADSCORE_AI_MODE'}}}"},
    {"JobCreateRequest",
     "{" OBJ "'description':'What to score; each defaults to the current one. The body may be "
     "empty.','properties':{'offer_id':{'type':['integer','null'],'minimum':1},"
     "'upload_id':{'type':['integer','null'],'minimum':1},'dry_run':{'type':['boolean','null'],"
     "'description':'true: answer the estimate (200) instead of creating a job'},"
     "'budget_usd':{'type':['number','null'],'minimum':0,'description':'Stop before a "
     "request would go past it (default LEADSCORE_AI_BUDGET_USD); needs a known price'},"
     "'mode':{'type':['string','null'],'enum':['standard','batch',null],'description':'batch: "
     "through the batch API of the provider (cheaper, slower); default LEADSCORE_AI_MODE'}}}"},
    {"JobResumeRequest", "{" OBJ "'properties':{'budget_usd':{'type':['number','null'],'minimum':0,"
                         "'description':'The new budget; above what the job has spent'}}}"},
    {"JobEstimate",
     "{" OBJ "'required':['estimate','offer_id','upload_id'],'properties':{'offer_id':" ID ","
     "'upload_id':" ID ",'estimate':{" OBJ "'required':['provider','model','tier','leads',"
     "'duplicates','cache_hits','to_send','requests','tokens','cost_usd','price_per_1m',"
     "'wall_ms'],'properties':{'provider':" TEXT ",'model':" TEXT ",'tier':{'type':'string',"
     "'enum':['standard','flex','batch']},'leads':" COUNT ",'duplicates':" COUNT ","
     "'cache_hits':" COUNT ",'to_send':{'type':'integer','minimum':0,'description':'Leads the "
     "model would see: not duplicates, not in the verdict cache'},'requests':" COUNT ","
     "'tokens':{" OBJ "'required':['input','output'],'description':'Input counted from the "
     "request bodies the prompt builder makes (4 bytes a token); output from the answer size "
     "(about 40 tokens a lead)','properties':{'input':" COUNT ",'output':" COUNT "}},"
     "'cost_usd':{'type':['number','null'],'minimum':0,'description':'null: the price is "
     "unknown'},'price_per_1m':{'oneOf':[{'type':'null'},{" OBJ "'required':['input',"
     "'cached_input','output'],'properties':{'input':{'type':'number','minimum':0},"
     "'cached_input':{'type':'number','minimum':0},'output':{'type':'number','minimum':0}}}]},"
     "'price_unknown':" TEXT ",'wall_ms':{'type':'integer','minimum':0,'description':'From "
     "the quota (LEADSCORE_AI_RPM, _TPM), the concurrency and LEADSCORE_AI_LATENCY_MS; in "
     "batch mode (tier batch) the completion window of the batch APIs (24 h), an upper bound'}}}}}"},
    {"JobBatch",
     "{" OBJ "'required':['state','remote_state','batches','ids','requests'],'description':'A "
     "batch-mode job: its provider batches, as the service last reported them',"
     "'properties':{'state':{'type':'string','enum':['submitting','pending','ended','applied',"
     "'cancelled'],'description':'That of the newest unfinished batch'},'remote_state':" TEXT ","
     "'batches':" COUNT ",'ids':" TEXT_LIST ",'requests':{" OBJ
     "'required':['total','completed','failed'],'properties':{'total':" COUNT ",'completed':" COUNT
     ",'failed':" COUNT "}}}}"},
    {"Job",
     "{" OBJ "'required':['id','status','offer_id','upload_id','total','done','failed',"
     "'fallbacks','cache_hits','model_calls','retries','tokens','counts','provider','model',"
     "'created_at','started_at','finished_at','elapsed_ms','eta_ms','cost_usd','budget_usd'],"
     "'properties':{'cost_usd':{'type':['number','null'],'minimum':0,'description':'What the "
     "model answers cost at the price table (or LEADSCORE_AI_PRICE_*); null when the price is "
     "unknown'},'budget_usd':{'type':['number','null'],'minimum':0,'description':'The "
     "job stops (status stopped, stop_reason budget) before a request would go past it; null: "
     "none'},'stop_reason':{'type':'string','enum':['budget'],'description':'Why a stopped job "
     "stopped'},'warning':{'type':'string','description':'E.g. the model\\u0027s announced "
     "shutdown date'},'id':" ID ","
     "'status':{'type':'string','enum':['queued','running','succeeded','failed','cancelled',"
     "'stopped'],'description':'stopped: held at its budget (stop_reason); POST "
     "/jobs/{id}/resume goes on'},"
     "'offer_id':{'type':['integer','null'],'minimum':1,'description':'null once the offer is "
     "deleted'},'upload_id':" ID ",'total':{'type':'integer','minimum':0,'description':'Leads "
     "to score'},'done':" COUNT ",'failed':" COUNT "," COUNTS_PROPS ","
     "'counts':" REF(
         "IntentCounts") ",'provider':" TEXT ",'model':" TEXT ","
                         "'created_at':" TIME ",'started_at':" TIME_OR_NULL
                         ",'finished_at':" TIME_OR_NULL ","
                         "'elapsed_ms':{'type':['integer','null'],'minimum':0},"
                         "'eta_ms':{'type':['integer','null'],'minimum':0,'description':'While running: the time "
                         "left at the rate so far'},"
                         "'error':{'type':'string','description':'Why it failed'},"
                         "'ai':{'oneOf':[{" OBJ "'required':['mode'],'properties':{"
                         "'mode':{'type':'string','enum':['json_schema','json_object','text'],"
                         "'description':'How the answer shape is asked for: chosen "
                         "automatically from what the server refuses'},"
                         "'tokens_param':{'type':'string','enum':['max_tokens',"
                         "'max_completion_tokens']},'reasoning':{'type':'string','description':"
                         "'reasoning_effort sent'},'thinking':{'type':'string','pattern':"
                         "'^(budget:[0-9]+|level:[a-z]+)$','description':'Gemini thinkingConfig "
                         "sent'}}},{'type':'null'}],'description':'How the provider asks (null: "
                         "the offline judge, or not started)'},"
                         "'results_deleted_at':" TIME ","
                         "'mode':{'type':'string','enum':['standard','batch']},"
                         "'batch':" REF("JobBatch") "}}"},
    {"JobEventStream",
     "{'type':'string','contentMediaType':'text/event-stream','pattern':'^retry: 2000\\n\\n',"
     "'description':'Server-Sent Events (the HTML standard): blocks of field lines ended by an "
     "empty line, each line ended by LF. Each event is described by x-itemSchema.'}"},
    {"JobList",
     "{" OBJ "'required':['total','items'],"
     "'properties':{'total':" COUNT ",'items':{'type':'array','items':" REF("Job") "}}}"},
    {"ScoreResult",
     "{" OBJ "'required':['message','job_id','scored','counts','provider','model','fallbacks',"
     "'cache_hits','model_calls','retries','tokens'],'properties':{'message':" TEXT ","
     "'job_id':" ID ",'scored':" COUNT
     ",'counts':" REF("IntentCounts") ","
                                      "'provider':" TEXT ",'model':" TEXT "," COUNTS_PROPS "}}"},
    {"ScoreAccepted", "{" OBJ "'required':['message','job_id','status','total'],"
                      "'properties':{'message':" TEXT ",'job_id':" ID ","
                      "'status':{'type':'string','const':'queued'},'total':" COUNT "}}"},
    {"Breakdown",
     "{" OBJ "'required':['role','industry','completeness'],'description':'The rule points; "
     "they add up to rule_score.','properties':{'role':{'type':'integer','enum':[0,10,20]},"
     "'industry':{'type':'integer','enum':[0,10,20]},"
     "'completeness':{'type':'integer','enum':[0,10]}}}"},
    {"Factor",
     "{" OBJ "'required':['factor','points','matched','why'],'description':'One rule factor: "
     "its points (as in breakdown), what the rules matched and why it scored so.',"
     "'properties':{'factor':{'type':'string','enum':['role','industry','completeness']},"
     "'points':{'type':'integer','enum':[0,10,20]},"
     "'matched':{'type':['string','null'],'description':'role: the term that matched (head, "
     "manager, intern...); industry: the ideal customer profile entry, adjacent_industries "
     "entry or industry family; null when nothing matched, always for completeness, and for "
     "results scored before factors were kept'},"
     "'why':{'type':'string','minLength':1,'description':'Plain English; for completeness the "
     "missing fields (missing: location, linkedin_bio)'}}}"},
    {"AiVerdict",
     "{" OBJ "'required':['provider','model','status'],"
     "'properties':{'provider':" TEXT ",'model':" TEXT ","
     "'status':{'type':'string','enum':['ok','cached','fallback','duplicate','blocked'],"
     "'description':'fallback: the model failed and the offline judge answered; duplicate: the "
     "lead repeats an earlier one of its upload (duplicate_of), whose verdict is reused with no "
     "model call; blocked: the provider\\u0027s content filter or safety block refused this lead "
     "and the offline judge answered'},"
     "'error':{'type':'string','description':'Why it fell back (for blocked, the provider\\u0027s "
     "reason)'}}}"},
    {"Result",
     "{" OBJ "'required':['name','role','company','intent','score','reasoning','industry',"
     "'location','rule_score','ai_score','breakdown','factors','ai','lead_id','line','email',"
     "'linkedin_url','external_id','linkedin_bio','extra','duplicate_of'],"
     "'description':'A scored lead: score = rule_score + ai_score.',"
     "'properties':{'name':" TEXT ",'role':" TEXT ",'company':" TEXT ","
     "'intent':{'type':'string','enum':['High','Medium','Low']},"
     "'score':{'type':'integer','minimum':0,'maximum':100},'reasoning':" TEXT ","
     "'industry':" TEXT ",'location':" TEXT ","
     "'rule_score':{'type':'integer','minimum':0,'maximum':50},"
     "'ai_score':{'type':'integer','enum':[10,30,50],'description':'High 50, Medium 30, Low "
     "10'},'breakdown':" REF(
         "Breakdown") ",'factors':{'type':'array','minItems':3,'maxItems':3,"
                      "'items':" REF(
                          "Factor") ",'description':'role, industry, completeness: the breakdown "
                                    "explained'},'ai':" REF("AiVerdict") "," RESULT_IDENTITY "}}"},
    {"ResultPage",
     "{'type':'array','items':" REF("Result") ",'description':'One page, by score descending "
                                              "then upload order unless sorted otherwise'}"},
    {"SummaryBin",
     "{" OBJ "'required':['min','max','count','High','Medium','Low'],'description':'Results "
     "with min <= score <= max; count = High + Medium + Low.','properties':{"
     "'min':{'type':'integer','enum':[0,10,20,30,40,50,60,70,80,90]},"
     "'max':{'type':'integer','enum':[9,19,29,39,49,59,69,79,89,100]},"
     "'count':" COUNT ",'High':" COUNT ",'Medium':" COUNT ",'Low':" COUNT "}}"},
    {"ResultSummary",
     "{" OBJ "'required':['job_id','job_status','total','counts','bins'],"
     "'properties':{'job_id':" ID ",'job_status':{'type':'string','enum':['queued','running',"
     "'succeeded','failed','cancelled','stopped']},'total':{'type':'integer','minimum':0,'description':"
     "'Results matching the filter: the sum of counts, and of the counts of the bins'},"
     "'counts':" REF(
         "IntentCounts") ",'bins':{'type':'array','minItems':10,'maxItems':10,"
                         "'items':" REF(
                             "SummaryBin") ",'description':'0-9, 10-19, ..., 80-89, 90-100'}}}"},
    {"ResultCsv",
     "{'type':'string','contentMediaType':'text/csv','pattern':'^(\\uFEFF)?[^\\r\\n]+\\r\\n',"
     "'description':'RFC 4180 with CRLF line ends and a header row. By default the columns are "
     "name,role,company,intent,score,reasoning,industry,location,rule_score,ai_score,"
     "role_points,industry_points,completeness_points,lead_id,line,email,linkedin_url,"
     "external_id, then the upload\\u0027s extra columns in file order; columns= chooses them. "
     "format=csv-excel starts with a UTF-8 BOM and uses the delimiter the upload was read "
     "with. A cell starting with =, +, -, @, tab or CR gets a leading apostrophe so "
     "spreadsheets show it as text.'}"},
    {"ResultXlsx",
     "{'type':'string','contentMediaType':'application/vnd.openxmlformats-officedocument."
     "spreadsheetml.sheet','description':'An Excel workbook (binary, a ZIP): sheet results, "
     "a header row with the CSV export\\u0027s column names, then one row per result in the "
     "same order and with the same cells. Every cell is text (never a formula: =1+1 stays "
     "=1+1) except the integer columns score, rule_score, ai_score, role_points, "
     "industry_points and completeness_points, which are numbers. Text is cut to Excel\\u0027s "
     "32,767 characters per cell; control characters Excel rejects become U+FFFD. Past "
     "1,048,575 rows the rows go on in sheets results 2, results 3, ..., each with the header.'}"},
    {"ResultLines",
     "{'type':'string','contentMediaType':'application/x-ndjson','description':'One Result "
     "object per line, each line ended by LF.'}"},
    {"DashboardText",
     "{'type':'string','description':'A file of the dashboard, embedded in the binary at build "
     "time'}"},
    {"MetricsText",
     "{'type':'string','description':'The Prometheus text exposition format 0.0.4'}"},
    {"Key",
     "{" OBJ "'required':['id','role','name','prefix','workspace','created_at','last_used_at',"
     "'revoked_at'],'description':'An API key as listed: never its secret.',"
     "'properties':{'id':" ID ",'role':" ROLE ",'name':" TEXT ","
     "'prefix':{'type':'string','pattern':'^lsk_[0-9a-f]{8}$','description':'Its first 12 "
     "characters, to tell keys apart'},'workspace':" TEXT ",'created_at':" TIME ","
     "'last_used_at':" TIME_OR_NULL ",'revoked_at':" TIME_OR_NULL "}}"},
    {"KeyRequest", "{" OBJ "'required':['role'],'properties':{'role':" ROLE ","
                   "'name':{'type':'string','maxLength':100,'description':'At most 100 bytes'}}}"},
    {"KeyCreated",
     "{" OBJ "'required':['id','key','role','name','prefix','created_at','message'],"
     "'properties':{'id':" ID ",'key':{'type':'string','pattern':'^lsk_[0-9a-f]{48}$',"
     "'description':'The secret: shown here once and never again'},'role':" ROLE ","
     "'name':" TEXT ",'prefix':{'type':'string','pattern':'^lsk_[0-9a-f]{8}$'},"
     "'created_at':" TIME ",'message':" TEXT "}}"},
    {"KeyList",
     "{" OBJ "'required':['total','items'],"
     "'properties':{'total':" COUNT ",'items':{'type':'array','items':" REF("Key") "}}}"},
    {"Deleted",
     "{" OBJ "'required':['message','id'],'properties':{'message':" TEXT ",'id':" ID "}}"},
    {"Workspace", "{" OBJ "'required':['id','name'],'properties':{'id':" ID ",'name':" TEXT "}}"},
    {"SessionRequest",
     "{" OBJ "'required':['key'],'properties':{'key':{'type':'string','description':'An API "
     "key (lsk_ and 48 hex digits); it is never echoed'}}}"},
    {"SessionCreated",
     "{" OBJ "'required':['message','role','workspace','expires_at'],"
     "'properties':{'message':{'type':'string','const':'signed in'},'role':" ROLE ","
     "'workspace':" REF("Workspace") ",'expires_at':" TIME "}}"},
    {"SessionInfo",
     "{" OBJ "'required':['auth','role','workspace','expires_at','key'],"
     "'description':'Who the request authenticates as.',"
     "'properties':{'auth':{'type':'string','enum':['open','session','key'],'description':"
     "'open: no keys, no sign-in needed; session: the ls_session cookie; key: an "
     "Authorization header'},'role':" ROLE ",'workspace':" REF(
         "Workspace") ","
                      "'expires_at':{'type':['string','null'],'format':'date-time','description':'The "
                      "session\\u0027s end; null unless auth is session'},"
                      "'key':{'oneOf':[{'type':'null'},{" OBJ "'required':['id','prefix','name'],"
                      "'properties':{'id':" ID
                      ",'prefix':{'type':'string','pattern':'^lsk_[0-9a-f]{8}$'},"
                      "'name':" TEXT
                      "}}],'description':'The key (or the key the session was signed in "
                      "with); null in open mode'}}}"},
    {"SignedOut", "{" OBJ "'required':['message'],'properties':{'message':{'type':'string','const':"
                  "'signed out'}}}"},
};

/*
 * One event of GET /jobs/{id}/events. Not a component: it is referenced only
 * from x-itemSchema, which linters do not follow, so a component would read
 * as unused.
 */
static const char job_event[] =
    "{'description':'One event as an object of its fields (retry as a number, data as the "
    "JSON it holds): the retry block first, then job events, then the end event.',"
    "'oneOf':[{" OBJ "'required':['retry'],'properties':{'retry':{'type':'integer',"
    "'const':2000,'description':'Milliseconds an EventSource waits before reconnecting'}}},"
    "{" OBJ "'required':['event','id','data'],'properties':{'event':{'type':'string',"
    "'const':'job'},'id':{'type':'string','pattern':'^[1-9][0-9]*$','description':'1, 2, ... "
    "on this stream'},'data':{'$ref':'#/components/schemas/Job'}}},"
    "{" OBJ "'required':['event','data'],'properties':{'event':{'type':'string',"
    "'const':'end'},'data':{" OBJ "'required':['status'],'properties':{'status':{'type':"
    "'string','enum':['succeeded','failed','cancelled','stopped','unauthorized'],'description':'The "
    "job\\u0027s final status, or unauthorized: the credential the stream was opened with "
    "ended (sign-out, revoked key, expired session)'}}}}}]}";

json_t *ls_openapi_job_event_schema(void)
{
    return ls_openapi_json(job_event);
}

json_t *ls_openapi_schemas(void)
{
    json_t *all = json_object();
    json_object_set_new(all, "ErrorCode", error_code_schema());
    for (size_t i = 0; i < LS_ARRAY_LEN(schemas); i++)
        json_object_set_new(all, schemas[i].name, ls_openapi_json(schemas[i].json));
    return all;
}
