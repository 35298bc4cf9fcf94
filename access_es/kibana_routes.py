"""The HTTP routes that Kibana and OpenSearch Dashboards serve to their own browser apps, as data.

What this is: every route we found that the apps call to load and to read, and the ones that change
state, for Kibana 6.8, 7.0-7.9, 7.10 (as Amazon Elasticsearch Service ships it: the OSS build with the
Open Distro plugins) and OpenSearch Dashboards 1.x and 2.x with the plugins Amazon OpenSearch Service
ships (security, reporting, query workbench, query enhancements). Paths are relative to the app's base
(`/_plugin/kibana` or `/_dashboards`), written as Kibana declares them.

How it was derived: from the server route registrations (`router.get/post/put/delete({ path })` in
the new platform, `server.route({ method, path })` in the legacy 6.8-7.9 plugins) and, for the request
shapes in tests/test_kibana_routes.py, from the browser code that calls them. `source` names one
registering file per route as `repository@commit path`, the commit being the stored version consulted
(its text read or, for a few, its presence in the repository's file listing); `products` says in which
releases the route exists. Where the paths of Kibana and Dashboards differ (Dashboards renamed
`/api/kibana/...` to `/api/opensearch-dashboards/...`) each variant has its own entry.

`read` is our verdict for a `readonly` account, not Kibana's: True only when the route changes no
state that anyone else can see. Deliberate choices:
  - `GET /goto/{urlId}` and `GET /api/short_url/{urlId}` write through GET: each bumps the short URL's
    saved object (`accessCount`, `accessDate`), so both are read=False; `POST /api/shorten_url`
    creates a saved object: read=False.
  - Usage counters (`ui_metric`, `ui_counters`, the KQL/DQL opt-in counters) and the telemetry stats
    read are read=True: they touch only Kibana's own usage documents, never user data, and the apps
    post them on every page. Telemetry opt-in and "user has seen the notice" change a setting for
    everybody: read=False.
  - SQL and PPL are never reads (the SQL plugin can be configured to delete), whichever route carries
    them: the `sql`, `ppl`, `sqlasync`, `pplasync`, `pplraw`, `promql` search strategies, the query
    workbench, the query-enhancements search API.
  - `POST /api/console/proxy` is judged by the request it carries (`?method=...&path=...`); it is
    listed read=False with a note starting with CONSOLE_PROXY_NOTE, for the matcher to special-case.
  - `/internal/bsearch` carries strategy names in its body (`batch[].options.strategy`); a matcher
    that allows it must refuse a batch naming a strategy listed here as read=False.

Precedence (as hapi and Kibana's router): at each segment position a literal segment beats a
parameter, so `POST /internal/search/sql/{id?}` (read=False) beats `POST /internal/search/{strategy}/{id?}`
(read=True), and `POST /api/saved_objects/_bulk_get` (read=True) beats
`POST /api/saved_objects/{type}/{id?}` (a create). Placeholders: `{name}` one segment, `{name?}` an
optional last segment, `{name*}` the rest of the path (0+ segments). A route that is not listed is
refused for readonly unless it is a GET or HEAD; so every GET that writes is listed with read=False
and every POST/PUT/DELETE that only reads is listed with read=True.
"""
from __future__ import annotations
from dataclasses import dataclass


@dataclass(frozen=True)
class KibanaRoute:
    method: str     # "GET", "POST", "PUT", "DELETE", "PATCH"
    path: str       # route path relative to the app's base (after /_plugin/kibana or /_dashboards), as Kibana declares it:
                    # "/api/saved_objects/_find", "/api/saved_objects/{type}/{id}", "/internal/search/{strategy}/{id?}";
                    # {name} = one segment, {name?} = an optional last segment, {name*} = the rest of the path (0+ segments)
    read: bool      # True: only reads (allowed for readonly); False: changes state (refused)
    products: str   # e.g. "kibana 7.10, osd 1.x-2.x"
    source: str     # repository@version (tag or commit) and file that registers or calls the route
    note: str = ""


CONSOLE_PROXY_NOTE = "console proxy:"

