"""The HTTP routes that Kibana and OpenSearch Dashboards serve to their own browser apps, as data.

What this is: every route we found that the apps call to load and to read, and the ones that change
state, for Kibana 6.8, 7.0-7.9, 7.10 (as Amazon Elasticsearch Service ships it: the OSS build with the
Open Distro plugins) and OpenSearch Dashboards 1.x and 2.x with the plugins Amazon OpenSearch Service
ships (security, reporting, query workbench, query enhancements, alerting, anomaly detection and
forecasting, index management, observability, notifications). Paths are relative to the app's base
(`/_plugin/kibana` or `/_dashboards`), written as Kibana declares them.

How it was derived: from the server route registrations (`router.get/post/put/delete({ path })` in
the new platform, `server.route({ method, path })` in the legacy 6.8-7.9 plugins) and, for the request
shapes in tests/test_kibana_routes.py, from the browser code that calls them. `source` names one
registering file per route as `repository@commit path`, the commit being the stored version consulted
(its text read or, for a few, its presence in the repository's file listing); `products` says in which
releases the route exists. A route that Kibana's legacy platform (6.8-7.9) registered and the new
platform or Dashboards kept names both files, `legacy; other`. The legacy files were read in elastic/kibana
at untagged stored commits: a commit's release was not established (a note says so where it matters, and
NOT_READ_68 marks what no 6.8 commit confirmed). Where the paths of Kibana and Dashboards differ (Dashboards renamed
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
  - Plugin actions are writes whatever their method: executing a monitor (even `?dryrun=true`: it runs
    the monitor's query and triggers), acknowledging alerts, starting/stopping detectors, forecasters,
    rollups, transforms and snapshot policies, sending a test message (a GET in the reporting
    plugin and in early dashboards-notifications), loading sample data (a GET in observability's event
    analytics). Their POSTs that only read (`_search`, `preview`, `_validate`, `_topAnomalies`,
    `_preview`, `indices.exists`, mappings) are reads. Index management's `POST /api/ism/apiCaller`
    calls any client method named in its body: listed as a write, and judged by the call it carries
    (access.py's API_CALLER_READS, or a `transport.request` judged as a direct request).
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
ALERT = "osd 1.x-2.x (alerting-dashboards-plugin; its Open Distro predecessor used the same paths)"
ALERT2 = "osd 2.x (alerting-dashboards-plugin, later releases)"
AD = "osd 1.x-2.x (anomaly-detection-dashboards-plugin)"
AD_MDS = "osd 2.x (anomaly-detection-dashboards-plugin, with multiple data sources: a trailing {dataSourceId})"
FORECAST = "osd (anomaly-detection-dashboards-plugin's forecasting, recent releases)"
ISM = "osd 1.x-2.x (index-management-dashboards-plugin)"
ISM2 = "osd 2.x (index-management-dashboards-plugin, later releases)"
OBS = "osd 1.x-2.x (dashboards-observability)"
REP = "osd 1.x-2.x (dashboards-reporting)"
NOTIF = "osd 2.x (dashboards-notifications)"

# Sources: the stored versions consulted (repository@commit path).
_K = "elastic/kibana@"
_O = "opensearch-project/OpenSearch-Dashboards@"
_S = "opensearch-project/security-dashboards-plugin@"
# Kibana's legacy platform (6.8-7.9): the files were read in elastic/kibana at the commit given. The index
# holds one or a few versions of each file, not tagged: which release a commit belongs to was not
# established (the imports tell the era: `joi`/`boom`, then `@hapi/joi` from about 7.4; a file using the new
# platform's router inside src/legacy is 7.3 or later). See LEGACY_VERIFIED below.
_KL = _K + "14dc0666bd6dfa2d16adfdd77a7bfa0a0a30670c "   # a 7.x legacy commit (@hapi/joi): saved objects, settings, ...
S_PROXY = _K + "077fc514d127b37bb0affbf2aa8da715a4e0370c src/legacy/core_plugins/elasticsearch/lib/create_proxy.js"
S_SCROLL_L = _KL + "src/legacy/core_plugins/kibana/server/routes/api/management/saved_objects/scroll.js"
S_RELATIONS_L = _K + "0b1bb3d3010ed1ba5ebc5a668288c34891f3c9c2 src/legacy/core_plugins/kibana/server/routes/api/management/saved_objects/relationships.js"
S_FIND_L = _K + "0b1bb3d3010ed1ba5ebc5a668288c34891f3c9c2 src/legacy/core_plugins/kibana/server/routes/api/management/saved_objects/find.js"
S_KQL_L = _K + "0997f4e783f7cfe3e53de327e3d6320fceecc131 src/legacy/core_plugins/kibana/server/routes/api/kql_telemetry/index.js"
S_EXPORT_L = _KL + "src/legacy/core_plugins/kibana/server/routes/api/export/index.js"
S_IMPORT_L = _K + "0997f4e783f7cfe3e53de327e3d6320fceecc131 src/legacy/core_plugins/kibana/server/routes/api/import/index.js"
S_SUGGEST_L = _K + "02c5e23b8b2aa4ec9e2a771d5c480b3eef64c57a src/legacy/core_plugins/kibana/server/routes/api/suggestions/register_value_suggestions.js"
S_SCROLL_SEARCH_L = _K + "1cd22df28d90366e4e0f61eff3f5138e061da663 src/legacy/core_plugins/kibana/server/routes/api/scroll_search/index.js"
S_COUNT_L = _K + "2b28ee18f4b167c92fa8853c95664f9f5dc9eb48 src/legacy/core_plugins/kibana/server/routes/api/search/count/register_count.js"
S_SO_L = _KL + "src/legacy/server/saved_objects/routes/"        # + find.ts, get.ts, bulk_get.ts, create.ts, export.ts, import.ts
S_SETTINGS_L = _KL + "src/legacy/ui/ui_settings/routes/"          # + set_many.js, set.js
S_SETTINGS_L_GET = _K + "43555377f8458e0f87fe1105f5743344b5cafc59 src/legacy/ui/ui_settings/routes/get.js"
S_SETTINGS_L_DEL = _K + "c0e052a1b755a15e363ad26dfdd7c4642ff7f348 src/legacy/ui/ui_settings/routes/delete.ts"
S_STATUS_L = _K + "11aeb641e06fab09199e7570b34d84682711a1af src/legacy/server/status/routes/api/register_status.js"
S_INDEX_PATTERNS_L = _K + "0827033a4c370536e503d8e8114ddd91bb46f73d src/legacy/server/index_patterns/routes.ts"
S_GOTO_LP = _K + "46a06103a0339ff18f046518c468ccf414cd94cd src/legacy/server/url_shortening/routes/goto.js"
S_SHORTEN_L = _K + "956aeb1cee1aea3ab618951c5cdd68e862ff8d18 src/legacy/server/url_shortening/routes/shorten_url.js"
S_SHORT_LOOKUP_L = _K + "3d9f278139acae7fbcd3f7b2cfff189de7bb0014 src/legacy/server/url_shortening/routes/lib/short_url_lookup.js"
S_CONSOLE_L = _K + "0997f4e783f7cfe3e53de327e3d6320fceecc131 src/legacy/core_plugins/console/index.js"
S_CONSOLE_PROXY_L = _K + "0997f4e783f7cfe3e53de327e3d6320fceecc131 src/legacy/core_plugins/console/server/proxy_route.js"
S_TSVB_L = _K + "001dc1ae55364d99774a8065c66827670a30d174 src/legacy/core_plugins/metrics/server/routes/vis.js"
S_TSVB_FIELDS_L = _K + "aaa59536582e56d873314779886ace61a4649041 src/legacy/core_plugins/metrics/server/routes/fields.js"
S_TIMELION_L = _K + "2b28ee18f4b167c92fa8853c95664f9f5dc9eb48 src/legacy/core_plugins/timelion/server/routes/run.js"
S_SAMPLE_L = _KL + "src/legacy/server/sample_data/routes/"      # + install.js, uninstall.js
S_UI_METRIC_L = _K + "4b4f85a2e32682d1fa4ee9ca57729fe3206c2860 src/legacy/core_plugins/ui_metric/server/routes/api/ui_metric.ts"
S_UI_METRIC_L2 = _K + "0de892fbd401e508f20210e3b725e54bf954eab3 src/legacy/core_plugins/ui_metric/server/routes/api/ui_metric.ts"
S_TELEMETRY_STATS_L = _K + "20f8906b6611bdeca8579dec5b886d3ec1289499 src/legacy/core_plugins/telemetry/server/routes/telemetry_stats.ts"
S_TELEMETRY_OPTIN_L = _K + "1823bbd6ba55d49db5a120392ee2df9d684d6bcf src/legacy/core_plugins/telemetry/server/routes/opt_in.ts"
S_INTERPRETER_L = _K + "0cd860ee23d28ccfe60c53dc56a407fe8db1f785 src/legacy/core_plugins/interpreter/server/routes/server_functions.ts"
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

# Dashboards plugins that Amazon OpenSearch Service ships (server routes, paths relative to /_dashboards).
_AL = "opensearch-project/alerting-dashboards-plugin@"
S_AL_MONITORS = _AL + "0efb81302f6e6510f84f3510d9c06ceb4c93da3f server/routes/monitors.js"
S_AL_MONITORS_NEW = ("opensearch-project/alerting-dashboards-plugin server/routes/monitors.js (a later stored version with "
                     "workflows and /monitors/v1, found by its text, commit not recorded)")
S_AL_PPL = _AL + "27a000882e6e61e28b36d9dc23619adddc1b8cf4 server/routes/pplAlertingMonitors.js"
S_AL_ALERTS = _AL + "0efb81302f6e6510f84f3510d9c06ceb4c93da3f server/routes/alerts.js"
S_AL_WF_ALERTS = ("opensearch-project/alerting-dashboards-plugin server/routes/alerts.js (a later stored version with "
                  "/workflows/alerts, found by its text, commit not recorded)")
S_AL_DEST = _AL + "06d62c43c8e9dbdad9fa473e994f22f1cb3b24af server/routes/destinations.js"
S_AL_OS = _AL + "0b3668f09c682049b76b1faf3ac1a0254433717b server/routes/opensearch.js"
S_AL_AD = _AL + "06d62c43c8e9dbdad9fa473e994f22f1cb3b24af server/routes/anomalyDetector.js"
S_AL_FINDINGS = _AL + "2ec1ba38da70861d897a73779ad8eff955b55249 server/routes/findings.js"
S_AL_REMOTE = _AL + "6c0c862fb30b24034fe00890da575cce42212b17 server/routes/crossCluster.js"
S_AL_COMMENTS = _AL + "1af26aa4b53d5bc8fbb176e3272a211827c116ff server/routes/comments.js"
_AD = "opensearch-project/anomaly-detection-dashboards-plugin@"
_AD_BASE = " (base path /api/anomaly_detectors: BASE_NODE_API_PATH, server/plugin.ts @10c730b4a36c1f7a2fd65970af85bdc79f10c0b0)"
S_AD = _AD + "040f3249d488186df9a833e5da6adeb8be16ab07 server/routes/ad.ts" + _AD_BASE
S_AD_OS = _AD + "08630a67f4e1b05fdb75dde3d946212e33855539 server/routes/opensearch.ts" + _AD_BASE
S_AD_ALERTING = _AD + "3f459db6fb7c8ecf6c8057477805ebd93d17876d server/routes/alerting.ts" + _AD_BASE
S_AD_SAMPLE = _AD + "5d4d66cf26ddbee7bcf7afc59b5ba94b88163371 server/routes/sampleData.ts" + _AD_BASE
S_AD_FORECAST = (_AD + "a1657ecce6839a1573c70bb42aba2400cfd741a5 server/routes/forecast.ts (base path /api/forecasting: "
                 "FORECAST_BASE_NODE_API_PATH in the plugin's constants, found by its text)")
_IM = "opensearch-project/index-management-dashboards-plugin@"
_IM_BASE = " (NODE_API in utils/constants.ts: base /api/ism)"
S_IM_INDICES = _IM + "03c258febcebf13c73ff5954483ed47c4faf2bcd server/routes/indices.ts" + _IM_BASE
S_IM_POLICIES = _IM + "03c258febcebf13c73ff5954483ed47c4faf2bcd server/routes/policies.ts" + _IM_BASE
S_IM_MANAGED = _IM + "03c258febcebf13c73ff5954483ed47c4faf2bcd server/routes/managedIndices.ts" + _IM_BASE
S_IM_ROLLUPS = _IM + "01f669b4358dc3801fd82886e789cc1f324bf15f server/routes/rollups.ts" + _IM_BASE
S_IM_TRANSFORMS = _IM + "03c258febcebf13c73ff5954483ed47c4faf2bcd server/routes/transforms.ts" + _IM_BASE
S_IM_SNAPSHOTS = _IM + "03c258febcebf13c73ff5954483ed47c4faf2bcd server/routes/snapshotManagement.ts" + _IM_BASE
S_IM_COMMON = _IM + "03c258febcebf13c73ff5954483ed47c4faf2bcd server/routes/common.ts" + _IM_BASE
S_IM_ALIASES = _IM + "03c258febcebf13c73ff5954483ed47c4faf2bcd server/routes/aliases.ts" + _IM_BASE
S_IM_STREAMS = _IM + "03c258febcebf13c73ff5954483ed47c4faf2bcd server/routes/dataStreams.ts" + _IM_BASE
S_IM_CHANNELS = _IM + "02d8199c811a82fd1c78a20c14cf3ce7059612c2 server/routes/notifications.ts" + _IM_BASE
_OB = "opensearch-project/dashboards-observability@"
_OB_C = " (paths: common/constants/shared.ts, custom_panels.ts, notebooks.ts, trace_analytics.ts)"
S_OB_PPL = _OB + "03dc10541d2f1000f42cbe1ced9d4b4c0535e10b server/routes/ppl.ts" + _OB_C
S_OB_DSL = _OB + "08d0722829fcbdfdd31fa22b89fbb26c70960014 server/routes/dsl.ts" + _OB_C
S_OB_EVENTS = _OB + "03b7f6496e514a6839e7ebb012eda4bdf0116cc9 server/routes/event_analytics/event_analytics_router.ts" + _OB_C
S_OB_TRACES = _OB + "141f2237ff77603a2ba2c1f95ca91938b54a81f3 server/routes/trace_analytics_dsl_router.ts" + _OB_C
S_OB_PANELS = _OB + "03b7f6496e514a6839e7ebb012eda4bdf0116cc9 server/routes/custom_panels/panels_router.ts" + _OB_C
S_OB_NOTES = _OB + "00182a3813abb25bffd413f26c8bee0d865c317b server/routes/notebooks/noteRouter.ts" + _OB_C
S_OB_PARAS = _OB + "133567622dd76468050436a6402d68d655c6b2d9 server/routes/notebooks/paraRouter.ts" + _OB_C
S_OB_METRICS = _OB + "03b7f6496e514a6839e7ebb012eda4bdf0116cc9 server/routes/metrics/metrics_rounter.ts" + _OB_C
S_REPORT_DEFS = "opensearch-project/dashboards-reporting@30f875a5c5e33522d24b01ca31e691a1871a9815 server/routes/reportDefinition.ts"
S_REPORT_NOTIF = ("opensearch-project/dashboards-reporting@62973cf632749a91d06397295f4f8c5a24242edd server/routes/notifications.ts "
                  "(REPORTING_NOTIFICATIONS_DASHBOARDS_API: /api/reporting_notifications)")
_NO = "opensearch-project/dashboards-notifications@"
_NO_C = " (NODE_API in common: base /api/notifications)"
S_NOTIF_CONFIGS = _NO + "0954519924eaeb4910275baa80d193fde50be3ea server/routes/configRoutes.ts" + _NO_C
S_NOTIF_EVENTS = _NO + "13355533642c1adc16e48c7071b94d8071ff94b9 server/routes/eventRoutes.ts" + _NO_C
S_NOTIF_EVENTS_OLD = ("opensearch-project/dashboards-notifications server/routes/eventRoutes.ts (an earlier stored version "
                      "registering router.get for the test message, found by its text, commit not recorded)")


def _r(method: str, path: str, read: bool, products: str, source: str, note: str = "") -> KibanaRoute:
    return KibanaRoute(method, path, read, products, source, note)


def _both(legacy: str, other: str) -> str:
    """A route of Kibana's legacy platform (6.8-7.9) that the new platform / Dashboards kept: both files."""
    return legacy + "; " + other


