/** Dashboards as data: the same specs build the Grafana JSON and the list of queries the tests run. */

/** Panels pick the Prometheus datasource through this dashboard variable (portable across Grafanas). */
export const DATASOURCE = { type: "prometheus", uid: "${datasource}" };

/** One PromQL query of a panel. */
export interface PanelQuery {
  readonly expr: string;
  readonly legend: string;
}

/** A panel as data; the same list builds the dashboard JSON and `dashboardQueries()`. */
export interface PanelSpec {
  /**
   * `heatmap`: its queries are histogram buckets (`sum by (le) (increase(<histogram>_bucket[...]))`,
   * Prometheus' heatmap format), drawn as a heatmap of the bucket counts over time.
   * @default "timeseries"
   */
  readonly kind?: "timeseries" | "heatmap";
  readonly title: string;
  readonly description: string;
  /** Grafana unit id (`percentunit`, `s`, `reqps`, `watt`, `celsius`, `mbytes` = MiB, ...). */
  readonly unit: string;
  readonly queries: readonly PanelQuery[];
  readonly min?: number;
  readonly max?: number;
  /** Drawn as a red dashed line; mirrors the alert threshold. */
  readonly threshold?: number;
}

export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

/** A dashboard as data. */
export interface DashboardSpec {
  /** File name without `.json`, also the last part of the uid. */
  readonly name: string;
  readonly title: string;
  readonly rows: readonly RowSpec[];
  /** Template variable filled from `label_values(<metric>, <label>)`. */
  readonly variable: { readonly name: string; readonly label: string; readonly metric: string };
}
