"""Elasticsearch/OpenSearch PLUGIN endpoints, classified read or write for the readonly rule: DATA.

The official Python clients that tools/es_endpoints.py reads (elasticsearch-py 6.8/7.10, opensearch-py
1.1/2.4) cover few of the plugins Amazon OpenSearch Service ships, so without these rows a plugin GET
that acts (GET /_plugins/_knn/warmup/{index} loads native indexes; GET
/_plugins/_notifications/feature/test/{config_id} sends a notification) passes for readonly as an
unknown GET, and a plugin POST that only reads (POST /_plugins/_ml/models/_search) is refused.
tools/es_endpoints.py imports PLUGIN_ENDPOINTS (and may ignore LATER_ENDPOINTS).

Where the rows came from (each row's `source` names the file, its commit and the operation group):
  * opensearch-project/opensearch-api-specification, spec/namespaces/<namespace>.yaml (OpenAPI 3:
    paths -> get|post|put|delete|head -> x-operation-group, x-version-added). The commit is the stored
    version that was read; a row's products follow x-version-added ('2.9' -> only "os 2.x";
    '1.0'/absent on a _plugins path -> "os 1.x, os 2.x"), except where a note says the spec is wrong.
  * ml: the stored ml.yaml was older than ml-commons, so the ML rows come from opensearch-py 3.2.0's
    opensearchpy/plugins/ml.py, which is generated from that spec (one HTTP method per operation),
    read with tools/es_endpoints.py's recording transport.
Paths are written as the spec writes them ({name} = one path segment), trailing '/' stripped.

Classification: GET/HEAD read unless it acts (loads, sends, runs, starts, clears...: read=False and the
note says why). POST/PUT/DELETE write unless it only reads (_search, explain, _preview of a transform,
stats): those are read=True with a note. SQL and PPL endpoints are never reads. When unsure: write.

Anomaly detection and some Open Distro spellings are transcribed from the plugins' REST handlers
(routes()/replacedRoutes(); a ReplacedRoute serves the _opendistro path on OpenSearch too), each row naming
the file and commit read, with the Open Distro (Elasticsearch 7.x) handler when it was read too: only then
does a row claim "es 7.10".

Not covered yet (no row; these fall to the proxy's default for unknown endpoints):
  * anomaly detection: the 2.x+ additions not transcribed (_plugins/_anomaly_detection/detectors/{id}/_run_once,
    _suggest, insights, forecasting's _plugins/_forecast); ES 7.10 for _opendistro _profile (the Open
    Distro handler read had no _profile route).
  * the Open Distro spellings still missing: _opendistro/_alerting (all but monitors/_search),
    _opendistro/_ism, _opendistro/_knn (all but warmup), _opendistro/_security/api/* (all but account),
    _opendistro/_security/health, _opendistro/_asynchronous_search, _opendistro/_performanceanalyzer,
    rollups/transforms; _opendistro/_sql and _opendistro/_ppl need no row: access.py refuses _sql/_ppl
    on any path and method.
  * security (_plugins/_security/api/...): already covered by opensearch-py 2.4.2 in es_endpoints.py.
  * core namespaces (_core, cat, cluster, indices, ingest, nodes, snapshot, tasks, ...): covered by
    the clients and es_endpoints.py's SPEC_EXTRA.

To update: read spec/namespaces/*.yaml at a newer commit (or a newer spec-generated opensearch-py),
add/adjust rows with their source, and run `python3 tools/es_plugin_endpoints.py` (self-check).
"""
from __future__ import annotations

OS = "os 1.x, os 2.x"
PRODUCTS = ("es 7.10", "os 1.x", "os 2.x")
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH")

rows: list[tuple[str, str, bool, str, str, str]] = []
later: list[tuple[str, str, bool, str, str, str]] = []
A = "opensearch-api-specification@59925bd spec/namespaces/alerting.yaml "