# Products.
K68 = "kibana 6.8"
K6_7 = "kibana 6.8, 7.0-7.9"                 # legacy plugins (server.route), gone in 7.10
K6_710 = "kibana 6.8, 7.0-7.10"
K7 = "kibana 7.0-7.10"
K710 = "kibana 7.10"
OSD = "osd 1.x-2.x"
K710_OSD = "kibana 7.10, osd 1.x-2.x"
K_ALL = "kibana 6.8, 7.0-7.10, osd 1.x-2.x"
SEC = "odfe security kibana plugin (kibana 7.x), osd security-dashboards-plugin 1.x-2.x"

# Sources: the stored versions consulted (repository@commit path).
_K = "elastic/kibana@"
_O = "opensearch-project/OpenSearch-Dashboards@"
_S = "opensearch-project/security-dashboards-plugin@"
S_PROXY = _K + "077fc514d127b37bb0affbf2aa8da715a4e0370c src/legacy/core_plugins/elasticsearch/lib/create_proxy.js"
S_SCROLL_68 = _K + "14dc0666bd6dfa2d16adfdd77a7bfa0a0a30670c src/legacy/core_plugins/kibana/server/routes/api/management/saved_objects/scroll.js"
S_RELATIONS_68 = _K + "d103b8086c3879b3a9e5ce03fb3a58d53a2c51a0 src/legacy/core_plugins/kibana/server/routes/api/management/saved_objects/relationships.js"
S_FIND_68 = _K + "4f98ecd2ece83eddd91ad2081f94b2b836d3cbd6 src/legacy/core_plugins/kibana/server/routes/api/management/saved_objects/find.js"
S_KQL_68 = _K + "0997f4e783f7cfe3e53de327e3d6320fceecc131 src/legacy/core_plugins/kibana/server/routes/api/kql_telemetry/index.js"
S_EXPORT_68 = _K + "14dc0666bd6dfa2d16adfdd77a7bfa0a0a30670c src/legacy/core_plugins/kibana/server/routes/api/export/index.js"
S_IMPORT_68 = _K + "cbe1d894e1011b2b5b52646d2bf966ad4707e9bc src/legacy/core_plugins/kibana/server/routes/api/import/index.js"
S_SUGGEST_68 = _K + "ecedffb1efbf370e057a7cf48b7a859b2301a71f src/legacy/core_plugins/kibana/server/routes/api/suggestions/register_value_suggestions.js"
S_SO_K = _K + "017f5601ca20039afcf9b4e96d5c4d97c0abdb2f src/core/server/saved_objects/routes/index.ts"
S_BULK_RESOLVE = _K + "00fd2d3424caa3f4c9c4a3ea2ffca13f0b18b415 src/core/server/saved_objects/routes/bulk_resolve.ts"
S_SETTINGS_K = _K + "27af6eb5aa2d6b25823d54ef868657edb885fc6c src/core/server/ui_settings/routes/set_many.ts"
S_SETTINGS_K_SET = _K + "96471e02d9c01dc3bc132a8b4a49876c457010e8 src/core/server/ui_settings/routes/set.ts"
S_SETTINGS_K_DEL = _K + "296c169918386a51485a14be05d818f131434a7a src/core/server/ui_settings/routes/delete.ts"
S_SETTINGS_K_GET = _K + "04e5e5428fa5ea02536c35c65431d41441a48822 src/core/server/ui_settings/routes/get.ts"
S_TELEMETRY_NOTICE = _K + "050f02898d404954b81396457bf52a8dd91e8b34 src/plugins/telemetry/server/routes/telemetry_user_has_seen_notice.ts"
S_TELEMETRY_OPTIN = _K + "eaa5a365a13d2f596bee4c1d29f322cd2c80107b src/plugins/telemetry/server/routes/telemetry_opt_in.ts"
S_TELEMETRY_STATS = _K + "15813596b9ed3ad3dbd5987e0e7c8d03b8c2cb42 src/plugins/telemetry/server/routes/telemetry_usage_stats.ts"
S_BSEARCH = "elastic/kibana (found by its text, commit not recorded) src/plugins/data/server/search/routes/bsearch.ts (registerBsearchRoute)"
S_SO_O = _O + "2dd71b72990ebbdbcb56feb6d1b56e88158656e6 src/core/server/saved_objects/routes/index.ts"
S_SEARCH_O = _O + "08d1c138bb227144fe575fa9351afeb2b225502a src/plugins/data/server/search/routes/search.ts"
S_MSEARCH_O = _O + "08d1c138bb227144fe575fa9351afeb2b225502a src/plugins/data/server/search/routes/msearch.ts"
S_INDEX_PATTERNS_O = _O + "1595ba7549909737b75be2e8abd640c4672f8cfa src/plugins/data/server/index_patterns/routes.ts"
S_SUGGEST_O = _O + "071000f5d12d31d87d9acef0b2160fbc99dea1c4 src/plugins/data/server/autocomplete/value_suggestions_route.ts"
S_DQL_O = _O + "08d1c138bb227144fe575fa9351afeb2b225502a src/plugins/data/server/dql_telemetry/route.ts"
S_KQL_K = _K + "84d1df4ff8b92dbe33e7ee9382d670c1f0ceb6c0 src/plugins/data/server/kql_telemetry/route.ts"
S_SOM_COUNT_O = _O + "00a34aa461ac29dfb8b306671f375fbd547cf801 src/plugins/saved_objects_management/server/routes/scroll_count.ts"
S_SOM_REL_O = _O + "45e4caab73da6518e54e4d0d874d36d0b8c5c93d src/plugins/saved_objects_management/server/routes/relationships.ts"
S_SOM_EXPORT_O = _O + "a1156b69706159d127b86d3cfa1038dcf2dd0d82 src/plugins/saved_objects_management/server/routes/scroll_export.ts"
S_SOM_FIND_O = _O + "722b1ca7746b2d7af8d4dc59dc6ba43bb5c2b00c src/plugins/saved_objects_management/server/routes/find.ts"
S_SOM_TYPES_O = _O + "d7004dc5b0392477fdd54ac66b29d231975a173b src/plugins/saved_objects_management/server/routes/get_allowed_types.ts"
S_GOTO_O = _O + "42fd518b0ac49eef0305525f600acb36691e34f1 src/plugins/share/server/routes/goto.ts"
S_SHORT_GET_O = _O + "27f581c0ea62628b6c846a340255dd1fd671b28a src/plugins/share/server/routes/get.ts"
S_SHORTEN_O = _O + "5e265add50502af197e7d2b6377fd3c9de43f1a1 src/plugins/share/server/routes/shorten_url.ts"
S_SHORT_LOOKUP_O = _O + "08d1c138bb227144fe575fa9351afeb2b225502a src/plugins/share/server/routes/lib/short_url_lookup.ts"
S_SETTINGS_O = _O + "08312705a205aa2f575823705c22cf2b572fc0c2 src/core/server/ui_settings/routes/set.ts"
S_SETTINGS_O_MANY = _O + "a1156b69706159d127b86d3cfa1038dcf2dd0d82 src/core/server/ui_settings/routes/set_many.ts"
S_SETTINGS_O_DEL = _O + "a1156b69706159d127b86d3cfa1038dcf2dd0d82 src/core/server/ui_settings/routes/delete.ts"
S_SETTINGS_O_GET = _O + "d7004dc5b0392477fdd54ac66b29d231975a173b src/core/server/ui_settings/routes/get.ts"
S_CONSOLE_O = _O + "0d05b77b7e79327f028fee1cd195ac469a26a55d src/plugins/console/server/routes/index.ts"
S_TIMELINE_O = _O + "91813260414f610ed32820a301ca879cee8c8bc2 src/plugins/vis_type_timeline/server/routes/run.ts"
S_TIMELINE_VALIDATE_O = _O + "541875f68c73eb1c058bafc7d79a888be5df832d src/plugins/vis_type_timeline/server/routes/validate_es.ts"
S_TIMELINE_FUNCS_O = _O + "d7004dc5b0392477fdd54ac66b29d231975a173b src/plugins/vis_type_timeline/server/routes/functions.ts"
S_TSVB_O = _O + "549047cf9ded180f1e110a65ff75b08b7613f154 src/plugins/vis_type_timeseries/server/routes/vis.ts"
S_TSVB_RAW_O = _O + "a13fe4c129685993ad9f29c88d8335ba3e1479db src/plugins/vis_type_timeseries/server/routes/vis_raw.ts"
S_TSVB_FIELDS_O = _O + "a1156b69706159d127b86d3cfa1038dcf2dd0d82 src/plugins/vis_type_timeseries/server/routes/fields.ts"
S_QE_PLUGIN = _O + "0ed8728b9e98ad901e1a2adf0941efb9196bf7e1 src/plugins/query_enhancements/server/plugin.ts"
S_QE_ROUTES = _O + "161f480271549221f15b95a0b703532f0a07fd1a src/plugins/query_enhancements/server/routes/index.ts"
S_SEC_ROUTES = _S + "0162ef8a6485ca2c4000281c2bf7a8b188b30acf server/routes/index.ts"
S_SEC_TENANT = _S + "10b72b8936e2009630a4187ea97fcc4fc97936c6 server/multitenancy/routes.ts"
S_SEC_BASIC = _S + "01a68dfd830b1cac2c174613bcf10da6b739df69 server/auth/types/basic/routes.ts"
S_SEC_AUTHTYPE = _S + "9de0af08144cd256dc00544c3612fd207b8c8700 server/routes/auth_type_routes.ts"
S_WORKBENCH = ("opensearch-project/dashboards-query-workbench@04d2dc8fe5e8e832ea7d15dfbbb91e86f7e3e0ac server/routes/query.ts"
               " (paths: @0da729c8376a3ebad34c0333c9967aea597fa2f0 server/utils/constants.ts)")