NOT_READ_68 = "kibana 6.8: no 6.8 commit identified among the stored versions, so 6.8 not verified"


KIBANA_ROUTES: tuple[KibanaRoute, ...] = (
    # --- App loading. Pages (/app/...), bundles and translations are GETs that only read.
    _r("POST", "/api/core/capabilities", True, "kibana 7.x, osd 1.x-2.x",
       _O + "d7004dc5b0392477fdd54ac66b29d231975a173b src/core/server/capabilities/routes/resolve_capabilities.ts",
       "every app load posts {applications: [...]} to learn which apps and features to show; reads only"),
    _r("GET", "/api/status", True, K_ALL,
       _both(S_STATUS_L, _O + "5e265add50502af197e7d2b6377fd3c9de43f1a1 src/core/server/status/routes/status.ts")),
    _r("GET", "/api/licensing/info", True, "kibana 7.x default distribution (not the OSS build Amazon ES ships)",
       _K + "c1ae91615bc0becf6a4e3dc1f82069cec8905fc3 x-pack/plugins/licensing/server/routes/info.ts"),

    # --- Saved objects (core). Kibana 6.8-7.9 registered the same paths in src/legacy/server/saved_objects/routes.
    _r("GET", "/api/saved_objects/{type}/{id}", True, K_ALL, _both(S_SO_L + "get.ts", S_SO_O)),
    _r("GET", "/api/saved_objects/_find", True, K_ALL, _both(S_SO_L + "find.ts", S_SO_O)),
    _r("POST", "/api/saved_objects/_bulk_get", True, K_ALL, _both(S_SO_L + "bulk_get.ts", S_SO_O)),
    _r("POST", "/api/saved_objects/_export", True, K_ALL, _both(S_SO_L + "export.ts", S_SO_O),
       "streams the objects as ndjson; reads only (saved objects management 'Export'). Kibana's docs "
       "show it from 7.2 (experimental); " + NOT_READ_68),
    _r("GET", "/api/saved_objects/resolve/{type}/{id}", True, "kibana 7.13+", S_SO_K),
    _r("POST", "/api/saved_objects/_bulk_resolve", True, "kibana 7.16+", S_BULK_RESOLVE),
    _r("POST", "/api/saved_objects/{type}/{id?}", False, K_ALL, _both(S_SO_L + "create.ts", S_SO_O),
       "create (?overwrite=true overwrites); index patterns are created so"),
    _r("PUT", "/api/saved_objects/{type}/{id}", False, K_ALL, S_SO_O, "update; " + "kibana 6.8-7.9 legacy file (src/legacy/server/saved_objects/routes/) in the listing, not read: legacy side unverified"),
    _r("DELETE", "/api/saved_objects/{type}/{id}", False, K_ALL, S_SO_O, "delete; " + "kibana 6.8-7.9 legacy file (src/legacy/server/saved_objects/routes/) in the listing, not read: legacy side unverified"),
    _r("POST", "/api/saved_objects/_bulk_create", False, K_ALL, S_SO_O, "kibana 6.8-7.9 legacy file (src/legacy/server/saved_objects/routes/) in the listing, not read: legacy side unverified"),
    _r("PUT", "/api/saved_objects/_bulk_update", False, "kibana 7.x, osd 1.x-2.x", S_SO_O, "kibana 6.8-7.9 legacy file (src/legacy/server/saved_objects/routes/) in the listing, not read: legacy side unverified"),
    _r("POST", "/api/saved_objects/_import", False, K_ALL, _both(S_SO_L + "import.ts", S_SO_O),
       "multipart ndjson file, ?overwrite=; " + NOT_READ_68),
    _r("POST", "/api/saved_objects/_resolve_import_errors", False, K_ALL, S_SO_O, "kibana 6.8-7.9 legacy file (src/legacy/server/saved_objects/routes/) in the listing, not read: legacy side unverified"),
    _r("POST", "/api/saved_objects/_log_legacy_import", False, "kibana 7.x, osd 1.x-2.x", S_SO_O,
       "only logs, but its one caller is the legacy JSON import, which then writes; Kibana's legacy "
       "platform has it too (src/legacy/server/saved_objects/routes/log_legacy_import.ts, in the file "
       "listing at 71ee06122030ee859de3940b166ac589bd561684, not read)"),
    _r("POST", "/internal/saved_objects/_migrate", False, K710_OSD, S_SO_O, "runs the saved-object migrations"),

    # --- Legacy dashboards import/export (6.8-7.9 legacy kibana plugin; legacy_export plugin in 7.10/OSD).
    _r("GET", "/api/kibana/dashboards/export", True, K6_710, S_EXPORT_L, "?dashboard=<id> (repeatable)"),
    _r("POST", "/api/kibana/dashboards/import", False, K6_710, S_IMPORT_L, "{objects, version}, ?force=&exclude="),
    _r("GET", "/api/opensearch-dashboards/dashboards/export", True, OSD, S_LEGACY_EXPORT_O,
       "OSD's rename of /api/kibana/dashboards/export"),
    _r("POST", "/api/opensearch-dashboards/dashboards/import", False, OSD, S_LEGACY_IMPORT_O,
       "OSD's rename of /api/kibana/dashboards/import"),

    # --- Saved objects management (the Stack Management / Dashboards Management app).
    _r("GET", "/api/kibana/management/saved_objects/_find", True, K6_710, S_FIND_L,
       "camelCase query (perPage, type, search, fields, sortField, hasReference)"),
    _r("GET", "/api/kibana/management/saved_objects/relationships/{type}/{id}", True, K6_710, S_RELATIONS_L,
       "?size="),
    _r("POST", "/api/kibana/management/saved_objects/scroll/counts", True, K6_710, S_SCROLL_L,
       "counts objects per type with savedObjectsClient.find; reads only"),
    _r("POST", "/api/kibana/management/saved_objects/scroll/export", True, K6_710, S_SCROLL_L,
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
    _r("GET", "/api/index_patterns/_fields_for_wildcard", True, K_ALL, _both(S_INDEX_PATTERNS_L, S_INDEX_PATTERNS_O),
       "?pattern=&meta_fields=; " + NOT_READ_68 + " (its src/legacy/server/index_patterns/routes/*.js are in the listing)"),
    _r("GET", "/api/index_patterns/_fields_for_time_pattern", True, K_ALL, _both(S_INDEX_PATTERNS_L, S_INDEX_PATTERNS_O)),

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
    _r("POST", "/elasticsearch/_msearch", True, K6_7, S_PROXY,
       "legacy data proxy: transport.request POST /_msearch with the request's query and ndjson body, nothing else; "
       "the product range (its removal) not verified"),
    _r("POST", "/elasticsearch/{index}/_search", True, K6_7, S_PROXY,
       "legacy data proxy: transport.request POST /{index}/_search (index URI-encoded) with the query and body"),
    _r("POST", "/api/kibana/legacy_scroll_start", True, K6_7, S_SCROLL_SEARCH_L,
       "a search with scroll=1m of the {index} in its body; reads only"),
    _r("POST", "/api/kibana/legacy_scroll_continue", True, K6_7, S_SCROLL_SEARCH_L, "continues that scroll; reads only"),
    _r("POST", "/api/kibana/{id}/_count", True, K6_7, S_COUNT_L,
       "GET or POST: a count of index {id}; reads only (literal /api/kibana/settings/{key} wins by precedence)"),
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
    _r("POST", "/api/kibana/suggestions/values/{index}", True, K6_710, S_SUGGEST_L,
       "value suggestions: a terms aggregation on {index}; reads only"),
    _r("POST", "/api/opensearch-dashboards/suggestions/values/{index}", True, OSD, S_SUGGEST_O,
       "value suggestions: a terms aggregation on {index}; reads only"),

    # --- Usage counters and telemetry (posted by the apps on their own; they touch no user data).
    _r("POST", "/api/kibana/kql_opt_in_telemetry", True, K6_710, S_KQL_L,
       "usage counter: increments kql-telemetry optInCount/optOutCount when the KQL switch is toggled"),
    _r("POST", "/api/opensearch-dashboards/dql_opt_in_stats", True, OSD, S_DQL_O,
       "usage counter: increments dql-telemetry optInCount/optOutCount"),
    _r("POST", "/api/ui_metric/report", True, "kibana 7.4-7.10, osd 1.x-2.x",
       _K + "36582200482ab778bb9bc0efb26b16e5f9724cbf src/plugins/usage_collection/server/routes/report_metrics.ts",
       "usage counter (ui-metric objects)"),
    _r("POST", "/api/ui_metric/{appName}/{metricTypes}", True, "kibana 7.x (an early ui_metric version; range not established)",
       S_UI_METRIC_L, "usage counter: increments ui-metric '{appName}:{metricType}' for each comma-separated type"),
    _r("POST", "/api/telemetry/report", True, "kibana 7.x (a ui_metric version between the two above; range not established)",
       S_UI_METRIC_L2, "usage counter: {report: {uiStatsMetrics}} increments ui-metric objects"),
    _r("POST", "/api/ui_counters/_report", True, "kibana 7.13+",
       _K + "0d1b371340663e8f99b7c615db935d451a4eea6a src/plugins/usage_collection/server/routes/ui_counters.ts", "usage counter"),
    _r("POST", "/api/telemetry/v2/clusters/_stats", True, "kibana 7.x, osd 1.x-2.x",
       _both(S_TELEMETRY_STATS_L, S_TELEMETRY_STATS),
       "collects usage statistics for the browser to send; reads only"),
    _r("POST", "/api/telemetry/v2/optIn", False, "kibana 7.x, osd 1.x-2.x", _both(S_TELEMETRY_OPTIN_L, S_TELEMETRY_OPTIN),
       "turns telemetry on/off for everybody"),
    _r("PUT", "/api/telemetry/v2/userHasSeenNotice", False, "kibana 7.x, osd 1.x-2.x", S_TELEMETRY_NOTICE,
       "updates the telemetry saved object (userHasSeenNotice, lastVersionChecked)"),

    # --- Advanced settings (uiSettings). Setting the default index pattern is POST .../settings.
    _r("GET", "/api/kibana/settings", True, K6_710, _both(S_SETTINGS_L_GET, S_SETTINGS_K_GET)),
    _r("POST", "/api/kibana/settings", False, K6_710, _both(S_SETTINGS_L + "set_many.js", S_SETTINGS_K),
       "set many: {changes: {...}}, e.g. defaultIndex"),
    _r("POST", "/api/kibana/settings/{key}", False, K6_710, _both(S_SETTINGS_L + "set.js", S_SETTINGS_K_SET), "{value}"),
    _r("DELETE", "/api/kibana/settings/{key}", False, K6_710, _both(S_SETTINGS_L_DEL, S_SETTINGS_K_DEL)),
    _r("GET", "/api/opensearch-dashboards/settings", True, OSD, S_SETTINGS_O_GET),
    _r("POST", "/api/opensearch-dashboards/settings", False, OSD, S_SETTINGS_O_MANY,
       "set many: {changes: {...}}, e.g. defaultIndex"),
    _r("POST", "/api/opensearch-dashboards/settings/{key}", False, OSD, S_SETTINGS_O),
    _r("DELETE", "/api/opensearch-dashboards/settings/{key}", False, OSD, S_SETTINGS_O_DEL),

    # --- Share: short URLs.
    _r("GET", "/goto/{urlId}", False, K_ALL, S_GOTO_O,
       "writes through GET: getUrl() updates the url object's accessCount/accessDate (" + S_SHORT_LOOKUP_O
       + "; in Kibana's legacy platform the same: " + S_SHORT_LOOKUP_L + ")"),
    _r("GET", "/goto_LP/{urlId}", False, "kibana 7.x (the legacy goto once the share plugin took /goto; range not established)",
       S_GOTO_LP, "writes through GET: the legacy shortUrlLookup.getUrl() bumps accessCount/accessDate"),
    _r("GET", "/api/short_url/{urlId}", False, K710_OSD, S_SHORT_GET_O,
       "writes through GET: same getUrl() as /goto"),
    _r("POST", "/api/shorten_url", False, K_ALL, _both(S_SHORTEN_L, S_SHORTEN_O), "creates a url saved object"),

    # --- Dev Tools console.
    _r("POST", "/api/console/proxy", False, K_ALL, _both(S_CONSOLE_PROXY_L, S_CONSOLE_O),
       CONSOLE_PROXY_NOTE + " judged by the request it carries (?method=...&path=...), allowed only when that "
       "request is itself allowed"),
    _r("GET", "/api/console/api_server", True, K_ALL, _both(S_CONSOLE_L, S_CONSOLE_O),
       "autocomplete spec (legacy: ?sense_version=&apis=)"),
    _r("POST", "/api/console/api_server", True, K6_7, S_CONSOLE_L,
       "the legacy route takes GET and POST alike: returns the autocomplete spec; reads only"),

    # --- TSVB, Timelion (Kibana) / Timeline (OSD).
    _r("POST", "/api/metrics/vis/data", True, K_ALL, _both(S_TSVB_L, S_TSVB_O), "TSVB panel data; reads only"),
    _r("POST", "/api/metrics/vis/data-raw", True, "osd 2.x", S_TSVB_RAW_O, "TSVB raw data; reads only"),
    _r("GET", "/api/metrics/fields", True, K_ALL, _both(S_TSVB_FIELDS_L, S_TSVB_FIELDS_O)),
    _r("POST", "/api/timelion/run", True, K6_710,
       _both(S_TIMELION_L, _K + "026b9ed46230f0264eac4ed8e5833d09ee3a7101 src/plugins/vis_type_timelion/server/routes/run.ts"),
       "runs a Timelion expression (.es() searches, or fetches Graphite/World Bank); reads only. The legacy "
       "route also answers GET (?expression=&from=&to=&interval=&timezone=)"),
    _r("GET", "/api/timelion/functions", True, K6_710,  # legacy functions.js in the listing, not read
       _K + "761a7bc6d369cbb264f48525168a71c0f264adc2 src/plugins/vis_type_timelion/server/routes/functions.ts"),
    _r("POST", "/api/timeline/run", True, OSD, S_TIMELINE_O,
       "runs a Timeline expression (.opensearch() searches); reads only"),
    _r("GET", "/api/timeline/functions", True, OSD, S_TIMELINE_FUNCS_O),
    _r("GET", "/api/timeline/validate/opensearch", True, OSD, S_TIMELINE_VALIDATE_O),

    # --- Home: sample data.
    _r("GET", "/api/sample_data", True, K_ALL, _O + "383feccb7c26411287ebd706bbada5edbe36f689 src/plugins/home/server/services/sample_data/routes/list.ts"),
    _r("POST", "/api/sample_data/{id}", False, K_ALL,
       _both(S_SAMPLE_L + "install.js",
             _O + "81f25e0b6a28ea87adc776a11c72e77a13cf6c77 src/plugins/home/server/services/sample_data/routes/install.ts"),
       "deletes and recreates the sample indices, bulk-loads them, overwrites the saved objects"),
    _r("DELETE", "/api/sample_data/{id}", False, K_ALL,
       _both(S_SAMPLE_L + "uninstall.js",
             _O + "383feccb7c26411287ebd706bbada5edbe36f689 src/plugins/home/server/services/sample_data/routes/uninstall.ts")),

    # --- The legacy interpreter (Kibana 6.8-7.x): runs server-side expression functions.
    _r("POST", "/api/interpreter/fns", False, K6_7, S_INTERPRETER_L,
       "runs any server-side expression function named in its body ({functions: [{functionName, args, "
       "context}]}), Canvas's essql/esdocs among them in the default distribution; not judged per function: "
       "refused. The OSS apps' visualizations run their functions in the browser (not verified for every "
       "vis type); 6.x's socket.io transport (/socket.io, interpreter/server/routes/socket.js) is not listed"),

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

    # --- Alerting (alerting-dashboards-plugin). Execute runs a monitor (its actions can notify) even with
    # dryrun: read=False; acknowledging alerts is a write. Paths under /api/alerting.
    _r("GET", "/api/alerting/monitors", True, ALERT, S_AL_MONITORS),
    _r("GET", "/api/alerting/monitors/v1", True, ALERT2, S_AL_MONITORS_NEW),
    _r("GET", "/api/alerting/monitors/{id}", True, ALERT, S_AL_MONITORS),
    _r("POST", "/api/alerting/monitors/_search", True, ALERT, S_AL_MONITORS,
       "searchMonitors: a search of the alerting config index; reads only"),
    _r("POST", "/api/alerting/monitors", False, ALERT, S_AL_MONITORS, "creates a monitor"),
    _r("POST", "/api/alerting/monitors/_execute", False, ALERT, S_AL_MONITORS,
       "executes a monitor (?dryrun=true|false); runs its query and, without dryrun, its actions"),
    _r("PUT", "/api/alerting/monitors/{id}", False, ALERT, S_AL_MONITORS),
    _r("DELETE", "/api/alerting/monitors/{id}", False, ALERT, S_AL_MONITORS),
    _r("POST", "/api/alerting/monitors/{id}/_acknowledge/alerts", False, ALERT, S_AL_MONITORS, "acknowledges alerts"),
    _r("POST", "/api/alerting/workflows", False, ALERT2, S_AL_MONITORS_NEW, "creates a composite monitor"),
    _r("GET", "/api/alerting/workflows/{id}", True, ALERT2, S_AL_MONITORS_NEW),
    _r("PUT", "/api/alerting/workflows/{id}", False, ALERT2, S_AL_MONITORS_NEW),
    _r("DELETE", "/api/alerting/workflows/{id}", False, ALERT2, S_AL_MONITORS_NEW),
    _r("POST", "/api/alerting/workflows/{id}/_acknowledge/alerts", False, ALERT2, S_AL_MONITORS_NEW,
       "acknowledges chained alerts"),
    _r("GET", "/api/alerting/workflows/alerts", True, ALERT2, S_AL_WF_ALERTS),
    _r("GET", "/api/alerting/alerts", True, ALERT, S_AL_ALERTS),
    _r("GET", "/api/alerting/destinations", True, ALERT, S_AL_DEST),
    _r("GET", "/api/alerting/destinations/{destinationId}", True, ALERT, S_AL_DEST),
    _r("POST", "/api/alerting/destinations", False, ALERT, S_AL_DEST),
    _r("PUT", "/api/alerting/destinations/{destinationId}", False, ALERT, S_AL_DEST),
    _r("DELETE", "/api/alerting/destinations/{destinationId}", False, ALERT, S_AL_DEST),
    _r("GET", "/api/alerting/destinations/email_accounts", True, ALERT, S_AL_DEST),
    _r("GET", "/api/alerting/destinations/email_accounts/{id}", True, ALERT, S_AL_DEST),
    _r("POST", "/api/alerting/destinations/email_accounts", False, ALERT, S_AL_DEST),
    _r("PUT", "/api/alerting/destinations/email_accounts/{id}", False, ALERT, S_AL_DEST),
    _r("DELETE", "/api/alerting/destinations/email_accounts/{id}", False, ALERT, S_AL_DEST),
    _r("GET", "/api/alerting/destinations/email_groups", True, ALERT, S_AL_DEST),
    _r("GET", "/api/alerting/destinations/email_groups/{id}", True, ALERT, S_AL_DEST),
    _r("POST", "/api/alerting/destinations/email_groups", False, ALERT, S_AL_DEST),
    _r("PUT", "/api/alerting/destinations/email_groups/{id}", False, ALERT, S_AL_DEST),
    _r("DELETE", "/api/alerting/destinations/email_groups/{id}", False, ALERT, S_AL_DEST),
    _r("POST", "/api/alerting/_search", True, ALERT, S_AL_OS,
       "search of the indices a query monitor reads (its 'Run' preview, the visual editor); reads only"),
    _r("POST", "/api/alerting/_indices", True, ALERT, S_AL_OS, "cat indices; reads only"),
    _r("POST", "/api/alerting/_aliases", True, ALERT, S_AL_OS, "cat aliases; reads only"),
    _r("POST", "/api/alerting/_mappings", True, ALERT, S_AL_OS, "get mappings; reads only"),
    _r("GET", "/api/alerting/_plugins", True, ALERT, S_AL_OS),
    _r("GET", "/api/alerting/_settings", True, ALERT, S_AL_OS),
    _r("GET", "/api/alerting/detectors/{detectorId}", True, ALERT, S_AL_AD),
    _r("GET", "/api/alerting/detectors/{detectorId}/results", True, ALERT, S_AL_AD),
    _r("POST", "/api/alerting/detectors/_search", True, ALERT, S_AL_AD, "lists anomaly detectors; reads only"),
    _r("GET", "/api/alerting/findings/_search", True, ALERT2, S_AL_FINDINGS),
    _r("GET", "/api/alerting/remote/indexes", True, ALERT2, S_AL_REMOTE),
    _r("POST", "/api/alerting/comments/_search", True, ALERT2, S_AL_COMMENTS, "searches alert comments; reads only"),
    _r("POST", "/api/alerting/comments/{alertId}", False, ALERT2, S_AL_COMMENTS, "adds a comment to an alert"),
    _r("PUT", "/api/alerting/comments/{commentId}", False, ALERT2, S_AL_COMMENTS),
    _r("DELETE", "/api/alerting/comments/{commentId}", False, ALERT2, S_AL_COMMENTS),
    # PPL (v2) monitors, registered when the pplAlertingEnabled flag is on.
    _r("POST", "/_plugins/_ppl", False, ALERT2, S_AL_PPL,
       "the alerting plugin's own PPL proxy on the Dashboards server (/_dashboards/_plugins/_ppl): PPL, never a read"),
    _r("GET", "/api/alerting/indices", True, ALERT2, S_AL_PPL),
    _r("GET", "/api/alerting/v2/monitors", True, ALERT2, S_AL_PPL),
    _r("GET", "/api/alerting/v2/monitors/alerts", True, ALERT2, S_AL_PPL),
    _r("GET", "/api/alerting/v2/monitors/{id}", True, ALERT2, S_AL_PPL),
    _r("POST", "/api/alerting/v2/monitors/_search", True, ALERT2, S_AL_PPL, "searches monitor configs; reads only"),
    _r("POST", "/api/alerting/v2/monitors", False, ALERT2, S_AL_PPL),
    _r("PUT", "/api/alerting/v2/monitors/{id}", False, ALERT2, S_AL_PPL),
    _r("DELETE", "/api/alerting/v2/monitors/{id}", False, ALERT2, S_AL_PPL),
    _r("POST", "/api/alerting/v2/monitors/_execute", False, ALERT2, S_AL_PPL, "executes a PPL monitor"),
    _r("POST", "/api/alerting/v2/monitors/{id}/_execute", False, ALERT2, S_AL_PPL, "executes a PPL monitor"),

    # --- Anomaly detection (anomaly-detection-dashboards-plugin), under /api/anomaly_detectors. With multiple
    # data sources most routes take a trailing {dataSourceId} segment: each variant is listed.
    _r("POST", "/api/anomaly_detectors/detectors", False, AD, S_AD, "creates a detector"),
    _r("POST", "/api/anomaly_detectors/detectors/{dataSourceId}", False, AD_MDS, S_AD, "creates a detector"),
    _r("PUT", "/api/anomaly_detectors/detectors/{detectorId}", False, AD, S_AD),
    _r("PUT", "/api/anomaly_detectors/detectors/{detectorId}/{dataSourceId}", False, AD_MDS, S_AD),
    _r("DELETE", "/api/anomaly_detectors/detectors/{detectorId}", False, AD, S_AD),
    _r("DELETE", "/api/anomaly_detectors/detectors/{detectorId}/{dataSourceId}", False, AD_MDS, S_AD),
    _r("POST", "/api/anomaly_detectors/detectors/_search", True, AD, S_AD, "searches detector configs; reads only"),
    _r("POST", "/api/anomaly_detectors/detectors/results/_search", True, AD, S_AD, "searches anomaly results; reads only"),
    _r("POST", "/api/anomaly_detectors/detectors/results/_search/{dataSourceId}", True, AD_MDS, S_AD,
       "searches anomaly results; reads only"),
    _r("POST", "/api/anomaly_detectors/detectors/results/_search/{resultIndex}/{onlyQueryCustomResultIndex}", True,
       AD, S_AD, "searches anomaly results (custom result index); reads only"),
    _r("POST",
       "/api/anomaly_detectors/detectors/results/_search/{resultIndex}/{onlyQueryCustomResultIndex}/{dataSourceId}",
       True, AD_MDS, S_AD, "searches anomaly results (custom result index); reads only"),
    _r("POST", "/api/anomaly_detectors/detectors/preview", True, AD, S_AD,
       "previews a detector on sample data (_preview); stores nothing"),
    _r("POST", "/api/anomaly_detectors/detectors/preview/{dataSourceId}", True, AD_MDS, S_AD,
       "previews a detector on sample data (_preview); stores nothing"),
    _r("POST", "/api/anomaly_detectors/detectors/{detectorId}/_topAnomalies/{isHistorical}", True, AD, S_AD,
       "top anomalies: an aggregation over results; reads only"),
    _r("POST", "/api/anomaly_detectors/detectors/{detectorId}/_topAnomalies/{isHistorical}/{dataSourceId}", True,
       AD_MDS, S_AD, "top anomalies: an aggregation over results; reads only"),
    _r("POST", "/api/anomaly_detectors/detectors/_validate/{validationType}", True, AD, S_AD,
       "validates a detector config (_validate); stores nothing"),
    _r("POST", "/api/anomaly_detectors/detectors/_validate/{validationType}/{dataSourceId}", True, AD_MDS, S_AD,
       "validates a detector config (_validate); stores nothing"),
    _r("POST", "/api/anomaly_detectors/detectors/{detectorId}/start", False, AD, S_AD,
       "starts real-time detection, or a historical analysis with a start/end time"),
    _r("POST", "/api/anomaly_detectors/detectors/{detectorId}/start/{dataSourceId}", False, AD_MDS, S_AD),
    _r("POST", "/api/anomaly_detectors/detectors/{detectorId}/stop/{isHistorical}", False, AD, S_AD),
    _r("POST", "/api/anomaly_detectors/detectors/{detectorId}/stop/{isHistorical}/{dataSourceId}", False, AD_MDS, S_AD),
    _r("GET", "/api/anomaly_detectors/detectors/_list", True, AD, S_AD),
    _r("GET", "/api/anomaly_detectors/detectors/_count", True, AD, S_AD),
    _r("GET", "/api/anomaly_detectors/detectors/{detectorId}", True, AD, S_AD),
    _r("GET", "/api/anomaly_detectors/detectors/{detectorId}/_profile", True, AD, S_AD),
    _r("GET", "/api/anomaly_detectors/detectors/{id}/results/{isHistorical}", True, AD, S_AD),
    _r("POST", "/api/anomaly_detectors/_search", True, AD, S_AD_OS, "executeSearch: a search of {index}; reads only"),
    _r("GET", "/api/anomaly_detectors/_indices", True, AD, S_AD_OS),
    _r("GET", "/api/anomaly_detectors/_aliases", True, AD, S_AD_OS),
    _r("GET", "/api/anomaly_detectors/_mappings", True, AD, S_AD_OS),
    _r("PUT", "/api/anomaly_detectors/create_index", False, AD, S_AD_OS, "creates an index"),
    _r("PUT", "/api/anomaly_detectors/create_index/{dataSourceId}", False, AD_MDS, S_AD_OS, "creates an index"),
    _r("POST", "/api/anomaly_detectors/bulk", False, AD, S_AD_OS, "a _bulk of documents"),
    _r("POST", "/api/anomaly_detectors/bulk/{dataSourceId}", False, AD_MDS, S_AD_OS, "a _bulk of documents"),
    _r("POST", "/api/anomaly_detectors/delete_index", False, AD, S_AD_OS, "deletes an index"),
    _r("POST", "/api/anomaly_detectors/monitors/_search", True, AD, S_AD_ALERTING,
       "the alerting monitors on a detector's results; reads only"),
    _r("POST", "/api/anomaly_detectors/monitors/_search/{dataSourceId}", True, AD_MDS, S_AD_ALERTING,
       "the alerting monitors on a detector's results; reads only"),
    _r("GET", "/api/anomaly_detectors/monitors/alerts", True, AD, S_AD_ALERTING),
    _r("POST", "/api/anomaly_detectors/create_sample_data/{type}", False, AD, S_AD_SAMPLE,
       "bulk-loads a sample index"),
    # Forecasting, under /api/forecasting.
    _r("POST", "/api/forecasting/forecasters", False, FORECAST, S_AD_FORECAST, "creates a forecaster"),
    _r("POST", "/api/forecasting/forecasters/{dataSourceId}", False, FORECAST, S_AD_FORECAST, "creates a forecaster"),
    _r("PUT", "/api/forecasting/forecasters/{forecasterId}", False, FORECAST, S_AD_FORECAST),
    _r("PUT", "/api/forecasting/forecasters/{forecasterId}/{dataSourceId}", False, FORECAST, S_AD_FORECAST),
    _r("DELETE", "/api/forecasting/forecasters/{forecasterId}", False, FORECAST, S_AD_FORECAST),
    _r("DELETE", "/api/forecasting/forecasters/{forecasterId}/{dataSourceId}", False, FORECAST, S_AD_FORECAST),
    _r("POST", "/api/forecasting/forecasters/_search", True, FORECAST, S_AD_FORECAST, "reads only"),
    _r("POST", "/api/forecasting/forecasters/results/by-source/_search", True, FORECAST, S_AD_FORECAST, "reads only"),
    _r("POST", "/api/forecasting/forecasters/results/by-source/{dataSourceId}/_search", True, FORECAST, S_AD_FORECAST,
       "reads only"),
    _r("POST", "/api/forecasting/forecasters/results/by-index/{resultIndex}/_search", True, FORECAST, S_AD_FORECAST,
       "reads only"),
    _r("POST", "/api/forecasting/forecasters/results/by-index/{resultIndex}/by-source/{dataSourceId}/_search", True,
       FORECAST, S_AD_FORECAST, "reads only"),
    _r("POST", "/api/forecasting/forecasters/{forecasterId}/_run_once", False, FORECAST, S_AD_FORECAST,
       "runs a forecast task that writes results"),
    _r("POST", "/api/forecasting/forecasters/{forecasterId}/_run_once/{dataSourceId}", False, FORECAST, S_AD_FORECAST),
    _r("POST", "/api/forecasting/forecasters/{forecasterId}/start", False, FORECAST, S_AD_FORECAST),
    _r("POST", "/api/forecasting/forecasters/{forecasterId}/start/{dataSourceId}", False, FORECAST, S_AD_FORECAST),
    _r("POST", "/api/forecasting/forecasters/{forecasterId}/stop", False, FORECAST, S_AD_FORECAST),
    _r("POST", "/api/forecasting/forecasters/{forecasterId}/stop/{dataSourceId}", False, FORECAST, S_AD_FORECAST),
    _r("POST", "/api/forecasting/forecasters/{forecasterId}/_topForecasts/{isRunOnce}", True, FORECAST, S_AD_FORECAST,
       "an aggregation over results; reads only"),
    _r("POST", "/api/forecasting/forecasters/{forecasterId}/_topForecasts/{isRunOnce}/{dataSourceId}", True, FORECAST,
       S_AD_FORECAST, "an aggregation over results; reads only"),
    _r("POST", "/api/forecasting/forecasters/_validate/{validationType}", True, FORECAST, S_AD_FORECAST,
       "validates a config; stores nothing"),
    _r("POST", "/api/forecasting/forecasters/_validate/{validationType}/{dataSourceId}", True, FORECAST, S_AD_FORECAST,
       "validates a config; stores nothing"),
    _r("POST", "/api/forecasting/forecasters/_suggest/{suggestType}", True, FORECAST, S_AD_FORECAST,
       "suggests config values; stores nothing"),
    _r("POST", "/api/forecasting/forecasters/_suggest/{suggestType}/{dataSourceId}", True, FORECAST, S_AD_FORECAST,
       "suggests config values; stores nothing"),

    # --- Index management (index-management-dashboards-plugin), under /api/ism.
    _r("POST", "/api/ism/_search", True, ISM, S_IM_INDICES, "indexService.search: a search of {index}; reads only"),
    _r("GET", "/api/ism/_indices", True, ISM, S_IM_INDICES),
    _r("POST", "/api/ism/applyPolicy", False, ISM, S_IM_INDICES, "attaches a policy to indices"),
    _r("POST", "/api/ism/editRolloverAlias", False, ISM, S_IM_INDICES, "changes an index setting"),
    _r("GET", "/api/ism/policies", True, ISM, S_IM_POLICIES),
    _r("GET", "/api/ism/policies/{id}", True, ISM, S_IM_POLICIES),
    _r("PUT", "/api/ism/policies/{id}", False, ISM, S_IM_POLICIES),
    _r("DELETE", "/api/ism/policies/{id}", False, ISM, S_IM_POLICIES),
    _r("GET", "/api/ism/managedIndices", True, ISM, S_IM_MANAGED),
    _r("GET", "/api/ism/managedIndices/{id}", True, ISM, S_IM_MANAGED),
    _r("POST", "/api/ism/retry", False, ISM, S_IM_MANAGED, "retries a failed managed index"),
    _r("POST", "/api/ism/changePolicy", False, ISM, S_IM_MANAGED),
    _r("POST", "/api/ism/removePolicy", False, ISM, S_IM_MANAGED),
    _r("GET", "/api/ism/rollups", True, ISM, S_IM_ROLLUPS),
    _r("GET", "/api/ism/rollups/{id}", True, ISM, S_IM_ROLLUPS),
    _r("PUT", "/api/ism/rollups/{id}", False, ISM, S_IM_ROLLUPS),
    _r("DELETE", "/api/ism/rollups/{id}", False, ISM, S_IM_ROLLUPS),
    _r("POST", "/api/ism/rollups/{id}/_start", False, ISM, S_IM_ROLLUPS),
    _r("POST", "/api/ism/rollups/{id}/_stop", False, ISM, S_IM_ROLLUPS),
    _r("POST", "/api/ism/_mappings", True, ISM, S_IM_ROLLUPS, "rollupService.getMappings: get mappings; reads only"),
    _r("GET", "/api/ism/transforms", True, ISM, S_IM_TRANSFORMS),
    _r("GET", "/api/ism/transforms/{id}", True, ISM, S_IM_TRANSFORMS),
    _r("PUT", "/api/ism/transforms/{id}", False, ISM, S_IM_TRANSFORMS),
    _r("DELETE", "/api/ism/transforms/{id}", False, ISM, S_IM_TRANSFORMS),
    _r("POST", "/api/ism/transforms/{id}/_start", False, ISM, S_IM_TRANSFORMS),
    _r("POST", "/api/ism/transforms/{id}/_stop", False, ISM, S_IM_TRANSFORMS),
    _r("POST", "/api/ism/transforms/_preview", True, ISM, S_IM_TRANSFORMS, "previews a transform; stores nothing"),
    _r("POST", "/api/ism/_searchSampleData/{index}", True, ISM, S_IM_TRANSFORMS, "a search of {index}; reads only"),
    _r("GET", "/api/ism/_notifications/channels", True, ISM2, S_IM_CHANNELS),
    _r("GET", "/api/ism/_aliases", True, ISM2, S_IM_ALIASES),
    _r("GET", "/api/ism/_data_streams", True, ISM2, S_IM_STREAMS),
    _r("GET", "/api/ism/_snapshots", True, ISM2, S_IM_SNAPSHOTS),
    _r("GET", "/api/ism/_snapshots/{id}", True, ISM2, S_IM_SNAPSHOTS),
    _r("PUT", "/api/ism/_snapshots/{id}", False, ISM2, S_IM_SNAPSHOTS, "takes a snapshot"),
    _r("POST", "/api/ism/_snapshots/{id}", False, ISM2, S_IM_SNAPSHOTS, "restores a snapshot"),
    _r("DELETE", "/api/ism/_snapshots/{id}", False, ISM2, S_IM_SNAPSHOTS),
    _r("GET", "/api/ism/smPolicies", True, ISM2, S_IM_SNAPSHOTS),
    _r("GET", "/api/ism/smPolicies/{id}", True, ISM2, S_IM_SNAPSHOTS),
    _r("POST", "/api/ism/smPolicies/{id}", False, ISM2, S_IM_SNAPSHOTS, "creates a snapshot policy"),
    _r("PUT", "/api/ism/smPolicies/{id}", False, ISM2, S_IM_SNAPSHOTS),
    _r("DELETE", "/api/ism/smPolicies/{id}", False, ISM2, S_IM_SNAPSHOTS),
    _r("POST", "/api/ism/smPolicies/{id}/_start", False, ISM2, S_IM_SNAPSHOTS),
    _r("POST", "/api/ism/smPolicies/{id}/_stop", False, ISM2, S_IM_SNAPSHOTS),
    _r("GET", "/api/ism/_repositores", True, ISM2, S_IM_SNAPSHOTS, "sic: the plugin spells it so"),
    _r("GET", "/api/ism/_repositores/{id}", True, ISM2, S_IM_SNAPSHOTS),
    _r("PUT", "/api/ism/_repositores/{id}", False, ISM2, S_IM_SNAPSHOTS, "registers a snapshot repository"),
    _r("DELETE", "/api/ism/_repositores/{id}", False, ISM2, S_IM_SNAPSHOTS),
    _r("GET", "/api/ism/_indices/{indices}", True, ISM2, S_IM_SNAPSHOTS),
    _r("GET", "/api/ism/_recovery", True, ISM2, S_IM_SNAPSHOTS),
    _r("POST", "/api/ism/apiCaller", False, ISM2, S_IM_COMMON,
       "a generic client call ({endpoint: 'indices.create' | 'cat.indices' | ..., data}): listed as a write, "
       "and judged by the call it carries (access.py: a client method that only reads, or a "
       "transport.request judged as a direct request)"),

    # --- Observability (dashboards-observability). PPL is never a read.
    _r("POST", "/api/ppl/search", False, OBS, S_OB_PPL, "PPL (event analytics, panels, app analytics)"),
    _r("POST", "/api/dsl/search", True, OBS, S_OB_DSL, "a search of {index}; reads only"),
    _r("GET", "/api/dsl/cat.indices", True, OBS, S_OB_DSL),
    _r("GET", "/api/dsl/indices.getFieldMapping", True, OBS, S_OB_DSL),
    _r("GET", "/api/dsl/indices.getFieldSettings", True, OBS, S_OB_DSL),
    _r("POST", "/api/dsl/integrations/refresh", False, OBS, S_OB_DSL, "calls indices.refresh: acts on the cluster"),
    _r("POST", "/api/dsl/integrations/mapping", True, OBS, S_OB_DSL, "get mappings; reads only"),
    _r("GET", "/api/observability/event_analytics/saved_objects", True, OBS, S_OB_EVENTS),
    _r("GET", "/api/observability/event_analytics/saved_objects/{objectId}", True, OBS, S_OB_EVENTS),
    _r("GET", "/api/observability/event_analytics/saved_objects/addSampleSavedObjects/{sampleRequestor}", False, OBS,
       S_OB_EVENTS, "writes through GET: creates the sample saved queries and visualizations"),
    _r("POST", "/api/observability/event_analytics/saved_objects/query", False, OBS, S_OB_EVENTS),
    _r("PUT", "/api/observability/event_analytics/saved_objects/query", False, OBS, S_OB_EVENTS),
    _r("POST", "/api/observability/event_analytics/saved_objects/vis", False, OBS, S_OB_EVENTS),
    _r("PUT", "/api/observability/event_analytics/saved_objects/vis", False, OBS, S_OB_EVENTS),
    _r("POST", "/api/observability/event_analytics/saved_objects/timestamp", False, OBS, S_OB_EVENTS),
    _r("PUT", "/api/observability/event_analytics/saved_objects/timestamp", False, OBS, S_OB_EVENTS),
    _r("DELETE", "/api/observability/event_analytics/saved_objects/{objectIdList}", False, OBS, S_OB_EVENTS),
    _r("POST", "/api/observability/trace_analytics/query", True, OBS, S_OB_TRACES,
       "a search of the span/service indices; reads only"),
    _r("POST", "/api/observability/trace_analytics/data_prepper_indices", True, OBS, S_OB_TRACES,
       "indices.exists; reads only"),
    _r("POST", "/api/observability/trace_analytics/jaeger_indices", True, OBS, S_OB_TRACES,
       "indices.exists; reads only"),
    _r("GET", "/api/observability/operational_panels/panels", True, OBS, S_OB_PANELS),
    _r("GET", "/api/observability/operational_panels/panels/{panelId}", True, OBS, S_OB_PANELS),
    _r("POST", "/api/observability/operational_panels/panels", False, OBS, S_OB_PANELS),
    _r("POST", "/api/observability/operational_panels/panels/update", False, OBS, S_OB_PANELS),
    _r("POST", "/api/observability/operational_panels/panels/rename", False, OBS, S_OB_PANELS),
    _r("POST", "/api/observability/operational_panels/panels/clone", False, OBS, S_OB_PANELS),
    _r("POST", "/api/observability/operational_panels/panels/filter", False, OBS, S_OB_PANELS,
       "stores the panel's PPL filter"),
    _r("POST", "/api/observability/operational_panels/panels/addSamplePanels", False, OBS, S_OB_PANELS),
    _r("DELETE", "/api/observability/operational_panels/panels/{panelId}", False, OBS, S_OB_PANELS),
    _r("DELETE", "/api/observability/operational_panels/panelList/{panelIdList}", False, OBS, S_OB_PANELS),
    _r("GET", "/api/observability/notebooks/savedNotebook", True, OBS, S_OB_NOTES),
    _r("GET", "/api/observability/notebooks/note/savedNotebook/{noteId}", True, OBS, S_OB_NOTES),
    _r("POST", "/api/observability/notebooks/note/savedNotebook", False, OBS, S_OB_NOTES),
    _r("POST", "/api/observability/notebooks/note/savedNotebook/clone", False, OBS, S_OB_NOTES),
    _r("PUT", "/api/observability/notebooks/note/savedNotebook/rename", False, OBS, S_OB_NOTES),
    _r("DELETE", "/api/observability/notebooks/note/savedNotebook/{noteId}", False, OBS, S_OB_NOTES),
    _r("POST", "/api/observability/notebooks/note/savedNotebook/addSampleNotebooks", False, OBS, S_OB_NOTES),
    _r("POST", "/api/observability/notebooks/paragraph/update/run", False, OBS, S_OB_PARAS,
       "saves and runs a paragraph (PPL/SQL/markdown); declared with a trailing slash"),
    _r("POST", "/api/observability/notebooks/paragraph", False, OBS, S_OB_PARAS, "declared with a trailing slash"),
    _r("PUT", "/api/observability/notebooks/paragraph", False, OBS, S_OB_PARAS, "declared with a trailing slash"),
    _r("DELETE", "/api/observability/notebooks/paragraph", False, OBS, S_OB_PARAS),
    _r("PUT", "/api/observability/notebooks/paragraph/clearall", False, OBS, S_OB_PARAS,
       "declared with a trailing slash"),
    _r("POST", "/api/observability/notebooks/set_paragraphs", False, OBS, S_OB_PARAS, "declared with a trailing slash"),
    _r("GET", "/api/observability/stats", True, OBS, S_OB_METRICS),
    _r("POST", "/api/observability/stats", True, OBS, S_OB_METRICS,
       "usage counter: counts a click in the server's memory, like ui_metric"),
    _r("POST", "/api/observability/metrics/otel/aggregatedBinCount", True, OBS, S_OB_METRICS,
       "an aggregation over an OTel metrics index; reads only"),

    # --- Reporting: report definitions and the reporting notifications (dashboards-reporting).
    _r("GET", "/api/reporting/reportDefinitions", True, REP, S_REPORT_DEFS),
    _r("GET", "/api/reporting/reportDefinitions/{reportDefinitionId}", True, REP, S_REPORT_DEFS),
    _r("POST", "/api/reporting/reportDefinition", False, REP, S_REPORT_DEFS, "creates a (possibly scheduled) definition"),
    _r("PUT", "/api/reporting/reportDefinitions/{reportDefinitionId}", False, REP, S_REPORT_DEFS),
    _r("DELETE", "/api/reporting/reportDefinitions/{reportDefinitionId}", False, REP, S_REPORT_DEFS),
    _r("GET", "/api/reporting_notifications/get_configs", True, REP, S_REPORT_NOTIF),
    _r("GET", "/api/reporting_notifications/get_event/{eventId}", True, REP, S_REPORT_NOTIF),
    _r("GET", "/api/reporting_notifications/test_message/{configId}", False, REP, S_REPORT_NOTIF,
       "writes through GET: sends a test message to the channel"),

    # --- Notifications (dashboards-notifications), under /api/notifications.
    _r("GET", "/api/notifications/get_configs", True, NOTIF, S_NOTIF_CONFIGS),
    _r("GET", "/api/notifications/get_config/{configId}", True, NOTIF, S_NOTIF_CONFIGS),
    _r("GET", "/api/notifications/features", True, NOTIF, S_NOTIF_CONFIGS),
    _r("POST", "/api/notifications/create_config", False, NOTIF, S_NOTIF_CONFIGS, "creates a channel"),
    _r("PUT", "/api/notifications/update_config/{configId}", False, NOTIF, S_NOTIF_CONFIGS),
    _r("DELETE", "/api/notifications/delete_configs", False, NOTIF, S_NOTIF_CONFIGS, "?config_id_list=..."),
    _r("GET", "/api/notifications/get_event/{eventId}", True, NOTIF, S_NOTIF_EVENTS),
    _r("POST", "/api/notifications/test_message/{configId}", False, NOTIF, S_NOTIF_EVENTS,
       "sends a test message to the channel"),
    _r("GET", "/api/notifications/test_message/{configId}", False, "osd 2.x (dashboards-notifications, earlier releases)",
       S_NOTIF_EVENTS_OLD, "writes through GET: sends a test message (later releases made it a POST)"),
)