rows = [
("POST", "/_plugins/_alerting/monitors", False, OS, A+"alerting.create_monitor", ""),
("GET", "/_plugins/_alerting/monitors/{monitor_id}", True, OS, A+"alerting.get_monitor", ""),
("HEAD", "/_plugins/_alerting/monitors/{monitor_id}", True, OS, A+"alerting.exists_monitor", ""),
("PUT", "/_plugins/_alerting/monitors/{monitor_id}", False, OS, A+"alerting.update_monitor", ""),
("DELETE", "/_plugins/_alerting/monitors/{monitor_id}", False, OS, A+"alerting.delete_monitor", ""),
("GET", "/_plugins/_alerting/monitors/_search", True, OS, A+"alerting.search_monitors", ""),
("POST", "/_plugins/_alerting/monitors/_search", True, OS, A+"alerting.search_monitors", "search of the monitors index: a read sent with POST"),
("POST", "/_plugins/_alerting/monitors/{monitor_id}/_execute", False, OS, A+"alerting.execute_monitor", "runs the monitor (actions unless dryrun)"),
("POST", "/_plugins/_alerting/monitors/_execute", False, OS, A+"alerting.execute_ad_hoc_monitor", "runs a monitor definition (actions unless dryrun)"),
("GET", "/_plugins/_alerting/monitors/alerts", True, OS, A+"alerting.get_alerts", ""),
("POST", "/_plugins/_alerting/monitors/{monitor_id}/_acknowledge/alerts", False, OS, A+"alerting.acknowledge_alerts", ""),
("GET", "/_plugins/_alerting/findings/_search", True, "os 2.x", A+"alerting.get_findings", "x-version-added 2.0"),
("GET", "/_plugins/_alerting/destinations", True, OS, A+"alerting.get_destinations", "deprecated 2.0"),
("GET", "/_plugins/_alerting/destinations/{destination_id}", True, OS, A+"alerting.get_destinations", "deprecated 2.0"),
("GET", "/_plugins/_alerting/destinations/email_accounts/{email_account_id}", True, OS, A+"alerting.get_email_account", ""),
("HEAD", "/_plugins/_alerting/destinations/email_accounts/{email_account_id}", True, OS, A+"alerting.exists_email_account", ""),
("GET", "/_plugins/_alerting/destinations/email_accounts/_search", True, OS, A+"alerting.search_email_accounts", ""),
("POST", "/_plugins/_alerting/destinations/email_accounts/_search", True, OS, A+"alerting.search_email_accounts", "search: a read sent with POST"),
("GET", "/_plugins/_alerting/destinations/email_groups/{email_group_id}", True, OS, A+"alerting.get_email_group", ""),
("HEAD", "/_plugins/_alerting/destinations/email_groups/{email_group_id}", True, OS, A+"alerting.exists_email_group", ""),
("GET", "/_plugins/_alerting/destinations/email_groups/_search", True, OS, A+"alerting.search_email_groups", ""),
("POST", "/_plugins/_alerting/destinations/email_groups/_search", True, OS, A+"alerting.search_email_groups", "search: a read sent with POST"),
("GET", "/_plugins/_alerting/stats", True, OS, A+"alerting.stats", "spec writes /stats/"),
("GET", "/_plugins/_alerting/stats/{stat}", True, OS, A+"alerting.stats", ""),
("GET", "/_plugins/_alerting/{node_id}/stats", True, OS, A+"alerting.stats", "spec writes /stats/"),
("GET", "/_plugins/_alerting/{node_id}/stats/{stat}", True, OS, A+"alerting.stats", ""),
]
# ---- asynchronous_search ----
S = "opensearch-api-specification@2ee36bd spec/namespaces/asynchronous_search.yaml "
rows += [
("POST", "/_plugins/_asynchronous_search", False, OS, S+"asynchronous_search.search", "submits a search that runs and is stored in the cluster"),
("GET", "/_plugins/_asynchronous_search/{id}", True, OS, S+"asynchronous_search.get", ""),
("DELETE", "/_plugins/_asynchronous_search/{id}", False, OS, S+"asynchronous_search.delete", ""),
("GET", "/_plugins/_asynchronous_search/stats", True, OS, S+"asynchronous_search.stats", ""),
]
# ---- flow_framework ----
F = "opensearch-api-specification@06e14c0 spec/namespaces/flow_framework.yaml "
V212 = "os 2.x"
rows += [
("POST", "/_plugins/_flow_framework/workflow", False, V212, F+"flow_framework.create", "x-version-added 2.12"),
("GET", "/_plugins/_flow_framework/workflow/{workflow_id}", True, V212, F+"flow_framework.get", ""),
("PUT", "/_plugins/_flow_framework/workflow/{workflow_id}", False, V212, F+"flow_framework.update", ""),
("DELETE", "/_plugins/_flow_framework/workflow/{workflow_id}", False, V212, F+"flow_framework.delete", ""),
("GET", "/_plugins/_flow_framework/workflow/_steps", True, V212, F+"flow_framework.get_steps", ""),
("GET", "/_plugins/_flow_framework/workflow/{workflow_id}/_status", True, V212, F+"flow_framework.get_status", ""),
("POST", "/_plugins/_flow_framework/workflow/{workflow_id}/_deprovision", False, V212, F+"flow_framework.deprovision", ""),
("POST", "/_plugins/_flow_framework/workflow/{workflow_id}/_provision", False, V212, F+"flow_framework.provision", ""),
("GET", "/_plugins/_flow_framework/workflow/_search", True, V212, F+"flow_framework.search", ""),
("POST", "/_plugins/_flow_framework/workflow/_search", True, V212, F+"flow_framework.search", "search: a read sent with POST"),
]
# ---- geospatial ----
G = "opensearch-api-specification@1ffcc48 spec/namespaces/geospatial.yaml "
rows += [
("POST", "/_plugins/geospatial/geojson/_upload", False, "os 2.x", G+"geospatial.geojson_upload_post", "x-version-added 2.11"),
("PUT", "/_plugins/geospatial/geojson/_upload", False, "os 2.x", G+"geospatial.geojson_upload_put", ""),
("GET", "/_plugins/geospatial/_upload/stats", True, "os 2.x", G+"geospatial.get_upload_stats", ""),
("GET", "/_plugins/geospatial/ip2geo/datasource/{name}", True, "os 2.x", G+"geospatial.get_ip_to_geo_datasource", ""),
("PUT", "/_plugins/geospatial/ip2geo/datasource/{name}", False, "os 2.x", G+"geospatial.put_ip_to_geo_datasource", ""),
("DELETE", "/_plugins/geospatial/ip2geo/datasource/{name}", False, "os 2.x", G+"geospatial.delete_ip_to_geo_datasource", ""),
("PUT", "/_plugins/geospatial/ip2geo/datasource/{name}/_settings", False, "os 2.x", G+"geospatial.put_ip_to_geo_datasource_settings", ""),
]
# ---- insights (query insights) ----
rows += [
("GET", "/_insights/top_queries", True, "os 2.x", "opensearch-api-specification@305c445 spec/namespaces/insights.yaml insights.top_queries",
 "spec says x-version-added 1.0, but the query-insights plugin first shipped with OpenSearch 2.12: os 2.x only"),
]
# ---- ism ----
I = "opensearch-api-specification@305c445 spec/namespaces/ism.yaml "
rows += [
("GET", "/_plugins/_ism/policies", True, OS, I+"ism.get_policies", "no x-version-added: _plugins spelling since 1.0"),
("PUT", "/_plugins/_ism/policies", False, OS, I+"ism.put_policies", ""),
("GET", "/_plugins/_ism/policies/{policy_id}", True, OS, I+"ism.get_policy", ""),
("HEAD", "/_plugins/_ism/policies/{policy_id}", True, OS, I+"ism.exists_policy", ""),
("PUT", "/_plugins/_ism/policies/{policy_id}", False, OS, I+"ism.put_policy", ""),
("DELETE", "/_plugins/_ism/policies/{policy_id}", False, OS, I+"ism.delete_policy", ""),
("POST", "/_plugins/_ism/add", False, OS, I+"ism.add_policy", ""),
("POST", "/_plugins/_ism/add/{index}", False, OS, I+"ism.add_policy", ""),
("POST", "/_plugins/_ism/remove", False, OS, I+"ism.remove_policy", ""),
("POST", "/_plugins/_ism/remove/{index}", False, OS, I+"ism.remove_policy", ""),
("POST", "/_plugins/_ism/change_policy", False, OS, I+"ism.change_policy", ""),
("POST", "/_plugins/_ism/change_policy/{index}", False, OS, I+"ism.change_policy", ""),
("GET", "/_plugins/_ism/explain", True, OS, I+"ism.explain_policy", ""),
("POST", "/_plugins/_ism/explain", True, OS, I+"ism.explain_policy", "explain with a filter body: a read sent with POST"),
("GET", "/_plugins/_ism/explain/{index}", True, OS, I+"ism.explain_policy", ""),
("POST", "/_plugins/_ism/explain/{index}", True, OS, I+"ism.explain_policy", "explain with a filter body: a read sent with POST"),
("POST", "/_plugins/_ism/retry", False, OS, I+"ism.retry_index", ""),
("POST", "/_plugins/_ism/retry/{index}", False, OS, I+"ism.retry_index", ""),
("POST", "/_plugins/_refresh_search_analyzers/{index}", False, OS, I+"ism.refresh_search_analyzers", "reloads search analyzers"),
]
# ---- knn ----
K = "opensearch-api-specification@04f3e2f spec/namespaces/knn.yaml "
rows += [
("GET", "/_plugins/_knn/models/_search", True, OS, K+"knn.search_models", ""),
("POST", "/_plugins/_knn/models/_search", True, OS, K+"knn.search_models", "search: a read sent with POST"),
("POST", "/_plugins/_knn/models/_train", False, OS, K+"knn.train_model", "trains a model"),
("GET", "/_plugins/_knn/models/{model_id}", True, OS, K+"knn.get_model", ""),
("DELETE", "/_plugins/_knn/models/{model_id}", False, OS, K+"knn.delete_model", ""),
("POST", "/_plugins/_knn/models/{model_id}/_train", False, OS, K+"knn.train_model", "trains a model"),
("GET", "/_plugins/_knn/stats", True, OS, K+"knn.stats", ""),
("GET", "/_plugins/_knn/stats/{stat}", True, OS, K+"knn.stats", ""),
("GET", "/_plugins/_knn/warmup/{index}", False, OS, K+"knn.warmup", "loads native indexes into memory"),
("GET", "/_opendistro/_knn/warmup/{index}", False, "es 7.10, os 1.x, os 2.x", "opensearch-project/k-NN@09bf143 src/main/java/org/opensearch/knn/plugin/rest/RestKNNWarmupHandler.java replacedRoutes (LEGACY_KNN_BASE_URI)", "loads native indexes into memory (the Open Distro spelling)"),
("GET", "/_plugins/_knn/{node_id}/stats", True, OS, K+"knn.stats", ""),
("GET", "/_plugins/_knn/{node_id}/stats/{stat}", True, OS, K+"knn.stats", ""),
]
# ---- list (core, 2.18) ----
L = "opensearch-api-specification@133c441 spec/namespaces/list.yaml "
rows += [
("GET", "/_list", True, "os 2.x", L+"list.help", "x-version-added 2.18"),
("GET", "/_list/indices", True, "os 2.x", L+"list.indices", ""),
("GET", "/_list/indices/{index}", True, "os 2.x", L+"list.indices", ""),
("GET", "/_list/shards", True, "os 2.x", L+"list.shards", ""),
("GET", "/_list/shards/{index}", True, "os 2.x", L+"list.shards", ""),
]
# ---- ltr ----
T = "opensearch-api-specification@01974d1 spec/namespaces/ltr.yaml "
rows += [
("GET", "/_ltr", True, "os 2.x", T+"ltr.list_stores", "x-version-added 2.17.1"),
("PUT", "/_ltr", False, "os 2.x", T+"ltr.create_default_store", ""),
("DELETE", "/_ltr", False, "os 2.x", T+"ltr.delete_default_store", ""),
("GET", "/_ltr/{store}", True, "os 2.x", T+"ltr.get_store", ""),
("PUT", "/_ltr/{store}", False, "os 2.x", T+"ltr.create_store", ""),
("DELETE", "/_ltr/{store}", False, "os 2.x", T+"ltr.delete_store", ""),
("GET", "/_plugins/_ltr/stats", True, "os 2.x", T+"ltr.stats", "x-version-added 2.19"),
("GET", "/_plugins/_ltr/stats/{stat}", True, "os 2.x", T+"ltr.stats", ""),
("GET", "/_plugins/_ltr/{node_id}/stats", True, "os 2.x", T+"ltr.stats", ""),
("GET", "/_plugins/_ltr/{node_id}/stats/{stat}", True, "os 2.x", T+"ltr.stats", ""),
("POST", "/_ltr/_clearcache", False, "os 2.x", T+"ltr.clear_cache", "clears the feature store caches"),
("POST", "/_ltr/{store}/_clearcache", False, "os 2.x", T+"ltr.clear_cache", "clears the feature store caches"),
("GET", "/_ltr/_cachestats", True, "os 2.x", T+"ltr.cache_stats", ""),
]
# ---- neural (3.0: LATER) ----
N = "opensearch-api-specification@22891f3 spec/namespaces/neural.yaml "
later = [
("GET", "/_plugins/_neural/stats", True, "os 3.x", N+"neural.stats", "x-version-added 3.0"),
("GET", "/_plugins/_neural/stats/{stat}", True, "os 3.x", N+"neural.stats", "x-version-added 3.0"),
("GET", "/_plugins/_neural/{node_id}/stats", True, "os 3.x", N+"neural.stats", "x-version-added 3.0"),
("GET", "/_plugins/_neural/{node_id}/stats/{stat}", True, "os 3.x", N+"neural.stats", "x-version-added 3.0"),
]
# ---- notifications ----
NT = "opensearch-api-specification@0cdec4d spec/namespaces/notifications.yaml "
rows += [
("GET", "/_plugins/_notifications/channels", True, "os 2.x", NT+"notifications.list_channels", "x-version-added 2.0"),
("GET", "/_plugins/_notifications/configs", True, "os 2.x", NT+"notifications.get_configs", ""),
("POST", "/_plugins/_notifications/configs", False, "os 2.x", NT+"notifications.create_config", ""),
("DELETE", "/_plugins/_notifications/configs", False, "os 2.x", NT+"notifications.delete_configs", "x-version-added 2.2"),
("GET", "/_plugins/_notifications/configs/{config_id}", True, "os 2.x", NT+"notifications.get_config", ""),
("PUT", "/_plugins/_notifications/configs/{config_id}", False, "os 2.x", NT+"notifications.update_config", ""),
("DELETE", "/_plugins/_notifications/configs/{config_id}", False, "os 2.x", NT+"notifications.delete_config", ""),
("GET", "/_plugins/_notifications/feature/test/{config_id}", False, "os 2.x", NT+"notifications.send_test", "sends a test notification to the channel (deprecated 2.3 in favour of POST)"),
("POST", "/_plugins/_notifications/feature/test/{config_id}", False, "os 2.x", NT+"notifications.send_test", "sends a test notification to the channel"),
("GET", "/_plugins/_notifications/features", True, "os 2.x", NT+"notifications.list_features", ""),
]
# ---- sql / ppl: never reads (the project's rule: SQL and PPL are refused to readonly) ----
Q = "opensearch-api-specification@0bea608 spec/namespaces/sql.yaml "
P = "opensearch-api-specification@14f5b8e spec/namespaces/ppl.yaml "
rows += [
("PUT", "/_plugins/_query/settings", False, OS, Q+"sql.settings", "changes cluster settings"),
("POST", "/_plugins/_sql", False, OS, Q+"sql.query", "runs SQL"),
("POST", "/_plugins/_sql/_explain", False, OS, Q+"sql.explain", "SQL is never a read for readonly"),
("POST", "/_plugins/_sql/close", False, OS, Q+"sql.close", "closes a cursor; SQL is never a read for readonly"),
("GET", "/_plugins/_sql/stats", False, OS, Q+"sql.get_stats", "only metrics, but SQL endpoints are never reads for readonly (judgement)"),
("POST", "/_plugins/_sql/stats", False, OS, Q+"sql.post_stats", "only metrics, but SQL endpoints are never reads for readonly (judgement)"),
("POST", "/_plugins/_ppl", False, OS, P+"ppl.query", "runs PPL"),
("POST", "/_plugins/_ppl/_explain", False, OS, P+"ppl.explain", "PPL is never a read for readonly"),
("GET", "/_plugins/_ppl/stats", False, OS, P+"ppl.get_stats", "only metrics, but PPL endpoints are never reads for readonly (judgement)"),
("POST", "/_plugins/_ppl/stats", False, OS, P+"ppl.post_stats", "only metrics, but PPL endpoints are never reads for readonly (judgement)"),
]
# ---- security_analytics ----
SA = "opensearch-api-specification@3a9c7b1 spec/namespaces/security_analytics.yaml "
rows += [
("GET", "/_plugins/_security_analytics/alerts", True, "os 2.x", SA+"security_analytics.get_alerts", "x-version-added 2.4"),
("GET", "/_plugins/_security_analytics/findings/_search", True, "os 2.x", SA+"security_analytics.get_findings", "x-version-added 2.4"),
("GET", "/_plugins/_security_analytics/findings/correlate", True, "os 2.x", SA+"security_analytics.search_finding_correlations", "x-version-added 2.7"),
]
# ---- replication (x-version-added 1.1) ----
R = "opensearch-api-specification@0ab0105 spec/namespaces/replication.yaml "
rows += [
("PUT", "/_plugins/_replication/{index}/_start", False, OS, R+"replication.start", "x-version-added 1.1"),
("POST", "/_plugins/_replication/{index}/_stop", False, OS, R+"replication.stop", ""),
("POST", "/_plugins/_replication/{index}/_pause", False, OS, R+"replication.pause", ""),
("POST", "/_plugins/_replication/{index}/_resume", False, OS, R+"replication.resume", ""),
("GET", "/_plugins/_replication/{index}/_status", True, OS, R+"replication.status", ""),
("GET", "/_plugins/_replication/leader_stats", True, OS, R+"replication.leader_stats", ""),
("GET", "/_plugins/_replication/follower_stats", True, OS, R+"replication.follower_stats", ""),
("GET", "/_plugins/_replication/autofollow_stats", True, OS, R+"replication.autofollow_stats", ""),
("PUT", "/_plugins/_replication/{index}/_update", False, OS, R+"replication.update_settings", ""),
("POST", "/_plugins/_replication/_autofollow", False, OS, R+"replication.create_replication_rule", ""),
("DELETE", "/_plugins/_replication/_autofollow", False, OS, R+"replication.delete_replication_rule", ""),
]
# ---- rollups ----
RO = "opensearch-api-specification@073bcff spec/namespaces/rollups.yaml "
rows += [
("GET", "/_plugins/_rollup/jobs/{id}", True, OS, RO+"rollups.get", ""),
("PUT", "/_plugins/_rollup/jobs/{id}", False, OS, RO+"rollups.put", ""),
("DELETE", "/_plugins/_rollup/jobs/{id}", False, OS, RO+"rollups.delete", ""),
("POST", "/_plugins/_rollup/jobs/{id}/_start", False, OS, RO+"rollups.start", ""),
("POST", "/_plugins/_rollup/jobs/{id}/_stop", False, OS, RO+"rollups.stop", ""),
("GET", "/_plugins/_rollup/jobs/{id}/_explain", True, OS, RO+"rollups.explain", ""),
]
# ---- transforms ----
TR = "opensearch-api-specification@13ff43c spec/namespaces/transforms.yaml "
rows += [
("GET", "/_plugins/_transform", True, OS, TR+"transforms.search", ""),
("GET", "/_plugins/_transform/{id}", True, OS, TR+"transforms.get", ""),
("PUT", "/_plugins/_transform/{id}", False, OS, TR+"transforms.put", ""),
("DELETE", "/_plugins/_transform/{id}", False, OS, TR+"transforms.delete", ""),
("POST", "/_plugins/_transform/{id}/_start", False, OS, TR+"transforms.start", ""),
("POST", "/_plugins/_transform/{id}/_stop", False, OS, TR+"transforms.stop", ""),
("GET", "/_plugins/_transform/{id}/_explain", True, OS, TR+"transforms.explain", ""),
("POST", "/_plugins/_transform/_preview", True, OS, TR+"transforms.preview", "preview of a transform's output; creates nothing"),
]
# ---- sm (snapshot management, 2.1) ----
SM = "opensearch-api-specification@13ff43c spec/namespaces/sm.yaml "
rows += [
("GET", "/_plugins/_sm/policies", True, "os 2.x", SM+"sm.get_policies", "x-version-added 2.1"),
("GET", "/_plugins/_sm/policies/{policy_name}", True, "os 2.x", SM+"sm.get_policy", ""),
("POST", "/_plugins/_sm/policies/{policy_name}", False, "os 2.x", SM+"sm.create_policy", ""),
("PUT", "/_plugins/_sm/policies/{policy_name}", False, "os 2.x", SM+"sm.update_policy", ""),
("DELETE", "/_plugins/_sm/policies/{policy_name}", False, "os 2.x", SM+"sm.delete_policy", ""),
("GET", "/_plugins/_sm/policies/{policy_name}/_explain", True, "os 2.x", SM+"sm.explain_policy", ""),
("POST", "/_plugins/_sm/policies/{policy_name}/_start", False, "os 2.x", SM+"sm.start_policy", ""),
("POST", "/_plugins/_sm/policies/{policy_name}/_stop", False, "os 2.x", SM+"sm.stop_policy", ""),
]
# ---- observability (1.1) ----
OB = "opensearch-api-specification@58d84db spec/namespaces/observability.yaml "
rows += [
("GET", "/_plugins/_observability/_local/stats", True, OS, OB+"observability.local.stats.get", "x-version-added 1.1"),
("GET", "/_plugins/_observability/object", True, OS, OB+"observability.object.list", ""),
("POST", "/_plugins/_observability/object", False, OS, OB+"observability.object.post", ""),
("GET", "/_plugins/_observability/object/{objectId}", True, OS, OB+"observability.object.retrieve", ""),
("PUT", "/_plugins/_observability/object/{objectId}", False, OS, OB+"observability.object.update", ""),
("DELETE", "/_plugins/_observability/object/{objectId}", False, OS, OB+"observability.object.delete", ""),
]
# ---- query (SQL plugin data sources, 1.1) ----
QD = "opensearch-api-specification@1cf5569 spec/namespaces/query.yaml "
rows += [
("GET", "/_plugins/_query/_datasources", True, OS, QD+"query.datasources_list", "x-version-added 1.1"),
("POST", "/_plugins/_query/_datasources", False, OS, QD+"query.datasources_create", ""),
("PUT", "/_plugins/_query/_datasources", False, OS, QD+"query.datasources_update", ""),
("GET", "/_plugins/_query/_datasources/{datasource_name}", True, OS, QD+"query.datasource_retrieve", ""),
("DELETE", "/_plugins/_query/_datasources/{datasource_name}", False, OS, QD+"query.datasource_delete", ""),
]
# ---- wlm (2.17) ----
W = "opensearch-api-specification@0f40a0e spec/namespaces/wlm.yaml "
rows += [
("GET", "/_wlm/query_group", True, "os 2.x", W+"wlm.get_query_group", "x-version-added 2.17"),
("PUT", "/_wlm/query_group", False, "os 2.x", W+"wlm.create_query_group", ""),
("GET", "/_wlm/query_group/{name}", True, "os 2.x", W+"wlm.get_query_group", ""),
("PUT", "/_wlm/query_group/{name}", False, "os 2.x", W+"wlm.update_query_group", ""),
("DELETE", "/_wlm/query_group/{name}", False, "os 2.x", W+"wlm.delete_query_group", ""),
]
# ---- ubi, remote_store ----
rows += [
("POST", "/_plugins/ubi/initialize", False, "os 2.x", "opensearch-api-specification@1dd4e35 spec/namespaces/ubi.yaml ubi.initialize",
 "creates the UBI indexes; spec says x-version-added 1.0 but the UBI plugin first shipped with OpenSearch 2.15: os 2.x only"),
("POST", "/_remotestore/_restore", False, "os 2.x", "opensearch-api-specification@0cdec4d spec/namespaces/remote_store.yaml remote_store.restore",
 "restores indexes; spec says x-version-added 1.0 but remote-backed storage is a 2.x feature (judgement): os 2.x"),
]
# ---- search_relevance (3.1: LATER) ----
SR = "opensearch-api-specification@0a941cf spec/namespaces/search_relevance.yaml "
for m, p, op, rd in [
    ("GET", "/_plugins/_search_relevance/query_sets", "get_query_sets", True),
    ("POST", "/_plugins/_search_relevance/query_sets", "post_query_sets", False),
    ("PUT", "/_plugins/_search_relevance/query_sets", "put_query_sets", False),
    ("GET", "/_plugins/_search_relevance/query_sets/{query_set_id}", "get_query_sets", True),
    ("DELETE", "/_plugins/_search_relevance/query_sets/{query_set_id}", "delete_query_sets", False),
    ("GET", "/_plugins/_search_relevance/judgments", "get_judgments", True),
    ("PUT", "/_plugins/_search_relevance/judgments", "put_judgments", False),
    ("GET", "/_plugins/_search_relevance/judgments/{judgment_id}", "get_judgments", True),
    ("DELETE", "/_plugins/_search_relevance/judgments/{judgment_id}", "delete_judgments", False),
    ("GET", "/_plugins/_search_relevance/search_configurations", "get_search_configurations", True),
    ("PUT", "/_plugins/_search_relevance/search_configurations", "put_search_configurations", False),
    ("GET", "/_plugins/_search_relevance/search_configurations/{search_configuration_id}", "get_search_configurations", True),
    ("DELETE", "/_plugins/_search_relevance/search_configurations/{search_configuration_id}", "delete_search_configurations", False),
    ("GET", "/_plugins/_search_relevance/experiments", "get_experiments", True),
    ("PUT", "/_plugins/_search_relevance/experiments", "put_experiments", False),
    ("GET", "/_plugins/_search_relevance/experiments/{experiment_id}", "get_experiments", True),
    ("DELETE", "/_plugins/_search_relevance/experiments/{experiment_id}", "delete_experiments", False),
    ("GET", "/_plugins/_search_relevance/{node_id}/stats", "get_node_stats", True),
    ("GET", "/_plugins/_search_relevance/{node_id}/stats/{stat}", "get_node_stats", True),
    ("GET", "/_plugins/_search_relevance/stats", "get_stats", True),
    ("GET", "/_plugins/_search_relevance/stats/{stat}", "get_stats", True),
]:
    later.append((m, p, rd, "os 3.x", SR + "search_relevance." + op, "x-version-added 3.1"))