S_LEGACY_EXPORT_O = _O + "a1156b69706159d127b86d3cfa1038dcf2dd0d82 src/plugins/legacy_export/server/routes/export.ts"
S_LEGACY_IMPORT_O = _O + "d7004dc5b0392477fdd54ac66b29d231975a173b src/plugins/legacy_export/server/routes/import.ts"
S_REPORTING = "opensearch-project/reporting@50ef47c348c1994f57a6ee371e3737dafd7cd924 dashboards-reports/server/routes/report.ts"


def _r(method: str, path: str, read: bool, products: str, source: str, note: str = "") -> KibanaRoute:
    return KibanaRoute(method, path, read, products, source, note)


KIBANA_ROUTES: tuple[KibanaRoute, ...] = (
    # --- App loading. Pages (/app/...), bundles and translations are GETs that only read.
    _r("POST", "/api/core/capabilities", True, "kibana 7.x, osd 1.x-2.x",
       _O + "d7004dc5b0392477fdd54ac66b29d231975a173b src/core/server/capabilities/routes/resolve_capabilities.ts",
       "every app load posts {applications: [...]} to learn which apps and features to show; reads only"),
    _r("GET", "/api/status", True, K_ALL, _O + "5e265add50502af197e7d2b6377fd3c9de43f1a1 src/core/server/status/routes/status.ts"),
    _r("GET", "/api/licensing/info", True, "kibana 7.x default distribution (not the OSS build Amazon ES ships)",
       _K + "c1ae91615bc0becf6a4e3dc1f82069cec8905fc3 x-pack/plugins/licensing/server/routes/info.ts"),

    # --- Saved objects (core). Kibana 6.8-7.9 registered the same paths in src/legacy/server/saved_objects/routes.
    _r("GET", "/api/saved_objects/{type}/{id}", True, K_ALL, S_SO_O),
    _r("GET", "/api/saved_objects/_find", True, K_ALL, S_SO_O),
    _r("POST", "/api/saved_objects/_bulk_get", True, K_ALL, S_SO_O),
    _r("POST", "/api/saved_objects/_export", True, K_ALL, S_SO_O,
       "streams the objects as ndjson; reads only (saved objects management 'Export')"),
    _r("GET", "/api/saved_objects/resolve/{type}/{id}", True, "kibana 7.13+", S_SO_K),
    _r("POST", "/api/saved_objects/_bulk_resolve", True, "kibana 7.16+", S_BULK_RESOLVE),
    _r("POST", "/api/saved_objects/{type}/{id?}", False, K_ALL, S_SO_O, "create"),
    _r("PUT", "/api/saved_objects/{type}/{id}", False, K_ALL, S_SO_O, "update"),
    _r("DELETE", "/api/saved_objects/{type}/{id}", False, K_ALL, S_SO_O, "delete"),
    _r("POST", "/api/saved_objects/_bulk_create", False, K_ALL, S_SO_O),
    _r("PUT", "/api/saved_objects/_bulk_update", False, "kibana 7.x, osd 1.x-2.x", S_SO_O),
    _r("POST", "/api/saved_objects/_import", False, K_ALL, S_SO_O),
    _r("POST", "/api/saved_objects/_resolve_import_errors", False, K_ALL, S_SO_O),
    _r("POST", "/api/saved_objects/_log_legacy_import", False, K710_OSD, S_SO_O,
       "only logs, but its one caller is the legacy JSON import, which then writes"),
    _r("POST", "/internal/saved_objects/_migrate", False, K710_OSD, S_SO_O, "runs the saved-object migrations"),

    # --- Legacy dashboards import/export (6.8-7.9 legacy kibana plugin; legacy_export plugin in 7.10/OSD).
    _r("GET", "/api/kibana/dashboards/export", True, K6_710, S_EXPORT_68),
    _r("POST", "/api/kibana/dashboards/import", False, K6_710, S_IMPORT_68),
    _r("GET", "/api/opensearch-dashboards/dashboards/export", True, OSD, S_LEGACY_EXPORT_O,
       "OSD's rename of /api/kibana/dashboards/export"),
    _r("POST", "/api/opensearch-dashboards/dashboards/import", False, OSD, S_LEGACY_IMPORT_O,
       "OSD's rename of /api/kibana/dashboards/import"),

    # --- Saved objects management (the Stack Management / Dashboards Management app).
    _r("GET", "/api/kibana/management/saved_objects/_find", True, K6_710, S_FIND_68),
    _r("GET", "/api/kibana/management/saved_objects/relationships/{type}/{id}", True, K6_710, S_RELATIONS_68),
    _r("POST", "/api/kibana/management/saved_objects/scroll/counts", True, K6_710, S_SCROLL_68,
       "counts objects per type with savedObjectsClient.find; reads only"),
    _r("POST", "/api/kibana/management/saved_objects/scroll/export", True, K6_710, S_SCROLL_68,
       "returns every object of the given types; reads only"),
    _r("GET", "/api/kibana/management/saved_objects/_allowed_types", True, K710, S_SOM_TYPES_O),
    _r("GET", "/api/opensearch-dashboards/management/saved_objects/_find", True, OSD, S_SOM_FIND_O),
    _r("GET", "/api/opensearch-dashboards/management/saved_objects/relationships/{type}/{id}", True, OSD, S_SOM_REL_O),
    _r("POST", "/api/opensearch-dashboards/management/saved_objects/scroll/counts", True, OSD, S_SOM_COUNT_O,
       "counts objects per type (and namespace/workspace) with savedObjectsClient.find; reads only"),
    _r("POST", "/api/opensearch-dashboards/management/saved_objects/scroll/export", True, OSD, S_SOM_EXPORT_O),
    _r("GET", "/api/opensearch-dashboards/management/saved_objects/_allowed_types", True, OSD, S_SOM_TYPES_O),

    # --- Index patterns (fields for Discover, Visualize, the filter bar). Create/edit/refresh fields go
    # through the saved-objects routes above (POST/PUT /api/saved_objects/index-pattern/...).
    _r("GET", "/api/index_patterns/_fields_for_wildcard", True, K_ALL, S_INDEX_PATTERNS_O),
    _r("GET", "/api/index_patterns/_fields_for_time_pattern", True, K_ALL, S_INDEX_PATTERNS_O),

    # --- Search (Discover, Visualize, Dashboard, Vega, input controls, Maps' documents layer).
    _r("POST", "/internal/search/{strategy}/{id?}", True, "kibana 7.7-7.10, osd 1.x-2.x", S_SEARCH_O,
       "strategies es/ese (kibana), opensearch/opensearch-with-long-numerals (osd); SQL/PPL strategies are listed "
       "separately and win by precedence"),
    _r("DELETE", "/internal/search/{strategy}/{id}", False, "kibana 7.7-7.10, osd 1.x-2.x", S_SEARCH_O,
       "cancels (deletes) an async search by id, anybody's"),
    _r("POST", "/internal/_msearch", True, K710_OSD, S_MSEARCH_O, "legacy courier _msearch; reads only"),
    _r("POST", "/internal/bsearch", True, "kibana 7.11+", S_BSEARCH,
       "batches search requests; its body names their strategies (batch[].options.strategy): refuse a batch "
       "naming a strategy listed here with read=False"),
    _r("POST", "/elasticsearch/_msearch", True, K6_7, S_PROXY, "legacy data proxy to POST /_msearch"),
    _r("POST", "/elasticsearch/{index}/_search", True, K6_7, S_PROXY, "legacy data proxy to POST /{index}/_search"),
    # SQL/PPL search strategies of query enhancements (OSD 2.x): not reads for us.
    _r("POST", "/internal/search/sql/{id?}", False, "osd 2.x", S_QE_PLUGIN, "SQL strategy"),
    _r("POST", "/internal/search/sqlasync/{id?}", False, "osd 2.x", S_QE_PLUGIN, "async SQL strategy"),
    _r("POST", "/internal/search/ppl/{id?}", False, "osd 2.x", S_QE_PLUGIN, "PPL strategy"),
    _r("POST", "/internal/search/pplasync/{id?}", False, "osd 2.x", S_QE_PLUGIN, "async PPL strategy"),
    _r("POST", "/internal/search/pplraw/{id?}", False, "osd 2.x", S_QE_PLUGIN, "raw PPL strategy"),
    _r("POST", "/internal/search/promql/{id?}", False, "osd 2.x", S_QE_PLUGIN,
       "PromQL through the SQL plugin's direct-query datasources"),
    _r("POST", "/api/enhancements/search/{strategy}", False, "osd 2.x", S_QE_ROUTES,
       "query enhancements' own search API, one route per strategy: ppl, sql, promql, sqlasync, pplasync"),

    # --- Filter bar / query bar autocomplete.
    _r("POST", "/api/kibana/suggestions/values/{index}", True, K6_710, S_SUGGEST_68,
       "value suggestions: a terms aggregation on {index}; reads only"),
    _r("POST", "/api/opensearch-dashboards/suggestions/values/{index}", True, OSD, S_SUGGEST_O,
       "value suggestions: a terms aggregation on {index}; reads only"),

    # --- Usage counters and telemetry (posted by the apps on their own; they touch no user data).
    _r("POST", "/api/kibana/kql_opt_in_telemetry", True, K6_710, S_KQL_68,
       "usage counter: increments kql-telemetry optInCount/optOutCount when the KQL switch is toggled"),
    _r("POST", "/api/opensearch-dashboards/dql_opt_in_stats", True, OSD, S_DQL_O,
       "usage counter: increments dql-telemetry optInCount/optOutCount"),
    _r("POST", "/api/ui_metric/report", True, "kibana 7.4-7.10, osd 1.x-2.x",
       _K + "36582200482ab778bb9bc0efb26b16e5f9724cbf src/plugins/usage_collection/server/routes/report_metrics.ts",
       "usage counter (ui-metric objects)"),
    _r("POST", "/api/ui_counters/_report", True, "kibana 7.13+",
       _K + "0d1b371340663e8f99b7c615db935d451a4eea6a src/plugins/usage_collection/server/routes/ui_counters.ts", "usage counter"),
    _r("POST", "/api/telemetry/v2/clusters/_stats", True, "kibana 7.x, osd 1.x-2.x", S_TELEMETRY_STATS,
       "collects usage statistics for the browser to send; reads only"),
    _r("POST", "/api/telemetry/v2/optIn", False, "kibana 7.x, osd 1.x-2.x", S_TELEMETRY_OPTIN,
       "turns telemetry on/off for everybody"),
    _r("PUT", "/api/telemetry/v2/userHasSeenNotice", False, "kibana 7.x, osd 1.x-2.x", S_TELEMETRY_NOTICE,
       "updates the telemetry saved object (userHasSeenNotice, lastVersionChecked)"),

    # --- Advanced settings (uiSettings). Setting the default index pattern is POST .../settings.
    _r("GET", "/api/kibana/settings", True, K6_710, S_SETTINGS_K_GET),
    _r("POST", "/api/kibana/settings", False, K6_710, S_SETTINGS_K, "set many: {changes: {...}}, e.g. defaultIndex"),
    _r("POST", "/api/kibana/settings/{key}", False, K6_710, S_SETTINGS_K_SET),
    _r("DELETE", "/api/kibana/settings/{key}", False, K6_710, S_SETTINGS_K_DEL),
    _r("GET", "/api/opensearch-dashboards/settings", True, OSD, S_SETTINGS_O_GET),
    _r("POST", "/api/opensearch-dashboards/settings", False, OSD, S_SETTINGS_O_MANY,
       "set many: {changes: {...}}, e.g. defaultIndex"),
    _r("POST", "/api/opensearch-dashboards/settings/{key}", False, OSD, S_SETTINGS_O),
    _r("DELETE", "/api/opensearch-dashboards/settings/{key}", False, OSD, S_SETTINGS_O_DEL),

    # --- Share: short URLs.
    _r("GET", "/goto/{urlId}", False, K_ALL, S_GOTO_O,
       "writes through GET: getUrl() updates the url object's accessCount/accessDate (" + S_SHORT_LOOKUP_O + ")"),
    _r("GET", "/api/short_url/{urlId}", False, K710_OSD, S_SHORT_GET_O,
       "writes through GET: same getUrl() as /goto"),
    _r("POST", "/api/shorten_url", False, K_ALL, S_SHORTEN_O, "creates a url saved object"),

    # --- Dev Tools console.
    _r("POST", "/api/console/proxy", False, K_ALL, S_CONSOLE_O,
       CONSOLE_PROXY_NOTE + " judged by the request it carries (?method=...&path=...), allowed only when that "
       "request is itself allowed"),
    _r("GET", "/api/console/api_server", True, K710_OSD, S_CONSOLE_O, "autocomplete spec"),

    # --- TSVB, Timelion (Kibana) / Timeline (OSD).
    _r("POST", "/api/metrics/vis/data", True, K_ALL, S_TSVB_O, "TSVB panel data; reads only"),
    _r("POST", "/api/metrics/vis/data-raw", True, "osd 2.x", S_TSVB_RAW_O, "TSVB raw data; reads only"),
    _r("GET", "/api/metrics/fields", True, K710_OSD, S_TSVB_FIELDS_O),
    _r("POST", "/api/timelion/run", True, K6_710,
       _K + "026b9ed46230f0264eac4ed8e5833d09ee3a7101 src/plugins/vis_type_timelion/server/routes/run.ts",
       "runs a Timelion expression (.es() searches, or fetches Graphite/World Bank); reads only"),
    _r("GET", "/api/timelion/functions", True, K6_710,
       _K + "761a7bc6d369cbb264f48525168a71c0f264adc2 src/plugins/vis_type_timelion/server/routes/functions.ts"),
    _r("POST", "/api/timeline/run", True, OSD, S_TIMELINE_O,
       "runs a Timeline expression (.opensearch() searches); reads only"),
    _r("GET", "/api/timeline/functions", True, OSD, S_TIMELINE_FUNCS_O),
    _r("GET", "/api/timeline/validate/opensearch", True, OSD, S_TIMELINE_VALIDATE_O),

    # --- Home: sample data.
    _r("GET", "/api/sample_data", True, K_ALL, _O + "383feccb7c26411287ebd706bbada5edbe36f689 src/plugins/home/server/services/sample_data/routes/list.ts"),
    _r("POST", "/api/sample_data/{id}", False, K_ALL,
       _O + "81f25e0b6a28ea87adc776a11c72e77a13cf6c77 src/plugins/home/server/services/sample_data/routes/install.ts", "installs indices and objects"),
    _r("DELETE", "/api/sample_data/{id}", False, K_ALL,
       _O + "383feccb7c26411287ebd706bbada5edbe36f689 src/plugins/home/server/services/sample_data/routes/uninstall.ts"),

    # --- Security plugin (Open Distro security for Kibana 7.x, security-dashboards-plugin for OSD).
    _r("GET", "/api/v1/auth/authinfo", True, SEC, S_SEC_ROUTES),
    _r("GET", "/api/v1/restapiinfo", True, SEC, S_SEC_ROUTES),
    _r("GET", "/api/authtype", True, SEC, S_SEC_AUTHTYPE),
    _r("GET", "/api/v1/configuration/{resourceName}", True, SEC, S_SEC_ROUTES,
       "lists account, internalusers, roles, rolesmapping, actiongroups, tenants"),
    _r("GET", "/api/v1/configuration/{resourceName}/{id}", True, SEC, S_SEC_ROUTES),
    _r("POST", "/api/v1/configuration/{resourceName}", False, SEC, S_SEC_ROUTES,
       "saves a resource without id; for 'account' it changes the password"),
    _r("POST", "/api/v1/configuration/{resourceName}/{id}", False, SEC, S_SEC_ROUTES, "creates/updates a resource"),
    _r("DELETE", "/api/v1/configuration/{resourceName}/{id}", False, SEC, S_SEC_ROUTES),
    _r("GET", "/api/v1/configuration/audit", True, SEC, S_SEC_ROUTES),
    _r("POST", "/api/v1/configuration/audit/config", False, SEC, S_SEC_ROUTES),
    _r("DELETE", "/api/v1/configuration/cache", False, SEC, S_SEC_ROUTES, "flushes the security cache"),
    _r("POST", "/api/v1/configuration/validatedls/{indexName}", True, SEC, S_SEC_ROUTES,
       "validates a DLS query; reads only"),
    _r("POST", "/api/v1/configuration/index_mappings", True, SEC, S_SEC_ROUTES, "GET _mapping of the given indices"),
    _r("GET", "/api/v1/configuration/indices", True, SEC, S_SEC_ROUTES),
    _r("GET", "/api/v1/multitenancy/tenant", True, SEC, S_SEC_TENANT),
    _r("GET", "/api/v1/multitenancy/info", True, SEC, S_SEC_TENANT),
    _r("POST", "/api/v1/multitenancy/tenant", False, SEC, S_SEC_TENANT,
       "tenant change: sets the selected tenant in the security session cookie"),
    _r("POST", "/api/v1/multitenancy/migrate/{tenantindex}", False, SEC, S_SEC_TENANT),
    _r("POST", "/auth/login", False, SEC, S_SEC_BASIC,
       "logs in to the security plugin with other credentials than the proxy's identity"),
    _r("POST", "/auth/logout", True, SEC, S_SEC_BASIC, "clears only the caller's own security session cookie"),

    # --- Reporting (Open Distro kibana-reports / OSD reporting).
    _r("GET", "/api/reporting/reports", True, OSD, S_REPORTING),
    _r("GET", "/api/reporting/reports/{reportId}", True, OSD, S_REPORTING),
    _r("GET", "/api/reporting/generateReport/{reportId}", False, OSD, S_REPORTING,
       "writes through GET: re-renders a stored report server-side (createReport) and records its state"),
    _r("POST", "/api/reporting/generateReport", False, OSD, S_REPORTING),
    _r("POST", "/api/reporting/generateReport/{reportDefinitionId}", False, OSD, S_REPORTING),

    # --- Query workbench (SQL/PPL): never reads for us.
    _r("POST", "/api/sql_console/sqlquery", False, OSD, S_WORKBENCH, "SQL"),
    _r("POST", "/api/sql_console/pplquery", False, OSD, S_WORKBENCH, "PPL"),
    _r("POST", "/api/sql_console/sqlcsv", False, OSD, S_WORKBENCH, "SQL"),
    _r("POST", "/api/sql_console/pplcsv", False, OSD, S_WORKBENCH, "PPL"),
    _r("POST", "/api/sql_console/sqltext", False, OSD, S_WORKBENCH, "SQL"),
    _r("POST", "/api/sql_console/ppltext", False, OSD, S_WORKBENCH, "PPL"),
    _r("POST", "/api/sql_console/sqljson", False, OSD, S_WORKBENCH, "SQL"),
    _r("POST", "/api/sql_console/ppljson", False, OSD, S_WORKBENCH, "PPL"),
    _r("POST", "/api/spark_sql_console", False, "osd 2.x", S_WORKBENCH, "async SQL on a direct-query datasource"),
)