# ---- ml (ml-commons) ----
# The stored spec/namespaces/ml.yaml (@0201262) predates most ML APIs; these rows come from opensearch-py 3.2.0's
# plugins/ml.py, which is generated from the newer spec (one method per operation). No x-version-added there:
# ml-commons' 1.3 APIs (train, predict, execute, models, tasks, stats) are os 1.x and 2.x; the rest os 2.x;
# agentic memory containers, streaming and tool execution are 3.x (judgement) and go to LATER_ENDPOINTS.
ML = "opensearch-py 3.2.0 (generated from opensearch-api-specification) plugins.ml."
rows += [
("GET", "/_plugins/_ml/models/_search", True, OS, "opensearch-api-specification@0201262 spec/namespaces/ml.yaml ml.search_models", "search of models"),
("POST", "/_plugins/_ml/_execute/{algorithm_name}", False, OS, ML+"execute_algorithm", "runs an algorithm"),
("POST", "/_plugins/_ml/_predict/{algorithm_name}/{model_id}", False, OS, ML+"predict", "runs inference (may call a remote model)"),
("POST", "/_plugins/_ml/_train/{algorithm_name}", False, OS, ML+"train", "trains a model"),
("POST", "/_plugins/_ml/_train_predict/{algorithm_name}", False, OS, ML+"train_predict", "trains a model"),
("POST", "/_plugins/_ml/agents/_register", False, "os 2.x", ML+"register_agents", ""),
("POST", "/_plugins/_ml/agents/_search", True, "os 2.x", ML+"search_agents", "search: a read sent with POST"),
("DELETE", "/_plugins/_ml/agents/{agent_id}", False, "os 2.x", ML+"delete_agent", ""),
("GET", "/_plugins/_ml/agents/{agent_id}", True, "os 2.x", ML+"get_agent", ""),
("POST", "/_plugins/_ml/agents/{agent_id}/_execute", False, "os 2.x", ML+"execute_agent", "runs an agent (tools, models, memory writes)"),
("POST", "/_plugins/_ml/connectors/_create", False, "os 2.x", ML+"create_connector", ""),
("POST", "/_plugins/_ml/connectors/_search", True, "os 2.x", ML+"search_connectors", "search: a read sent with POST"),
("DELETE", "/_plugins/_ml/connectors/{connector_id}", False, "os 2.x", ML+"delete_connector", ""),
("GET", "/_plugins/_ml/connectors/{connector_id}", True, "os 2.x", ML+"get_connector", ""),
("PUT", "/_plugins/_ml/connectors/{connector_id}", False, "os 2.x", ML+"update_connector", ""),
("DELETE", "/_plugins/_ml/controllers/{model_id}", False, "os 2.x", ML+"delete_controller", ""),
("GET", "/_plugins/_ml/controllers/{model_id}", True, "os 2.x", ML+"get_controller", ""),
("POST", "/_plugins/_ml/controllers/{model_id}", False, "os 2.x", ML+"create_controller", ""),
("PUT", "/_plugins/_ml/controllers/{model_id}", False, "os 2.x", ML+"update_controller", ""),
("GET", "/_plugins/_ml/memory", True, "os 2.x", ML+"get_all_memories", ""),
("POST", "/_plugins/_ml/memory", False, "os 2.x", ML+"create_memory", ""),
("POST", "/_plugins/_ml/memory/_search", True, "os 2.x", ML+"search_memory", "search: a read sent with POST"),
("GET", "/_plugins/_ml/memory/message/{message_id}", True, "os 2.x", ML+"get_message", ""),
("PUT", "/_plugins/_ml/memory/message/{message_id}", False, "os 2.x", ML+"update_message", ""),
("GET", "/_plugins/_ml/memory/message/{message_id}/traces", True, "os 2.x", ML+"get_message_traces", ""),
("DELETE", "/_plugins/_ml/memory/{memory_id}", False, "os 2.x", ML+"delete_memory", ""),
("GET", "/_plugins/_ml/memory/{memory_id}", True, "os 2.x", ML+"get_memory", ""),
("PUT", "/_plugins/_ml/memory/{memory_id}", False, "os 2.x", ML+"update_memory", ""),
("POST", "/_plugins/_ml/memory/{memory_id}/_search", True, "os 2.x", ML+"search_message", "search: a read sent with POST"),
("GET", "/_plugins/_ml/memory/{memory_id}/messages", True, "os 2.x", ML+"get_all_messages", ""),
("POST", "/_plugins/_ml/memory/{memory_id}/messages", False, "os 2.x", ML+"create_message", ""),
("POST", "/_plugins/_ml/model_groups/_register", False, "os 2.x", ML+"register_model_group", ""),
("POST", "/_plugins/_ml/model_groups/_search", True, "os 2.x", ML+"search_model_group", "search: a read sent with POST"),
("DELETE", "/_plugins/_ml/model_groups/{model_group_id}", False, "os 2.x", ML+"delete_model_group", ""),
("GET", "/_plugins/_ml/model_groups/{model_group_id}", True, "os 2.x", ML+"get_model_group", ""),
("PUT", "/_plugins/_ml/model_groups/{model_group_id}", False, "os 2.x", ML+"update_model_group", ""),
("POST", "/_plugins/_ml/models/_register", False, "os 2.x", ML+"register_model", ""),
("POST", "/_plugins/_ml/models/_register_meta", False, "os 2.x", ML+"register_model_meta", ""),
("POST", "/_plugins/_ml/models/_search", True, OS, ML+"search_models", "search: a read sent with POST"),
("POST", "/_plugins/_ml/models/_undeploy", False, "os 2.x", ML+"undeploy_model", "undeploys the model"),
("POST", "/_plugins/_ml/models/_unload", False, "os 2.x", ML+"unload_model", "undeploys the model"),
("POST", "/_plugins/_ml/models/_upload", False, "os 2.x", ML+"upload_model", ""),
("POST", "/_plugins/_ml/models/meta", False, "os 2.x", ML+"create_model_meta", ""),
("DELETE", "/_plugins/_ml/models/{model_id}", False, OS, ML+"delete_model", ""),
("GET", "/_plugins/_ml/models/{model_id}", True, OS, ML+"get_model", ""),
("PUT", "/_plugins/_ml/models/{model_id}", False, "os 2.x", ML+"update_model", ""),
("POST", "/_plugins/_ml/models/{model_id}/_deploy", False, "os 2.x", ML+"deploy_model", "deploys the model to nodes"),
("POST", "/_plugins/_ml/models/{model_id}/_load", False, "os 2.x", ML+"load_model", "deploys the model to nodes"),
("POST", "/_plugins/_ml/models/{model_id}/_predict", False, "os 2.x", ML+"predict_model", "runs inference (may call a remote model)"),
("POST", "/_plugins/_ml/models/{model_id}/_undeploy", False, "os 2.x", ML+"undeploy_model", "undeploys the model"),
("POST", "/_plugins/_ml/models/{model_id}/_unload", False, "os 2.x", ML+"unload_model", "undeploys the model"),
("POST", "/_plugins/_ml/models/{model_id}/chunk/{chunk_number}", False, "os 2.x", ML+"chunk_model", ""),
("POST", "/_plugins/_ml/models/{model_id}/upload_chunk/{chunk_number}", False, "os 2.x", ML+"upload_chunk", ""),
("GET", "/_plugins/_ml/profile", True, "os 2.x", ML+"get_profile", ""),
("GET", "/_plugins/_ml/profile/models", True, "os 2.x", ML+"get_profile_models", ""),
("GET", "/_plugins/_ml/profile/models/{model_id}", True, "os 2.x", ML+"get_profile_models", ""),
("GET", "/_plugins/_ml/profile/tasks", True, "os 2.x", ML+"get_profile_tasks", ""),
("GET", "/_plugins/_ml/profile/tasks/{task_id}", True, "os 2.x", ML+"get_profile_tasks", ""),
("GET", "/_plugins/_ml/stats", True, OS, ML+"get_stats", ""),
("GET", "/_plugins/_ml/stats/{stat}", True, OS, ML+"get_stats", ""),
("POST", "/_plugins/_ml/tasks/_search", True, OS, ML+"search_tasks", "search: a read sent with POST"),
("DELETE", "/_plugins/_ml/tasks/{task_id}", False, OS, ML+"delete_task", ""),
("GET", "/_plugins/_ml/tasks/{task_id}", True, OS, ML+"get_task", ""),
("GET", "/_plugins/_ml/tools", True, "os 2.x", ML+"get_all_tools", ""),
("GET", "/_plugins/_ml/tools/{tool_name}", True, "os 2.x", ML+"get_tool", ""),
("GET", "/_plugins/_ml/{node_id}/stats", True, OS, ML+"get_stats", ""),
("GET", "/_plugins/_ml/{node_id}/stats/{stat}", True, OS, ML+"get_stats", ""),
]
later += [
("POST", "/_plugins/_ml/agents/{agent_id}/_execute/stream", False, "os 3.x", ML+"execute_agent_stream", "3.x API (judgement: not in os 2.x)"),
("POST", "/_plugins/_ml/memory_containers/_create", False, "os 3.x", ML+"create_memory_container", "3.x API (judgement: not in os 2.x)"),
("POST", "/_plugins/_ml/memory_containers/_search", True, "os 3.x", ML+"search_memory_container", "search: a read sent with POST; 3.x API (judgement: not in os 2.x)"),
("DELETE", "/_plugins/_ml/memory_containers/{memory_container_id}", False, "os 3.x", ML+"delete_memory_container", "3.x API (judgement: not in os 2.x)"),
("GET", "/_plugins/_ml/memory_containers/{memory_container_id}", True, "os 3.x", ML+"get_memory_container", "3.x API (judgement: not in os 2.x)"),
("PUT", "/_plugins/_ml/memory_containers/{memory_container_id}", False, "os 3.x", ML+"update_memory_container", "3.x API (judgement: not in os 2.x)"),
("POST", "/_plugins/_ml/memory_containers/{memory_container_id}/memories", False, "os 3.x", ML+"add_agentic_memory", "3.x API (judgement: not in os 2.x)"),
("POST", "/_plugins/_ml/memory_containers/{memory_container_id}/memories/sessions", False, "os 3.x", ML+"create_memory_container_session", "3.x API (judgement: not in os 2.x)"),
("POST", "/_plugins/_ml/memory_containers/{memory_container_id}/memories/{doc_type}/_delete_by_query", False, "os 3.x", ML+"delete_agentic_memory_query", "3.x API (judgement: not in os 2.x)"),
("GET", "/_plugins/_ml/memory_containers/{memory_container_id}/memories/{doc_type}/_search", True, "os 3.x", ML+"search_agentic_memory", "3.x API (judgement: not in os 2.x)"),
("DELETE", "/_plugins/_ml/memory_containers/{memory_container_id}/memories/{doc_type}/{id}", False, "os 3.x", ML+"delete_agentic_memory", "3.x API (judgement: not in os 2.x)"),
("GET", "/_plugins/_ml/memory_containers/{memory_container_id}/memories/{doc_type}/{id}", True, "os 3.x", ML+"get_agentic_memory", "3.x API (judgement: not in os 2.x)"),
("PUT", "/_plugins/_ml/memory_containers/{memory_container_id}/memories/{doc_type}/{id}", False, "os 3.x", ML+"update_agentic_memory", "3.x API (judgement: not in os 2.x)"),
("POST", "/_plugins/_ml/models/{model_id}/_predict/stream", False, "os 3.x", ML+"predict_model_stream", "3.x API (judgement: not in os 2.x)"),
("POST", "/_plugins/_ml/tools/_execute/{tool_name}", False, "os 3.x", ML+"execute_tool", "3.x API (judgement: not in os 2.x)"),
]

# ---- anomaly detection (opensearch-project/anomaly-detection REST handlers; not in the spec) ----
# Constants (TimeSeriesAnalyticsPlugin / AnomalyDetectorPlugin): AD_BASE_URI = /_plugins/_anomaly_detection,
# AD_BASE_DETECTORS_URI = AD_BASE_URI + /detectors, LEGACY_AD_BASE = /_opendistro/_anomaly_detection,
# LEGACY_OPENDISTRO_AD_BASE_URI = LEGACY_AD_BASE + /detectors; RestHandlerUtils: DETECTOR_ID = detectorID,
# RUN = _run, PREVIEW = _preview, START_JOB = _start, STOP_JOB = _stop, PROFILE = _profile, COUNT = count,
# MATCH = match, VALIDATE = _validate, RESULTS = results, TOP_ANOMALIES = _topAnomalies, RESULT_INDEX = resultIndex.
# The stored versions differ per file (each row names the commit read). A ReplacedRoute(new, old) serves both
# spellings on OpenSearch 1.x/2.x; the _opendistro spelling is also Open Distro's own route on Elasticsearch 7.x
# (opendistro-for-elasticsearch/anomaly-detection, AD_BASE_URI = /_opendistro/_anomaly_detection there), so
# those rows are "es 7.10, os 1.x, os 2.x" when the Open Distro handler was read too; routes() only: _plugins only.
ADP = "opensearch-project/anomaly-detection@"
ADR = "src/main/java/org/opensearch/ad/rest/"
ODA = " + opendistro-for-elasticsearch/anomaly-detection@"
ODR = " src/main/java/com/amazon/opendistroforelasticsearch/ad/rest/"
AP, AL = "/_plugins/_anomaly_detection", "/_opendistro/_anomaly_detection"
ES_OS = "es 7.10, os 1.x, os 2.x"
_ad = [
    # (method, suffix under <base>, read, os-source, odfe-source or None, note)
    ("POST", "/detectors", False, "01db1c7 " + ADR + "RestIndexAnomalyDetectorAction.java replacedRoutes (create)",
     "21f5b58" + ODR + "RestIndexAnomalyDetectorAction.java", ""),
    ("PUT", "/detectors/{detectorID}", False, "01db1c7 " + ADR + "RestIndexAnomalyDetectorAction.java replacedRoutes (update)",
     "21f5b58" + ODR + "RestIndexAnomalyDetectorAction.java", ""),
    ("DELETE", "/detectors/{detectorID}", False, "0598927 " + ADR + "RestDeleteAnomalyDetectorAction.java (both spellings)",
     "dd5ac64" + ODR + "RestDeleteAnomalyDetectorAction.java", ""),
    ("GET", "/detectors/{detectorID}", True, "0300873 " + ADR + "RestGetAnomalyDetectorAction.java replacedRoutes",
     "0673741" + ODR + "RestGetAnomalyDetectorAction.java", ""),
    ("HEAD", "/detectors/{detectorID}", True, "0300873 " + ADR + "RestGetAnomalyDetectorAction.java replacedRoutes",
     "0673741" + ODR + "RestGetAnomalyDetectorAction.java", ""),
    ("GET", "/detectors/{detectorID}/_profile", True, "0300873 " + ADR + "RestGetAnomalyDetectorAction.java replacedRoutes",
     None, ""),
    ("GET", "/detectors/{detectorID}/_profile/{type}", True, "0300873 " + ADR + "RestGetAnomalyDetectorAction.java replacedRoutes",
     None, ""),
    ("POST", "/detectors/{detectorID}/_start", False, "1c6a9c4 " + ADR + "RestAnomalyDetectorJobAction.java replacedRoutes",
     "0775f43" + ODR + "RestAnomalyDetectorJobAction.java", "starts the detector job (real-time or historical analysis)"),
    ("POST", "/detectors/{detectorID}/_stop", False, "1c6a9c4 " + ADR + "RestAnomalyDetectorJobAction.java replacedRoutes",
     "0775f43" + ODR + "RestAnomalyDetectorJobAction.java", "stops the detector job"),
    ("POST", "/detectors/{detectorID}/_run", False, "0de90ca " + ADR + "RestExecuteAnomalyDetectorAction.java replacedRoutes",
     "060db24" + ODR + "RestExecuteAnomalyDetectorAction.java",
     "runs the detector once (AnomalyResultAction: models run, results and checkpoints may be written)"),
    ("POST", "/detectors/{detectorID}/_preview", True, "0df3a8a " + ADR + "RestPreviewAnomalyDetectorAction.java replacedRoutes",
     "060db24" + ODR + "RestExecuteAnomalyDetectorAction.java",
     "preview: runs the detector's features over a past range in memory and returns them; stores nothing"),
    ("GET", "/detectors/_search", True, "012a7f0 " + ADR + "RestSearchAnomalyDetectorAction.java (AbstractSearchAction@1a37be9 replacedRoutes)",
     "20f1de9" + ODR + "AbstractSearchAction.java (RestSearchAnomalyDetectorAction)", ""),
    ("POST", "/detectors/_search", True, "012a7f0 " + ADR + "RestSearchAnomalyDetectorAction.java (AbstractSearchAction@1a37be9 replacedRoutes)",
     "20f1de9" + ODR + "AbstractSearchAction.java (RestSearchAnomalyDetectorAction)", "search of the detectors index: a read sent with POST"),
    ("GET", "/detectors/results/_search", True, "15b93ed " + ADR + "RestSearchAnomalyResultAction.java (AbstractSearchAction replacedRoutes)",
     "1d07fe7" + ODR + "RestSearchAnomalyResultAction.java", ""),
    ("POST", "/detectors/results/_search", True, "15b93ed " + ADR + "RestSearchAnomalyResultAction.java (AbstractSearchAction replacedRoutes)",
     "1d07fe7" + ODR + "RestSearchAnomalyResultAction.java", "search of the result indexes: a read sent with POST"),
    ("GET", "/detectors/tasks/_search", True, "1c6a9c4 " + ADR + "RestSearchADTasksAction.java (AbstractSearchAction replacedRoutes)",
     "852c2af" + ODR + "RestSearchADTasksAction.java", ""),
    ("POST", "/detectors/tasks/_search", True, "1c6a9c4 " + ADR + "RestSearchADTasksAction.java (AbstractSearchAction replacedRoutes)",
     "852c2af" + ODR + "RestSearchADTasksAction.java", "search of the detection state index: a read sent with POST"),
    ("GET", "/detectors/count", True, "0df3a8a " + ADR + "RestSearchAnomalyDetectorInfoAction.java replacedRoutes",
     "d8fcc08" + ODR + "RestSearchAnomalyDetectorInfoAction.java", ""),
    ("GET", "/detectors/match", True, "0df3a8a " + ADR + "RestSearchAnomalyDetectorInfoAction.java replacedRoutes",
     "d8fcc08" + ODR + "RestSearchAnomalyDetectorInfoAction.java", ""),
    ("GET", "/stats", True, "040c6a9 " + ADR + "RestStatsAnomalyDetectorAction.java replacedRoutes (written /stats/)",
     "0e3ffea" + ODR + "RestStatsAnomalyDetectorAction.java", ""),
    ("GET", "/stats/{stat}", True, "040c6a9 " + ADR + "RestStatsAnomalyDetectorAction.java replacedRoutes",
     "0e3ffea" + ODR + "RestStatsAnomalyDetectorAction.java", ""),
    ("GET", "/{nodeId}/stats", True, "040c6a9 " + ADR + "RestStatsAnomalyDetectorAction.java replacedRoutes (written /stats/)",
     "0e3ffea" + ODR + "RestStatsAnomalyDetectorAction.java", ""),
    ("GET", "/{nodeId}/stats/{stat}", True, "040c6a9 " + ADR + "RestStatsAnomalyDetectorAction.java replacedRoutes",
     "0e3ffea" + ODR + "RestStatsAnomalyDetectorAction.java", ""),
]
rows += [
    (m, AP + suffix, rd, OS, ADP + src + (" (new path)" if odfe is None else ""), note)
    for m, suffix, rd, src, odfe, note in _ad
]
rows += [
    (m, AL + suffix, rd, ES_OS if odfe else OS,
     ADP + src + " (old path)" + (ODA + odfe + " routes" if odfe else ""),
     note + ("; " if note else "") + ("the Open Distro spelling" if odfe else
                                      "the Open Distro spelling (ReplacedRoute on OpenSearch; the Open Distro handler read had no such route: es 7.10 not shown)"))
    for m, suffix, rd, src, odfe, note in _ad
]
rows += [
    # routes() only: the _plugins spelling, no Open Distro twin
    ("POST", AP + "/detectors/{detectorID}/_profile", True, "os 2.x", ADP + "0300873 " + ADR + "RestGetAnomalyDetectorAction.java routes",
     "profile with the entity in the body ('Opensearch-only API'): a read sent with POST; first seen in 2.x-era handlers (judgement: os 2.x)"),
    ("POST", AP + "/detectors/{detectorID}/_profile/{type}", True, "os 2.x", ADP + "0300873 " + ADR + "RestGetAnomalyDetectorAction.java routes",
     "profile with the entity in the body: a read sent with POST; os 2.x (judgement, as above)"),
    ("POST", AP + "/detectors/_preview", True, "os 2.x", ADP + "0df3a8a " + ADR + "RestPreviewAnomalyDetectorAction.java routes",
     "preview of a detector given in the body: runs in memory, stores nothing; os 2.x (judgement: the handler read is 2.x)"),
    ("POST", AP + "/detectors/_validate", True, "os 2.x", ADP + "03cf8c4 " + ADR + "RestValidateAnomalyDetectorAction.java routes",
     "validates a detector given in the body (reads mappings and samples data), creates nothing; os 2.x (judgement)"),
    ("POST", AP + "/detectors/_validate/{type}", True, "os 2.x", ADP + "03cf8c4 " + ADR + "RestValidateAnomalyDetectorAction.java routes",
     "validates a detector given in the body, creates nothing; os 2.x (judgement)"),
    ("GET", AP + "/detectors/results/_search/{resultIndex}", True, "os 2.x", ADP + "15b93ed " + ADR + "RestSearchAnomalyResultAction.java routes", "custom result index search; os 2.x (judgement)"),
    ("POST", AP + "/detectors/results/_search/{resultIndex}", True, "os 2.x", ADP + "15b93ed " + ADR + "RestSearchAnomalyResultAction.java routes",
     "search of the result indexes and a custom result index: a read sent with POST; os 2.x (judgement)"),
    ("GET", AP + "/detectors/{detectorID}/results/_topAnomalies", True, "os 2.x", ADP + "0892126 " + ADR + "RestSearchTopAnomalyResultAction.java routes",
     "aggregates the result indexes (top entities); os 2.x (judgement)"),
    ("POST", AP + "/detectors/{detectorID}/results/_topAnomalies", True, "os 2.x", ADP + "0892126 " + ADR + "RestSearchTopAnomalyResultAction.java routes",
     "aggregation over the result indexes with the parameters in the body: a read sent with POST; os 2.x (judgement)"),
    ("DELETE", AP + "/detectors/results", False, OS, ADP + "040c6a9 " + ADR + "RestDeleteAnomalyResultsAction.java routes", "delete by query over the result indexes"),
    ("DELETE", AL + "/detectors/results", False, "es 7.10", "opendistro-for-elasticsearch/anomaly-detection@491dffb" + ODR + "RestDeleteAnomalyResultsAction.java routes",
     "delete by query over the result indexes (Open Distro only; on OpenSearch this path is the detector delete, also a write)"),
]
del _ad
# ---- the Open Distro spellings of other plugins (each plugin's replacedRoutes()/routes()) ----
AO = "opensearch-project/alerting@04025bf alerting/src/main/kotlin/org/opensearch/alerting/resthandler/RestSearchMonitorAction.kt replacedRoutes"
AOD = " + opendistro-for-elasticsearch/alerting@0b8dbdc alerting/src/main/kotlin/com/amazon/opendistroforelasticsearch/alerting/resthandler/RestSearchMonitorAction.kt routes"
SI = "opensearch-project/security@006bab8 src/main/java/org/opensearch/security/rest/SecurityInfoAction.java routes (addRoutesPrefix /_opendistro/_security, /_plugins/_security)"
SA = "opensearch-project/security@03c6019 src/main/java/org/opensearch/security/dlic/rest/api/AccountApiAction.java routes (addRoutesPrefix: /_opendistro/_security/api, /_plugins/_security/api)"
rows += [
("GET", "/_opendistro/_alerting/monitors/_search", True, ES_OS, AO + AOD, "the Open Distro spelling"),
("POST", "/_opendistro/_alerting/monitors/_search", True, ES_OS, AO + AOD, "search of the monitors index: a read sent with POST (the Open Distro spelling)"),
("GET", "/_opendistro/_security/authinfo", True, OS, SI, "the caller's own user, roles and tenants; es 7.10 (Open Distro security) not shown"),
("POST", "/_opendistro/_security/authinfo", True, OS, SI, "the same answer as GET (no body read): a read sent with POST"),
("GET", "/_plugins/_security/authinfo", True, OS, SI, ""),
("POST", "/_plugins/_security/authinfo", True, OS, SI, "the same answer as GET (no body read): a read sent with POST"),
("GET", "/_opendistro/_security/api/account", True, OS, SA, "the caller's own account"),
("PUT", "/_opendistro/_security/api/account", False, OS, SA, "changes the caller's password or saved tenant"),
]

# (method, path, read, products, source, note)
PLUGIN_ENDPOINTS: list[tuple[str, str, bool, str, str, str]] = rows
# Endpoints first added in OpenSearch 3.x: outside "es 7.10, os 1.x, os 2.x", kept for when 3.x is proxied.
LATER_ENDPOINTS: list[tuple[str, str, bool, str, str, str]] = later
del rows, later


def _check() -> list[str]:
    errors = []
    seen = set()
    for table, allowed in ((PLUGIN_ENDPOINTS, set(PRODUCTS)), (LATER_ENDPOINTS, {"os 3.x"})):
        for row in table:
            if len(row) != 6:
                errors.append(f"not 6 fields: {row!r}")
                continue
            method, path, read, products, source, note = row
            if method not in METHODS:
                errors.append(f"bad method: {row!r}")
            if not path.startswith("/") or (path.endswith("/") and path != "/") or "//" in path:
                errors.append(f"bad path: {row!r}")
            if not isinstance(read, bool):
                errors.append(f"read not a bool: {row!r}")
            got = [p.strip() for p in products.split(",")]
            if not got or not set(got) <= allowed:
                errors.append(f"bad products: {row!r}")
            if not source:
                errors.append(f"no source: {row!r}")
            if (method, path) in seen:
                errors.append(f"duplicate: {method} {path}")
            seen.add((method, path))
            if method in ("GET", "HEAD") and not read and not note:
                errors.append(f"acting GET without a note: {row!r}")
            if method not in ("GET", "HEAD") and read and not note:
                errors.append(f"read {method} without a note: {row!r}")
    return errors


if __name__ == "__main__":
    import collections
    import sys

    problems = _check()
    for p in problems:
        print("ERROR", p)
    counts = collections.defaultdict(lambda: [0, 0])
    for method, path, read, products, source, note in PLUGIN_ENDPOINTS:
        if source.startswith("opensearch-api-specification") or "plugins.ml." in source:
            ns = source.split()[-1].split(".")[0] if "plugins.ml." not in source else "ml"
        else:  # transcribed from a plugin's handlers: named by the path
            parts = path.split("/")
            ns = parts[2].lstrip("_") + (" (_opendistro)" if parts[1] == "_opendistro" else "")
        counts[ns][0 if read else 1] += 1
    for ns in sorted(counts):
        print(f"{ns:22} reads {counts[ns][0]:3}  writes {counts[ns][1]:3}")
    print(f"PLUGIN_ENDPOINTS {len(PLUGIN_ENDPOINTS)} rows, LATER_ENDPOINTS {len(LATER_ENDPOINTS)} rows")
    print("acting GETs:", *[f"{m} {p}" for m, p, r, *_ in PLUGIN_ENDPOINTS if m in ("GET", "HEAD") and not r], sep="\n  ")
    print("POST/PUT/DELETE reads:", *[f"{m} {p}" for m, p, r, *_ in PLUGIN_ENDPOINTS if m not in ("GET", "HEAD") and r], sep="\n  ")
    sys.exit(1 if problems else 0)
